package main

import (
	"bytes"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

// TestOutOfMemoryIsAFailure: a valid dataset too large for the memory available (here a Go
// memory limit, as GOMEMLIMIT sets) is refused before it is generated, with exit status 1 (a
// failure of the machine), not 2 (bad input), and a message saying how much it needs.
func TestOutOfMemoryIsAFailure(t *testing.T) {
	isolate(t)
	old := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	// 300,000 samples × 2 × 800 float32 values = 1.9 GiB, under MaxDatasetBytes: a valid spec.
	data := "lazypair:dim=800,n_train=200000,n_val=50000,n_test=50000"
	debug.SetMemoryLimit(64 << 20) // 64 MiB
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", "--data", data, "--methods", "uni", "--seeds", "1", "--quiet"}, &stdout, &stderr)
	debug.SetMemoryLimit(math.MaxInt64)
	if code != exitFailure || !strings.Contains(stderr.String(), "GiB of memory for its features") ||
		!strings.Contains(stderr.String(), "debug.SetMemoryLimit") {
		t.Errorf("exit %d, stderr %q; want exit %d and the memory it needs", code, stderr.String(), exitFailure)
	}
}
