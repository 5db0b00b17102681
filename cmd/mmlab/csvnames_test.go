package main

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestCSVAndJSONModalityNames trains uni and joint on tiny twoview data (modalities "front" and
// "rear") and checks that the results CSV, parsed by Python's csv module, names its probe
// columns and uni-modal rows by them, and that the JSON report carries them (issue 16).
func TestCSVAndJSONModalityNames(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	out, csvPath := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.csv")
	code, _, stderr := cli(t, "run", "--data", "twoview:k=2,size=12,n_train=80,n_val=40,n_test=40", "--methods", "uni,joint",
		"--epochs", "1", "--seeds", "1", "--opt", "train.batch=32", "--quiet", "--out", out, "--csv", csvPath)
	if code != exitOK {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	rows := pythonCSV(t, csvPath)
	if len(rows) < 4 || !slices.Contains(rows[0], "probe front") || !slices.Contains(rows[0], "probe rear") ||
		slices.Contains(rows[0], "probe m0") {
		t.Fatalf("CSV header %q: want probe front, probe rear (not probe m0)", rows[0])
	}
	var labels []string
	for _, r := range rows[1:] {
		labels = append(labels, r[0])
	}
	if !slices.Contains(labels, "uni-modal front") || !slices.Contains(labels, "uni-modal rear") {
		t.Errorf("CSV rows %q: want uni-modal front and uni-modal rear", labels)
	}
	rep := readJSON(t, out)
	if names, _ := rep["modality_names"].([]any); !slices.Equal(names, []any{"front", "rear"}) {
		t.Errorf("JSON modality_names = %v, want [front rear]", rep["modality_names"])
	}
}
