package results

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/mmlab-go/mmlab/datasets"
)

// ChooseRulePairedInfo is the name of ChoosePairedInfo's rule: a paired-information test on the
// data, with no model trained beyond the uni-modal runs that UME and UMT are both built from.
const ChooseRulePairedInfo = "paired-info"

// DefaultPairedInfoThreshold is ChoosePairedInfo's default threshold on the mean cross-fitted
// log-likelihood gain (nats per sample) of the joint linear discriminant over the product of
// per-modality ones. It was tuned (figures.ScorePhaseRule, TunePhaseThreshold) on seeds 5–9 of
// notebook 03's phase grid — 25 LazyPair cells, pair=add, UMT free_dims=32 — against each cell's
// right pick on those seeds (UMT − UME on test, a tie to UME), never on the seeds 0–4 the rule
// is scored on: every threshold in [0.0483, 0.0559) gets 23 of the 25 tuning cells right (as do
// two lower intervals; the tuner takes the highest), and this is the midpoint 0.0521, rounded.
// Cell means on seeds 0–4: −0.016 to −0.002 at π = 0, +0.019 to +0.046 at π = 0.2, +0.055 to
// +0.086 at π = 0.3, above +0.094 from π = 0.4 on; so on that grid the rule says UMT from
// π = 0.3 on. On the scoring seeds it is right in 23 of 25 cells (92%; always UMT 17, always UME
// 8); its two misses are π = 0.2 cells where UMT led by +0.002 and +0.003, beyond CIs of
// ±0.001 and ±0.002 (notebook 03, section 5). Tuned on seeds 0–4 instead, the threshold is 0.0502 and the score on
// seeds 5–9 is 23/25 too. The tuner's tie-break (the highest interval) was chosen after seeds
// 0–4 were seen (the old one, the widest interval, gives 21/25 there), so the rule was scored
// once more, this threshold unchanged, on fresh seeds 10–14 of the same grid (session 6, never
// looked at before): right in 21 of 25 cells (84%; always UMT 18, always UME 7, ume-vs-joint 14),
// cost 50.0% of the full study's training time (uni runs 47.3% + its fits 2.7%). Misses: π = 0.2
// at ρ = 0.5 and 0.6 (UMT +0.0021 ± 0.0011, +0.0011 ± 0.0007), π = 0.3 at ρ = 0.5 (gain 0.0509,
// just under the threshold; UMT +0.0060 ± 0.0031) and π = 0 at ρ = 0.5 (UMT +0.0011 ± 0.0009).
// So on seeds not used to tune it the rule is below the 90%, though still the best rule.
// Notebook 03 now trains seeds 10–14 too and scores the rule tuned on each of the three sets
// on each other (figures.CrossScorePhaseRule; the tuned threshold there is the unrounded 0.0521,
// which gets 20 on seeds 10–14): 20–23 of 25 over the six pairs, 22.2 on the mean, while the
// right picks on one seed set agree with another set's in only 21–22 of 25 cells
// (figures.TruthAgreement). The cells whose truth moves between seed sets (π = 0.2, and π = 0 at
// ρ = 0.5) are the rule's misses: at 5 seeds a cell, about 90% is what the grid can tell.
const DefaultPairedInfoThreshold = 0.052

// ChoosePairedInfo decides between UME and UMT by a paired-information test: for every seed of
// the uni-modal runs in runs, it regenerates that seed's dataset (the runs' dataset spec with the
// seed offset, as RunStudy does) and computes PairedInformation on it, cross-fitted on the
// pooled training and validation splits (PairedInfoOptions.CrossFit); with the mean gain G over
// the seeds of the held-out log-likelihood of the joint model over the product model,
//
//	G > threshold  →  "umt": the modalities carry paired information that no product of
//	                  per-modality classifiers (which is what UME is) can use;
//	otherwise      →  "ume".
//
// threshold is in nats per held-out sample (DefaultPairedInfoThreshold is the tuned value).
// The rule reads the data's training and validation splits only, never test, and trains no
// network: the uni runs only say which dataset and seeds (their TrainSeconds are the part of its
// cost that UME and UMT share). Choice.PairedLLGain and PairedAccGain hold the evidence and
// RuleSeconds its wall time. It is an error if runs has no uni runs of modality 0, if they name
// two datasets, if the dataset cannot be generated or if threshold is not finite.
func ChoosePairedInfo(runs []Run, threshold float64) (Choice, error) {
	const where = "results.ChoosePairedInfo"
	start := time.Now()
	if math.IsNaN(threshold) || math.IsInf(threshold, 0) {
		return Choice{}, fmt.Errorf("%s: threshold %v: want a finite value (default %v)", where, threshold, DefaultPairedInfoThreshold)
	}
	m0 := 0
	uni, err := runsBySeed(runs, UniMethod, &m0)
	if err != nil {
		return Choice{}, fmt.Errorf("%s: %w", where, err)
	}
	seeds := sortedKeys(uni)
	spec := uni[seeds[0]].Dataset
	for _, s := range seeds {
		if uni[s].Dataset != spec {
			return Choice{}, fmt.Errorf("%s: uni runs of two datasets (%q, %q): pass the runs of one study", where, spec, uni[s].Dataset)
		}
	}
	parsed, err := datasets.ParseSpec(spec)
	if err != nil {
		return Choice{}, fmt.Errorf("%s: %w", where, err)
	}
	// The statistic depends on the data only: seeds that see the same dataset (a user's npy
	// files, whose spec has no seed) are measured once and count once in the interval.
	var ll, acc []float64
	seen := map[string]bool{}
	for _, s := range seeds {
		seedSpec := parsed.WithSeedOffset(s)
		if seen[seedSpec.String()] {
			continue
		}
		seen[seedSpec.String()] = true
		data, err := seedSpec.Generate()
		if err != nil {
			return Choice{}, fmt.Errorf("%s: dataset of seed %d: %w", where, s, err)
		}
		p, err := PairedInformation(data, PairedInfoOptions{CrossFit: true})
		if err != nil {
			return Choice{}, fmt.Errorf("%s: seed %d: %w", where, s, err)
		}
		ll, acc = append(ll, p.Gain()), append(acc, p.JointAcc-p.ProductAcc)
	}
	c := Choice{
		Rule:          ChooseRulePairedInfo,
		Method:        UMEMethod,
		PairedLLGain:  Summarize(ll),
		PairedAccGain: Summarize(acc),
		Tolerance:     threshold,
		Seeds:         seeds,
	}
	g := c.PairedLLGain
	verdict := "at most"
	if g.Mean > threshold {
		c.Method, verdict = UMTMethod, "above"
		c.Decisive = g.N > 1 && g.Mean-g.CI95 > threshold
	} else {
		c.Decisive = g.N > 1 && g.Mean+g.CI95 <= threshold
	}
	c.Reason = fmt.Sprintf("Choose %s: seeing the modalities together adds %+.4f ± %.4f nats per held-out sample "+
		"to the product of per-modality linear classifiers (accuracy %+.4f ± %.4f; 95%% CI over %d datasets), %s the threshold %.4f.",
		strings.ToUpper(c.Method), g.Mean, g.CI95, c.PairedAccGain.Mean, c.PairedAccGain.CI95, len(ll), verdict, threshold)
	c.RuleSeconds = time.Since(start).Seconds()
	return c, nil
}

