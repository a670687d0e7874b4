package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

//go:embed testdata/*.yaml
var testdata embed.FS

// workflowTimeout bounds each fixture workflow; they take seconds, but the CI machine is shared.
const workflowTimeout = 3 * time.Minute

// Check is one end-to-end assertion; detail is printed next to a pass.
type Check struct {
	Name string
	Run  func(ctx context.Context, c *Cluster) (detail string, err error)
}

var newerArgoFields = regexp.MustCompile(`(?m)^[ \t]*pendingTimeout: .*\n`)

// pipelineTemplates serialises the checks that install the project's WorkflowTemplates (same names) into the
// cluster's namespace: run side by side, one check's run could use the other's templates and config.
var pipelineTemplates sync.Mutex

func oneAtATime(run func(ctx context.Context, c *Cluster) (string, error)) func(ctx context.Context, c *Cluster) (string, error) {
	return func(ctx context.Context, c *Cluster) (string, error) {
		pipelineTemplates.Lock()
		defer pipelineTemplates.Unlock()
		return run(ctx, c)
	}
}

// Checks returns the end-to-end checks in the order they are reported.
func Checks() []Check {
	return []Check{
		{"full Argo CRDs (CEL rules included) are stored and served", checkCRDs},
		{"CEL and schema violations are rejected with Argo's messages", checkRejections},
		{"DAG with withParam fan-out and output parameters succeeds", checkTinyDAG},
		{"a failing step is retried as retryStrategy says until it succeeds", checkRetryFlaky},
		{"retryStrategy limit 1 gives two attempts, then the workflow fails", checkRetryExhausted},
		{"a ConfigMap semaphore of limit 1 is never exceeded", checkSemaphore},
		{"workflow activeDeadlineSeconds fails the workflow and kills the process", checkDeadline},
		{"`openfold-argo` in a pod runs the project's CLI", checkCLIShim},
		{"the committed workflows/ (default EKS + FSx config) are accepted by the API server", checkCommittedWorkflows},
		{"pipeline: the rendered openfold-pipeline succeeds and matches the local executor", oneAtATime(checkPipeline)},
		{"pipeline-openfold3: the openfold-pipeline with model=openfold3 (query JSON, shared chains) succeeds and matches the local executor", oneAtATime(checkPipelineOpenfold3)},
		{"escalation: more memory only after an OOM kill, the long GPU class only after exit 86, exit 1 not retried", oneAtATime(checkEscalation)},
		{"cli: openfold-argo install, submit --watch, status, list, logs against the real API server", checkCLI},
		{"cli ops: openfold-argo retry, resubmit, stop, terminate, delete and compressed node status with the real controller", checkCLIOps},
	}
}

func fixture(name string) ([]*unstructured.Unstructured, error) {
	data, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		return nil, err
	}
	return DecodeYAML(data)
}

// submitFixture applies the fixture's non-Workflow documents, then submits its Workflow with params.
func submitFixture(ctx context.Context, c *Cluster, name string, params ...Parameter) (string, error) {
	objects, err := fixture(name)
	if err != nil {
		return "", err
	}
	var workflow *unstructured.Unstructured
	for _, obj := range objects {
		if obj.GetKind() == "Workflow" {
			workflow = obj
			continue
		}
		if _, err := c.resourceApply(ctx, obj); err != nil {
			return "", err
		}
	}
	if workflow == nil {
		return "", fmt.Errorf("%s has no Workflow", name)
	}
	return c.SubmitWorkflow(ctx, workflow, params)
}

func (c *Cluster) resourceApply(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	data, err := yaml.Marshal(obj.Object)
	if err != nil {
		return nil, err
	}
	stored, err := c.Apply(ctx, data)
	if err != nil || len(stored) == 0 {
		return nil, err
	}
	return stored[0], nil
}

// runFixture submits a fixture and waits for it; each run gets its own directory for output files.
func runFixture(ctx context.Context, c *Cluster, name string) (*unstructured.Unstructured, time.Duration, error) {
	workdir := filepath.Join(c.WorkDir, "files", strings.TrimSuffix(name, ".yaml"))
	if err := mkdirAll(workdir); err != nil {
		return nil, 0, err
	}
	started := time.Now()
	wfName, err := submitFixture(ctx, c, name, Parameter{"workdir", workdir})
	if err != nil {
		return nil, 0, err
	}
	wf, err := c.WaitWorkflow(ctx, wfName, workflowTimeout)
	return wf, time.Since(started), err
}

