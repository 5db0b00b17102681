package mmlab

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// replicaTestJobs returns jobs of different structure on different data: uni m0 and uni m1 of
// seed 0, joint of seed 1 (its own dataset, seed offset 1) and a UMT-like student of seed 2 whose
// loss reads per-sample extras (fake teacher features).
func replicaTestJobs(t *testing.T, epochs int) (*Engine, []*TrainJob) {
	t.Helper()
	spec, err := datasets.ParseSpec(smallSpec)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]*datasets.Dataset, 3)
	for s := range data {
		if data[s], err = spec.WithSeedOffset(s).Generate(); err != nil {
			t.Fatal(err)
		}
	}
	env := func(seed, modality int) *Env {
		e := testEnv(t, data[seed], epochs)
		e.Seed, e.Modality, e.Name = seed, modality, fmt.Sprintf("job seed %d m%d", seed, modality)
		return e
	}
	uni0, err := uniMethod{}.job(env(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	uni1, err := uniMethod{}.job(env(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	joint := jointMethod{}.job(env(1, -1))
	teachers := make([][]float32, 2)
	mo := DefaultModelOptions()
	dim := mo.FeatureDim()
	for m := range teachers {
		teachers[m] = make([]float32, data[2].Train.Len()*dim)
		for i := range teachers[m] {
			teachers[m][i] = float32((i*7+m*3)%11) / 11
		}
	}
	o := DefaultUMTOptions()
	umt := umtMethod{}.job(env(2, -1), &o, teachers, nil)
	return env(0, 0).Engine, []*TrainJob{uni0, uni1, joint, umt}
}

// checkSameTraining fails unless two trainings of the same job gave bit-identical weights and
// identical curves and step counts.
func checkSameTraining(t *testing.T, name string, a, b *Network, ca, cb *results.Curves) {
	t.Helper()
	wa, errA := a.MarshalWeights()
	wb, errB := b.MarshalWeights()
	if errA != nil || errB != nil {
		t.Fatalf("%s: %v, %v", name, errA, errB)
	}
	if !bytes.Equal(wa, wb) {
		t.Errorf("%s: replica weights differ from Fit's (max |Δ| %g)", name, maxWeightDiff(t, wa, wb))
	}
	if !reflect.DeepEqual(ca, cb) {
		t.Errorf("%s: replica curves differ from Fit's:\n%+v\n%+v", name, ca, cb)
	}
	if a.Steps != b.Steps {
		t.Errorf("%s: %d steps as a replica, %d with Fit", name, a.Steps, b.Steps)
	}
}

func maxWeightDiff(t *testing.T, a, b []byte) float64 {
	wa, errA := decodeWeights(a)
	wb, errB := decodeWeights(b)
	if errA != nil || errB != nil || len(wa) != len(wb) {
		t.Fatalf("weights: %v, %v", errA, errB)
	}
	worst := 0.0
	for i := range wa {
		for j := range wa[i].Values {
			d := float64(wa[i].Values[j] - wb[i].Values[j])
			worst = max(worst, d, -d)
		}
	}
	return worst
}

// TestFitReplicasMatchesFit is the acceptance check of replica training (issue #7): four jobs of
// different structure, data and seeds trained as replicas in one graph give bit-identical
// weights, curves and step counts to training each with Fit. With patience, the replicas stop
// at their own epochs (checked to differ, so the test exercises replicas that stop while others
// go on) and keep their own best weights.
func TestFitReplicasMatchesFit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		epochs   int
		patience int
	}{
		{"fixed epochs", 4, 0},
		// 40 epochs of 2 steps with patience 2: the small LazyPair's validation accuracy
		// plateaus within ~10–30 epochs, at different epochs for different networks.
		{"early stopping", 40, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			engine, jobs := replicaTestJobs(t, tc.epochs)
			engine.Options.Patience = tc.patience
			nets, curves, err := engine.FitReplicas(context.Background(), jobs)
			if err != nil {
				t.Fatal(err)
			}
			stops := map[int]bool{}
			for i, job := range jobs {
				net, c, err := engine.Fit(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				checkSameTraining(t, job.Name, nets[i], net, curves[i], c)
				stops[len(c.Epoch)] = true
			}
			if tc.patience > 0 && len(stops) < 2 {
				t.Errorf("every replica stopped at the same epoch (%v): the test does not exercise replicas stopping apart", stops)
			}
		})
	}
}

// TestFitReplicasDivergence: when replicas diverge, the error is the one Fit gives for the first
// diverging job in the order of the jobs (one job after the other, Fit would fail there first).
// A learning rate of 1e30 makes every network's first update overflow.
func TestFitReplicasDivergence(t *testing.T) {
	engine, jobs := replicaTestJobs(t, 3)
	engine.Options.LR = 1e30
	_, _, err := engine.FitReplicas(context.Background(), jobs[2:])
	if err == nil || !strings.Contains(err.Error(), jobs[2].Name+" diverged") || !strings.Contains(err.Error(), "at step") {
		t.Fatalf("got %v, want a divergence error naming %q and the step", err, jobs[2].Name)
	}
}

// TestFitReplicasFallback: a job with OnEpoch or Transform is trained with Fit (and still gets
// the same result as Fit), next to the replicas; a job whose split gives another number of
// steps per epoch is refused with an error naming it.
func TestFitReplicasFallback(t *testing.T) {
	engine, jobs := replicaTestJobs(t, 2)
	calls := 0
	jobs[1].OnEpoch = func(int, *Network) error { calls++; return nil }
	jobs[3].Transform = func(b *Batch, grads []Gradient) {
		ScaleGradients(grads, "/net/enc0/", graph.Const(b.Loss.Graph(), float32(0.5)))
	}
	if jobs[0].Replicable() == false || jobs[1].Replicable() || jobs[3].Replicable() {
		t.Fatal("Replicable is wrong")
	}
	nets, curves, err := engine.FitReplicas(context.Background(), jobs)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Errorf("OnEpoch called %d times, want 3 (before training and after each of 2 epochs)", calls)
	}
	for i, job := range jobs {
		net, c, err := engine.Fit(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		checkSameTraining(t, job.Name, nets[i], net, curves[i], c)
	}

	other := *jobs[2]
	other.Name = "bigger split"
	big := testData(t, "lazypair:n_train=1024,n_val=256,n_test=512")
	other.Data = big
	if _, _, err := engine.FitReplicas(context.Background(), []*TrainJob{jobs[0], &other}); err == nil ||
		!strings.Contains(err.Error(), "bigger split") {
		t.Fatalf("got %v, want an error naming the job with another number of steps per epoch", err)
	}
}

// TestRunStudyReplicasMatchOneAtATime is issue #7's acceptance test: a LazyPair study whose
// runs are trained as replicas (the default, here groups of up to 3 mixing methods and seeds,
// with UMT students grouped after their teachers) gives the same runs as training one network at
// a time — same keys, bit-identical metrics and curves — and the progress messages count every
// run once. Only TrainSeconds (a share of a group's wall time) may differ.
func TestRunStudyReplicasMatchOneAtATime(t *testing.T) {
	ctx := context.Background()
	study := func(replicas int, out *strings.Builder) *StudyResult {
		res, err := RunStudy(ctx, Study{Dataset: smallSpec, Methods: []string{"joint", "ume", "umt"}, Seeds: 3,
			Replicas: replicas, Output: out, Options: map[string]string{"train.epochs": "4", "probe.steps": "40"}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var oneOut, repOut strings.Builder
	one, rep := study(1, &oneOut), study(3, &repOut)
	if len(one.Runs) != 15 || len(rep.Runs) != 15 || rep.Trained != 15 {
		t.Fatalf("%d and %d runs, %d trained; want 15 (3 seeds × uni m0, uni m1, joint, ume, umt)", len(one.Runs), len(rep.Runs), rep.Trained)
	}
	for i := range one.Runs {
		a, b := one.Runs[i], rep.Runs[i]
		a.TrainSeconds, b.TrainSeconds = 0, 0
		if !reflect.DeepEqual(a, b) {
			t.Errorf("run %d (%s seed %d): one at a time\n%+v\nas replicas\n%+v", i, a.Method, a.Seed, a, b)
		}
	}
	if !strings.Contains(repOut.String(), "15 runs trained") {
		t.Errorf("progress of the replica study:\n%s", repOut.String())
	}
}

// TestStudyProgressGroups: a group of replicas advances the bar by one run per replica, so the
// bar completes exactly when the last run does (the drawn descriptions are throttled, so this
// checks the counts).
func TestStudyProgressGroups(t *testing.T) {
	var out strings.Builder
	p := newStudyProgress(&out, 4)
	p.beginRun("uni m0 seed 0 + 2 replicas", 3)
	if !strings.Contains(p.desc, "[1–3/4]") {
		t.Errorf("group description %q, want it to name runs 1–3 of 4", p.desc)
	}
	p.Start("group", 10)
	for range 10 {
		p.Step(0.5)
	}
	p.End()
	p.endRun()
	if p.done != 3 || p.bar.IsFinished() {
		t.Fatalf("after a group of 3: %d runs done, finished %v; want 3, not finished", p.done, p.bar.IsFinished())
	}
	p.beginRun("ume seed 0", 1)
	p.endRun()
	if p.done != 4 || !p.bar.IsFinished() {
		t.Fatalf("after 4 runs: %d done, finished %v", p.done, p.bar.IsFinished())
	}
}
