package mmlab

// Linear probe (docs/DESIGN.md §5): how linearly readable the classes are from a frozen encoder's
// features. Laziness gap_m = probe(uni-modal φ_m) − probe(φ_m of method X).

import (
	"fmt"
	"math"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/support/exceptions"
)

// ProbeOptions configure the linear probe (options "probe.<key>"). The probe is ours: the
// paper's exact probing protocol is not available to us.
//
// The probe standardises every feature with the training split's mean and standard deviation
// (features with zero spread, e.g. dead ReLU units, are left at zero), then fits a multinomial
// logistic regression (weights and biases start at zero) with full-batch Adam for Steps steps
// on the whole training split, minimising mean cross-entropy + L2·‖W‖², and reports accuracy
// on the test split. Zero initialisation and
// full batches make the probe deterministic: it has no seed.
type ProbeOptions struct {
	Steps int     `opt:"steps" help:"full-batch Adam steps of the linear probe"`
	LR    float64 `opt:"lr" help:"Adam learning rate of the linear probe"`
	L2    float64 `opt:"l2" help:"L2 penalty on the probe's weights (mean over samples of CE + l2·‖W‖²)"`
}

// DefaultProbeOptions returns the default probe options: 300 full-batch Adam steps at 0.05 and an
// L2 penalty of 1e-4, enough to converge on standardised 64-dimensional features (see
// TestProbeConverges).
func DefaultProbeOptions() ProbeOptions {
	return ProbeOptions{Steps: 300, LR: 0.05, L2: 1e-4}
}

// Validate implements Validator.
func (o *ProbeOptions) Validate() error {
	switch {
	case o.Steps < 1:
		return fmt.Errorf("probe.steps=%d: must be ≥ 1", o.Steps)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("probe.lr=%g: must be a positive number", o.LR)
	case o.L2 < 0:
		return fmt.Errorf("probe.l2=%g: must be ≥ 0", o.L2)
	}
	return nil
}

// ProbeAccuracy fits a linear softmax classifier on frozen features of the training split
// (train, row-major [len(trainLabels) × dim]) and returns its accuracy on the test features;
// see ProbeOptions for the protocol.
//
// The logistic regression's gradient has a closed form, so the probe needs no autodiff: Adam
// (β = 0.9, 0.999, ε = 1e-8, bias-corrected) runs probeUnroll steps per call of one compiled
// graph, which is shared by every probe of the process.
func ProbeAccuracy(backend compute.Backend, opts ProbeOptions, dim, numClasses int,
	train []float32, trainLabels []int32, test []float32, testLabels []int32) (float64, error) {
	logits, err := probeTestLogits(backend, opts, dim, numClasses, train, trainLabels, test, len(testLabels))
	if err != nil {
		return 0, err
	}
	return Accuracy(logits, testLabels, nil)
}

// probeTestLogits fits the probe of ProbeAccuracy and returns its logits on the nt test
// samples, row-major [nt × numClasses], so that accuracy can also be taken on subsets of them.
func probeTestLogits(backend compute.Backend, opts ProbeOptions, dim, numClasses int,
	train []float32, trainLabels []int32, test []float32, nt int) ([]float32, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("mmlab.ProbeAccuracy: %w", err)
	}
	n := len(trainLabels)
	if dim <= 0 || n == 0 || nt == 0 || len(train) != n*dim || len(test) != nt*dim {
		return nil, fmt.Errorf("mmlab.ProbeAccuracy: want train [%d × %d] and test [%d × %d], got %d and %d values",
			n, dim, nt, dim, len(train), len(test))
	}
	mean, scale := standardisation(train, dim)
	onehot := make([]float32, n*numClasses)
	for i, y := range trainLabels {
		if y < 0 || int(y) >= numClasses {
			return nil, fmt.Errorf("mmlab.ProbeAccuracy: train label %d of sample %d outside [0, %d)", y, i, numClasses)
		}
		onehot[i*numClasses+int(y)] = 1
	}
	x := tensors.FromFlatDataAndDimensions(standardise(train, dim, mean, scale), n, dim)
	y := tensors.FromFlatDataAndDimensions(onehot, n, numClasses)
	hyper := tensors.FromFlatDataAndDimensions([]float32{float32(opts.LR), float32(opts.L2)}, 2)
	defer finalizeAll([]*tensors.Tensor{x, y, hyper})
	state := []*tensors.Tensor{ // W, b, Adam moments of W and b, step count
		tensors.FromShape(shapes.Make(dtypes.Float32, dim, numClasses)),
		tensors.FromShape(shapes.Make(dtypes.Float32, numClasses)),
		tensors.FromShape(shapes.Make(dtypes.Float32, dim, numClasses)),
		tensors.FromShape(shapes.Make(dtypes.Float32, dim, numClasses)),
		tensors.FromShape(shapes.Make(dtypes.Float32, numClasses)),
		tensors.FromShape(shapes.Make(dtypes.Float32, numClasses)),
		tensors.FromScalar(float32(0)),
	}
	defer func() { finalizeAll(state) }()
	for done := 0; done < opts.Steps; {
		unroll := probeUnroll
		if opts.Steps-done < unroll {
			unroll = 1
		}
		exec, err := probeExec(backend, unroll)
		if err != nil {
			return nil, fmt.Errorf("mmlab.ProbeAccuracy: %w", err)
		}
		args := append([]any{x, y, hyper}, tensorArgs(state)...)
		var outs []*tensors.Tensor
		if e := exceptions.TryCatch[error](func() { outs, err = exec.Exec(args...) }); e != nil {
			err = e
		}
		if err != nil {
			return nil, fmt.Errorf("mmlab.ProbeAccuracy: step %d: %w", done, err)
		}
		finalizeAll(state)
		state = outs[:len(state)]
		loss := tensors.MustCopyFlatData[float32](outs[len(state)])[0]
		outs[len(state)].MustFinalizeAll()
		done += unroll
		if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
			return nil, fmt.Errorf("mmlab.ProbeAccuracy: the probe diverged (loss %v after %d steps); try a smaller probe.lr", loss, done)
		}
	}
	w := tensors.MustCopyFlatData[float32](state[0])
	b := tensors.MustCopyFlatData[float32](state[1])
	xt := standardise(test, dim, mean, scale)
	logits := make([]float32, nt*numClasses)
	for i := range nt {
		row := xt[i*dim : (i+1)*dim]
		for c := range numClasses {
			z := float64(b[c])
			for j, v := range row {
				z += float64(v) * float64(w[j*numClasses+c])
			}
			logits[i*numClasses+c] = float32(z)
		}
	}
	return logits, nil
}

