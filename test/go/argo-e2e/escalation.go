package main

// The `escalation` check: the rendered align-group and predict-chunk templates (retryStrategy and podSpecPatch as
// `render` writes them for this Argo version, test/e2e/prepare-escalation.ts) under the real controller. An
// OOM-killed alignment is retried with twice the memory; a plain failure is retried with the same; a CUDA
// out-of-memory (exit 86) moves the retry to the long GPU class, a plain failure does not; a failure before any
// target (exit 1) is not retried. The OOM kill is the kubelet stand-in's enforcement of limits.memory (memory.go).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

type escalationScenario struct {
	Name     string `json:"name"`
	Template string `json:"template"`
	Plan     string `json:"plan"`
}

type preparedEscalation struct {
	File      string               `json:"file"`
	Dir       string               `json:"dir"`
	Scenarios []escalationScenario `json:"scenarios"`
}

// escalationAttempt is one attempt of a scenario as the kubelet stand-in saw it.
type escalationAttempt struct {
	exitCode    int
	memory      string
	nodeClass   string
	gpuClass    string
	killedByOOM bool
}

func (a escalationAttempt) String() string {
	oom := ""
	if a.killedByOOM {
		oom = " OOMKilled"
	}
	return fmt.Sprintf("{exit %d, memory %s, node class %s, GPU class %s%s}", a.exitCode, a.memory, a.nodeClass, a.gpuClass, oom)
}

func checkEscalation(ctx context.Context, c *Cluster) (string, error) {
	dir := filepath.Join(c.WorkDir, "files", "escalation")
	if err := mkdirAll(dir); err != nil {
		return "", err
	}
	script := filepath.Join(c.Root, "dist", "test", "e2e", "prepare-escalation.js")
	cmd := exec.CommandContext(ctx, "node", script, "--dir", dir, "--namespace", c.Namespace)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s (run npm run build first?): %v\n%s", script, err, stderr.String())
	}
	var prepared preparedEscalation
	if err := json.Unmarshal(out, &prepared); err != nil {
		return "", fmt.Errorf("%s printed %q: %w", script, out, err)
	}
	data, err := os.ReadFile(prepared.File)
	if err != nil {
		return "", err
	}
	objects, err := DecodeYAML(data)
	if err != nil {
		return "", err
	}
	var name string
	for _, obj := range objects {
		if obj.GetKind() == "Workflow" {
			if name, err = c.SubmitWorkflow(ctx, obj, nil); err != nil {
				return "", err
			}
		} else if _, err := c.resourceApply(ctx, obj); err != nil {
			return "", err
		}
	}
	wf, err := c.WaitWorkflow(ctx, name, workflowTimeout)
	if err != nil {
		return "", err
	}
	// One scenario fails on purpose (exit 1 is final), so the workflow does.
	if err := expectPhase(wf, "Failed"); err != nil {
		return "", err
	}
	attempts := map[string][]escalationAttempt{}
	for _, s := range prepared.Scenarios {
		if attempts[s.Name], err = scenarioAttempts(c, wf.GetName(), s, prepared.Dir); err != nil {
			return "", err
		}
	}
	expect := func(scenario string, want []escalationAttempt) error {
		if got := attempts[scenario]; !slices.Equal(got, want) {
			return fmt.Errorf("%s: attempts %v, want %v", scenario, got, want)
		}
		return nil
	}
	for _, e := range []struct {
		scenario string
		want     []escalationAttempt
	}{
		{"align-oom", []escalationAttempt{{137, "256Mi", "small-cpu", "-", true}, {0, "512Mi", "small-cpu", "-", false}}},
		{"align-plain", []escalationAttempt{{3, "256Mi", "small-cpu", "-", false}, {0, "256Mi", "small-cpu", "-", false}}},
		{"predict-cuda-oom", []escalationAttempt{{86, "512Mi", "gpu", "standard", false}, {0, "768Mi", "gpu-large", "long", false}}},
		{"predict-plain", []escalationAttempt{{3, "512Mi", "gpu", "standard", false}, {0, "512Mi", "gpu", "standard", false}}},
		{"predict-before-any-target", []escalationAttempt{{1, "512Mi", "gpu", "standard", false}}},
	} {
		if err := expect(e.scenario, e.want); err != nil {
			return "", err
		}
	}
	// What Argo made of the OOM kill: the message lastRetry.message carries into the next attempt's podSpecPatch.
	var oomMessage string
	for _, n := range Nodes(wf) {
		if n.Type == "Pod" && strings.Contains(n.Message, "OOMKilled") {
			oomMessage = n.Message
		}
	}
	if oomMessage != "main: OOMKilled (exit code 137)" {
		return "", fmt.Errorf("OOM-killed node message %q, want %q", oomMessage, "main: OOMKilled (exit code 137)")
	}
	return fmt.Sprintf("align after OOMKilled 256Mi -> 512Mi, after exit 3 256Mi -> 256Mi; predict after exit 86 gpu -> gpu-large, after exit 3 gpu -> gpu, exit 1 not retried; node message %q", oomMessage), nil
}

// scenarioAttempts pairs the kubelet's records of a scenario's pods with the GPU class its stand-in logged.
func scenarioAttempts(c *Cluster, workflow string, s escalationScenario, dir string) ([]escalationAttempt, error) {
	var records []ProcessRecord
	for _, r := range recordsOf(c, workflow, s.Template) {
		if slices.Contains(r.Argv, s.Name) {
			records = append(records, r)
		}
	}
	log, err := os.ReadFile(filepath.Join(dir, s.Name+".log"))
	if err != nil {
		return nil, fmt.Errorf("%s: the stand-in left no log: %w", s.Name, err)
	}
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(lines) != len(records) {
		return nil, fmt.Errorf("%s: %d processes recorded, %d attempts logged", s.Name, len(records), len(lines))
	}
	out := make([]escalationAttempt, len(records))
	for i, r := range records {
		_, class, _ := strings.Cut(lines[i], " ")
		out[i] = escalationAttempt{
			exitCode:    r.ExitCode,
			memory:      r.MemoryLimit,
			nodeClass:   r.NodeSelector["openfold-argo.io/node-class"],
			gpuClass:    class,
			killedByOOM: strings.HasPrefix(r.KilledBecause, oomReasonPrefix),
		}
	}
	return out, nil
}
