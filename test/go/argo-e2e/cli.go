package main

// The `cli` check: the project's cluster commands (install, submit --watch, status, list, logs) run as processes
// (`node bin/openfold-argo.js ...`) against the real API server and controller, with the harness's admin
// kubeconfig in $KUBECONFIG, in a namespace of their own. The controller is not started with --namespaced, so it
// runs workflows in every namespace; the fake kubelet watches pods in every namespace too.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const (
	// cliNamespace gets the CLI's install and its pipeline run; cliEmptyNamespace never gets a template.
	cliNamespace      = "openfold-cli"
	cliEmptyNamespace = "openfold-cli-empty"
	cliCommandTimeout = time.Minute
)

var workflowTemplatesGVR = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "workflowtemplates"}

// cliRun is one finished `openfold-argo` process.
type cliRun struct {
	args           []string
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

func (r cliRun) String() string {
	return fmt.Sprintf("openfold-argo %s: exit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runCLI runs the project's CLI with KUBECONFIG set to the harness's admin kubeconfig. A non-zero exit is a
// result, not an error; an error means the process could not run or ran past the timeout.
func runCLI(ctx context.Context, c *Cluster, timeout time.Duration, args ...string) (cliRun, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(c.Root, "bin", "openfold-argo.js")}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.KubeconfigPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	started := time.Now()
	err := cmd.Run()
	run := cliRun{args: args, stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(started)}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return run, fmt.Errorf("ran past %s: %s", timeout, run)
	case errors.As(err, &exitErr):
		run.code = exitErr.ExitCode()
	case err != nil:
		return run, fmt.Errorf("openfold-argo %s: %w", strings.Join(args, " "), err)
	}
	return run, nil
}

// expectOK runs the CLI and fails unless it exits 0.
func expectOK(ctx context.Context, c *Cluster, timeout time.Duration, args ...string) (cliRun, error) {
	run, err := runCLI(ctx, c, timeout, args...)
	if err == nil && run.code != 0 {
		err = fmt.Errorf("want exit 0: %s", run)
	}
	return run, err
}

// expectRefusal runs the CLI and fails unless it exits non-zero with one stderr line containing want.
func expectRefusal(ctx context.Context, c *Cluster, want string, args ...string) (string, error) {
	run, err := runCLI(ctx, c, cliCommandTimeout, args...)
	if err != nil {
		return "", err
	}
	line := strings.TrimSpace(run.stderr)
	if run.code == 0 || strings.Contains(line, "\n") || !strings.Contains(line, want) {
		return "", fmt.Errorf("want a non-zero exit and one error line containing %q: %s", want, run)
	}
	return line, nil
}

func createNamespaceWithAccounts(ctx context.Context, c *Cluster, namespace string, accounts ...string) error {
	if err := c.ensureNamespace(ctx, namespace); err != nil {
		return err
	}
	for _, name := range accounts {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := c.Kube.CoreV1().ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("serviceaccount %s/%s: %w", namespace, name, err)
		}
	}
	return nil
}

// rebasedConfigScript writes the demo config rebased onto the Argo run's volume, with the project's own
// rebaseConfig (the same call prepare-demo renders with), so `install --config` renders what prepare-demo did.
const rebasedConfigScript = `
import { pathToFileURL } from 'node:url';
const [root, from, mountPath, to] = process.argv.slice(1);
const load = await import(pathToFileURL(root + '/dist/generators/config/load.js').href);
const render = await import(pathToFileURL(root + '/dist/generators/render.js').href);
const state = await import(pathToFileURL(root + '/dist/executor/state.js').href);
state.writeAtomic(to, render.toYaml(load.rebaseConfig(load.loadConfig({ file: from }), mountPath)));
`

func writeRebasedConfig(ctx context.Context, c *Cluster, from, mountPath, to string) error {
	out, err := exec.CommandContext(ctx, "node", "--input-type=module", "-e", rebasedConfigScript, c.Root, from, mountPath, to).CombinedOutput()
	if err != nil {
		return fmt.Errorf("writing the rebased config %s: %v\n%s", to, err, out)
	}
	return nil
}

// renderedObjects lists the rendered documents as `kind/name` (the form install prints), sorted.
func renderedObjects(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no rendered YAML in %s (%v)", dir, err)
	}
	var names []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		docs, err := DecodeYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for _, d := range docs {
			names = append(names, strings.ToLower(d.GetKind())+"/"+d.GetName())
		}
	}
	sort.Strings(names)
	return names, nil
}

var installLine = regexp.MustCompile(`^(\S+/\S+) (created|configured|unchanged)( \(server dry run\))?(: .*)?$`)

// installOutcomes parses install's stdout into object -> outcome; every line must be one object's outcome.
func installOutcomes(run cliRun, dryRun bool) (map[string]string, error) {
	outcomes := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(run.stdout), "\n") {
		m := installLine.FindStringSubmatch(line)
		if m == nil || (m[3] != "") != dryRun {
			return nil, fmt.Errorf("unexpected install line %q: %s", line, run)
		}
		outcomes[m[1]] = m[2]
	}
	return outcomes, nil
}

