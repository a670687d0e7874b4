package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
)

var (
	workflowsGVR   = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "workflows"}
	taskResultsGVR = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "workflowtaskresults"}
)

const (
	labelWorkflow               = "workflows.argoproj.io/workflow"
	labelReportOutputsCompleted = "workflows.argoproj.io/report-outputs-completed"
	labelOnExit                 = "workflows.argoproj.io/on-exit"
	annotationNodeID            = "workflows.argoproj.io/node-id"
	// Script templates run `<interpreter> /argo/staging/script`; the init container would write the source there.
	scriptStagingPath = "/argo/staging/script"
	// The executor keeps the last 256 kB of stdout as outputs.result.
	maxResultBytes = 256 * 1024
	// Cap on SIGTERM→SIGKILL, so a test never waits a pod's full terminationGracePeriodSeconds (default 30 s).
	maxKillGrace = 5 * time.Second
)

// KubeletOptions configures the fake kubelet.
type KubeletOptions struct {
	Root    string // project root: `openfold-argo` runs `node <Root>/bin/openfold-argo.js`
	WorkDir string // per-pod working directories and logs
	Log     func(format string, args ...any)
}

// ProcessRecord is what the kubelet observed of one pod's main process.
type ProcessRecord struct {
	Namespace, Workflow, Template, NodeID, Pod string
	Argv                                       []string
	Started, Finished                          time.Time
	ExitCode                                   int
	// KilledBecause is set when the kubelet ended the process (deadline, workflow shutdown, pod deleted, OOMKilled).
	KilledBecause string
	LogPath       string
	// MemoryLimit is the main container's limits.memory; NodeSelector the pod's (after Argo's podSpecPatch).
	MemoryLimit  string
	NodeSelector map[string]string
}

// Kubelet stands in for the kubelet and for Argo's executor (init, wait and emissary): for each workflow pod it
// runs the main container's command as a local process and reports status and outputs the way the executor does.
type Kubelet struct {
	kube    kubernetes.Interface
	dynamic dynamic.Interface
	opts    KubeletOptions
	shimDir string

	mu      sync.Mutex
	running map[types.UID]*podRun
	seen    map[types.UID]bool
	records []ProcessRecord
	wg      sync.WaitGroup
}

type podRun struct {
	namespace, workflow, nodeID string
	onExit                      bool
	kill                        chan string // receives the reason the process must end
	killOnce                    sync.Once
}

func (r *podRun) requestKill(reason string) {
	r.killOnce.Do(func() { r.kill <- reason })
}

// NewKubelet prepares the PATH shim directory.
func NewKubelet(kube kubernetes.Interface, dyn dynamic.Interface, opts KubeletOptions) (*Kubelet, error) {
	k := &Kubelet{kube: kube, dynamic: dyn, opts: opts, running: map[types.UID]*podRun{}, seen: map[types.UID]bool{}}
	k.shimDir = filepath.Join(opts.WorkDir, ".shim")
	if err := os.MkdirAll(k.shimDir, 0o755); err != nil {
		return nil, err
	}
	entry := filepath.Join(opts.Root, "bin", "openfold-argo.js")
	if strings.ContainsAny(entry, "'\n") {
		return nil, fmt.Errorf("project root %q: quote or newline in path", opts.Root)
	}
	// The image's `openfold-argo` is the project's CLI here; a PATH shim also covers commands that call it
	// indirectly (sh -c, scripts), which an argv rewrite would miss.
	shim := "#!/bin/sh\nexec node '" + entry + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(k.shimDir, "openfold-argo"), []byte(shim), 0o755); err != nil {
		return nil, err
	}
	return k, nil
}

