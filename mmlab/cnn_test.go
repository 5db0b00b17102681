package mmlab

import (
	"bytes"
	"context"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// randomTensor returns a tensor of the given dimensions with values from N(0, 1) drawn with seed.
func randomTensor(seed uint64, dims ...int) *tensors.Tensor {
	r := rand.New(rand.NewPCG(seed, 1))
	t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MustMutableFlatData(t, func(f []float32) {
		for i := range f {
			f[i] = float32(r.NormFloat64())
		}
	})
	return t
}

// maxAbsDiff is the largest |a[i] − b[i]| of two tensors of the same size.
func maxAbsDiff(t *testing.T, a, b *tensors.Tensor) float64 {
	t.Helper()
	x, y := tensors.MustCopyFlatData[float32](a), tensors.MustCopyFlatData[float32](b)
	if !slices.Equal(a.Shape().Dimensions, b.Shape().Dimensions) {
		t.Fatalf("shapes %v and %v differ", a.Shape(), b.Shape())
	}
	d := 0.0
	for i := range x {
		d = max(d, math.Abs(float64(x[i]-y[i])))
	}
	return d
}

// TestConvSameMatchesConvolve compares convSame (im2col with explicit gradients) and
// convSameSlices (im2col differentiated by GoMLX) with GoMLX's reference convolution
// (graph.Convolve with PadSame) plus bias, on small random inputs in the [C, batch, H, W] layout:
// the values, and the gradients with respect to the input, the kernel and the bias of the loss
// Σ r·y for a random r (so that every output gets a different weight and a transposed or shifted
// gradient would show). Odd and unequal H, W, kernels of size 1, 3 and 5, and fewer output than
// input channels (convSame's other zero-term embedding) are covered.
//
// Tolerance: all compute the same sums of k²·C float32 products (≤ 75 terms of size ~1, sums of
// size ~10) in different orders; float32 rounding differences are ~1e-6 relative, so 1e-4
// absolute is loose for rounding and far below any indexing error (which changes values by ~1).
func TestConvSameMatchesConvolve(t *testing.T) {
	backend := testBackend(t)
	for _, tc := range []struct {
		name      string
		x, kernel []int
	}{
		{"3x3 odd sizes", []int{3, 2, 5, 7}, []int{3, 3, 3, 4}},
		{"1x1", []int{2, 2, 4, 4}, []int{1, 1, 2, 3}},
		{"5x5 one channel", []int{1, 1, 6, 5}, []int{5, 5, 1, 2}},
		{"fewer outputs", []int{4, 2, 5, 6}, []int{3, 3, 4, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := tc.kernel[3]
			x, k, b := randomTensor(1, tc.x...), randomTensor(2, tc.kernel...), randomTensor(4, out)
			r := randomTensor(3, out, tc.x[1], tc.x[2], tc.x[3])
			outs := graph.MustExecOnceN(backend, func(x, k, b, r *graph.Node) []*graph.Node {
				bias := graph.Reshape(b, out, 1, 1, 1)
				var res []*graph.Node
				for _, y := range []*graph.Node{
					graph.Add(convBuiltinCBHW(x, k), bias), // the reference first
					convSame(x, k, b),
					graph.Add(convSameSlices(x, k), bias),
				} {
					res = append(res, y)
					res = append(res, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, r)), x, k, b)...)
				}
				return res
			}, x, k, b, r)
			if got, want := outs[4].Shape().Dimensions, outs[0].Shape().Dimensions; !slices.Equal(got, want) {
				t.Fatalf("convSame output shape %v, want %v", got, want)
			}
			for impl, name := range []string{"convSame", "convSameSlices"} {
				for i, what := range []string{"values", "gradient w.r.t. x", "gradient w.r.t. kernel", "gradient w.r.t. bias"} {
					if d := maxAbsDiff(t, outs[4*(impl+1)+i], outs[i]); d > 1e-4 {
						t.Errorf("%s: %s: max |difference from Convolve| = %g > 1e-4", name, what, d)
					}
				}
			}
		})
	}
}

