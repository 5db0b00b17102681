package mmlab

import (
	"context"
	"math"
	"runtime/debug"
	"testing"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// limitRecorder is a RunStore that stores nothing and records the soft memory limit at every Save.
type limitRecorder struct{ limits []int64 }

func (r *limitRecorder) Load(string) (*results.Run, bool, error) { return nil, false, nil }
func (r *limitRecorder) Save(*results.Run) error {
	r.limits = append(r.limits, debug.SetMemoryLimit(-1))
	return nil
}

// RunStudy sets the soft memory limit while it runs (base + 4 × the bytes of the one seed's
// dataset it holds + 16 × its largest split's) and removes it when it returns; a limit the
// process already has is left alone.
func TestRunStudyMemoryLimit(t *testing.T) {
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Skip("the process has a memory limit (GOMEMLIMIT)")
	}
	study := Study{Dataset: smallSpec, Methods: []string{results.UniMethod}, Seeds: 1, Quiet: true,
		Options: map[string]string{"train.epochs": "1", "probe.steps": "5"}}
	spec, err := datasets.ParseSpec(smallSpec)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := spec.Generate()
	if err != nil {
		t.Fatal(err)
	}
	data := 4 * int64(len(ds.Train.Labels)+len(ds.Val.Labels)+len(ds.Test.Labels))
	largest := int64(0)
	for _, s := range []*datasets.Split{ds.Train, ds.Val, ds.Test} {
		b := 4 * int64(len(s.Labels))
		for _, f := range s.Features {
			b += 4 * int64(len(f))
			data += 4 * int64(len(f))
		}
		largest = max(largest, b)
	}
	want := studyMemoryBase + studyMemoryPerDataByte*data + studyMemoryPerSplitByte*largest
	rec := &limitRecorder{}
	study.Store = rec
	if _, err := RunStudy(context.Background(), study); err != nil {
		t.Fatal(err)
	}
	if len(rec.limits) != 2 {
		t.Fatalf("%d runs saved, want 2 (uni m0, m1)", len(rec.limits))
	}
	for i, l := range rec.limits {
		if l != want {
			t.Errorf("run %d: memory limit %d during the study, want %d", i, l, want)
		}
	}
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Errorf("memory limit %d after the study, want none", l)
	}
	// A limit the process has is kept.
	const own = 3 << 30
	debug.SetMemoryLimit(own)
	defer debug.SetMemoryLimit(math.MaxInt64)
	rec.limits = nil
	if _, err := RunStudy(context.Background(), study); err != nil {
		t.Fatal(err)
	}
	for i, l := range rec.limits {
		if l != own {
			t.Errorf("own limit: run %d saw %d, want %d", i, l, own)
		}
	}
}
