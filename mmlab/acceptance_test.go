package mmlab

import (
	"context"
	"maps"
	"math"
	"os"
	"reflect"
	"sync"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// Acceptance tests: the paper's claims (docs/DESIGN.md §2.1 "What the model must show") and the
// UME-vs-UMT rule (§5) on LazyPair, 5 seeds (run seeds 0–4, each its own dataset draw), default
// model and training unless a test says otherwise. Results are deterministic on a given machine;
// the margins below guard against seed-to-seed variation, hardware differences and small changes
// of the code. Each claim is a paired comparison over seeds with a 95% t-interval (stats.go).
//
// The statistical tests are skipped with -short. The xor test is skipped unless
// MMLAB_LONG_TESTS=1 (see TestAcceptanceXOR).
//
// Measured on this project's 2-core machine (GoMLX v0.28.16, pure-Go backend), seeds 0–4:
//
//	default (pi=0):  probe uni 0.949/0.954, joint 0.894/0.902, umt 0.949/0.954
//	                 gap joint 0.055 ± 0.016 / 0.052 ± 0.007, gap umt 0.000 ± 0.002
//	                 both_hard joint 0.50, ume 0.89, umt 0.89 (ume − joint 0.389 ± 0.038)
//	                 test joint 0.976, ume 0.993, umt 0.993 (ume − joint 0.018 ± 0.003,
//	                 umt − ume −0.0001 ± 0.0009)
//	paired (pair=add, pi=0.5, default pair_only=0.2):
//	                 test joint 0.944, ume 0.928, umt(free_dims=32) 0.944, plain umt 0.931
//	                 joint − ume +0.016 ± 0.006, umt(32) − ume +0.016 ± 0.003,
//	                 umt(32) − joint −0.001 ± 0.006, plain umt − joint −0.014 ± 0.003
//
// Wall time of each 5-seed study (2 uni + joint + ume + umt, with probes): ≈ 20–25 s (see
// BenchmarkDefaultStudy), up to twice that while other jobs share the machine.
//
// The studies are shared. Each regime's study runs once per test process (sync.OnceValues) and
// saves its runs to one in-memory store, so TestAcceptanceChoose reuses the studies of
// TestAcceptanceLaziness and TestAcceptancePaired instead of training them again, and plain UMT
// in the paired regime reuses that regime's uni-modal runs as its teachers.

// memStore is an in-memory RunStore and BlobStore: runs (and their weights) saved by one study
// are loaded by the next study that needs them.
type memStore struct {
	mu    sync.Mutex
	runs  map[string]results.Run
	blobs map[string][]byte
}

func newMemStore() *memStore {
	return &memStore{runs: map[string]results.Run{}, blobs: map[string][]byte{}}
}

func (s *memStore) Load(key string) (*results.Run, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs[key]
	if !ok {
		return nil, false, nil
	}
	return &r, true, nil
}

func (s *memStore) Save(run *results.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs[run.Key] = *run
	return nil
}

func (s *memStore) SaveBlob(key, name string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blobs[key+"."+name] = data
	return nil
}

func (s *memStore) LoadBlob(key, name string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.blobs[key+"."+name]
	return data, ok, nil
}

// acceptanceStore holds the runs of every acceptance study of the test process.
var acceptanceStore = newMemStore()

// acceptanceSeeds is the number of seeds of every acceptance study: 5, the minimum for a
// statistical claim (t(0.975; 4) = 2.78, so a CI95 half-width is 1.24 standard deviations).
const acceptanceSeeds = 5

// acceptanceStudy runs a 5-seed study through acceptanceStore.
func acceptanceStudy(dataset string, methods []string, options map[string]string) func() (*StudyResult, error) {
	return sync.OnceValues(func() (*StudyResult, error) {
		return RunStudy(context.Background(), Study{Dataset: dataset, Methods: methods, Seeds: acceptanceSeeds,
			Options: options, Store: acceptanceStore, Quiet: true})
	})
}

// pairedDataset is the paired regime of the issue: the additive paired feature on half the
// samples, LazyPair's defaults otherwise (pair_only=0.2, calibrated for this: see the datasets
// package documentation).
const pairedDataset = "lazypair:pair=add,pi=0.5"

// pairedUMTOptions are the UMT options of the paired regime: 32 undistilled free dimensions per
// encoder leave room for the paired feature (docs/DESIGN.md §2.1; 64 measured the same here).
var pairedUMTOptions = map[string]string{"umt.free_dims": "32"}

var (
	// noPairStudy is the default LazyPair (pi = 0): joint, UME and UMT with default options.
	noPairStudy = acceptanceStudy("lazypair", []string{results.JointMethod, results.UMEMethod, results.UMTMethod}, nil)
	// pairedStudy is the paired regime: joint, UME and UMT with pairedUMTOptions, and joint_wide,
	// the joint model of the UMT student's width (its free_dims follows umt.free_dims).
	pairedStudy = acceptanceStudy(pairedDataset, []string{results.JointMethod, results.UMEMethod, results.UMTMethod, results.JointWideMethod}, pairedUMTOptions)
	// pairedPlainUMTStudy is plain UMT (no free dimensions) in the paired regime; its teachers are
	// pairedStudy's uni-modal runs, loaded from acceptanceStore.
	pairedPlainUMTStudy = acceptanceStudy(pairedDataset, []string{results.UMTMethod}, nil)
)

// sharedStudy returns a shared study's result, skipping the test with -short.
func sharedStudy(t *testing.T, name string, study func() (*StudyResult, error)) *StudyResult {
	t.Helper()
	if testing.Short() {
		t.Skip("5-seed study (≈ 20 s): skipped with -short")
	}
	res, err := study()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d runs trained, %d loaded, %.1f s (the first time it was needed in this process)",
		name, res.Trained, res.Loaded, res.Seconds)
	return res
}