func expectPhase(wf *unstructured.Unstructured, want string) error {
	if got := WorkflowPhase(wf); got != want {
		message, _, _ := unstructured.NestedString(wf.Object, "status", "message")
		return fmt.Errorf("workflow %s: phase %q (message %q), want %q", wf.GetName(), got, message, want)
	}
	return nil
}

func recordsOf(c *Cluster, workflow, template string) []ProcessRecord {
	var out []ProcessRecord
	for _, r := range c.Kubelet.Records() {
		if r.Workflow == workflow && (template == "" || r.Template == template) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

func exitCodes(records []ProcessRecord) []int {
	codes := make([]int, len(records))
	for i, r := range records {
		codes[i] = r.ExitCode
	}
	return codes
}

// maxOverlap is the largest number of processes that were running at the same instant.
func maxOverlap(records []ProcessRecord) int {
	type event struct {
		at    time.Time
		delta int
	}
	var events []event
	for _, r := range records {
		events = append(events, event{r.Started, +1}, event{r.Finished, -1})
	}
	// An end and a start at the same instant do not overlap.
	sort.Slice(events, func(i, j int) bool {
		if events[i].at.Equal(events[j].at) {
			return events[i].delta < events[j].delta
		}
		return events[i].at.Before(events[j].at)
	})
	current, peak := 0, 0
	for _, e := range events {
		current += e.delta
		peak = max(peak, current)
	}
	return peak
}

func nodesByTemplate(wf *unstructured.Unstructured, template, nodeType string) []NodeStatus {
	var out []NodeStatus
	for _, n := range Nodes(wf) {
		if n.TemplateName == template && n.Type == nodeType {
			out = append(out, n)
		}
	}
	return out
}

func checkCRDs(ctx context.Context, c *Cluster) (string, error) {
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	list, err := c.Dynamic.Resource(crdGVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	largest, largestName, argoCRDs := 0, "", 0
	for _, crd := range list.Items {
		if !strings.HasSuffix(crd.GetName(), ".argoproj.io") {
			continue
		}
		argoCRDs++
		data, err := json.Marshal(crd.Object)
		if err != nil {
			return "", err
		}
		if len(data) > largest {
			largest, largestName = len(data), crd.GetName()
		}
	}
	if argoCRDs != 8 {
		return "", fmt.Errorf("%d argoproj.io CRDs served, want 8", argoCRDs)
	}
	wf, err := c.Dynamic.Resource(crdGVR).Get(ctx, "workflows.argoproj.io", metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	data, _ := json.Marshal(wf.Object)
	if rules := strings.Count(string(data), `"x-kubernetes-validations"`); rules == 0 {
		return "", errors.New("workflows.argoproj.io has no x-kubernetes-validations: not the full CRD")
	}
	stored, err := storedSize(ctx, c, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"+largestName)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("largest %s: %.2f MB as JSON, %.2f MB as stored (protobuf), managedFields included",
		largestName, float64(largest)/1e6, float64(stored)/1e6), nil
}

// storedSize is the size of an object in the API server's storage encoding (protobuf), close to what etcd holds.
func storedSize(ctx context.Context, c *Cluster, path string) (int, error) {
	client, err := rest.HTTPClientFor(c.Config)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.Config.Host, "/")+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/vnd.kubernetes.protobuf")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.kubernetes.protobuf" {
		return 0, fmt.Errorf("GET %s as protobuf: %s %s %v", path, resp.Status, resp.Header.Get("Content-Type"), err)
	}
	return len(body), nil
}

func checkRejections(ctx context.Context, c *Cluster) (string, error) {
	data, err := testdata.ReadFile("testdata/invalid.yaml")
	if err != nil {
		return "", err
	}
	var cases []struct {
		Expect   string         `json:"expect"`
		Workflow map[string]any `json:"workflow"`
	}
	if err := yaml.Unmarshal(data, &cases); err != nil {
		return "", fmt.Errorf("invalid.yaml: %w", err)
	}
	for _, tc := range cases {
		wf := &unstructured.Unstructured{Object: tc.Workflow}
		_, err := c.Create(ctx, wf, true)
		switch {
		case err == nil:
			return "", fmt.Errorf("%s: accepted, want rejection %q", wf.GetGenerateName(), tc.Expect)
		case !apierrors.IsInvalid(err):
			return "", fmt.Errorf("%s: %v, want a 422 Invalid rejection", wf.GetGenerateName(), err)
		case !strings.Contains(err.Error(), tc.Expect):
			return "", fmt.Errorf("%s: rejected with %q, want it to contain %q", wf.GetGenerateName(), err, tc.Expect)
		}
	}
	// Control: a valid workflow passes the same validation.
	valid, err := fixture("tiny-dag.yaml")
	if err != nil {
		return "", err
	}
	if _, err := c.Create(ctx, valid[0], true); err != nil {
		return "", fmt.Errorf("valid tiny-dag.yaml rejected: %w", err)
	}
	return fmt.Sprintf("%d rejections, valid control accepted", len(cases)), nil
}

func checkTinyDAG(ctx context.Context, c *Cluster) (string, error) {
	wf, elapsed, err := runFixture(ctx, c, "tiny-dag.yaml")
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Succeeded"); err != nil {
		return "", err
	}
	var squares []string
	for _, n := range nodesByTemplate(wf, "square", "Pod") {
		value, _ := n.OutputParameter("square")
		squares = append(squares, value)
	}
	slices.Sort(squares)
	if !slices.Equal(squares, []string{"1", "4", "9"}) {
		return "", fmt.Errorf("square outputs %q, want [1 4 9]", squares)
	}
	sums := nodesByTemplate(wf, "sum", "Pod")
	if len(sums) != 1 {
		return "", fmt.Errorf("%d sum nodes, want 1", len(sums))
	}
	if total, _ := sums[0].OutputParameter("total"); total != "14" {
		return "", fmt.Errorf("sum total %q, want 14", total)
	}
	if n := len(recordsOf(c, wf.GetName(), "")); n != 5 {
		return "", fmt.Errorf("%d processes ran, want 5", n)
	}
	return fmt.Sprintf("5 pods, total=14, wall %.1fs", elapsed.Seconds()), nil
}

func checkRetryFlaky(ctx context.Context, c *Cluster) (string, error) {
	wf, elapsed, err := runFixture(ctx, c, "retry-flaky.yaml")
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Succeeded"); err != nil {
		return "", err
	}
	codes := exitCodes(recordsOf(c, wf.GetName(), "flaky"))
	if !slices.Equal(codes, []int{3, 3, 0}) {
		return "", fmt.Errorf("attempt exit codes %v, want [3 3 0]", codes)
	}
	if pods := nodesByTemplate(wf, "flaky", "Pod"); len(pods) != 3 {
		return "", fmt.Errorf("%d pod nodes, want 3", len(pods))
	}
	return fmt.Sprintf("attempts exited %v, wall %.1fs", codes, elapsed.Seconds()), nil
}

func checkRetryExhausted(ctx context.Context, c *Cluster) (string, error) {
	wf, elapsed, err := runFixture(ctx, c, "retry-exhausted.yaml")
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Failed"); err != nil {
		return "", err
	}
	codes := exitCodes(recordsOf(c, wf.GetName(), "broken"))
	if !slices.Equal(codes, []int{7, 7}) {
		return "", fmt.Errorf("attempt exit codes %v, want [7 7]", codes)
	}
	pods := nodesByTemplate(wf, "broken", "Pod")
	if len(pods) != 2 {
		return "", fmt.Errorf("%d pod nodes, want 2", len(pods))
	}
	for _, n := range pods {
		if n.Phase != "Failed" || !strings.Contains(n.Message, "exit code 7") {
			return "", fmt.Errorf("node %s: phase %s message %q, want Failed with exit code 7", n.Name, n.Phase, n.Message)
		}
	}
	return fmt.Sprintf("2 attempts, node message %q, wall %.1fs", pods[0].Message, elapsed.Seconds()), nil
}

