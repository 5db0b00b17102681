package mmlab

// Models (docs/DESIGN.md §3): per-modality MLP encoders, late-fusion heads and per-modality split-head
// logits. Everything here is graph-building code: it panics (GoMLX convention) with messages that
// start with the function's name.

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/nn"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Fusion heads (ModelOptions.Fusion).
const (
	// FusionConcatLinear is a linear layer on the concatenated encoder outputs; equivalently a sum
	// of per-modality linear heads sharing one bias. The default.
	FusionConcatLinear = "concat_linear"
	// FusionSum is a sum of per-modality linear heads, each with its own bias (the "sum" fusion of
	// the OGM-GE code); it differs from concat_linear only in parameterisation and initialisation.
	FusionSum = "sum"
	// FusionConcatMLP is an MLP (one hidden ReLU layer) on the concatenated encoder outputs,
	// needed for paired features that are not linearly separable (LazyPair pair=xor).
	FusionConcatMLP = "concat_mlp"
)

// Weight initialisations (ModelOptions.Init).
const (
	// InitUniform draws weights and biases of a dense layer from U(−1/√fan_in, 1/√fan_in), the
	// default of PyTorch's nn.Linear, which the project's prototype used. The default.
	InitUniform = "uniform"
	// InitHe draws weights from N(0, 2/fan_in) and sets biases to zero (GoMLX's default).
	InitHe = "he"
)

// Encoder kinds (ModelOptions.EncoderKind).
const (
	// EncoderAuto picks EncoderCNN for inputs whose per-sample shape has rank ≥ 2 (images
	// [C, H, W], spectrograms [H, W]) and EncoderMLP for vectors. The default.
	EncoderAuto = "auto"
	// EncoderMLP flattens every input and applies the MLP layers Hidden.
	EncoderMLP = "mlp"
	// EncoderCNN applies the convolution blocks Conv, flattens, then the MLP layers Hidden (see
	// ModelOptions.Encoder). It needs inputs of per-sample rank 2 or 3.
	EncoderCNN = "cnn"
)

// ModelOptions configure the networks every method builds: the encoders and the fusion head
// (options "model.<key>"). The defaults are the prototype's (docs/DESIGN.md §2.1).
type ModelOptions struct {
	Hidden       []int  `opt:"hidden" help:"widths of each encoder's ReLU layers; the last is the feature dimension"`
	Fusion       string `opt:"fusion" choices:"concat_linear|sum|concat_mlp" help:"late-fusion head"`
	FusionHidden int    `opt:"fusion_hidden" help:"hidden width of the concat_mlp head"`
	Init         string `opt:"init" choices:"uniform|he" help:"weight initialisation (ours: uniform is PyTorch's nn.Linear default)"`
	EncoderKind  string `opt:"encoder" choices:"auto|mlp|cnn" help:"encoder kind: auto is cnn for inputs of per-sample rank ≥ 2 (images, spectrograms), mlp for vectors"`
	Conv         []int  `opt:"conv" help:"output channels of the cnn encoder's blocks (3×3 conv, 2×2 max-pool, ReLU), before the hidden layers (ours)"`

	// convOp, when set, replaces the cnn encoder's convolution (convSame) by another one, without
	// bias, on x [C, batch, H, W] and kernel [k, k, C, C_out]: only tests and benchmarks set it
	// (cnn_variants_test.go: convSameSlices, or GoMLX's Convolve).
	convOp func(x, kernel *graph.Node) *graph.Node
}

// DefaultModelOptions returns the default model options: encoders d→64→64 (ReLU after each
// layer), concat_linear fusion, PyTorch-style uniform initialisation; images go through two
// convolution blocks of 16 and 32 channels before those layers (encoder auto, ours).
func DefaultModelOptions() ModelOptions {
	return ModelOptions{Hidden: []int{64, 64}, Fusion: FusionConcatLinear, FusionHidden: 64, Init: InitUniform,
		EncoderKind: EncoderAuto, Conv: []int{16, 32}}
}

// Validate implements Validator.
func (o *ModelOptions) Validate() error {
	if len(o.Hidden) == 0 {
		return fmt.Errorf("model.hidden is empty: want at least one layer width, e.g. 64,64")
	}
	for _, h := range o.Hidden {
		if h <= 0 {
			return fmt.Errorf("model.hidden=%v: widths must be positive", o.Hidden)
		}
	}
	if o.FusionHidden <= 0 {
		return fmt.Errorf("model.fusion_hidden=%d: must be positive", o.FusionHidden)
	}
	// The choices first: the conv check below depends on a valid encoder.
	if err := checkChoices(o, "model."); err != nil {
		return err
	}
	if len(o.Conv) == 0 && o.EncoderKind != EncoderMLP {
		return fmt.Errorf("model.conv is empty: want at least one block width, e.g. 16,32 (or model.encoder=mlp)")
	}
	for _, c := range o.Conv {
		if c <= 0 {
			return fmt.Errorf("model.conv=%v: channel widths must be positive", o.Conv)
		}
	}
	return nil
}

