package results_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// cmpRun is a run of method on seed with test accuracy test, validation accuracy val and, if
// bothHard is not NaN, a both_hard subset accuracy.
func cmpRun(method string, seed int, test, val, bothHard float64) results.Run {
	r := results.Run{Key: results.Key([]any{"cmp", method, seed}), Method: method, Seed: seed, TestAcc: test, ValAcc: val,
		SubsetAcc: map[string]float64{"all": test}}
	if !math.IsNaN(bothHard) {
		r.SubsetAcc["both_hard"] = bothHard
	}
	return r
}

// cmpStudy: seeds 0, 1, 2. Accuracies are multiples of 1/64 so that differences are exact.
//
//	        test (per seed)       val      both_hard
//	umt     56/64 58/64 60/64     = test   48/64, 50/64, 52/64
//	ume     55/64 56/64 57/64     = test   32/64 each
//
// umt − ume on test: 1/64, 2/64, 3/64 → mean 2/64 = 0.03125, std 1/64, CI95 t(0.975; 2)·(1/64)/√3.
// umt − ume on both_hard: 16/64, 18/64, 20/64 → mean 18/64 = 0.28125, std 2/64.
func cmpStudy() []results.Run {
	var runs []results.Run
	for s := range 3 {
		umt, ume := float64(56+2*s)/64, float64(55+s)/64
		runs = append(runs,
			cmpRun("umt", s, umt, umt, float64(48+2*s)/64),
			cmpRun("ume", s, ume, ume, 0.5),
		)
	}
	m := 0
	runs = append(runs, results.Run{Key: results.Key("cmp uni"), Method: "uni", Modality: &m, Seed: 0, TestAcc: 0.5})
	return runs
}

func TestMethodDifference(t *testing.T) {
	ci3 := 4.302652729911275 / math.Sqrt(3) / 64 // CI95 half-width for 3 seeds and std 1/64
	for _, tc := range []struct {
		name          string
		a, b          string
		metric        results.Metric
		mean, std, ci float64
		n             int
	}{
		{"test accuracy", "umt", "ume", results.MetricTestAcc, 2.0 / 64, 1.0 / 64, ci3, 3},
		{"reversed", "ume", "umt", results.MetricTestAcc, -2.0 / 64, 1.0 / 64, ci3, 3},
		{"validation accuracy", "umt", "ume", results.MetricValAcc, 2.0 / 64, 1.0 / 64, ci3, 3},
		{"both_hard subset", "umt", "ume", results.MetricSubsetAcc("both_hard"), 18.0 / 64, 2.0 / 64, 2 * ci3, 3},
		{"a method against itself", "umt", "umt", results.MetricTestAcc, 0, 0, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := results.MethodDifference(cmpStudy(), tc.a, tc.b, tc.metric)
			if err != nil {
				t.Fatal(err)
			}
			if got.N != tc.n || math.Abs(got.Mean-tc.mean) > 1e-12 || math.Abs(got.Std-tc.std) > 1e-12 || math.Abs(got.CI95-tc.ci) > 1e-9 {
				t.Errorf("got %+v, want mean %v, std %v, CI95 %v, n %d", got, tc.mean, tc.std, tc.ci, tc.n)
			}
		})
	}
}

func TestMethodDifferenceErrors(t *testing.T) {
	missingSeed := cmpStudy()[:5] // drops ume of seed 2 (and the uni run)
	duplicate := append(cmpStudy(), cmpRun("umt", 0, 0.9, 0.9, 0.9))
	duplicate[len(duplicate)-1].Key = results.Key("another umt run")
	noSubset := append(cmpStudy(), cmpRun("joint", 0, 0.9, 0.9, 0.5), cmpRun("joint", 1, 0.9, 0.9, math.NaN()), cmpRun("joint", 2, 0.9, 0.9, 0.5))
	for _, tc := range []struct {
		name    string
		runs    []results.Run
		a, b    string
		metric  results.Metric
		wantErr string
	}{
		{"no runs of a", cmpStudy(), "joint", "ume", results.MetricTestAcc, "no joint runs (have: ume, umt, uni/m0)"},
		{"no runs of b", cmpStudy(), "umt", "joint", results.MetricTestAcc, "no joint runs"},
		{"different seeds", missingSeed, "umt", "ume", results.MetricTestAcc, "no ume run for seeds [2]"},
		{"two runs on one seed", duplicate, "umt", "ume", results.MetricTestAcc, "two umt runs for seed 0"},
		{"per-modality method", cmpStudy(), "uni", "ume", results.MetricTestAcc, `method "uni" makes one run per modality`},
		{"subset not reported", noSubset, "joint", "umt", results.MetricSubsetAcc("both_hard"), "seed 1) has no finite value of the metric (NaN)"},
		{"nil metric", cmpStudy(), "umt", "ume", nil, "nil metric"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := results.MethodDifference(tc.runs, tc.a, tc.b, tc.metric)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "results.MethodDifference: ") {
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func ExampleMethodDifference() {
	// Two seeds: UMT beats UME by 0.02 and 0.04 on test accuracy, paired by seed.
	runs := []results.Run{
		{Key: results.Key("umt 0"), Method: "umt", Seed: 0, TestAcc: 0.95},
		{Key: results.Key("umt 1"), Method: "umt", Seed: 1, TestAcc: 0.97},
		{Key: results.Key("ume 0"), Method: "ume", Seed: 0, TestAcc: 0.93},
		{Key: results.Key("ume 1"), Method: "ume", Seed: 1, TestAcc: 0.93},
	}
	d, err := results.MethodDifference(runs, "umt", "ume", results.MetricTestAcc)
	if err != nil {
		panic(err)
	}
	fmt.Println("UMT − UME:", d)
	// Output: UMT − UME: 0.0300 ± 0.1271 (n=2)
}

func TestVariant(t *testing.T) {
	runs := cmpStudy()
	v := results.Variant(runs, "umt", "UMT free_dims=32")
	if len(v) != 3 {
		t.Fatalf("Variant kept %d runs, want the 3 umt runs", len(v))
	}
	for i, r := range v {
		if r.Method != "UMT free_dims=32" || r.Seed != i || r.Key != runs[2*i].Key || r.TestAcc != runs[2*i].TestAcc {
			t.Errorf("run %d: %+v, want umt seed %d renamed, key and metrics kept", i, r, i)
		}
	}
	if runs[0].Method != "umt" {
		t.Errorf("Variant changed its input: %q", runs[0].Method)
	}
	// The renamed runs compare like any method.
	d, err := results.MethodDifference(append(runs, v...), "UMT free_dims=32", "umt", results.MetricTestAcc)
	if err != nil || d.Mean != 0 || d.N != 3 {
		t.Errorf("variant − umt = %v, %v; want exactly 0 over 3 seeds", d, err)
	}
	if got := results.Variant(runs, "joint", "x"); len(got) != 0 {
		t.Errorf("Variant of a method without runs gave %d runs", len(got))
	}
}
