package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeRun(t *testing.T, run string, files map[string]string) {
	t.Helper()
	for rel, text := range files {
		path := filepath.Join(run, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(strings.ReplaceAll(text, "RUNDIR", run)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func demoRun(sto, seconds, date string) map[string]string {
	return map[string]string{
		"report.json":                 `{"run":"RUNDIR","targets":[{"tag":"a","msaDepth":{"u.sto":2},"alignSeconds":` + seconds + `}],"summary":{"lastCompletedAt":"` + date + `"}}`,
		"alignments/a/manifest.json":  `{"tag":"a","path":"RUNDIR/x","searches":[{"seconds":` + seconds + `}],"completedAt":"` + date + `"}`,
		"alignments/a/u.sto":          sto,
		"alignments/a/pdb70_hits.hhr": "Query a\nDate          " + date + "\nCommand       hhsearch -i RUNDIR/in\n\n 1 hit\n",
		"alignments/.staging/junk":    date,
	}
}

func TestCompareRunsIgnoresTimingsAndPaths(t *testing.T) {
	dir := t.TempDir()
	argo, local := filepath.Join(dir, "argo"), filepath.Join(dir, "local")
	writeRun(t, argo, demoRun("# STOCKHOLM\nA\n", "1.5", "Mon"))
	writeRun(t, local, demoRun("# STOCKHOLM\nA\n", "2.5", "Tue"))
	paths := strings.NewReplacer(argo, "RUN", local, "RUN")
	targets, files, err := compareRuns(argo, local, paths)
	if err != nil || targets != 1 || files != 3 {
		t.Fatalf("compareRuns = %d targets, %d files, %v; want 1, 3, nil", targets, files, err)
	}
}

func TestCompareRunsFindsADifferentMSA(t *testing.T) {
	dir := t.TempDir()
	argo, local := filepath.Join(dir, "argo"), filepath.Join(dir, "local")
	writeRun(t, argo, demoRun("# STOCKHOLM\nA\n", "1", "Mon"))
	writeRun(t, local, demoRun("# STOCKHOLM\nB\n", "1", "Mon"))
	_, _, err := compareRuns(argo, local, strings.NewReplacer(argo, "RUN", local, "RUN"))
	if err == nil || !strings.Contains(err.Error(), "alignments/a/u.sto differs") {
		t.Fatalf("compareRuns error %v, want the .sto difference", err)
	}
}

func TestCompareRunsFindsAMissingAlignment(t *testing.T) {
	dir := t.TempDir()
	argo, local := filepath.Join(dir, "argo"), filepath.Join(dir, "local")
	for _, run := range []string{argo, local} {
		files := demoRun("x", "1", "Mon")
		delete(files, "alignments/a/u.sto")
		writeRun(t, run, files)
	}
	_, _, err := compareRuns(argo, local, strings.NewReplacer(argo, "RUN", local, "RUN"))
	if err == nil || !strings.Contains(err.Error(), "target a: alignments/a/u.sto missing") {
		t.Fatalf("compareRuns error %v, want the missing MSA", err)
	}
}
