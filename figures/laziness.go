package figures

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/mmlab-go/mmlab/results"
)

// LazinessBars draws modality laziness (docs/DESIGN.md §5): for each modality (x axis), the
// linear-probe test accuracy of that modality's encoder as trained by each method — the
// uni-modal models first, then every other method whose runs carry probe accuracies (joint, UMT,
// ...). Bars are means over seeds, whiskers the 95% confidence interval over seeds
// (results.Summarize). The subtitle gives each method's laziness gap, probe(uni) − probe(method),
// paired by seed (results.LazinessGap): its interval is usually much narrower than the bars'
// whiskers suggest, because both share the seed's dataset draw.
//
// runs should come from one study. It is an error if runs is empty, if no uni-modal ("uni") run
// has a probe accuracy, or if no other method has one; the error lists the methods present.
// The chart's title and subtitle can be changed through its Title field (bar.Title.Subtitle).
func LazinessBars(runs []results.Run) (*charts.Bar, error) {
	if len(runs) == 0 {
		return nil, errors.New("figures.LazinessBars: no runs")
	}
	sums := results.Summaries(runs)
	if uni, ok := sums[results.UniMethod]; !ok || !hasProbe(uni) {
		return nil, fmt.Errorf("figures.LazinessBars: no uni-modal (%q) runs with probe accuracies, the reference of the laziness gap (have: %s)",
			results.UniMethod, describeProbes(sums))
	}
	var methods []string
	for key, s := range sums {
		if s.Modality != nil || s.PerModality || !hasProbe(s) {
			continue
		}
		methods = append(methods, key)
	}
	if len(methods) == 0 {
		return nil, fmt.Errorf("figures.LazinessBars: no multi-modal method has probe accuracies to compare with the uni-modal encoders (have: %s)",
			describeProbes(sums))
	}
	sortMethods(methods)

	numModalities := 0
	for _, key := range append([]string{results.UniMethod}, methods...) {
		numModalities = max(numModalities, len(sums[key].ProbeAcc))
	}
	categories := make([]string, numModalities)
	for m := range categories {
		categories[m] = modalityName(modalityNames(runs), m)
	}
	var series []ciSeries
	for _, key := range append([]string{results.UniMethod}, methods...) {
		values := make([]*results.Estimate, numModalities)
		copy(values, sums[key].ProbeAcc)
		series = append(series, ciSeries{key: key, values: values})
	}

	var subtitle []string
	for _, method := range methods {
		subtitle = append(subtitle, gapLine(runs, method))
	}
	return ciBars(ciBarSpec{
		names:      modalityNames(runs),
		title:      "Modality laziness: linear-probe accuracy of each modality's encoder",
		subtitle:   subtitle,
		categories: categories,
		xName:      "modality whose encoder is probed",
		yName:      "linear-probe test accuracy (fraction)",
		series:     series,
	}), nil
}

// gapLine describes method's laziness gap per modality, e.g.
// "laziness gap uni-modal − joint: modality 0 +0.052 ± 0.011, modality 1 +0.053 ± 0.016 (paired by seed)".
func gapLine(runs []results.Run, method string) string {
	head := fmt.Sprintf("laziness gap %s − %s: ", MethodLabel(results.UniMethod), MethodLabel(method))
	gaps, err := results.LazinessGap(runs, method)
	if err != nil {
		return head + "not computed (" + strings.TrimPrefix(err.Error(), "results.LazinessGap: ") + ")"
	}
	parts := make([]string, len(gaps))
	for m, g := range gaps {
		parts[m] = modalityName(modalityNames(runs), m) + " " + fmtSigned(g)
	}
	return head + strings.Join(parts, ", ") + " (paired by seed)"
}

// hasProbe reports whether a summary has a probe accuracy for some modality.
func hasProbe(s results.MethodSummary) bool {
	for _, e := range s.ProbeAcc {
		if e != nil {
			return true
		}
	}
	return false
}

// describeProbes lists the methods in sums (per-modality keys folded into their method) and
// whether they have probe accuracies, for error messages: "joint (no probes), uni, umt".
func describeProbes(sums map[string]results.MethodSummary) string {
	var names []string
	for key, s := range sums {
		if s.Modality != nil {
			continue
		}
		if hasProbe(s) {
			names = append(names, key)
		} else {
			names = append(names, key+" (no probes)")
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
