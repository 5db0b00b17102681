package figures

import (
	"math"
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