// TestMaxPool2x2 checks maxPool2x2's values and gradients on a hand example with odd H and W: the last row
// and column are dropped (floor), the gradient reaches only each window's maximum, and a tied
// window passes the full gradient to every tied element (the documented ReduceMax behaviour).
func TestMaxPool2x2(t *testing.T) {
	backend := testBackend(t)
	// One image 3×5, one channel ([C, batch, H, W] = [1, 1, 3, 5]): windows (rows 0–1) × (cols 0–1, 2–3); row 2 and column 4 are
	// dropped (they hold the largest values, so keeping them would change the result).
	x := tensors.FromFlatDataAndDimensions([]float32{
		1, 5, 2, 2, 90,
		3, 4, 2, 2, 90,
		99, 99, 99, 99, 99,
	}, 1, 1, 3, 5)
	// Weights of the two outputs in the loss, so each gradient is identifiable.
	r := tensors.FromFlatDataAndDimensions([]float32{10, 100}, 1, 1, 1, 2)
	outs := graph.MustExecOnceN(backend, func(x, r *graph.Node) []*graph.Node {
		y := maxPool2x2(x)
		return []*graph.Node{y, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, r)), x)[0]}
	}, x, r)
	if got := outs[0].Shape().Dimensions; !slices.Equal(got, []int{1, 1, 1, 2}) {
		t.Fatalf("shape %v, want [1 1 1 2]", got)
	}
	if got, want := tensors.MustCopyFlatData[float32](outs[0]), []float32{5, 2}; !slices.Equal(got, want) {
		t.Errorf("values %v, want %v", got, want)
	}
	wantGrad := []float32{
		0, 10, 100, 100, 0, // 5 is the first window's maximum; the second window is a 4-way tie
		0, 0, 100, 100, 0,
		0, 0, 0, 0, 0,
	}
	if got := tensors.MustCopyFlatData[float32](outs[1]); !slices.Equal(got, wantGrad) {
		t.Errorf("gradient %v, want %v", got, wantGrad)
	}
}

// encoderVars builds o's encoder on a zero input of dims (batch first) with the given extra
// width and returns the output shape and the created variables (path → dims), or the panic.
func encoderVars(t *testing.T, o ModelOptions, dims []int, extra int) (out []int, vars map[string][]int, err error) {
	t.Helper()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	size := 1
	for _, d := range dims {
		size *= d
	}
	x := tensors.FromFlatDataAndDimensions(make([]float32, size), dims...)
	err = exceptions.TryCatch[error](func() {
		res, err := model.CallOnce(testBackend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			return o.Encoder(scope.In("enc"), x, extra)
		}, x)
		if err != nil {
			panic(err)
		}
		out = res.Shape().Dimensions
	})
	vars = map[string][]int{}
	for v := range store.IterVariables() {
		if strings.HasPrefix(v.Path(), "/enc/") { // not the store's random state
			vars[v.Path()] = v.Shape().Dimensions
		}
	}
	return out, vars, err
}

