package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnstoredRunsFail: when the store cannot take the study's runs (here every runs/<xx>
// directory is a file, so no record can be written — as on a full disk, and unlike permissions
// this also holds for root), the command still prints the results and writes --out, but names
// the runs missing from the store and exits 1 (a failure, not bad input).
func TestUnstoredRunsFail(t *testing.T) {
	home := isolate(t)
	runs := filepath.Join(home, "runs")
	if err := os.MkdirAll(runs, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 256 {
		if err := os.WriteFile(filepath.Join(runs, fmt.Sprintf("%02x", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "study.json")
	code, stdout, stderr := cli(t, "run", "--data", tinyData, "--methods", "joint", "--seeds", "2", "--epochs", "2",
		"--out", out)
	if code != exitFailure {
		t.Fatalf("exit status %d, want %d; stderr:\n%s", code, exitFailure, stderr)
	}
	if !strings.Contains(stderr, "2 of the study's results could not be stored") ||
		!strings.Contains(stderr, "joint seed 0") || !strings.Contains(stderr, "joint seed 1") {
		t.Errorf("stderr should name the 2 runs missing from the store:\n%s", stderr)
	}
	if !strings.Contains(stdout, "joint") {
		t.Errorf("the results should still be printed:\n%s", stdout)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("--out should still be written: %v", err)
	}
}