// seedValues collects f of method's runs, ordered by seed.
func seedValues(t *testing.T, res *StudyResult, method string, f func(r *results.Run) float64) []float64 {
	t.Helper()
	runs := res.RunsOf(method, -1)
	out := make([]float64, len(runs))
	for i := range runs {
		if runs[i].Seed != i {
			t.Fatalf("%s runs out of seed order", method)
		}
		out[i] = f(&runs[i])
	}
	return out
}

func testAcc(r *results.Run) float64 { return r.TestAcc }

func subsetAcc(name string) func(r *results.Run) float64 {
	return func(r *results.Run) float64 { return r.SubsetAcc[name] }
}

// tieTolerance is how far apart UME and UMT may be, in test accuracy, where they should tie (no
// paired signal): 0.005, a quarter of the UME − joint difference they both win by (measured
// 0.018) and about the seed-to-seed spread of method differences (DefaultChooseTolerance);
// measured UMT − UME −0.0001 ± 0.0009.
const tieTolerance = 0.005

// TestAcceptanceLaziness: with no paired signal (the default LazyPair, pi=0), joint training's
// encoders under-learn the hard uni-modal features, UME beats joint, UMT recovers the gap and
// ties UME.
func TestAcceptanceLaziness(t *testing.T) {
	res := sharedStudy(t, "default study", noPairStudy)
	jointGap, err := results.LazinessGap(res.Runs, results.JointMethod)
	if err != nil {
		t.Fatal(err)
	}
	umtGap, err := results.LazinessGap(res.Runs, results.UMTMethod)
	if err != nil {
		t.Fatal(err)
	}
	for m := range jointGap {
		t.Logf("modality %d: laziness gap joint %s, umt %s", m, jointGap[m], umtGap[m])
		// Laziness: the gap's 95% interval excludes 0 (measured lower bounds 0.039 and 0.045).
		if jointGap[m].Mean-jointGap[m].CI95 <= 0 {
			t.Errorf("modality %d: joint's laziness gap %s does not exclude 0", m, jointGap[m])
		}
		// UMT recovers at least half of joint's gap (measured: all of it).
		if umtGap[m].Mean > jointGap[m].Mean/2 {
			t.Errorf("modality %d: UMT's gap %s is more than half of joint's %s", m, umtGap[m], jointGap[m])
		}
	}
	joint, ume, umt := seedValues(t, res, results.JointMethod, testAcc), seedValues(t, res, results.UMEMethod, testAcc), seedValues(t, res, results.UMTMethod, testAcc)
	hard := results.PairedDifference(seedValues(t, res, results.UMEMethod, subsetAcc("both_hard")), seedValues(t, res, results.JointMethod, subsetAcc("both_hard")))
	t.Logf("both_hard: ume − joint %s", hard)
	// joint's both_hard accuracy is clearly below UME's: by at least 0.2 (measured 0.39; the
	// prototype's 0.90 − 0.45).
	if hard.Mean-hard.CI95 < 0.2 {
		t.Errorf("both_hard: UME − joint = %s, want a lower bound ≥ 0.2", hard)
	}
	umeJoint, umtUme := results.PairedDifference(ume, joint), results.PairedDifference(umt, ume)
	t.Logf("test: ume − joint %s, umt − ume %s", umeJoint, umtUme)
	// UME ≥ joint, strictly here (measured +0.018 ± 0.003).
	if umeJoint.Mean-umeJoint.CI95 <= 0 {
		t.Errorf("test accuracy: UME − joint = %s, want > 0", umeJoint)
	}
	// UMT and UME tie (see tieTolerance).
	if math.Abs(umtUme.Mean) > tieTolerance {
		t.Errorf("test accuracy: UMT − UME = %s, want a tie within %v", umtUme, tieTolerance)
	}
}

