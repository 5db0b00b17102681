package figures

import (
	"math"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// cellRuns is a 3-seed study of ume, joint and umt on spec, with accuracies that are multiples
// of 1/64 (exact differences):
//
//	        val            test
//	ume     umeVal         56/64 + s/64
//	joint   jointVal       54/64
//	umt     60/64          56/64 + 2s/64      → UMT − UME on test: 0, 1/64, 2/64 (mean 1/64, std 1/64)
func cellRuns(spec string, umeVal, jointVal float64) []results.Run {
	var runs []results.Run
	for s := range 3 {
		add := func(method string, val, test float64) {
			runs = append(runs, results.Run{Key: results.Key([]any{spec, method, s}), Method: method, Seed: s,
				Dataset: spec, ValAcc: val, TestAcc: test})
		}
		add("ume", umeVal, (56+float64(s))/64)
		add("joint", jointVal, 54.0/64)
		add("umt", 60.0/64, (56+2*float64(s))/64)
	}
	return runs
}

// lazyPairSpec returns the canonical LazyPair spec with the given ρ and π.
func lazyPairSpec(rho, pi float64) string {
	s := datasets.DefaultLazyPair()
	s.Rho, s.Pi = rho, pi
	return s.String()
}

func TestPhaseCellFromRuns(t *testing.T) {
	ci3 := 4.302652729911275 / math.Sqrt(3) / 64 // t(0.975; 2)·std/√3 with std 1/64
	for _, tc := range []struct {
		name          string
		rho, pi       float64
		umeVal, joint float64
		tol           float64
		wantChoice    string
		why           string
	}{
		{"UME within tolerance of joint", 0.8, 0, 0.96875, 0.96875, results.DefaultChooseTolerance, "ume", "a tie on validation goes to UME"},
		{"joint beats UME", 0.7, 0.3, 0.90625, 0.9375, results.DefaultChooseTolerance, "umt", "joint − UME = 2/64 > tol: paired features matter"},
		{"a wide tolerance keeps UME", 0.7, 0.3, 0.90625, 0.9375, 0.0625, "ume", "the margin −2/64 is within tol 4/64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := PhaseCellFromRuns(cellRuns(lazyPairSpec(tc.rho, tc.pi), tc.umeVal, tc.joint), tc.tol)
			if err != nil {
				t.Fatal(err)
			}
			if c.Rho != tc.rho || c.Pi != tc.pi {
				t.Errorf("cell at (ρ, π) = (%v, %v), want (%v, %v) from the runs' spec", c.Rho, c.Pi, tc.rho, tc.pi)
			}
			if c.Choice != tc.wantChoice || c.Rule != results.ChooseRuleUMEvsJoint {
				t.Errorf("Choice %q by rule %q, want %q by %q (%s)", c.Choice, c.Rule, tc.wantChoice, results.ChooseRuleUMEvsJoint, tc.why)
			}
			d := c.UMTMinusUME
			if d.N != 3 || math.Abs(d.Mean-1.0/64) > 1e-12 || math.Abs(d.CI95-ci3) > 1e-9 {
				t.Errorf("UMTMinusUME %+v, want 1/64 ± %v over 3 seeds (test accuracy, paired by seed)", d, ci3)
			}
		})
	}
}

func TestPhaseCellFromRunsErrors(t *testing.T) {
	spec := lazyPairSpec(0.7, 0.3)
	mixed := append(cellRuns(spec, 0.9, 0.9), cellRuns(lazyPairSpec(0.8, 0.3), 0.9, 0.9)...)
	var noUMT, noJoint []results.Run
	for _, r := range cellRuns(spec, 0.9, 0.9) {
		if r.Method != "umt" {
			noUMT = append(noUMT, r)
		}
		if r.Method != "joint" {
			noJoint = append(noJoint, r)
		}
	}
	for _, tc := range []struct {
		name    string
		runs    []results.Run
		tol     float64
		wantErr string
	}{
		{"no runs", nil, 0.005, "no runs"},
		{"two studies", mixed, 0.005, "runs of different datasets"},
		{"not a spec", cellRuns("unknown-kind:x=1", 0.9, 0.9), 0.005, `unknown dataset "unknown-kind"`},
		{"no umt runs", noUMT, 0.005, "ρ = 0.7, π = 0.3: results.MethodDifference: no umt runs"},
		{"no joint runs", noJoint, 0.005, "results.Choose: no joint runs"},
		{"negative tolerance", cellRuns(spec, 0.9, 0.9), -1, "tolerance -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := PhaseCellFromRuns(tc.runs, tc.tol)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "figures.PhaseCellFromRuns: ") {
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
