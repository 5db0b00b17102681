package mmlab

// The training engine: one loop shared by every method (docs/DESIGN.md §4 "Shared"). Methods describe
// a network (TrainJob.Build), optional extra loss terms (TrainJob.Loss) and an optional gradient
// transform (TrainJob.Transform); the engine owns the optimizer, the learning-rate schedule,
// shuffling, batching, early stopping, checkpoints of the best weights, progress, per-epoch curves
// and divergence detection.

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// Learning-rate schedules (TrainOptions.Schedule).
const (
	// ScheduleConstant keeps the learning rate at TrainOptions.LR. The default.
	ScheduleConstant = "constant"
	// ScheduleCosine anneals the learning rate from LR to MinLR over all training steps (one
	// half cosine, no restarts): lr(t) = MinLR + (LR − MinLR)·(1 + cos(π·t/T))/2 for step t of T.
	ScheduleCosine = "cosine"
	// ScheduleStep is the official OGM-GE code's StepLR (step 70, ratio 0.1 over its 100 epochs),
	// rescaled to train.epochs: LR for the first ⌊0.7·epochs⌋ epochs, then LR·StepDecay.
	ScheduleStep = "step"
)

// StepDecay is ScheduleStep's factor, and StepAt the fraction of the epochs after which it
// applies (the official OGM-GE code's lr_decay_ratio 0.1 at lr_decay_step 70 of 100 epochs).
const (
	StepDecay = 0.1
	StepAt    = 0.7
)

// TrainOptions configure the training engine (options "train.<key>"). The defaults are the
// prototype's (docs/DESIGN.md §2.1): Adam 1e-3, batch 256, 150 epochs, no weight decay, no early
// stopping. Optimizer and the step schedule were added later (issue 12); Optimizer is left out of
// run keys at adam, so runs stored before it keep their keys.
type TrainOptions struct {
	Epochs      int     `opt:"epochs" help:"passes over the training split"`
	Batch       int     `opt:"batch" help:"batch size; the incomplete last batch of every epoch is dropped so shapes stay fixed"`
	LR          float64 `opt:"lr" help:"learning rate (of train.optimizer)"`
	Schedule    string  `opt:"schedule" choices:"constant|cosine|step" help:"learning-rate schedule; step: ×0.1 after 70% of the epochs (the official OGM-GE code's StepLR, rescaled)"`
	MinLR       float64 `opt:"min_lr" help:"final learning rate of the cosine schedule"`
	WeightDecay float64 `opt:"weight_decay" help:"decoupled weight decay (AdamW); 0 is plain Adam; must be 0 with train.optimizer=sgd"`
	Patience    int     `opt:"patience" help:"early stopping: stop after this many epochs without a better validation accuracy and keep the best weights; 0 disables it"`
	Optimizer   string  `opt:"optimizer" choices:"adam|sgd" omitif:"adam" help:"adam: Adam (AdamW with train.weight_decay); sgd: SGD with momentum 0.9 and L2 weight decay 1e-4, the official OGM-GE code's optimizer, for every network of every method"`
}

// DefaultTrainOptions returns the default training options.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Epochs: 150, Batch: 256, LR: 1e-3, Schedule: ScheduleConstant, Optimizer: OptimizerAdam}
}

// Validate implements Validator.
func (o *TrainOptions) Validate() error {
	switch {
	case o.Epochs < 1:
		return fmt.Errorf("train.epochs=%d: must be ≥ 1", o.Epochs)
	case o.Batch < 1:
		return fmt.Errorf("train.batch=%d: must be ≥ 1", o.Batch)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("train.lr=%g: must be a positive number", o.LR)
	case o.MinLR < 0 || o.MinLR > o.LR:
		return fmt.Errorf("train.min_lr=%g: must be in [0, train.lr=%g]", o.MinLR, o.LR)
	case o.WeightDecay < 0:
		return fmt.Errorf("train.weight_decay=%g: must be ≥ 0", o.WeightDecay)
	case o.Patience < 0:
		return fmt.Errorf("train.patience=%d: must be ≥ 0 (0 disables early stopping)", o.Patience)
	case o.Optimizer == OptimizerSGD && o.WeightDecay != 0:
		return fmt.Errorf("train.optimizer=sgd has the official L2 weight decay %g; train.weight_decay=%g is AdamW's and must be 0 with it",
			SGDWeightDecay, o.WeightDecay)
	}
	return checkChoices(o, "train.")
}