// FeatureDim is the output width of an encoder: the last of Hidden.
func (o *ModelOptions) FeatureDim() int { return o.Hidden[len(o.Hidden)-1] }

// Outputs are the graph nodes a network produces for a batch.
type Outputs struct {
	// Logits are the network's prediction, [batch, classes].
	Logits *graph.Node
	// Features[i] is the output of the encoder of the network's i-th input modality, the features
	// that feed the head, [batch, dim]; nil where the network has no encoder for that input.
	Features []*graph.Node
	// SplitLogits[i] are the split-head logits o_i of the i-th input modality (docs/DESIGN.md §3),
	// [batch, classes]. A uni-modal network's only split head is its own prediction.
	SplitLogits []*graph.Node
}

// Dense is a dense layer x·W + b under scope (variables "weights" [in, out] and "biases" [out]),
// optionally followed by a ReLU, initialised as init (InitUniform or InitHe) says.
func Dense(scope *model.Scope, x *graph.Node, out int, relu bool, init string) *graph.Node {
	if x.Rank() != 2 {
		exceptions.Panicf("mmlab.Dense: want x of shape [batch, features], got %s", x.Shape())
	}
	in := x.Shape().Dimensions[1]
	wShape := shapes.Make(x.DType(), in, out)
	bShape := shapes.Make(x.DType(), out)
	var w, b *model.Variable
	switch init {
	case InitUniform:
		bound := 1 / math.Sqrt(float64(in))
		w = scope.WithInitializer(uniformInitializer(scope.Store(), bound)).VariableWithShape("weights", wShape)
		b = scope.WithInitializer(uniformInitializer(scope.Store(), bound)).VariableWithShape("biases", bShape)
	case InitHe:
		w = scope.VariableWithShape("weights", wShape) // the Store's default: He-normal, zero biases
		b = scope.VariableWithShape("biases", bShape)
	default:
		exceptions.Panicf("mmlab.Dense: unknown initialisation %q (valid: %s, %s)", init, InitUniform, InitHe)
	}
	g := x.Graph()
	act := activation.TypeNone
	if relu {
		act = activation.TypeRelu
	}
	return nn.Dense(x, w.NodeValue(g), b.NodeValue(g), compute.DenseLayoutInputOutputs, act)
}

// uniformInitializer draws from U(−bound, bound) with the store's random state.
func uniformInitializer(store *model.Store, bound float64) model.VariableInitializer {
	return func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		u := store.RandomUniform(g, shape) // [0, 1)
		return graph.AddScalar(graph.MulScalar(u, 2*bound), -bound)
	}
}

// Encoder builds a modality's encoder under scope: x [batch, per-sample shape...] →
// [batch, Hidden[-1]+extra]. extra widens the last layer (UMT's undistilled free dimensions).
//
// The MLP encoder (vectors, or any input with EncoderKind mlp) flattens x and applies the dense
// layers Hidden ("layer0", "layer1", …), a ReLU after every layer. The CNN encoder (images
// [batch, C, H, W] or [batch, H, W] with EncoderKind auto or cnn) first applies the convolution
// blocks Conv ("conv0", "conv1", …; see CNNFeatures), flattens their output keeping its spatial
// layout, then the same dense layers, so the feature dimension is Hidden[-1] either way.
func (o *ModelOptions) Encoder(scope *model.Scope, x *graph.Node, extra int) *graph.Node {
	if extra < 0 {
		exceptions.Panicf("mmlab.ModelOptions.Encoder: extra=%d must be ≥ 0", extra)
	}
	return o.encoder("mmlab.ModelOptions.Encoder", scope, x, o.FeatureDim()+extra)
}

// EncoderWidth builds an encoder like Encoder but with the last layer's width replaced by
// width (UMT's free_mode=branch encoders).
func (o *ModelOptions) EncoderWidth(scope *model.Scope, x *graph.Node, width int) *graph.Node {
	if width <= 0 {
		exceptions.Panicf("mmlab.ModelOptions.EncoderWidth: width=%d must be positive", width)
	}
	return o.encoder("mmlab.ModelOptions.EncoderWidth", scope, x, width)
}

