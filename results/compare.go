package results

// Paired comparisons between two methods of one study (docs/DESIGN.md §5–6): "UMT − UME on test
// accuracy", "joint − UME on both_hard", ... as a mean over seeds with a 95% interval, each seed's
// difference taken on the dataset draw both methods saw.

import (
	"fmt"
	"math"
)

// Metric reads one number from a run, e.g. its test accuracy. A metric the run does not have is
// NaN (MethodDifference reports it as an error).
type Metric func(r *Run) float64

// MetricTestAcc is the Metric of a run's test accuracy.
func MetricTestAcc(r *Run) float64 { return r.TestAcc }

// MetricValAcc is the Metric of a run's validation accuracy (what Choose decides on).
func MetricValAcc(r *Run) float64 { return r.ValAcc }

// MetricSubsetAcc returns the Metric of a run's test accuracy on the diagnostic subset name
// ("both_hard", "pair_only", ...; see datasets.SubsetNames). It is NaN for a run that does not
// report that subset (e.g. pair_only on data without paired samples).
func MetricSubsetAcc(name string) Metric {
	return func(r *Run) float64 {
		if v, ok := r.SubsetAcc[name]; ok {
			return v
		}
		return math.NaN()
	}
}

// MethodDifference returns metric(a) − metric(b) paired by seed (PairedDifference) over the runs
// of methods a and b, e.g. MethodDifference(res.Runs, "umt", "ume", MetricTestAcc). Both are
// multi-modal methods (runs without a Modality, such as "joint", "ume", "umt"). Runs should come
// from one study, so that seed s of both methods saw the same dataset draw.
//
// It returns an error if either method has no runs, if a seed has two runs of one method, if the
// two methods were not run on the same seeds (naming the missing ones), or if the metric is not
// finite for some run (naming it).
func MethodDifference(runs []Run, a, b string, metric Metric) (Estimate, error) {
	const where = "results.MethodDifference"
	if metric == nil {
		return Estimate{}, fmt.Errorf("%s: nil metric", where)
	}
	byA, err := multiModalRunsBySeed(runs, a)
	if err != nil {
		return Estimate{}, fmt.Errorf("%s: %w", where, err)
	}
	byB, err := multiModalRunsBySeed(runs, b)
	if err != nil {
		return Estimate{}, fmt.Errorf("%s: %w", where, err)
	}
	seeds := sortedKeys(byA)
	if err := sameSeeds(a, seeds, b, sortedKeys(byB)); err != nil {
		return Estimate{}, fmt.Errorf("%s: %w", where, err)
	}
	va, vb := make([]float64, len(seeds)), make([]float64, len(seeds))
	for i, s := range seeds {
		for _, x := range []struct {
			run *Run
			out *float64
		}{{byA[s], &va[i]}, {byB[s], &vb[i]}} {
			v := metric(x.run)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Estimate{}, fmt.Errorf("%s: run %s (%s, seed %d) has no finite value of the metric (%v)", where, x.run.Key, x.run.Method, s, v)
			}
			*x.out = v
		}
	}
	return PairedDifference(va, vb), nil
}

// multiModalRunsBySeed is runsBySeed for a method whose runs carry no Modality; a per-modality
// method (uni) is an error, since its runs of different modalities share seeds.
func multiModalRunsBySeed(runs []Run, method string) (map[int]*Run, error) {
	for i := range runs {
		if runs[i].Method == method && runs[i].Modality != nil {
			return nil, fmt.Errorf("method %q makes one run per modality; compare multi-modal methods (e.g. joint, ume, umt)", method)
		}
	}
	return runsBySeed(runs, method, nil)
}

// Variant returns shallow copies of the runs of method with Method set to name, so that two
// configurations of one method, trained in two studies, can stand side by side in one table,
// figure or comparison — e.g. UMT with umt.free_dims=32 next to the reference UMT:
//
//	regime := append(plain.Runs, mmlab.Variant(free.Runs, "umt", "UMT free_dims=32")...)
//
// Runs of every other method are left out: the second study's copies of the runs both studies
// share (the uni-modal teachers, UME, joint) would otherwise be counted twice. Keys, seeds,
// configurations and metrics are unchanged (a run's Config still says how it was trained).
// name should not contain "/m", which figures read as a per-modality key ("uni/m0").
func Variant(runs []Run, method, name string) []Run {
	var out []Run
	for _, r := range runs {
		if r.Method == method {
			r.Method = name
			out = append(out, r)
		}
	}
	return out
}