// Start watches workflow pods and workflows until ctx ends.
func (k *Kubelet) Start(ctx context.Context) error {
	podInformers := informers.NewSharedInformerFactoryWithOptions(k.kube, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = labelWorkflow }))
	pods := podInformers.Core().V1().Pods().Informer()
	_, err := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { k.onPod(ctx, obj) },
		UpdateFunc: func(_, obj any) { k.onPod(ctx, obj) },
		DeleteFunc: k.onPodDeleted,
	})
	if err != nil {
		return err
	}
	wfInformers := dynamicinformer.NewDynamicSharedInformerFactory(k.dynamic, 0)
	workflows := wfInformers.ForResource(workflowsGVR).Informer()
	_, err = workflows.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { k.onWorkflow(obj) },
	})
	if err != nil {
		return err
	}
	podInformers.Start(ctx.Done())
	wfInformers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), pods.HasSynced, workflows.HasSynced) {
		return errors.New("kubelet: informer caches did not sync")
	}
	return nil
}

// Wait blocks until every pod goroutine has ended (after the Start context is cancelled).
func (k *Kubelet) Wait() { k.wg.Wait() }

// Records returns a copy of the finished processes.
func (k *Kubelet) Records() []ProcessRecord {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]ProcessRecord(nil), k.records...)
}

// labelUnschedulable in a pod's nodeSelector stands for a node selector no node matches: the kubelet stand-in
// leaves such a pod Pending, as an unschedulable pod stays (no node is ever given it).
const labelUnschedulable = "e2e.openfold-argo.io/no-such-node"

func (k *Kubelet) onPod(ctx context.Context, obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.DeletionTimestamp != nil || (pod.Status.Phase != "" && pod.Status.Phase != corev1.PodPending) {
		return
	}
	if _, never := pod.Spec.NodeSelector[labelUnschedulable]; never {
		return
	}
	k.mu.Lock()
	if k.seen[pod.UID] {
		k.mu.Unlock()
		return
	}
	k.seen[pod.UID] = true
	_, onExit := pod.Labels[labelOnExit]
	run := &podRun{namespace: pod.Namespace, workflow: pod.Labels[labelWorkflow],
		nodeID: pod.Annotations[annotationNodeID], onExit: onExit, kill: make(chan string, 1)}
	k.running[pod.UID] = run
	k.wg.Add(1)
	k.mu.Unlock()
	go func() {
		defer k.wg.Done()
		defer func() { k.mu.Lock(); delete(k.running, pod.UID); k.mu.Unlock() }()
		if err := k.runPod(ctx, pod.DeepCopy(), run); err != nil && ctx.Err() == nil {
			k.opts.Log("pod %s/%s: %v", pod.Namespace, pod.Name, err)
		}
	}()
}

func (k *Kubelet) onPodDeleted(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		k.mu.Lock()
		run := k.running[pod.UID]
		k.mu.Unlock()
		if run != nil {
			run.requestKill("pod deleted")
		}
	}
}

// onWorkflow ends processes whose node the controller has already decided (deadline exceeded, failFast, stop or
// terminate): the controller would signal them through pods/exec, which needs a real kubelet.
func (k *Kubelet) onWorkflow(obj any) {
	wf, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	shutdown, _, _ := unstructured.NestedString(wf.Object, "spec", "shutdown")
	nodes, _, _ := unstructured.NestedMap(wf.Object, "status", "nodes")
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, run := range k.running {
		if run.namespace != wf.GetNamespace() || run.workflow != wf.GetName() {
			continue
		}
		if shutdown == "Terminate" || (shutdown == "Stop" && !run.onExit) {
			run.requestKill("workflow shutdown: " + shutdown)
			continue
		}
		node, _ := nodes[run.nodeID].(map[string]any)
		if phase, _ := node["phase"].(string); isFulfilled(phase) {
			message, _ := node["message"].(string)
			run.requestKill(fmt.Sprintf("node already %s: %s", phase, message))
		}
	}
}

func isFulfilled(phase string) bool {
	switch phase {
	case "Succeeded", "Failed", "Error", "Skipped", "Omitted":
		return true
	}
	return false
}

// argoTemplate is the part of the ARGO_TEMPLATE environment variable that the executor uses here.
type argoTemplate struct {
	Name    string `json:"name"`
	Outputs struct {
		Parameters []map[string]any `json:"parameters"`
	} `json:"outputs"`
	Script *struct {
		Source string `json:"source"`
	} `json:"script"`
}