// UsesCNN reports whether Encoder builds a CNN encoder for an input of the given per-sample
// shape (without the batch axis): EncoderKind cnn, or auto with rank ≥ 2.
func (o *ModelOptions) UsesCNN(sampleShape []int) bool {
	switch o.EncoderKind {
	case EncoderCNN:
		return true
	case EncoderAuto:
		return len(sampleShape) >= 2
	}
	return false
}

// encoder builds the CNN or MLP encoder of x, whose last dense layer has width last.
func (o *ModelOptions) encoder(caller string, scope *model.Scope, x *graph.Node, last int) *graph.Node {
	if x.Rank() < 1 {
		exceptions.Panicf("%s: want x of shape [batch, features...], got %s", caller, x.Shape())
	}
	if o.UsesCNN(x.Shape().Dimensions[1:]) {
		x = o.cnnFeatures(caller, scope, x)
	}
	return o.mlp(caller, scope, x, last)
}

// mlp builds layers "layer0", "layer1", … of widths Hidden, the last replaced by last.
// An input of rank > 2 (e.g. an image [batch, C, H, W]) is flattened to [batch, C·H·W] first.
func (o *ModelOptions) mlp(caller string, scope *model.Scope, x *graph.Node, last int) *graph.Node {
	if x.Rank() > 2 {
		x = graph.Reshape(x, x.Shape().Dimensions[0], -1)
	}
	if x.Rank() != 2 {
		exceptions.Panicf("%s: want x of shape [batch, features...], got %s", caller, x.Shape())
	}
	for i, h := range o.Hidden {
		if i == len(o.Hidden)-1 {
			h = last
		}
		x = Dense(scope.In("layer%d", i), x, h, true, o.Init)
	}
	return x
}

// Fuse builds the late-fusion head on the encoder outputs features[i] ([batch, dim_i]) and returns
// the fused logits [batch, numClasses] and the split-head logits o_i of each input (docs/DESIGN.md §3):
//
//   - concat_linear: one weight matrix W = [W_1; …; W_M] on the concatenation and a bias b;
//     o_i = W_i·f_i + b/M, so the fused logits are exactly Σ_i o_i;
//   - sum: per-input linear heads with their own biases, o_i = W_i·f_i + b_i, fused = Σ_i o_i;
//   - concat_mlp: h = ReLU(W_h·[f_1…f_M] + b_h), logits = W_o·h + b_o. A non-linear head has no
//     exact per-modality split; o_i is the head applied with every other input's features set
//     to zero (ours).
func (o *ModelOptions) Fuse(scope *model.Scope, features []*graph.Node, numClasses int) (logits *graph.Node, split []*graph.Node) {
	if len(features) == 0 {
		exceptions.Panicf("mmlab.ModelOptions.Fuse: no features to fuse")
	}
	for i, f := range features {
		if f == nil || f.Rank() != 2 {
			exceptions.Panicf("mmlab.ModelOptions.Fuse: features[%d] must be [batch, dim], got %v", i, f)
		}
	}
	m := len(features)
	split = make([]*graph.Node, m)
	switch o.Fusion {
	case FusionConcatLinear:
		total := 0
		for _, f := range features {
			total += f.Shape().Dimensions[1]
		}
		// One dense layer on the concatenation, so initialisation uses fan_in = Σ dims exactly as
		// a concat+linear head would; it is applied block by block.
		head := scope.In("head")
		dtype := features[0].DType()
		g := features[0].Graph()
		wShape, bShape := shapes.Make(dtype, total, numClasses), shapes.Make(dtype, numClasses)
		var wv, bv *model.Variable
		if o.Init == InitHe {
			wv, bv = head.VariableWithShape("weights", wShape), head.VariableWithShape("biases", bShape)
		} else {
			init := uniformInitializer(scope.Store(), 1/math.Sqrt(float64(total)))
			wv = head.WithInitializer(init).VariableWithShape("weights", wShape)
			bv = head.WithInitializer(init).VariableWithShape("biases", bShape)
		}
		w, b := wv.NodeValue(g), bv.NodeValue(g)
		bShare := graph.ExpandAxes(graph.DivScalar(b, float64(m)), 0)
		offset := 0
		for i, f := range features {
			d := f.Shape().Dimensions[1]
			wi := graph.Slice(w, graph.AxisRange(offset, offset+d))
			offset += d
			split[i] = graph.Add(graph.DotProduct(f, wi), bShare)
			if logits == nil {
				logits = split[i]
			} else {
				logits = graph.Add(logits, split[i])
			}
		}
	case FusionSum:
		for i, f := range features {
			split[i] = Dense(scope.In("head%d", i), f, numClasses, false, o.Init)
			if logits == nil {
				logits = split[i]
			} else {
				logits = graph.Add(logits, split[i])
			}
		}
	case FusionConcatMLP:
		mlp := func(s *model.Scope, x *graph.Node) *graph.Node {
			h := Dense(s.In("hidden"), x, o.FusionHidden, true, o.Init)
			return Dense(s.In("out"), h, numClasses, false, o.Init)
		}
		logits = mlp(scope.In("head"), graph.Concatenate(features, -1))
		for i := range features {
			masked := make([]*graph.Node, m)
			for j, f := range features {
				if j == i {
					masked[j] = f
				} else {
					masked[j] = graph.ZerosLike(f)
				}
			}
			split[i] = mlp(scope.Shared("head"), graph.Concatenate(masked, -1))
		}
	default:
		exceptions.Panicf("mmlab.ModelOptions.Fuse: unknown fusion %q (valid: %s, %s, %s)",
			o.Fusion, FusionConcatLinear, FusionSum, FusionConcatMLP)
	}
	return logits, split
}

