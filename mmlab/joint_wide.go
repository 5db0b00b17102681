package mmlab

// joint_wide — the width-matched joint control of UMT with free dimensions (ours; issue 12,
// docs/DESIGN.md §2.1): exactly the network of the UMT student with the same free_dims and
// free_mode (WideLateFusion: the same variables, shapes and initialisation), trained like joint
// with cross-entropy on the fused logits only — no teachers, no distillation. Where UMT with
// free dimensions beats joint, joint_wide tells whether the extra width alone explains it: with
// free_mode=branch the student has about twice joint's encoder parameters, and so has this.

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/results"
)

func init() { Register(results.JointWideMethod, jointWideMethod{}) }

// JointWideOptions are joint_wide's options ("joint_wide.<key>"). A key the study does not set
// takes the study's umt value (umt.free_dims, umt.free_mode; Follow), so that a study with umt
// and joint_wide compares networks of one width; without umt in the study, umt's defaults.
type JointWideOptions struct {
	FreeDims int    `opt:"free_dims" help:"extra encoder outputs per modality, as umt.free_dims (default: the study's umt.free_dims)"`
	FreeMode string `opt:"free_mode" choices:"shared|branch" help:"as umt.free_mode (default: the study's umt.free_mode)"`
}

// DefaultJointWideOptions returns joint_wide's defaults: UMT's (DefaultUMTOptions), so that
// without free dimensions joint_wide's network is joint's.
func DefaultJointWideOptions() JointWideOptions {
	u := DefaultUMTOptions()
	return JointWideOptions{FreeDims: u.FreeDims, FreeMode: u.FreeMode}
}

// Validate implements Validator.
func (o *JointWideOptions) Validate() error {
	switch {
	case o.FreeDims < 0:
		return fmt.Errorf("joint_wide.free_dims=%d: must be ≥ 0", o.FreeDims)
	}
	return checkChoices(o, "joint_wide.")
}

// Follow implements OptionFollower: the keys the study did not set take umt's values when umt
// is in the study.
func (o *JointWideOptions) Follow(methods map[string]Validator, set map[string]bool) {
	u, ok := methods[results.UMTMethod].(*UMTOptions)
	if !ok {
		return
	}
	if !set["free_dims"] {
		o.FreeDims = u.FreeDims
	}
	if !set["free_mode"] {
		o.FreeMode = u.FreeMode
	}
}

type jointWideMethod struct{}

// Doc implements Method.
func (jointWideMethod) Doc() string {
	return "Width-matched joint control (ours): the network of the UMT student with the same free_dims and " +
		"free_mode (defaults: the study's umt options), trained with cross-entropy on the fused logits only."
}

// DefaultOptions, Requires and PerModality implement Method.
func (jointWideMethod) DefaultOptions() Validator { o := DefaultJointWideOptions(); return &o }
func (jointWideMethod) Requires() []string        { return nil }
func (jointWideMethod) PerModality() bool         { return false }

func (jointWideMethod) job(env *Env, o *JointWideOptions) *TrainJob {
	k, mo := env.Data.NumClasses, env.Model
	return &TrainJob{
		Name: env.Name, Seed: env.Seed, Data: env.Data, Inputs: env.AllModalities(),
		Build: func(scope *model.Scope, xs []*graph.Node) Outputs {
			return mo.WideLateFusion(scope, xs, k, o.FreeDims, o.FreeMode)
		},
	}
}

// TrainJob implements JobTrainer.
func (j jointWideMethod) TrainJob(env *Env, opts Validator) (*TrainJob, error) {
	return j.job(env, opts.(*JointWideOptions)), nil
}

// Train implements Method.
func (j jointWideMethod) Train(ctx context.Context, env *Env, opts Validator) (Predictor, *results.Curves, error) {
	return env.Fit(ctx, j.job(env, opts.(*JointWideOptions)))
}

// Restore implements Restorer.
func (j jointWideMethod) Restore(env *Env, opts Validator, weights []byte) (Predictor, error) {
	return RestoreNetwork(env.Backend(), j.job(env, opts.(*JointWideOptions)), weights)
}
