package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestEmissaryArgv(t *testing.T) {
	argv, err := emissaryArgv([]string{"/var/run/argo/argoexec", "emissary", "--loglevel", "info", "--", "openfold-argo", "split"}, []string{"--plan", "p.json"})
	if err != nil || !slices.Equal(argv, []string{"openfold-argo", "split", "--plan", "p.json"}) {
		t.Fatalf("argv %q, err %v", argv, err)
	}
	if _, err := emissaryArgv([]string{"openfold-argo"}, nil); err == nil {
		t.Fatal("a command without `argoexec emissary --` was accepted")
	}
}

func TestExpandKubeVars(t *testing.T) {
	env := map[string]string{"A": "x", "B": "y"}
	for in, want := range map[string]string{
		"$(A)/$(B)":    "x/y",
		"$(MISSING)":   "$(MISSING)",
		"$$(A)":        "$(A)",
		"cost $5":      "cost $5",
		"unclosed $(A": "unclosed $(A",
	} {
		if got := expandKubeVars(in, env); got != want {
			t.Errorf("expandKubeVars(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaxOverlap(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	sequential := []ProcessRecord{{Started: at(0), Finished: at(1)}, {Started: at(1), Finished: at(2)}}
	if got := maxOverlap(sequential); got != 1 {
		t.Errorf("back-to-back processes: overlap %d, want 1", got)
	}
	parallel := append(sequential, ProcessRecord{Started: at(0), Finished: at(3)})
	if got := maxOverlap(parallel); got != 2 {
		t.Errorf("overlap %d, want 2", got)
	}
}

func TestCollectOutputs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.WriteFile(path, []byte("42\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	plan := &podPlan{includeResult: true}
	plan.template.Outputs.Parameters = []map[string]any{
		{"name": "answer", "valueFrom": map[string]any{"path": path}},
		{"name": "fallback", "valueFrom": map[string]any{"path": filepath.Join(dir, "none"), "default": "d"}},
	}
	outputs, err := collectOutputs(plan, []byte("hello\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	params := outputs["parameters"].([]any)
	if params[0].(map[string]any)["value"] != "42" || params[1].(map[string]any)["value"] != "d" || outputs["result"] != "hello" {
		t.Fatalf("outputs %v", outputs)
	}
	plan.template.Outputs.Parameters = append(plan.template.Outputs.Parameters,
		map[string]any{"name": "missing", "valueFrom": map[string]any{"path": filepath.Join(dir, "none")}})
	if _, err := collectOutputs(plan, nil, 0); err == nil {
		t.Fatal("a missing output file without default was accepted")
	}
}
