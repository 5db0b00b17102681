package mmlab

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/results"
)

// constantGradientJob is a job whose only weight w ([K]) gives every sample the logits w, with
// the loss Σw: its gradient is 1 everywhere, whatever the batch, so the optimizer's update rule
// can be checked by hand.
func constantGradientJob(env *Env, w0 float32) *TrainJob {
	job := jointMethod{}.job(env)
	k := env.Data.NumClasses
	job.Build = func(scope *model.Scope, xs []*graph.Node) Outputs {
		init := make([]float32, k)
		for i := range init {
			init[i] = w0
		}
		w := scope.VariableWithValue("w", init).NodeValue(xs[0].Graph())
		batch := xs[0].Shape().Dimensions[0]
		return Outputs{Logits: graph.BroadcastToDims(graph.Reshape(w, 1, k), batch, k)}
	}
	job.Loss = func(b *Batch) *graph.Node {
		return graph.DivScalar(graph.ReduceAllSum(b.Out.Logits), float64(b.Out.Logits.Shape().Dimensions[0]))
	}
	return job
}

// TestSGDMomentum: two steps of train.optimizer=sgd on a constant gradient follow
// torch.optim.SGD with momentum 0.9 and weight decay 1e-4 exactly (Adam's would move each weight
// by ≈ 2·lr instead of ≈ 2.9·lr); an unknown optimizer is an error.
func TestSGDMomentum(t *testing.T) {
	ds := testData(t, smallSpec) // 512 training samples, batch 256: two steps per epoch
	const w0, lr = 2.0, 0.1
	run := func(optimizer string) float64 {
		env := testEnv(t, ds, 1)
		env.Engine.Options.LR, env.Engine.Options.Optimizer = lr, optimizer
		net, _, err := env.Engine.Fit(context.Background(), constantGradientJob(env, w0))
		if err != nil {
			t.Fatal(err)
		}
		w := weightMap(t, net)["/net/w"]
		if len(w) != ds.NumClasses {
			t.Fatalf("weights %v", weightMap(t, net))
		}
		return float64(w[0])
	}
	// torch: g = 1 + wd·w; b = μ·b + g (b₀ = 0); w ← w − lr·b.
	w, b := w0, 0.0
	for range 2 {
		g := 1 + SGDWeightDecay*w
		b = SGDMomentum*b + g
		w -= lr * b
	}
	if got := run(OptimizerSGD); math.Abs(got-w) > 1e-5 {
		t.Errorf("sgd: w = %.7f after two steps, want %.7f (torch.optim.SGD)", got, w)
	}
	if got := run(OptimizerAdam); math.Abs(got-(w0-2*lr)) > 1e-4 {
		t.Errorf("adam: w = %.7f after two steps, want ≈ %.7f", got, w0-2*lr)
	}
	env := testEnv(t, ds, 1)
	env.Engine.Options.Optimizer = "rmsprop"
	if _, _, err := env.Engine.Fit(context.Background(), constantGradientJob(env, w0)); err == nil ||
		!strings.Contains(err.Error(), `train.optimizer="rmsprop"`) {
		t.Errorf("unknown optimizer: %v", err)
	}
}

// TestStepSchedule: train.schedule=step keeps train.lr for the first ⌊0.7·epochs⌋ epochs and
// then applies ×0.1 (the official OGM-GE code's StepLR, 70 of 100 epochs).
func TestStepSchedule(t *testing.T) {
	o := DefaultTrainOptions()
	o.Schedule, o.LR = ScheduleStep, 0.05
	for _, tc := range []struct {
		epochs, perEpoch, step int
		want                   float64
	}{
		{100, 10, 0, 0.05}, {100, 10, 699, 0.05}, {100, 10, 700, 0.005}, {100, 10, 999, 0.005},
		{150, 7, 104*7 + 6, 0.05}, {150, 7, 105 * 7, 0.005}, {40, 7, 27*7 + 6, 0.05}, {40, 7, 28 * 7, 0.005},
	} {
		o.Epochs = tc.epochs
		if got := o.learningRate(tc.step, tc.epochs*tc.perEpoch); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%d epochs × %d steps: lr(step %d) = %g, want %g", tc.epochs, tc.perEpoch, tc.step, got, tc.want)
		}
	}
}

// TestTrainOptimizerOption: train.optimizer is validated, is left out of every method's run
// configuration at adam (so stored runs keep their keys), and with sgd joint training,
// G-Blending (the blended network) and OGM-GE all train with the SGD update: their networks
// hold a momentum buffer for every trainable variable, which Adam never creates, and their
// weights differ from Adam's.
func TestTrainOptimizerOption(t *testing.T) {
	methods := []string{results.JointMethod, results.GBlendMethod, results.OGMGEMethod}
	c, err := ParseConfig(methods, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range methods {
		if _, ok := c.Values(m)["train.optimizer"]; ok {
			t.Errorf("%s: train.optimizer=adam (the default) is in the run configuration; it would change stored run keys", m)
		}
	}
	c, err = ParseConfig(methods, map[string]string{"train.optimizer": "sgd"})
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Values(results.JointMethod)["train.optimizer"]; v != "sgd" || c.Train.Optimizer != OptimizerSGD {
		t.Errorf("run configuration has train.optimizer = %v (Train.Optimizer %q), want sgd", v, c.Train.Optimizer)
	}
	for _, tc := range []struct {
		options map[string]string
		wantErr string
	}{
		{map[string]string{"train.optimizer": "rmsprop"}, `optimizer="rmsprop": valid values are adam, sgd`},
		{map[string]string{"train.optimizer": "sgd", "train.weight_decay": "0.01"}, "train.weight_decay=0.01 is AdamW's"},
		{map[string]string{"ogmge.optimizer": "sgd"}, `unknown option "optimizer"`},
	} {
		if _, err := ParseConfig(methods, tc.options); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%v: got %v, want an error containing %q", tc.options, err, tc.wantErr)
		}
	}
	ds := testData(t, smallSpec)
	for _, name := range methods {
		method, _ := LookupMethod(name)
		weights := map[string][]byte{}
		for _, opt := range []string{OptimizerAdam, OptimizerSGD} {
			env := testEnv(t, ds, 2)
			env.Engine.Options.Optimizer = opt
			o := method.DefaultOptions()
			if g, ok := o.(*GBlendOptions); ok {
				g.SuperEpoch = 1
			}
			pred, _, err := method.Train(context.Background(), env, o)
			if err != nil {
				t.Fatal(err)
			}
			net := pred.(*Network)
			momenta, vars := 0, 0
			for v := range net.store.IterVariables() {
				if strings.HasPrefix(v.Path(), "/sgd_momentum/") {
					momenta++
				} else if v.Trainable && strings.HasPrefix(v.Path(), "/"+netScope+"/") {
					vars++
					if opt == OptimizerSGD && net.Variable("/sgd_momentum"+v.Path()) == nil {
						t.Errorf("%s with sgd: no momentum buffer for %s", name, v.Path())
					}
				}
			}
			if want := map[string]int{OptimizerAdam: 0, OptimizerSGD: vars}[opt]; momenta != want || vars == 0 {
				t.Errorf("%s with %s: %d momentum buffers for %d trainable variables, want %d", name, opt, momenta, vars, want)
			}
			weights[opt] = checkRestores(t, method, env, o, pred)
		}
		if string(weights[OptimizerAdam]) == string(weights[OptimizerSGD]) {
			t.Errorf("%s: train.optimizer=sgd trained the same weights as adam: the option is ignored", name)
		}
	}
}
