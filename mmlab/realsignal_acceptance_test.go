package mmlab

import (
	"os"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// Acceptance on the procedural real-signal datasets (datasets.AVSynthSpec, datasets.TwoViewSpec;
// docs/DESIGN.md §2.2) with CNN encoders (model.encoder=auto picks them for image-shaped modalities):
// the same claims as on LazyPair, 5 seeds, paired comparisons with 95% t-intervals.
//
// Every study trains 40 epochs instead of the vector default of 150: a CNN training step costs
// about 50 times an MLP step on the pure-Go backend. 40 epochs do not fit twoview's training
// split (its uni-modal teachers' validation accuracy still gains 0.62 → 0.65 → 0.68 after epochs
// 20, 30, 40), while UMT's student, started from them (umt.init=auto), is flat after 30. Measured on this project's 2-core machine
// (AMD EPYC, AVX2; GoMLX v0.28.16, pure-Go backend), seeds 0–4, with `mmlab run`:
//
//	twoview (k=6, rho=0.8, chance 0.167): uni front 0.671, rear 0.689, UME 0.757, joint 0.739,
//	    UMT 0.761 (umt.init=auto: from its teachers; rerun of 2 December, uni 0.668/0.690)
//	    UME − joint +0.018 ± 0.035 (per seed +0.038 −0.007 +0.022 −0.013 +0.052);
//	    UME − better view +0.069 ± 0.007; both_hard UME 0.556, joint 0.511
//	    laziness gap of joint −0.002 ± 0.039 / +0.037 ± 0.059
//	    11 min for uni, UME, joint and UMT (25 runs) while another job shared the cores, 3.2 GB
//	    peak RSS
//	avsynth:pi=0.6 (umt.free_dims=32, umt.free_mode=branch, umt.lambda=1; chance 0.25): UME 0.885,
//	    joint 0.951, UMT 0.958, joint_wide 0.956 (rerun of 2 December, session 7);
//	    UMT − UME +0.073 ± 0.007, UMT − joint +0.007 ± 0.007, UMT − joint_wide +0.002 ± 0.007;
//	    laziness gap of joint +0.024 ± 0.019 / +0.018 ± 0.007, of UMT +0.006 ± 0.005 / +0.001 ± 0.003;
//	    30 runs (with joint_wide) in 8 min 48 s, 10 of them trained; a branch student's run
//	    takes 48 s against joint's 18.5 s (twice the encoders)
//
// (At rho=1, every view clear, twoview gave UME − joint −0.004 ± 0.065: with nothing for joint
// training to neglect, the two tie; dim views are what make it lazy.)
//
// Together ≈ 15 minutes, ≈ 26 with TestAcceptanceUMTWithCNNs' avsynth study and twoview's UMT
// runs, so the tests run only with MMLAB_LONG_TESTS=1 (make test sets it):
//
//	MMLAB_LONG_TESTS=1 go test -run 'TwoView|AVSynth|UMTWithCNNs' -v ./mmlab/

// realSignalOptions are the training options of every real-signal study (see above).
var realSignalOptions = map[string]string{"train.epochs": "40"}

// avPairedDataset is the audio-visual set with a high paired share: the paired cue (lamps − pips)
// on 60% of the samples, on 35% of those (datasets default pair_only) with no uni-modal cue.
const avPairedDataset = "avsynth:pi=0.6"

// avPairedOptions give UMT 32 undistilled dimensions from a second, undistilled encoder per
// modality (umt.free_mode=branch: room for the paired cue the teachers lack) and λ = 1, chosen on
// validation seeds 5–9, which no reported number uses (see TestAcceptanceUMTWithCNNs).
var avPairedOptions = map[string]string{"train.epochs": "40", "umt.free_dims": "32", "umt.free_mode": "branch", "umt.lambda": "1"}

var (
	twoViewStudy  = acceptanceStudy("twoview", []string{results.UMEMethod, results.JointMethod, results.UMTMethod}, realSignalOptions)
	avStudy       = acceptanceStudy("avsynth", []string{results.UMEMethod, results.JointMethod, results.UMTMethod}, realSignalOptions)
	avPairedStudy = acceptanceStudy(avPairedDataset, []string{results.UMEMethod, results.JointMethod, results.UMTMethod}, avPairedOptions)
)

// skipUnlessLong skips a real-signal acceptance test unless MMLAB_LONG_TESTS=1.
func skipUnlessLong(t *testing.T) {
	t.Helper()
	if testing.Short() || os.Getenv("MMLAB_LONG_TESTS") != "1" {
		t.Skip("5-seed CNN study (7–9 min): set MMLAB_LONG_TESTS=1 to run it")
	}
}

// logLazinessGap reports a method's probe gap per modality (the issue asks for it on both sets).
func logLazinessGap(t *testing.T, res *StudyResult, method string) []results.Estimate {
	t.Helper()
	gap, err := results.LazinessGap(res.Runs, method)
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
	runs := res.RunsOf(results.UniMethod, m)
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
	joint, ume := seedValues(t, res, results.JointMethod, testAcc), seedValues(t, res, results.UMEMethod, testAcc)
	better := make([]float64, len(front))
	for s := range front {
		better[s] = max(front[s], rear[s])
	}
	t.Logf("test: front %s, rear %s, ume %s, joint %s", results.Summarize(front), results.Summarize(rear), results.Summarize(ume), results.Summarize(joint))
	umeJoint, umeBetter := results.PairedDifference(ume, joint), results.PairedDifference(ume, better)
	t.Logf("test: ume − joint %s, ume − better view %s", umeJoint, umeBetter)
	logLazinessGap(t, res, results.JointMethod)
	// Each view alone is informative: far above chance (1/6; measured 0.73 and 0.74).
	for name, acc := range map[string][]float64{"front": front, "rear": rear} {
		if e := results.Summarize(acc); e.Mean < 0.5 {
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
	joint, ume, umt := seedValues(t, res, results.JointMethod, testAcc), seedValues(t, res, results.UMEMethod, testAcc), seedValues(t, res, results.UMTMethod, testAcc)
	pairOnly := func(method string) results.Estimate {
		return results.Summarize(seedValues(t, res, method, subsetAcc("pair_only")))
	}
	umtUme, jointUme := results.PairedDifference(umt, ume), results.PairedDifference(joint, ume)
	t.Logf("test: ume %s, joint %s, umt %s", results.Summarize(ume), results.Summarize(joint), results.Summarize(umt))
	t.Logf("test: umt − ume %s, joint − ume %s, umt − joint %s", umtUme, jointUme, results.PairedDifference(umt, joint))
	t.Logf("pair_only: ume %s, joint %s, umt %s", pairOnly(results.UMEMethod), pairOnly(results.JointMethod), pairOnly(results.UMTMethod))
	jointGap := logLazinessGap(t, res, results.JointMethod)
	logLazinessGap(t, res, results.UMTMethod)
	// UMT > UME (measured +0.017 ± 0.007 with umt.init=auto, +0.018 ± 0.013 from scratch) and
	// joint > UME (+0.067 ± 0.011).
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

// umtTeacherMargin is how far below its better teacher UMT's test accuracy may fall, on the lower
// bound of the paired 95% interval, when its mean is below the teacher's: 0.01, under a fifth of
// the smallest measured lead of UMT over its better teacher (+0.058 on avsynth:pi=0.6), while
// the scratch student this default replaced was 0.037 below its teacher on twoview (0.653
// against 0.690), so a student that stops inheriting its teachers fails.
const umtTeacherMargin = 0.01

// umtResolution is how far below 0 the upper bound of UMT − (the better of UME and joint) may
// be: 0.001, two test samples of 2000. On avsynth every method is at the ceiling (UME 0.9996)
// and the paired interval of a few one-sample differences can shrink to 0, so "within the CI"
// needs the test set's resolution as a floor.
const umtResolution = 0.001

// TestAcceptanceUMTWithCNNs: with CNN encoders and UMT's default options (umt.init=auto, so the
// student starts from its teachers), UMT's test accuracy is not below its better teacher (per
// seed the better of the two uni-modal runs) and is within the 95% interval of the better of UME
// and joint training (by mean test accuracy), or above it. It reuses the studies of
// TestAcceptanceTwoView and TestAcceptanceAVSynthPaired; its own runs are twoview's five UMT
// students and the avsynth study.
//
// Measured (seeds 0–4, test accuracy, paired mean ± 95% CI):
//
//	twoview:        umt 0.761, better teacher 0.690, ume 0.757, joint 0.740;
//	                umt − better teacher +0.071 ± 0.011, umt − ume +0.004 ± 0.012
//	avsynth:        umt 0.9993, better teacher 0.9988, ume 0.9996, joint 0.996;
//	                umt − better teacher +0.0005 ± 0.0010 (per seed −1 to +3 samples),
//	                umt − ume −0.0003 ± 0.0006 (per seed −1, 0, 0, −2, 0 samples of 2000)
//	avsynth:pi=0.6: umt 0.958, better teacher 0.844, ume 0.885, joint 0.951 (free_mode=branch);
//	                umt − better teacher +0.114, umt − joint +0.007 ± 0.007
//	(the scratch student this default replaced: twoview 0.653, avsynth 0.989, pi=0.6 0.902)
//
// avsynth:pi=0.6's options were chosen on validation accuracy of seeds 5–9 (datasets 6–10; 40
// epochs, free_dims 32). With free dimensions from the encoder's own last layer (shared, the
// setting before session 7) the student read the paired cue only in part: on seeds 5–7 UMT −
// joint was −0.046 ± 0.016 at λ = 1 and −0.025 ± 0.014 at λ = 0.1, and on the test seeds 0–4 UMT
// was 0.902 against joint's 0.951 (−0.049 ± 0.009, pair_only 0.525 against 0.782), the pull
// towards teachers that lack the cue holding its encoders back. With a second, undistilled
// encoder per modality (umt.free_mode=branch, λ = 1) on seeds 5–9: UMT 0.952, joint 0.950,
// joint_wide 0.952, UME 0.883; UMT − joint +0.001 ± 0.015, UMT − joint_wide +0.000 ± 0.008. So
// branch is this regime's setting; it has about twice the encoder parameters (164 k), and
// against the width-matched control UMT ties (test, seeds 0–4: UMT − joint_wide
// +0.002 ± 0.007, joint_wide − joint +0.005 ± 0.009): here UMT matches the best late-fusion
// model of its width while keeping the uni-modal features (laziness gap +0.006 / +0.001 against
// joint's +0.024 / +0.018). twoview and avsynth use no free dimensions, so free_mode does not
// apply to them.
//
// Time: on an otherwise idle 2-core machine twoview's 25 runs take ≈ 11 min, avsynth:pi=0.6's
// 25 (with branch UMT) ≈ 9 min.
func TestAcceptanceUMTWithCNNs(t *testing.T) {
	skipUnlessLong(t)
	for _, c := range []struct {
		name  string
		study func() (*StudyResult, error)
	}{
		{"twoview", twoViewStudy},
		{"avsynth", avStudy},
		{avPairedDataset, avPairedStudy},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := sharedStudy(t, c.name+" study", c.study)
			umt := seedValues(t, res, results.UMTMethod, testAcc)
			m0, m1 := uniTestAcc(t, res, 0), uniTestAcc(t, res, 1)
			teacher := make([]float64, len(m0))
			for s := range m0 {
				teacher[s] = max(m0[s], m1[s])
			}
			best := results.UMEMethod
			ume, joint := seedValues(t, res, results.UMEMethod, testAcc), seedValues(t, res, results.JointMethod, testAcc)
			bestAcc := ume
			if results.Summarize(joint).Mean > results.Summarize(ume).Mean {
				best, bestAcc = results.JointMethod, joint
			}
			vsTeacher, vsBest := results.PairedDifference(umt, teacher), results.PairedDifference(umt, bestAcc)
			t.Logf("test: umt %s, better teacher %s, ume %s, joint %s", results.Summarize(umt), results.Summarize(teacher), results.Summarize(ume), results.Summarize(joint))
			t.Logf("test: umt − better teacher %s, umt − %s %s", vsTeacher, best, vsBest)
			if vsTeacher.Mean < 0 && vsTeacher.Mean-vsTeacher.CI95 < -umtTeacherMargin {
				t.Errorf("UMT − better teacher = %s: below the teacher (lower bound under −%v)", vsTeacher, umtTeacherMargin)
			}
			if vsBest.Mean+vsBest.CI95 < -umtResolution {
				t.Errorf("UMT − %s = %s: below the better of UME and joint beyond the 95%% CI", best, vsBest)
			}
		})
	}
}
