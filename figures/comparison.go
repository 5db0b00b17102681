package figures

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/mmlab-go/mmlab/results"
)

// Regime is one setting of a comparison — e.g. a dataset spec such as "π = 0" or "π = 0.5, add" —
// with the runs of every method trained in it (one study: the same seeds for every method).
type Regime struct {
	Name string // shown on the x axis; "regime 1", "regime 2", ... if empty
	Runs []results.Run
}

// The diagnostic subsets SubsetComparison shows by default (docs/DESIGN.md §2.1).
const (
	SubsetBothHard = "both_hard" // hard-only in every modality and not pair_only
	SubsetPairOnly = "pair_only" // uni-modal features switched off: only the paired feature decides
)

// subsetHelp explains the known diagnostic subsets in figure subtitles.
var subsetHelp = map[string]string{
	SubsetBothHard: "both_hard: hard-only in every modality (needs the hard uni-modal features)",
	SubsetPairOnly: "pair_only: only the paired feature decides (needs cross-modal learning)",
	"all":          "all: the whole test split",
}

// MethodComparison draws test accuracy per method (bars, mean over seeds, with 95% CI whiskers
// over seeds) in each regime (x axis): the uni-modal model of each modality ("uni-modal m0", ...),
// UME, joint, UMT and any other method present. A method missing from some regime leaves a gap
// there, listed in the subtitle.
//
// It is an error if there are no regimes, a regime has no runs, or two regimes share a name.
func MethodComparison(regimes []Regime) (*charts.Bar, error) {
	const where = "figures.MethodComparison"
	names, sums, err := summariseRegimes(where, regimes)
	if err != nil {
		return nil, err
	}
	methods := predictingMethods(sums)
	var series []ciSeries
	missing := make([][]string, len(regimes)) // per regime, the methods not run there
	for _, key := range methods {
		s := ciSeries{key: key, values: make([]*results.Estimate, len(regimes))}
		for i := range regimes {
			if ms, ok := sums[i][key]; ok && ms.TestAcc.N > 0 {
				e := ms.TestAcc
				s.values[i] = &e
			} else {
				missing[i] = append(missing[i], MethodLabel(key))
			}
		}
		series = append(series, s)
	}
	subtitle := absentLines(nil, "not run", names, missing)
	title := "Test accuracy per method"
	if len(regimes) > 1 {
		title += " across regimes"
	}
	return ciBars(ciBarSpec{
		title:      title,
		subtitle:   subtitle,
		names:      modalityNames(regimeRuns(regimes)),
		categories: names,
		xName:      "regime",
		yName:      "test accuracy (fraction)",
		series:     series,
	}), nil
}

