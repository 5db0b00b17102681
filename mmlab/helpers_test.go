package mmlab

import (
	"context"
	"slices"
	"testing"

	"github.com/gomlx/compute"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// smallSpec is a LazyPair small enough for unit tests: 512 training samples (two batches of
// 256), 256 validation and 512 test samples.
const smallSpec = "lazypair:n_train=512,n_val=256,n_test=512"

// testData generates a dataset from spec (with seed offset 0) or fails the test.
func testData(t testing.TB, spec string) *datasets.Dataset {
	t.Helper()
	s, err := datasets.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := s.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// testBackend returns the default backend or fails the test.
func testBackend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := DefaultBackend()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testEnv is an Env for method tests: small data, few epochs, no progress output.
func testEnv(t testing.TB, ds *datasets.Dataset, epochs int) *Env {
	t.Helper()
	o := DefaultTrainOptions()
	o.Epochs = epochs
	return &Env{Data: ds, Seed: 0, Modality: -1, Model: DefaultModelOptions(),
		Engine: &Engine{Backend: testBackend(t), Options: o}, Name: t.Name(), Deps: map[string][]Predictor{}}
}

// checkRestores saves pred's weights, rebuilds the predictor from them through method (a
// Restorer) and fails the test unless the rebuilt one gives bit-identical logits on env's test
// split. It returns the saved weights.
func checkRestores(t testing.TB, method Method, env *Env, opts Validator, pred Predictor) []byte {
	t.Helper()
	saver, ok := pred.(WeightSaver)
	if !ok {
		t.Fatalf("%T cannot save its weights", pred)
	}
	weights, err := saver.MarshalWeights()
	if err != nil {
		t.Fatal(err)
	}
	restorer, ok := method.(Restorer)
	if !ok {
		t.Fatalf("%T cannot restore its predictors", method)
	}
	restored, err := restorer.Restore(env, opts, weights)
	if err != nil {
		t.Fatal(err)
	}
	a, errA := pred.Logits(env.Data.Test)
	b, errB := restored.Logits(env.Data.Test)
	if errA != nil || errB != nil {
		t.Fatalf("logits: %v, %v", errA, errB)
	}
	if !slices.Equal(a, b) {
		t.Errorf("%T: the restored predictor's logits differ from the trained one's", method)
	}
	return weights
}

// trainTeachers trains the uni-modal runs of every modality of ds for epochs epochs (UMT's
// teachers, UME's members) or fails the test.
func trainTeachers(t testing.TB, ds *datasets.Dataset, epochs int) []Predictor {
	t.Helper()
	uni, err := LookupMethod(results.UniMethod)
	if err != nil {
		t.Fatal(err)
	}
	var teachers []Predictor
	for m := range ds.Modalities {
		env := testEnv(t, ds, epochs)
		env.Modality = m
		p, _, err := uni.Train(context.Background(), env, nil)
		if err != nil {
			t.Fatal(err)
		}
		teachers = append(teachers, p)
	}
	return teachers
}

// freeDimCases are UMT's three student shapes (and joint_wide's): no free dimensions, 8 from
// the encoder's own last layer, 8 from a second encoder.
var freeDimCases = []struct {
	name     string
	freeDims int
	freeMode string
}{{"reference", 0, FreeShared}, {"shared free dims", 8, FreeShared}, {"branch free dims", 8, FreeBranch}}
