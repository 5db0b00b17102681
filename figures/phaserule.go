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

// TruthAgreement returns how many cells have the same right pick (PhaseCell.Judge: the better
// method, or UME in a tie) in a and in b, the same grid judged on two disjoint seed sets. It is
// the score of a rule that knew the test results of a's seeds exactly, scored on b's: with few
// seeds a cell's truth is itself noisy, and no rule that reads other seeds' data can be expected
// to beat this on b except by chance. It is an error if a and b differ in length or in any
// cell's (ρ, π).
func TruthAgreement(a, b []PhaseCell) (int, error) {
	const where = "figures.TruthAgreement"
	if len(a) != len(b) {
		return 0, fmt.Errorf("%s: %d and %d cells: want the same grid twice", where, len(a), len(b))
	}
	n := 0
	for i := range a {
		if a[i].Rho != b[i].Rho || a[i].Pi != b[i].Pi {
			return 0, fmt.Errorf("%s: cell %d is (ρ, π) = (%v, %v) in one and (%v, %v) in the other: want the same grid in the same order",
				where, i, a[i].Rho, a[i].Pi, b[i].Rho, b[i].Pi)
		}
		if a[i].Judge().Right == b[i].Judge().Right {
			n++
		}
	}
	return n, nil
}

// CrossScore is one ordered pair of seed sets in CrossScorePhaseRule: the rule tuned on Tune's
// seeds and scored on Score's.
type CrossScore struct {
	Tune, Score []int
	// Result is what ScorePhaseRule(studies, rule, 0, Tune, Score) returns.
	Result PhaseRuleResult
	// TruthAgreement is TruthAgreement of the cells judged on Tune's seeds and on Score's: the
	// score on Score of a rule that knew Tune's test results.
	TruthAgreement int
}

// CrossScorePhaseRule scores the rule named rule on a phase grid for every ordered pair of the
// disjoint seed sets in sets: tuned on one set (TunePhaseThreshold), scored on another, each
// pair's result the same as ScorePhaseRule's, beside how often the two sets' truths agree
// (CrossScore.TruthAgreement). Each set's statistics are computed once, so k sets cost k
// evaluations of the rule per cell, not 2k(k−1). studies[i] holds cell i's runs on every seed
// of every set. It is an error if there are fewer than two sets, a set is empty or two share a
// seed, or a cell fails (PhaseCellByRule's errors, naming the cell).
func CrossScorePhaseRule(studies [][]results.Run, rule string, sets [][]int) ([]CrossScore, error) {
	const where = "figures.CrossScorePhaseRule"
	if len(sets) < 2 {
		return nil, fmt.Errorf("%s: %d seed sets: want at least 2 (tune on one, score on another)", where, len(sets))
	}
	if len(studies) == 0 {
		return nil, errors.New(where + ": no studies")
	}
	owner := map[int]int{}
	for k, set := range sets {
		if len(set) == 0 {
			return nil, fmt.Errorf("%s: seed set %d is empty", where, k)
		}
		for _, s := range set {
			if j, ok := owner[s]; ok && j != k {
				return nil, fmt.Errorf("%s: seed %d is in sets %d and %d: the sets must be disjoint", where, s, j, k)
			}
			owner[s] = k
		}
	}
	type judged struct {
		cells []PhaseCell
		stats []float64
		cost  results.ChooseCost
	}
	per := make([]judged, len(sets))
	for k, set := range sets {
		for i, runs := range studies {
			scored := results.RunsOfSeeds(runs, set)
			cell, choice, err := PhaseCellByRule(scored, rule, 0)
			if err != nil {
				return nil, fmt.Errorf("%s: seeds %v, study %d: %w", where, set, i, err)
			}
			cost, err := results.CostOfChoice(choice, scored)
			if err != nil {
				return nil, fmt.Errorf("%s: seeds %v, study %d: %w", where, set, i, err)
			}
			per[k].cells, per[k].stats, per[k].cost = append(per[k].cells, cell), append(per[k].stats, choice.Statistic()), per[k].cost.Add(cost)
		}
		per[k].cost.Rule = rule
	}
	var out []CrossScore
	for a := range sets {
		th, err := TunePhaseThreshold(per[a].cells, per[a].stats)
		if err != nil {
			return nil, fmt.Errorf("%s: tuning on seeds %v: %w", where, sets[a], err)
		}
		for b := range sets {
			if a == b {
				continue
			}
			cells := slices.Clone(per[b].cells)
			for i := range cells { // the pick with the tuned threshold: UMT exactly when Statistic() > it
				cells[i].Choice = results.UMEMethod
				if per[b].stats[i] > th.Value {
					cells[i].Choice = results.UMTMethod
				}
			}
			scores, err := ScorePhaseRules(cells)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			agree, err := TruthAgreement(per[a].cells, per[b].cells)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			out = append(out, CrossScore{Tune: sets[a], Score: sets[b], TruthAgreement: agree,
				Result: PhaseRuleResult{Rule: rule, Tuned: true, Threshold: th, Cells: cells, Scores: scores, Cost: per[b].cost}})
		}
	}
	return out, nil
}

// CountRange is the smallest, largest and mean of a count over CrossScorePhaseRule's pairs.
type CountRange struct {
	Min, Max int
	Mean     float64
}

// CrossSummary sums up CrossScorePhaseRule's pairs of seed sets.
type CrossSummary struct {
	Pairs, Cells int // ordered pairs (tune on one set, score on another) and cells per pair
	// Right counts the rule's right cells; Agreement the cells where the tuning set's truth is
	// the scoring set's (CrossScore.TruthAgreement); AlwaysUME and AlwaysUMT the trivial rules'
	// right cells on the scoring set.
	Right, Agreement, AlwaysUME, AlwaysUMT CountRange
}

// SummarizeCross returns the range and mean over the pairs of each count in scores. It is an
// error if scores is empty or its pairs score different numbers of cells.
func SummarizeCross(scores []CrossScore) (CrossSummary, error) {
	const where = "figures.SummarizeCross"
	if len(scores) == 0 {
		return CrossSummary{}, errors.New(where + ": no pairs")
	}
	s := CrossSummary{Pairs: len(scores), Cells: len(scores[0].Result.Cells)}
	counts := make([][]int, 4)
	for _, c := range scores {
		if len(c.Result.Cells) != s.Cells || len(c.Result.Scores) < 3 {
			return CrossSummary{}, fmt.Errorf("%s: pair tuned on %v, scored on %v has %d cells and %d scores: want %d cells and 3 scores (ScorePhaseRules)",
				where, c.Tune, c.Score, len(c.Result.Cells), len(c.Result.Scores), s.Cells)
		}
		for k, v := range []int{c.Result.Scores[0].Right, c.TruthAgreement, c.Result.Scores[1].Right, c.Result.Scores[2].Right} {
			counts[k] = append(counts[k], v)
		}
	}
	ranges := make([]CountRange, 4)
	for k, vs := range counts {
		sum := 0
		for _, v := range vs {
			sum += v
		}
		ranges[k] = CountRange{Min: slices.Min(vs), Max: slices.Max(vs), Mean: float64(sum) / float64(len(vs))}
	}
	s.Right, s.Agreement, s.AlwaysUME, s.AlwaysUMT = ranges[0], ranges[1], ranges[2], ranges[3]
	return s, nil
}
