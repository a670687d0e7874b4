package main

// The acceptance check of the rendered pipeline: the real openfold-pipeline (rendered for the demo config by the
// project's generators) runs under Argo's real workflow-controller, and its outputs are compared with the local
// executor's run of the same config on the same demo data (test/e2e/prepare-demo.ts prepares both).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pipelineTimeout bounds the Argo run of the demo pipeline (about a minute on a shared 2-core machine).
const pipelineTimeout = 10 * time.Minute

// preparedDemo is what test/e2e/prepare-demo.ts prints.
type preparedDemo struct {
	ConfigFile        string            `json:"configFile"`
	Namespace         string            `json:"namespace"`
	ServiceAccount    string            `json:"serviceAccount"`
	ClaimName         string            `json:"claimName"`
	MaxConcurrentGpus int               `json:"maxConcurrentGpus"`
	WorkflowsDir      string            `json:"workflowsDir"`
	ArgoRunsRoot      string            `json:"argoRunsRoot"`
	LocalWorkdir      string            `json:"localWorkdir"`
	LocalRunsRoot     string            `json:"localRunsRoot"`
	ArgoParameters    map[string]string `json:"argoParameters"`
	LocalParameters   map[string]string `json:"localParameters"`
}

// demoTools are the alignment tools the demo's steps run (demo/demo.ts DEMO_TOOLS).
var demoTools = []string{"jackhmmer", "hhblits", "hhsearch", "hhmake", "ffindex_build", "ffindex_apply"}

// prepareDemo runs prepare-demo.js; args are its options (--model, --single-node).
func prepareDemo(ctx context.Context, c *Cluster, dir string, args ...string) (preparedDemo, error) {
	var demo preparedDemo
	for _, tool := range demoTools {
		if _, err := exec.LookPath(tool); err != nil {
			return demo, fmt.Errorf("%s not on PATH: the demo pipeline needs hmmer and hhsuite (apt-get install hmmer hhsuite)", tool)
		}
	}
	script := filepath.Join(c.Root, "dist", "test", "e2e", "prepare-demo.js")
	cmd := exec.CommandContext(ctx, "node", append([]string{script, "--dir", dir, "--namespace", c.Namespace}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return demo, fmt.Errorf("%s (run npm run build first?): %v\n%s", script, err, stderr.String())
	}
	if err := json.Unmarshal(out, &demo); err != nil {
		return demo, fmt.Errorf("%s printed %q: %w", script, out, err)
	}
	return demo, nil
}

// applyRendered installs every rendered document and fails unless the API server accepted each one.
func applyRendered(ctx context.Context, c *Cluster, dir string) (map[string]int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no rendered YAML in %s (%v)", dir, err)
	}
	kinds := map[string]int{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		docs, err := DecodeYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		stored, err := c.Apply(ctx, data)
		if err != nil {
			return nil, fmt.Errorf("%s rejected by the API server: %w", filepath.Base(file), err)
		}
		if len(stored) != len(docs) {
			return nil, fmt.Errorf("%s: %d documents, %d stored", filepath.Base(file), len(docs), len(stored))
		}
		for _, obj := range stored {
			kinds[obj.GetKind()]++
		}
	}
	return kinds, nil
}

func ensureServiceAccount(ctx context.Context, c *Cluster, name string) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := c.Kube.CoreV1().ServiceAccounts(c.Namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("serviceaccount %s: %w", name, err)
	}
	return nil
}

func sortedParameters(values map[string]string) []Parameter {
	params := make([]Parameter, 0, len(values))
	for name, value := range values {
		params = append(params, Parameter{name, value})
	}
	sort.Slice(params, func(i, j int) bool { return params[i].Name < params[j].Name })
	return params
}

