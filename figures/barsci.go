package figures

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/mmlab-go/mmlab/results"
)

// CISeries is one series of a BarsWithCI chart: Key names it (a method such as "joint", a
// per-modality key such as "uni/m1", or any label: the legend shows MethodLabel(Key) and the
// colour is the method's, see MethodColor), and Values[i] is its estimate for category i (nil:
// no bar there), e.g. a results.Summarize of per-seed accuracies.
type CISeries struct {
	Key    string
	Values []*results.Estimate
}

// BarsWithCI is the grouped bar chart behind LazinessBars, MethodComparison and
// SubsetComparison, for a researcher's own accuracies: one group of bars per category, a bar per
// series at the estimate's mean with a whisker over it for its 95% CI (drawn when N ≥ 2), an
// accuracy y axis within [0, 1] with round ticks (starting above 0, and saying so, when that
// shows the data better), a legend, tooltips with the numbers, and the subtitle lines given plus
// one saying what bars and whiskers are. Values are fractions: a mean outside [0, 1], a
// non-finite value, or a series whose Values do not match the categories is an error.
func BarsWithCI(title string, subtitle []string, categories []string, xName, yName string, series []CISeries) (*charts.Bar, error) {
	const where = "figures.BarsWithCI"
	if len(categories) == 0 || len(series) == 0 {
		return nil, errors.New(where + ": want at least one category and one series")
	}
	spec := ciBarSpec{title: title, subtitle: subtitle, categories: categories, xName: xName, yName: yName}
	bars := 0
	for k, s := range series {
		if s.Key == "" {
			return nil, fmt.Errorf("%s: series %d has no key", where, k)
		}
		if len(s.Values) != len(categories) {
			return nil, fmt.Errorf("%s: series %q has %d values for %d categories", where, s.Key, len(s.Values), len(categories))
		}
		for i, e := range s.Values {
			if e == nil {
				continue
			}
			if !finite(e.Mean) || !finite(e.CI95) || e.CI95 < 0 || e.Mean < 0 || e.Mean > 1 {
				return nil, fmt.Errorf("%s: series %q, category %q: %v ± %v, want a fraction in [0, 1] and a finite CI ≥ 0",
					where, s.Key, categories[i], e.Mean, e.CI95)
			}
			bars++
		}
		spec.series = append(spec.series, ciSeries{key: s.Key, values: s.Values})
	}
	if bars == 0 {
		return nil, errors.New(where + ": every value is nil: nothing to draw")
	}
	for _, c := range categories {
		spec.xLabelLines = max(spec.xLabelLines, strings.Count(c, "\n")+1)
	}
	return ciBars(spec), nil
}