// expectOutcomes fails unless install reported exactly the rendered objects, each with outcome want.
func expectOutcomes(run cliRun, dryRun bool, rendered []string, want string) error {
	outcomes, err := installOutcomes(run, dryRun)
	if err != nil {
		return err
	}
	var got []string
	for name, outcome := range outcomes {
		got = append(got, name)
		if outcome != want {
			return fmt.Errorf("%s %s, want %s: %s", name, outcome, want, run)
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, rendered) {
		return fmt.Errorf("install reported %v, prepare-demo rendered %v", got, rendered)
	}
	return nil
}

func countWorkflows(ctx context.Context, c *Cluster, namespace string) (int, error) {
	list, err := c.Dynamic.Resource(workflowsGVR).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	return len(list.Items), nil
}

var progressLinePattern = regexp.MustCompile(`^\d\d:\d\d:\d\d (\S+) +(\w+) +(.*\balign \d+ done.*\bpredict \d+ done.*)$`)

// watchProgress returns watch's progress lines for workflow name and fails unless they show the run moving
// (a Running line with progress) and the last one is Succeeded with every align and predict step done.
func watchProgress(run cliRun, name string) ([]string, error) {
	var lines []string
	running := false
	for _, line := range strings.Split(run.stdout, "\n") {
		m := progressLinePattern.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		lines = append(lines, line)
		running = running || m[2] == "Running"
	}
	if len(lines) < 2 || !running {
		return nil, fmt.Errorf("want per-stage progress lines of %s, Running then Succeeded: %s", name, run)
	}
	last := lines[len(lines)-1]
	if m := progressLinePattern.FindStringSubmatch(last); m[2] != "Succeeded" || regexp.MustCompile(`[1-9]\d* (running|failed)`).MatchString(m[3]) {
		return nil, fmt.Errorf("last progress line %q, want Succeeded with nothing running or failed", last)
	}
	if !strings.Contains(run.stdout, "\n"+name+" Succeeded\n") {
		return nil, fmt.Errorf("want the final line %q: %s", name+" Succeeded", run)
	}
	return lines, nil
}

var submittedLine = regexp.MustCompile(`(?m)^submitted (\S+) in namespace (\S+)$`)

func checkCLI(ctx context.Context, c *Cluster) (string, error) {
	ns := []string{"-n", cliNamespace}
	dir := filepath.Join(c.WorkDir, "files", "cli")
	if err := mkdirAll(dir); err != nil {
		return "", err
	}
	started := time.Now()
	// The same preparation as the pipeline check, for this check's namespace.
	scoped := *c
	scoped.Namespace = cliNamespace
	demo, err := prepareDemo(ctx, &scoped, dir)
	if err != nil {
		return "", err
	}
	config := filepath.Join(dir, "openfold-argo.argo.yaml")
	if err := writeRebasedConfig(ctx, c, demo.ConfigFile, filepath.Dir(demo.ArgoRunsRoot), config); err != nil {
		return "", err
	}
	rendered, err := renderedObjects(demo.WorkflowsDir)
	if err != nil {
		return "", err
	}
	if err := createNamespaceWithAccounts(ctx, c, cliNamespace, "default", demo.ServiceAccount); err != nil {
		return "", err
	}
	if err := c.ensureNamespace(ctx, cliEmptyNamespace); err != nil {
		return "", err
	}
	prepared := time.Since(started)

	// 1. install: creates, then is idempotent; a dry run elsewhere creates nothing.
	first, err := expectOK(ctx, c, cliCommandTimeout, append([]string{"install", "--config", config}, ns...)...)
	if err != nil {
		return "", err
	}
	if err := expectOutcomes(first, false, rendered, "created"); err != nil {
		return "", err
	}
	second, err := expectOK(ctx, c, cliCommandTimeout, append([]string{"install", "--config", config}, ns...)...)
	if err != nil {
		return "", err
	}
	if err := expectOutcomes(second, false, rendered, "unchanged"); err != nil {
		return "", err
	}
	dry, err := expectOK(ctx, c, cliCommandTimeout, "install", "--dry-run", "--config", config, "--kubeconfig", c.KubeconfigPath, "-n", cliEmptyNamespace)
	if err != nil {
		return "", err
	}
	if err := expectOutcomes(dry, true, rendered, "created"); err != nil {
		return "", err
	}
	if !strings.Contains(dry.stderr, "warning: ServiceAccount "+demo.ServiceAccount+" does not exist in "+cliEmptyNamespace) {
		return "", fmt.Errorf("install into a namespace without the ServiceAccount: want its warning: %s", dry)
	}
	templates, err := c.Dynamic.Resource(workflowTemplatesGVR).Namespace(cliEmptyNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	if len(templates.Items) != 0 {
		return "", fmt.Errorf("install --dry-run stored %d WorkflowTemplates in %s", len(templates.Items), cliEmptyNamespace)
	}
	suspendAndPrune, err := installKeepsSuspendAndPrunes(ctx, c, config, rendered)
	if err != nil {
		return "", err
	}

	// 3. (first, so nothing else has created a workflow yet) refusals before anything is created.
	fasta := "input-fasta=" + demo.ArgoParameters["input-fasta"]
	unknown, err := expectRefusal(ctx, c, "-p no-such-parameter: WorkflowTemplate openfold-pipeline has no such parameter",
		append([]string{"submit", "-p", fasta, "-p", "no-such-parameter=1"}, ns...)...)
	if err != nil {
		return "", err
	}
	badEnum, err := expectRefusal(ctx, c, "-p align-mode: must be one of",
		append([]string{"submit", "-p", fasta, "-p", "align-mode=no-such-mode"}, ns...)...)
	if err != nil {
		return "", err
	}
	if n, err := countWorkflows(ctx, c, cliNamespace); err != nil || n != 0 {
		return "", fmt.Errorf("%d workflows in %s after refused submits, want 0 (%v)", n, cliNamespace, err)
	}
	notInstalled, err := expectRefusal(ctx, c,
		"WorkflowTemplate openfold-pipeline not found in namespace "+cliEmptyNamespace+": install it with `openfold-argo install`",
		"submit", "-n", cliEmptyNamespace, "-p", fasta)
	if err != nil {
		return "", err
	}

	// 2. submit --watch runs the pipeline to Succeeded; status, list and logs see it.
	submitArgs := []string{"submit", "--watch"}
	for _, p := range sortedParameters(demo.ArgoParameters) {
		submitArgs = append(submitArgs, "-p", p.Name+"="+p.Value)
	}
	watched, err := expectOK(ctx, c, pipelineTimeout, append(submitArgs, ns...)...)
	if err != nil {
		return "", err
	}
	m := submittedLine.FindStringSubmatch(watched.stdout)
	if m == nil || m[2] != cliNamespace {
		return "", fmt.Errorf("want `submitted NAME in namespace %s`: %s", cliNamespace, watched)
	}
	name := m[1]
	progressLines, err := watchProgress(watched, name)
	if err != nil {
		return "", err
	}
	wf, err := c.Dynamic.Resource(workflowsGVR).Namespace(cliNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if err := expectPhase(wf, "Succeeded"); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(demo.ArgoRunsRoot, name, "report.json")); err != nil {
		return "", fmt.Errorf("the run's report: %w", err)
	}

	status, err := expectOK(ctx, c, cliCommandTimeout, append([]string{"status", name}, ns...)...)
	if err != nil {
		return "", err
	}
	if !strings.Contains(status.stdout, "name:       "+name+"\n") || !strings.Contains(status.stdout, "phase:      Succeeded\n") {
		return "", fmt.Errorf("status: want name %s and phase Succeeded: %s", name, status)
	}
	list, err := expectOK(ctx, c, cliCommandTimeout, append([]string{"list"}, ns...)...)
	if err != nil {
		return "", err
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` +Succeeded `).MatchString(list.stdout) {
		return "", fmt.Errorf("list: want a row %s Succeeded: %s", name, list)
	}

	logs, err := runCLI(ctx, c, cliCommandTimeout, append([]string{"logs", name, "--step", "split"}, ns...)...)
	if err != nil {
		return "", err
	}
	logsDetail, err := logsOutcome(logs)
	if err != nil {
		return "", err
	}

	return fmt.Sprintf("install: %d objects created, then unchanged, dry run stored nothing; %s; refused: %q, %q, %q; "+
		"submit --watch: %s Succeeded, %d progress lines, last %q; status, list ok; %s; "+
		"wall: prepare %.1fs, install %.1fs+%.1fs, submit --watch %.1fs",
		len(rendered), suspendAndPrune, unknown, badEnum, notInstalled, name, len(progressLines), progressLines[len(progressLines)-1], logsDetail,
		prepared.Seconds(), first.elapsed.Seconds(), second.elapsed.Seconds(), watched.elapsed.Seconds()), nil
}

// logsOutcome checks `logs NAME --step split`: exactly the split pod, chosen by the node annotations the real
// controller wrote. The fake kubelet binds no pod to a node, so the API server answers its log with an empty 204:
// the CLI must say so under the header rather than print nothing.
func logsOutcome(run cliRun) (string, error) {
	lines := strings.Split(strings.TrimSuffix(run.stdout, "\n"), "\n")
	var headers []string
	for _, line := range lines {
		if strings.HasPrefix(line, "==> ") {
			headers = append(headers, line)
		}
	}
	if run.code != 0 || len(headers) != 1 || !regexp.MustCompile(`^==> \S+-split-\d+ \(split\(0\)\) <==$`).MatchString(headers[0]) {
		return "", fmt.Errorf("logs --step split: want exit 0 and the split pod's header only: %s", run)
	}
	if len(lines) == 2 && regexp.MustCompile(`^\(no log: pod \S+ is not scheduled to a node\)$`).MatchString(lines[1]) {
		return fmt.Sprintf("logs --step split: split pod only, %q (the fake kubelet serves no log)", lines[1]), nil
	}
	if len(lines) < 2 {
		return "", fmt.Errorf("logs --step split: header without log or note: %s", run)
	}
	return "logs --step split printed the split pod's log", nil
}
