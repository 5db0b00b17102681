package mmlab

// CNN encoders for image-like modalities (DESIGN.md §3): convolution blocks in the style of
// LeNet (LeCun et al., "Gradient-based learning applied to document recognition", Proc. IEEE
// 1998) — a 3×3 convolution with "same" zero padding, 2×2 max-pooling and a ReLU per block —
// followed by the MLP layers of the vector encoders. The convolution is computed by im2col and
// one matrix product (Chellapilla, Puri & Simard, "High Performance Convolutional Neural
// Networks for Document Processing", IWFHR 2006), which the pure-Go backend runs much faster than
// its generic convolution (see ConvSame for the measurements). Graph-building code: it panics
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

// convBuiltin is the value of ModelOptions.convOp that selects GoMLX's generic convolution
// (graph.Convolve) instead of ConvSame: for benchmarks and tests.
const convBuiltin = "builtin"

// CNNFeatures builds the convolution blocks of a CNN encoder under scope and returns their
// output flattened, [batch, H'·W'·Conv[-1]] (what CNN encoders feed to the dense layers).
//
// x is [batch, C, H, W] (channels first, as datasets store images) or [batch, H, W] (one
// channel). Internally the blocks work channels-last, [batch, H, W, C]. Block i (scope "conv<i>",
// variables "weights" [3, 3, C_in, Conv[i]] and "biases" [Conv[i]]) computes
//
//	y = ReLU(MaxPool2x2(ConvSame(x, weights) + biases))
//
// which equals the usual conv → ReLU → pool order (ReLU is monotone, so it commutes with max)
// and needs a quarter of the ReLUs. Pooling rounds down (MaxPool2x2): H and W become ⌊H/2⌋ and
// ⌊W/2⌋, so an input needs H, W ≥ 2^len(Conv); smaller inputs panic. The output keeps the spatial
// layout (no global pooling: positions matter for some datasets), flattened in (h, w, c) order.
// Kernels are initialised like the dense layers (ModelOptions.Init) with fan_in = 9·C_in:
// uniform U(±1/√fan_in) for kernel and bias (PyTorch's nn.Conv2d default) or He.
func (o *ModelOptions) CNNFeatures(scope *model.Scope, x *graph.Node) *graph.Node {
	return o.cnnFeatures("mmlab.ModelOptions.CNNFeatures", scope, x)
}

func (o *ModelOptions) cnnFeatures(caller string, scope *model.Scope, x *graph.Node) *graph.Node {
	switch x.Rank() {
	case 3: // [batch, H, W]: one channel.
		x = graph.ExpandAxes(x, -1)
	case 4: // [batch, C, H, W] → [batch, H, W, C].
		x = graph.TransposeAllAxes(x, 0, 2, 3, 1)
	default:
		exceptions.Panicf("%s: a cnn encoder wants images [batch, C, H, W] or [batch, H, W], got %s "+
			"(use model.encoder=auto or mlp for vectors)", caller, x.Shape())
	}
	if len(o.Conv) == 0 {
		exceptions.Panicf("%s: model.conv is empty: a cnn encoder needs at least one block", caller)
	}
	dims := x.Shape().Dimensions
	if need := 1 << len(o.Conv); dims[1] < need || dims[2] < need {
		exceptions.Panicf("%s: input of %d×%d pixels is too small for %d conv blocks: each halves H and W "+
			"(2×2 max-pooling, rounding down), so H and W must be ≥ %d; use fewer blocks (model.conv)",
			caller, dims[1], dims[2], len(o.Conv), need)
	}
	for i, c := range o.Conv {
		x = o.convBlock(scope.In("conv%d", i), x, c)
	}
	return graph.Reshape(x, x.Shape().Dimensions[0], -1)
}

// convBlock is one block of CNNFeatures on a channels-last x.
func (o *ModelOptions) convBlock(scope *model.Scope, x *graph.Node, out int) *graph.Node {
	in := x.Shape().Dimensions[3]
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
	kernel := w.NodeValue(g)
	var y *graph.Node
	if o.convOp == convBuiltin {
		y = graph.Convolve(x, kernel).PadSame().Done()
	} else {
		y = ConvSame(x, kernel)
	}
	y = graph.Add(y, graph.ExpandLeftToRank(b.NodeValue(g), 4))
	return activation.Relu(MaxPool2x2(y))
}