// runLocalExecutor runs `openfold-argo run --local` on the same config and returns its run directory.
func runLocalExecutor(ctx context.Context, c *Cluster, demo preparedDemo) (string, error) {
	args := []string{filepath.Join(c.Root, "bin", "openfold-argo.js"), "run", "--local",
		"--config", demo.ConfigFile, "--workdir", demo.LocalWorkdir}
	for _, p := range sortedParameters(demo.LocalParameters) {
		args = append(args, "-p", p.Name+"="+p.Value)
	}
	ctx, cancel := context.WithTimeout(ctx, pipelineTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("openfold-argo run --local: %v\n%s", err, out)
	}
	runs, err := os.ReadDir(demo.LocalRunsRoot)
	if err != nil || len(runs) != 1 {
		return "", fmt.Errorf("%s: want exactly one run directory (%v)", demo.LocalRunsRoot, err)
	}
	return filepath.Join(demo.LocalRunsRoot, runs[0].Name()), nil
}

// isTimingKey names the fields that legitimately differ between two runs of the same work: times, and the
// report's measured cost (pod time x price) and the estimate's error against it.
func isTimingKey(key string) bool {
	return key == "seconds" || key == "mtime" || strings.HasSuffix(key, "Seconds") || strings.HasSuffix(key, "At") ||
		strings.HasSuffix(key, "Usd") || strings.HasSuffix(key, "Hours") || strings.HasSuffix(key, "Percent")
}

// normalizeJSON drops timing fields and replaces run-specific paths, so two runs of the same work compare equal.
func normalizeJSON(value any, paths *strings.Replacer) any {
	switch v := value.(type) {
	case map[string]any:
		out := map[string]any{}
		// An hhsearch result holds its run's Date and Command lines (compared without them): a done-manifest's
		// size and sha256 of it differ between two runs of the same work.
		hhr, _ := v["output"].(string)
		for key, item := range v {
			if isTimingKey(key) || (strings.HasSuffix(hhr, ".hhr") && (key == "size" || key == "sha256")) {
				continue
			}
			out[key] = normalizeJSON(item, paths)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = normalizeJSON(item, paths)
		}
		return out
	case string:
		return paths.Replace(v)
	}
	return value
}

func normalizedJSONFile(path string, paths *strings.Replacer) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var value any
	if err := json.Unmarshal(data, &value); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return json.MarshalIndent(normalizeJSON(value, paths), "", " ")
}

// withoutHHRRunLines drops the hhsearch result's Date and Command lines (time and staging paths of the run).
func withoutHHRRunLines(data []byte) []byte {
	var kept [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("Date ")) && !bytes.HasPrefix(line, []byte("Command ")) {
			kept = append(kept, line)
		}
	}
	return bytes.Join(kept, []byte("\n"))
}

// comparableFile reads a run's file in the form two runs of the same work must agree on.
func comparableFile(path string, paths *strings.Replacer) ([]byte, error) {
	switch {
	case strings.HasSuffix(path, ".json"):
		return normalizedJSONFile(path, paths)
	case strings.HasSuffix(path, ".hhr"):
		data, err := os.ReadFile(path)
		return withoutHHRRunLines(data), err
	default:
		return os.ReadFile(path)
	}
}

// alignmentFiles lists the files under RUN/alignments, relative to it, without the staging area.
func alignmentFiles(runDir string) ([]string, error) {
	root := filepath.Join(runDir, "alignments")
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			files = append(files, rel)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

type reportTarget = struct {
	Tag      string         `json:"tag"`
	MsaDepth map[string]int `json:"msaDepth"`
}

// expectedAlignmentFiles lists the alignment files a run must have: per target (AF2-class: alignments/<tag>/ with
// its manifest, template hits and MSAs), or per unique chain of an OpenFold3 split (alignments/<key>/manifest.json).
func expectedAlignmentFiles(runDir string, targets []reportTarget) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(runDir, "split", "manifest.json"))
	if err != nil {
		return nil, err
	}
	var split struct {
		Model   string `json:"model"`
		Aligned []struct {
			Key string `json:"key"`
		} `json:"aligned"`
	}
	if err := json.Unmarshal(data, &split); err != nil {
		return nil, fmt.Errorf("split/manifest.json: %w", err)
	}
	var wanted []string
	if split.Model == "openfold3" {
		if len(split.Aligned) == 0 {
			return nil, fmt.Errorf("the OpenFold3 split aligns no chain")
		}
		for _, a := range split.Aligned {
			wanted = append(wanted, filepath.Join(a.Key, "manifest.json"))
		}
		return wanted, nil
	}
	for _, t := range targets {
		wanted = append(wanted, filepath.Join(t.Tag, "manifest.json"), filepath.Join(t.Tag, "pdb70_hits.hhr"))
		for msa := range t.MsaDepth {
			wanted = append(wanted, filepath.Join(t.Tag, msa))
		}
	}
	return wanted, nil
}

