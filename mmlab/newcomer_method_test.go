package mmlab_test

// A newcomer's method, end to end, from outside the package: this file is all a new method needs
// (docs/ARCHITECTURE.md, "A method"). It registers "toy_pick", which predicts with the uni-modal
// model of one modality (an option), and the study runner, the options listing and the store key
// take it up with no other file changed.

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

const toyPickMethod = "toy_pick"

func init() { mmlab.Register(toyPickMethod, toyPick{}) }

// toyPickOptions are toy_pick's options ("toy_pick.<key>").
type toyPickOptions struct {
	Modality int `opt:"modality" help:"the modality whose uni-modal model predicts"`
}

// Validate implements mmlab.Validator.
func (o *toyPickOptions) Validate() error {
	if o.Modality < 0 {
		return fmt.Errorf("toy_pick.modality=%d: want ≥ 0", o.Modality)
	}
	return nil
}

type toyPick struct{}

func (toyPick) Doc() string                     { return "toy: the uni-modal model of one modality (ours, for the tests)" }
func (toyPick) DefaultOptions() mmlab.Validator { return &toyPickOptions{} }
func (toyPick) Requires() []string              { return []string{results.UniMethod} }
func (toyPick) PerModality() bool               { return false }

func (toyPick) Train(_ context.Context, env *mmlab.Env, opts mmlab.Validator) (mmlab.Predictor, *results.Curves, error) {
	m := opts.(*toyPickOptions).Modality
	if m >= len(env.Deps[results.UniMethod]) {
		return nil, nil, fmt.Errorf("toy_pick: modality %d of %d", m, len(env.Deps[results.UniMethod]))
	}
	return env.Deps[results.UniMethod][m], nil, nil
}

// TestNewcomerMethod runs the toy method through RunStudy: it is trained after its dependency,
// its option is in its config (so in its store key) and in the options listing, and its runs
// measure what the model it picked measures.
func TestNewcomerMethod(t *testing.T) {
	res, err := mmlab.RunStudy(context.Background(), mmlab.Study{
		Dataset: "lazypair:n_train=512,n_val=256,n_test=512", Methods: []string{toyPickMethod}, Seeds: 2, Quiet: true,
		Options: map[string]string{"toy_pick.modality": "1", "train.epochs": "2", "probe.steps": "10"}})
	if err != nil {
		t.Fatal(err)
	}
	toy, uni1 := res.RunsOf(toyPickMethod, -1), res.RunsOf(results.UniMethod, 1)
	if len(toy) != 2 || len(uni1) != 2 {
		t.Fatalf("%d toy_pick runs and %d uni m1 runs, want 2 each", len(toy), len(uni1))
	}
	for i := range toy {
		if toy[i].Config["toy_pick.modality"] != 1 || toy[i].TestAcc != uni1[i].TestAcc || toy[i].Seed != uni1[i].Seed {
			t.Errorf("toy_pick run %+v: want config toy_pick.modality=1 and uni m1's test accuracy %v", toy[i], uni1[i].TestAcc)
		}
	}
	if _, err := mmlab.RunStudy(context.Background(), mmlab.Study{Dataset: "lazypair", Methods: []string{toyPickMethod},
		Quiet: true, Options: map[string]string{"toy_pick.modality": "-1"}}); err == nil {
		t.Error("toy_pick.modality=-1 was accepted; want its Validate error")
	}
	if !slices.ContainsFunc(mmlab.OptionHelp(), func(d mmlab.OptionDoc) bool { return d.Key == "toy_pick.modality" }) {
		t.Error("mmlab options does not list toy_pick.modality")
	}
}
