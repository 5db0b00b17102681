package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/datasets"
)

// TestOutOfMemoryIsAFailure: a valid dataset too large for the memory available (here
// datasets.MemoryBudget) is refused before it is generated, with exit status 1 (a failure of
// the machine), not 2 (bad input), and a message saying how much it needs.
func TestOutOfMemoryIsAFailure(t *testing.T) {
	isolate(t)
	old := datasets.MemoryBudget
	t.Cleanup(func() { datasets.MemoryBudget = old })
	// 300,000 samples × 2 × 800 float32 values = 1.9 GiB, under MaxDatasetBytes: a valid spec.
	data := "lazypair:dim=800,n_train=200000,n_val=50000,n_test=50000"
	datasets.MemoryBudget = 256 << 20 // 256 MiB
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", "--data", data, "--methods", "uni", "--seeds", "1", "--quiet"}, &stdout, &stderr)
	datasets.MemoryBudget = old
	if code != exitFailure || !strings.Contains(stderr.String(), "GiB of memory for its features") ||
		!strings.Contains(stderr.String(), "MemoryBudget") {
		t.Errorf("exit %d, stderr %q; want exit %d and the memory it needs", code, stderr.String(), exitFailure)
	}
}
