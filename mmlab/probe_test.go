package mmlab

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// gaussianClasses draws n samples of k classes in dim dimensions: class c is N(μ_c, I) with
// μ_c = sep·e_c, plus an irrelevant constant offset and scale on every feature (which the
// probe's standardisation must undo).
func gaussianClasses(r *rand.Rand, n, k, dim int, sep float64) ([]float32, []int32) {
	x, y := make([]float32, n*dim), make([]int32, n)
	for i := range n {
		c := r.IntN(k)
		y[i] = int32(c)
		for j := range dim {
			v := r.NormFloat64()
			if j == c {
				v += sep
			}
			x[i*dim+j] = float32(100 + 30*v)
		}
	}
	return x, y
}

// TestProbeConverges: on Gaussian classes the probe reaches the Bayes accuracy (up to sampling
// noise), and the default 300 steps agree with 3000 steps on 64-dimensional features.
//
// With k = 4 classes at μ_c = 2·e_c, the Bayes rule picks the largest of the k coordinates, and
// its accuracy is P(Z + 2 > max of 3 other N(0,1)) = ∫φ(z)Φ(z+2)³dz ≈ 0.823 (numerical
// integral). With 5000 test samples the accuracy's standard error is √(0.82·0.18/5000) ≈ 0.0055;
// with 8 dimensions and 2000 training samples the fitted rule's excess error is ≈ 0.005, so a
// tolerance of 0.025 (≈ 4 standard errors beyond that) cannot fail by chance. In 64 dimensions
// 300 and 3000 steps must agree within 0.005 (the same data, so no sampling noise;
// measured: equal to 4 digits).
func TestProbeConverges(t *testing.T) {
	backend := testBackend(t)
	const k = 4
	probe := func(steps, dim int) float64 {
		rd := rand.New(rand.NewPCG(uint64(dim), 7))
		xTrain, yTrain := gaussianClasses(rd, 2000, k, dim, 2)
		xTest, yTest := gaussianClasses(rd, 5000, k, dim, 2)
		o := DefaultProbeOptions()
		o.Steps = steps
		a, err := ProbeAccuracy(backend, o, dim, k, xTrain, yTrain, xTest, yTest)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	small, at300, at3000 := probe(300, 8), probe(300, 64), probe(3000, 64)
	t.Logf("probe accuracy: %.4f (8 dims), %.4f (64 dims, 300 steps), %.4f (64 dims, 3000 steps)", small, at300, at3000)
	const bayes = 0.823
	if math.Abs(small-bayes) > 0.025 {
		t.Errorf("probe accuracy %.4f, Bayes accuracy %.3f", small, bayes)
	}
	if math.Abs(at300-at3000) > 0.005 {
		t.Errorf("300 steps: %.4f, 3000 steps: %.4f: the default has not converged", at300, at3000)
	}
	if again := probe(300, 64); again != at300 {
		t.Errorf("probe not deterministic: %v then %v", at300, again)
	}
}

func TestProbeErrors(t *testing.T) {
	backend := testBackend(t)
	x, y := []float32{1, 2, 3, 4}, []int32{0, 1}
	for _, tc := range []struct {
		name    string
		opts    ProbeOptions
		dim     int
		y       []int32
		wantErr string
	}{
		{"zero steps", ProbeOptions{Steps: 0, LR: 0.1}, 2, y, "probe.steps"},
		{"negative lr", ProbeOptions{Steps: 1, LR: -1}, 2, y, "probe.lr"},
		{"negative l2", ProbeOptions{Steps: 1, LR: 1, L2: -1}, 2, y, "probe.l2"},
		{"wrong dim", DefaultProbeOptions(), 3, y, "want train [2 × 3]"},
		{"label out of range", DefaultProbeOptions(), 2, []int32{0, 5}, "outside [0, 2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ProbeAccuracy(backend, tc.opts, tc.dim, 2, x, tc.y, x, []int32{0, 1})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestAccuracy(t *testing.T) {
	logits := []float32{0, 1, 2, 0, 1, 1} // argmax 1, 0, 0 (tie goes to the lower class)
	labels := []int32{1, 0, 1}
	if got, _ := Accuracy(logits, labels, nil); math.Abs(got-2.0/3) > 1e-12 {
		t.Errorf("accuracy %v, want 2/3", got)
	}
	if got, _ := Accuracy(logits, labels, []int{2}); got != 0 {
		t.Errorf("subset accuracy %v, want 0", got)
	}
	if _, err := Accuracy(logits, labels, []int{}); err == nil {
		t.Error("empty subset: no error")
	}
	if _, err := Accuracy(logits[:5], labels, nil); err == nil {
		t.Error("ragged logits: no error")
	}
}
