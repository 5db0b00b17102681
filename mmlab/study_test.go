package mmlab

import (
	"context"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// recordsOnly hides a Store's blobs: a RunStore that cannot keep weights.
type recordsOnly struct{ s *results.Store }

func (r recordsOnly) Load(key string) (*results.Run, bool, error) { return r.s.Load(key) }
func (r recordsOnly) Save(run *results.Run) error                 { return r.s.Save(run) }

// TestRunStudyWithStore: a study's runs are stored; re-running it loads them all; changing a UMT
// option retrains only UMT, with the teachers restored from their stored weights — or, without
// stored weights, retrained deterministically to the same models.
func TestRunStudyWithStore(t *testing.T) {
	ctx := context.Background()
	store, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	study := Study{Dataset: smallSpec, Methods: []string{"joint", "ume", "umt"}, Seeds: 2, Quiet: true, Store: store,
		Options: map[string]string{"train.epochs": "5", "probe.steps": "40"}}
	first, err := RunStudy(ctx, study)
	if err != nil {
		t.Fatal(err)
	}
	// Per seed: joint, uni m0, uni m1, ume, umt.
	if first.Trained != 10 || first.Loaded != 0 || len(first.Runs) != 10 || len(first.Warnings) != 0 {
		t.Fatalf("first study: trained %d, loaded %d, %d runs, warnings %v", first.Trained, first.Loaded, len(first.Runs), first.Warnings)
	}
	if got := strings.Join(first.Methods, ","); got != "joint,uni,ume,umt" {
		t.Errorf("methods %s", got)
	}
	for _, r := range first.Runs {
		if r.Key == "" || r.Dataset != first.Dataset || r.Config["train.epochs"] != 5 || len(r.ProbeAcc) != 2 ||
			r.NumClasses != 4 || strings.Join(r.ModalityNames, ",") != "m0,m1" {
			t.Errorf("run %+v", r)
		}
		if r.Method == "ume" && (r.Curves != nil || *r.ProbeAcc[0] != *first.RunsOf("uni", 0)[r.Seed].ProbeAcc[0]) {
			t.Errorf("ume run %+v: no curves, and the uni encoders' probes", r)
		}
	}

	second, err := RunStudy(ctx, study)
	if err != nil {
		t.Fatal(err)
	}
	if second.Trained != 0 || second.Loaded != 10 {
		t.Fatalf("second study: trained %d, loaded %d", second.Trained, second.Loaded)
	}
	for i, r := range second.Runs {
		if r.Key != first.Runs[i].Key || r.TestAcc != first.Runs[i].TestAcc {
			t.Errorf("run %d: stored %s %.4f, trained %s %.4f", i, r.Key, r.TestAcc, first.Runs[i].Key, first.Runs[i].TestAcc)
		}
	}

	study.Options["umt.lambda"] = "1"
	third, err := RunStudy(ctx, study)
	if err != nil {
		t.Fatal(err)
	}
	if third.Trained != 2 || third.Loaded != 8 || third.Retrained != 0 {
		t.Fatalf("changed umt.lambda: trained %d, loaded %d, retrained %d", third.Trained, third.Loaded, third.Retrained)
	}
	// The same study without a store trains the teachers itself: the UMT runs must agree exactly.
	fresh := study
	fresh.Store = nil
	reference, err := RunStudy(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	for seed := range 2 {
		a, b := third.RunsOf("umt", -1)[seed], reference.RunsOf("umt", -1)[seed]
		if a.Key != b.Key || a.TestAcc != b.TestAcc || a.ValAcc != b.ValAcc {
			t.Errorf("seed %d: UMT with restored teachers %.4f/%.4f, with fresh teachers %.4f/%.4f", seed, a.ValAcc, a.TestAcc, b.ValAcc, b.TestAcc)
		}
	}

	study.Options["umt.lambda"] = "2"
	study.Store = recordsOnly{store}
	fourth, err := RunStudy(ctx, study)
	if err != nil {
		t.Fatal(err)
	}
	if fourth.Trained != 2 || fourth.Retrained != 4 || len(fourth.Warnings) != 0 {
		t.Fatalf("store without weights: trained %d, retrained %d, warnings %v", fourth.Trained, fourth.Retrained, fourth.Warnings)
	}
}

func TestRunStudyErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		study   Study
		wantErr string
	}{
		{"no seeds", Study{Dataset: "lazypair", Methods: []string{"joint"}}, "Seeds=0"},
		{"bad dataset", Study{Dataset: "lazypear", Methods: []string{"joint"}, Seeds: 1}, "lazypair"},
		{"bad method", Study{Dataset: "lazypair", Methods: []string{"jiont"}, Seeds: 1}, "valid methods"},
		{"bad option", Study{Dataset: "lazypair", Methods: []string{"umt"}, Seeds: 1,
			Options: map[string]string{"umt.lamda": "1"}}, "lambda"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RunStudy(ctx, tc.study)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := RunStudy(cancelled, Study{Dataset: smallSpec, Methods: []string{"joint"}, Seeds: 1, Quiet: true})
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("cancelled study: %v", err)
	}
}

// TestRunStudyParsedAtEdge checks that a study given its spec and config already parsed (Spec,
// Config) uses them and parses nothing: the Dataset and Options strings are left empty here, and
// the runs still have the parsed spec and options.
func TestRunStudyParsedAtEdge(t *testing.T) {
	spec, err := datasets.ParseSpec(smallSpec)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]string{"joint"}, map[string]string{"train.epochs": "2", "probe.steps": "10"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunStudy(context.Background(), Study{Spec: spec, Config: cfg, Methods: []string{"joint"}, Seeds: 1, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 1 || res.Runs[0].Dataset != spec.String() || res.Runs[0].Config["train.epochs"] != 2 {
		t.Fatalf("runs %+v: want one joint run of %s with train.epochs=2", res.Runs, spec)
	}
}
