package mmlab

// umt — Uni-Modal Teacher (Du et al., ICML 2023): a late-fusion student trained from scratch with
// cross-entropy on the fused logits plus λ·Σ_m distance(f_m, stopgrad(f_m^teacher)), where the
// teachers are the frozen uni-modal runs of the same seed (the ones UME uses). There is no data
// augmentation, so the teachers' features of the training split are computed once and gathered
// with every batch (DESIGN.md §4).

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

func init() { Register(UMTMethod, umtMethod{}) }

// Distances of UMT's distillation term (UMTOptions.Distance).
const (
	DistanceMSE    = "mse"    // mean over batch and dimensions of (f − t)²; the default
	DistanceL1     = "l1"     // mean over batch and dimensions of |f − t|
	DistanceCosine = "cosine" // mean over the batch of 1 − cos(f, t)
)

// Free-dimension modes (UMTOptions.FreeMode).
const (
	// FreeShared widens each student encoder's last layer by FreeDims outputs (ours).
	FreeShared = "shared"
	// FreeBranch adds, per modality, a second undistilled encoder with FreeDims outputs. It has
	// about twice the encoder parameters: compare it with a width-matched joint model (ours).
	FreeBranch = "branch"
)

// UMTOptions are UMT's options ("umt.<key>").
type UMTOptions struct {
	Lambda   float64 `opt:"lambda" help:"weight λ of the distillation term (10: a public re-implementation's default; the paper's value is unverified)"`
	Distance string  `opt:"distance" choices:"mse|l1|cosine" help:"distance between student and teacher features"`
	FreeDims int     `opt:"free_dims" help:"extra undistilled encoder outputs per modality that feed the fusion head (ours; 0 = the reference method)"`
	FreeMode string  `opt:"free_mode" choices:"shared|branch" help:"free dims from the encoder's own last layer (shared) or from a second undistilled encoder (branch)"`
}

// DefaultUMTOptions returns UMT's defaults: λ = 10, mse, no free dimensions.
func DefaultUMTOptions() UMTOptions {
	return UMTOptions{Lambda: 10, Distance: DistanceMSE, FreeDims: 0, FreeMode: FreeShared}
}

// Validate implements Validator.
func (o *UMTOptions) Validate() error {
	switch {
	case o.Lambda < 0:
		return fmt.Errorf("umt.lambda=%g: must be ≥ 0", o.Lambda)
	case o.Distance != DistanceMSE && o.Distance != DistanceL1 && o.Distance != DistanceCosine:
		return fmt.Errorf("umt.distance=%q: valid values are mse, l1, cosine", o.Distance)
	case o.FreeDims < 0:
		return fmt.Errorf("umt.free_dims=%d: must be ≥ 0", o.FreeDims)
	case o.FreeMode != FreeShared && o.FreeMode != FreeBranch:
		return fmt.Errorf("umt.free_mode=%q: valid values are shared, branch", o.FreeMode)
	}
	return nil
}

type umtMethod struct{}

// Doc implements Method.
func (umtMethod) Doc() string {
	return "Uni-Modal Teacher (Du et al., ICML 2023): a late-fusion student trained from scratch with " +
		"CE(fused) + λ·Σ_m distance(f_m, f_m^teacher) to the frozen uni runs' encoder outputs; " +
		"optional undistilled free dimensions (ours)."
}

// DefaultOptions, Requires and PerModality implement Method.
func (umtMethod) DefaultOptions() Validator { o := DefaultUMTOptions(); return &o }
func (umtMethod) Requires() []string        { return []string{UniMethod} }
func (umtMethod) PerModality() bool         { return false }

