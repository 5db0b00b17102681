package results

// Imbalanced modalities (issue 12): what a study of the balancing baselines (OGM-GE,
// G-Blending) on data with a dominant modality reports — which modality is the weaker one, the
// weaker modality's probe and the test accuracy of each method, each paired by seed against a
// reference method (joint training) — and the choice of a hyperparameter value (e.g. the SGD
// learning rate) on validation accuracy, never on the test split.

import (
	"fmt"
	"math"
)

// MetricProbeAcc returns the Metric of a run's linear-probe test accuracy for modality m (NaN
// for a run without a probe of m).
func MetricProbeAcc(m int) Metric {
	return func(r *Run) float64 {
		if m < 0 || m >= len(r.ProbeAcc) || r.ProbeAcc[m] == nil {
			return math.NaN()
		}
		return *r.ProbeAcc[m]
	}
}

// WeakerModality returns the modality whose uni-modal runs (method "uni") have the lower mean
// test accuracy, and every modality's mean test accuracy over seeds. It is an error if there
// are uni-modal runs of fewer than two modalities.
func WeakerModality(runs []Run) (int, []Estimate, error) {
	var acc [][]float64
	for _, r := range runs {
		if r.Method != UniMethod || r.Modality == nil {
			continue
		}
		for len(acc) <= *r.Modality {
			acc = append(acc, nil)
		}
		acc[*r.Modality] = append(acc[*r.Modality], r.TestAcc)
	}
	est := make([]Estimate, len(acc))
	weak := -1
	for m, a := range acc {
		if len(a) == 0 {
			return 0, nil, fmt.Errorf("results.WeakerModality: no uni-modal runs of modality %d", m)
		}
		est[m] = Summarize(a)
		if weak < 0 || est[m].Mean < est[weak].Mean {
			weak = m
		}
	}
	if len(acc) < 2 {
		return 0, nil, fmt.Errorf("results.WeakerModality: uni-modal runs of %d modalities, want at least 2 (include method uni in the study)", len(acc))
	}
	return weak, est, nil
}

// Candidate is one value of a hyperparameter (e.g. "0.01" for train.lr) and the runs trained
// with it.
type Candidate struct {
	Value string
	Runs  []Run
}

// ChooseByValidation returns the index of the candidate whose runs of method have the highest
// mean validation accuracy (the first one on a tie) and every candidate's mean (N = 0 for a
// candidate without runs of method, e.g. one whose training diverged: it is never chosen). It is
// an error if no candidate has runs of method.
func ChooseByValidation(candidates []Candidate, method string) (int, []Estimate, error) {
	est := make([]Estimate, len(candidates))
	best := -1
	for i, c := range candidates {
		var val []float64
		for _, r := range c.Runs {
			if r.Method == method {
				val = append(val, r.ValAcc)
			}
		}
		est[i] = Summarize(val)
		if len(val) > 0 && (best < 0 || est[i].Mean > est[best].Mean) {
			best = i
		}
	}
	if best < 0 {
		return 0, est, fmt.Errorf("results.ChooseByValidation: no candidate has runs of method %q", method)
	}
	return best, est, nil
}

// Lift compares a method with a reference method on imbalanced data: its test accuracy and the
// probe accuracy of its encoder of the weaker modality (means over seeds), and both paired by
// seed against the reference (method − reference).
type Lift struct {
	Method, Reference string
	Weak              int      // the weaker modality
	WeakName          string   // its name in the dataset (Run.ModalityNames), "" when the runs name none
	Test, WeakProbe   Estimate // of Method
	DTest, DWeakProbe Estimate // Method − Reference, paired by seed
}

// LiftsWeakModality reports whether the method's weak-modality probe is above the reference's
// beyond the 95% interval of the paired difference (its lower end above 0, at least 2 seeds).
func (l Lift) LiftsWeakModality() bool {
	return l.DWeakProbe.N >= 2 && l.DWeakProbe.Mean-l.DWeakProbe.CI95 > 0
}

// CompareWeak returns the Lift of every method against reference, for the weaker modality weak
// (see WeakerModality); the reference itself is included first (its differences are zero).
// Methods must be multi-modal methods with encoders (joint, ogmge, gblend, umt, ...) run on the
// same seeds as the reference, in one study or in studies over the same dataset spec.
func CompareWeak(runs []Run, weak int, reference string, methods ...string) ([]Lift, error) {
	var out []Lift
	var name string
	if names := ModalityNamesOf(runs); weak >= 0 && weak < len(names) {
		name = names[weak]
	}
	for _, m := range append([]string{reference}, methods...) {
		l := Lift{Method: m, Reference: reference, Weak: weak, WeakName: name}
		var err error
		if l.DTest, err = MethodDifference(runs, m, reference, MetricTestAcc); err != nil {
			return nil, fmt.Errorf("results.CompareWeak: %w", err)
		}
		if l.DWeakProbe, err = MethodDifference(runs, m, reference, MetricProbeAcc(weak)); err != nil {
			return nil, fmt.Errorf("results.CompareWeak: %w", err)
		}
		var test, probe []float64
		for i := range runs {
			if runs[i].Method == m {
				test = append(test, runs[i].TestAcc)
				probe = append(probe, MetricProbeAcc(weak)(&runs[i]))
			}
		}
		l.Test, l.WeakProbe = Summarize(test), Summarize(probe)
		out = append(out, l)
	}
	return out, nil
}
