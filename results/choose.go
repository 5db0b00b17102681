package results

// Choosing between the Uni-Modal Ensemble (UME) and the Uni-Modal Teacher (UMT), docs/DESIGN.md §5.
//
// Du et al. (ICML 2023) recommend UME when paired (cross-modal) features matter little for the
// task and UMT otherwise, deciding with the uni-modal models and a jointly trained model. The
// paper's exact wording of the rule is unverified here (only its abstract and introduction are
// available): the rule below is this project's own, documented definition.

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// DefaultChooseTolerance is the default tolerance of Choose, in validation accuracy: 0.005, half
// a percentage point. On the default LazyPair validation split (1000 samples) that is 5 samples,
// and it is about the seed-to-seed spread of paired differences between methods measured in the
// prototype (95% CI half-widths 0.004–0.009 over 5 seeds, docs/DESIGN.md §2.1): a smaller tolerance
// would mostly act on noise. Near-ties go to UME because it is the cheaper choice (no student to
// train, no fusion parameters) and, with no paired signal, UME and UMT tie (docs/DESIGN.md §2.1).
// It is an option: pass another value to Choose.
const DefaultChooseTolerance = 0.005

// ChooseRuleUMEvsJoint is the name of Choose's rule: UME against joint training on validation
// accuracy. Rules are named so that other rules can be added beside it and compared on the phase
// grid (figures.ScorePhaseRules); ChooseRules lists them and ChooseByRule runs one by name.
const ChooseRuleUMEvsJoint = "ume-vs-joint"

// chooseRule is one entry of the rule registry.
type chooseRule struct {
	decide  func(runs []Run, tol float64) (Choice, error)
	methods []string // the methods whose runs the rule reads (what `mmlab choose` trains)
	tol     float64  // the default of the rule's tolerance or threshold
}

// chooseRules maps each rule name to its implementation; every rule decides between UMEMethod
// and UMTMethod from a study's runs and a tolerance (or threshold) in the rule's own unit.
var chooseRules = map[string]chooseRule{
	ChooseRuleUMEvsJoint: {Choose, []string{UniMethod, JointMethod, UMEMethod}, DefaultChooseTolerance},
	ChooseRulePairedInfo: {ChoosePairedInfo, []string{UniMethod}, DefaultPairedInfoThreshold},
}

// ChooseRules returns the names of the choice rules, sorted (ChooseRulePairedInfo,
// ChooseRuleUMEvsJoint).
func ChooseRules() []string { return slices.Sorted(maps.Keys(chooseRules)) }

// ChooseByRule runs the choice rule named rule (one of ChooseRules) on runs with tolerance tol
// (ChooseRuleTolerance gives its default). An unknown rule is an error listing the known ones.
func ChooseByRule(rule string, runs []Run, tol float64) (Choice, error) {
	r, err := lookupRule(rule)
	if err != nil {
		return Choice{}, fmt.Errorf("results.ChooseByRule: %w", err)
	}
	return r.decide(runs, tol)
}

// ChooseRuleMethods returns the methods whose runs rule reads: the study to train before
// deciding (for ChooseRuleUMEvsJoint uni, joint and ume; for ChooseRulePairedInfo only uni).
func ChooseRuleMethods(rule string) ([]string, error) {
	r, err := lookupRule(rule)
	if err != nil {
		return nil, fmt.Errorf("results.ChooseRuleMethods: %w", err)
	}
	return slices.Clone(r.methods), nil
}

// ChooseRuleTolerance returns the default tolerance of rule: DefaultChooseTolerance (validation
// accuracy) for ChooseRuleUMEvsJoint, DefaultPairedInfoThreshold (nats) for ChooseRulePairedInfo.
func ChooseRuleTolerance(rule string) (float64, error) {
	r, err := lookupRule(rule)
	if err != nil {
		return 0, fmt.Errorf("results.ChooseRuleTolerance: %w", err)
	}
	return r.tol, nil
}

func lookupRule(rule string) (chooseRule, error) {
	r, ok := chooseRules[rule]
	if !ok {
		return chooseRule{}, fmt.Errorf("unknown rule %q; rules: %s", rule, strings.Join(ChooseRules(), ", "))
	}
	return r, nil
}

