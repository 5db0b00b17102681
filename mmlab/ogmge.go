package mmlab

// ogmge — OGM-GE, On-the-fly Gradient Modulation with Generalization Enhancement (Peng et al.,
// "Balanced Multimodal Learning via On-the-fly Gradient Modulation", CVPR 2022; official code
// github.com/GeWu-Lab/OGM-GE_CVPR2022): joint late-fusion training whose dominant modality's
// encoder gradients are scaled down at every step (docs/DESIGN.md §4). A baseline of Du et al.'s
// comparison; the paper under study cites its many hyperparameters (α, the epoch window, GE) as
// a drawback.
//
// What is implemented, per training step, on the batch's split-head logits o_m (docs/DESIGN.md §3:
// o_m = W_m·f_m + b/M for the default concat_linear head, the same split the official code
// computes for its "concat" fusion):
//
//	s_m = Σ_batch softmax(o_m)[y]              (the official code's score_a, score_v)
//	ρ_m = s_m / s_other
//	k_m = 1 − tanh(α·ρ_m)   if ρ_m > 1         (the dominant modality)
//	k_m = 1                 otherwise
//	g ← k_m·g  [+ N(0, std(g)²) with ge=true]  for every variable of encoder m, within the window
//
// What the official code does (main.py of github.com/GeWu-Lab/OGM-GE_CVPR2022, read at its
// newest commit) and how it maps here:
//   - parameters modulated: the official code scales (and adds GE noise to) only the gradients
//     of the encoders' 4-D tensors, i.e. the convolution kernels of its ResNet-18 audio and
//     visual nets; their batch-norm scales and shifts (1-D) and the fusion head are left
//     alone, and its convolutions have no biases. Here ogmge.modulate=weights is that rule:
//     every encoder variable of rank ≥ 2 under /net/enc<m>/ — the convolution kernels of a CNN
//     encoder and, since our encoders end in dense layers that the official backbone lacks,
//     the dense weight matrices too (of an MLP encoder: all its weight matrices) — and no bias
//     (the analogue of the 1-D batch-norm parameters). The default, ogmge.modulate=encoder,
//     kept so that stored runs stay valid, modulates every encoder variable, biases included;
//     the head is never modulated;
//   - optimizer: the official default is SGD, momentum 0.9, weight decay 1e-4, lr 1e-3, with
//     StepLR (×0.1 at epoch 70 of 100, stepped per epoch), batch 64, 100 epochs. Here the
//     optimizer is the engine's, shared by every method: train.optimizer=adam (default) or sgd
//     (momentum 0.9, L2 weight decay 1e-4, torch.optim.SGD's rule), train.lr (default 1e-3)
//     and train.schedule=step for the StepLR (×0.1 after 70% of train.epochs). Our batch is
//     train.batch (256) and our data sets are small (2000 training samples: about 8 steps per
//     epoch against the official ≈ 100 on CREMA-D), so the official lr 1e-3 moves the weights
//     far less in total; the studies of notebook 05 choose the SGD learning rate on
//     validation data. Adam divides each update by a running RMS of the gradient, so a
//     scaling k that stays nearly constant over Adam's averaging horizon (≈ 1/(1 − β₂) = 1000
//     steps) is largely cancelled; variations of k from step to step and the GE noise are not;
//   - at an exact tie (s_0 = s_1) the official code slows one of them (audio) by 1 − tanh(α);
//     here, as in the paper's equation and docs/DESIGN.md §4, neither is slowed (k = 1 for both);
//   - the window is inclusive at both ends and 0-based, as the official code's corrected check
//     `modulation_starts <= epoch <= modulation_ends` (one version has the comparison inverted,
//     which modulates, and adds GE noise, in every epoch); outside it nothing is changed;
//   - the GE noise's standard deviation is that of the unmodulated gradient g (docs/DESIGN.md §4's
//     N(0, std(g)²), and the newest official code's); one version of the official code takes
//     it from k·g. The noise is added to both modalities' modulated encoder gradients (as the
//     official code does), with the unbiased standard deviation plus 1e-8 (torch's std() +
//     1e-8), one draw per variable per step from the network's seeded random-number state (so
//     runs stay reproducible);
//   - the official code computes s_m on the split heads of its concat fusion, as here; its
//     ResNet-18 encoders and data sets (CREMA-D, Kinetics-Sounds, VGGSound) are not ours.
//
// Only two modalities, as in the reference (ρ_m compares a modality with "the other"); Train
// rejects datasets with M ≠ 2.

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/mmlab-go/mmlab/results"
)

func init() { Register(results.OGMGEMethod, ogmgeMethod{}) }