// learningRate returns the learning rate of step t (0-based) of total steps (total is a
// multiple of o.Epochs: the steps per epoch times the epochs).
func (o *TrainOptions) learningRate(t, total int) float64 {
	if o.Schedule == ScheduleStep {
		if perEpoch := total / max(o.Epochs, 1); perEpoch > 0 && t/perEpoch >= stepEpoch(o.Epochs) {
			return o.LR * StepDecay
		}
		return o.LR
	}
	if o.Schedule != ScheduleCosine || total <= 1 {
		return o.LR
	}
	return o.MinLR + (o.LR-o.MinLR)*(1+math.Cos(math.Pi*float64(t)/float64(total)))/2
}

// stepEpoch is the first epoch (0-based) of ScheduleStep's decayed rate: ⌊StepAt·epochs⌋, e.g.
// 70 of 100 (the official code's), 105 of 150, 28 of 40.
func stepEpoch(epochs int) int { return int(math.Floor(StepAt*float64(epochs) + 1e-9)) }

// TrainJob describes one network to train: what it reads, how it is built, and the method's
// additions to the default loss and update.
type TrainJob struct {
	// Name identifies the run in progress and error messages, e.g. "umt seed 3".
	Name string
	// Seed determines the initialisation and the batch order: the same seed and the same inputs
	// give bit-identical weights and metrics.
	Seed int
	// Data is the dataset; the network trains on Data.Train and is validated on Data.Val.
	Data *datasets.Dataset
	// Inputs are the dataset modalities the network reads, in the order Build receives them.
	Inputs []int
	// Build builds the network on a batch: xs[i] is [batch, Modality.Shape...] of modality
	// Inputs[i] (e.g. [batch, d] for vectors, [batch, C, H, W] for images). It is
	// called under the scope "net" for training and for inference graphs alike, so it must
	// create the same variables every time and must not depend on labels.
	Build func(scope *model.Scope, xs []*graph.Node) Outputs
	// Loss builds the training loss from a batch; nil means CrossEntropy(Out.Logits, Labels).
	Loss func(b *Batch) *graph.Node
	// Extra are per-sample arrays of the training split, row-major [Data.Train.Len() × ExtraDims[i]],
	// that the engine keeps next to the data and gathers with every batch into Batch.Extra (e.g.
	// UMT's precomputed teacher features).
	Extra     [][]float32
	ExtraDims []int
	// Transform, if set, may rewrite the gradients (in place) before the optimizer applies them,
	// e.g. OGM-GE's modulation of one encoder's gradients. It runs inside graph building.
	Transform func(b *Batch, grads []Gradient)
	// Init, if set, holds starting weights in MarshalWeights' encoding, e.g. of another network
	// that builds variables under the same paths (fine-tuning; G-Blending's estimation copies of
	// a model in training). The network's variables found there start from those values (the
	// shapes must match); the others are initialised as usual; saved variables the network does
	// not build are ignored. Optimizer state always starts fresh.
	Init []byte
	// OnEpoch, if set, is called with done = 0 once the weights are initialised, before the
	// first step, and then after every epoch (after its validation) with done = the number of
	// epochs completed. It may read the network's weights (MarshalWeights) and set the values of
	// its variables (Network.Variable), e.g. loss weights that Loss reads from a non-trainable
	// variable, as G-Blending re-estimates them. An error stops training. Logits and Features of
	// net are for finished networks (they compile an inference graph that freezes the weights):
	// do not call them from OnEpoch.
	OnEpoch func(done int, net *Network) error
}

// Batch is what TrainJob.Loss and TrainJob.Transform see while the training graph is built.
type Batch struct {
	Scope  *model.Scope  // the network's scope ("/net")
	Out    Outputs       // the network's outputs on the batch
	Labels *graph.Node   // [batch] int32
	Extra  []*graph.Node // Extra[i] is [batch, ExtraDims[i]]
	Epoch  *graph.Node   // current epoch, int32 scalar, 0-based
	Loss   *graph.Node   // the training loss (set for Transform; nil inside Loss)
}