// TestAcceptancePaired: with paired signal (pair=add, pi=0.5, LazyPair's defaults otherwise),
// joint beats UME; UMT with free dimensions beats UME and is not below joint beyond the 95% CI,
// nor below joint_wide, the joint model with the UMT student's width (the width-matched control,
// docs/DESIGN.md §2.1). Plain UMT (every encoder output distilled) is reported next to them, not
// tested: docs/DESIGN.md §2.1 expects it to lose to joint, as it does here.
func TestAcceptancePaired(t *testing.T) {
	res := sharedStudy(t, "paired study", pairedStudy)
	plain := sharedStudy(t, "paired plain-UMT study", pairedPlainUMTStudy)
	joint, ume, umt := seedValues(t, res, results.JointMethod, testAcc), seedValues(t, res, results.UMEMethod, testAcc), seedValues(t, res, results.UMTMethod, testAcc)
	plainUMT := seedValues(t, plain, results.UMTMethod, testAcc)
	// The plain study's teachers are the paired study's uni runs: the same runs, not retrained.
	if plain.Trained != acceptanceSeeds {
		t.Errorf("plain-UMT study trained %d runs, want only its %d UMT runs", plain.Trained, acceptanceSeeds)
	}
	jointUme, umtUme, umtJoint := results.PairedDifference(joint, ume), results.PairedDifference(umt, ume), results.PairedDifference(umt, joint)
	t.Logf("test: joint %s, ume %s, umt(free_dims=32) %s, plain umt %s",
		results.Summarize(joint), results.Summarize(ume), results.Summarize(umt), results.Summarize(plainUMT))
	t.Logf("test: joint − ume %s, umt(32) − ume %s, umt(32) − joint %s", jointUme, umtUme, umtJoint)
	t.Logf("test: plain umt − ume %s, plain umt − joint %s", results.PairedDifference(plainUMT, ume), results.PairedDifference(plainUMT, joint))
	// Lower bounds measured at 0.010 and 0.013: the intervals exclude 0. On a second seed set
	// (dataset seed 6 instead of 1) the three differences measured +0.016 ± 0.005,
	// +0.014 ± 0.002 and −0.002 ± 0.006, so the claims do not hang on these five datasets.
	if jointUme.Mean-jointUme.CI95 <= 0 {
		t.Errorf("joint − UME = %s, want > 0", jointUme)
	}
	if umtUme.Mean-umtUme.CI95 <= 0 {
		t.Errorf("UMT(free_dims=32) − UME = %s, want > 0", umtUme)
	}
	// Not below joint beyond the CI: the interval reaches 0 (measured −0.001 ± 0.006, upper
	// bound +0.006; the prototype's −0.004 ± 0.004).
	if umtJoint.Mean+umtJoint.CI95 < 0 {
		t.Errorf("UMT(free_dims=32) − joint = %s: below joint beyond the 95%% CI", umtJoint)
	}
	// The width-matched control: the same claim against joint_wide. Here UMT with free dims ties
	// joint, and it ties the joint model of its own width too — measured UMT(32) − joint_wide
	// +0.0004 ± 0.0040 (upper bound +0.004), joint_wide − joint −0.001 ± 0.003; on the second seed
	// set (dataset seed 6) −0.002 ± 0.005 (upper bound +0.003) and +0.000 ± 0.002. So the tie is
	// not bought with width, and there is no win here for width to explain.
	wide := seedValues(t, res, results.JointWideMethod, testAcc)
	umtWide := results.PairedDifference(umt, wide)
	t.Logf("test: joint_wide %s, umt(32) − joint_wide %s, joint_wide − joint %s", results.Summarize(wide), umtWide, results.PairedDifference(wide, joint))
	if umtWide.Mean+umtWide.CI95 < 0 {
		t.Errorf("UMT(free_dims=32) − joint_wide = %s: below the width-matched joint beyond the 95%% CI", umtWide)
	}
}