// UniModel builds a uni-modal network: an encoder (scope "enc") and a linear head (scope "head").
func (o *ModelOptions) UniModel(scope *model.Scope, x *graph.Node, numClasses int) Outputs {
	f := o.Encoder(scope.In("enc"), x, 0)
	logits := Dense(scope.In("head"), f, numClasses, false, o.Init)
	return Outputs{Logits: logits, Features: []*graph.Node{f}, SplitLogits: []*graph.Node{logits}}
}

// LateFusion builds a late-fusion network: one encoder per input (scopes "enc0", "enc1", … by
// input position) and the fusion head (scope "fusion").
func (o *ModelOptions) LateFusion(scope *model.Scope, xs []*graph.Node, numClasses int) Outputs {
	if len(xs) < 2 {
		exceptions.Panicf("mmlab.ModelOptions.LateFusion: want at least 2 inputs, got %d", len(xs))
	}
	return o.WideLateFusion(scope, xs, numClasses, 0, FreeShared)
}

// WideLateFusion is LateFusion with freeDims extra outputs per encoder that feed the head: the
// network of UMT's student (umt.free_dims, umt.free_mode) and of its width-matched joint control
// joint_wide. freeMode FreeShared widens each encoder's last layer ("enc<i>") by freeDims;
// FreeBranch adds a second encoder "free<i>" of the same layers, its last freeDims wide, whose
// outputs follow the first encoder's. Features[i] is [batch, FeatureDim()+freeDims] either way,
// the first FeatureDim() columns from "enc<i>". freeDims = 0 builds exactly LateFusion's network.
func (o *ModelOptions) WideLateFusion(scope *model.Scope, xs []*graph.Node, numClasses, freeDims int, freeMode string) Outputs {
	if freeDims < 0 || (freeMode != FreeShared && freeMode != FreeBranch) {
		exceptions.Panicf("mmlab.ModelOptions.WideLateFusion: freeDims=%d, freeMode=%q: want freeDims ≥ 0 and mode %s or %s",
			freeDims, freeMode, FreeShared, FreeBranch)
	}
	features := make([]*graph.Node, len(xs))
	for i, x := range xs {
		if freeMode == FreeBranch && freeDims > 0 {
			main := o.Encoder(scope.In("enc%d", i), x, 0)
			free := o.EncoderWidth(scope.In("free%d", i), x, freeDims)
			features[i] = graph.Concatenate([]*graph.Node{main, free}, -1)
		} else {
			features[i] = o.Encoder(scope.In("enc%d", i), x, freeDims)
		}
	}
	logits, split := o.Fuse(scope.In("fusion"), features, numClasses)
	return Outputs{Logits: logits, Features: features, SplitLogits: split}
}

// CrossEntropy is the mean softmax cross-entropy of logits [batch, classes] against integer
// labels [batch].
func CrossEntropy(logits, labels *graph.Node) *graph.Node {
	if logits.Rank() != 2 || labels.Rank() != 1 || labels.Shape().Dimensions[0] != logits.Shape().Dimensions[0] {
		exceptions.Panicf("mmlab.CrossEntropy: want logits [batch, classes] and labels [batch], got %s and %s",
			logits.Shape(), labels.Shape())
	}
	onehot := graph.OneHot(labels, logits.Shape().Dimensions[1], logits.DType())
	return graph.Neg(graph.ReduceAllMean(graph.ReduceSum(graph.Mul(onehot, graph.LogSoftmax(logits)), -1)))
}

// correctCount is the number of rows of logits whose argmax equals labels, as an int32 scalar.
func correctCount(logits, labels *graph.Node) *graph.Node {
	pred := graph.ArgMax(logits, -1, dtypes.Int32)
	return graph.ReduceAllSum(graph.ConvertDType(graph.Equal(pred, graph.ConvertDType(labels, dtypes.Int32)), dtypes.Int32))
}