// TestCNNEncoderShapes checks the encoder's output and variable shapes for [B, C, H, W] and
// [B, H, W] images, odd sizes (floor pooling), UMT's extra width, and the panic for inputs too
// small for the blocks.
func TestCNNEncoderShapes(t *testing.T) {
	const batch = 3
	for _, tc := range []struct {
		name     string
		conv     []int
		dims     []int
		extra    int
		wantVars map[string][]int // conv kernels and the first dense layer (its fan-in is the flattened size)
		wantErr  string
	}{
		{"CHW default", []int{16, 32}, []int{batch, 3, 16, 16}, 0, map[string][]int{
			"/enc/conv0/weights": {3, 3, 3, 16}, "/enc/conv1/weights": {3, 3, 16, 32}, "/enc/layer0/weights": {4 * 4 * 32, 64}}, ""},
		{"HW one channel", []int{16, 32}, []int{batch, 16, 16}, 0, map[string][]int{
			"/enc/conv0/weights": {3, 3, 1, 16}, "/enc/layer0/weights": {4 * 4 * 32, 64}}, ""},
		// 9×7 → 4×3 → 2×1: the odd row and column are dropped at each pooling.
		{"odd sizes", []int{4, 8}, []int{batch, 2, 9, 7}, 0, map[string][]int{
			"/enc/conv1/weights": {3, 3, 4, 8}, "/enc/layer0/weights": {2 * 1 * 8, 64}}, ""},
		{"extra width", []int{4}, []int{batch, 5, 5}, 7, map[string][]int{
			"/enc/layer0/weights": {2 * 2 * 4, 64}, "/enc/layer1/weights": {64, 64 + 7}}, ""},
		{"smallest input", []int{4, 4}, []int{batch, 1, 4, 5}, 0, map[string][]int{"/enc/layer0/weights": {1 * 1 * 4, 64}}, ""},
		{"too small", []int{4, 4}, []int{batch, 1, 3, 8}, 0, nil, "too small for 2 conv blocks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultModelOptions()
			o.Conv = tc.conv
			out, vars, err := encoderVars(t, o, tc.dims, tc.extra)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "mmlab.ModelOptions.Encoder:") {
					t.Fatalf("got error %v, want a panic of mmlab.ModelOptions.Encoder containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := []int{batch, 64 + tc.extra}; !slices.Equal(out, want) {
				t.Errorf("output shape %v, want %v", out, want)
			}
			for path, want := range tc.wantVars {
				if got := vars[path]; !slices.Equal(got, want) {
					t.Errorf("%s: shape %v, want %v (variables: %v)", path, got, want, vars)
				}
			}
		})
	}
}

// TestEncoderKind checks which encoder each model.encoder value builds: auto is a CNN for
// images and the unchanged MLP for vectors (exactly the variables layer0 and layer1, so vector
// runs are reproduced bit for bit); mlp flattens images; cnn on vectors panics.
func TestEncoderKind(t *testing.T) {
	mlpVars := func(in int) map[string][]int {
		return map[string][]int{"/enc/layer0/weights": {in, 64}, "/enc/layer0/biases": {64},
			"/enc/layer1/weights": {64, 64}, "/enc/layer1/biases": {64}}
	}
	for _, tc := range []struct {
		name, kind string
		dims       []int
		wantCNN    bool
		wantVars   map[string][]int // all variables, when not a CNN
		wantErr    string
	}{
		{"auto vector", EncoderAuto, []int{2, 48}, false, mlpVars(48), ""},
		{"auto image", EncoderAuto, []int{2, 3, 8, 8}, true, nil, ""},
		{"auto HW", EncoderAuto, []int{2, 8, 8}, true, nil, ""},
		{"mlp image", EncoderMLP, []int{2, 3, 8, 8}, false, mlpVars(3 * 8 * 8), ""},
		{"cnn image", EncoderCNN, []int{2, 3, 8, 8}, true, nil, ""},
		{"cnn vector", EncoderCNN, []int{2, 48}, false, nil, "a cnn encoder wants images"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultModelOptions()
			o.EncoderKind = tc.kind
			if got := o.UsesCNN(tc.dims[1:]); got != (tc.wantCNN || tc.wantErr != "") {
				t.Errorf("UsesCNN(%v) = %v", tc.dims[1:], got)
			}
			_, vars, err := encoderVars(t, o, tc.dims, 0)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, hasConv := vars["/enc/conv0/weights"]
			if hasConv != tc.wantCNN {
				t.Errorf("conv0 built: %v, want %v (variables %v)", hasConv, tc.wantCNN, vars)
			}
			if tc.wantVars != nil && len(vars) != len(tc.wantVars) {
				t.Errorf("variables %v, want exactly %v", vars, tc.wantVars)
			}
			for path, want := range tc.wantVars {
				if got := vars[path]; !slices.Equal(got, want) {
					t.Errorf("%s: shape %v, want %v", path, got, want)
				}
			}
		})
	}
}