// podPlan is what the kubelet runs for one pod.
type podPlan struct {
	argv          []string
	env           []string
	dir           string
	template      argoTemplate
	includeResult bool
	deadline      time.Time
	ownerRef      metav1.OwnerReference
}

func (k *Kubelet) runPod(ctx context.Context, pod *corev1.Pod, run *podRun) error {
	started := time.Now()
	podDir := filepath.Join(k.opts.WorkDir, pod.Namespace, pod.Name)
	if err := os.MkdirAll(podDir, 0o755); err != nil {
		return err
	}
	plan, err := k.planPod(ctx, pod, podDir)
	if err != nil {
		// The real kubelet would report a container that cannot start; make the node fail with the reason.
		return k.setTerminated(ctx, pod, started, 128, "harness: "+err.Error(), "", "")
	}
	if err := k.createTaskResult(ctx, pod, run, plan.ownerRef); err != nil {
		return err
	}
	if err := k.setRunning(ctx, pod, started); err != nil {
		return err
	}
	_, limit := memoryLimit(pod)
	record := ProcessRecord{Namespace: pod.Namespace, Workflow: run.workflow, Template: plan.template.Name,
		NodeID: run.nodeID, Pod: pod.Name, Argv: plan.argv, LogPath: filepath.Join(podDir, "main.log"),
		MemoryLimit: limit, NodeSelector: pod.Spec.NodeSelector}
	stdout, exitCode, killedBecause, err := k.execute(ctx, pod, plan, run, &record)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	record.ExitCode, record.KilledBecause = exitCode, killedBecause
	k.mu.Lock()
	k.records = append(k.records, record)
	k.mu.Unlock()
	if killedBecause == "pod deleted" {
		return nil
	}

	outputs, outputErr := collectOutputs(plan, stdout, exitCode)
	if err := k.completeTaskResult(ctx, pod, run, outputs); err != nil {
		return err
	}
	message, reason, mainReason := "", "", ""
	switch {
	case strings.HasPrefix(killedBecause, oomReasonPrefix):
		mainReason = "OOMKilled" // the container's reason; the pod itself gets no message, as from a real kubelet
	case strings.HasPrefix(killedBecause, "activeDeadlineSeconds"):
		message, reason = "Pod was active on the node longer than the specified deadline", "DeadlineExceeded"
	case strings.HasPrefix(killedBecause, "ARGO_DEADLINE"):
		message = "Step exceeded its deadline" // what the executor's deadline monitor reports
	case killedBecause != "":
		message = "harness: process killed: " + killedBecause
	case outputErr != nil:
		message = outputErr.Error()
	}
	return k.setTerminated(ctx, pod, started, exitCode, message, reason, mainReason)
}

