package mmlab

// gblend — Gradient-Blending (Wang, Tran & Feiszli, "What Makes Training Multi-modal
// Classification Networks Hard?", CVPR 2020): a late-fusion network with one extra linear head
// per modality on that modality's encoder, trained with L = Σ_k w_k·CE_k over the M uni-modal
// heads and the fused head, where the weights come from each head's overfitting-to-generalization
// behaviour measured on a part of the training split held out for the purpose (docs/DESIGN.md §4).
// A baseline of Du et al.'s comparison, which cites the extra split and the repeated training as
// its cost.
//
// What is implemented (heads k = 0 … M−1 are the uni-modal heads, k = M the fused head; the
// weights are recorded in that order in Curves.LossWeights):
//
//  1. Hold out: a seeded random GBlendOptions.Holdout fraction of the training split is held out
//     (V′); the rest is T′. The real validation split is never used for the weights.
//  2. Estimate (GB-Estimate) over a window of n = SuperEpoch epochs: for every head k, an
//     estimation model — encoder m + its own linear head for a uni-modal head, all encoders + the
//     fusion head for the fused one (naive joint training) — is trained alone with
//     cross-entropy on T′ for n epochs; its mean cross-entropy on T′ (L^T) and on V′ (L^V) is
//     measured at the window's start N and end N+n. Then, with O = L^V − L^T (overfitting):
//     ΔO_k = O_{N+n} − O_N, ΔG_k = L^V_N − L^V_{N+n} (generalization gain), and
//     w_k = |ΔG_k / ΔO_k²| / Σ_j |ΔG_j / ΔO_j²| (BlendingWeights).
//  3. mode=offline: estimate once, from scratch (N = 0, estimation models freshly initialised
//     with the run's seed), then train the blended network from scratch with those weights
//     for train.epochs on the whole training split (T′ ∪ V′: the held-out part was needed for
//     the estimate only; a choice of ours, which makes offline runs see as much data as joint's).
//     mode=online: train the blended network on T′; before epoch 0 and after every SuperEpoch
//     epochs, re-estimate the weights with estimation models that start from the blended
//     network's current weights (the encoders and the head concerned; the optimizer state
//     starts fresh), and train the next super-epoch with them. V′ is never trained on.
//
// Relation to the paper and to MultiBench's public implementation (training_structures/
// gradient_blend.py, which follows the same scheme): the weights use the deltas over the window
// as in the paper (MultiBench's default instead uses O_{N+n} and L^V_{N+n} themselves); the
// absolute value and normalisation to Σ w_k = 1 are docs/DESIGN.md §4's (the paper writes the weights
// as ΔG_k/ΔO_k² over a normalising constant Z; with the absolute value, a head whose held-out
// loss rose gets weight |ΔG| too). ΔO² is floored at 1e-12 only to avoid a division by zero; if
// every ΔG is 0 the weights are uniform. The estimation models train with the run's optimizer (train.optimizer,
// Adam or SGD with momentum, each estimate with fresh optimizer state) at a constant train.lr
// (even when the blended network uses the cosine or step schedule) without early stopping.
// Prediction is the fused head's, as in the paper; the uni-modal heads only train. The paper's
// own choices of super-epoch length and held-out size are not known to us: SuperEpoch = 10 and
// Holdout = 0.2 are ours (MultiBench: 20 epochs and 8%).

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

func init() { Register(results.GBlendMethod, gblendMethod{}) }

// G-Blending's modes (GBlendOptions.Mode).
const (
	// GBlendOffline estimates the weights once, then trains the blended network from scratch.
	GBlendOffline = "offline"
	// GBlendOnline re-estimates the weights every super-epoch while the blended network trains.
	GBlendOnline = "online"
)

// GBlendOptions are G-Blending's options ("gblend.<key>").
type GBlendOptions struct {
	Mode       string  `opt:"mode" choices:"online|offline" help:"online: re-estimate the weights every super-epoch while training on the non-held-out part; offline: estimate once, then train from scratch on the whole training split"`
	SuperEpoch int     `opt:"super_epoch" help:"epochs of each estimation window (online: also how often the weights are re-estimated); at most train.epochs (ours: 10)"`
	Holdout    float64 `opt:"holdout" help:"fraction of the training split held out to measure the overfitting-to-generalization ratio, in (0, 1) (ours: 0.2)"`
}

// DefaultGBlendOptions returns G-Blending's defaults: online, super-epochs of 10 epochs (15
// estimates over the default 150 epochs), 20% of the training split held out (400 of LazyPair's
// default 2000 samples). The values are ours: the paper's are not known to us.
func DefaultGBlendOptions() GBlendOptions {
	return GBlendOptions{Mode: GBlendOnline, SuperEpoch: 10, Holdout: 0.2}
}

