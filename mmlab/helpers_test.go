package mmlab

import (
	"testing"

	"github.com/gomlx/compute"
	"github.com/mmlab-go/mmlab/datasets"
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