func checkSemaphore(ctx context.Context, c *Cluster) (string, error) {
	wf, elapsed, err := runFixture(ctx, c, "semaphore.yaml")
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Succeeded"); err != nil {
		return "", err
	}
	limited, free := recordsOf(c, wf.GetName(), "limited"), recordsOf(c, wf.GetName(), "free")
	if len(limited) != 4 || len(free) != 3 {
		return "", fmt.Errorf("%d limited and %d free processes, want 4 and 3", len(limited), len(free))
	}
	if peak := maxOverlap(limited); peak != 1 {
		return "", fmt.Errorf("%d semaphore-limited processes ran at once, limit is 1", peak)
	}
	// Without this the check could pass because the harness ran everything one at a time.
	if peak := maxOverlap(free); peak < 2 {
		return "", fmt.Errorf("unconstrained processes never overlapped (peak %d): concurrency not observable", peak)
	}
	return fmt.Sprintf("limited peak 1 of 4, unconstrained peak %d of 3, wall %.1fs", maxOverlap(free), elapsed.Seconds()), nil
}

func checkDeadline(ctx context.Context, c *Cluster) (string, error) {
	wf, elapsed, err := runFixture(ctx, c, "deadline.yaml")
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Failed"); err != nil {
		return "", err
	}
	// The controller's verdict can reach the workflow before the harness has reported the killed process.
	var records []ProcessRecord
	for waited := time.Duration(0); waited < 15*time.Second; waited += 200 * time.Millisecond {
		if records = recordsOf(c, wf.GetName(), "sleep"); len(records) > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(records) != 1 || records[0].KilledBecause == "" {
		return "", fmt.Errorf("process records %+v, want one killed process", records)
	}
	if ran := records[0].Finished.Sub(records[0].Started); ran > time.Minute {
		return "", fmt.Errorf("process ran %s despite a 3 s deadline", ran)
	}
	message, _, _ := unstructured.NestedString(wf.Object, "status", "message")
	return fmt.Sprintf("killed (%s), workflow message %q, wall %.1fs", records[0].KilledBecause, message, elapsed.Seconds()), nil
}