// compareRuns checks that every target of the report has its alignments in both runs, that they are equal, and
// that the reports agree. It returns the number of targets and of alignment files compared.
func compareRuns(argoRun, localRun string, paths *strings.Replacer) (targets, files int, err error) {
	argoFiles, err := alignmentFiles(argoRun)
	if err != nil {
		return 0, 0, err
	}
	localFiles, err := alignmentFiles(localRun)
	if err != nil {
		return 0, 0, err
	}
	if !slices.Equal(argoFiles, localFiles) {
		return 0, 0, fmt.Errorf("alignment files differ:\n  argo:  %v\n  local: %v", argoFiles, localFiles)
	}
	var report struct {
		Targets []reportTarget `json:"targets"`
	}
	data, err := os.ReadFile(filepath.Join(argoRun, "report.json"))
	if err != nil {
		return 0, 0, err
	}
	if err := json.Unmarshal(data, &report); err != nil {
		return 0, 0, fmt.Errorf("argo report.json: %w", err)
	}
	wanted, err := expectedAlignmentFiles(argoRun, report.Targets)
	if err != nil {
		return 0, 0, err
	}
	for _, file := range wanted {
		if !slices.Contains(argoFiles, file) {
			return 0, 0, fmt.Errorf("alignments/%s missing in the Argo run", file)
		}
	}
	for _, rel := range argoFiles {
		a, err := comparableFile(filepath.Join(argoRun, "alignments", rel), paths)
		if err != nil {
			return 0, 0, err
		}
		l, err := comparableFile(filepath.Join(localRun, "alignments", rel), paths)
		if err != nil {
			return 0, 0, err
		}
		if !bytes.Equal(a, l) {
			return 0, 0, fmt.Errorf("alignments/%s differs between the Argo and the local run", rel)
		}
	}
	a, err := normalizedJSONFile(filepath.Join(argoRun, "report.json"), paths)
	if err != nil {
		return 0, 0, err
	}
	l, err := normalizedJSONFile(filepath.Join(localRun, "report.json"), paths)
	if err != nil {
		return 0, 0, err
	}
	if !bytes.Equal(a, l) {
		return 0, 0, fmt.Errorf("report.json differs (timings and paths ignored):\n--- argo\n%s\n--- local\n%s", a, l)
	}
	return len(report.Targets), len(argoFiles), nil
}

func chunkCount(runDir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(runDir, "split", "chunks.json"))
	if err != nil {
		return 0, err
	}
	var chunks []any
	err = json.Unmarshal(data, &chunks)
	return len(chunks), err
}

// gpuRecords are the processes of the templates that hold the GPU semaphore (predict-one, predict-chunk,
// predict-chunk-long).
func gpuRecords(c *Cluster, workflow string) []ProcessRecord {
	return slicesFilter(recordsOf(c, workflow, ""), func(r ProcessRecord) bool { return strings.HasPrefix(r.Template, "predict-") })
}

// lockRefusals counts the controller's "Could not acquire lock" log lines for a workflow and lock: how often the
// semaphore held a pod back. Informative only: whether two chunks ever compete for it depends on timing.
func lockRefusals(c *Cluster, workflow, lock string) int {
	data, err := os.ReadFile(filepath.Join(c.WorkDir, "workflow-controller.log"))
	if err != nil {
		return 0
	}
	count := 0
	for _, line := range strings.Split(string(data), "\n") {
		// The controller logs its attributes in varying order: match whole fields.
		fields := strings.Fields(line)
		if strings.Contains(line, `msg="Could not acquire lock"`) && slices.Contains(fields, "workflow="+workflow) &&
			slices.Contains(fields, "lockName="+lock) {
			count++
		}
	}
	return count
}