// OGMGEOptions are OGM-GE's options ("ogmge.<key>"). Epochs are 0-based and the window is
// inclusive, as the official code's `modulation_starts <= epoch <= modulation_ends`.
type OGMGEOptions struct {
	Alpha      float64 `opt:"alpha" help:"α in k = 1 − tanh(α·ρ) for the dominant modality; > 0 (docs/DESIGN.md §4 default 0.1)"`
	StartEpoch int     `opt:"start_epoch" help:"first epoch (0-based) of the modulation window (official code's default 0)"`
	EndEpoch   int     `opt:"end_epoch" help:"last epoch (0-based, inclusive) of the modulation window; beyond train.epochs means to the end (official code's default 50)"`
	GE         bool    `opt:"ge" help:"generalization enhancement: add N(0, std(g)²) noise to every modulated encoder gradient tensor of both modalities inside the window"`
	Modulate   string  `opt:"modulate" choices:"encoder|weights" omitif:"encoder" help:"which encoder variables are modulated: encoder = all of them, biases included (default, as stored runs); weights = rank ≥ 2 only (convolution kernels and dense weight matrices, no biases), the analogue of the official code's 4-D-tensor rule"`
}

// Values of OGMGEOptions.Modulate.
const (
	// OGMModulateEncoder modulates every variable of the encoder (the default).
	OGMModulateEncoder = "encoder"
	// OGMModulateWeights modulates the encoder's variables of rank ≥ 2 only: convolution kernels
	// and dense weight matrices, not biases (the official code: 4-D tensors only).
	OGMModulateWeights = "weights"
)

// DefaultOGMGEOptions returns OGM-GE's defaults: α = 0.1 (docs/DESIGN.md §4; the official code has no
// default and asks for one), the official code's window, epochs 0 to 50 inclusive (51 of its 100
// epochs; 51 of this project's 150), and GE on (the official code's default modulation "OGM_GE").
// The window is kept in absolute epochs rather than rescaled to 150 epochs: these are the values
// a user of the reference gets, and rescaling would be a tuning choice of ours.
func DefaultOGMGEOptions() OGMGEOptions {
	return OGMGEOptions{Alpha: 0.1, StartEpoch: 0, EndEpoch: 50, GE: true, Modulate: OGMModulateEncoder}
}

// Validate implements Validator.
func (o *OGMGEOptions) Validate() error {
	switch {
	case !(o.Alpha > 0) || math.IsInf(o.Alpha, 0):
		return fmt.Errorf("ogmge.alpha=%g: must be a positive number (k = 1 − tanh(α·ρ); α ≤ 0 would never slow the dominant modality)", o.Alpha)
	case o.StartEpoch < 0:
		return fmt.Errorf("ogmge.start_epoch=%d: must be ≥ 0 (epochs are 0-based)", o.StartEpoch)
	case o.EndEpoch < o.StartEpoch:
		return fmt.Errorf("ogmge.start_epoch=%d > ogmge.end_epoch=%d: the modulation window is empty (both ends are inclusive)",
			o.StartEpoch, o.EndEpoch)
	}
	return checkChoices(o, "ogmge.")
}

// ValidateTrain implements TrainValidator: the window must overlap training.
func (o *OGMGEOptions) ValidateTrain(t *TrainOptions) error {
	if o.StartEpoch >= t.Epochs {
		return fmt.Errorf("ogmge.start_epoch=%d: training has train.epochs=%d epochs (0-based 0–%d), so the modulation window is empty",
			o.StartEpoch, t.Epochs, t.Epochs-1)
	}
	return nil
}

type ogmgeMethod struct{}

// Doc implements Method.
func (ogmgeMethod) Doc() string {
	return "OGM-GE (Peng et al., CVPR 2022): joint late-fusion training; at every step inside an epoch window the " +
		"dominant modality's encoder gradients are scaled by 1 − tanh(α·ρ), ρ the ratio of the split heads' summed " +
		"true-class probabilities, optionally plus Gaussian noise N(0, std(g)²) (GE). Two modalities only."
}

// DefaultOptions, Requires and PerModality implement Method.
func (ogmgeMethod) DefaultOptions() Validator { o := DefaultOGMGEOptions(); return &o }
func (ogmgeMethod) Requires() []string        { return nil }
func (ogmgeMethod) PerModality() bool         { return false }

// job is the joint late-fusion network with OGM-GE's gradient transform.
func (ogmgeMethod) job(env *Env, o *OGMGEOptions) *TrainJob {
	job := jointMethod{}.job(env)
	job.Transform = o.transform
	return job
}

// Train implements Method.
func (m ogmgeMethod) Train(ctx context.Context, env *Env, opts Validator) (Predictor, *results.Curves, error) {
	o := opts.(*OGMGEOptions)
	if n := len(env.Data.Modalities); n != 2 {
		return nil, nil, fmt.Errorf("mmlab: ogmge: the method compares a modality with \"the other\" and is defined for 2 modalities; "+
			"the dataset has %d", n)
	}
	if err := o.ValidateTrain(&env.Engine.Options); err != nil {
		return nil, nil, fmt.Errorf("mmlab: ogmge: %w", err)
	}
	net, curves, err := env.Engine.Fit(ctx, m.job(env, o))
	if err != nil {
		return nil, nil, err
	}
	return net, curves, nil
}