// ConvSame is a 2-D convolution (strictly, a cross-correlation, as in every deep-learning
// library) with stride 1 and "same" zero padding, by im2col: x [batch, H, W, C] (channels last),
// kernel [k, k, C, C_out] with k odd → [batch, H, W, C_out], where
//
//	out[b, i, j, o] = Σ_{dy, dx < k, c} xpad[b, i+dy, j+dx, c] · kernel[dy, dx, c, o]
//
// and xpad is x padded with ⌊k/2⌋ zeros on each side of H and W. The k² shifted views of xpad are
// concatenated on the channel axis into patches [batch·H·W, k²·C], in (dy, dx, c) order — the
// row-major order of the kernel's first three axes — and multiplied by the kernel reshaped to
// [k²·C, C_out]. Gradients come from GoMLX's automatic differentiation of those operations.
//
// Measured (ours; BenchmarkCNNConv, GoMLX v0.28.16 pure-Go backend, GOEXPERIMENT=simd, 2 shared
// cores): a training step of a uni-modal CNN on [3, 16, 16] images, batch 256, blocks 16 and 32,
// dense 64, 64: see the numbers in BenchmarkCNNConv's comment.
func ConvSame(x, kernel *graph.Node) *graph.Node {
	if x.Rank() != 4 || kernel.Rank() != 4 {
		exceptions.Panicf("mmlab.ConvSame: want x [batch, H, W, C] and kernel [k, k, C, C_out], got %s and %s",
			x.Shape(), kernel.Shape())
	}
	xd, kd := x.Shape().Dimensions, kernel.Shape().Dimensions
	batch, h, w, c := xd[0], xd[1], xd[2], xd[3]
	k, out := kd[0], kd[3]
	if kd[1] != k || k%2 != 1 || kd[2] != c {
		exceptions.Panicf("mmlab.ConvSame: want a square kernel of odd size [k, k, %d, C_out] for x %s, got %s",
			c, x.Shape(), kernel.Shape())
	}
	p := k / 2
	xpad := x
	if p > 0 {
		// Every axis is given: GoMLX v0.28.16's Pad gradient mishandles omitted trailing axes.
		xpad = graph.Pad(x, graph.ScalarZero(x.Graph(), x.DType()),
			compute.PadAxis{}, compute.PadAxis{Start: p, End: p}, compute.PadAxis{Start: p, End: p}, compute.PadAxis{})
	}
	views := make([]*graph.Node, 0, k*k)
	for dy := range k {
		for dx := range k {
			views = append(views, graph.Slice(xpad, graph.AxisRange(), graph.AxisRange(dy, dy+h), graph.AxisRange(dx, dx+w)))
		}
	}
	patches := views[0]
	if len(views) > 1 {
		patches = graph.Concatenate(views, -1)
	}
	y := graph.DotProduct(graph.Reshape(patches, batch*h*w, k*k*c), graph.Reshape(kernel, k*k*c, out))
	return graph.Reshape(y, batch, h, w, out)
}

// MaxPool2x2 is 2×2 max-pooling with stride 2 of x [batch, H, W, C] (channels last) →
// [batch, ⌊H/2⌋, ⌊W/2⌋, C]: an odd last row or column is dropped (PyTorch's MaxPool2d default,
// ceil_mode=False). It reshapes to [batch, H/2, 2, W/2, 2, C] and reduces the two window axes
// with ReduceMax, whose gradient goes to every element equal to the window's maximum (a tie —
// with real-valued inputs, rare — passes the full gradient to each tied element, where PyTorch
// picks one).
func MaxPool2x2(x *graph.Node) *graph.Node {
	if x.Rank() != 4 {
		exceptions.Panicf("mmlab.MaxPool2x2: want x [batch, H, W, C], got %s", x.Shape())
	}
	d := x.Shape().Dimensions
	batch, h, w, c := d[0], d[1]/2, d[2]/2, d[3]
	if h == 0 || w == 0 {
		exceptions.Panicf("mmlab.MaxPool2x2: x %s has fewer than 2 rows or columns to pool", x.Shape())
	}
	if 2*h != d[1] || 2*w != d[2] {
		x = graph.Slice(x, graph.AxisRange(), graph.AxisRange(0, 2*h), graph.AxisRange(0, 2*w))
	}
	return graph.ReduceMax(graph.Reshape(x, batch, h, 2, w, 2, c), 2, 4)
}
