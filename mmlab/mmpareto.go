package mmlab

// mmpareto — MMPareto (Wei & Hu, "MMPareto: Boosting Multimodal Learning with Innocent Unimodal
// Assistance", ICML 2024; official code github.com/GeWu-Lab/MMPareto_ICML2024, code/MMPareto.py
// and code/min_norm_solvers.py, read at commit cc923ec): a late-fusion network with one extra
// linear head per modality on that modality's encoder (as G-Blending's), trained on the
// multi-modal loss plus one uni-modal loss per modality, whose encoders' gradients are combined
// so that the uni-modal losses do not pull an encoder against the multi-modal one.
//
// What is implemented, per training step on a batch, with L_mm = CE(fused logits, y) and
// L_m = CE(uni-modal head m, y), the training loss L = L_mm + Σ_m L_m:
//
//   - the heads (fusion head and uni-modal heads) get the plain gradient of L;
//   - for encoder m, with g = ∇L_mm and u = ∇L_m over all of encoder m's variables (flattened
//     and concatenated; ∇L_j is 0 there for j ≠ m):
//
//     no conflict, ⟨g, u⟩ > 0 (cosine > 0):  (a, b) = (1/2, 1/2)
//     conflict,    ⟨g, u⟩ ≤ 0:               (a, b) = (c, 1 − c), the minimum-norm point of the
//     segment between g and u (MGDA's two-task closed form, MinNormWeight):
//     c = (⟨u,u⟩ − ⟨g,u⟩) / (⟨g,g⟩ + ⟨u,u⟩ − 2⟨g,u⟩)
//     (0.999 if ⟨g,u⟩ ≥ ⟨g,g⟩, 0.001 if ⟨g,u⟩ ≥ ⟨u,u⟩, as the official solver)
//
//     then for each variable (tensor) v of the encoder, with g_v, u_v its parts of g and u:
//
//     d_v = 2·(a·g_v + b·u_v)                      (without conflict: g_v + u_v, the plain sum)
//     grad_v = γ · max(1, ‖g_v + u_v‖ / ‖d_v‖) · d_v (magnitude rule; d_v = 0 gives 0)
//
// So without conflict an encoder's gradient is γ·(g + u); with conflict its direction is the
// Pareto (common descent) direction, each tensor's gradient never shorter than the plain sum's
// and then scaled by γ (MMParetoCombine).
//
// Relation to the paper and the official code. The paper's algorithm takes the equal-weight
// sum without conflict and the Pareto weights with it, then enlarges the Pareto gradient's
// magnitude to that of the plain sum, to keep the SGD noise that helps generalisation; the
// details above follow the official code where the two could differ:
//   - conflict test: the code solves the min-norm problem unless the cosine is strictly
//     positive (cos > 0; at cos = 0 exactly the Pareto weights are used), as here;
//   - weights: the official min_norm_solvers.py (MGDA's, Sener & Koltun, NeurIPS 2018) solved
//     for the two vectors [g, u]: its closed form with the clamps 0.999 / 0.001;
//   - magnitude: the code rescales per parameter tensor (the norms above are per tensor, while
//     the cosine and the weights use the whole encoder), only upward (×max(1, ·)), and
//     multiplies every encoder gradient by a fixed γ = 1.5 (`gamma=1.5` in the code; option
//     mmpareto.gamma) — also without conflict;
//   - the heads' gradients are those of L = L_mm + Σ_m L_m, unweighted, as the code's
//     `loss_mm + loss_a + loss_v`;
//   - the encoders are every variable under /net/enc<m>/ (the code: every parameter of
//     audio_net / visual_net, whose names carry the modality, except the heads);
//   - prediction is the fused head's; the uni-modal heads only train (as G-Blending's here);
//   - optimizer: the official default is SGD (lr 0.002, momentum 0.9, weight decay 1e-4), batch
//     64, 50 epochs, StepLR ×0.1 every 30 epochs. Here the optimizer is the engine's, shared by
//     every method (train.optimizer adam|sgd, train.lr, train.schedule); note that Adam divides
//     out a slowly varying gradient scale such as γ;
//   - the official code has two modalities (audio, visual); the rule is per encoder, so any
//     number M ≥ 2 is accepted here.

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/mmlab-go/mmlab/results"
)

func init() { Register(results.MMParetoMethod, mmparetoMethod{}) }

// MMParetoOptions are MMPareto's options ("mmpareto.<key>").
type MMParetoOptions struct {
	Gamma float64 `opt:"gamma" help:"γ, the factor every encoder gradient is multiplied by after the magnitude rule (the official code's fixed gamma=1.5); > 0"`
}

// DefaultMMParetoOptions returns MMPareto's defaults: γ = 1.5, the official code's value.
func DefaultMMParetoOptions() MMParetoOptions { return MMParetoOptions{Gamma: 1.5} }