// windowDataset is the regime near the crossover where UMT with free dimensions beats both UME
// and joint (docs/DESIGN.md §2.1, the paper's VGG-Sound/Kinetics case): easy rate 0.7, the additive
// paired feature on 40% of the samples, LazyPair's defaults otherwise.
const windowDataset = "lazypair:rho=0.7,pi=0.4,pair=add"

// windowStudy: joint, UME, UMT with 64 free dimensions (the prototype's setting, docs/DESIGN.md §2.1)
// and its width-matched joint control.
var windowStudy = acceptanceStudy(windowDataset, []string{results.JointMethod, results.UMEMethod, results.UMTMethod, results.JointWideMethod},
	map[string]string{"umt.free_dims": "64"})

// TestAcceptanceBeatsBoth: near the crossover (windowDataset) UMT with free dimensions beats UME,
// joint, and joint_wide, the joint model of its own width (issue 12: the "UMT beats both" claim
// must survive a width-matched control). Measured (seeds 0–4): test joint 0.936, joint_wide
// 0.932, ume 0.938, umt(free_dims=64) 0.948; umt − ume +0.010 ± 0.004, umt − joint
// +0.012 ± 0.007, umt − joint_wide +0.016 ± 0.004 (lower bounds +0.006, +0.005, +0.012). On the
// second seed set (dataset seed 6): +0.009 ± 0.004, +0.017 ± 0.007, +0.019 ± 0.005. The extra
// width alone does not help joint: joint_wide − joint −0.004 ± 0.006 and −0.002 ± 0.004.
// One 5-seed study of 30 runs (one more method than the default study, ≈ 20–25 s alone): measured
// 78 s on this project's 2-core machine while other jobs loaded it (load average ≈ 18).
func TestAcceptanceBeatsBoth(t *testing.T) {
	res := sharedStudy(t, "window study", windowStudy)
	joint, wide := seedValues(t, res, results.JointMethod, testAcc), seedValues(t, res, results.JointWideMethod, testAcc)
	ume, umt := seedValues(t, res, results.UMEMethod, testAcc), seedValues(t, res, results.UMTMethod, testAcc)
	t.Logf("test: joint %s, joint_wide %s, ume %s, umt(free_dims=64) %s", results.Summarize(joint), results.Summarize(wide), results.Summarize(ume), results.Summarize(umt))
	t.Logf("test: joint_wide − joint %s", results.PairedDifference(wide, joint))
	for _, other := range []struct {
		name string
		acc  []float64
	}{{results.UMEMethod, ume}, {results.JointMethod, joint}, {results.JointWideMethod, wide}} {
		d := results.PairedDifference(umt, other.acc)
		t.Logf("test: umt(64) − %s %s", other.name, d)
		if d.Mean-d.CI95 <= 0 {
			t.Errorf("UMT(free_dims=64) − %s = %s, want > 0 beyond the 95%% CI", other.name, d)
		}
	}
}

