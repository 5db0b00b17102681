package mmlab

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/results"
)

// TestFitDeterministic checks docs/DESIGN.md §6: the same seed and inputs give bit-identical curves,
// weights and predictions; another seed gives different ones.
func TestFitDeterministic(t *testing.T) {
	ds := testData(t, smallSpec)
	fit := func(seed int) (*Network, *results.Curves) {
		env := testEnv(t, ds, 4)
		env.Seed = seed
		net, curves, err := env.Engine.Fit(context.Background(), jointMethod{}.job(env))
		if err != nil {
			t.Fatal(err)
		}
		return net, curves
	}
	netA, curvesA := fit(3)
	netB, curvesB := fit(3)
	if !reflect.DeepEqual(curvesA, curvesB) {
		t.Fatalf("same seed, different curves:\n%+v\n%+v", curvesA, curvesB)
	}
	wa, _ := netA.MarshalWeights()
	wb, _ := netB.MarshalWeights()
	if !bytes.Equal(wa, wb) {
		t.Fatal("same seed, different weights")
	}
	la, _ := netA.Logits(ds.Test)
	lb, _ := netB.Logits(ds.Test)
	if !reflect.DeepEqual(la, lb) {
		t.Fatal("same seed, different test logits")
	}
	netC, curvesC := fit(4)
	wc, _ := netC.MarshalWeights()
	if bytes.Equal(wa, wc) || reflect.DeepEqual(curvesA.TrainLoss, curvesC.TrainLoss) {
		t.Fatal("different seeds gave identical training")
	}
	// 512 samples in batches of 256: 2 steps per epoch, 4 epochs.
	if netA.Steps != 8 || len(curvesA.Epoch) != 4 || len(curvesA.SplitHeadAcc) != 2 || len(curvesA.SplitHeadAcc[1]) != 4 {
		t.Fatalf("steps %d, curves %+v", netA.Steps, curvesA)
	}
}

// TestFitValidationCurveTracksWeights guards against stale weights in the per-epoch validation
// graph (the Go backend embeds variables as constants in graphs not marked as training): the
// last epoch's validation accuracy must equal the trained network's.
func TestFitValidationCurveTracksWeights(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 6)
	net, curves, err := env.Engine.Fit(context.Background(), jointMethod{}.job(env))
	if err != nil {
		t.Fatal(err)
	}
	logits, err := net.Logits(ds.Val)
	if err != nil {
		t.Fatal(err)
	}
	acc, _ := Accuracy(logits, ds.Val.Labels, nil)
	if last := curves.ValAcc[len(curves.ValAcc)-1]; last != acc {
		t.Fatalf("last epoch's validation accuracy %v, the trained network's %v", last, acc)
	}
	if curves.ValAcc[0] == acc {
		t.Fatalf("validation accuracy did not change over training: %v", curves.ValAcc)
	}
}

// TestFitDivergence checks that a NaN loss stops training with an error naming the run and the
// step: a learning rate of 1e30 makes the first update overflow.
func TestFitDivergence(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 3)
	env.Engine.Options.LR = 1e30
	env.Name = "joint seed 7"
	_, _, err := env.Engine.Fit(context.Background(), jointMethod{}.job(env))
	if err == nil || !strings.Contains(err.Error(), "joint seed 7 diverged") || !strings.Contains(err.Error(), "at step") {
		t.Fatalf("got %v, want a divergence error naming the run and the step", err)
	}
}

// TestFitEarlyStopping: with patience, training stops once validation accuracy stops improving
// and the network keeps the best epoch's weights.
func TestFitEarlyStopping(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 200)
	env.Engine.Options.Patience = 3
	net, curves, err := env.Engine.Fit(context.Background(), jointMethod{}.job(env))
	if err != nil {
		t.Fatal(err)
	}
	n := len(curves.Epoch)
	if n == 200 {
		t.Fatalf("no early stop in 200 epochs: %v", curves.ValAcc)
	}
	best := curves.BestEpoch
	if best < 1 || n-best != 3 {
		t.Fatalf("stopped after %d epochs, best epoch %d: want 3 epochs of patience after the best", n, best)
	}
	for i, a := range curves.ValAcc {
		if a > curves.ValAcc[best-1] || (i+1 < best && a == curves.ValAcc[best-1]) {
			t.Fatalf("epoch %d has validation accuracy %v ≥ best epoch %d's %v", i+1, a, best, curves.ValAcc[best-1])
		}
	}
	logits, _ := net.Logits(ds.Val)
	if acc, _ := Accuracy(logits, ds.Val.Labels, nil); acc != curves.ValAcc[best-1] {
		t.Fatalf("kept weights have validation accuracy %v, best epoch had %v", acc, curves.ValAcc[best-1])
	}
}

