package figures

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// TestTunePhaseThreshold: five hand-made cells, their right picks (PhaseCell.Judge) and the
// rule's statistics:
//
//	cell  UMT − UME        right  statistic
//	0     +0.010 ± 0.002   umt     0.5
//	1     +0.010 ± 0.002   umt     0.3
//	2     +0.001 ± 0.002   ume     0.1   (tie)
//	3     −0.010 ± 0.002   ume    −0.2
//	4     +0.001 ± 0.002   ume     0.2   (tie)
//
// Only a threshold in [0.2, 0.3) gets all five right (UMT for 0.3 and 0.5): midpoint 0.25. When
// every cell's right pick is UMT, only thresholds below the smallest statistic do: it returns one
// mean gap ((0.5 − (−0.2))/4 = 0.175) below it.
func TestTunePhaseThreshold(t *testing.T) {
	est := func(mean float64) results.Estimate { return results.Estimate{Mean: mean, CI95: 0.002, N: 3} }
	cells := []PhaseCell{{UMTMinusUME: est(0.01)}, {UMTMinusUME: est(0.01)}, {UMTMinusUME: est(0.001)},
		{UMTMinusUME: est(-0.01)}, {UMTMinusUME: est(0.001)}}
	stats := []float64{0.5, 0.3, 0.1, -0.2, 0.2}
	got, err := TunePhaseThreshold(cells, stats)
	if err != nil {
		t.Fatal(err)
	}
	if !closeTo(got.Value, 0.25, 1e-12) || got.Lo != 0.2 || got.Hi != 0.3 || got.Right != 5 || got.Cells != 5 {
		t.Errorf("TunePhaseThreshold = %+v, want 0.25 in [0.2, 0.3), 5/5 right", got)
	}
	for i := range cells {
		cells[i].UMTMinusUME = est(0.01)
	}
	got, err = TunePhaseThreshold(cells, stats)
	if err != nil {
		t.Fatal(err)
	}
	if !closeTo(got.Value, -0.375, 1e-12) || !math.IsInf(got.Lo, -1) || got.Hi != -0.2 || got.Right != 5 {
		t.Errorf("all UMT: TunePhaseThreshold = %+v, want −0.375 in (−∞, −0.2), 5/5 right", got)
	}
	// Two equally good intervals: [0.1, 0.2) and [0.3, 0.35) both get 4 of 5 right (cells
	// UMT, tie, UMT, UME, UME at statistics 0.35, 0.3, 0.2, 0.1, −0.2); the higher one, which
	// picks UME more often, wins although it is the narrower.
	cells = []PhaseCell{{UMTMinusUME: est(0.01)}, {UMTMinusUME: est(0.001)}, {UMTMinusUME: est(0.01)},
		{UMTMinusUME: est(0.001)}, {UMTMinusUME: est(-0.01)}}
	got, err = TunePhaseThreshold(cells, []float64{0.35, 0.3, 0.2, 0.1, -0.2})
	if err != nil {
		t.Fatal(err)
	}
	if !closeTo(got.Value, 0.325, 1e-12) || got.Lo != 0.3 || got.Hi != 0.35 || got.Right != 4 {
		t.Errorf("two best intervals: TunePhaseThreshold = %+v, want 0.325 in [0.3, 0.35), 4/5 right", got)
	}
	// Every cell UME: the unbounded interval above the largest statistic is the only one with 5/5.
	for i := range cells {
		cells[i].UMTMinusUME = est(-0.01)
	}
	if got, err = TunePhaseThreshold(cells, stats); err != nil || got.Right != 5 || !math.IsInf(got.Hi, 1) || !closeTo(got.Value, 0.675, 1e-12) {
		t.Errorf("all UME: TunePhaseThreshold = %+v (err %v), want 0.675 in [0.5, ∞), 5/5 right", got, err)
	}
	if _, err := TunePhaseThreshold(cells, stats[:2]); err == nil {
		t.Error("lengths differ: no error")
	}
	if _, err := TunePhaseThreshold(cells[:1], []float64{math.NaN()}); err == nil {
		t.Error("NaN statistic: no error")
	}
}

// TestScorePhaseRuleSeeds: tuning and scoring seeds must be disjoint.
func TestScorePhaseRuleSeeds(t *testing.T) {
	_, err := ScorePhaseRule([][]results.Run{nil}, results.ChooseRulePairedInfo, 0, []int{2, 3}, []int{0, 1, 2})
	if err == nil || !strings.Contains(err.Error(), "seed 2 is both") {
		t.Errorf("overlapping seeds: err = %v", err)
	}
	if _, err := ScorePhaseRule([][]results.Run{nil}, results.ChooseRulePairedInfo, 0, nil, nil); err == nil {
		t.Error("no scoring seeds: no error")
	}
}