func checkCLIShim(ctx context.Context, c *Cluster) (string, error) {
	wf, elapsed, err := runFixture(ctx, c, "cli-shim.yaml")
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Succeeded"); err != nil {
		return "", err
	}
	shell := nodesByTemplate(wf, "shell", "Pod")
	if len(shell) != 1 {
		return "", fmt.Errorf("%d shell nodes, want 1", len(shell))
	}
	result, _ := shell[0].Outputs["result"].(string)
	if !strings.HasPrefix(result, "usage: openfold-argo") {
		return "", fmt.Errorf("script result %q, want the CLI's usage line", result)
	}
	return fmt.Sprintf("result %q, wall %.1fs", result, elapsed.Seconds()), nil
}

// checkCommittedWorkflows applies every document of the committed workflows/ (what users `kubectl apply`):
// the full CRDs' schema and CEL rules must accept each WorkflowTemplate and CronWorkflow as stored.
func checkCommittedWorkflows(ctx context.Context, c *Cluster) (string, error) {
	files, err := filepath.Glob(filepath.Join(c.Root, "workflows", "*.yaml"))
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	var stored []*unstructured.Unstructured
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		// workflows/ is rendered for argoVersion v4.1.2; the controller under test (versions.env) is older and its
		// CRDs do not declare pendingTimeout, the one field v4.1 adds (lint-rendered.test.ts checks it is the only one).
		objects, err := c.Apply(ctx, newerArgoFields.ReplaceAll(data, nil))
		stored = append(stored, objects...)
		if err != nil {
			return "", fmt.Errorf("%s: %w", file, err)
		}
	}
	kinds := map[string]int{}
	for _, obj := range stored {
		kinds[obj.GetKind()]++
	}
	if kinds["WorkflowTemplate"] != 4 || kinds["CronWorkflow"] != 3 || kinds["ConfigMap"] != 1 {
		return "", fmt.Errorf("stored %v, want 4 WorkflowTemplates, 3 CronWorkflows, 1 ConfigMap", kinds)
	}
	return fmt.Sprintf("%d documents stored: %v", len(stored), kinds), nil
}