// TestGradientTransform: a Transform that zeroes the gradients of encoder 0 leaves its weights
// at their initial values (Adam's update of a zero gradient is zero), while encoder 1 trains.
func TestGradientTransform(t *testing.T) {
	ds := testData(t, smallSpec)
	initial := func() map[string][]float32 {
		env := testEnv(t, ds, 1)
		job := jointMethod{}.job(env)
		job.Transform = func(b *Batch, grads []Gradient) { // freeze everything: the initial weights
			ScaleGradients(grads, "/", graph.ScalarZero(b.Loss.Graph(), b.Loss.DType()))
		}
		net, _, err := env.Engine.Fit(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		return weightMap(t, net)
	}()
	env := testEnv(t, ds, 2)
	job := jointMethod{}.job(env)
	scaled := 0
	job.Transform = func(b *Batch, grads []Gradient) {
		if b.Loss == nil || b.Epoch == nil || len(b.Out.SplitLogits) != 2 {
			panic("Transform: incomplete batch")
		}
		scaled = ScaleGradients(grads, "/net/enc0/", graph.ScalarZero(b.Loss.Graph(), b.Loss.DType()))
	}
	net, _, err := env.Engine.Fit(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if scaled != 4 { // two layers × (weights, biases)
		t.Fatalf("ScaleGradients scaled %d variables, want 4", scaled)
	}
	after := weightMap(t, net)
	for path, w := range after {
		moved := !reflect.DeepEqual(w, initial[path])
		if strings.HasPrefix(path, "/net/enc0/") == moved {
			t.Errorf("%s: moved=%v", path, moved)
		}
	}
}

func weightMap(t *testing.T, net *Network) map[string][]float32 {
	t.Helper()
	c, err := net.checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]float32{}
	for i, p := range c.paths {
		m[p] = c.values[i]
	}
	return m
}

func TestFitErrors(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 1)
	env.Engine.Options.Batch = 1000
	if _, _, err := env.Engine.Fit(context.Background(), jointMethod{}.job(env)); err == nil || !strings.Contains(err.Error(), "exceeds the 512 training samples") {
		t.Errorf("batch larger than the training split: %v", err)
	}
	env = testEnv(t, ds, 1)
	job := jointMethod{}.job(env)
	job.Build = func(scope *model.Scope, xs []*graph.Node) Outputs {
		return Outputs{Logits: xs[0]} // 48 "classes": the labels still fit, but the loss ignores K
	}
	job.Loss = func(b *Batch) *graph.Node { return b.Out.Logits } // not a scalar
	if _, _, err := env.Engine.Fit(context.Background(), job); err == nil || !strings.Contains(err.Error(), "must be a scalar") {
		t.Errorf("non-scalar loss: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := testEnv(t, ds, 1).Engine.Fit(ctx, jointMethod{}.job(env)); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestLearningRateSchedule(t *testing.T) {
	o := DefaultTrainOptions()
	if got := o.learningRate(500, 1000); got != o.LR {
		t.Errorf("constant schedule: %v", got)
	}
	o.Schedule, o.LR, o.MinLR = ScheduleCosine, 1e-3, 1e-4
	for _, tc := range []struct {
		t    int
		want float64
	}{{0, 1e-3}, {500, 5.5e-4}, {1000, 1e-4}} {
		if got := o.learningRate(tc.t, 1000); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("cosine lr(%d) = %v, want %v", tc.t, got, tc.want)
		}
	}
}

// TestShuffleIsStable pins the batch order of seed 1: it must never change with the Go version
// (pcg is our own implementation of math/rand/v2's PCG-DXSM, checked against it here).
func TestShuffleIsStable(t *testing.T) {
	p := newPCG(1, 2)
	got := []uint64{p.next(), p.next(), p.next()}
	// Values of math/rand/v2.NewPCG(1, 2).Uint64() in Go 1.22–1.27.
	want := []uint64{0xc4f5a58656eef510, 0x9dcec3ad077dec6c, 0xc8d04605312f8088}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pcg(1,2) = %#x, want %#x", got, want)
	}
	order := []int32{0, 1, 2, 3, 4, 5, 6, 7}
	newPCG(1, shuffleStream).shuffle(order)
	seen := map[int32]bool{}
	for _, x := range order {
		seen[x] = true
	}
	if len(seen) != 8 {
		t.Fatalf("shuffle lost elements: %v", order)
	}
}