// planPod works out argv, environment and working directory of the main container the way the emissary does.
func (k *Kubelet) planPod(ctx context.Context, pod *corev1.Pod, podDir string) (*podPlan, error) {
	plan := &podPlan{}
	for _, ref := range pod.OwnerReferences {
		if ref.Kind == "Workflow" {
			plan.ownerRef = metav1.OwnerReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name, UID: ref.UID}
		}
	}
	if plan.ownerRef.UID == "" {
		return nil, errors.New("pod has no Workflow owner reference")
	}
	main := findContainer(pod.Spec.Containers, "main")
	if main == nil {
		return nil, errors.New("pod has no main container (container sets and agent pods are not emulated)")
	}
	templateJSON, err := k.templateJSON(ctx, pod)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(templateJSON), &plan.template); err != nil {
		return nil, fmt.Errorf("ARGO_TEMPLATE: %w", err)
	}
	env, err := k.resolveEnv(ctx, pod, main)
	if err != nil {
		return nil, err
	}
	lookup := envMap(env)
	args := main.Args
	if path := lookup["ARGO_CONTAINER_ARGS_FILE"]; path != "" {
		if args, err = k.offloadedArgs(ctx, pod); err != nil {
			return nil, err
		}
	}
	argv, err := emissaryArgv(main.Command, args)
	if err != nil {
		return nil, err
	}
	for i, arg := range argv {
		argv[i] = expandKubeVars(arg, lookup)
		if arg == scriptStagingPath && plan.template.Script != nil {
			script := filepath.Join(podDir, "script")
			if err := os.WriteFile(script, []byte(plan.template.Script.Source), 0o755); err != nil {
				return nil, err
			}
			argv[i] = script
		}
	}
	plan.argv = argv
	plan.includeResult = lookup["ARGO_INCLUDE_SCRIPT_OUTPUT"] == "true"
	if deadline, err := time.Parse(time.RFC3339, lookup["ARGO_DEADLINE"]); err == nil && deadline.Year() > 1 {
		plan.deadline = deadline
	}
	plan.dir = podDir
	if main.WorkingDir != "" {
		plan.dir = main.WorkingDir
		if err := os.MkdirAll(plan.dir, 0o755); err != nil {
			return nil, fmt.Errorf("workingDir: %w", err)
		}
	}
	base := []string{"PATH=" + k.shimDir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + podDir}
	for _, name := range []string{"LANG", "TMPDIR", "TZ"} {
		if v, ok := os.LookupEnv(name); ok {
			base = append(base, name+"="+v)
		}
	}
	plan.env = append(base, env...)
	return plan, nil
}

func findContainer(containers []corev1.Container, name string) *corev1.Container {
	for i := range containers {
		if containers[i].Name == name {
			return &containers[i]
		}
	}
	return nil
}

// emissaryArgv returns the user's command: what follows `argoexec emissary [log options] --`, then the args.
func emissaryArgv(command, args []string) ([]string, error) {
	for i, word := range command {
		if word == "--" && i > 0 {
			argv := append(append([]string{}, command[i+1:]...), args...)
			if len(argv) == 0 {
				return nil, errors.New("main container: empty command after `argoexec emissary --`")
			}
			return argv, nil
		}
	}
	return nil, fmt.Errorf("main container command %q is not `argoexec emissary ... --`", command)
}

// templateJSON reads ARGO_TEMPLATE from the init container, or from the pod's ConfigMap when it was offloaded.
func (k *Kubelet) templateJSON(ctx context.Context, pod *corev1.Pod) (string, error) {
	for _, c := range pod.Spec.InitContainers {
		for _, e := range c.Env {
			if e.Name != "ARGO_TEMPLATE" {
				continue
			}
			if e.Value != "offloaded" {
				return e.Value, nil
			}
			return k.configMapValue(ctx, pod.Namespace, pod.Name, "ARGO_TEMPLATE")
		}
	}
	return "", errors.New("init container has no ARGO_TEMPLATE")
}

func (k *Kubelet) offloadedArgs(ctx context.Context, pod *corev1.Pod) ([]string, error) {
	data, err := k.configMapValue(ctx, pod.Namespace, pod.Name, "ARGO_CONTAINER_ARGS_FILE")
	if err != nil {
		return nil, err
	}
	var args []string
	if err := json.Unmarshal([]byte(data), &args); err != nil {
		return nil, fmt.Errorf("offloaded args in configmap %s: %w", pod.Name, err)
	}
	return args, nil
}

func (k *Kubelet) configMapValue(ctx context.Context, namespace, name, key string) (string, error) {
	cm, err := k.kube.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("configmap %s/%s: %w", namespace, name, err)
	}
	value, ok := cm.Data[key]
	if !ok {
		return "", fmt.Errorf("configmap %s/%s has no key %s", namespace, name, key)
	}
	return value, nil
}

func (k *Kubelet) secretValue(ctx context.Context, namespace, name, key string) (string, error) {
	secret, err := k.kube.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("secret %s/%s: %w", namespace, name, err)
	}
	value, ok := secret.Data[key]
	if !ok {
		return "", fmt.Errorf("secret %s/%s has no key %s", namespace, name, key)
	}
	return string(value), nil
}

