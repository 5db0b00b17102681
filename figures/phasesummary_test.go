package figures

import (
	"fmt"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// summaryCells is a 2 × 2 grid: at π = 0 a tie (rule: UME, right) and a UME win the rule missed
// (UMT picked); at π = 0.5 two UMT wins, one picked (right), one missed (UME picked).
func summaryCells() []PhaseCell {
	e := func(m, ci float64) results.Estimate { return results.Estimate{Mean: m, CI95: ci, N: 5} }
	return []PhaseCell{
		{Rho: 0.6, Pi: 0.5, UMTMinusUME: e(0.02, 0.005), Choice: "umt", Rule: "r"},
		{Rho: 0.9, Pi: 0.5, UMTMinusUME: e(0.01, 0.004), Choice: "ume", Rule: "r"},
		{Rho: 0.6, Pi: 0, UMTMinusUME: e(0.002, 0.003), Choice: "ume", Rule: "r"},
		{Rho: 0.9, Pi: 0, UMTMinusUME: e(-0.03, 0.01), Choice: "umt", Rule: "r"},
	}
}

func TestSummarizePhase(t *testing.T) {
	s, err := SummarizePhase(summaryCells())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rows) != 2 || s.Rows[0].Pi != 0 || s.Rows[1].Pi != 0.5 {
		t.Fatalf("rows %+v, want π = 0 then 0.5", s.Rows)
	}
	r0, r1 := s.Rows[0], s.Rows[1]
	if r0.Cells != 2 || r0.Ties != 1 || r0.UMEBetter != 1 || r0.UMTBetter != 0 || r0.PicksUMT != 1 ||
		r0.Min != -0.03 || r0.Max != 0.002 || fmt.Sprintf("%.4f", r0.Mean) != "-0.0140" {
		t.Errorf("row π = 0: %+v", r0)
	}
	if r1.UMTBetter != 2 || r1.PicksUMT != 1 || fmt.Sprintf("%.3f", r1.Mean) != "0.015" {
		t.Errorf("row π = 0.5: %+v", r1)
	}
	if s.Cells != 4 || s.Ties != 1 || s.UMTBetter != 2 || s.UMEBetter != 1 || s.Min != -0.03 || s.Max != 0.02 || s.TiesToUME != 1 || s.PicksUMT != 2 || s.MissedUMT != 1 || s.MissedUME != 1 ||
		s.MissMin != 0.01 || s.MissMax != 0.03 {
		t.Errorf("summary %+v", s)
	}
	// Right: the tie (UME) and the picked UMT win; always UME: the tie and the UME win; always
	// UMT: the two UMT wins.
	if got := fmt.Sprint(s.Scores); got != "[r 2/4 (50%) always-ume 2/4 (50%) always-umt 2/4 (50%)]" {
		t.Errorf("scores %s", got)
	}
	if got := s.Standing(); got != "r ties always-ume and always-umt" {
		t.Errorf("Standing = %q", got)
	}
	if _, err := SummarizePhase(nil); err == nil {
		t.Error("SummarizePhase(nil): no error")
	}
}

func TestPhaseSummaryStanding(t *testing.T) {
	for _, c := range []struct {
		rule, ume, umt int
		want           string
	}{
		{23, 8, 17, "r beats both trivial rules"},
		{16, 8, 17, "always-umt beats r"},
		{5, 8, 17, "always-ume and always-umt beat r"},
		{8, 8, 7, "r ties always-ume"},
	} {
		s := PhaseSummary{Scores: []RuleScore{{"r", c.rule, 25}, {RuleAlwaysUME, c.ume, 25}, {RuleAlwaysUMT, c.umt, 25}}}
		if got := s.Standing(); got != c.want {
			t.Errorf("%d/%d/%d: %q, want %q", c.rule, c.ume, c.umt, got, c.want)
		}
	}
}

func ExampleSummarizePhase() {
	s, _ := SummarizePhase(summaryCells())
	for _, r := range s.Rows {
		fmt.Printf("π = %v: UMT − UME %+.3f (%+.3f to %+.3f), %d of %d cells UMT better\n",
			r.Pi, r.Mean, r.Min, r.Max, r.UMTBetter, r.Cells)
	}
	fmt.Printf("%s; misses off by %.2f–%.2f; %s\n", s.Scores[0], s.MissMin, s.MissMax, s.Standing())
	// Output:
	// π = 0: UMT − UME -0.014 (-0.030 to +0.002), 0 of 2 cells UMT better
	// π = 0.5: UMT − UME +0.015 (+0.010 to +0.020), 2 of 2 cells UMT better
	// r 2/4 (50%); misses off by 0.01–0.03; r ties always-ume and always-umt
}
