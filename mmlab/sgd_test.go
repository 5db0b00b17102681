package mmlab

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
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

// TestSGDMomentum: two steps of OptimizerSGD on a constant gradient follow torch.optim.SGD with
// momentum 0.9 and weight decay 1e-4 exactly (Adam's would move each weight by ≈ 2·lr instead of
// ≈ 2.9·lr), and a job with it is not Replicable.
func TestSGDMomentum(t *testing.T) {
	ds := testData(t, smallSpec) // 512 training samples, batch 256: two steps per epoch
	const w0, lr = 2.0, 0.1
	run := func(optimizer string) float64 {
		env := testEnv(t, ds, 1)
		env.Engine.Options.LR = lr
		job := constantGradientJob(env, w0)
		job.Optimizer = optimizer
		net, _, err := env.Engine.Fit(context.Background(), job)
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
	job := constantGradientJob(env, w0)
	job.Optimizer = "rmsprop"
	if _, _, err := env.Engine.Fit(context.Background(), job); err == nil || !strings.Contains(err.Error(), `optimizer "rmsprop"`) {
		t.Errorf("unknown optimizer: %v", err)
	}
	job.Optimizer = OptimizerSGD
	if job.Replicable() {
		t.Error("a job with OptimizerSGD is Replicable")
	}
}

// TestOGMGEOptimizerOption: ogmge.optimizer reaches the training job, is validated, and is left
// out of the run configuration at its default (so stored runs keep their keys).
func TestOGMGEOptimizerOption(t *testing.T) {
	c, err := ParseConfig([]string{OGMGEMethod}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Values(OGMGEMethod)["ogmge.optimizer"]; ok {
		t.Error("ogmge.optimizer=adam (the default) is in the run configuration; it would change stored run keys")
	}
	if _, ok := c.Values(OGMGEMethod)["ogmge.alpha"]; !ok {
		t.Error("ogmge.alpha missing from the run configuration")
	}
	c, err = ParseConfig([]string{OGMGEMethod}, map[string]string{"ogmge.optimizer": "sgd"})
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Values(OGMGEMethod)["ogmge.optimizer"]; v != "sgd" {
		t.Errorf("run configuration has ogmge.optimizer = %v, want sgd", v)
	}
	o := c.Methods[OGMGEMethod].(*OGMGEOptions)
	env := testEnv(t, testData(t, smallSpec), 1)
	if job := (ogmgeMethod{}).job(env, o); job.Optimizer != OptimizerSGD || job.Replicable() {
		t.Errorf("job.Optimizer = %q (Replicable %v), want sgd and not replicable", job.Optimizer, job.Replicable())
	}
	for _, tc := range []struct {
		options map[string]string
		wantErr string
	}{
		{map[string]string{"ogmge.optimizer": "rmsprop"}, `optimizer="rmsprop": valid values are adam, sgd`},
		{map[string]string{"ogmge.optimizer": "sgd", "train.weight_decay": "0.01"}, "train.weight_decay=0.01 is AdamW's"},
	} {
		if _, err := ParseConfig([]string{OGMGEMethod}, tc.options); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%v: got %v, want an error containing %q", tc.options, err, tc.wantErr)
		}
	}
	// A short run with SGD trains and gives other weights than with Adam.
	method, _ := LookupMethod(OGMGEMethod)
	weights := map[string][]byte{}
	for _, opt := range []string{OptimizerAdam, OptimizerSGD} {
		o := DefaultOGMGEOptions()
		o.Optimizer = opt
		pred, _, err := method.Train(context.Background(), env, &o)
		if err != nil {
			t.Fatal(err)
		}
		weights[opt] = checkRestores(t, method, env, &o, pred)
	}
	if string(weights[OptimizerAdam]) == string(weights[OptimizerSGD]) {
		t.Error("ogmge.optimizer=sgd trained the same weights as adam: the option is ignored")
	}
}