// Choice is Choose's decision with its evidence.
type Choice struct {
	Rule   string // the rule that decided, e.g. ChooseRuleUMEvsJoint
	Method string // UMEMethod ("ume") or UMTMethod ("umt")
	// UMEValAcc and JointValAcc are the validation accuracies of UME and joint training over the
	// seeds (ChooseRuleUMEvsJoint's evidence; zero for other rules).
	UMEValAcc   Estimate
	JointValAcc Estimate
	// Margin is the paired per-seed difference UME − joint in validation accuracy; its Mean is
	// UMEValAcc.Mean − JointValAcc.Mean.
	Margin    Estimate
	Tolerance float64 // the tolerance (or threshold) the rule was given
	Seeds     []int   // the seeds compared, ascending
	// Decisive is true when the whole 95% interval of Margin lies on the chosen side of −Tolerance,
	// i.e. more seeds would very likely not change the choice. With one seed it is never true.
	Decisive bool
	Reason   string // one readable sentence with the numbers

	// PairedLLGain and PairedAccGain are ChooseRulePairedInfo's evidence, per seed (zero for
	// other rules): the held-out log-likelihood (nats per sample, cross-fitted on the training
	// and validation splits) and accuracy of the joint linear discriminant minus those of the
	// product of per-modality ones (PairedInformation).
	PairedLLGain, PairedAccGain Estimate
	// RuleSeconds is the wall time of the rule's own computation beyond reading runs (0 for
	// ChooseRuleUMEvsJoint); CostOfChoice adds it to the training time of the runs it needs.
	RuleSeconds float64
}

// Choose decides between UME and UMT from the "ume" and "joint" runs in runs (docs/DESIGN.md §5, the
// project's rule, named ChooseRuleUMEvsJoint; the paper's exact wording is unverified): with mean validation accuracies over
// the same seeds,
//
//	acc(UME) ≥ acc(joint) − tol  →  "ume": the paired features that joint training can use add
//	                                little, so the ensemble of uni-modal models is enough;
//	otherwise                    →  "umt": paired features matter, so train a late-fusion student
//	                                distilled from the uni-modal teachers.
//
// tol ≥ 0 is in accuracy units (DefaultChooseTolerance = 0.005 is the usual value). The decision
// uses validation accuracy only, never test. Choose returns an error if there are no ume or no
// joint runs, if their seeds differ (naming the missing seeds), if a seed has two runs of one
// method, or if tol is negative or not finite.
func Choose(runs []Run, tol float64) (Choice, error) {
	if math.IsNaN(tol) || math.IsInf(tol, 0) || tol < 0 {
		return Choice{}, fmt.Errorf("results.Choose: tolerance %v: want a finite value ≥ 0 (default %v)", tol, DefaultChooseTolerance)
	}
	ume, err := runsBySeed(runs, UMEMethod, nil)
	if err != nil {
		return Choice{}, fmt.Errorf("results.Choose: %w", err)
	}
	joint, err := runsBySeed(runs, JointMethod, nil)
	if err != nil {
		return Choice{}, fmt.Errorf("results.Choose: %w", err)
	}
	seeds := sortedKeys(ume)
	if err := sameSeeds(UMEMethod, seeds, JointMethod, sortedKeys(joint)); err != nil {
		return Choice{}, fmt.Errorf("results.Choose: %w", err)
	}
	umeAcc := make([]float64, len(seeds))
	jointAcc := make([]float64, len(seeds))
	for i, s := range seeds {
		umeAcc[i], jointAcc[i] = ume[s].ValAcc, joint[s].ValAcc
	}
	c := Choice{
		Rule:        ChooseRuleUMEvsJoint,
		UMEValAcc:   Summarize(umeAcc),
		JointValAcc: Summarize(jointAcc),
		Margin:      PairedDifference(umeAcc, jointAcc),
		Tolerance:   tol,
		Seeds:       seeds,
	}
	lo, hi := c.Margin.Mean-c.Margin.CI95, c.Margin.Mean+c.Margin.CI95
	seedsText := fmt.Sprintf("%d seeds", len(seeds))
	if len(seeds) == 1 {
		seedsText = "1 seed, no interval"
	}
	if c.UMEValAcc.Mean >= c.JointValAcc.Mean-tol {
		c.Method = UMEMethod
		c.Decisive = c.Margin.N > 1 && lo >= -tol
		relation := fmt.Sprintf("is within the tolerance %.4f of", tol)
		if c.UMEValAcc.Mean >= c.JointValAcc.Mean {
			relation = "is at least"
		}
		c.Reason = fmt.Sprintf("Choose UME: its validation accuracy %.4f %s joint training's %.4f "+
			"(UME − joint = %+.4f ± %.4f, 95%% CI over %s; tolerance %.4f), so paired features add little.",
			c.UMEValAcc.Mean, relation, c.JointValAcc.Mean, c.Margin.Mean, c.Margin.CI95, seedsText, tol)
	} else {
		c.Method = UMTMethod
		c.Decisive = c.Margin.N > 1 && hi < -tol
		c.Reason = fmt.Sprintf("Choose UMT: joint training's validation accuracy %.4f beats UME's %.4f by more than the tolerance %.4f "+
			"(UME − joint = %+.4f ± %.4f, 95%% CI over %s), so paired features matter.",
			c.JointValAcc.Mean, c.UMEValAcc.Mean, tol, c.Margin.Mean, c.Margin.CI95, seedsText)
	}
	return c, nil
}
