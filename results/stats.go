package results

// Statistics over seeds (docs/DESIGN.md §5–6): every comparison between methods is reported as a mean
// with a 95% confidence interval over seeds, and differences between methods are paired by seed,
// because run seed s of every method sees the same dataset draw and split.

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Estimate is a mean over seeds with its spread.
type Estimate struct {
	Mean float64 // sample mean
	// CI95 is the half-width of the two-sided 95% Student-t confidence interval of the mean,
	// t(0.975; N−1)·Std/√N: the interval is [Mean − CI95, Mean + CI95]. With N = 1 there is no
	// interval and CI95 is 0 (not a claim of certainty: check N). With N = 0 every field is 0.
	CI95 float64
	Std  float64 // sample standard deviation (N−1 denominator); 0 when N < 2
	N    int     // number of values (seeds)
}

// String formats e as "mean ± CI95 (n=N)", e.g. "0.9500 ± 0.0248 (n=3)".
func (e Estimate) String() string {
	switch e.N {
	case 0:
		return "no data (n=0)"
	case 1:
		return fmt.Sprintf("%.4f (n=1, no interval)", e.Mean)
	}
	return fmt.Sprintf("%.4f ± %.4f (n=%d)", e.Mean, e.CI95, e.N)
}

// Summarize returns the mean, sample standard deviation and 95% t-interval half-width of values
// (one value per seed). The t quantile has N−1 degrees of freedom (gonum's distuv.StudentsT):
// e.g. for {1, 2, 3}, mean 2, std 1, CI95 = t(0.975; 2)·1/√3 = 4.302653·0.577350 = 2.4841.
// A single value has CI95 = 0 and Std = 0 (a single seed has no interval); no values give the
// zero Estimate. Values should be finite (the results store refuses anything else).
func Summarize(values []float64) Estimate {
	n := len(values)
	switch n {
	case 0:
		return Estimate{}
	case 1:
		return Estimate{Mean: values[0], N: 1}
	}
	mean, std := stat.MeanStdDev(values, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	return Estimate{Mean: mean, CI95: t * std / math.Sqrt(float64(n)), Std: std, N: n}
}

// PairedDifference summarises the per-seed differences a[i] − b[i] (docs/DESIGN.md §6): a[i] and b[i]
// must come from the same seed, hence the same dataset draw, so the interval excludes the variation
// that both share. Its Mean equals mean(a) − mean(b); its CI95 is usually much smaller than the
// unpaired one. It panics if a and b have different lengths, like gonum's stat functions.
func PairedDifference(a, b []float64) Estimate {
	if len(a) != len(b) {
		panic(fmt.Sprintf("results.PairedDifference: %d values against %d (pair them by seed)", len(a), len(b)))
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return Summarize(d)
}

// MethodSummary summarises the runs of one method (one row of a results table) over seeds.
type MethodSummary struct {
	// Method is the key of the summary in Summaries' map: a method name ("joint", "ume", ...),
	// "uni" for the uni-modal encoders' probes, or "uni/m0", "uni/m1", ... for the uni-modal
	// model of one modality (see Summaries).
	Method string
	// Of and Modality say what the entry summarises without reading its key: Of is the method
	// (Run.Method: "uni" for the keys "uni", "uni/m0", ...), Modality the modality of a
	// per-modality entry ("uni/m1": 1), nil for a method's own entry. PerModality marks the
	// pooled entry of a method whose runs carry a modality ("uni", the encoders' row).
	Of          string
	Modality    *int
	PerModality bool
	TestAcc     Estimate
	ValAcc      Estimate
	// ProbeAcc[m] is the linear-probe accuracy of the method's encoder for modality m; nil where
	// the method has no encoder for m. Its length is the largest number of modalities in the runs.
	ProbeAcc  []*Estimate
	SubsetAcc map[string]Estimate // by subset name ("all", "both_hard", "pair_only", ...)
	// Cost (issue 18), over the runs that recorded it (Run.Params > 0; older records did not):
	// Params the predictor's trainable parameters, TrainFLOPs the run's own training FLOPs per
	// training sample, TrainSeconds its training wall time (not reproducible: it varies with the
	// machine and its load). N = 0 where no run recorded them.
	Params, TrainFLOPs, TrainSeconds Estimate
	N                                int   // number of runs summarised
	Seeds                            []int // the distinct seeds of those runs, ascending
}

// ModalityKey returns the Summaries key of a per-modality method's runs on modality m, e.g.
// ModalityKey("uni", 1) == "uni/m1". SplitModalityKey is its inverse.
func ModalityKey(method string, m int) string { return method + modalityKeySep + strconv.Itoa(m) }

// modalityKeySep joins a method and a modality index in a per-modality key (ModalityKey).
const modalityKeySep = "/m"

// SplitModalityKey is ModalityKey's inverse: SplitModalityKey("uni/m1") == ("uni", 1, true); a
// key that is not a per-modality key ("joint") gives ok = false. Code that holds the
// MethodSummary reads its Of and Modality instead; this is for keys alone (a figure's series).
func SplitModalityKey(key string) (method string, m int, ok bool) {
	i := strings.LastIndex(key, modalityKeySep)
	if i < 0 {
		return "", 0, false
	}
	m, err := strconv.Atoi(key[i+len(modalityKeySep):])
	if err != nil || m < 0 || ModalityKey(key[:i], m) != key {
		return "", 0, false
	}
	return key[:i], m, true
}

// Summaries summarises runs per method, for tables and figures. Runs of a method that carry a
// Modality (the uni-modal runs, Method "uni") are kept apart per modality:
//
//   - "uni/m0", "uni/m1", ... (see ModalityKey) summarise the uni-modal model of each modality:
//     TestAcc, ValAcc, SubsetAcc, and ProbeAcc with only entry m set;
//   - "uni" is the uni-modal encoders' row of a laziness table: ProbeAcc[m] comes from the runs of
//     modality m; TestAcc, ValAcc and SubsetAcc are empty (N = 0) because there is no single
//     uni-modal prediction (their ensemble is the method "ume"). Its N counts all uni runs.
//
// Every other method has one entry under its name. Runs should come from one study (one dataset
// spec and configuration per method): Summaries pools whatever it is given.
func Summaries(runs []Run) map[string]MethodSummary {
	groups := map[string][]*Run{}
	var order []string
	modality := map[string]int{} // per-modality key → its modality
	add := func(key string, r *Run) {
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], r)
	}
	perModality := map[string]bool{}
	for i := range runs {
		r := &runs[i]
		if r.Modality != nil {
			key := ModalityKey(r.Method, *r.Modality)
			modality[key] = *r.Modality
			add(key, r)
			add(r.Method, r)
			perModality[r.Method] = true
			continue
		}
		add(r.Method, r)
	}
	out := make(map[string]MethodSummary, len(groups))
	for _, key := range order {
		group := groups[key]
		s := MethodSummary{Method: key, Of: group[0].Method, PerModality: perModality[key], N: len(group), Seeds: seedsOf(group)}
		if m, ok := modality[key]; ok {
			s.Modality = &m
		}
		if perModality[key] {
			// The encoders' row: probe m from the runs of modality m only.
			s.ProbeAcc = probeSummaries(group, func(r *Run, m int) bool { return r.Modality != nil && *r.Modality == m })
		} else {
			s.TestAcc = Summarize(collect(group, func(r *Run) float64 { return r.TestAcc }))
			s.ValAcc = Summarize(collect(group, func(r *Run) float64 { return r.ValAcc }))
			s.ProbeAcc = probeSummaries(group, func(*Run, int) bool { return true })
			s.SubsetAcc = subsetSummaries(group)
			var costed []*Run
			for _, r := range group {
				if r.Params > 0 {
					costed = append(costed, r)
				}
			}
			s.Params = Summarize(collect(costed, func(r *Run) float64 { return float64(r.Params) }))
			s.TrainFLOPs = Summarize(collect(costed, func(r *Run) float64 { return r.TrainFLOPs }))
			s.TrainSeconds = Summarize(collect(costed, func(r *Run) float64 { return r.TrainSeconds }))
		}
		out[key] = s
	}
	return out
}