// probeUnroll is the number of Adam steps of the probe per graph call: large enough that the
// per-call overhead (≈ 0.2 ms on the Go backend) is small, small enough to compile quickly.
const probeUnroll = 20

var probeExecs sync.Map // probeExecKey → *graph.Exec

type probeExecKey struct {
	backend compute.Backend
	unroll  int
}

// probeExec returns the shared executable of unroll probe steps on backend.
func probeExec(backend compute.Backend, unroll int) (*graph.Exec, error) {
	key := probeExecKey{backend, unroll}
	if e, ok := probeExecs.Load(key); ok {
		return e.(*graph.Exec), nil
	}
	e, err := graph.NewExec(backend, func(in []*graph.Node) []*graph.Node {
		return probeSteps(unroll, in)
	})
	if err != nil {
		return nil, err
	}
	actual, _ := probeExecs.LoadOrStore(key, e)
	return actual.(*graph.Exec), nil
}

// probeSteps builds unroll Adam steps of L2-penalised softmax regression. Inputs: x [n, d],
// y one-hot [n, k], hyper [lr, l2], then the state W [d, k], b [k], mW, vW, mb, vb, t. Outputs:
// the new state and the loss before the last step.
func probeSteps(unroll int, in []*graph.Node) []*graph.Node {
	const beta1, beta2, eps = 0.9, 0.999, 1e-8
	x, y, hyper := in[0], in[1], in[2]
	w, b, mw, vw, mb, vb, t := in[3], in[4], in[5], in[6], in[7], in[8], in[9]
	lr := graph.Slice(hyper, graph.AxisElem(0))
	lr = graph.Reshape(lr)
	l2 := graph.Reshape(graph.Slice(hyper, graph.AxisElem(1)))
	xT := graph.Transpose(x, 0, 1)
	n := float64(x.Shape().Dimensions[0])
	var loss *graph.Node
	adam := func(p, m, v, g *graph.Node, lrT *graph.Node) (*graph.Node, *graph.Node, *graph.Node) {
		m = graph.Add(graph.MulScalar(m, beta1), graph.MulScalar(g, 1-beta1))
		v = graph.Add(graph.MulScalar(v, beta2), graph.MulScalar(graph.Square(g), 1-beta2))
		step := graph.Div(m, graph.AddScalar(graph.Sqrt(v), eps))
		return graph.Sub(p, graph.Mul(lrT, step)), m, v
	}
	for range unroll {
		logits := graph.Add(graph.DotProduct(x, w), graph.ExpandAxes(b, 0))
		logP := graph.LogSoftmax(logits)
		loss = graph.Add(graph.DivScalar(graph.Neg(graph.ReduceAllSum(graph.Mul(y, logP))), n),
			graph.Mul(l2, graph.ReduceAllSum(graph.Square(w))))
		g := graph.DivScalar(graph.Sub(graph.Exp(logP), y), n) // ∂loss/∂logits
		gw := graph.Add(graph.DotProduct(xT, g), graph.Mul(graph.MulScalar(l2, 2), w))
		gb := graph.ReduceSum(g, 0)
		t = graph.AddScalar(t, 1)
		// Bias correction folded into the step size: lr·√(1−β2ᵗ)/(1−β1ᵗ).
		lrT := graph.Div(graph.Mul(lr, graph.Sqrt(graph.OneMinus(graph.Pow(graph.Scalar(t.Graph(), t.DType(), beta2), t)))),
			graph.OneMinus(graph.Pow(graph.Scalar(t.Graph(), t.DType(), beta1), t)))
		w, mw, vw = adam(w, mw, vw, gw, lrT)
		b, mb, vb = adam(b, mb, vb, gb, lrT)
	}
	return []*graph.Node{w, b, mw, vw, mb, vb, t, loss}
}

// standardisation returns per-feature means and 1/std (0 for features with no spread).
func standardisation(x []float32, dim int) (mean, scale []float64) {
	n := len(x) / dim
	mean, scale = make([]float64, dim), make([]float64, dim)
	for i := range n {
		for j := range dim {
			mean[j] += float64(x[i*dim+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := range n {
		for j := range dim {
			d := float64(x[i*dim+j]) - mean[j]
			scale[j] += d * d
		}
	}
	for j := range scale {
		std := math.Sqrt(scale[j] / float64(n))
		if std > 1e-8 {
			scale[j] = 1 / std
		} else {
			scale[j] = 0
		}
	}
	return mean, scale
}

func standardise(x []float32, dim int, mean, scale []float64) []float32 {
	out := make([]float32, len(x))
	for i := range out {
		j := i % dim
		out[i] = float32((float64(x[i]) - mean[j]) * scale[j])
	}
	return out
}
