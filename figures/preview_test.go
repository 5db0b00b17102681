package figures

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// TestPreview saves every figure, built from realistic made-up runs (numbers in the range of
// docs/DESIGN.md §2.1), as HTML pages in $MMLAB_FIGURES_PREVIEW, for looking at them in a browser.
// It is skipped unless that variable names a directory.
func TestPreview(t *testing.T) {
	dir := os.Getenv("MMLAB_FIGURES_PREVIEW")
	if dir == "" {
		t.Skip("set MMLAB_FIGURES_PREVIEW=dir to save preview pages of every figure")
	}
	runs := realisticRuns(0.0, 1)
	save := func(name string, c Chart, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := Save(filepath.Join(dir, name+".html"), name, c); err != nil {
			t.Fatal(err)
		}
	}
	bars, err := LazinessBars(runs)
	save("laziness", bars, err)
	curves, err := SplitHeadCurves(runs)
	save("curves", curves, err)
	regimes := []Regime{{Name: "π = 0", Runs: runs}, {Name: "π = 0.5 (add)", Runs: realisticRuns(0.012, 2)}}
	cmp, err := MethodComparison(regimes)
	save("methods", cmp, err)
	sub, err := SubsetComparison(regimes)
	save("subsets", sub, err)
	var cells []PhaseCell
	for _, rho := range []float64{0.6, 0.7, 0.8, 0.9} {
		for _, pi := range []float64{0, 0.2, 0.3, 0.4, 0.5} {
			// UMT gains near the crossover, loses at high π (docs/DESIGN.md §2.1), more at low ρ.
			d := 0.02*pi*(1-rho)*10 - 0.1*math.Max(0, pi-0.35)*rho + 0.002*math.Sin(17*rho+5*pi)
			choice := "umt"
			if pi < 0.3 {
				choice = "ume"
			}
			cells = append(cells, PhaseCell{Rho: rho, Pi: pi, Choice: choice,
				UMTMinusUME: results.Estimate{Mean: d, CI95: 0.004, N: 5}})
		}
	}
	phase, err := PhaseDiagram(cells)
	save("phase", phase, err)
	table, err := ResultsTable(runs)
	if err != nil {
		t.Fatal(err)
	}
	page := "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body style=\"font-family: sans-serif\">\n" + table.HTML() + "</body></html>\n"
	if err := os.WriteFile(filepath.Join(dir, "table.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "table.md"), []byte(table.Markdown()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// realisticRuns makes a 5-seed study like docs/DESIGN.md §2.1's: uni-modal models of 2 modalities,
// UME, joint and UMT, with probes, subsets and curves. pairGain > 0 adds paired signal (joint and
// UMT gain on test accuracy, UME does not).
func realisticRuns(pairGain float64, seed uint64) []results.Run {
	rng := rand.New(rand.NewPCG(seed, 7))
	noise := func(sd float64) float64 { return rng.NormFloat64() * sd }
	p := func(x float64) *float64 { x = math.Min(x, 1); return &x }
	var runs []results.Run
	const epochs = 150
	curve := func(final, rate float64, sd float64) []float64 {
		c := make([]float64, epochs)
		shift, rate := noise(0.01), rate*(1+noise(0.15)) // this run's own level and speed
		for i := range c {
			c[i] = math.Min(1, (final+shift)*(1-0.7*math.Exp(-rate*float64(i+1)))+noise(sd))
		}
		return c
	}
	ep := make([]int, epochs)
	for i := range ep {
		ep[i] = i + 1
	}
	for s := range 5 {
		d := noise(0.004) // the seed's dataset draw, shared by every method
		for m := range 2 {
			mm := m
			probe := []*float64{nil, nil}
			probe[m] = p(0.944 + 0.007*float64(m) + d + noise(0.005))
			runs = append(runs, results.Run{Key: "uni", Method: "uni", Modality: &mm, Seed: s,
				TestAcc: 0.93 + 0.005*float64(m) + d + noise(0.004), ValAcc: 0.93 + d + noise(0.004),
				SubsetAcc: map[string]float64{"all": 0.93 + d, "both_hard": 0.62 + noise(0.02), "pair_only": 0.36 + noise(0.02)},
				ProbeAcc:  probe,
				Curves:    &results.Curves{Epoch: ep, SplitHeadAcc: [][]float64{curve(0.93+0.005*float64(m), 0.03, 0.004)}},
			})
		}
		runs = append(runs,
			results.Run{Key: "ume", Method: "ume", Seed: s, TestAcc: 0.994 + d/3 + noise(0.001), ValAcc: 0.993 + d/3,
				SubsetAcc: map[string]float64{"all": 0.994, "both_hard": 0.90 + noise(0.02), "pair_only": 0.37 + noise(0.02)}},
			results.Run{Key: "joint", Method: "joint", Seed: s, TestAcc: 0.974 + pairGain + d/3 + noise(0.003), ValAcc: 0.973 + pairGain + d/3,
				SubsetAcc: map[string]float64{"all": 0.974, "both_hard": 0.45 + noise(0.03), "pair_only": 0.37 + 8*pairGain + noise(0.02)},
				ProbeAcc:  []*float64{p(0.893 + d + noise(0.008)), p(0.898 + d + noise(0.01))},
				Curves:    &results.Curves{Epoch: ep, SplitHeadAcc: [][]float64{curve(0.86, 0.08, 0.006), curve(0.87, 0.08, 0.006)}}},
			results.Run{Key: "umt", Method: "umt", Seed: s, TestAcc: math.Min(1, 0.992+0.5*pairGain+d/3+noise(0.001)), ValAcc: 0.993 + d/3,
				SubsetAcc: map[string]float64{"all": 0.994, "both_hard": 0.90 + noise(0.02), "pair_only": 0.37 + 6*pairGain + noise(0.02)},
				ProbeAcc:  []*float64{p(0.943 + d + noise(0.005)), p(0.950 + d + noise(0.005))}},
		)
	}
	return runs
}
