package results

import (
	"math"
	"strings"
	"testing"
)

// imbalancedRuns: 3 seeds; uni m0 test 0.95, uni m1 0.90 (m1 is the weaker); joint's m1 probe
// 0.80 + {−1, 0, 1}·0.01; "lifter" exactly 0.05 above joint on every seed; "noisy" 0.01 above
// joint on average but −0.02, +0.01, +0.04 per seed (an interval that contains 0).
func imbalancedRuns() []Run {
	p := func(x float64) *float64 { return &x }
	var runs []Run
	for s, off := range []float64{-0.01, 0, 0.01} {
		m0, m1 := 0, 1
		runs = append(runs,
			Run{Method: UniMethod, Modality: &m0, Seed: s, TestAcc: 0.95 + off},
			Run{Method: UniMethod, Modality: &m1, Seed: s, TestAcc: 0.90 + off},
			Run{Method: "joint", Seed: s, TestAcc: 0.97 + off, ValAcc: 0.96, ProbeAcc: []*float64{p(0.9), p(0.80 + off)}},
			Run{Method: "lifter", Seed: s, TestAcc: 0.96 + off, ValAcc: 0.95, ProbeAcc: []*float64{p(0.9), p(0.85 + off)}},
			Run{Method: "noisy", Seed: s, TestAcc: 0.97 + off, ValAcc: 0.97, ProbeAcc: []*float64{p(0.9), p(0.80 + off + []float64{-0.02, 0.01, 0.04}[s])}},
		)
	}
	return runs
}

func TestWeakerModalityAndCompareWeak(t *testing.T) {
	runs := imbalancedRuns()
	weak, est, err := WeakerModality(runs)
	if err != nil || weak != 1 || math.Abs(est[0].Mean-0.95) > 1e-12 || math.Abs(est[1].Mean-0.90) > 1e-12 {
		t.Fatalf("WeakerModality = %d, %v, %v; want 1 (0.95 vs 0.90)", weak, est, err)
	}
	if _, _, err := WeakerModality(runs[2:3]); err == nil || !strings.Contains(err.Error(), "include method uni") {
		t.Errorf("no uni runs: %v", err)
	}
	lifts, err := CompareWeak(runs, weak, "joint", "lifter", "noisy")
	if err != nil {
		t.Fatal(err)
	}
	if len(lifts) != 3 || lifts[0].Method != "joint" || lifts[0].DWeakProbe.Mean != 0 || lifts[0].LiftsWeakModality() {
		t.Fatalf("reference row: %+v", lifts[0])
	}
	l := lifts[1]
	if math.Abs(l.DWeakProbe.Mean-0.05) > 1e-9 || l.DWeakProbe.CI95 > 1e-9 || !l.LiftsWeakModality() ||
		math.Abs(l.DTest.Mean+0.01) > 1e-9 || math.Abs(l.WeakProbe.Mean-0.85) > 1e-9 || l.WeakProbe.N != 3 {
		t.Errorf("lifter: %+v, want Δ probe +0.05 exactly, lifts, Δ test −0.01", l)
	}
	if l := lifts[2]; math.Abs(l.DWeakProbe.Mean-0.01) > 1e-9 || l.LiftsWeakModality() {
		t.Errorf("noisy: %+v, want Δ probe +0.01 with an interval containing 0 (no lift)", l)
	}
	if lifts[0].WeakName != "" {
		t.Errorf("runs without modality names: WeakName %q, want \"\"", lifts[0].WeakName)
	}
	for i := range runs {
		runs[i].ModalityNames = []string{"image", "audio"}
	}
	if named, err := CompareWeak(runs, weak, "joint", "lifter"); err != nil || named[1].WeakName != "audio" {
		t.Errorf("runs naming their modalities: %+v, %v; want WeakName \"audio\"", named, err)
	}
	if _, err := CompareWeak(runs, weak, "joint", "missing"); err == nil {
		t.Error("a method without runs is no error")
	}
	if v := MetricProbeAcc(2)(&runs[2]); !math.IsNaN(v) {
		t.Errorf("probe of a modality the run lacks = %v, want NaN", v)
	}
}

func TestChooseByValidation(t *testing.T) {
	runs := imbalancedRuns()
	cands := []Candidate{{"a", nil}, {"b", runs}, {"c", runs}, {"d", runs[:5]}}
	best, est, err := ChooseByValidation(cands, "noisy")
	if err != nil || best != 1 || est[0].N != 0 || est[1].N != 3 {
		t.Errorf("ChooseByValidation = %d, %v, %v: want b (c ties, a has no runs)", best, est, err)
	}
	raised := append([]Run(nil), runs...)
	for i := range raised {
		raised[i].ValAcc += 0.001
	}
	cands[2].Runs = raised
	if best, _, _ := ChooseByValidation(cands, "joint"); best != 2 {
		t.Errorf("chose %d, want c (higher mean validation accuracy)", best)
	}
	if _, _, err := ChooseByValidation(cands[:1], "joint"); err == nil {
		t.Error("no candidate with runs is no error")
	}
}
