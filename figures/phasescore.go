package figures

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mmlab-go/mmlab/results"
)

// Names of the trivial rules that ScorePhaseRules scores beside a real rule.
const (
	RuleAlwaysUME = "always-ume"
	RuleAlwaysUMT = "always-umt"
)

// RuleScore is how many phase-grid cells a rule got right (PhaseCell.Judge: the better method,
// or UME in a tie).
type RuleScore struct {
	Rule  string // a rule name: the cells' Rule (e.g. results.ChooseRuleUMEvsJoint), RuleAlwaysUME or RuleAlwaysUMT
	Right int    // cells where the rule's pick was right
	Cells int    // cells scored
}

// Fraction returns Right / Cells (0 when there are no cells).
func (s RuleScore) Fraction() float64 {
	if s.Cells == 0 {
		return 0
	}
	return float64(s.Right) / float64(s.Cells)
}

// String formats the score, e.g. "always-umt 17/25 (68%)".
func (s RuleScore) String() string {
	return fmt.Sprintf("%s %d/%d (%.0f%%)", s.Rule, s.Right, s.Cells, 100*s.Fraction())
}

// ScorePhaseRules scores the rule whose picks the cells hold (their Choice) and, beside it, the
// trivial rules "always UME" and "always UMT", in that order, over the same cells. A cell's right
// answer is PhaseCell.Judge's: when the 95% CI of acc(UMT) − acc(UME) contains 0 the cheaper
// method, UME, else the better one. So a rule that never picks UME scores only the cells where
// UMT is better beyond the CI, and a real rule earns its name only by beating both trivial rules.
//
// The first score is named after the cells' Rule ("rule" when it is empty). It is an error if
// cells is empty, if two cells name different rules, or if a Choice is neither "ume" nor "umt".
func ScorePhaseRules(cells []PhaseCell) ([]RuleScore, error) {
	const where = "figures.ScorePhaseRules"
	if len(cells) == 0 {
		return nil, errors.New(where + ": no cells")
	}
	rule := cells[0].Rule
	for i, c := range cells {
		if c.Rule != rule {
			return nil, fmt.Errorf("%s: cell %d (ρ = %v, π = %v) has rule %q, cell 0 has %q: score one rule at a time",
				where, i, c.Rho, c.Pi, c.Rule, rule)
		}
		if ch := strings.ToLower(c.Choice); ch != results.UMEMethod && ch != results.UMTMethod {
			return nil, fmt.Errorf("%s: cell %d (ρ = %v, π = %v): choice %q, want %q or %q",
				where, i, c.Rho, c.Pi, c.Choice, results.UMEMethod, results.UMTMethod)
		}
	}
	if rule == "" {
		rule = "rule"
	}
	scores := []RuleScore{{Rule: rule}, {Rule: RuleAlwaysUME}, {Rule: RuleAlwaysUMT}}
	for _, c := range cells {
		v := c.Judge()
		for i := range scores {
			scores[i].Cells++
		}
		if v.Correct {
			scores[0].Right++
		}
		switch v.Right {
		case results.UMEMethod:
			scores[1].Right++
		case results.UMTMethod:
			scores[2].Right++
		}
	}
	return scores, nil
}

// scoresText joins scores for a figure's subtitle: "always-ume 8/25 (32%), always-umt 17/25 (68%)".
func scoresText(scores []RuleScore) string {
	parts := make([]string, len(scores))
	for i, s := range scores {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}