// resolveEnv turns the container's env and envFrom into NAME=value pairs, as the kubelet would.
func (k *Kubelet) resolveEnv(ctx context.Context, pod *corev1.Pod, c *corev1.Container) ([]string, error) {
	var env []string
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm, err := k.kube.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("envFrom configmap %s: %w", from.ConfigMapRef.Name, err)
			}
			for key, value := range cm.Data {
				env = append(env, from.Prefix+key+"="+value)
			}
		case from.SecretRef != nil:
			secret, err := k.kube.CoreV1().Secrets(pod.Namespace).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("envFrom secret %s: %w", from.SecretRef.Name, err)
			}
			for key, value := range secret.Data {
				env = append(env, from.Prefix+key+"="+string(value))
			}
		}
	}
	for _, e := range c.Env {
		value, err := k.envValue(ctx, pod, e)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		env = append(env, e.Name+"="+expandKubeVars(value, envMap(env)))
	}
	return env, nil
}

func (k *Kubelet) envValue(ctx context.Context, pod *corev1.Pod, e corev1.EnvVar) (string, error) {
	from := e.ValueFrom
	switch {
	case from == nil:
		return e.Value, nil
	case from.FieldRef != nil:
		return podField(pod, from.FieldRef.FieldPath)
	case from.ConfigMapKeyRef != nil:
		return k.configMapValue(ctx, pod.Namespace, from.ConfigMapKeyRef.Name, from.ConfigMapKeyRef.Key)
	case from.SecretKeyRef != nil:
		return k.secretValue(ctx, pod.Namespace, from.SecretKeyRef.Name, from.SecretKeyRef.Key)
	}
	return "", errors.New("unsupported valueFrom (resourceFieldRef is not emulated)")
}

func podField(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.hostIP":
		return "127.0.0.1", nil
	}
	for prefix, values := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if key, ok := strings.CutPrefix(path, prefix+"['"); ok {
			return values[strings.TrimSuffix(key, "']")], nil
		}
	}
	return "", fmt.Errorf("fieldRef %q is not emulated", path)
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if key, value, ok := strings.Cut(kv, "="); ok {
			m[key] = value
		}
	}
	return m
}

// expandKubeVars applies Kubernetes' $(VAR) expansion of command, args and env values; $$ escapes a $.
func expandKubeVars(s string, env map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			out.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			out.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				out.WriteString(s[i:])
				return out.String()
			}
			name := s[i+2 : i+2+end]
			if value, ok := env[name]; ok {
				out.WriteString(value)
			} else {
				out.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			out.WriteByte('$')
		}
	}
	return out.String()
}

