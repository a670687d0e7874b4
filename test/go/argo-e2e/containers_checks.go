package main

// The containers mode's checks of what only a real kubelet and Argo's real executor can show: the executor's
// RBAC (the chart's Role, minus one verb, fails) and the pods' securityContext (the project's own, taken from
// the rendered templates: uid, read-only root filesystem).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

const workflowServiceAccount = "openfold-workflow"

// chartExecutorRole renders the chart's Role with the real helm (`helm template -s templates/rbac.yaml`).
func chartExecutorRole(ctx context.Context, c *Cluster, namespace string) (*rbacv1.Role, error) {
	out, err := exec.CommandContext(ctx, filepath.Join(c.BinDir, "helm"), "template", "openfold-argo",
		filepath.Join(c.Root, "charts", "openfold-argo"), "--namespace", namespace, "-s", "templates/rbac.yaml").Output()
	if err != nil {
		return nil, fmt.Errorf("helm template -s templates/rbac.yaml: %w", err)
	}
	for _, doc := range strings.Split(string(out), "\n---") {
		var role rbacv1.Role
		if err := yaml.Unmarshal([]byte(doc), &role); err == nil && role.Kind == "Role" {
			return &role, nil
		}
	}
	return nil, fmt.Errorf("helm template -s templates/rbac.yaml: no Role in %q", out)
}

// namespaceWithExecutorRole: a namespace, the workflow ServiceAccount, and the chart's Role (without the verbs
// in drop) bound to it.
func namespaceWithExecutorRole(ctx context.Context, c *Cluster, namespace string, drop ...string) (*rbacv1.Role, error) {
	if err := createNamespaceWithAccounts(ctx, c, namespace, workflowServiceAccount); err != nil {
		return nil, err
	}
	role, err := chartExecutorRole(ctx, c, namespace)
	if err != nil {
		return nil, err
	}
	for i := range role.Rules {
		role.Rules[i].Verbs = slices.DeleteFunc(role.Rules[i].Verbs, func(v string) bool { return slices.Contains(drop, v) })
	}
	role.Namespace = namespace
	if _, err := c.Kube.RbacV1().Roles(namespace).Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("role %s: %w", role.Name, err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name, Namespace: namespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: workflowServiceAccount, Namespace: namespace}},
	}
	if _, err := c.Kube.RbacV1().RoleBindings(namespace).Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("rolebinding %s: %w", role.Name, err)
	}
	return role, nil
}

// projectSecurityContexts reads the pod and container securityContext of the committed align template, so the
// checks run pods exactly as the project's steps run.
func projectSecurityContexts(root string) (pod, container map[string]any, err error) {
	data, err := os.ReadFile(filepath.Join(root, "workflows", "template-openfold-align.yaml"))
	if err != nil {
		return nil, nil, err
	}
	docs, err := DecodeYAML(data)
	if err != nil || len(docs) != 1 {
		return nil, nil, fmt.Errorf("template-openfold-align.yaml: %v", err)
	}
	pod, _, _ = unstructured.NestedMap(docs[0].Object, "spec", "securityContext")
	templates, _, _ := unstructured.NestedSlice(docs[0].Object, "spec", "templates")
	for _, t := range templates {
		if m, ok := t.(map[string]any); ok {
			if sc, found, _ := unstructured.NestedMap(m, "container", "securityContext"); found {
				container = sc
				break
			}
		}
	}
	if pod == nil || container == nil {
		return nil, nil, fmt.Errorf("template-openfold-align.yaml: no pod or container securityContext")
	}
	return pod, container, nil
}