// Validate implements Validator.
func (o *MMParetoOptions) Validate() error {
	if !(o.Gamma > 0) || math.IsInf(o.Gamma, 0) {
		return fmt.Errorf("mmpareto.gamma=%g: must be a positive number (it scales every encoder gradient)", o.Gamma)
	}
	return nil
}

type mmparetoMethod struct{}

// Doc implements Method.
func (mmparetoMethod) Doc() string {
	return "MMPareto (Wei & Hu, ICML 2024): a late-fusion network with a linear head per modality, trained on " +
		"the fused cross-entropy plus each uni-modal head's; per encoder, the multi-modal and uni-modal gradients " +
		"are summed when their cosine is positive and combined with MGDA's min-norm weights when not, each " +
		"tensor's gradient rescaled up to the plain sum's norm and multiplied by γ (official code's rule). " +
		"Predicts with the fused head."
}

// DefaultOptions, Requires and PerModality implement Method.
func (mmparetoMethod) DefaultOptions() Validator { o := DefaultMMParetoOptions(); return &o }
func (mmparetoMethod) Requires() []string        { return nil }
func (mmparetoMethod) PerModality() bool         { return false }

// mmparetoLosses are the loss terms of one batch, recorded by the job's Loss for its Transform.
type mmparetoLosses struct {
	multi *graph.Node   // L_mm
	uni   []*graph.Node // L_m
}

// job is the late-fusion network (LateFusion's variables, plus "unihead<m>" in training only)
// with MMPareto's loss and gradient transform.
func (mmparetoMethod) job(env *Env, o *MMParetoOptions) *TrainJob {
	k := env.Data.NumClasses
	mo := env.Model
	// The loss terms of the graph being built: Loss records them, Transform (called right after
	// it on the same batch, see buildBatch) reads them. A job is built once per run, and the
	// replicas of a group each have their own job.
	var terms *mmparetoLosses
	return &TrainJob{
		Name: env.Name, Seed: env.Seed, Data: env.Data, Inputs: env.AllModalities(),
		Build: func(scope *model.Scope, xs []*graph.Node) Outputs { return mo.LateFusion(scope, xs, k) },
		Loss: func(b *Batch) *graph.Node {
			terms = &mmparetoLosses{multi: CrossEntropy(b.Out.Logits, b.Labels)}
			loss := terms.multi
			for m, f := range b.Out.Features {
				lm := CrossEntropy(Dense(b.Scope.In("unihead%d", m), f, k, false, mo.Init), b.Labels)
				terms.uni = append(terms.uni, lm)
				loss = graph.Add(loss, lm)
			}
			return loss
		},
		Transform: func(b *Batch, grads []Gradient) {
			if terms == nil || terms.multi.Graph() != b.Loss.Graph() {
				exceptions.Panicf("mmlab: mmpareto: Transform without the loss terms of its batch")
			}
			o.transform(terms, grads)
			terms = nil
		},
	}
}

// transform replaces every encoder's gradients by MMPareto's combination (MMParetoCombine) of
// the gradients of the multi-modal loss and of that modality's uni-modal loss.
func (o *MMParetoOptions) transform(terms *mmparetoLosses, grads []Gradient) {
	g := terms.multi.Graph()
	for m, lm := range terms.uni {
		prefix := fmt.Sprintf("/%s/enc%d/", netScope, m)
		var idx []int
		var nodes []*graph.Node
		for i := range grads {
			if strings.HasPrefix(grads[i].Path, prefix) {
				idx = append(idx, i)
				nodes = append(nodes, grads[i].Variable.NodeValue(g))
			}
		}
		if len(idx) == 0 {
			exceptions.Panicf("mmlab: mmpareto: no trainable variables under %s (the network must build its encoders as LateFusion does)", prefix)
		}
		combined := MMParetoCombine(graph.Gradient(terms.multi, nodes...), graph.Gradient(lm, nodes...), o.Gamma)
		for j, i := range idx {
			grads[i].Grad = combined[j]
		}
	}
}