// execute runs the process, killing it on a deadline or when asked, and returns stdout and the exit code.
func (k *Kubelet) execute(ctx context.Context, pod *corev1.Pod, plan *podPlan, run *podRun, record *ProcessRecord) ([]byte, int, string, error) {
	logFile, err := os.Create(record.LogPath)
	if err != nil {
		return nil, 0, "", err
	}
	defer func() { _ = logFile.Close() }()
	var stdout bytes.Buffer
	record.Started = time.Now()
	// Resolve argv[0] against the pod's PATH (with the shim), not the harness's.
	path, err := lookPath(plan.argv[0], plan.env)
	if err != nil {
		record.Finished = time.Now()
		_, _ = fmt.Fprintf(logFile, "harness: cannot start %q: %v\n", plan.argv[0], err)
		return nil, 127, "", nil
	}
	cmd := &exec.Cmd{Path: path, Args: plan.argv, Env: plan.env, Dir: plan.dir}
	cmd.Stdout = io.MultiWriter(&stdout, logFile)
	cmd.Stderr = logFile
	// Own process group, so a kill reaches the children of `sh -c`; die with the harness.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		record.Finished = time.Now()
		_, _ = fmt.Fprintf(logFile, "harness: cannot start %q: %v\n", plan.argv[0], err)
		return nil, 127, "", nil
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := make(<-chan time.Time)
	if d := pod.Spec.ActiveDeadlineSeconds; d != nil {
		deadline = time.After(time.Duration(*d)*time.Second - time.Since(record.Started))
	}
	executorDeadline := make(<-chan time.Time)
	if !plan.deadline.IsZero() {
		executorDeadline = time.After(time.Until(plan.deadline))
	}
	oom := make(<-chan string)
	if limit, display := memoryLimit(pod); limit > 0 {
		watchCtx, stopWatch := context.WithCancel(ctx)
		defer stopWatch()
		oom = watchMemory(watchCtx, cmd.Process.Pid, limit, display)
	}
	grace := maxKillGrace
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil && time.Duration(*g)*time.Second < grace {
		grace = time.Duration(*g) * time.Second
	}
	killedBecause := ""
	var waitErr error
	select {
	case waitErr = <-exited:
	case <-ctx.Done():
		killedBecause = "harness stopping"
	case <-deadline:
		killedBecause = fmt.Sprintf("activeDeadlineSeconds=%d exceeded", *pod.Spec.ActiveDeadlineSeconds)
	case <-executorDeadline:
		killedBecause = "ARGO_DEADLINE " + plan.deadline.Format(time.RFC3339) + " passed"
	case reason := <-run.kill:
		killedBecause = reason
	case reason := <-oom:
		killedBecause = reason
	}
	switch {
	case strings.HasPrefix(killedBecause, oomReasonPrefix):
		// The OOM killer sends SIGKILL at once: no SIGTERM, no grace period.
		_, _ = fmt.Fprintf(logFile, "harness: %s: SIGKILL to the process group\n", killedBecause)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		waitErr = <-exited
	case killedBecause != "":
		_, _ = fmt.Fprintf(logFile, "harness: killing process group: %s\n", killedBecause)
		waitErr = terminate(cmd.Process.Pid, exited, grace)
	}
	record.Finished = time.Now()
	return stdout.Bytes(), exitCodeOf(waitErr), killedBecause, nil
}

// lookPath resolves argv[0] against the pod's PATH rather than the harness's.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, dir := range filepath.SplitList(envMap(env)["PATH"]) {
		candidate := filepath.Join(dir, name)
		if info, err := os.Stat(candidate); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return candidate, nil
		}
	}
	return "", exec.ErrNotFound
}

func terminate(pid int, exited <-chan error, grace time.Duration) error {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case err := <-exited:
		return err
	case <-time.After(grace):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return <-exited
}

// exitCodeOf maps a wait error to the exit code a container runtime reports (128+signal when signalled).
func exitCodeOf(err error) int {
	var exitErr *exec.ExitError
	if err == nil {
		return 0
	}
	if errors.As(err, &exitErr) {
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			return 128 + int(status.Signal())
		}
		return exitErr.ExitCode()
	}
	return 1
}

// collectOutputs reads output parameters from valueFrom.path (default when missing) and stdout as the result,
// trimming one trailing newline as the executor does.
func collectOutputs(plan *podPlan, stdout []byte, exitCode int) (map[string]any, error) {
	outputs := map[string]any{}
	var params []any
	var missing []string
	for _, param := range plan.template.Outputs.Parameters {
		p := make(map[string]any, len(param)+1)
		for key, value := range param {
			p[key] = value
		}
		valueFrom, _ := param["valueFrom"].(map[string]any)
		if path, _ := valueFrom["path"].(string); path != "" {
			data, err := os.ReadFile(path)
			switch {
			case err == nil:
				p["value"] = strings.TrimSuffix(string(data), "\n")
			case valueFrom["default"] != nil:
				p["value"] = valueFrom["default"]
			case exitCode == 0:
				missing = append(missing, fmt.Sprintf("output parameter %v: %v", param["name"], err))
			}
		}
		params = append(params, p)
	}
	if params != nil {
		outputs["parameters"] = params
	}
	if plan.includeResult {
		out := stdout
		if len(out) > maxResultBytes {
			out = out[len(out)-maxResultBytes:]
		}
		outputs["result"] = strings.TrimSuffix(string(out), "\n")
	}
	if len(missing) > 0 {
		return outputs, errors.New(strings.Join(missing, "; "))
	}
	return outputs, nil
}