// ChooseCost is what a choice rule cost on one study, against training the whole study.
type ChooseCost struct {
	Rule string
	// RuleSeconds is the wall time of the rule's own computation (Choice.RuleSeconds; 0 for a rule
	// that only compares stored runs).
	RuleSeconds float64
	// NeededSeconds is the training time of the runs the rule needs (ChooseRuleMethods).
	NeededSeconds float64
	// StudySeconds is the training time of every run given: the full study the rule saves
	// (uni-modal models, joint training, UME and UMT).
	StudySeconds float64
}

// Fraction returns (RuleSeconds + NeededSeconds) / StudySeconds: the share of the full study's
// training time spent before the choice is made (0 when StudySeconds is 0).
func (c ChooseCost) Fraction() float64 {
	if c.StudySeconds <= 0 {
		return 0
	}
	return (c.RuleSeconds + c.NeededSeconds) / c.StudySeconds
}

// ExtraFraction returns RuleSeconds / StudySeconds: the rule's own share, beyond the runs it needs.
func (c ChooseCost) ExtraFraction() float64 {
	if c.StudySeconds <= 0 {
		return 0
	}
	return c.RuleSeconds / c.StudySeconds
}

// CostOfChoice returns the cost of choice on the study whose runs are runs (which should hold
// every method the choice saves, e.g. uni, joint, ume and umt): the training seconds
// (Run.TrainSeconds, as recorded when each run was trained) of the runs of the methods the rule
// needs, of all runs, and the rule's own wall time. It is an error if the rule is unknown or
// runs is empty.
func CostOfChoice(choice Choice, runs []Run) (ChooseCost, error) {
	needs, err := ChooseRuleMethods(choice.Rule)
	if err != nil {
		return ChooseCost{}, fmt.Errorf("results.CostOfChoice: %w", err)
	}
	if len(runs) == 0 {
		return ChooseCost{}, errors.New("results.CostOfChoice: no runs")
	}
	c := ChooseCost{Rule: choice.Rule, RuleSeconds: choice.RuleSeconds}
	for _, r := range runs {
		c.StudySeconds += r.TrainSeconds
		for _, m := range needs {
			if r.Method == m {
				c.NeededSeconds += r.TrainSeconds
			}
		}
	}
	return c, nil
}

// Statistic returns the number c's rule compared with c.Tolerance: the rule chose UMT exactly
// when Statistic() > Tolerance. For ChooseRuleUMEvsJoint it is acc(joint) − acc(UME) on
// validation; for ChooseRulePairedInfo the mean PairedLLGain. TunePhaseThreshold (package
// figures) tunes a rule's tolerance on it.
func (c Choice) Statistic() float64 {
	if c.Rule == ChooseRulePairedInfo {
		return c.PairedLLGain.Mean
	}
	return c.JointValAcc.Mean - c.UMEValAcc.Mean
}

// RunsOfSeeds returns the runs whose Seed is in seeds, in their order: e.g. the tuning seeds of
// a study apart from the seeds a rule is scored on.
func RunsOfSeeds(runs []Run, seeds []int) []Run {
	var out []Run
	for _, r := range runs {
		if slices.Contains(seeds, r.Seed) {
			out = append(out, r)
		}
	}
	return out
}

// Add returns the sum of c and d (the cost of two studies together); the rule is c's.
func (c ChooseCost) Add(d ChooseCost) ChooseCost {
	c.RuleSeconds += d.RuleSeconds
	c.NeededSeconds += d.NeededSeconds
	c.StudySeconds += d.StudySeconds
	return c
}