// MMParetoCombine returns MMPareto's gradient of one encoder from the gradients multi[i] of the
// multi-modal loss and uni[i] of the uni-modal loss with respect to each of the encoder's
// variables (same shapes): with a = b = 1/2 if the concatenated gradients' inner product is
// positive, else (a, b) = (c, 1 − c) with c = MinNormWeight, each variable's result is
// γ·max(1, ‖multi[i] + uni[i]‖ / ‖d_i‖)·d_i where d_i = 2·(a·multi[i] + b·uni[i]) (0 where d_i = 0).
// It panics on lists of different lengths or shapes.
func MMParetoCombine(multi, uni []*graph.Node, gamma float64) []*graph.Node {
	if len(multi) != len(uni) || len(multi) == 0 {
		exceptions.Panicf("mmlab.MMParetoCombine: %d multi-modal and %d uni-modal gradients: want the same non-zero number", len(multi), len(uni))
	}
	var gg, gu, uu *graph.Node
	add := func(acc, x *graph.Node) *graph.Node {
		if acc == nil {
			return x
		}
		return graph.Add(acc, x)
	}
	for i := range multi {
		if !multi[i].Shape().Equal(uni[i].Shape()) {
			exceptions.Panicf("mmlab.MMParetoCombine: gradient %d has shapes %s and %s", i, multi[i].Shape(), uni[i].Shape())
		}
		gg = add(gg, graph.ReduceAllSum(graph.Square(multi[i])))
		gu = add(gu, graph.ReduceAllSum(graph.Mul(multi[i], uni[i])))
		uu = add(uu, graph.ReduceAllSum(graph.Square(uni[i])))
	}
	half := graph.Scalar(gg.Graph(), gg.DType(), 0.5)
	a := graph.Where(graph.GreaterThan(gu, graph.ScalarZero(gg.Graph(), gg.DType())), half, MinNormWeight(gg, gu, uu))
	b := graph.OneMinus(a)
	out := make([]*graph.Node, len(multi))
	for i := range multi {
		d := graph.MulScalar(graph.Add(graph.Mul(multi[i], a), graph.Mul(uni[i], b)), 2)
		sumNorm := graph.Sqrt(graph.ReduceAllSum(graph.Square(graph.Add(multi[i], uni[i]))))
		dNorm := graph.Sqrt(graph.ReduceAllSum(graph.Square(d)))
		zero := graph.ScalarZero(d.Graph(), d.DType())
		one := graph.ScalarOne(d.Graph(), d.DType())
		// max(1, ‖g+u‖/‖d‖), and 1 where ‖d‖ = 0 (then d = 0 and so is the result).
		ratio := graph.Div(sumNorm, graph.Where(graph.GreaterThan(dNorm, zero), dNorm, one))
		scale := graph.Where(graph.GreaterThan(ratio, one), ratio, one)
		out[i] = graph.Mul(d, graph.MulScalar(scale, gamma))
	}
	return out
}

// MinNormWeight returns the weight c ∈ [0.001, 0.999] of g in the minimum-norm point c·g + (1−c)·u
// of the segment between two vectors, from their inner products gg = ⟨g,g⟩, gu = ⟨g,u⟩,
// uu = ⟨u,u⟩ (scalars): c = (uu − gu) / (gg + uu − 2·gu), except 0.999 if gu ≥ gg and 0.001 if
// gu ≥ uu (the official MMPareto code's solver, MGDA's two-task closed form, whose clamps keep
// both weights positive); 1/2 if both vectors are 0.
func MinNormWeight(gg, gu, uu *graph.Node) *graph.Node {
	gr, dt := gg.Graph(), gg.DType()
	denom := graph.Sub(graph.Add(gg, uu), graph.MulScalar(gu, 2))
	zero := graph.ScalarZero(gr, dt)
	safe := graph.Where(graph.GreaterThan(denom, zero), denom, graph.ScalarOne(gr, dt))
	c := graph.Div(graph.Sub(uu, gu), safe)
	c = graph.Where(graph.GreaterThan(denom, zero), c, graph.Scalar(gr, dt, 0.5))
	c = graph.Where(graph.GreaterOrEqual(gu, uu), graph.Scalar(gr, dt, 0.001), c)
	c = graph.Where(graph.GreaterOrEqual(gu, gg), graph.Scalar(gr, dt, 0.999), c)
	// Both zero: gu ≥ gg and gu ≥ uu hold; the official code returns 0.999, and the result is 0
	// either way. Keep 1/2 so that the weights are symmetric.
	bothZero := graph.LogicalAnd(graph.Equal(gg, zero), graph.Equal(uu, zero))
	return graph.Where(bothZero, graph.Scalar(gr, dt, 0.5), c)
}

// TrainJob implements JobTrainer.
func (m mmparetoMethod) TrainJob(env *Env, opts Validator) (*TrainJob, error) {
	return m.job(env, opts.(*MMParetoOptions)), nil
}

// Train implements Method.
func (m mmparetoMethod) Train(ctx context.Context, env *Env, opts Validator) (Predictor, *results.Curves, error) {
	return env.Fit(ctx, m.job(env, opts.(*MMParetoOptions)))
}

// Restore implements Restorer. The saved weights include the uni-modal heads, which prediction
// does not use.
func (m mmparetoMethod) Restore(env *Env, opts Validator, weights []byte) (Predictor, error) {
	return RestoreNetwork(env.Backend(), m.job(env, opts.(*MMParetoOptions)), weights)
}
