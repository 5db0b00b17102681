package mmlab

// joint — naive late fusion: every encoder and the fusion head trained together with
// cross-entropy on the fused logits only (docs/DESIGN.md §4). The method whose encoders show
// modality laziness (Du et al., ICML 2023).

import (
	"context"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/results"
)

func init() { Register(results.JointMethod, jointMethod{}) }

type jointMethod struct{}

// Doc implements Method.
func (jointMethod) Doc() string {
	return "Joint training (naive late fusion): all encoders and the fusion head trained together with " +
		"cross-entropy on the fused logits only."
}

// DefaultOptions, Requires and PerModality implement Method.
func (jointMethod) DefaultOptions() Validator { return nil }
func (jointMethod) Requires() []string        { return nil }
func (jointMethod) PerModality() bool         { return false }

func (jointMethod) job(env *Env) *TrainJob {
	k := env.Data.NumClasses
	return &TrainJob{
		Name: env.Name, Seed: env.Seed, Data: env.Data, Inputs: env.AllModalities(),
		Build: func(scope *model.Scope, xs []*graph.Node) Outputs { return env.Model.LateFusion(scope, xs, k) },
	}
}

// TrainJob implements JobTrainer.
func (j jointMethod) TrainJob(env *Env, _ Validator) (*TrainJob, error) { return j.job(env), nil }

// Train implements Method.
func (j jointMethod) Train(ctx context.Context, env *Env, _ Validator) (Predictor, *results.Curves, error) {
	return env.Fit(ctx, j.job(env))
}

// Restore implements Restorer.
func (j jointMethod) Restore(env *Env, _ Validator, weights []byte) (Predictor, error) {
	return RestoreNetwork(env.Backend(), j.job(env), weights)
}
