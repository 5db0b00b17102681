package figures

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// PhaseRow summarises the cells of a phase grid that share one paired rate π.
type PhaseRow struct {
	Pi    float64
	Cells int
	// Mean, Min and Max are over the row's cells of the mean acc(UMT) − acc(UME).
	Mean, Min, Max float64
	// UMTBetter, Ties and UMEBetter count the row's cells by PhaseCell.Judge.
	UMTBetter, Ties, UMEBetter int
	PicksUMT                   int // cells where the rule picked UMT
}

// PhaseSummary is what a caption says about a scored phase grid (SummarizePhase).
type PhaseSummary struct {
	Rows   []PhaseRow  // one per π, ascending
	Scores []RuleScore // ScorePhaseRules: the cells' rule, always UME, always UMT
	Cells  int
	// Min and Max bound the mean UMT − UME over every cell; UMTBetter and UMEBetter count the
	// cells where one method is better beyond the 95% interval, Ties those where it contains 0
	// (the right pick is then UME).
	Min, Max             float64
	UMTBetter, UMEBetter int
	Ties                 int
	// PicksUMT counts the cells where the rule picked UMT; TiesToUME the ties it gave UME.
	PicksUMT, TiesToUME int
	// MissedUMT counts the misses that picked UME where UMT was better, MissedUME those that
	// picked UMT where UME was right (better, or a tie).
	MissedUMT, MissedUME int
	// MissMin and MissMax bound |UMT − UME| (the mean) over the misses; 0 without misses.
	MissMin, MissMax float64
}

// SummarizePhase counts and ranges what a caption of a phase diagram reports: per paired rate,
// the spread of UMT − UME and how its cells judge (PhaseCell.Judge); over the grid, the rule's
// picks, its misses and how far off they were, and the scores beside the trivial rules. It is an
// error if cells is empty or ScorePhaseRules refuses them.
func SummarizePhase(cells []PhaseCell) (PhaseSummary, error) {
	scores, err := ScorePhaseRules(cells)
	if err != nil {
		return PhaseSummary{}, fmt.Errorf("figures.SummarizePhase: %w", err)
	}
	s := PhaseSummary{Scores: scores, Cells: len(cells), MissMin: math.Inf(1), Min: math.Inf(1), Max: math.Inf(-1)}
	rows := map[float64]*PhaseRow{}
	for _, c := range cells {
		r := rows[c.Pi]
		if r == nil {
			r = &PhaseRow{Pi: c.Pi, Min: math.Inf(1), Max: math.Inf(-1)}
			rows[c.Pi] = r
		}
		d, v := c.UMTMinusUME.Mean, c.Judge()
		r.Cells++
		r.Mean += d
		r.Min, r.Max = min(r.Min, d), max(r.Max, d)
		s.Min, s.Max = min(s.Min, d), max(s.Max, d)
		umt := strings.ToLower(c.Choice) == "umt"
		switch {
		case v.Tie:
			r.Ties++
			s.Ties++
			if !umt {
				s.TiesToUME++
			}
		case v.Better == "umt":
			r.UMTBetter++
			s.UMTBetter++
		default:
			r.UMEBetter++
			s.UMEBetter++
		}
		if umt {
			r.PicksUMT++
			s.PicksUMT++
		}
		if !v.Correct {
			if umt {
				s.MissedUME++
			} else {
				s.MissedUMT++
			}
			s.MissMin, s.MissMax = min(s.MissMin, math.Abs(d)), max(s.MissMax, math.Abs(d))
		}
	}
	if s.MissedUMT+s.MissedUME == 0 {
		s.MissMin = 0
	}
	for _, r := range rows {
		r.Mean /= float64(r.Cells)
		s.Rows = append(s.Rows, *r)
	}
	slices.SortFunc(s.Rows, func(a, b PhaseRow) int { return cmpFloat(a.Pi, b.Pi) })
	return s, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Standing says how the rule's score stands beside the trivial rules, e.g. "the rule beats
// both trivial rules" or "always-umt beats the rule": a caption prints it so that the prose
// about the rule is right at any size.
func (s PhaseSummary) Standing() string {
	rule, ume, umt := s.Scores[0], s.Scores[1], s.Scores[2]
	var better, tied []string
	for _, t := range []RuleScore{ume, umt} {
		switch {
		case t.Right > rule.Right:
			better = append(better, t.Rule)
		case t.Right == rule.Right:
			tied = append(tied, t.Rule)
		}
	}
	switch {
	case len(better) == 2:
		return strings.Join(better, " and ") + " beat " + rule.Rule
	case len(better) == 1:
		return better[0] + " beats " + rule.Rule
	case len(tied) > 0:
		return rule.Rule + " ties " + strings.Join(tied, " and ")
	}
	return rule.Rule + " beats both trivial rules"
}