// TestAcceptanceChoose: Choose (with DefaultChooseTolerance) picks UME with no paired signal and
// UMT with it, and the chosen method's test accuracy is not below the other's (UME against UMT
// with the regime's UMT options) beyond the 95% CI of their paired difference. With no paired
// signal UME and UMT tie, so there the chosen one may also fall short by tieTolerance.
func TestAcceptanceChoose(t *testing.T) {
	for _, tc := range []struct {
		name   string
		study  func() (*StudyResult, error)
		want   string
		margin float64 // how far the chosen method may fall below the other beyond the CI
	}{
		// Measured: validation UME − joint +0.018 ± 0.004; test UME − UMT +0.0001 ± 0.0009.
		{"no paired signal (default LazyPair)", noPairStudy, results.UMEMethod, tieTolerance},
		// Measured: validation UME − joint −0.016 ± 0.006; test UMT(32) − UME +0.016 ± 0.003.
		{"paired (pair=add, pi=0.5, umt.free_dims=32)", pairedStudy, results.UMTMethod, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := sharedStudy(t, tc.name, tc.study)
			c, err := results.Choose(res.Runs, results.DefaultChooseTolerance)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s (decisive: %v)", c.Reason, c.Decisive)
			if c.Method != tc.want {
				t.Errorf("Choose picked %s, want %s", c.Method, tc.want)
			}
			other := results.UMTMethod
			if c.Method == results.UMTMethod {
				other = results.UMEMethod
			}
			d := results.PairedDifference(seedValues(t, res, c.Method, testAcc), seedValues(t, res, other, testAcc))
			t.Logf("test: %s (chosen) − %s %s", c.Method, other, d)
			if d.Mean+d.CI95 < -tc.margin {
				t.Errorf("chosen %s − %s = %s in test accuracy: below the other beyond the CI (allowed %v)", c.Method, other, d, tc.margin)
			}
		})
	}
}

// TestAcceptanceReproducible (docs/DESIGN.md §6): the same seed and inputs give identical metrics —
// two studies trained from scratch agree exactly — and a second identical study with a Store
// trains nothing and returns the same runs. Determinism does not depend on the data's size, so
// the study is small (it runs with -short too).
func TestAcceptanceReproducible(t *testing.T) {
	ctx := context.Background()
	study := Study{Dataset: smallSpec, Methods: []string{results.JointMethod, results.UMEMethod, results.UMTMethod}, Seeds: 2, Quiet: true,
		Options: map[string]string{"train.epochs": "3", "probe.steps": "40", "umt.free_dims": "8"}}
	fresh, err := RunStudy(ctx, study)
	if err != nil {
		t.Fatal(err)
	}
	store, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	study.Store = store
	first, err := RunStudy(ctx, study)
	if err != nil {
		t.Fatal(err)
	}
	second, err := RunStudy(ctx, study)
	if err != nil {
		t.Fatal(err)
	}
	n := len(fresh.Runs) // 2 seeds × (joint, uni m0, uni m1, ume, umt)
	if n != 10 || first.Trained != n || second.Trained != 0 || second.Loaded != n || second.Retrained != 0 {
		t.Fatalf("%d runs; with a store: first study trained %d, second trained %d, loaded %d, retrained %d; want 10, 10, 0, 10, 0",
			n, first.Trained, second.Trained, second.Loaded, second.Retrained)
	}
	for i := range n {
		a, b, c := metricsOf(&fresh.Runs[i]), metricsOf(&first.Runs[i]), metricsOf(&second.Runs[i])
		if !reflect.DeepEqual(a, b) {
			t.Errorf("run %d: two trainings differ:\n%+v\n%+v", i, a, b)
		}
		if !reflect.DeepEqual(b, c) {
			t.Errorf("run %d: the stored run differs from the trained one:\n%+v\n%+v", i, b, c)
		}
	}
}

// runMetrics is what a run measured, without its timing, versions and configuration (whose
// numbers come back from the store as float64).
type runMetrics struct {
	Key, Method     string
	Modality        *int
	Seed            int
	ValAcc, TestAcc float64
	SubsetAcc       map[string]float64
	ProbeAcc        []*float64
	Curves          *results.Curves
}

func metricsOf(r *results.Run) runMetrics {
	return runMetrics{Key: r.Key, Method: r.Method, Modality: r.Modality, Seed: r.Seed, ValAcc: r.ValAcc, TestAcc: r.TestAcc,
		SubsetAcc: maps.Clone(r.SubsetAcc), ProbeAcc: r.ProbeAcc, Curves: r.Curves}
}