// Validate implements Validator.
func (o *GBlendOptions) Validate() error {
	switch {
	case o.SuperEpoch < 1:
		return fmt.Errorf("gblend.super_epoch=%d: must be ≥ 1 epoch", o.SuperEpoch)
	case !(o.Holdout > 0 && o.Holdout < 1):
		return fmt.Errorf("gblend.holdout=%g: must be a fraction of the training split in (0, 1)", o.Holdout)
	}
	return checkChoices(o, "gblend.")
}

// ValidateTrain implements TrainValidator: a super-epoch cannot be longer than training.
func (o *GBlendOptions) ValidateTrain(t *TrainOptions) error {
	if o.SuperEpoch > t.Epochs {
		return fmt.Errorf("gblend.super_epoch=%d is longer than training (train.epochs=%d)", o.SuperEpoch, t.Epochs)
	}
	return nil
}

type gblendMethod struct{}

// Doc implements Method.
func (gblendMethod) Doc() string {
	return "G-Blending (Wang et al., CVPR 2020): a late-fusion network with an extra linear head per modality, " +
		"trained with Σ_k w_k·CE_k over the uni-modal and fused heads; w_k ∝ |ΔG_k/ΔO_k²| from each head's " +
		"generalization gain and overfitting on a held-out part of the training split, estimated once (offline) " +
		"or every super-epoch (online). Predicts with the fused head."
}

// DefaultOptions, Requires and PerModality implement Method.
func (gblendMethod) DefaultOptions() Validator { o := DefaultGBlendOptions(); return &o }
func (gblendMethod) Requires() []string        { return nil }
func (gblendMethod) PerModality() bool         { return false }

// lossWeightsPath is the non-trainable variable holding the blended loss's weights w_k.
var lossWeightsPath = "/" + netScope + "/gblend/loss_weights"

// job describes the blended network trained on data: LateFusion (scopes "enc<m>", "fusion")
// plus, in the training loss only, a linear head per modality (scope "unihead<m>"); weights are
// the loss weights it starts with (online: replaced before the first step).
func (gblendMethod) job(env *Env, data *datasets.Dataset, weights []float64) *TrainJob {
	k := env.Data.NumClasses
	mo := env.Model
	initial := make([]float32, len(weights))
	for i, w := range weights {
		initial[i] = float32(w)
	}
	return &TrainJob{
		Name: env.Name, Seed: env.Seed, Data: data, Inputs: env.AllModalities(),
		Build: func(scope *model.Scope, xs []*graph.Node) Outputs { return mo.LateFusion(scope, xs, k) },
		Loss: func(b *Batch) *graph.Node {
			if len(initial) != len(b.Out.Features)+1 {
				exceptions.Panicf("mmlab: gblend: %d loss weights for %d modalities + the fused head", len(initial), len(b.Out.Features))
			}
			w := b.Scope.In("gblend").VariableWithValue("loss_weights", initial).SetTrainable(false).NodeValue(b.Labels.Graph())
			term := func(i int, logits *graph.Node) *graph.Node {
				wi := graph.Reshape(graph.Slice(w, graph.AxisElem(i)))
				return graph.Mul(wi, CrossEntropy(logits, b.Labels))
			}
			loss := term(len(b.Out.Features), b.Out.Logits)
			for m, f := range b.Out.Features {
				loss = graph.Add(loss, term(m, Dense(b.Scope.In("unihead%d", m), f, k, false, mo.Init)))
			}
			return loss
		},
	}
}

