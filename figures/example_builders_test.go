package figures_test

import (
	"fmt"
	"strings"

	"github.com/mmlab-go/mmlab/figures"
	"github.com/mmlab-go/mmlab/results"
)

// exampleRuns is a 2-seed study with two modalities: the uni-modal model of each modality, and
// joint training. Joint's encoders probe 0.05 below the uni-modal ones on both seeds.
func exampleRuns() []results.Run {
	p := func(x float64) *float64 { return &x }
	var runs []results.Run
	for seed, d := range []float64{-0.01, 0.01} {
		m0, m1 := 0, 1
		runs = append(runs,
			results.Run{Method: "uni", Modality: &m0, Seed: seed, TestAcc: 0.90 + d, ValAcc: 0.89 + d,
				ProbeAcc: []*float64{p(0.94 + d), nil}},
			results.Run{Method: "uni", Modality: &m1, Seed: seed, TestAcc: 0.91 + d, ValAcc: 0.90 + d,
				ProbeAcc: []*float64{nil, p(0.95 + d)}},
			results.Run{Method: "joint", Seed: seed, TestAcc: 0.97 + d, ValAcc: 0.96 + d,
				SubsetAcc: map[string]float64{"both_hard": 0.45 + d},
				ProbeAcc:  []*float64{p(0.89 + d), p(0.90 + d)}},
		)
	}
	return runs
}

// LazinessBars compares the uni-modal encoders' linear-probe accuracy with joint training's; in
// a notebook, figures.Show(bar) draws it.
func ExampleLazinessBars() {
	bar, err := figures.LazinessBars(exampleRuns())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bar.Title.Title)
	fmt.Println(strings.Split(bar.Title.Subtitle, "\n")[0])
	// Output:
	// Modality laziness: linear-probe accuracy of each modality's encoder
	// laziness gap uni-modal − joint: modality 0 +0.050 ± 0.000, modality 1 +0.050 ± 0.000 (paired by seed)
}

// ResultsTable computes a table from the runs; Markdown renders it (HTML too, and in a notebook
// figures.ShowHTML(table.HTML()) displays it). With two seeds, d = ±0.01 around each centre, the
// CI half-width is t(0.975; 1)·0.01414/√2 = 12.706·0.01 = 0.127.
func ExampleTable_Markdown() {
	table, err := figures.ResultsTable(exampleRuns())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(table.Markdown())
	// Output:
	// **Results**
	//
	// | method | test acc | val acc | probe m0 | probe m1 | both_hard | pair_only | seeds |
	// | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
	// | uni-modal m0 | 0.900 ± 0.127 | 0.890 ± 0.127 | 0.940 ± 0.127 | — | — | — | 2 |
	// | uni-modal m1 | 0.910 ± 0.127 | 0.900 ± 0.127 | — | 0.950 ± 0.127 | — | — | 2 |
	// | joint | 0.970 ± 0.127 | 0.960 ± 0.127 | 0.890 ± 0.127 | 0.900 ± 0.127 | 0.450 ± 0.127 | — | 2 |
	//
	// Accuracies are fractions: mean ± half-width of the 95% Student-t confidence interval over seeds; —: not measured.
	// probe X: linear-probe test accuracy of the method's encoder for modality X (named as the dataset names it, else m0, m1, ...).
	// both_hard, pair_only: test accuracy on those diagnostic subsets.
}

// ExampleBarsWithCI draws a researcher's own accuracies (two methods on two datasets, 95% CIs
// from per-seed values) with the figures' bars and whiskers.
func ExampleBarsWithCI() {
	joint := results.Summarize([]float64{0.81, 0.83, 0.82})
	ume := results.Summarize([]float64{0.84, 0.85, 0.83})
	bar, err := figures.BarsWithCI("Test accuracy on my data", nil, []string{"dataset A", "dataset B"},
		"dataset", "test accuracy (fraction)",
		[]figures.CISeries{{Key: "joint", Values: []*results.Estimate{&joint, &joint}}, {Key: "ume", Values: []*results.Estimate{&ume, nil}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bar.Title.Title)
	fmt.Println(strings.Contains(bar.Title.Subtitle, "mean over 3 seeds"))
	// Output:
	// Test accuracy on my data
	// true
}

// TruthAgreement says how reproducible a phase grid's right answers are: the same two cells
// judged on two seed sets. The first cell's UMT lead holds on both; the second is a tie (UME
// is right) on one set and a UMT win on the other.
func ExampleTruthAgreement() {
	est := func(mean, ci float64) results.Estimate { return results.Estimate{Mean: mean, CI95: ci, N: 5} }
	a := []figures.PhaseCell{{Rho: 0.5, Pi: 0.4, UMTMinusUME: est(0.010, 0.003)}, {Rho: 0.5, Pi: 0.2, UMTMinusUME: est(0.002, 0.003)}}
	b := []figures.PhaseCell{{Rho: 0.5, Pi: 0.4, UMTMinusUME: est(0.009, 0.004)}, {Rho: 0.5, Pi: 0.2, UMTMinusUME: est(0.002, 0.001)}}
	n, err := figures.TruthAgreement(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("the seed sets agree on %d of %d cells\n", n, len(a))
	// Output: the seed sets agree on 1 of 2 cells
}
