package results_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// pairRuns makes ume and joint runs with the given validation accuracies, seeds 0, 1, ...
func pairRuns(ume, joint []float64) []results.Run {
	var runs []results.Run
	for s, v := range ume {
		runs = append(runs, methodRun("ume", s, v, v))
	}
	for s, v := range joint {
		runs = append(runs, methodRun("joint", s, v, v))
	}
	return runs
}

func TestChoose(t *testing.T) {
	// Accuracies are multiples of 1/256 so that the boundary cases are exact in floating point.
	for _, tc := range []struct {
		name         string
		ume, joint   []float64
		tol          float64
		wantMethod   string
		wantDecisive bool
		wantMargin   float64
	}{
		{"UME better: no paired signal", []float64{0.9375, 0.94140625, 0.9453125}, []float64{0.921875, 0.92578125, 0.9296875}, results.DefaultChooseTolerance, "ume", true, 0.015625},
		{"joint much better: paired signal", []float64{0.875, 0.87890625, 0.8828125}, []float64{0.9375, 0.9453125, 0.94140625}, results.DefaultChooseTolerance, "umt", true, -0.0625},
		{"joint slightly better, within tolerance", []float64{0.9375, 0.9375, 0.9375}, []float64{0.94140625, 0.94140625, 0.94140625}, 0.0078125, "ume", true, -0.00390625},
		{"same numbers, tolerance 0", []float64{0.9375, 0.9375, 0.9375}, []float64{0.94140625, 0.94140625, 0.94140625}, 0, "umt", true, -0.00390625},
		{"exactly at the tolerance goes to UME", []float64{0.75, 0.75}, []float64{0.8125, 0.8125}, 0.0625, "ume", true, -0.0625},
		{"tie with tolerance 0 goes to UME", []float64{0.875, 0.875}, []float64{0.875, 0.875}, 0, "ume", true, 0},
		{"noisy margin is not decisive", []float64{0.9375, 0.875, 0.9375}, []float64{0.875, 0.9375, 0.9375}, 0.0078125, "ume", false, 0},
		{"one seed is never decisive", []float64{0.9375}, []float64{0.875}, 0, "ume", false, 0.0625},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := results.Choose(pairRuns(tc.ume, tc.joint), tc.tol)
			if err != nil {
				t.Fatal(err)
			}
			if c.Method != tc.wantMethod || c.Decisive != tc.wantDecisive {
				t.Errorf("Choose = %s (decisive %v), want %s (decisive %v); reason: %s", c.Method, c.Decisive, tc.wantMethod, tc.wantDecisive, c.Reason)
			}
			if !closeTo(c.Margin.Mean, tc.wantMargin, 1e-12) || !closeTo(c.Margin.Mean, c.UMEValAcc.Mean-c.JointValAcc.Mean, 1e-12) {
				t.Errorf("Margin = %+v, want mean %v = UME %v − joint %v", c.Margin, tc.wantMargin, c.UMEValAcc.Mean, c.JointValAcc.Mean)
			}
			if c.Tolerance != tc.tol || len(c.Seeds) != len(tc.ume) || c.UMEValAcc.N != len(tc.ume) {
				t.Errorf("evidence incomplete: %+v", c)
			}
			wantWord := map[string]string{"ume": "Choose UME", "umt": "Choose UMT"}[tc.wantMethod]
			for _, s := range []string{wantWord, fmt.Sprintf("%.4f", c.UMEValAcc.Mean), fmt.Sprintf("%.4f", c.JointValAcc.Mean), fmt.Sprintf("%.4f", tc.tol)} {
				if !strings.Contains(c.Reason, s) {
					t.Errorf("Reason %q does not contain %q", c.Reason, s)
				}
			}
		})
	}
}

