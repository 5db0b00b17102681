package results_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// closeTo compares to 1e-4 where the expected values are hand-computed with 6-digit t quantiles,
// and to 1e-12 otherwise.
func closeTo(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestSummarize(t *testing.T) {
	// t quantiles from tables: t(0.975; 2) = 4.302653, t(0.975; 4) = 2.776445.
	for _, tc := range []struct {
		name   string
		values []float64
		want   results.Estimate
		tol    float64
	}{
		{"no values", nil, results.Estimate{}, 0},
		{"one seed has no interval", []float64{0.7}, results.Estimate{Mean: 0.7, N: 1}, 0},
		// mean 2, std 1, CI95 = 4.302653 · 1/√3 = 2.4841.
		{"1 2 3", []float64{1, 2, 3}, results.Estimate{Mean: 2, Std: 1, CI95: 2.4841, N: 3}, 1e-4},
		// mean 0.95, std 0.01, CI95 = 4.302653 · 0.01/√3 = 0.024841.
		{"three accuracies", []float64{0.94, 0.95, 0.96}, results.Estimate{Mean: 0.95, Std: 0.01, CI95: 0.024841, N: 3}, 1e-6},
		// mean 3, std √2.5 = 1.581139, CI95 = 2.776445 · 1.581139/√5 = 1.963243.
		{"five seeds", []float64{1, 2, 3, 4, 5}, results.Estimate{Mean: 3, Std: 1.581139, CI95: 1.963243, N: 5}, 1e-6},
		{"constant", []float64{0.5, 0.5}, results.Estimate{Mean: 0.5, N: 2}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := results.Summarize(tc.values)
			if got.N != tc.want.N || !closeTo(got.Mean, tc.want.Mean, tc.tol+1e-12) ||
				!closeTo(got.Std, tc.want.Std, tc.tol+1e-12) || !closeTo(got.CI95, tc.want.CI95, tc.tol+1e-12) {
				t.Errorf("Summarize(%v) = %+v, want %+v (±%g)", tc.values, got, tc.want, tc.tol)
			}
		})
	}
}

func TestPairedDifference(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []float64
		want results.Estimate
	}{
		// Differences {2, 3, 4}: the same numbers as Summarize({1, 2, 3}) shifted by 1.
		{"differences 2 3 4", []float64{3, 5, 7}, []float64{1, 2, 3}, results.Estimate{Mean: 3, Std: 1, CI95: 2.4841, N: 3}},
		// A constant per-seed difference has no spread, although each method varies a lot.
		{"shared seed variation cancels", []float64{0.75, 0.5, 0.875}, []float64{0.625, 0.375, 0.75}, results.Estimate{Mean: 0.125, N: 3}},
		{"empty", nil, nil, results.Estimate{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := results.PairedDifference(tc.a, tc.b)
			if got.N != tc.want.N || !closeTo(got.Mean, tc.want.Mean, 1e-12) ||
				!closeTo(got.Std, tc.want.Std, 1e-4) || !closeTo(got.CI95, tc.want.CI95, 1e-4) {
				t.Errorf("PairedDifference = %+v, want %+v", got, tc.want)
			}
		})
	}
	t.Run("unpaired lengths panic", func(t *testing.T) {
		defer func() {
			if r := recover(); r == nil {
				t.Error("PairedDifference of slices of different lengths did not panic")
			}
		}()
		results.PairedDifference([]float64{1, 2}, []float64{1})
	})
}

