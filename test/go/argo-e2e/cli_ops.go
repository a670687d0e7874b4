package main

// The `cli ops` check: openfold-argo's retry, resubmit, stop, terminate, delete and its reading of compressed
// node status, run as processes against the real API server and Argo's real controller, on small fixture
// workflows in a namespace of their own. The three scenarios run concurrently.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const cliOpsNamespace = "openfold-cli-ops"

// maxWorkflowSize is Argo's default MAX_WORKFLOW_SIZE (workflow/packer): past it the controller compresses nodes.
const maxWorkflowSize = 1024 * 1024

func checkCLIOps(ctx context.Context, c *Cluster) (string, error) {
	if err := createNamespaceWithAccounts(ctx, c, cliOpsNamespace, "default"); err != nil {
		return "", err
	}
	scoped := *c
	scoped.Namespace = cliOpsNamespace
	scenarios := []func(context.Context, *Cluster) (string, error){retryAndResubmit, stopAndTerminate, compressedStatus}
	details := make([]string, len(scenarios))
	errs := make([]error, len(scenarios))
	var wg sync.WaitGroup
	for i, scenario := range scenarios {
		wg.Add(1)
		go func() {
			defer wg.Done()
			details[i], errs[i] = scenario(ctx, &scoped)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return strings.Join(details, "; "), nil
}

func opsWorkdir(c *Cluster, name string) (string, error) {
	dir := filepath.Join(c.WorkDir, "files", name)
	return dir, mkdirAll(dir)
}

func nsArgs(args ...string) []string { return append(args, "-n", cliOpsNamespace) }

// retryAndResubmit: a workflow fails in one step; after the cause is fixed, `retry --watch` re-runs that step
// only (and what depends on it) under the same name; `resubmit --watch` then runs everything again as a new one.
func retryAndResubmit(ctx context.Context, c *Cluster) (string, error) {
	workdir, err := opsWorkdir(c, "cli-retry")
	if err != nil {
		return "", err
	}
	name, err := submitFixture(ctx, c, "cli-retry.yaml", Parameter{"workdir", workdir})
	if err != nil {
		return "", err
	}
	wf, err := c.WaitWorkflow(ctx, name, workflowTimeout)
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Failed"); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(workdir, "fixed"), nil, 0o644); err != nil {
		return "", err
	}
	retried, err := expectOK(ctx, c, workflowTimeout, nsArgs("retry", name, "--watch")...)
	if err != nil {
		return "", err
	}
	if !strings.Contains(retried.stdout, "workflow "+name+" retried: ") || !strings.Contains(retried.stdout, "\n"+name+" Succeeded\n") {
		return "", fmt.Errorf("retry --watch: want the retry line and %s Succeeded: %s", name, retried)
	}
	runs := map[string][]int{}
	for _, template := range []string{"align-ok", "align-until-fixed", "predict-ok"} {
		runs[template] = exitCodes(recordsOf(c, name, template))
	}
	if !slices.Equal(runs["align-ok"], []int{0}) || !slices.Equal(runs["align-until-fixed"], []int{3, 3, 0}) || !slices.Equal(runs["predict-ok"], []int{0}) {
		return "", fmt.Errorf("process exit codes per template %v, want align-ok [0] (not re-run), align-until-fixed [3 3 0], predict-ok [0]", runs)
	}
	resubmitted, err := expectOK(ctx, c, workflowTimeout, nsArgs("resubmit", name, "--watch")...)
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^submitted (\S+) \(resubmit of ` + regexp.QuoteMeta(name) + `\) in namespace ` + cliOpsNamespace + `$`).FindStringSubmatch(resubmitted.stdout)
	if m == nil || !strings.Contains(resubmitted.stdout, "\n"+m[1]+" Succeeded\n") {
		return "", fmt.Errorf("resubmit --watch: want a new workflow that succeeds: %s", resubmitted)
	}
	fresh, err := c.Dynamic.Resource(workflowsGVR).Namespace(cliOpsNamespace).Get(ctx, m[1], metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if from := fresh.GetLabels()["workflows.argoproj.io/resubmitted-from-workflow"]; from != name {
		return "", fmt.Errorf("resubmitted workflow %s: label resubmitted-from-workflow %q, want %q", m[1], from, name)
	}
	if codes := exitCodes(recordsOf(c, m[1], "")); !slices.Equal(codes, []int{0, 0, 0}) {
		return "", fmt.Errorf("resubmitted workflow %s: process exit codes %v, want three steps run once each", m[1], codes)
	}
	return fmt.Sprintf("retry: %s Failed -> Succeeded under the same name, exit codes %v; resubmit: %s Succeeded, all 3 steps run again",
		name, runs, m[1]), nil
}

// waitRunningPod waits until the workflow's pod of template has a Running node.
func waitRunningPod(ctx context.Context, c *Cluster, name, template string) error {
	ctx, cancel := context.WithTimeout(ctx, workflowTimeout)
	defer cancel()
	for {
		wf, err := c.Dynamic.Resource(workflowsGVR).Namespace(c.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			for _, n := range nodesByTemplate(wf, template, "Pod") {
				if n.Phase == "Running" {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("workflow %s: no Running pod of %s: %w", name, template, ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// stopAndTerminate: `stop` ends a running workflow and its exit handler runs; `terminate` ends one without it;
// a finished workflow is refused; `delete` removes both.
func stopAndTerminate(ctx context.Context, c *Cluster) (string, error) {
	var names []string
	var details []string
	for _, verb := range []string{"stop", "terminate"} {
		workdir, err := opsWorkdir(c, "cli-"+verb)
		if err != nil {
			return "", err
		}
		name, err := submitFixture(ctx, c, "cli-stop.yaml", Parameter{"workdir", workdir})
		if err != nil {
			return "", err
		}
		names = append(names, name)
		if err := waitRunningPod(ctx, c, name, "main"); err != nil {
			return "", err
		}
		started := time.Now()
		run, err := expectOK(ctx, c, cliCommandTimeout, nsArgs(verb, name)...)
		if err != nil {
			return "", err
		}
		past := map[string]string{"stop": "stopped", "terminate": "terminated"}[verb]
		if run.stdout != "workflow "+name+" "+past+"\n" {
			return "", fmt.Errorf("%s: want `workflow %s %s`: %s", verb, name, past, run)
		}
		wf, err := c.WaitWorkflow(ctx, name, workflowTimeout)
		if err != nil {
			return "", err
		}
		strategy := map[string]string{"stop": "Stop", "terminate": "Terminate"}[verb]
		message, _, _ := unstructured.NestedString(wf.Object, "status", "message")
		if err := expectPhase(wf, "Failed"); err != nil || !strings.Contains(message, "Stopped with strategy '"+strategy+"'") {
			return "", fmt.Errorf("%s: workflow %s phase %q message %q, want Failed, Stopped with strategy '%s'", verb, name, WorkflowPhase(wf), message, strategy)
		}
		_, statErr := os.Stat(filepath.Join(workdir, "exit-handler-ran"))
		if ran := statErr == nil; ran != (verb == "stop") {
			return "", fmt.Errorf("%s: exit handler ran = %v, want %v", verb, ran, verb == "stop")
		}
		details = append(details, fmt.Sprintf("%s: Failed (%q) in %.1fs, exit handler ran: %v", verb, message, time.Since(started).Seconds(), verb == "stop"))
	}
	refused, err := expectRefusal(ctx, c, `cannot shutdown a completed workflow: workflow: "`+names[0]+`"`, nsArgs("stop", names[0])...)
	if err != nil {
		return "", err
	}
	deleted, err := expectOK(ctx, c, cliCommandTimeout, nsArgs(append([]string{"delete"}, names...)...)...)
	if err != nil {
		return "", err
	}
	for _, name := range names {
		if !strings.Contains(deleted.stdout, "Workflow '"+name+"' deleted\n") {
			return "", fmt.Errorf("delete: want `Workflow '%s' deleted`: %s", name, deleted)
		}
		if _, err := c.Dynamic.Resource(workflowsGVR).Namespace(cliOpsNamespace).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return "", fmt.Errorf("delete: workflow %s still readable (%v)", name, err)
		}
	}
	return strings.Join(details, "; ") + fmt.Sprintf("; refused again: %q; delete: both gone", refused), nil
}

// largeWorkflow is a workflow whose spec carries a ballast parameter close to MAX_WORKFLOW_SIZE, and whose three
// align steps each output a 30 KB parameter: once they finish, the nodes no longer fit next to the ballast and
// the controller stores them as status.compressedNodes (they compress to a few KB).
func largeWorkflow(workdir string, ballast int) *unstructured.Unstructured {
	var tasks []any
	for i := range 3 {
		tasks = append(tasks, map[string]any{
			"name": fmt.Sprintf("align-%d", i), "template": "align-blob",
			"arguments": map[string]any{"parameters": []any{map[string]any{"name": "i", "value": fmt.Sprint(i)}}},
		})
	}
	blob := `head -c 30000 /dev/zero | tr '\0' x > "$1/blob-$2"`
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Workflow",
		"metadata": map[string]any{
			"generateName": "cli-large-",
			"labels":       map[string]any{"app.kubernetes.io/part-of": "openfold-argo"},
		},
		"spec": map[string]any{
			"entrypoint": "main",
			"arguments": map[string]any{"parameters": []any{
				map[string]any{"name": "ballast", "value": strings.Repeat("b", ballast)},
			}},
			"templates": []any{
				map[string]any{"name": "main", "dag": map[string]any{"tasks": tasks}},
				map[string]any{
					"name":   "align-blob",
					"inputs": map[string]any{"parameters": []any{map[string]any{"name": "i"}}},
					"container": map[string]any{
						"image":   "node:20",
						"command": []any{"sh", "-c", blob, "sh", workdir, "{{inputs.parameters.i}}"},
					},
					"outputs": map[string]any{"parameters": []any{map[string]any{
						"name": "blob", "valueFrom": map[string]any{"path": workdir + "/blob-{{inputs.parameters.i}}"},
					}}},
				},
			},
		},
	}}
}

func decodeCompressedNodes(compressed string) (map[string]any, error) {
	raw, err := base64.StdEncoding.DecodeString(compressed)
	if err != nil {
		return nil, err
	}
	r, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	nodes := map[string]any{}
	return nodes, json.Unmarshal(data, &nodes)
}

// compressedStatus: the real controller compresses a large workflow's nodes; status, get -o json and list
// read them.
func compressedStatus(ctx context.Context, c *Cluster) (string, error) {
	workdir, err := opsWorkdir(c, "cli-large")
	if err != nil {
		return "", err
	}
	name, err := c.SubmitWorkflow(ctx, largeWorkflow(workdir, maxWorkflowSize-40_000), nil)
	if err != nil {
		return "", err
	}
	wf, err := c.WaitWorkflow(ctx, name, workflowTimeout)
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Succeeded"); err != nil {
		return "", err
	}
	size, _ := json.Marshal(wf.Object)
	compressed, _, _ := unstructured.NestedString(wf.Object, "status", "compressedNodes")
	plain, _, _ := unstructured.NestedMap(wf.Object, "status", "nodes")
	if compressed == "" || len(plain) > 0 {
		return "", fmt.Errorf("workflow %s (%d bytes): the controller did not compress its nodes (%d plain nodes)", name, len(size), len(plain))
	}
	nodes, err := decodeCompressedNodes(compressed)
	if err != nil {
		return "", fmt.Errorf("status.compressedNodes of %s: %w", name, err)
	}
	status, err := expectOK(ctx, c, cliCommandTimeout, nsArgs("status", name)...)
	if err != nil {
		return "", err
	}
	if !regexp.MustCompile(`(?m)^  align\s+3\s+0\s+0$`).MatchString(status.stdout) {
		return "", fmt.Errorf("status: want align 3 done from the compressed nodes: %s", status)
	}
	got, err := expectOK(ctx, c, cliCommandTimeout, nsArgs("get", name, "-o", "json")...)
	if err != nil {
		return "", err
	}
	var printed struct {
		Status struct {
			Nodes           map[string]any `json:"nodes"`
			CompressedNodes string         `json:"compressedNodes"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(got.stdout), &printed); err != nil || len(printed.Status.Nodes) != len(nodes) || printed.Status.CompressedNodes != "" {
		return "", fmt.Errorf("get -o json: want %d nodes decoded, no compressedNodes (%v)", len(nodes), err)
	}
	list, err := expectOK(ctx, c, cliCommandTimeout, nsArgs("list")...)
	if err != nil {
		return "", err
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` +Succeeded .* 3/3 +0/0 +0$`).MatchString(list.stdout) {
		return "", fmt.Errorf("list: want %s with align 3/3: %s", name, list)
	}
	return fmt.Sprintf("compressed: %s stored %d nodes as %d bytes of compressedNodes (object %d bytes); status, get -o json, list read them",
		name, len(nodes), len(compressed), len(size)), nil
}