func TestChooseErrors(t *testing.T) {
	good := pairRuns([]float64{0.9, 0.9}, []float64{0.9, 0.9})
	for _, tc := range []struct {
		name    string
		runs    []results.Run
		tol     float64
		wantErr string
	}{
		{"no runs", nil, 0.005, "no ume runs (have: no runs)"},
		{"no ume runs", pairRuns(nil, []float64{0.9}), 0.005, "no ume runs (have: joint)"},
		{"no joint runs", pairRuns([]float64{0.9}, nil), 0.005, "no joint runs (have: ume)"},
		{"joint lacks a seed", pairRuns([]float64{0.9, 0.9, 0.9}, []float64{0.9, 0.9}), 0.005, "no joint run for seeds [2]"},
		{"ume lacks a seed", pairRuns([]float64{0.9}, []float64{0.9, 0.9}), 0.005, "no ume run for seeds [1]"},
		{"duplicate seed", append(slices.Clone(good), methodRun("ume", 1, 0.5, 0.5)), 0.005, "two ume runs for seed 1"},
		{"negative tolerance", good, -0.01, "tolerance"},
		{"NaN tolerance", good, math.NaN(), "tolerance"},
		{"infinite tolerance", good, math.Inf(1), "tolerance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := results.Choose(tc.runs, tc.tol)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Choose error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func ExampleChoose() {
	// Validation accuracies of UME and joint training on the same three seeds (each seed its own
	// dataset draw): joint is ahead by about 0.03, more than the tolerance, so paired features
	// matter and the rule picks the Uni-Modal Teacher.
	var runs []results.Run
	for seed, acc := range map[int][2]float64{0: {0.91, 0.94}, 1: {0.92, 0.95}, 2: {0.90, 0.94}} {
		runs = append(runs,
			results.Run{Key: results.Key([]any{"ume", seed}), Method: "ume", Seed: seed, ValAcc: acc[0]},
			results.Run{Key: results.Key([]any{"joint", seed}), Method: "joint", Seed: seed, ValAcc: acc[1]})
	}
	choice, err := results.Choose(runs, results.DefaultChooseTolerance)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(choice.Method, choice.Seeds, choice.Decisive)
	fmt.Println(choice.Reason)
	// Output:
	// umt [0 1 2] true
	// Choose UMT: joint training's validation accuracy 0.9433 beats UME's 0.9100 by more than the tolerance 0.0050 (UME − joint = -0.0333 ± 0.0143, 95% CI over 3 seeds), so paired features matter.
}

// TestChooseByRule checks the registry, that the named rule is Choose and that an unknown name is an error
// listing the rules.
func TestChooseByRule(t *testing.T) {
	if got := results.ChooseRules(); !slices.Equal(got, []string{results.ChooseRulePairedInfo, results.ChooseRuleUMEvsJoint}) {
		t.Errorf("ChooseRules() = %v, want [%s %s]", got, results.ChooseRulePairedInfo, results.ChooseRuleUMEvsJoint)
	}
	for rule, want := range map[string][]string{results.ChooseRuleUMEvsJoint: {"uni", "joint", "ume"}, results.ChooseRulePairedInfo: {"uni"}} {
		if got, err := results.ChooseRuleMethods(rule); err != nil || !slices.Equal(got, want) {
			t.Errorf("ChooseRuleMethods(%s) = %v, %v; want %v", rule, got, err, want)
		}
	}
	if tol, err := results.ChooseRuleTolerance(results.ChooseRuleUMEvsJoint); err != nil || tol != results.DefaultChooseTolerance {
		t.Errorf("ChooseRuleTolerance(ume-vs-joint) = %v, %v", tol, err)
	}
	// Joint ahead by 0.0625 > tol: the rule picks UMT, whichever way it is called.
	runs := pairRuns([]float64{0.875, 0.875}, []float64{0.9375, 0.9375})
	byName, err := results.ChooseByRule(results.ChooseRuleUMEvsJoint, runs, 0.005)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := results.Choose(runs, 0.005)
	if err != nil {
		t.Fatal(err)
	}
	if byName.Method != "umt" || byName.Rule != results.ChooseRuleUMEvsJoint || byName.Reason != direct.Reason || direct.Rule != byName.Rule {
		t.Errorf("ChooseByRule = %+v, want Choose's %+v with rule %q", byName, direct, results.ChooseRuleUMEvsJoint)
	}
	if _, err := results.ChooseByRule("always-umt", runs, 0.005); err == nil ||
		!strings.Contains(err.Error(), `"always-umt"`) || !strings.Contains(err.Error(), results.ChooseRuleUMEvsJoint) {
		t.Errorf("unknown rule: error = %v, want it to name the rule and list %s", err, results.ChooseRuleUMEvsJoint)
	}
}