// Restore implements Restorer.
func (m ogmgeMethod) Restore(env *Env, opts Validator, weights []byte) (Predictor, error) {
	return RestoreNetwork(env.Backend(), m.job(env, opts.(*OGMGEOptions)), weights)
}

// geEpsilon is added to the GE noise's standard deviation, as the official code's
// `std().item() + 1e-8`, so that an all-zero gradient still gets a (tiny) valid distribution.
const geEpsilon = 1e-8

// modulated reports whether OGM-GE modulates the variable of gr, given encoder m's prefix
// ("/net/enc<m>/"): every variable there, or with ogmge.modulate=weights those of rank ≥ 2.
func (o *OGMGEOptions) modulated(gr Gradient, prefix string) bool {
	if !strings.HasPrefix(gr.Path, prefix) {
		return false
	}
	return o.Modulate != OGMModulateWeights || gr.Variable.Shape().Rank() >= 2
}

// transform is OGM-GE's TrainJob.Transform: it scales encoder m's modulated gradients (see
// modulated) by k_m inside the window and, with GE, adds the noise there.
func (o *OGMGEOptions) transform(b *Batch, grads []Gradient) {
	g := b.Loss.Graph()
	coeffs := OGMCoefficients(b.Out.SplitLogits, b.Labels, o.Alpha)
	epoch := graph.ConvertDType(b.Epoch, dtypes.Int32)
	inWindow := graph.LogicalAnd(
		graph.GreaterOrEqual(epoch, graph.Scalar(g, dtypes.Int32, o.StartEpoch)),
		graph.LessOrEqual(epoch, graph.Scalar(g, dtypes.Int32, o.EndEpoch)))
	for m, k := range coeffs {
		k = graph.Where(inWindow, k, graph.ScalarOne(g, k.DType()))
		prefix := fmt.Sprintf("/%s/enc%d/", netScope, m)
		count := 0
		for i := range grads {
			if !o.modulated(grads[i], prefix) {
				continue
			}
			count++
			// The noise's scale is the unmodulated gradient's: take it before scaling.
			unmodulated := grads[i].Grad
			grads[i].Grad = graph.Mul(unmodulated, graph.ConvertDType(k, unmodulated.DType()))
			if o.GE {
				std := graph.AddScalar(gradientStd(unmodulated), geEpsilon)
				noise := graph.Mul(b.Scope.RandomNormal(g, unmodulated.Shape()), std)
				noise = graph.Mul(noise, graph.ConvertDType(inWindow, noise.DType()))
				grads[i].Grad = graph.Add(grads[i].Grad, noise)
			}
		}
		if count == 0 {
			exceptions.Panicf("mmlab: ogmge: no modulated trainable variables under %s (the network must build its encoders as LateFusion does)", prefix)
		}
	}
}

// gradientStd is the unbiased standard deviation of all values of x (torch's Tensor.std()), as
// a scalar; 0 for a single value.
func gradientStd(x *graph.Node) *graph.Node {
	n := x.Shape().Size()
	if n < 2 {
		return graph.ScalarZero(x.Graph(), x.DType())
	}
	centred := graph.Sub(x, graph.ReduceAllMean(x))
	return graph.Sqrt(graph.DivScalar(graph.ReduceAllSum(graph.Square(centred)), float64(n-1)))
}

// OGMCoefficients returns OGM's modulation coefficients k_0, k_1 (scalars) for a batch, from the
// two modalities' split-head logits ([batch, classes] each) and the labels ([batch]):
// s_m = Σ_batch softmax(o_m)[y], ρ_m = s_m / s_other, k_m = 1 − tanh(α·ρ_m) if ρ_m > 1 else 1.
// At most one coefficient is below 1; at a tie both are 1. It panics unless there are exactly two
// split heads.
func OGMCoefficients(splitLogits []*graph.Node, labels *graph.Node, alpha float64) []*graph.Node {
	if len(splitLogits) != 2 {
		exceptions.Panicf("mmlab.OGMCoefficients: OGM is defined for 2 modalities, got %d split heads", len(splitLogits))
	}
	scores := make([]*graph.Node, 2)
	for m, o := range splitLogits {
		if o.Rank() != 2 || labels.Rank() != 1 || labels.Shape().Dimensions[0] != o.Shape().Dimensions[0] {
			exceptions.Panicf("mmlab.OGMCoefficients: want logits [batch, classes] and labels [batch], got %s and %s", o.Shape(), labels.Shape())
		}
		onehot := graph.OneHot(labels, o.Shape().Dimensions[1], o.DType())
		scores[m] = graph.ReduceAllSum(graph.Mul(graph.Softmax(o, -1), onehot))
	}
	coeffs := make([]*graph.Node, 2)
	for m := range 2 {
		ratio := graph.Div(scores[m], scores[1-m])
		slowed := graph.OneMinus(graph.Tanh(graph.MulScalar(ratio, alpha)))
		coeffs[m] = graph.Where(graph.GreaterThan(ratio, graph.ScalarOne(ratio.Graph(), ratio.DType())), slowed,
			graph.ScalarOne(ratio.Graph(), ratio.DType()))
	}
	return coeffs
}