// Train implements Method.
func (g gblendMethod) Train(ctx context.Context, env *Env, opts Validator) (Predictor, *results.Curves, error) {
	o := opts.(*GBlendOptions)
	if err := o.ValidateTrain(&env.Engine.Options); err != nil {
		return nil, nil, fmt.Errorf("mmlab: gblend: %w", err)
	}
	fit, heldOut, err := holdOut(env.Data, o.Holdout, env.Seed, env.Engine.Options.Batch)
	if err != nil {
		return nil, nil, fmt.Errorf("mmlab: gblend: %w", err)
	}
	est := &gbEstimator{env: env, opts: o, fit: fit, heldOut: heldOut}
	heads := len(env.Data.Modalities) + 1
	if o.Mode == GBlendOffline {
		weights, err := est.weights(ctx, nil, 0)
		if err != nil {
			return nil, nil, err
		}
		net, curves, err := env.Engine.Fit(ctx, g.job(env, env.Data, weights))
		if err != nil {
			return nil, nil, err
		}
		curves.LossWeights = []results.LossWeights{{Epoch: 0, Weights: weights}}
		return net, curves, nil
	}
	uniform := make([]float64, heads)
	for i := range uniform {
		uniform[i] = 1 / float64(heads)
	}
	job := g.job(env, fit, uniform)
	var history []results.LossWeights
	epochs := env.Engine.Options.Epochs
	job.OnEpoch = func(done int, net *Network) error {
		if done%o.SuperEpoch != 0 || done >= epochs {
			return nil
		}
		current, err := net.MarshalWeights()
		if err != nil {
			return err
		}
		weights, err := est.weights(ctx, current, done/o.SuperEpoch)
		if err != nil {
			return err
		}
		v := net.Variable(lossWeightsPath)
		if v == nil {
			return fmt.Errorf("mmlab: gblend: the network has no variable %s", lossWeightsPath)
		}
		w32 := make([]float32, len(weights))
		for i, w := range weights {
			w32[i] = float32(w)
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(w32, len(w32))); err != nil {
			return fmt.Errorf("mmlab: gblend: setting the loss weights: %w", err)
		}
		history = append(history, results.LossWeights{Epoch: done, Weights: weights})
		return nil
	}
	net, curves, err := env.Engine.Fit(ctx, job)
	if err != nil {
		return nil, nil, err
	}
	curves.LossWeights = history
	return net, curves, nil
}

// Restore implements Restorer. The saved weights include the uni-modal heads, which prediction
// does not use.
func (g gblendMethod) Restore(env *Env, opts Validator, weights []byte) (Predictor, error) {
	return RestoreNetwork(env.Backend(), g.job(env, env.Data, nil), weights)
}

// holdoutStream is the second PCG parameter of the held-out draw (the first is the run seed),
// distinct from the batch-order stream.
const holdoutStream = 0x67626c656e64 // "gblend"

// holdOut splits data's training split at random (seeded): a fraction of it is returned as
// heldOut, and fit is data with the rest as its training split (validation and test unchanged).
// fit must keep at least one batch and heldOut at least one sample.
func holdOut(data *datasets.Dataset, fraction float64, seed, batch int) (fit *datasets.Dataset, heldOut *datasets.Split, err error) {
	n := data.Train.Len()
	h := int(math.Round(fraction * float64(n)))
	if h < 1 || n-h < batch {
		return nil, nil, fmt.Errorf("gblend.holdout=%g of %d training samples holds out %d and leaves %d to train on: "+
			"want at least 1 held out and at least train.batch=%d to train on", fraction, n, h, n-h, batch)
	}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	newPCG(uint64(seed), holdoutStream).shuffle(order)
	toInts := func(xs []int32) []int {
		out := make([]int, len(xs))
		for i, x := range xs {
			out[i] = int(x)
		}
		slices.Sort(out)
		return out
	}
	rest := *data
	rest.Train = data.Train.Select(toInts(order[h:]))
	return &rest, data.Train.Select(toInts(order[:h])), nil
}

// LossWindow is one head's mean cross-entropy on the training part (T′) and on the held-out
// part (V′) at the start (epoch N) and the end (N+n) of an estimation window.
type LossWindow struct {
	TrainBefore, HeldOutBefore float64 // L^T_N, L^V_N
	TrainAfter, HeldOutAfter   float64 // L^T_{N+n}, L^V_{N+n}
}

// Overfitting returns ΔO = O_{N+n} − O_N, where O = L^V − L^T.
func (w LossWindow) Overfitting() float64 {
	return (w.HeldOutAfter - w.TrainAfter) - (w.HeldOutBefore - w.TrainBefore)
}

// Gain returns ΔG = L^V_N − L^V_{N+n}, the held-out loss gained over the window.
func (w LossWindow) Gain() float64 { return w.HeldOutBefore - w.HeldOutAfter }

// minSquaredOverfitting floors ΔO² in BlendingWeights, only to avoid a division by zero.
const minSquaredOverfitting = 1e-12

// BlendingWeights returns G-Blending's loss weights from each head's estimation window:
// w_k = |ΔG_k / ΔO_k²| / Σ_j |ΔG_j / ΔO_j²| (ΔO² floored at 1e-12); uniform weights if every
// ΔG is 0. It is an error if there are no windows or a loss is not finite.
func BlendingWeights(windows []LossWindow) ([]float64, error) {
	if len(windows) == 0 {
		return nil, fmt.Errorf("mmlab.BlendingWeights: no heads")
	}
	raw := make([]float64, len(windows))
	sum := 0.0
	for k, w := range windows {
		for _, x := range []float64{w.TrainBefore, w.HeldOutBefore, w.TrainAfter, w.HeldOutAfter} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("mmlab.BlendingWeights: head %d has a non-finite loss: %+v", k, w)
			}
		}
		raw[k] = math.Abs(w.Gain()) / max(w.Overfitting()*w.Overfitting(), minSquaredOverfitting)
		sum += raw[k]
	}
	for k := range raw {
		if sum == 0 {
			raw[k] = 1 / float64(len(raw))
		} else {
			raw[k] /= sum
		}
	}
	return raw, nil
}