// closeTo reports |got − want| ≤ tol.
func closeTo(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// crossRuns is a 3-seed study of ume, joint and umt on seeds first..first+2 of LazyPair at
// (ρ, π) = (rho, 0.2): UMT − UME on test is d + (−0.01, 0, +0.01) per seed and joint − UME on
// validation is stat on every seed (the ume-vs-joint rule's statistic).
func crossRuns(rho float64, first int, d, stat float64) []results.Run {
	spec := lazyPairSpec(rho, 0.2)
	var runs []results.Run
	for i := range 3 {
		s := first + i
		add := func(method string, val, test float64) {
			runs = append(runs, results.Run{Key: results.Key([]any{spec, method, s}), Method: method, Seed: s,
				Dataset: spec, ValAcc: val, TestAcc: test, TrainSeconds: 1})
		}
		add("ume", 0.8, 0.8)
		add("joint", 0.8+stat, 0.8)
		add("umt", 0.8, 0.8+d+0.01*float64(i-1))
	}
	return runs
}

// TestCrossScorePhaseRule: three cells on seed sets A = 0–2 and B = 3–5, worked out by hand
// (UMT − UME ± 0.0248 over 3 seeds: +0.03 is UMT, 0 a tie, −0.03 UME):
//
//	cell  A: UMT − UME  stat    B: UMT − UME  stat
//	0     +0.03 umt     0.05    +0.03 umt      0.04
//	1      0    ume     0.01    +0.03 umt      0.02
//	2     −0.03 ume    −0.02     0    ume     −0.01
//
// The truths agree in cells 0 and 2 (2 of 3). Tuned on A only thresholds in [0.01, 0.05) get
// all three right (midpoint 0.03), which on B picks UMT, UME, UME: 2 right. Tuned on B, [−0.01,
// 0.02) (midpoint 0.005) picks UMT, UMT, UME on A: 2 right. Each set costs 27 s of training (3
// cells × 3 seeds × 3 runs of 1 s).
func TestCrossScorePhaseRule(t *testing.T) {
	cell := func(rho, dA, sA, dB, sB float64) []results.Run {
		return append(crossRuns(rho, 0, dA, sA), crossRuns(rho, 3, dB, sB)...)
	}
	studies := [][]results.Run{cell(0.5, 0.03, 0.05, 0.03, 0.04), cell(0.6, 0, 0.01, 0.03, 0.02), cell(0.7, -0.03, -0.02, 0, -0.01)}
	a, b := []int{0, 1, 2}, []int{3, 4, 5}
	got, err := CrossScorePhaseRule(studies, results.ChooseRuleUMEvsJoint, [][]int{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d pairs, want 2 (A→B, B→A)", len(got))
	}
	for i, want := range []struct {
		tune    []int
		th      float64
		picks   string
		right   int
		agree   int
		seconds float64
	}{{a, 0.03, "umt ume ume", 2, 2, 27}, {b, 0.005, "umt umt ume", 2, 2, 27}} {
		c := got[i]
		var picks []string
		for _, cell := range c.Result.Cells {
			picks = append(picks, cell.Choice)
		}
		if !slices.Equal(c.Tune, want.tune) || !closeTo(c.Result.Threshold.Value, want.th, 1e-9) || strings.Join(picks, " ") != want.picks ||
			c.Result.Scores[0].Right != want.right || c.TruthAgreement != want.agree || c.Result.Cost.StudySeconds != want.seconds {
			t.Errorf("pair %d: tune %v threshold %v picks %v right %d agreement %d study seconds %v; want %v %v %q %d %d %v",
				i, c.Tune, c.Result.Threshold.Value, picks, c.Result.Scores[0].Right, c.TruthAgreement, c.Result.Cost.StudySeconds,
				want.tune, want.th, want.picks, want.right, want.agree, want.seconds)
		}
	}
	// The same as ScorePhaseRule, pair by pair.
	one, err := ScorePhaseRule(studies, results.ChooseRuleUMEvsJoint, 0, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if one.Scores[0] != got[0].Result.Scores[0] || one.Threshold != got[0].Result.Threshold {
		t.Errorf("ScorePhaseRule A→B: %+v, threshold %+v; CrossScorePhaseRule: %+v, %+v", one.Scores[0], one.Threshold, got[0].Result.Scores[0], got[0].Result.Threshold)
	}
	sum, err := SummarizeCross(got)
	if err != nil {
		t.Fatal(err)
	}
	// Scored on B: always UME right in cell 2, always UMT in 0 and 1; on A: always UME in 1 and 2, always UMT in 0.
	if want := (CrossSummary{Pairs: 2, Cells: 3, Right: CountRange{2, 2, 2}, Agreement: CountRange{2, 2, 2},
		AlwaysUME: CountRange{1, 2, 1.5}, AlwaysUMT: CountRange{1, 2, 1.5}}); sum != want {
		t.Errorf("SummarizeCross = %+v, want %+v", sum, want)
	}
	if _, err := SummarizeCross(nil); err == nil {
		t.Error("SummarizeCross(nil): no error")
	}
	for _, bad := range [][][]int{{a}, {a, {2, 3}}, {a, {}}} {
		if _, err := CrossScorePhaseRule(studies, results.ChooseRuleUMEvsJoint, bad); err == nil || !strings.HasPrefix(err.Error(), "figures.CrossScorePhaseRule: ") {
			t.Errorf("sets %v: err = %v, want an error", bad, err)
		}
	}
	if _, err := TruthAgreement(got[0].Result.Cells, got[0].Result.Cells[:2]); err == nil {
		t.Error("TruthAgreement of grids of different sizes: no error")
	}
}