// shellWorkflow: one pod per step, the tools image, the project's securityContext, a writable /tmp and an
// emptyDir at /shared standing for the shared volume. Steps continue on failure so each is reported.
func shellWorkflow(name, namespace string, podSC, containerSC map[string]any, steps map[string]string) *unstructured.Unstructured {
	var templates, entries []any
	names := make([]string, 0, len(steps))
	for step := range steps {
		names = append(names, step)
	}
	slices.Sort(names)
	for _, step := range names {
		entries = append(entries, map[string]any{"name": step, "template": step, "continueOn": map[string]any{"failed": true}})
		templates = append(templates, map[string]any{
			"name": step,
			"container": map[string]any{
				"image":           projectImages[0],
				"imagePullPolicy": "IfNotPresent",
				"command":         []any{"sh", "-c", steps[step]},
				"securityContext": runtime.DeepCopyJSON(containerSC),
				"volumeMounts": []any{
					map[string]any{"name": "tmp", "mountPath": "/tmp"},
					map[string]any{"name": "shared", "mountPath": "/shared"},
				},
			},
		})
	}
	main := map[string]any{"name": "main", "steps": []any{entries}}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Workflow",
		"metadata":   map[string]any{"generateName": name + "-", "namespace": namespace},
		"spec": map[string]any{
			"entrypoint":         "main",
			"serviceAccountName": workflowServiceAccount,
			"securityContext":    runtime.DeepCopyJSON(podSC),
			"volumes": []any{
				map[string]any{"name": "tmp", "emptyDir": map[string]any{}},
				map[string]any{"name": "shared", "emptyDir": map[string]any{}},
			},
			"templates": append([]any{main}, templates...),
		},
	}}
}

// runInNamespace submits wf and waits for it, in its namespace.
func runInNamespace(ctx context.Context, c *Cluster, namespace string, wf *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	scoped := *c
	scoped.Namespace = namespace
	name, err := scoped.SubmitWorkflow(ctx, wf, nil)
	if err != nil {
		return nil, err
	}
	return scoped.WaitWorkflow(ctx, name, workflowTimeout)
}

// podLog reads a step pod's main container log through the API server (served by the kubelet).
func podLog(ctx context.Context, c *Cluster, namespace string, node NodeStatus) (string, error) {
	pods, err := c.Kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	for _, pod := range pods.Items {
		if pod.Annotations["workflows.argoproj.io/node-id"] == node.ID || pod.Annotations["workflows.argoproj.io/node-name"] == node.Name {
			data, err := c.Kube.CoreV1().Pods(namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "main"}).DoRaw(ctx)
			return string(data), err
		}
	}
	return "", fmt.Errorf("no pod for node %s", node.Name)
}

func stepNode(wf *unstructured.Unstructured, step string) (NodeStatus, bool) {
	for _, n := range Nodes(wf) {
		if n.Type == "Pod" && strings.HasSuffix(n.Name, "."+step) {
			return n, true
		}
	}
	return NodeStatus{}, false
}

func checkContainersSecurity(ctx context.Context, c *Cluster) (string, error) {
	const namespace = "openfold-security"
	if _, err := namespaceWithExecutorRole(ctx, c, namespace); err != nil {
		return "", err
	}
	podSC, containerSC, err := projectSecurityContexts(c.Root)
	if err != nil {
		return "", err
	}
	wf, err := runInNamespace(ctx, c, namespace, shellWorkflow("security", namespace, podSC, containerSC, map[string]string{
		"allowed": "id -u && touch /tmp/ok /shared/ok && echo writes-allowed",
		"refused": "touch /app/not-allowed",
	}))
	if err != nil {
		return "", err
	}
	allowed, okA := stepNode(wf, "allowed")
	refused, okR := stepNode(wf, "refused")
	if !okA || !okR || allowed.Phase != "Succeeded" || refused.Phase != "Failed" {
		return "", fmt.Errorf("want step allowed Succeeded and refused Failed: %+v", Nodes(wf))
	}
	allowedLog, err := podLog(ctx, c, namespace, allowed)
	if err != nil {
		return "", err
	}
	// The log also holds the emissary's own lines (before and after the command's output).
	if uid := fmt.Sprint(podSC["runAsUser"]); !slices.Contains(strings.Split(allowedLog, "\n"), uid) || !strings.Contains(allowedLog, "writes-allowed") {
		return "", fmt.Errorf("allowed step: want uid %s and writes to /tmp and /shared, log %q", uid, allowedLog)
	}
	refusedLog, err := podLog(ctx, c, namespace, refused)
	if err != nil {
		return "", err
	}
	if !strings.Contains(refusedLog, "Read-only file system") {
		return "", fmt.Errorf("refused step: want \"Read-only file system\", log %q", refusedLog)
	}
	return fmt.Sprintf("uid %v (pod log), /tmp and the shared volume writable; a write to /app failed: %q (%s)",
		podSC["runAsUser"], strings.TrimSpace(refusedLog), refused.Message), nil
}