// job describes the student network; teachers (per modality: features of the training split,
// [N × dim]) are only needed for training.
func (umtMethod) job(env *Env, o *UMTOptions, teachers [][]float32) *TrainJob {
	k := env.Data.NumClasses
	mo := env.Model
	featDim := mo.FeatureDim()
	job := &TrainJob{
		Name: env.Name, Seed: env.Seed, Data: env.Data, Inputs: env.AllModalities(),
		Build: func(scope *model.Scope, xs []*graph.Node) Outputs {
			features := make([]*graph.Node, len(xs))
			for i, x := range xs {
				if o.FreeMode == FreeBranch && o.FreeDims > 0 {
					main := mo.Encoder(scope.In("enc%d", i), x, 0)
					free := mo.EncoderWidth(scope.In("free%d", i), x, o.FreeDims)
					features[i] = graph.Concatenate([]*graph.Node{main, free}, -1)
				} else {
					features[i] = mo.Encoder(scope.In("enc%d", i), x, o.FreeDims)
				}
			}
			logits, split := mo.Fuse(scope.In("fusion"), features, k)
			return Outputs{Logits: logits, Features: features, SplitLogits: split}
		},
	}
	if teachers == nil {
		return job
	}
	job.Extra = teachers
	for range teachers {
		job.ExtraDims = append(job.ExtraDims, featDim)
	}
	job.Loss = func(b *Batch) *graph.Node {
		loss := CrossEntropy(b.Out.Logits, b.Labels)
		for i, f := range b.Out.Features {
			// The distilled part is the first featDim outputs; free dimensions follow it.
			student := graph.Slice(f, graph.AxisRange(), graph.AxisRange(0, featDim))
			teacher := graph.StopGradient(b.Extra[i])
			loss = graph.Add(loss, graph.MulScalar(FeatureDistance(o.Distance, student, teacher), o.Lambda))
		}
		return loss
	}
	return job
}

// FeatureDistance is UMT's distillation distance between student and teacher features
// ([batch, dim] each): see DistanceMSE, DistanceL1, DistanceCosine.
func FeatureDistance(distance string, student, teacher *graph.Node) *graph.Node {
	if !student.Shape().Equal(teacher.Shape()) || student.Rank() != 2 {
		exceptions.Panicf("mmlab.FeatureDistance: want equal [batch, dim] shapes, got %s and %s", student.Shape(), teacher.Shape())
	}
	switch distance {
	case DistanceMSE:
		return graph.ReduceAllMean(graph.Square(graph.Sub(student, teacher)))
	case DistanceL1:
		return graph.ReduceAllMean(graph.Abs(graph.Sub(student, teacher)))
	case DistanceCosine:
		// ε keeps the gradient finite for an all-zero feature vector (dead ReLUs).
		const eps = 1e-8
		dot := graph.ReduceSum(graph.Mul(student, teacher), -1)
		norms := graph.Mul(graph.Sqrt(graph.AddScalar(graph.ReduceSum(graph.Square(student), -1), eps)),
			graph.Sqrt(graph.AddScalar(graph.ReduceSum(graph.Square(teacher), -1), eps)))
		return graph.ReduceAllMean(graph.OneMinus(graph.Div(dot, norms)))
	}
	exceptions.Panicf("mmlab.FeatureDistance: unknown distance %q (valid: mse, l1, cosine)", distance)
	return nil
}

// TrainJob implements JobTrainer: the student's job, with the teachers' (env.Deps["uni"])
// features of the training split as its extras.
func (u umtMethod) TrainJob(env *Env, opts Validator) (*TrainJob, error) {
	o := opts.(*UMTOptions)
	members := env.Deps[UniMethod]
	if len(members) != len(env.Data.Modalities) {
		return nil, fmt.Errorf("mmlab: umt: %d teachers for %d modalities", len(members), len(env.Data.Modalities))
	}
	teachers := make([][]float32, len(members))
	for m, t := range members {
		feats, dim, ok, err := t.Features(m, env.Data.Train)
		if err != nil {
			return nil, fmt.Errorf("mmlab: umt: teacher features of modality %d: %w", m, err)
		}
		if !ok || dim != env.Model.FeatureDim() {
			return nil, fmt.Errorf("mmlab: umt: teacher of modality %d has %d-dimensional features, the student's encoder %d "+
				"(teachers and student must share model.hidden)", m, dim, env.Model.FeatureDim())
		}
		teachers[m] = feats
	}
	return u.job(env, o, teachers), nil
}

// Train implements Method.
func (u umtMethod) Train(ctx context.Context, env *Env, opts Validator) (Predictor, *Curves, error) {
	job, err := u.TrainJob(env, opts)
	if err != nil {
		return nil, nil, err
	}
	net, curves, err := env.Engine.Fit(ctx, job)
	if err != nil {
		return nil, nil, err
	}
	return net, curves, nil
}

// Restore implements Restorer.
func (u umtMethod) Restore(env *Env, opts Validator, weights []byte) (Predictor, error) {
	return RestoreNetwork(env.Backend(), u.job(env, opts.(*UMTOptions), nil), weights)
}