// TestModelOptionsCNNValidation checks that the encoder and conv options reject bad values with
// errors naming the option and what is valid.
func TestModelOptionsCNNValidation(t *testing.T) {
	for _, tc := range []struct {
		name, key, value string
		wantErr          string // "" for valid
	}{
		{"cnn", "encoder", "cnn", ""},
		{"unknown kind", "encoder", "resnet", "valid values are auto, mlp, cnn"},
		{"one block", "conv", "8", ""},
		{"zero width", "conv", "16,0", "model.conv=[16 0]: channel widths must be positive"},
		{"not integers", "conv", "16,x", "want comma-separated integers"},
		{"empty", "conv", "", "model.conv is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultModelOptions()
			err := SetOption(&o, tc.key, tc.value)
			if err == nil {
				err = o.Validate()
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("%s=%s: %v", tc.key, tc.value, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("%s=%q: got %v, want an error containing %q", tc.key, tc.value, err, tc.wantErr)
			}
		})
	}
	// Empty conv is fine when no CNN can be built.
	o := DefaultModelOptions()
	o.EncoderKind, o.Conv = EncoderMLP, nil
	if err := o.Validate(); err != nil {
		t.Errorf("encoder=mlp, conv empty: %v", err)
	}
	o.EncoderKind = "x"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), `model.encoder="x"`) {
		t.Errorf("Validate of encoder=x: %v, want an error naming model.encoder", err)
	}
}

// quadrantImages is a tiny image data set for the end-to-end test: modality "img" is [1, 8, 8]
// of N(0, 0.5²) noise with a 2×2 blob of +3 at a random position inside one quadrant, the class
// (K = 4); modality "noise" ([2], pure noise) only satisfies the two-modality rule.
func quadrantImages(seed uint64, nTrain, nVal, nTest int) *datasets.Dataset {
	r := rand.New(rand.NewPCG(seed, 2))
	split := func(n int) *datasets.Split {
		s := &datasets.Split{Features: [][]float32{make([]float32, n*64), make([]float32, n*2)}, Labels: make([]int32, n)}
		for i := range n {
			q := r.IntN(4)
			s.Labels[i] = int32(q)
			img := s.Features[0][i*64 : (i+1)*64]
			for j := range img {
				img[j] = float32(0.5 * r.NormFloat64())
			}
			// Top-left corner of the blob inside the 4×4 quadrant q: rows/cols 0–2 of it.
			y0, x0 := 4*(q/2)+r.IntN(3), 4*(q%2)+r.IntN(3)
			for dy := range 2 {
				for dx := range 2 {
					img[(y0+dy)*8+x0+dx] += 3
				}
			}
			s.Features[1][2*i], s.Features[1][2*i+1] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		return s
	}
	return &datasets.Dataset{Spec: "test:quadrants", NumClasses: 4,
		Modalities: []datasets.Modality{{Name: "img", Shape: []int{1, 8, 8}}, {Name: "noise", Shape: []int{2}}},
		Train:      split(nTrain), Val: split(nVal), Test: split(nTest)}
}

// TestCNNLearnsQuadrants trains a one-block CNN (8 channels) through Engine.Fit on
// quadrantImages, starting from an all-zero conv kernel (biases 0.1, so ReLU passes gradient).
// From there the image only reaches the features through a kernel that training changes: a
// correct kernel gradient learns the task (test accuracy ≥ 0.9; chance is 0.25), while the same
// run with the kernel gradient zeroed (TrainJob.Transform, the control, standing for a broken
// convolution gradient) stays at chance (≤ 0.35: 512 test samples, the standard error of a
// chance accuracy is 0.019, so 0.35 is 5 standard errors above it). Seed 0, 512 training samples,
// 30 epochs, learning rate 1e-2: measured accuracies are printed with -v.
func TestCNNLearnsQuadrants(t *testing.T) {
	ds := quadrantImages(7, 512, 256, 512)
	if err := ds.Validate(); err != nil {
		t.Fatal(err)
	}
	o := DefaultModelOptions()
	o.Conv = []int{8}
	opts := DefaultTrainOptions()
	opts.Epochs, opts.LR = 30, 1e-2
	engine := &Engine{Backend: testBackend(t), Options: opts}
	const kernelPath = "/" + netScope + "/enc/conv0/weights"
	var init bytes.Buffer
	enc := gob.NewEncoder(&init)
	if err := enc.Encode(weightsFormat); err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode([]savedWeight{
		{Path: kernelPath, Dims: []int{3, 3, 1, 8}, Values: make([]float32, 9*8)},
		{Path: "/" + netScope + "/enc/conv0/biases", Dims: []int{8}, Values: slices.Repeat([]float32{0.1}, 8)},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		broken   bool
		min, max float64
	}{
		{"conv", false, 0.9, 1},
		{"zero kernel gradient", true, 0, 0.35},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := &TrainJob{Name: t.Name(), Seed: 0, Data: ds, Inputs: []int{0}, Init: init.Bytes(),
				Build: func(scope *model.Scope, xs []*graph.Node) Outputs { return o.UniModel(scope, xs[0], ds.NumClasses) }}
			if tc.broken {
				job.Transform = func(_ *Batch, grads []Gradient) {
					for i := range grads {
						if grads[i].Path == kernelPath {
							grads[i].Grad = graph.ZerosLike(grads[i].Grad)
						}
					}
				}
			}
			net, _, err := engine.Fit(context.Background(), job)
			if err != nil {
				t.Fatal(err)
			}
			logits, err := net.Logits(ds.Test)
			if err != nil {
				t.Fatal(err)
			}
			acc := accuracyOf(logits, ds.Test.Labels, ds.NumClasses)
			t.Logf("test accuracy %.3f", acc)
			if acc < tc.min || acc > tc.max {
				t.Errorf("test accuracy %.3f, want within [%.2f, %.2f]", acc, tc.min, tc.max)
			}
		})
	}
}

