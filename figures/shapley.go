package figures

import (
	"errors"
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/mmlab-go/mmlab/results"
)

// ShapleyBars draws the Shapley modality contribution (results.ShapleyValues): for each modality
// (x axis), its Shapley value of test accuracy under each method whose runs carry them (joint,
// UME, UMT, MMPareto, ...; not the uni-modal runs). Bars are means over seeds, whiskers the 95%
// confidence interval over seeds (results.ShapleyContribution). The subtitle says what the values
// are and gives each method's per-sample distribution in short: the fraction of test samples,
// pooled over seeds, on which each modality's value is negative (the modality turns a right
// answer of the others wrong, on average over the coalitions).
//
// runs should come from one study. It is an error if no multi-modal method's runs all carry
// Shapley values; the error lists the methods present.
func ShapleyBars(runs []results.Run) (*charts.Bar, error) {
	if len(runs) == 0 {
		return nil, errors.New("figures.ShapleyBars: no runs")
	}
	sums := results.Summaries(runs)
	var methods, without []string
	values := map[string][]results.Estimate{}
	for key, s := range sums {
		if s.Modality != nil || s.PerModality {
			continue
		}
		v, err := results.ShapleyContribution(runs, key)
		if err != nil {
			without = append(without, key)
			continue
		}
		methods, values[key] = append(methods, key), v
	}
	if len(methods) == 0 {
		sortMethods(without)
		return nil, fmt.Errorf("figures.ShapleyBars: no method's runs carry Shapley values (methods without them: %v)", without)
	}
	sortMethods(methods)
	numModalities := 0
	for _, key := range methods {
		numModalities = max(numModalities, len(values[key]))
	}
	categories := make([]string, numModalities)
	for m := range categories {
		categories[m] = modalityName(modalityNames(runs), m)
	}
	subtitle := []string{"Shapley value of test accuracy over modality coalitions; an absent modality's split logits are dropped, v(∅) = 1/K; values sum to accuracy − 1/K"}
	var series []ciSeries
	for _, key := range methods {
		vs := make([]*results.Estimate, numModalities)
		for m := range values[key] {
			vs[m] = &values[key][m]
		}
		series = append(series, ciSeries{key: key, values: vs})
		if dist, err := results.PooledShapleyDistribution(runs, key); err == nil {
			line := MethodLabel(key) + ": samples with a negative value"
			for m, bins := range dist {
				neg := 0.0
				for _, b := range bins {
					if b.Value < 0 {
						neg += b.Fraction
					}
				}
				line += fmt.Sprintf(", %s %.3f", modalityName(modalityNames(runs), m), neg)
			}
			subtitle = append(subtitle, line)
		}
	}
	return ciBars(ciBarSpec{
		names:      modalityNames(runs),
		title:      "Modality contribution: Shapley value of test accuracy",
		subtitle:   subtitle,
		categories: categories,
		xName:      "modality",
		yName:      "Shapley value (accuracy)",
		series:     series,
	}), nil
}