func (k *Kubelet) createTaskResult(ctx context.Context, pod *corev1.Pod, run *podRun, owner metav1.OwnerReference) error {
	result := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "WorkflowTaskResult",
		"metadata": map[string]any{
			"name":      run.nodeID,
			"namespace": pod.Namespace,
			"labels":    map[string]any{labelWorkflow: run.workflow, labelReportOutputsCompleted: "false"},
			"ownerReferences": []any{map[string]any{
				"apiVersion": owner.APIVersion, "kind": owner.Kind, "name": owner.Name, "uid": string(owner.UID),
			}},
		},
	}}
	_, err := k.dynamic.Resource(taskResultsGVR).Namespace(pod.Namespace).Create(ctx, result, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create WorkflowTaskResult %s: %w", run.nodeID, err)
	}
	return nil
}

// completeTaskResult writes the outputs and marks them complete in one merge patch.
func (k *Kubelet) completeTaskResult(ctx context.Context, pod *corev1.Pod, run *podRun, outputs map[string]any) error {
	patch := map[string]any{"metadata": map[string]any{"labels": map[string]any{labelReportOutputsCompleted: "true"}}}
	if len(outputs) > 0 {
		patch["outputs"] = outputs
	}
	data, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	_, err = k.dynamic.Resource(taskResultsGVR).Namespace(pod.Namespace).Patch(ctx, run.nodeID, types.MergePatchType, data, metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("patch WorkflowTaskResult %s: %w", run.nodeID, err)
	}
	return nil
}

func (k *Kubelet) updateStatus(ctx context.Context, pod *corev1.Pod, mutate func(*corev1.Pod)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current, err := k.kube.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		mutate(current)
		_, err = k.kube.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, current, metav1.UpdateOptions{})
		return err
	})
}

// setRunning reports init containers done and every container running.
func (k *Kubelet) setRunning(ctx context.Context, pod *corev1.Pod, started time.Time) error {
	since := metav1.NewTime(started)
	return k.updateStatus(ctx, pod, func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		p.Status.StartTime = &since
		p.Status.PodIP, p.Status.HostIP = "127.0.0.1", "127.0.0.1"
		p.Status.InitContainerStatuses = nil
		for _, c := range p.Spec.InitContainers {
			p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, ImageID: c.Image, Ready: true,
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 0, Reason: "Completed", StartedAt: since, FinishedAt: since}},
			})
		}
		p.Status.ContainerStatuses = nil
		for _, c := range p.Spec.Containers {
			startedTrue := true
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, ImageID: c.Image, Ready: true, Started: &startedTrue,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: since}},
			})
		}
	})
}

// setTerminated moves the pod straight to Succeeded/Failed with main (real exit code) and wait terminated in the
// same update: if the controller saw main terminated while the pod still ran, it would try pods/exec.
// setTerminated reports the pod finished; mainReason is the main container's reason when not the usual Error.
func (k *Kubelet) setTerminated(ctx context.Context, pod *corev1.Pod, started time.Time, exitCode int, message, reason, mainReason string) error {
	since, now := metav1.NewTime(started), metav1.Now()
	return k.updateStatus(ctx, pod, func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodSucceeded
		if exitCode != 0 || message != "" {
			p.Status.Phase = corev1.PodFailed
		}
		p.Status.Message, p.Status.Reason = message, reason
		if p.Status.StartTime == nil {
			p.Status.StartTime = &since
		}
		p.Status.ContainerStatuses = nil
		for _, c := range p.Spec.Containers {
			code, why := int32(0), "Completed"
			if c.Name == "main" && exitCode != 0 {
				code, why = int32(exitCode), "Error"
				if mainReason != "" {
					why = mainReason
				}
			}
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, ImageID: c.Image,
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: code, Reason: why, StartedAt: since, FinishedAt: now}},
			})
		}
	})
}
