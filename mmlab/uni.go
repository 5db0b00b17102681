package mmlab

// uni — the uni-modal baseline: encoder φ_m and a linear head trained on modality m alone with
// cross-entropy (docs/DESIGN.md §4). Its runs are the members of UME and the teachers of UMT.

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/results"
)

func init() { Register(results.UniMethod, uniMethod{}) }

type uniMethod struct{}

// Doc implements Method.
func (uniMethod) Doc() string {
	return "Uni-modal model: an encoder and a linear head trained with cross-entropy on one modality alone; " +
		"one run per modality. Its runs are UME's members and UMT's teachers (Du et al., ICML 2023)."
}

// DefaultOptions, Requires and PerModality implement Method.
func (uniMethod) DefaultOptions() Validator { return nil }
func (uniMethod) Requires() []string        { return nil }
func (uniMethod) PerModality() bool         { return true }

// job describes modality env.Modality's uni-modal network.
func (uniMethod) job(env *Env) (*TrainJob, error) {
	if env.Modality < 0 || env.Modality >= len(env.Data.Modalities) {
		return nil, fmt.Errorf("mmlab: uni: modality %d outside [0, %d)", env.Modality, len(env.Data.Modalities))
	}
	k := env.Data.NumClasses
	return &TrainJob{
		Name: env.Name, Seed: env.Seed, Data: env.Data, Inputs: []int{env.Modality},
		Build: func(scope *model.Scope, xs []*graph.Node) Outputs { return env.Model.UniModel(scope, xs[0], k) },
	}, nil
}

// TrainJob implements JobTrainer.
func (u uniMethod) TrainJob(env *Env, _ Validator) (*TrainJob, error) { return u.job(env) }

// Train implements Method.
func (u uniMethod) Train(ctx context.Context, env *Env, opts Validator) (Predictor, *results.Curves, error) {
	job, err := u.TrainJob(env, opts)
	if err != nil {
		return nil, nil, err
	}
	return env.Fit(ctx, job)
}

// Restore implements Restorer.
func (u uniMethod) Restore(env *Env, _ Validator, weights []byte) (Predictor, error) {
	job, err := u.job(env)
	if err != nil {
		return nil, err
	}
	return RestoreNetwork(env.Backend(), job, weights)
}