func checkPipeline(ctx context.Context, c *Cluster) (string, error) {
	return checkPipelineOf(ctx, c, "openfold")
}

// checkPipelineOpenfold3 runs the same pipeline with model=openfold3 on the demo's OpenFold3 query JSON: split
// by tokens into chunks that share a chain (aligned once by align-shared), chunk alignments, the OpenFold3
// predict templates (predictions "not run": no OpenFold3 runtime here), collect.
func checkPipelineOpenfold3(ctx context.Context, c *Cluster) (string, error) {
	return checkPipelineOf(ctx, c, "openfold3")
}

func checkPipelineOf(ctx context.Context, c *Cluster, model string) (string, error) {
	dir := filepath.Join(c.WorkDir, "files", "pipeline-"+model)
	if err := mkdirAll(dir); err != nil {
		return "", err
	}
	started := time.Now()
	demo, err := prepareDemo(ctx, c, dir, "--model", model)
	if err != nil {
		return "", err
	}
	prepared := time.Since(started)
	kinds, err := applyRendered(ctx, c, demo.WorkflowsDir)
	if err != nil {
		return "", err
	}
	if kinds["WorkflowTemplate"] != 4 || kinds["ConfigMap"] != 1 {
		return "", fmt.Errorf("rendered kinds %v, want 4 WorkflowTemplates and the semaphore ConfigMap", kinds)
	}
	if err := ensureServiceAccount(ctx, c, demo.ServiceAccount); err != nil {
		return "", err
	}

	argoStarted := time.Now()
	name, err := c.SubmitFromTemplate(ctx, "openfold-pipeline", sortedParameters(demo.ArgoParameters))
	if err != nil {
		return "", err
	}
	wf, err := c.WaitWorkflow(ctx, name, pipelineTimeout)
	if err != nil {
		return "", err
	}
	argoWall := time.Since(argoStarted)
	if err := expectPhase(wf, "Succeeded"); err != nil {
		return "", err
	}
	argoRun := filepath.Join(demo.ArgoRunsRoot, name)

	localStarted := time.Now()
	localRun, err := runLocalExecutor(ctx, c, demo)
	if err != nil {
		return "", err
	}
	localWall := time.Since(localStarted)

	paths := strings.NewReplacer(argoRun, "RUN", localRun, "RUN",
		filepath.Dir(demo.ArgoRunsRoot), "VOLUME", filepath.Join(demo.LocalWorkdir, "volume"), "VOLUME")
	targets, files, err := compareRuns(argoRun, localRun, paths)
	if err != nil {
		return "", err
	}

	chunks, err := chunkCount(argoRun)
	if err != nil {
		return "", err
	}
	predicts := gpuRecords(c, name)
	if len(predicts) != chunks {
		return "", fmt.Errorf("%d predict processes for %d chunks", len(predicts), chunks)
	}
	peak := maxOverlap(predicts)
	if peak > demo.MaxConcurrentGpus {
		return "", fmt.Errorf("%d predict pods ran at once, the GPU semaphore's limit is %d", peak, demo.MaxConcurrentGpus)
	}
	refusals := lockRefusals(c, name, c.Namespace+"/ConfigMap/openfold-argo-semaphores/gpu")
	documents := 0
	for _, n := range kinds {
		documents += n
	}
	return fmt.Sprintf("model %s: %d rendered documents accepted %v; Succeeded, %d pods; %d targets, %d alignment files and "+
		"report.json equal to the local executor's; predict peak %d of %d chunks (GPU limit %d, "+
		"controller refused the lock %d times); "+
		"wall: prepare %.1fs, Argo %.1fs, local executor %.1fs",
		model, documents, kinds, len(recordsOf(c, name, "")), targets, files, peak, chunks, demo.MaxConcurrentGpus, refusals,
		prepared.Seconds(), argoWall.Seconds(), localWall.Seconds()), nil
}
