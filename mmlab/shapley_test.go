package mmlab

import (
	"context"
	"math"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// TestShapleyValues checks the values on fixed split logits against values computed by hand.
func TestShapleyValues(t *testing.T) {
	// Two modalities, two classes, every label 0; v(∅) = 1/2. Per sample (v(m0), v(m1), v(m0+m1))
	// and φ_m = ½(v(m) − ½) + ½(v(all) − v(other)):
	//   (1, 1, 1): φ = ( 0.25,  0.25)
	//   (1, 0, 1): φ = ( 0.75, −0.25)   o_0 = [2, 0], o_1 = [0, 1]: the sum [2, 1] is right
	//   (0, 0, 0): φ = (−0.25, −0.25)
	//   (1, 0, 0): φ = ( 0.25, −0.75)   o_0 = [1, 0], o_1 = [0, 2]: the sum [1, 2] is wrong
	split := [][]float32{
		{1, 0, 2, 0, 0, 1, 1, 0},
		{1, 0, 0, 1, 0, 1, 0, 2},
	}
	labels := []int32{0, 0, 0, 0}
	s, err := results.ShapleyValues(split, labels, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{(0.25 + 0.75 - 0.25 + 0.25) / 4, (0.25 - 0.25 - 0.25 - 0.75) / 4}
	for m := range want {
		if math.Abs(s.Values[m]-want[m]) > 1e-12 {
			t.Errorf("φ_%d = %g, want %g", m, s.Values[m], want[m])
		}
	}
	if s.Full != 0.5 || s.Empty != 0.5 || s.Coalitions["m0"] != 0.75 || s.Coalitions["m1"] != 0.25 || s.Coalitions["m0+m1"] != 0.5 {
		t.Errorf("coalitions %v, full %g, empty %g", s.Coalitions, s.Full, s.Empty)
	}
	if sum := s.Values[0] + s.Values[1]; math.Abs(sum-(s.Full-s.Empty)) > 1e-12 {
		t.Errorf("Σφ = %g, want v(all) − v(∅) = %g", sum, s.Full-s.Empty)
	}
	// Per-sample distribution of m1: −0.75 once, −0.25 twice, 0.25 once.
	wantBins := []results.ShapleyBin{{Value: -0.75, Fraction: 0.25}, {Value: -0.25, Fraction: 0.5}, {Value: 0.25, Fraction: 0.25}}
	if got := s.PerSample[1]; len(got) != len(wantBins) {
		t.Errorf("m1 distribution %v, want %v", got, wantBins)
	} else {
		for i := range got {
			if got[i] != wantBins[i] {
				t.Errorf("m1 distribution %v, want %v", got, wantBins)
			}
		}
	}

	// Three modalities, one sample of label 0: m0 and m1 right ([1, 0]), m2 wrong ([0, 1.5]);
	// coalitions: m0+m2 and m1+m2 wrong, m0+m1 and all right. Weights 1/3, 1/6, 1/6, 1/3:
	// φ_0 = ⅓(1 − ½) + ⅙(1 − 1) + ⅙(0 − 0) + ⅓(1 − 0) = ½ = φ_1;
	// φ_2 = ⅓(0 − ½) + ⅙(0 − 1) + ⅙(0 − 1) + ⅓(1 − 1) = −½; Σ = ½ = 1 − ½.
	s3, err := results.ShapleyValues([][]float32{{1, 0}, {1, 0}, {0, 1.5}}, []int32{0}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for m, w := range []float64{0.5, 0.5, -0.5} {
		if math.Abs(s3.Values[m]-w) > 1e-12 {
			t.Errorf("three modalities: φ_%d = %g, want %g", m, s3.Values[m], w)
		}
	}
	if _, err := results.ShapleyValues([][]float32{{1, 0}, {1}}, []int32{0}, 2); err == nil {
		t.Error("ragged logits: no error")
	}
	if _, err := results.ShapleyValues([][]float32{{1, 0}}, []int32{2}, 2); err == nil {
		t.Error("label outside the classes: no error")
	}
}

// TestShapleyOfNetworks: a trained joint network's values sum to its test accuracy minus 1/K
// and its full coalition is the network itself; UME's members give their own split; a
// concat_mlp head has no linear split and gets none.
func TestShapleyOfNetworks(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 2)
	pred, _, err := jointMethod{}.Train(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(env.Backend(), pred, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := ev.Shapley
	if s == nil {
		t.Fatal("joint network: no Shapley values")
	}
	if s.Full != ev.TestAcc || math.Abs(s.Values[0]+s.Values[1]-(ev.TestAcc-1/float64(ds.NumClasses))) > 1e-9 {
		t.Errorf("φ = %v, full %g: want Σφ = test accuracy %g − 1/%d", s.Values, s.Full, ev.TestAcc, ds.NumClasses)
	}
	ens := &Ensemble{Members: []Predictor{pred, pred}, Combine: CombineLogits}
	if es, err := shapleyOf(ens, ds); err != nil || es == nil || es.Values[0] != es.Values[1] {
		t.Errorf("ensemble of two equal members: %v, %v: want equal values", es, err)
	}
	env.Model.Fusion = FusionConcatMLP
	mlp, _, err := jointMethod{}.Train(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ms, err := shapleyOf(mlp, ds); err != nil || ms != nil {
		t.Errorf("concat_mlp: got %v, %v; want no values", ms, err)
	}
}
