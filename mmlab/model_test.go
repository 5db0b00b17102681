package mmlab

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// TestFuse checks the output shapes of every fusion head and that the split heads of the linear
// heads add up to the fused logits exactly as docs/DESIGN.md §3 defines them (o_m = W_m f_m + b/M for
// concat_linear, with its own bias for sum).
func TestFuse(t *testing.T) {
	backend := testBackend(t)
	const batch, k = 5, 3
	x0 := tensors.FromFlatDataAndDimensions(make([]float32, batch*4), batch, 4)
	x1 := tensors.FromFlatDataAndDimensions(make([]float32, batch*6), batch, 6)
	tensors.MustMutableFlatData(x0, func(f []float32) {
		for i := range f {
			f[i] = float32(math.Sin(float64(i)))
		}
	})
	tensors.MustMutableFlatData(x1, func(f []float32) {
		for i := range f {
			f[i] = float32(math.Cos(float64(i)))
		}
	})
	for _, fusion := range []string{FusionConcatLinear, FusionSum, FusionConcatMLP} {
		t.Run(fusion, func(t *testing.T) {
			o := DefaultModelOptions()
			o.Fusion = fusion
			o.Hidden = []int{8, 7}
			store := model.NewStore()
			if err := store.SetRNGStateFromSeed(1); err != nil {
				t.Fatal(err)
			}
			outs, err := model.CallOnceN(backend, store, func(scope *model.Scope, a, b *graph.Node) []*graph.Node {
				out := o.LateFusion(scope, []*graph.Node{a, b}, k)
				return []*graph.Node{out.Logits, out.SplitLogits[0], out.SplitLogits[1], out.Features[0], out.Features[1]}
			}, x0, x1)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range [][]int{{batch, k}, {batch, k}, {batch, k}, {batch, 7}, {batch, 7}} {
				if got := outs[i].Shape().Dimensions; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
					t.Errorf("output %d: shape %v, want %v", i, got, want)
				}
			}
			if fusion == FusionConcatMLP {
				return // no exact decomposition
			}
			fused := tensors.MustCopyFlatData[float32](outs[0])
			o0, o1 := tensors.MustCopyFlatData[float32](outs[1]), tensors.MustCopyFlatData[float32](outs[2])
			for i := range fused {
				if d := math.Abs(float64(fused[i] - o0[i] - o1[i])); d > 1e-5 {
					t.Fatalf("fused[%d] = %v, split heads add to %v", i, fused[i], o0[i]+o1[i])
				}
			}
		})
	}
}

// TestGraphPanicsNameTheFunction checks the GoMLX convention: graph-building code panics with a
// message prefixed by the function name.
func TestGraphPanicsNameTheFunction(t *testing.T) {
	backend := testBackend(t)
	o := DefaultModelOptions()
	x := tensors.FromFlatDataAndDimensions(make([]float32, 8), 2, 2, 2)
	for _, tc := range []struct {
		want string
		fn   func(scope *model.Scope, x *graph.Node) *graph.Node
	}{
		{"mmlab.ModelOptions.Encoder:", func(s *model.Scope, x *graph.Node) *graph.Node { return o.Encoder(s, graph.Reshape(x, 8), 0) }}, // no batch axis
		{"mmlab.Dense:", func(s *model.Scope, x *graph.Node) *graph.Node { return Dense(s, x, 3, true, InitUniform) }},
		{"mmlab.CrossEntropy:", func(s *model.Scope, x *graph.Node) *graph.Node { return CrossEntropy(x, x) }},
		{"mmlab.FeatureDistance:", func(s *model.Scope, x *graph.Node) *graph.Node { return FeatureDistance("kl", x, x) }},
	} {
		err := exceptions.TryCatch[error](func() {
			_, err := model.CallOnce(backend, model.NewStore(), tc.fn, x)
			if err != nil {
				panic(err)
			}
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want a panic containing %q", err, tc.want)
		}
	}
}
