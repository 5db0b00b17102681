package figures

import (
	"errors"
	"fmt"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// PhaseCellFromRuns builds the phase-diagram cell of one study (docs/DESIGN.md §5, §7) on LazyPair
// data, from its runs alone:
//
//   - Rho and Pi are the easy rate ρ and the paired rate π of the runs' dataset spec (every run
//     must have the same one), so a cell cannot be placed where its data did not come from;
//   - UMTMinusUME is acc(UMT) − acc(UME) on the test split, paired by seed
//     (results.MethodDifference with results.MetricTestAcc);
//   - Choice is what the UME-vs-UMT rule picks (Rule is its name, results.ChooseRuleUMEvsJoint) (results.Choose with tolerance tol, e.g.
//     results.DefaultChooseTolerance), which decides on validation accuracies of UME and joint
//     training only: the cell then shows whether that pick was the better method on test data.
//
// The runs must hold the methods "ume", "joint" and "umt" on the same seeds (a study of
// {"ume", "joint", "umt"}). It is an error if runs is empty, if runs have different dataset specs,
// if the spec is not a LazyPair spec, or if Choose or MethodDifference fail (e.g. a method or a
// seed is missing); the error says which.
func PhaseCellFromRuns(runs []results.Run, tol float64) (PhaseCell, error) {
	cell, _, err := phaseCell("figures.PhaseCellFromRuns", runs, results.ChooseRuleUMEvsJoint, tol)
	return cell, err
}

// PhaseCellByRule is PhaseCellFromRuns with the pick made by the named rule (results.ChooseByRule,
// e.g. results.ChooseRulePairedInfo) with tolerance tol; it also returns the rule's Choice, its
// evidence. The runs must hold "ume" and "umt" (and what the rule reads) on the same seeds.
func PhaseCellByRule(runs []results.Run, rule string, tol float64) (PhaseCell, results.Choice, error) {
	return phaseCell("figures.PhaseCellByRule", runs, rule, tol)
}

func phaseCell(where string, runs []results.Run, rule string, tol float64) (PhaseCell, results.Choice, error) {
	if len(runs) == 0 {
		return PhaseCell{}, results.Choice{}, errors.New(where + ": no runs")
	}
	spec := runs[0].Dataset
	for i := range runs {
		if runs[i].Dataset != spec {
			return PhaseCell{}, results.Choice{}, fmt.Errorf("%s: runs of different datasets (%q and %q, run %s): pass the runs of one study",
				where, spec, runs[i].Dataset, runs[i].Key)
		}
	}
	parsed, err := datasets.ParseSpec(spec)
	if err != nil {
		return PhaseCell{}, results.Choice{}, fmt.Errorf("%s: %w", where, err)
	}
	lp, ok := parsed.(datasets.LazyPairSpec)
	if !ok {
		return PhaseCell{}, results.Choice{}, fmt.Errorf("%s: dataset %q is not %s data: a phase diagram is drawn over LazyPair's easy rate ρ and paired rate π",
			where, spec, datasets.LazyPairName)
	}
	diff, err := results.MethodDifference(runs, results.UMTMethod, results.UMEMethod, results.MetricTestAcc)
	if err != nil {
		return PhaseCell{}, results.Choice{}, fmt.Errorf("%s: ρ = %v, π = %v: %w", where, lp.Rho, lp.Pi, err)
	}
	choice, err := results.ChooseByRule(rule, runs, tol)
	if err != nil {
		return PhaseCell{}, results.Choice{}, fmt.Errorf("%s: ρ = %v, π = %v: %w", where, lp.Rho, lp.Pi, err)
	}
	return PhaseCell{Rho: lp.Rho, Pi: lp.Pi, UMTMinusUME: diff, Choice: choice.Method, Rule: choice.Rule}, choice, nil
}