// collect maps runs to one value each.
func collect(runs []*Run, f func(*Run) float64) []float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	return v
}

// seedsOf returns the distinct seeds of runs, ascending.
func seedsOf(runs []*Run) []int {
	var seeds []int
	for _, r := range runs {
		seeds = append(seeds, r.Seed)
	}
	slices.Sort(seeds)
	return slices.Compact(seeds)
}

// probeSummaries summarises ProbeAcc[m] over the runs that use(r, m) and have a probe for m.
func probeSummaries(runs []*Run, use func(r *Run, m int) bool) []*Estimate {
	numModalities := 0
	for _, r := range runs {
		numModalities = max(numModalities, len(r.ProbeAcc))
	}
	if numModalities == 0 {
		return nil
	}
	out := make([]*Estimate, numModalities)
	for m := range numModalities {
		var v []float64
		for _, r := range runs {
			if use(r, m) && m < len(r.ProbeAcc) && r.ProbeAcc[m] != nil {
				v = append(v, *r.ProbeAcc[m])
			}
		}
		if len(v) > 0 {
			e := Summarize(v)
			out[m] = &e
		}
	}
	return out
}

// subsetSummaries summarises each subset accuracy over the runs that report it.
func subsetSummaries(runs []*Run) map[string]Estimate {
	values := map[string][]float64{}
	for _, r := range runs {
		for name, acc := range r.SubsetAcc {
			values[name] = append(values[name], acc)
		}
	}
	if len(values) == 0 {
		return nil
	}
	out := make(map[string]Estimate, len(values))
	for name, v := range values {
		out[name] = Summarize(v)
	}
	return out
}

