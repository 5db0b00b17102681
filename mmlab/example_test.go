package mmlab_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

// A study trains joint, UME and UMT (and the uni-modal runs they share) on every seed, and
// returns the runs as values; with a Store, re-running it loads them instead of training.
// (A real study uses the default 150 epochs and 5 seeds: about 20 s on two cores.)
func ExampleRunStudy() {
	res, err := mmlab.RunStudy(context.Background(), mmlab.Study{
		Dataset: "lazypair:n_train=512,n_val=256,n_test=512",
		Methods: []string{"joint", "ume", "umt"},
		Seeds:   2,
		Options: map[string]string{"train.epochs": "5", "umt.lambda": "10"},
		Quiet:   true, // no progress bar
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("methods:", strings.Join(res.Methods, ", "))
	for _, r := range res.Runs {
		name := r.Method
		if r.Modality != nil {
			name = fmt.Sprintf("%s m%d", r.Method, *r.Modality)
		}
		fmt.Printf("seed %d %-8s encoders probed: %d\n", r.Seed, name, countProbes(r.ProbeAcc))
	}
	gaps, err := results.LazinessGap(res.Runs, "joint")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("laziness gaps of joint:", len(gaps))
	// Output:
	// methods: joint, uni, ume, umt
	// seed 0 joint    encoders probed: 2
	// seed 0 uni m0   encoders probed: 1
	// seed 0 uni m1   encoders probed: 1
	// seed 0 ume      encoders probed: 2
	// seed 0 umt      encoders probed: 2
	// seed 1 joint    encoders probed: 2
	// seed 1 uni m0   encoders probed: 1
	// seed 1 uni m1   encoders probed: 1
	// seed 1 ume      encoders probed: 2
	// seed 1 umt      encoders probed: 2
	// laziness gaps of joint: 2
}

func countProbes(p []*float64) int {
	n := 0
	for _, x := range p {
		if x != nil {
			n++
		}
	}
	return n
}

// Options are set by "group.key" strings (as on the command line) and resolved into typed
// structs with their defaults; mistakes are errors that list the valid choices.
func ExampleParseConfig() {
	cfg, err := mmlab.ParseConfig([]string{"umt"}, map[string]string{
		"umt.free_dims": "32", "model.hidden": "128,64", "train.schedule": "cosine",
	})
	if err != nil {
		log.Fatal(err)
	}
	umt := cfg.Methods["umt"].(*mmlab.UMTOptions)
	fmt.Println(umt.Lambda, umt.Distance, umt.FreeDims, cfg.Model.Hidden, cfg.Train.Epochs, cfg.Train.Schedule)

	_, err = mmlab.ParseConfig([]string{"umt"}, map[string]string{"umt.distance": "kl"})
	fmt.Println(err)
	// Output:
	// 10 mse 32 [128 64] 150 cosine
	// umt options: option distance="kl": valid values are mse, l1, cosine
}

// OptionHelp documents every hyperparameter with its default, e.g. for a CLI's help text.
func ExampleOptionHelp() {
	for _, d := range mmlab.OptionHelp() {
		if strings.HasPrefix(d.Key, "umt.") {
			fmt.Println(d.Key, "=", d.Default)
		}
	}
	// Output:
	// umt.lambda = 10
	// umt.distance = mse
	// umt.free_dims = 0
	// umt.free_mode = shared
	// umt.init = auto
	// umt.distill_norm = none
}

// The engine trains any network a method describes; here a joint late-fusion model with an extra
// loss term (a small penalty on the encoder outputs), for 3 epochs of 2 batches.
func ExampleEngine_Fit() {
	spec, err := datasets.ParseSpec("lazypair:n_train=512,n_val=256,n_test=512")
	if err != nil {
		log.Fatal(err)
	}
	data, err := spec.Generate()
	if err != nil {
		log.Fatal(err)
	}
	backend, err := mmlab.DefaultBackend()
	if err != nil {
		log.Fatal(err)
	}
	opts := mmlab.DefaultTrainOptions()
	opts.Epochs = 3
	engine := &mmlab.Engine{Backend: backend, Options: opts}
	arch := mmlab.DefaultModelOptions()
	job := &mmlab.TrainJob{
		Name: "penalised joint seed 0", Seed: 0, Data: data, Inputs: []int{0, 1},
		Build: func(scope *model.Scope, xs []*graph.Node) mmlab.Outputs {
			return arch.LateFusion(scope, xs, data.NumClasses)
		},
		Loss: func(b *mmlab.Batch) *graph.Node {
			loss := mmlab.CrossEntropy(b.Out.Logits, b.Labels)
			for _, f := range b.Out.Features {
				loss = graph.Add(loss, graph.MulScalar(graph.ReduceAllMean(graph.Square(f)), 1e-3))
			}
			return loss
		},
	}
	net, curves, err := engine.Fit(context.Background(), job)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("steps:", net.Steps, "epochs:", curves.Epoch, "split heads:", len(curves.SplitHeadAcc))
	// Output:
	// steps: 6 epochs: [1 2 3] split heads: 2
}