// Gradient is the gradient of the loss with respect to one trainable variable. A Transform may
// replace Grad; Path (e.g. "/net/enc0/layer0/weights") says which encoder a variable belongs to.
type Gradient struct {
	Path     string
	Variable *model.Variable
	Grad     *graph.Node
}

// Engine trains networks: one optimizer (Options.Optimizer: Adam by default, or SGD with
// momentum), one schedule, one loop for every method.
type Engine struct {
	Backend compute.Backend
	Options TrainOptions
	// Progress, if set, receives progress events (see Progress).
	Progress Progress
}

// Progress receives training progress: Start once per network with its total number of steps,
// Step after every step with the batch loss, End when the network is done (or failed).
type Progress interface {
	Start(name string, steps int)
	Step(loss float64)
	End()
}

// netScope is the scope every network is built under; weights are the trainable variables below it.
const netScope = "net"

// shuffleStream is the second PCG parameter of the batch-order generator (the first is the seed),
// so batch order and dataset generation never share a random stream.
const shuffleStream = 0x6d6d6c6162 // "mmlab"

// Fit trains job's network and returns it with its per-epoch curves: the training loop (train)
// with job as its only replica. Divergence — a NaN or infinite loss, or an epoch's mean loss far
// above the first step's (see DivergenceFactor) — stops training with an error naming the job,
// the step or epoch, and the option to change. With Options.Patience > 0 the network returned
// holds the weights of the epoch with the best validation accuracy.
func (e *Engine) Fit(ctx context.Context, job *TrainJob) (net *Network, curves *results.Curves, err error) {
	const caller = "mmlab.Engine.Fit"
	if err := e.Options.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", caller, job.Name, err)
	}
	if err := job.check(); err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", caller, job.Name, err)
	}
	nets, all, err := e.train(ctx, []*TrainJob{job}, caller)
	if err != nil {
		return nil, nil, err
	}
	return nets[0], all[0], nil
}

// adamUpdater returns the engine's optimizer (Adam or AdamW) as an updater that takes gradients.
func adamUpdater(opts TrainOptions) (interface {
	UpdateGraphWithGradients(scope *model.Scope, grads []*graph.Node, lossDType dtypes.DType)
}, error) {
	adam := optimizer.Adam().LearningRate(opts.LR).WeightDecay(opts.WeightDecay).Done()
	updater, ok := adam.(interface {
		UpdateGraphWithGradients(scope *model.Scope, grads []*graph.Node, lossDType dtypes.DType)
	})
	if !ok {
		return nil, fmt.Errorf("the Adam optimizer does not accept gradients (GoMLX API changed?)")
	}
	return updater, nil
}

// buildBatch builds job's network and training loss on one batch under scope (the network's
// "net" scope): data holds the resident inputs, the labels and the extras in TrainJob order,
// rows [batch, 1] the batch's row indices. The returned Batch has Loss set.
func buildBatch(net *Network, job *TrainJob, scope *model.Scope, data []*graph.Node, rows, epoch *graph.Node, caller string) *Batch {
	numInputs := len(job.Inputs)
	xs := make([]*graph.Node, numInputs)
	for i := range xs {
		xs[i] = graph.Gather(data[i], rows)
	}
	b := &Batch{Scope: scope, Labels: graph.Gather(data[numInputs], rows), Epoch: epoch}
	for i := range len(job.Extra) {
		b.Extra = append(b.Extra, graph.Gather(data[numInputs+1+i], rows))
	}
	b.Out = net.buildOn(b.Scope, xs)
	var loss *graph.Node
	if job.Loss != nil {
		loss = job.Loss(b)
	} else {
		loss = CrossEntropy(b.Out.Logits, b.Labels)
	}
	if !loss.Shape().IsScalar() {
		exceptions.Panicf("%s: %s: the loss must be a scalar, got %s", caller, job.Name, loss.Shape())
	}
	b.Loss = loss
	return b
}