// accuracyOf is the fraction of rows of logits ([n × k], row-major) whose argmax is the label.
func accuracyOf(logits []float32, labels []int32, k int) float64 {
	correct := 0
	for i, y := range labels {
		row := logits[i*k : (i+1)*k]
		if int32(slices.Index(row, slices.Max(row))) == y {
			correct++
		}
	}
	return float64(correct) / float64(len(labels))
}

// TestCNNMethods runs uni, joint and UMT (free dimensions shared and branch) for two epochs on
// data with an image and a vector modality: encoder=auto builds a CNN for the image and an MLP
// for the vector in the same network, UMT's free dimensions widen the CNN encoder's last dense
// layer (or add a second CNN), and every trained network is restored bit for bit from its
// saved weights (the conv variables included).
func TestCNNMethods(t *testing.T) {
	ds := quadrantImages(3, 512, 256, 256)
	env := testEnv(t, ds, 2)
	env.Model.Conv = []int{4}
	var unis []Predictor
	for m := range ds.Modalities {
		env.Modality = m
		pred, _, err := uniMethod{}.Train(context.Background(), env, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkRestores(t, uniMethod{}, env, nil, pred)
		unis = append(unis, pred)
	}
	env.Modality = -1
	env.Deps[results.UniMethod] = unis
	if _, _, err := (jointMethod{}).Train(context.Background(), env, nil); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{FreeShared, FreeBranch} {
		o := DefaultUMTOptions()
		o.FreeDims, o.FreeMode = 8, mode
		pred, _, err := umtMethod{}.Train(context.Background(), env, &o)
		if err != nil {
			t.Fatal(err)
		}
		for m := range ds.Modalities {
			if _, dim, ok, err := pred.Features(m, ds.Test); err != nil || !ok || dim != 64+8 {
				t.Errorf("umt %s: modality %d: features of dimension %d (ok %v, err %v), want 72", mode, m, dim, ok, err)
			}
		}
		checkRestores(t, umtMethod{}, env, &o, pred)
		net := pred.(*Network)
		want := []string{"/net/enc0/conv0/weights", "/net/enc1/layer0/weights"}
		if mode == FreeBranch {
			want = append(want, "/net/free0/conv0/weights")
		}
		for _, path := range want {
			if net.Variable(path) == nil {
				t.Errorf("umt %s: no variable %s", mode, path)
			}
		}
		if net.Variable("/net/enc1/conv0/weights") != nil {
			t.Errorf("umt %s: the vector modality got a CNN", mode)
		}
	}
	if w := env.Model.UsesCNN(ds.Modalities[0].Shape); !w {
		t.Errorf("UsesCNN(%v) = false under encoder=auto", ds.Modalities[0].Shape)
	}
}