func TestEstimateString(t *testing.T) {
	for _, tc := range []struct {
		e    results.Estimate
		want string
	}{
		{results.Estimate{}, "no data (n=0)"},
		{results.Estimate{Mean: 0.5, N: 1}, "0.5000 (n=1, no interval)"},
		{results.Summarize([]float64{0.94, 0.95, 0.96}), "0.9500 ± 0.0248 (n=3)"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

// uniRun, methodRun build hand-made runs; probes are per modality, NaN meaning "no encoder".
func uniRun(m, seed int, val, test, probe float64) results.Run {
	probes := []*float64{nil, nil}
	probes[m] = ptr(probe)
	return results.Run{
		Key: results.Key(fmt.Sprint("uni", m, seed)), Method: "uni", Modality: ptr(m), Seed: seed,
		ValAcc: val, TestAcc: test, ProbeAcc: probes,
	}
}

func methodRun(method string, seed int, val, test float64, probes ...float64) results.Run {
	r := results.Run{Key: results.Key(fmt.Sprint(method, seed)), Method: method, Seed: seed, ValAcc: val, TestAcc: test}
	for _, p := range probes {
		if math.IsNaN(p) {
			r.ProbeAcc = append(r.ProbeAcc, nil)
		} else {
			r.ProbeAcc = append(r.ProbeAcc, ptr(p))
		}
	}
	return r
}

// studyRuns is a small two-modality study over seeds 0, 1, 2. Numbers are multiples of 1/64 so
// that means are exact in binary floating point.
func studyRuns() []results.Run {
	var runs []results.Run
	uniProbe := [2][3]float64{{0.9375, 0.953125, 0.96875}, {0.90625, 0.921875, 0.9375}}
	jointProbe := [2][3]float64{{0.875, 0.890625, 0.90625}, {0.875, 0.875, 0.875}}
	for seed := range 3 {
		for m := range 2 {
			runs = append(runs, uniRun(m, seed, 0.8+0.0625*float64(m), 0.75+0.0625*float64(m), uniProbe[m][seed]))
		}
		j := methodRun("joint", seed, 0.96875, 0.953125, jointProbe[0][seed], jointProbe[1][seed])
		j.SubsetAcc = map[string]float64{"both_hard": 0.5, "all": 0.953125}
		runs = append(runs, j)
		runs = append(runs, methodRun("ume", seed, 0.984375, 0.96875, uniProbe[0][seed], uniProbe[1][seed]))
	}
	return runs
}

func TestSummaries(t *testing.T) {
	s := results.Summaries(studyRuns())
	var keys []string
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"joint", "ume", "uni", "uni/m0", "uni/m1"}; !slices.Equal(keys, want) {
		t.Fatalf("Summaries keys = %v, want %v", keys, want)
	}
	// What each entry is of, from its fields rather than its key.
	for key, want := range map[string]struct {
		of          string
		modality    int // -1: none
		perModality bool
	}{"joint": {"joint", -1, false}, "ume": {"ume", -1, false}, "uni": {"uni", -1, true}, "uni/m0": {"uni", 0, false}, "uni/m1": {"uni", 1, false}} {
		got := s[key]
		m := -1
		if got.Modality != nil {
			m = *got.Modality
		}
		if got.Of != want.of || m != want.modality || got.PerModality != want.perModality {
			t.Errorf("Summaries[%q]: Of %q, Modality %d, PerModality %v; want %q, %d, %v", key, got.Of, m, got.PerModality, want.of, want.modality, want.perModality)
		}
	}
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"uni probe m0 from the m0 runs", s["uni"].ProbeAcc[0].Mean, 0.953125},
		{"uni probe m1 from the m1 runs", s["uni"].ProbeAcc[1].Mean, 0.921875},
		{"uni/m0 test accuracy", s["uni/m0"].TestAcc.Mean, 0.75},
		{"uni/m1 validation accuracy", s["uni/m1"].ValAcc.Mean, 0.8625},
		{"uni/m0 probe of its own modality", s["uni/m0"].ProbeAcc[0].Mean, 0.953125},
		{"joint probe m0", s["joint"].ProbeAcc[0].Mean, 0.890625},
		{"joint test accuracy", s["joint"].TestAcc.Mean, 0.953125},
		{"joint both_hard", s["joint"].SubsetAcc["both_hard"].Mean, 0.5},
		{"ume validation accuracy", s["ume"].ValAcc.Mean, 0.984375},
		{"uni row has no test accuracy", float64(s["uni"].TestAcc.N), 0},
		{"uni row counts all uni runs", float64(s["uni"].N), 6},
		{"joint N", float64(s["joint"].N), 3},
		{"probe N", float64(s["uni"].ProbeAcc[1].N), 3},
	} {
		if !closeTo(tc.got, tc.want, 1e-12) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if s["uni/m0"].ProbeAcc[1] != nil {
		t.Errorf("uni/m0 has a probe for modality 1: %v", s["uni/m0"].ProbeAcc[1])
	}
	if !slices.Equal(s["joint"].Seeds, []int{0, 1, 2}) || !slices.Equal(s["uni"].Seeds, []int{0, 1, 2}) {
		t.Errorf("Seeds = %v / %v, want [0 1 2]", s["joint"].Seeds, s["uni"].Seeds)
	}
	if results.ModalityKey("uni", 1) != "uni/m1" {
		t.Errorf("ModalityKey(uni, 1) = %q", results.ModalityKey("uni", 1))
	}
}

func TestLazinessGap(t *testing.T) {
	// Gaps per seed: m0 = {0.0625, 0.0625, 0.0625}, m1 = {0.03125, 0.046875, 0.0625}.
	gaps, err := results.LazinessGap(studyRuns(), "joint")
	if err != nil {
		t.Fatal(err)
	}
	want := []results.Estimate{
		results.Summarize([]float64{0.0625, 0.0625, 0.0625}),
		results.Summarize([]float64{0.03125, 0.046875, 0.0625}),
	}
	if len(gaps) != 2 || gaps[0] != want[0] || !closeTo(gaps[1].Mean, 0.046875, 1e-12) || !closeTo(gaps[1].CI95, want[1].CI95, 1e-12) {
		t.Errorf("LazinessGap(joint) = %+v, want %+v", gaps, want)
	}
	if gaps, err := results.LazinessGap(studyRuns(), "ume"); err != nil || gaps[0].Mean != 0 || gaps[1].Mean != 0 {
		t.Errorf("LazinessGap(ume) = %+v, %v; UME's encoders are the uni-modal ones, want 0", gaps, err)
	}

	for _, tc := range []struct {
		name    string
		runs    func() []results.Run
		method  string
		wantErr string
	}{
		{"no runs of the method", studyRuns, "umt", "no umt runs (have: joint, ume, uni/m0, uni/m1)"},
		{"method is uni", studyRuns, "uni", "pass another method"},
		{"method lacks an encoder", func() []results.Run {
			runs := studyRuns()
			runs = append(runs, methodRun("late", 0, 0.9, 0.9, 0.8, math.NaN()))
			for _, s := range []int{1, 2} {
				runs = append(runs, methodRun("late", s, 0.9, 0.9, 0.8, 0.8))
			}
			return runs
		}, "late", `method "late" has no encoder (probe accuracy) for modality 1`},
		{"method has a seed uni lacks", func() []results.Run {
			return append(studyRuns(), methodRun("joint", 7, 0.9, 0.9, 0.8, 0.8))
		}, "joint", "no uni/m0 run for seeds [7]"},
		{"uni has a seed the method lacks", func() []results.Run {
			return append(studyRuns(), uniRun(0, 5, 0.8, 0.8, 0.9))
		}, "joint", "no joint run for seeds [5]"},
		{"no uni runs for a modality", func() []results.Run {
			return slices.DeleteFunc(studyRuns(), func(r results.Run) bool { return r.Modality != nil && *r.Modality == 1 })
		}, "joint", "no uni/m1 runs"},
		{"two runs of one seed", func() []results.Run {
			dup := methodRun("joint", 0, 0.5, 0.5, 0.5, 0.5)
			dup.Key = results.Key("duplicate")
			return append(studyRuns(), dup)
		}, "joint", "two joint runs for seed 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := results.LazinessGap(tc.runs(), tc.method)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("LazinessGap error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func ExampleSummarize() {
	// Test accuracy of one method over three seeds.
	e := results.Summarize([]float64{0.94, 0.95, 0.96})
	fmt.Println(e)
	fmt.Printf("mean %.2f, std %.2f, 95%% CI [%.4f, %.4f]\n", e.Mean, e.Std, e.Mean-e.CI95, e.Mean+e.CI95)
	// Output:
	// 0.9500 ± 0.0248 (n=3)
	// mean 0.95, std 0.01, 95% CI [0.9252, 0.9748]
}

// TestSplitModalityKey checks that SplitModalityKey inverts ModalityKey and rejects keys that
// ModalityKey cannot make.
func TestSplitModalityKey(t *testing.T) {
	for _, m := range []int{0, 1, 12} {
		for _, method := range []string{"uni", "a/mb", "x/m3"} {
			key := results.ModalityKey(method, m)
			if got, gm, ok := results.SplitModalityKey(key); !ok || got != method || gm != m {
				t.Errorf("SplitModalityKey(%q) = %q, %d, %v; want %q, %d, true", key, got, gm, ok, method, m)
			}
		}
	}
	for _, key := range []string{"joint", "uni/m", "uni/m-1", "uni/m01", "uni/m+1", "uni/mx", ""} {
		if method, m, ok := results.SplitModalityKey(key); ok {
			t.Errorf("SplitModalityKey(%q) = %q, %d, true; want not a per-modality key", key, method, m)
		}
	}
}

func ExampleSplitModalityKey() {
	key := results.ModalityKey(results.UniMethod, 1)
	method, m, ok := results.SplitModalityKey(key)
	fmt.Println(key, method, m, ok)
	_, _, ok = results.SplitModalityKey(results.JointMethod)
	fmt.Println(ok)
	// Output:
	// uni/m1 uni 1 true
	// false
}