// check validates a job's description.
func (job *TrainJob) check() error {
	ds := job.Data
	switch {
	case ds == nil || ds.Train == nil || ds.Val == nil:
		return fmt.Errorf("no dataset (want Data with Train and Val splits)")
	case job.Build == nil:
		return fmt.Errorf("no Build function")
	case len(job.Inputs) == 0:
		return fmt.Errorf("no Inputs")
	case len(job.Extra) != len(job.ExtraDims):
		return fmt.Errorf("%d Extra arrays but %d ExtraDims", len(job.Extra), len(job.ExtraDims))
	}
	for _, m := range job.Inputs {
		if m < 0 || m >= len(ds.Modalities) {
			return fmt.Errorf("input modality %d outside [0, %d)", m, len(ds.Modalities))
		}
	}
	for i, x := range job.Extra {
		if job.ExtraDims[i] <= 0 || len(x) != ds.Train.Len()*job.ExtraDims[i] {
			return fmt.Errorf("Extra[%d] has %d values, want %d samples × %d", i, len(x), ds.Train.Len(), job.ExtraDims[i])
		}
	}
	return nil
}

// trainableInGraph lists the trainable variables under root used by g, in the order of
// Scope.BuildTrainableVariablesGradientsGraph.
func trainableInGraph(root *model.Scope, g *graph.Graph) []Gradient {
	var out []Gradient
	for v := range root.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			out = append(out, Gradient{Path: v.Path(), Variable: v})
		}
	}
	return out
}

// ScaleGradients multiplies the gradients of every variable whose path starts with prefix (e.g.
// "/net/enc0/") by factor, a scalar node; it returns how many variables it scaled. A helper for
// TrainJob.Transform.
func ScaleGradients(grads []Gradient, prefix string, factor *graph.Node) int {
	count := 0
	for i := range grads {
		if strings.HasPrefix(grads[i].Path, prefix) {
			grads[i].Grad = graph.Mul(grads[i].Grad, graph.ConvertDType(factor, grads[i].Grad.DType()))
			count++
		}
	}
	return count
}

// pcg is a 128-bit PCG generator with DXSM output (the algorithm of math/rand/v2's PCG), implemented here so
// that batch orders never change with the Go version.
type pcg struct{ hi, lo uint64 }

func newPCG(seed1, seed2 uint64) *pcg { return &pcg{hi: seed1, lo: seed2} }

func (p *pcg) next() uint64 {
	const (
		mulHi = 2549297995355413924
		mulLo = 4865540595714422341
		incHi = 6364136223846793005
		incLo = 1442695040888963407
	)
	// state = state·mul + inc (128-bit arithmetic)
	hi, lo := bits.Mul64(p.lo, mulLo)
	hi += p.hi*mulLo + p.lo*mulHi
	lo, c := bits.Add64(lo, incLo, 0)
	hi, _ = bits.Add64(hi, incHi, c)
	p.lo, p.hi = lo, hi
	// DXSM output ("double xorshift multiply"), as math/rand/v2.
	const cheapMul = 0xda942042e4dd58b5
	hi ^= hi >> 32
	hi *= cheapMul
	hi ^= hi >> 48
	hi *= lo | 1
	return hi
}

// shuffle permutes order in place (Fisher–Yates). The modulo bias is below 2⁻⁴⁰ for any split
// size up to 2²⁴ samples.
func (p *pcg) shuffle(order []int32) {
	for i := len(order) - 1; i > 0; i-- {
		j := int(p.next() % uint64(i+1))
		order[i], order[j] = order[j], order[i]
	}
}

func finalizeAll(ts []*tensors.Tensor) {
	for _, t := range ts {
		if t != nil {
			_ = t.FinalizeAll()
		}
	}
}

func tensorArgs(ts []*tensors.Tensor) []any {
	args := make([]any, len(ts))
	for i, t := range ts {
		args[i] = t
	}
	return args
}

// checkpoint is a copy of a network's trainable weights.
type checkpoint struct {
	paths  []string
	values [][]float32
}

// checkpoint copies the network's trainable weights.
func (n *Network) checkpoint() (*checkpoint, error) { return storeCheckpoint(n.store, "", true) }

func (n *Network) restore(c *checkpoint) error {
	for i, path := range c.paths {
		v := n.store.GetVariable(path)
		if v == nil {
			return fmt.Errorf("restore: no variable %s", path)
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(c.values[i], v.Shape().Dimensions...)); err != nil {
			return fmt.Errorf("restore of %s: %w", path, err)
		}
	}
	return nil
}

// sortedWeights is used by weights(): variables ordered by path, so saved weights do not depend on
// creation order.
func sortedWeights(vs []*model.Variable) []*model.Variable {
	slices.SortFunc(vs, func(a, b *model.Variable) int { return strings.Compare(a.Path(), b.Path()) })
	return vs
}