// SubsetComparison draws accuracy on diagnostic test subsets per method, with 95% CI whiskers
// over seeds: for each regime and each subset (x axis), a bar per method. subsets defaults to
// both_hard and pair_only (docs/DESIGN.md §2.1); any name the runs report (e.g. "all",
// "m0_hard_only") can be given. A subset no run of a regime reports (e.g. pair_only without
// paired signal) is left out for that regime and listed in the subtitle.
//
// It is an error if there are no regimes, a regime has no runs, two regimes share a name, or no
// run reports any of the subsets.
func SubsetComparison(regimes []Regime, subsets ...string) (*charts.Bar, error) {
	const where = "figures.SubsetComparison"
	if len(subsets) == 0 {
		subsets = []string{SubsetBothHard, SubsetPairOnly}
	}
	names, sums, err := summariseRegimes(where, regimes)
	if err != nil {
		return nil, err
	}
	methods := predictingMethods(sums)
	type column struct{ regime, subset int }
	var columns []column
	var categories []string
	absent := make([][]string, len(regimes)) // per regime, the subsets no run reports
	for i := range regimes {
		for j, subset := range subsets {
			reported := false
			for _, key := range methods {
				if e, ok := sums[i][key].SubsetAcc[subset]; ok && e.N > 0 {
					reported = true
				}
			}
			if !reported {
				absent[i] = append(absent[i], subset)
				continue
			}
			columns = append(columns, column{i, j})
			if len(regimes) == 1 {
				categories = append(categories, subset)
			} else {
				categories = append(categories, subset+"\n"+names[i])
			}
		}
	}
	if len(columns) == 0 {
		return nil, fmt.Errorf("%s: no run reports subset accuracy for %s (reported: %s)",
			where, strings.Join(subsets, ", "), strings.Join(reportedSubsets(sums), ", "))
	}
	var series []ciSeries
	for _, key := range methods {
		s := ciSeries{key: key, values: make([]*results.Estimate, len(columns))}
		for c, col := range columns {
			if e, ok := sums[col.regime][key].SubsetAcc[subsets[col.subset]]; ok && e.N > 0 {
				s.values[c] = &e
			}
		}
		series = append(series, s)
	}
	var help []string
	for _, subset := range subsets {
		if h, ok := subsetHelp[subset]; ok {
			help = append(help, h)
		}
	}
	subtitle := absentLines(help, "not reported", names, absent)
	xName := "diagnostic test subset"
	if len(regimes) > 1 {
		xName += " and regime"
	}
	return ciBars(ciBarSpec{
		title:       "Accuracy on diagnostic subsets per method",
		subtitle:    subtitle,
		names:       modalityNames(regimeRuns(regimes)),
		categories:  categories,
		xName:       xName,
		yName:       "test accuracy on the subset (fraction)",
		series:      series,
		xLabelLines: min(len(regimes), 2),
	}), nil
}

// summariseRegimes checks regimes and summarises each one's runs (results.Summaries). It returns
// the regimes' display names.
func summariseRegimes(where string, regimes []Regime) ([]string, []map[string]results.MethodSummary, error) {
	if len(regimes) == 0 {
		return nil, nil, errors.New(where + ": no regimes")
	}
	names := make([]string, len(regimes))
	sums := make([]map[string]results.MethodSummary, len(regimes))
	for i, r := range regimes {
		names[i] = r.Name
		if names[i] == "" {
			names[i] = "regime " + strconv.Itoa(i+1)
		}
		if j := slices.Index(names[:i], names[i]); j >= 0 {
			return nil, nil, fmt.Errorf("%s: regimes %d and %d are both named %q", where, j+1, i+1, names[i])
		}
		if len(r.Runs) == 0 {
			return nil, nil, fmt.Errorf("%s: regime %q has no runs", where, names[i])
		}
		sums[i] = results.Summaries(r.Runs)
	}
	return names, sums, nil
}

// predictingMethods lists, in figure order, the summary keys that have predictions (test
// accuracy) in some regime: every method, and the uni-modal models per modality ("uni/m0", ...)
// but not the "uni" probes-only row.
func predictingMethods(sums []map[string]results.MethodSummary) []string {
	var keys []string
	for _, s := range sums {
		for key, ms := range s {
			if ms.TestAcc.N == 0 || slices.Contains(keys, key) {
				continue
			}
			keys = append(keys, key)
		}
	}
	sortMethods(keys)
	return keys
}

// reportedSubsets lists the subset names any summary reports, sorted.
func reportedSubsets(sums []map[string]results.MethodSummary) []string {
	var names []string
	for _, s := range sums {
		for _, ms := range s {
			for name := range ms.SubsetAcc {
				if !slices.Contains(names, name) {
					names = append(names, name)
				}
			}
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return []string{"none"}
	}
	return names
}

// regimeRuns is every run of the regimes.
func regimeRuns(regimes []Regime) []results.Run {
	var runs []results.Run
	for _, r := range regimes {
		runs = append(runs, r.Runs...)
	}
	return runs
}

// absentLines appends to lines one line per regime with absent methods: "<what> in "<regime>":
// <methods>"; regimes with none add nothing.
func absentLines(lines []string, what string, regimes []string, absent [][]string) []string {
	for i, a := range absent {
		if len(a) > 0 {
			lines = append(lines, fmt.Sprintf("%s in %q: %s", what, regimes[i], strings.Join(a, ", ")))
		}
	}
	return lines
}
