package mmlab

// CNN encoders for image-like modalities (docs/DESIGN.md §3): convolution blocks in the style of
// LeNet (LeCun et al., "Gradient-based learning applied to document recognition", Proc. IEEE
// 1998) — a 3×3 convolution with "same" zero padding, 2×2 max-pooling and a ReLU per block —
// followed by the MLP layers of the vector encoders. The convolution is computed by im2col and
// one matrix product (Chellapilla, Puri & Simard, "High Performance Convolutional Neural
// Networks for Document Processing", IWFHR 2006), which the pure-Go backend runs much faster than
// its generic convolution (see convSame and BenchmarkCNNTrainStep). Graph-building code: it panics
// with messages that start with the function's name.

import (
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// convKernel is the spatial size of the CNN encoder's convolutions (3×3).
const convKernel = 3

// CNNFeatures builds the convolution blocks of a CNN encoder under scope and returns their
// output flattened, [batch, Conv[-1]·H'·W'] (what CNN encoders feed to the dense layers).
//
// x is [batch, C, H, W] (channels first, as datasets store images) or [batch, H, W] (one
// channel). Block i (scope "conv<i>", variables "weights" [3, 3, C_in, Conv[i]] and "biases"
// [Conv[i]]) computes
//
//	y = ReLU(maxpool2×2(conv3×3same(x, weights) + biases))
//
// which equals the usual conv → ReLU → pool order (ReLU is monotone, so it commutes with max)
// and needs a quarter of the ReLUs. Pooling rounds down: H and W become ⌊H/2⌋ and ⌊W/2⌋ (an odd
// last row or column is dropped, like PyTorch's MaxPool2d), so an input needs H, W ≥ 2^len(Conv);
// smaller inputs panic. The output keeps the spatial layout (no global pooling: positions matter
// for some datasets), flattened in (channel, row, column) order like PyTorch's flatten of NCHW.
// Kernels are initialised like the dense layers (ModelOptions.Init) with fan_in = 9·C_in:
// uniform U(±1/√fan_in) for kernel and bias (PyTorch's nn.Conv2d default) or He.
//
// Internally the blocks work on [C, batch, H, W] (ours: in that layout the im2col patches and
// every matrix product of the forward and backward pass are in the layouts the pure-Go backend's
// matrix multiplication takes without transposing; see convSame).
func (o *ModelOptions) CNNFeatures(scope *model.Scope, x *graph.Node) *graph.Node {
	return o.cnnFeatures("mmlab.ModelOptions.CNNFeatures", scope, x)
}

func (o *ModelOptions) cnnFeatures(caller string, scope *model.Scope, x *graph.Node) *graph.Node {
	switch x.Rank() {
	case 3: // [batch, H, W]: one channel.
		x = graph.ExpandAxes(x, 0)
	case 4: // [batch, C, H, W] → [C, batch, H, W].
		x = graph.TransposeAllAxes(x, 1, 0, 2, 3)
	default:
		exceptions.Panicf("%s: a cnn encoder wants images [batch, C, H, W] or [batch, H, W], got %s "+
			"(use model.encoder=auto or mlp for vectors)", caller, x.Shape())
	}
	if len(o.Conv) == 0 {
		exceptions.Panicf("%s: model.conv is empty: a cnn encoder needs at least one block", caller)
	}
	dims := x.Shape().Dimensions
	if need := 1 << len(o.Conv); dims[2] < need || dims[3] < need {
		exceptions.Panicf("%s: input of %d×%d pixels is too small for %d conv blocks: each halves H and W "+
			"(2×2 max-pooling, rounding down), so H and W must be ≥ %d; use fewer blocks (model.conv) or model.encoder=mlp",
			caller, dims[2], dims[3], len(o.Conv), need)
	}
	for i, c := range o.Conv {
		x = o.convBlock(scope.In("conv%d", i), x, c)
	}
	// [C, batch, h, w] → [batch, C·h·w].
	x = graph.TransposeAllAxes(x, 1, 0, 2, 3)
	return graph.Reshape(x, x.Shape().Dimensions[0], -1)
}

// convBlock is one block of CNNFeatures on x [C, batch, H, W].
func (o *ModelOptions) convBlock(scope *model.Scope, x *graph.Node, out int) *graph.Node {
	in := x.Shape().Dimensions[0]
	fanIn := convKernel * convKernel * in
	wShape := shapes.Make(x.DType(), convKernel, convKernel, in, out)
	bShape := shapes.Make(x.DType(), out)
	var w, b *model.Variable
	switch o.Init {
	case InitUniform:
		init := uniformInitializer(scope.Store(), 1/math.Sqrt(float64(fanIn)))
		w = scope.WithInitializer(init).VariableWithShape("weights", wShape)
		b = scope.WithInitializer(init).VariableWithShape("biases", bShape)
	case InitHe:
		// The Store's default: N(0, 2/fan_in) with fan_in = 3·3·in for a rank-4 kernel, zero biases.
		w = scope.VariableWithShape("weights", wShape)
		b = scope.VariableWithShape("biases", bShape)
	default:
		exceptions.Panicf("mmlab.ModelOptions.convBlock: unknown initialisation %q (valid: %s, %s)", o.Init, InitUniform, InitHe)
	}
	g := x.Graph()
	kernel, bias := w.NodeValue(g), b.NodeValue(g)
	var y *graph.Node
	if o.convOp != nil { // another convolution, for tests and benchmarks (cnn_variants_test.go)
		y = graph.Add(o.convOp(x, kernel), graph.Reshape(bias, out, 1, 1, 1))
	} else {
		y = convSame(x, kernel, bias)
	}
	return activation.Relu(maxPool2x2(y))
}

// convSame is a 2-D convolution (strictly, a cross-correlation, as in every deep-learning
// library) with stride 1 and "same" zero padding, plus a bias, by im2col: x [C, batch, H, W],
// kernel [k, k, C, C_out] with k odd, bias [C_out] or nil → [C_out, batch, H, W], where
//
//	out[o, b, i, j] = bias[o] + Σ_{dy, dx < k, c} kernel[dy, dx, c, o] · x[c, b, i+dy−p, j+dx−p],  p = ⌊k/2⌋,
//
// with x zero outside the image. The k² shifted copies of x are stacked on the channel axis into
// patches [k²·C (+1), batch·H·W], in (dy, dx, c) order — the row-major order of the kernel's
// first three axes — with a row of ones for the bias, and multiplied from the left by the
// kernel as [C_out, k²·C (+1)] (bias as last column).
//
// Implementation notes (ours), for the pure-Go backend:
//   - Layout: with the channel axis first, the patches, the output and both gradient products
//     (∂kernel = ∂out · patchesᵀ, and ∂x below) are in the layouts its matrix multiplication
//     takes directly; with channels last, ∂kernel needed a transposed copy of the patches.
//   - Shifts: the backend copies a Slice element by element but a Pad row by row, so each
//     shifted copy is one Pad with a negative padding on one side (a crop). GoMLX cannot
//     differentiate such a Pad (its gradient is a Slice from the negative offset), so x's
//     gradient is given explicitly: the transposed convolution, itself a convSame of ∂out with
//     the kernel flipped in space and its channel axes swapped. It is attached with
//     IdentityWithCustomGradient on a zero term z − StopGradient(z) added to the output, which
//     leaves the output's values unchanged bit for bit. z has the output's shape, so x enters it
//     zero-padded on the channel axis when C_out > C (and the output is padded to C channels
//     and cropped back when C_out < C).
//
// The kernel's and the bias's gradients come from GoMLX's differentiation of the product.
// TestConvSameMatchesConvolve checks values and all gradients against graph.Convolve.
// BenchmarkCNNTrainStep compares the speed: a training step of the default CNN on [3, 16, 16]
// images, batch 256, took 58 ms with convSame, 96 ms with convSameSlices and 779 ms with
// graph.Convolve (measured on the project's shared 2-core machine).
func convSame(x, kernel, bias *graph.Node) *graph.Node {
	c, out := convSameDims("mmlab.convSame", x, kernel)
	if bias != nil && (bias.Rank() != 1 || bias.Shape().Dimensions[0] != out) {
		exceptions.Panicf("mmlab.convSame: want bias [%d], got %s", out, bias.Shape())
	}
	y := im2colProduct(graph.StopGradient(x), kernel, bias)
	// The gradient path to x: a zero term whose custom gradient is the transposed convolution.
	width := max(c, out) // channels of the zero term
	zin := padAxis0(x, width-c)
	z := graph.IdentityWithCustomGradient(zin, func(_, v *graph.Node) *graph.Node {
		if out < c {
			v = graph.Slice(v, graph.AxisRange(0, out))
		}
		flipped := graph.TransposeAllAxes(graph.Reverse(kernel, 0, 1), 0, 1, 3, 2) // [k, k, out, c]
		return padAxis0(im2colProduct(v, graph.StopGradient(flipped), nil), width-c)
	})
	zero := graph.Sub(z, graph.StopGradient(z))
	if out < c {
		return graph.Slice(graph.Add(padAxis0(y, c-out), zero), graph.AxisRange(0, out))
	}
	return graph.Add(y, zero)
}

// padAxis0 appends n zero slices to x on its first axis.
func padAxis0(x *graph.Node, n int) *graph.Node {
	if n == 0 {
		return x
	}
	cfg := make([]compute.PadAxis, x.Rank())
	cfg[0].End = n
	return graph.Pad(x, padZero(x), cfg...)
}

// convSameDims checks convSame's arguments and returns the input and output channels.
func convSameDims(caller string, x, kernel *graph.Node) (c, out int) {
	if x.Rank() != 4 || kernel.Rank() != 4 {
		exceptions.Panicf("%s: want x [C, batch, H, W] and kernel [k, k, C, C_out], got %s and %s",
			caller, x.Shape(), kernel.Shape())
	}
	c, kd := x.Shape().Dimensions[0], kernel.Shape().Dimensions
	if kd[0] != kd[1] || kd[0]%2 != 1 || kd[2] != c {
		exceptions.Panicf("%s: want a square kernel of odd size [k, k, %d, C_out] for x %s, got %s",
			caller, c, x.Shape(), kernel.Shape())
	}
	return c, kd[3]
}

// im2colProduct is convSame's forward computation (bias may be nil). Its shifted copies are
// Pads that GoMLX cannot differentiate: use it on values that need no gradient.
func im2colProduct(x, kernel, bias *graph.Node) *graph.Node {
	c, out := convSameDims("mmlab.convSame", x, kernel)
	d := x.Shape().Dimensions
	batch, h, w := d[1], d[2], d[3]
	k := kernel.Shape().Dimensions[0]
	p := k / 2
	zero := padZero(x)
	rows := make([]*graph.Node, 0, k*k+1)
	for dy := range k {
		for dx := range k {
			// view[i, j] = x[i+dy−p, j+dx−p]: pad p−dy on one side, crop it on the other.
			v := x
			if dy != p || dx != p {
				v = graph.Pad(x, zero, compute.PadAxis{}, compute.PadAxis{},
					compute.PadAxis{Start: p - dy, End: dy - p}, compute.PadAxis{Start: p - dx, End: dx - p})
			}
			rows = append(rows, v)
		}
	}
	// [out, k, k, c] → [out, k²·c]: the columns in (dy, dx, c) order, like the patch rows.
	kmat := graph.Reshape(graph.TransposeAllAxes(kernel, 3, 0, 1, 2), out, k*k*c)
	if bias != nil {
		rows = append(rows, graph.Ones(x.Graph(), shapes.Make(x.DType(), 1, batch, h, w)))
		kmat = graph.Concatenate([]*graph.Node{kmat, graph.ExpandAxes(bias, -1)}, 1)
	}
	patches := rows[0]
	if len(rows) > 1 {
		patches = graph.Concatenate(rows, 0)
	}
	n := patches.Shape().Dimensions[0]
	y := graph.DotProduct(kmat, graph.Reshape(patches, n, batch*h*w))
	return graph.Reshape(y, out, batch, h, w)
}

// padZero is the fill value of convSame's Pads: −0.0, equal to 0 in every arithmetic use (ours:
// the pure-Go backend fills a Pad's output with a non-zero bit pattern by block copies, but with
// zero bits by an element loop; measured, building the nine shifted copies of a
// [16, 256, 16, 16] input took 14 ms instead of 20 ms). Only the sign of an exactly zero output
// can differ from a +0 fill.
func padZero(x *graph.Node) *graph.Node {
	return graph.Scalar(x.Graph(), x.DType(), math.Copysign(0, -1))
}

// maxPool2x2 is 2×2 max-pooling with stride 2 of x [C, batch, H, W] → [C, batch, ⌊H/2⌋, ⌊W/2⌋]:
// an odd last row or column is dropped (PyTorch's MaxPool2d default, ceil_mode=False). It takes
// the maximum of each pair of columns, then of each pair of rows, with ReduceMax, whose gradient
// goes to every element equal to the maximum (a tie — with real-valued inputs, rare — passes
// the full gradient to each tied element, where PyTorch picks one).
func maxPool2x2(x *graph.Node) *graph.Node {
	if x.Rank() != 4 {
		exceptions.Panicf("mmlab.maxPool2x2: want x [C, batch, H, W], got %s", x.Shape())
	}
	d := x.Shape().Dimensions
	c, batch, h, w := d[0], d[1], d[2]/2, d[3]/2
	if h == 0 || w == 0 {
		exceptions.Panicf("mmlab.maxPool2x2: x %s has fewer than 2 rows or columns to pool", x.Shape())
	}
	if 2*h != d[2] || 2*w != d[3] {
		x = graph.Slice(x, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 2*h), graph.AxisRange(0, 2*w))
	}
	// Columns, then rows: two reductions of one axis each (ReduceMax over the two window axes
	// at once takes the backend's general, much slower path; the gradient of the column step,
	// a trailing axis, is the faster one, so it comes first, on the larger tensor).
	y := graph.ReduceMax(graph.Reshape(x, c*batch*2*h*w, 2), 1)
	y = graph.ReduceMax(graph.Reshape(y, c*batch*h, 2, w), 1)
	return graph.Reshape(y, c, batch, h, w)
}