func checkContainersRBAC(ctx context.Context, c *Cluster) (string, error) {
	const namespace = "openfold-rbac"
	role, err := namespaceWithExecutorRole(ctx, c, namespace, "patch")
	if err != nil {
		return "", err
	}
	podSC, containerSC, err := projectSecurityContexts(c.Root)
	if err != nil {
		return "", err
	}
	wf, err := runInNamespace(ctx, c, namespace, shellWorkflow("rbac", namespace, podSC, containerSC, map[string]string{
		"report": "echo reported",
	}))
	if err != nil {
		return "", err
	}
	if WorkflowPhase(wf) == "Succeeded" {
		return "", fmt.Errorf("with the chart's Role minus patch (%v) the workflow Succeeded; want the executor to fail", role.Rules)
	}
	node, _ := stepNode(wf, "report")
	message, _, _ := unstructured.NestedString(wf.Object, "status", "message")
	if !strings.Contains(node.Message+message, "workflowtaskresults") {
		return "", fmt.Errorf("want Argo to report the refused workflowtaskresults call: phase %s, node %+v, message %q", WorkflowPhase(wf), node, message)
	}
	return fmt.Sprintf("chart Role minus patch: workflow %s, step %s: %q (with the chart's Role unchanged the pipeline check Succeeds)",
		WorkflowPhase(wf), node.Phase, node.Message), nil
}

// gpuPendingWorkflow: one step asking for more GPUs than the node advertises.
func gpuPendingWorkflow(namespace string, podSC, containerSC map[string]any) *unstructured.Unstructured {
	wf := shellWorkflow("gpu-pending", namespace, podSC, containerSC, map[string]string{"predict": "true"})
	templates, _, _ := unstructured.NestedSlice(wf.Object, "spec", "templates")
	// Not continueOn failed: the terminated step must fail the workflow.
	main := templates[0].(map[string]any)
	delete(main["steps"].([]any)[0].([]any)[0].(map[string]any), "continueOn")
	step := templates[1].(map[string]any)
	step["container"].(map[string]any)["resources"] = map[string]any{
		"limits": map[string]any{gpuResource: "8"},
	}
	_ = unstructured.SetNestedSlice(wf.Object, templates, "spec", "templates")
	return wf
}

// unschedulableEvent waits for the scheduler's FailedScheduling event naming the GPU resource.
func unschedulableEvent(ctx context.Context, c *Cluster, namespace string) (string, error) {
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		events, err := c.Kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: "reason=FailedScheduling"})
		if err != nil {
			return "", err
		}
		for _, e := range events.Items {
			if strings.Contains(e.Message, gpuResource) {
				return e.Message, nil
			}
		}
	}
	return "", fmt.Errorf("no FailedScheduling event naming %s in %s after 2m", gpuResource, namespace)
}

// checkContainersGPUPending: the pod stays Pending, unschedulable for the GPU. Argo v4.0.5 has no pending
// timeout (and does not requeue a workflow whose only pod never changes, so a workflow deadline is not seen
// until the next resync); the check then terminates the workflow as an operator would.
func checkContainersGPUPending(ctx context.Context, c *Cluster) (string, error) {
	const namespace = "openfold-gpu-pending"
	if _, err := namespaceWithExecutorRole(ctx, c, namespace); err != nil {
		return "", err
	}
	podSC, containerSC, err := projectSecurityContexts(c.Root)
	if err != nil {
		return "", err
	}
	scoped := *c
	scoped.Namespace = namespace
	name, err := scoped.SubmitWorkflow(ctx, gpuPendingWorkflow(namespace, podSC, containerSC), nil)
	if err != nil {
		return "", err
	}
	message, err := unschedulableEvent(ctx, c, namespace)
	if err != nil {
		return "", err
	}
	pods, err := c.Kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil || len(pods.Items) != 1 || pods.Items[0].Status.Phase != corev1.PodPending {
		return "", fmt.Errorf("want one Pending pod in %s (%v)", namespace, err)
	}
	patch := []byte(`{"spec":{"shutdown":"Terminate"}}`)
	if _, err := c.Dynamic.Resource(workflowsGVR).Namespace(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return "", err
	}
	wf, err := scoped.WaitWorkflow(ctx, name, workflowTimeout)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("the pod stayed Pending: %q; terminated, the workflow is %s", message, WorkflowPhase(wf)), nil
}