// xorDataset is the xor regime: no modality alone says anything about the paired symbols' sum
// (pair=xor, a_q = 8, LazyPair's default), half the samples paired, and n_train = 4000
// (docs/DESIGN.md §2.1: joint needed n_train ≥ 4000). pair_only = 0.5, so a quarter of the samples
// are decided by the paired feature alone: with the default 0.2 (a tenth of the samples) joint
// training did not learn xor within 300 epochs (measured: pair_only accuracy 0.27 ± 0.02, chance
// 0.25; joint − UME −0.018 ± 0.003), the same laziness that leaves the hard uni-modal features
// unlearned; with 0.5 it does (pair_only accuracy 0.96 ± 0.08).
const xorDataset = "lazypair:pair=xor,pi=0.5,pair_only=0.5,n_train=4000"

// xorOptions: the concat_mlp fusion head (a linear head cannot compute a sum mod K) and 300
// epochs (docs/DESIGN.md §2.1), for every method; 32 free dimensions for UMT, without which the
// student cannot learn the paired symbols its teachers do not carry (plain UMT measured 0.831:
// +0.028 ± 0.015 over UME, −0.146 ± 0.010 below joint).
var xorOptions = map[string]string{"model.fusion": FusionConcatMLP, "train.epochs": "300", "umt.free_dims": "32"}

var xorStudy = acceptanceStudy(xorDataset, []string{results.JointMethod, results.UMEMethod, results.UMTMethod}, xorOptions)

// TestAcceptanceXOR: with a paired feature that no modality carries alone (see xorDataset) and a
// concat_mlp fusion head, joint training and UMT with free dimensions beat UME, which cannot read
// the paired feature at all (its pair_only accuracy is chance).
//
// Measured (seeds 0–4): test joint 0.977, ume 0.804, umt(free_dims=32) 0.952; joint − ume
// +0.174 ± 0.023, umt − ume +0.148 ± 0.017, umt − joint −0.026 ± 0.021; pair_only joint 0.96,
// umt 0.84, ume 0.26.
//
// The study trains 20 networks on twice the default data for twice the default epochs, four times
// the optimizer steps of a default study: measured 226 s on this project's 2-core machine while
// other jobs shared it (127 s of CPU), well over the ≈ 90 s one test may take in a plain
// `go test`. So it is skipped unless MMLAB_LONG_TESTS=1, and always with -short:
//
//	MMLAB_LONG_TESTS=1 go test -run XOR -v ./mmlab/
func TestAcceptanceXOR(t *testing.T) {
	if testing.Short() || os.Getenv("MMLAB_LONG_TESTS") != "1" {
		t.Skip("5-seed xor study (2–4 min): set MMLAB_LONG_TESTS=1 to run it")
	}
	res := sharedStudy(t, "xor study", xorStudy)
	joint, ume, umt := seedValues(t, res, results.JointMethod, testAcc), seedValues(t, res, results.UMEMethod, testAcc), seedValues(t, res, results.UMTMethod, testAcc)
	pairOnly := func(method string) results.Estimate {
		return results.Summarize(seedValues(t, res, method, subsetAcc("pair_only")))
	}
	jointUme, umtUme, umtJoint := results.PairedDifference(joint, ume), results.PairedDifference(umt, ume), results.PairedDifference(umt, joint)
	t.Logf("test: joint %s, ume %s, umt(free_dims=32) %s", results.Summarize(joint), results.Summarize(ume), results.Summarize(umt))
	t.Logf("test: joint − ume %s, umt − ume %s, umt − joint %s", jointUme, umtUme, umtJoint)
	t.Logf("pair_only: joint %s, ume %s, umt %s", pairOnly(results.JointMethod), pairOnly(results.UMEMethod), pairOnly(results.UMTMethod))
	// Measured lower bounds 0.15 and 0.13: far from 0, because UME is at chance on a quarter of
	// the samples.
	if jointUme.Mean-jointUme.CI95 <= 0 {
		t.Errorf("joint − UME = %s, want > 0", jointUme)
	}
	if umtUme.Mean-umtUme.CI95 <= 0 {
		t.Errorf("UMT(free_dims=32) − UME = %s, want > 0", umtUme)
	}
}