// LazinessGap returns, per modality m, the laziness gap of method's encoder φ_m (docs/DESIGN.md §5):
// probe(uni-modal φ_m) − probe(φ_m of method), paired over seeds. A positive gap means the method's
// encoder learned less uni-modal signal than one trained on modality m alone.
//
// It needs, for every modality m and every seed of method, a "uni" run of modality m on that seed
// with ProbeAcc[m] set, and method's run with ProbeAcc[m] set; otherwise it returns an error
// naming what is missing. The number of modalities is the length of method's ProbeAcc.
func LazinessGap(runs []Run, method string) ([]Estimate, error) {
	if method == UniMethod {
		return nil, fmt.Errorf("results.LazinessGap: the gap compares a method against the %q runs; pass another method", UniMethod)
	}
	byMethod, err := runsBySeed(runs, method, nil)
	if err != nil {
		return nil, fmt.Errorf("results.LazinessGap: %w", err)
	}
	seeds := sortedKeys(byMethod)
	numModalities := 0
	for _, r := range byMethod {
		numModalities = max(numModalities, len(r.ProbeAcc))
	}
	if numModalities == 0 {
		return nil, fmt.Errorf("results.LazinessGap: runs of method %q have no probe accuracies", method)
	}
	gaps := make([]Estimate, numModalities)
	for m := range numModalities {
		byUni, err := runsBySeed(runs, UniMethod, &m)
		if err != nil {
			return nil, fmt.Errorf("results.LazinessGap: %w", err)
		}
		if err := sameSeeds(ModalityKey(UniMethod, m), sortedKeys(byUni), method, seeds); err != nil {
			return nil, fmt.Errorf("results.LazinessGap: %w", err)
		}
		uni := make([]float64, len(seeds))
		other := make([]float64, len(seeds))
		for i, seed := range seeds {
			u, x := byUni[seed], byMethod[seed]
			if m >= len(u.ProbeAcc) || u.ProbeAcc[m] == nil {
				return nil, fmt.Errorf("results.LazinessGap: uni-modal run %s (modality %d, seed %d) has no probe accuracy for modality %d", u.Key, m, seed, m)
			}
			if m >= len(x.ProbeAcc) || x.ProbeAcc[m] == nil {
				return nil, fmt.Errorf("results.LazinessGap: method %q has no encoder (probe accuracy) for modality %d in run %s (seed %d)", method, m, x.Key, seed)
			}
			uni[i], other[i] = *u.ProbeAcc[m], *x.ProbeAcc[m]
		}
		gaps[m] = PairedDifference(uni, other)
	}
	return gaps, nil
}

// runsBySeed indexes the runs of method (and, if modality is not nil, of that modality) by seed.
// It fails if there are none, naming the methods there are, or if a seed has two runs.
func runsBySeed(runs []Run, method string, modality *int) (map[int]*Run, error) {
	name := method
	if modality != nil {
		name = ModalityKey(method, *modality)
	}
	out := map[int]*Run{}
	for i := range runs {
		r := &runs[i]
		if r.Method != method {
			continue
		}
		if modality != nil && (r.Modality == nil || *r.Modality != *modality) {
			continue
		}
		if prev, ok := out[r.Seed]; ok {
			return nil, fmt.Errorf("two %s runs for seed %d (keys %s and %s): pass the runs of one study", name, r.Seed, prev.Key, r.Key)
		}
		out[r.Seed] = r
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s runs (have: %s)", name, describeRuns(runs))
	}
	return out, nil
}

// describeRuns lists the method (and modality) names present in runs, for error messages.
func describeRuns(runs []Run) string {
	names := map[string]bool{}
	for _, r := range runs {
		if r.Modality != nil {
			names[ModalityKey(r.Method, *r.Modality)] = true
		} else {
			names[r.Method] = true
		}
	}
	if len(names) == 0 {
		return "no runs"
	}
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	return strings.Join(list, ", ")
}

// sameSeeds returns an error naming the seeds that one of two run sets lacks.
func sameSeeds(nameA string, seedsA []int, nameB string, seedsB []int) error {
	if slices.Equal(seedsA, seedsB) {
		return nil
	}
	var msgs []string
	if missing := difference(seedsB, seedsA); len(missing) > 0 {
		msgs = append(msgs, fmt.Sprintf("no %s run for seeds %v", nameA, missing))
	}
	if missing := difference(seedsA, seedsB); len(missing) > 0 {
		msgs = append(msgs, fmt.Sprintf("no %s run for seeds %v", nameB, missing))
	}
	return fmt.Errorf("%s and %s must be run on the same seeds: %s", nameA, nameB, strings.Join(msgs, "; "))
}

// difference returns the elements of a (sorted) that are not in b.
func difference(a, b []int) []int {
	var out []int
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// sortedKeys returns the seeds of a by-seed index, ascending.
func sortedKeys(m map[int]*Run) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
