package mmlab_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/mmlab"
)

// Three seeds of a late-fusion network, each on its own dataset, trained as replicas in one
// graph: the networks are bit-identical to training each with Fit.
func ExampleEngine_FitReplicas() {
	spec, err := datasets.ParseSpec("lazypair:n_train=512,n_val=256,n_test=512")
	if err != nil {
		log.Fatal(err)
	}
	mo := mmlab.DefaultModelOptions()
	var jobs []*mmlab.TrainJob
	for seed := range 3 {
		ds, err := spec.WithSeedOffset(seed).Generate()
		if err != nil {
			log.Fatal(err)
		}
		jobs = append(jobs, &mmlab.TrainJob{Name: fmt.Sprintf("joint seed %d", seed), Seed: seed, Data: ds,
			Inputs: []int{0, 1},
			Build:  func(s *model.Scope, xs []*graph.Node) mmlab.Outputs { return mo.LateFusion(s, xs, ds.NumClasses) }})
	}
	backend, err := mmlab.DefaultBackend()
	if err != nil {
		log.Fatal(err)
	}
	opts := mmlab.DefaultTrainOptions()
	opts.Epochs = 3
	engine := &mmlab.Engine{Backend: backend, Options: opts}
	nets, curves, err := engine.FitReplicas(context.Background(), jobs)
	if err != nil {
		log.Fatal(err)
	}
	for i, job := range jobs {
		alone, _, err := engine.Fit(context.Background(), job)
		if err != nil {
			log.Fatal(err)
		}
		a, _ := nets[i].MarshalWeights()
		b, _ := alone.MarshalWeights()
		fmt.Printf("%s: %d epochs, %d steps, same weights as Fit: %v\n", job.Name, len(curves[i].Epoch), nets[i].Steps, bytes.Equal(a, b))
	}
	// Output:
	// joint seed 0: 3 epochs, 6 steps, same weights as Fit: true
	// joint seed 1: 3 epochs, 6 steps, same weights as Fit: true
	// joint seed 2: 3 epochs, 6 steps, same weights as Fit: true
}