// TestFitOnEpochAndInit checks the engine's hooks: OnEpoch runs with done = 0 (weights
// initialised, before the first step) and after every epoch; the training graph is built once;
// Init starts a network from another's weights — those it builds, ignoring the rest — and a
// network that does not train (zeroed gradients) keeps them exactly.
func TestFitOnEpochAndInit(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 3)
	job := jointMethod{}.job(env)
	builds := 0
	build := job.Build
	job.Build = func(scope *model.Scope, xs []*graph.Node) Outputs { builds++; return build(scope, xs) }
	var calls []int
	var initial map[string][]float32
	job.OnEpoch = func(done int, net *Network) error {
		calls = append(calls, done)
		if done == 0 {
			initial = weightMap(t, net)
		}
		return nil
	}
	source, _, err := env.Engine.Fit(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(calls, []int{0, 1, 2, 3}) {
		t.Errorf("OnEpoch calls %v, want [0 1 2 3]", calls)
	}
	if builds != 2 { // the training graph and the validation graph
		t.Errorf("Build called %d times, want 2", builds)
	}
	if len(initial) != 10 {
		t.Errorf("%d initialised weights before the first step, want 10", len(initial))
	}
	trained := weightMap(t, source)
	saved, _ := source.MarshalWeights()

	// A uni-modal network on modality 1 under the joint network's paths for encoder 1, with a
	// head of its own: encoder 1 comes from the joint network, the rest is ignored.
	frozen := testEnv(t, ds, 1)
	mo := frozen.Model
	uniJob := &TrainJob{Name: "init", Seed: 9, Data: ds, Inputs: []int{1}, Init: saved,
		Build: func(scope *model.Scope, xs []*graph.Node) Outputs {
			f := mo.Encoder(scope.In("enc1"), xs[0], 0)
			logits := Dense(scope.In("own_head"), f, ds.NumClasses, false, mo.Init)
			return Outputs{Logits: logits, Features: []*graph.Node{f}, SplitLogits: []*graph.Node{logits}}
		},
		Transform: func(b *Batch, grads []Gradient) {
			ScaleGradients(grads, "/", graph.ScalarZero(b.Loss.Graph(), b.Loss.DType()))
		},
	}
	uni, _, err := frozen.Engine.Fit(context.Background(), uniJob)
	if err != nil {
		t.Fatal(err)
	}
	got := weightMap(t, uni)
	if len(got) != 6 { // encoder 1 (4) + own head (2): nothing of encoder 0 or the fusion head
		t.Errorf("restarted network has %d weights, want 6: %v", len(got), slices.Collect(maps.Keys(got)))
	}
	for path, w := range got {
		if strings.HasPrefix(path, "/net/enc1/") && !reflect.DeepEqual(w, trained[path]) {
			t.Errorf("%s does not hold the Init value", path)
		}
	}

	// Shapes must match.
	wrong := &TrainJob{Name: "wrong shape", Seed: 1, Data: ds, Inputs: []int{1}, Init: saved,
		Build: func(scope *model.Scope, xs []*graph.Node) Outputs {
			f := Dense(scope.In("enc1").In("layer0"), xs[0], 32, true, mo.Init)
			return Outputs{Logits: Dense(scope.In("head"), f, ds.NumClasses, false, mo.Init)}
		}}
	if _, _, err := frozen.Engine.Fit(context.Background(), wrong); err == nil || !strings.Contains(err.Error(), "Init: /net/enc1/layer0/") {
		t.Errorf("Init with a different shape: %v", err)
	}
	// An error from OnEpoch stops training and names the epoch.
	failing := jointMethod{}.job(testEnv(t, ds, 3))
	failing.OnEpoch = func(done int, _ *Network) error {
		if done == 2 {
			return errors.New("stop here")
		}
		return nil
	}
	if _, _, err := env.Engine.Fit(context.Background(), failing); err == nil || !strings.Contains(err.Error(), "after epoch 2: stop here") {
		t.Errorf("OnEpoch error: %v", err)
	}
}