// gbEstimator runs GB-Estimate for one run: the estimation models of every head on fit (T′),
// measured on fit and heldOut (V′).
type gbEstimator struct {
	env     *Env
	opts    *GBlendOptions
	fit     *datasets.Dataset
	heldOut *datasets.Split
}

// weights trains the estimation model of every head for one window, starting from init
// (MarshalWeights of the blended network; nil: from scratch), and returns the blending weights.
func (e *gbEstimator) weights(ctx context.Context, init []byte, round int) ([]float64, error) {
	env := e.env
	numM := len(env.Data.Modalities)
	k := env.Data.NumClasses
	mo := env.Model
	engine := &Engine{Backend: env.Engine.Backend, Options: env.Engine.Options}
	engine.Options.Epochs = e.opts.SuperEpoch
	engine.Options.Schedule = ScheduleConstant
	engine.Options.Patience = 0
	windows := make([]LossWindow, numM+1)
	for head := range numM + 1 {
		job := &TrainJob{Seed: env.Seed, Data: e.fit, Init: init}
		if head < numM {
			m := head
			job.Name = fmt.Sprintf("%s: G-Blending estimate %d, head m%d", env.Name, round, m)
			job.Inputs = []int{m}
			job.Build = func(scope *model.Scope, xs []*graph.Node) Outputs {
				f := mo.Encoder(scope.In("enc%d", m), xs[0], 0)
				logits := Dense(scope.In("unihead%d", m), f, k, false, mo.Init)
				return Outputs{Logits: logits, Features: []*graph.Node{f}, SplitLogits: []*graph.Node{logits}}
			}
		} else {
			job.Name = fmt.Sprintf("%s: G-Blending estimate %d, fused head", env.Name, round)
			job.Inputs = env.AllModalities()
			job.Build = func(scope *model.Scope, xs []*graph.Node) Outputs { return mo.LateFusion(scope, xs, k) }
		}
		w := &windows[head]
		job.OnEpoch = func(done int, net *Network) error {
			if done != 0 && done != e.opts.SuperEpoch {
				return nil
			}
			losses, err := meanCrossEntropies(net, e.fit.Train, e.heldOut)
			if err != nil {
				return err
			}
			if done == 0 {
				w.TrainBefore, w.HeldOutBefore = losses[0], losses[1]
			} else {
				w.TrainAfter, w.HeldOutAfter = losses[0], losses[1]
			}
			return nil
		}
		if _, _, err := engine.Fit(ctx, job); err != nil {
			return nil, fmt.Errorf("mmlab: gblend: %w", err)
		}
	}
	weights, err := BlendingWeights(windows)
	if err != nil {
		return nil, fmt.Errorf("mmlab: gblend: %s, estimate %d: %w", env.Name, round, err)
	}
	return weights, nil
}

// meanCrossEntropies returns the mean cross-entropy of net's prediction on each split, with the
// weights net holds now (safe during training: the graph reads the weights as parameters).
func meanCrossEntropies(net *Network, splits ...*datasets.Split) ([]float64, error) {
	numInputs := len(net.inputs)
	exec, err := model.NewExec(net.backend, net.store, func(root *model.Scope, in []*graph.Node) []*graph.Node {
		root.SetTraining(in[0].Graph(), true) // weights as parameters, not constants
		out := net.buildOn(root.In(netScope), in[:numInputs])
		return []*graph.Node{CrossEntropy(out.Logits, in[numInputs])}
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	losses := make([]float64, len(splits))
	for i, s := range splits {
		args := make([]any, 0, numInputs+1)
		for _, m := range net.inputs {
			args = append(args, tensors.FromFlatDataAndDimensions(s.Features[m], s.Len(), net.sizes[m]))
		}
		args = append(args, tensors.FromFlatDataAndDimensions(s.Labels, s.Len()))
		var outs []*tensors.Tensor
		if e := exceptions.TryCatch[error](func() { outs, err = exec.Exec(args...) }); e != nil {
			err = e
		}
		for _, a := range args {
			a.(*tensors.Tensor).MustFinalizeAll()
		}
		if err != nil {
			return nil, err
		}
		losses[i] = float64(tensors.MustCopyFlatData[float32](outs[0])[0])
		finalizeAll(outs)
	}
	return losses, nil
}
