package figures

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/mmlab-go/mmlab/results"
)

// Threshold is a rule tolerance tuned by TunePhaseThreshold.
type Threshold struct {
	Value  float64 // the tuned threshold: the rule picks UMT when its statistic is > Value
	Lo, Hi float64 // every threshold in [Lo, Hi) scores the same on the tuning cells (±Inf at an end)
	Right  int     // tuning cells the threshold gets right (PhaseCell.Judge)
	Cells  int     // tuning cells
}

// TunePhaseThreshold picks the threshold t of a rule "UMT when statistic > t, else UME" that
// gets the most tuning cells right: stats[i] is the rule's statistic on cell i
// (results.Choice.Statistic) and cells[i] that cell's truth on the same (tuning) seeds — only its
// UMTMinusUME is read, judged as PhaseCell.Judge does (a tie goes to UME). All thresholds between
// two consecutive distinct statistics pick the same; among the best such intervals it takes the
// highest bounded one and returns its midpoint: when the tuning cells cannot tell two thresholds
// apart, the one that picks the cheaper method, UME, more often wins, as a tie between the
// methods goes to UME (the scoring). If only an unbounded interval is best (a trivial
// rule: every cell UMT, or every cell UME) the threshold lies one mean gap between statistics
// beyond the extreme one. It is an error if there are no cells, the lengths differ or a
// statistic is not finite.
func TunePhaseThreshold(cells []PhaseCell, stats []float64) (Threshold, error) {
	const where = "figures.TunePhaseThreshold"
	if len(cells) == 0 || len(cells) != len(stats) {
		return Threshold{}, fmt.Errorf("%s: %d cells and %d statistics: want the same number, at least 1", where, len(cells), len(stats))
	}
	for i, s := range stats {
		if !finite(s) {
			return Threshold{}, fmt.Errorf("%s: statistic %d (ρ = %v, π = %v) is %v", where, i, cells[i].Rho, cells[i].Pi, s)
		}
	}
	sorted := slices.Clone(stats)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	gap := 1.0
	if n := len(sorted); n > 1 {
		gap = (sorted[n-1] - sorted[0]) / float64(n-1)
	}
	right := func(t float64) int {
		n := 0
		for i, c := range cells {
			pick := results.UMEMethod
			if stats[i] > t {
				pick = results.UMTMethod
			}
			if c.Judge().Right == pick {
				n++
			}
		}
		return n
	}
	best := Threshold{Right: -1, Cells: len(cells)}
	bestBounded := false
	// Intervals come in ascending order, so among equally good bounded ones the last is the highest.
	consider := func(lo, hi, value float64) {
		bounded := !math.IsInf(lo, 0) && !math.IsInf(hi, 0)
		if r := right(value); r > best.Right || (r == best.Right && (bounded || !bestBounded)) {
			best.Value, best.Lo, best.Hi, best.Right, bestBounded = value, lo, hi, r, bounded
		}
	}
	consider(math.Inf(-1), sorted[0], sorted[0]-gap)
	for i := 0; i+1 < len(sorted); i++ {
		consider(sorted[i], sorted[i+1], (sorted[i]+sorted[i+1])/2)
	}
	if top := sorted[len(sorted)-1]; right(top+gap) > best.Right { // an unbounded interval only when strictly better
		best.Value, best.Lo, best.Hi, best.Right = top+gap, top, math.Inf(1), right(top+gap)
	}
	return best, nil
}

// PhaseRuleResult is what ScorePhaseRule found for one rule on a phase grid.
type PhaseRuleResult struct {
	Rule      string
	Tuned     bool      // the tolerance was tuned on the tuning seeds (else the given one was used)
	Threshold Threshold // the tuning (Value is the tolerance used; the rest is zero when not tuned)
	// Cells are the scored cells: truth and the rule's pick on the scoring seeds alone.
	Cells  []PhaseCell
	Scores []RuleScore // ScorePhaseRules(Cells): the rule, always UME, always UMT
	// Cost is the rule's cost summed over the cells (results.CostOfChoice on the scoring seeds).
	Cost results.ChooseCost
}

// ScorePhaseRule scores the choice rule named rule on a phase grid honestly: studies[i] holds
// the runs of cell i (ume and umt and what the rule reads, on every seed of tuneSeeds and
// scoreSeeds). When tuneSeeds is not empty, the rule's tolerance is tuned on those seeds alone
// (TunePhaseThreshold on each cell's results.Choice.Statistic and its UMT − UME truth there);
// otherwise tol is used. Then, on scoreSeeds alone, every cell's truth (UMT − UME on test) and
// the rule's pick with that tolerance make the scored cells, and ScorePhaseRules scores them
// beside the trivial rules. It is an error if scoreSeeds is empty or shares a seed with
// tuneSeeds, or if a cell fails (PhaseCellByRule's errors, naming the cell).
func ScorePhaseRule(studies [][]results.Run, rule string, tol float64, tuneSeeds, scoreSeeds []int) (PhaseRuleResult, error) {
	const where = "figures.ScorePhaseRule"
	if len(scoreSeeds) == 0 {
		return PhaseRuleResult{}, errors.New(where + ": no scoring seeds")
	}
	for _, s := range tuneSeeds {
		if slices.Contains(scoreSeeds, s) {
			return PhaseRuleResult{}, fmt.Errorf("%s: seed %d is both a tuning and a scoring seed: tune on other seeds than you score on", where, s)
		}
	}
	if len(studies) == 0 {
		return PhaseRuleResult{}, errors.New(where + ": no studies")
	}
	res := PhaseRuleResult{Rule: rule, Threshold: Threshold{Value: tol}}
	if len(tuneSeeds) > 0 {
		var cells []PhaseCell
		var stats []float64
		for i, runs := range studies {
			cell, choice, err := PhaseCellByRule(results.RunsOfSeeds(runs, tuneSeeds), rule, tol)
			if err != nil {
				return PhaseRuleResult{}, fmt.Errorf("%s: tuning, study %d: %w", where, i, err)
			}
			cells, stats = append(cells, cell), append(stats, choice.Statistic())
		}
		t, err := TunePhaseThreshold(cells, stats)
		if err != nil {
			return PhaseRuleResult{}, fmt.Errorf("%s: %w", where, err)
		}
		res.Tuned, res.Threshold = true, t
	}
	for i, runs := range studies {
		scored := results.RunsOfSeeds(runs, scoreSeeds)
		cell, choice, err := PhaseCellByRule(scored, rule, res.Threshold.Value)
		if err != nil {
			return PhaseRuleResult{}, fmt.Errorf("%s: scoring, study %d: %w", where, i, err)
		}
		cost, err := results.CostOfChoice(choice, scored)
		if err != nil {
			return PhaseRuleResult{}, fmt.Errorf("%s: study %d: %w", where, i, err)
		}
		res.Cells, res.Cost = append(res.Cells, cell), res.Cost.Add(cost)
	}
	res.Cost.Rule = rule
	var err error
	if res.Scores, err = ScorePhaseRules(res.Cells); err != nil {
		return PhaseRuleResult{}, fmt.Errorf("%s: %w", where, err)
	}
	return res, nil
}
