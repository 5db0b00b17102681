package figures

import (
	"slices"
	"strings"
	"testing"
)

// TestScorePhaseRules scores hand-built cells whose right answers are worked out by hand:
//
//	cell  UMT − UME        right  rule pick  rule  always UME  always UMT
//	1     +0.020 ± 0.005   umt    umt        ✓     ✗           ✓
//	2     +0.015 ± 0.003   umt    ume        ✗     ✗           ✓
//	3     −0.010 ± 0.002   ume    ume        ✓     ✓           ✗
//	4     −0.001 ± 0.004   ume    umt        ✗     ✓           ✗   (tie: the CI contains 0)
//	5     +0.003 ± 0.004   ume    ume        ✓     ✓           ✗   (tie, UMT slightly ahead)
//
// so the rule scores 3/5, always UME 3/5 and always UMT 2/5. Counting ties as right for any pick
// (the old scoring) would have given always UMT 4/5 and the rule 4/5.
func TestScorePhaseRules(t *testing.T) {
	cells := []PhaseCell{
		{Rho: 0.5, Pi: 0.5, UMTMinusUME: est(0.02, 0.005), Choice: "umt", Rule: "ume-vs-joint"},
		{Rho: 0.6, Pi: 0.5, UMTMinusUME: est(0.015, 0.003), Choice: "ume", Rule: "ume-vs-joint"},
		{Rho: 0.7, Pi: 0.5, UMTMinusUME: est(-0.01, 0.002), Choice: "UME", Rule: "ume-vs-joint"},
		{Rho: 0.5, Pi: 0, UMTMinusUME: est(-0.001, 0.004), Choice: "umt", Rule: "ume-vs-joint"},
		{Rho: 0.6, Pi: 0, UMTMinusUME: est(0.003, 0.004), Choice: "ume", Rule: "ume-vs-joint"},
	}
	got, err := ScorePhaseRules(cells)
	if err != nil {
		t.Fatal(err)
	}
	want := []RuleScore{{"ume-vs-joint", 3, 5}, {RuleAlwaysUME, 3, 5}, {RuleAlwaysUMT, 2, 5}}
	if !slices.Equal(got, want) {
		t.Errorf("ScorePhaseRules = %v, want %v", got, want)
	}
	if s := got[2].String(); s != "always-umt 2/5 (40%)" || got[2].Fraction() != 0.4 {
		t.Errorf("always UMT: %q, fraction %v; want \"always-umt 2/5 (40%%)\" and 0.4", s, got[2].Fraction())
	}

	// A single tie cell: always UMT gets nothing for it.
	tie, err := ScorePhaseRules(cells[3:4])
	if err != nil {
		t.Fatal(err)
	}
	if want := []RuleScore{{"ume-vs-joint", 0, 1}, {RuleAlwaysUME, 1, 1}, {RuleAlwaysUMT, 0, 1}}; !slices.Equal(tie, want) {
		t.Errorf("tie cell: %v, want %v", tie, want)
	}

	// An unnamed rule is called "rule".
	unnamed := []PhaseCell{{UMTMinusUME: est(0.02, 0.005), Choice: "umt"}}
	if s, err := ScorePhaseRules(unnamed); err != nil || s[0] != (RuleScore{"rule", 1, 1}) {
		t.Errorf("unnamed rule: %v, %v; want rule 1/1", s, err)
	}
}

func TestScorePhaseRulesErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cells   []PhaseCell
		wantErr string
	}{
		{"no cells", nil, "no cells"},
		{"two rules", []PhaseCell{{Choice: "ume", Rule: "a"}, {Rho: 0.5, Choice: "umt", Rule: "b"}}, `cell 1 (ρ = 0.5, π = 0) has rule "b", cell 0 has "a"`},
		{"bad choice", []PhaseCell{{Choice: "joint"}}, `choice "joint"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ScorePhaseRules(tc.cells)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}
