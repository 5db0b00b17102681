package mmlab

import (
	"context"
	"math"
	"testing"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// fixedPredictor returns fixed logits (for every split) and features for modality m.
type fixedPredictor struct {
	logits []float32
	m      int
}

func (f fixedPredictor) Logits(*datasets.Split) ([]float32, error) { return f.logits, nil }
func (f fixedPredictor) Features(m int, s *datasets.Split) ([]float32, int, bool, error) {
	if m != f.m {
		return nil, 0, false, nil
	}
	return make([]float32, s.Len()), 1, true, nil
}

// TestUMECombine checks both combination rules on two samples of two classes.
func TestUMECombine(t *testing.T) {
	split := &datasets.Split{Labels: []int32{0, 1}}
	a := fixedPredictor{logits: []float32{2, 0, 0, 0}, m: 0}
	b := fixedPredictor{logits: []float32{0, 4, 0, float32(math.Log(3))}, m: 1}
	for _, tc := range []struct {
		combine string
		want    []float64
	}{
		{CombineLogits, []float64{1, 2, 0, math.Log(3) / 2}},
		// probabilities: sample 0: (σ(2)+σ(−4))/2 vs the rest; sample 1: (1/2 + 1/4)/2 for class 1 …
		{CombineProbs, []float64{
			math.Log((1/(1+math.Exp(-2)) + 1/(1+math.Exp(4))) / 2),
			math.Log((1/(1+math.Exp(2)) + 1/(1+math.Exp(-4))) / 2),
			math.Log((0.5 + 0.25) / 2),
			math.Log((0.5 + 0.75) / 2),
		}},
	} {
		m, _ := LookupMethod("ume")
		opts := m.DefaultOptions().(*UMEOptions)
		opts.Combine = tc.combine
		env := &Env{Data: &datasets.Dataset{Modalities: make([]datasets.Modality, 2)},
			Deps: map[string][]Predictor{results.UniMethod: {a, b}}}
		pred, curves, err := m.Train(context.Background(), env, opts)
		if err != nil || curves != nil {
			t.Fatalf("%s: %v, curves %v", tc.combine, err, curves)
		}
		got, err := pred.Logits(split)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Abs(float64(got[i])-tc.want[i]) > 1e-6 {
				t.Errorf("%s: logits %v, want %v", tc.combine, got, tc.want)
				break
			}
		}
		if _, _, ok, _ := pred.Features(1, split); !ok {
			t.Errorf("%s: no encoder for modality 1", tc.combine)
		}
	}
	if err := (&UMEOptions{Combine: "max"}).Validate(); err == nil {
		t.Error("combine=max accepted")
	}
	m, _ := LookupMethod("ume")
	if m.Requires()[0] != results.UniMethod || m.PerModality() {
		t.Error("ume must require uni and make one run per seed")
	}
}
