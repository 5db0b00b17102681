package mmlab

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/mmlab-go/mmlab/results"
)

// combine runs MMParetoCombine on fixed gradients: multi[i], uni[i] are the values of variable i.
func combine(t *testing.T, multi, uni [][]float32, gamma float64) [][]float32 {
	t.Helper()
	var args []any
	for i := range multi {
		args = append(args, tensors.FromValue(multi[i]), tensors.FromValue(uni[i]))
	}
	n := len(multi)
	outs := graph.MustExecOnceN(testBackend(t), func(in []*graph.Node) []*graph.Node {
		var m, u []*graph.Node
		for i := range n {
			m, u = append(m, in[2*i]), append(u, in[2*i+1])
		}
		return MMParetoCombine(m, u, gamma)
	}, args...)
	got := make([][]float32, n)
	for i, o := range outs {
		got[i] = tensors.MustCopyFlatData[float32](o)
	}
	return got
}

// TestMMParetoCombine checks the combination on 2-D gradients computed by hand (γ = 1.5, the
// default), without conflict, with conflict, at cosine 0, and with the encoder's gradient split
// into two tensors (the weights from the whole encoder, the magnitude rule per tensor).
func TestMMParetoCombine(t *testing.T) {
	const gamma = 1.5
	for _, tc := range []struct {
		name       string
		multi, uni [][]float32
		want       [][]float64
	}{
		// ⟨g,u⟩ = 2 > 0: the plain sum (3, 1), ×γ.
		{"no conflict", [][]float32{{2, 0}}, [][]float32{{1, 1}}, [][]float64{{4.5, 1.5}}},
		// ⟨g,g⟩ = 1, ⟨g,u⟩ = −1, ⟨u,u⟩ = 2: c = (2+1)/(1+2+2) = 3/5; d = 2·(0.6·g + 0.4·u) =
		// (0.4, 0.8), ‖d‖ = √0.8; ‖g+u‖ = ‖(0, 1)‖ = 1 > ‖d‖: d·(1/√0.8)·1.5 = (0.3·√5, 0.6·√5).
		{"conflict", [][]float32{{1, 0}}, [][]float32{{-1, 1}}, [][]float64{{0.3 * math.Sqrt(5), 0.6 * math.Sqrt(5)}}},
		// Cosine exactly 0 is a conflict for the official code (cos > 0 sums): ⟨g,g⟩ = 4, ⟨u,u⟩ = 1:
		// c = 1/5; d = 2·(0.2·(2,0) + 0.8·(0,1)) = (0.8, 1.6), ‖d‖ = √3.2; ‖g+u‖ = √5:
		// ratio √(5/3.2) = 1.25; result 1.5·1.25·(0.8, 1.6) = (1.5, 3).
		{"orthogonal", [][]float32{{2, 0}}, [][]float32{{0, 1}}, [][]float64{{1.5, 3}}},
		// The conflict case with each coordinate a variable of its own: the same weights (from the
		// whole encoder), d = (0.4), (0.8); per tensor, ‖g+u‖ = 0 < 0.4 keeps d (×γ: 0.6), and
		// ‖g+u‖ = 1 > 0.8 rescales it to 1 (×γ: 1.5).
		{"conflict, two tensors", [][]float32{{1}, {0}}, [][]float32{{-1}, {1}}, [][]float64{{0.6}, {1.5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := combine(t, tc.multi, tc.uni, gamma)
			for i := range tc.want {
				for j, w := range tc.want[i] {
					if d := math.Abs(float64(got[i][j]) - w); d > 1e-5 || math.IsNaN(float64(got[i][j])) {
						t.Errorf("variable %d[%d] = %.6f, want %.6f (all: %v)", i, j, got[i][j], w, got)
					}
				}
			}
		})
	}
	// The Pareto direction of a conflict is a common descent direction: d = (0.4, 0.8) has the same,
	// positive, inner product with g = (1, 0) and u = (−1, 1) (0.4 each).
	got := combine(t, [][]float32{{1, 0}}, [][]float32{{-1, 1}}, 1)
	dg, du := float64(got[0][0]), -float64(got[0][0])+float64(got[0][1])
	if dg <= 0 || math.Abs(dg-du) > 1e-5 {
		t.Errorf("conflict: ⟨d,g⟩ = %.6f, ⟨d,u⟩ = %.6f, want equal and positive", dg, du)
	}
}

// TestMinNormWeight checks the closed form and its clamps.
func TestMinNormWeight(t *testing.T) {
	for _, tc := range []struct {
		name       string
		gg, gu, uu float32
		want       float64
	}{
		{"interior", 1, -1, 2, 0.6},
		{"gu ≥ gg", 1, 1, 4, 0.999},    // g lies in u's direction and is shorter: all weight on g
		{"gu ≥ uu", 4, 1, 1, 0.001},    // u is the shorter
		{"both zero", 0, 0, 0, 0.5},    // no direction at all
		{"equal norms", 2, -2, 2, 0.5}, // u = −g
	} {
		out := graph.MustExecOnceN(testBackend(t), func(gg, gu, uu *graph.Node) []*graph.Node {
			return []*graph.Node{MinNormWeight(gg, gu, uu)}
		}, tc.gg, tc.gu, tc.uu)
		if got := float64(out[0].Value().(float32)); math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("%s: c = %.6f, want %.6f", tc.name, got, tc.want)
		}
	}
}

// TestMMParetoTrainAndRestore trains a short run: the uni-modal heads exist
// in the saved weights, every encoder and head moved, the run restores exactly, and the
// options are validated.
func TestMMParetoTrainAndRestore(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 2)
	method, err := LookupMethod(results.MMParetoMethod)
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultMMParetoOptions()
	job := mmparetoMethod{}.job(env, &o)
	var initial map[string][]float32
	job.OnEpoch = func(done int, net *Network) error {
		if done == 0 {
			initial = weightMap(t, net)
		}
		return nil
	}
	pred, curves, err := env.Engine.Fit(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if len(curves.Epoch) != 2 {
		t.Errorf("curves of %d epochs, want 2", len(curves.Epoch))
	}
	final := weightMap(t, pred)
	heads := 0
	for path, w := range final {
		if strings.Contains(path, "/unihead") {
			heads++
		}
		if slices.Equal(w, initial[path]) {
			t.Errorf("%s did not move in training", path)
		}
	}
	if heads != 4 { // two uni-modal heads × (weights, biases)
		t.Errorf("%d uni-modal head variables, want 4: %v", heads, len(final))
	}
	checkRestores(t, method, env, &o, pred)
	if _, err := ParseConfig([]string{results.MMParetoMethod}, map[string]string{"mmpareto.gamma": "0"}); err == nil ||
		!strings.Contains(err.Error(), "mmpareto.gamma=0: must be a positive number") {
		t.Errorf("gamma 0: got %v", err)
	}
}

// TestMMParetoTransformApplies: the engine applies MMPareto's transform to the encoders. With
// γ beyond float32's range every encoder gradient becomes infinite, so training must fail on
// the first steps; with the default γ the same run trains.
func TestMMParetoTransformApplies(t *testing.T) {
	env := testEnv(t, testData(t, smallSpec), 1)
	o := MMParetoOptions{Gamma: 1e300}
	if _, _, err := env.Engine.Fit(context.Background(), mmparetoMethod{}.job(env, &o)); err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Errorf("γ = 1e300: got %v, want a divergence", err)
	}
}
