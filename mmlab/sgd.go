package mmlab

// SGD with momentum and L2 weight decay, with PyTorch's torch.optim.SGD semantics (dampening 0,
// no Nesterov): g' = g + wd·w; b ← μ·b + g' (b starts at 0, so the first step has b = g', as
// torch's); w ← w − lr·b. GoMLX's optimizer.StochasticGradientDescent has no momentum (and
// decays the learning rate as 1/√step by default), so the engine has its own.

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Optimizers of TrainOptions.Optimizer (train.optimizer).
const (
	// OptimizerAdam is the engine's default: Adam (AdamW with train.weight_decay > 0).
	OptimizerAdam = "adam"
	// OptimizerSGD is SGD with momentum SGDMomentum and L2 weight decay SGDWeightDecay, the
	// optimizer of the official OGM-GE code (torch.optim.SGD(lr=1e-3, momentum=0.9,
	// weight_decay=1e-4)); the learning rate and its schedule are train.lr and train.schedule.
	OptimizerSGD = "sgd"
)

// SGDMomentum and SGDWeightDecay are OptimizerSGD's momentum μ and L2 weight decay (the official
// OGM-GE code's values).
const (
	SGDMomentum    = 0.9
	SGDWeightDecay = 1e-4
)

// gradientUpdater applies gradients (in the order of Scope.BuildTrainableVariablesGradientsGraph)
// to the trainable variables under scope.
type gradientUpdater interface {
	UpdateGraphWithGradients(scope *model.Scope, grads []*graph.Node, lossDType dtypes.DType)
}

// newUpdater returns the optimizer named by opts.Optimizer ("" is OptimizerAdam).
func newUpdater(opts TrainOptions) (gradientUpdater, error) {
	switch name := opts.Optimizer; name {
	case "", OptimizerAdam:
		return adamUpdater(opts)
	case OptimizerSGD:
		return sgdMomentumUpdater{momentum: SGDMomentum, weightDecay: SGDWeightDecay}, nil
	}
	return nil, fmt.Errorf("train.optimizer=%q: valid values are %s, %s", opts.Optimizer, OptimizerAdam, OptimizerSGD)
}

// sgdMomentumUpdater is SGD with momentum and L2 weight decay (see the file comment). Its
// momentum buffers are non-trainable variables under "/sgd_momentum/<variable path>".
type sgdMomentumUpdater struct{ momentum, weightDecay float64 }

// UpdateGraphWithGradients implements gradientUpdater. The learning rate is the scope's
// optimizer.LearningRateVar (which the engine sets every step).
func (o sgdMomentumUpdater) UpdateGraphWithGradients(scope *model.Scope, grads []*graph.Node, lossDType dtypes.DType) {
	if len(grads) == 0 {
		exceptions.Panicf("mmlab.sgdMomentumUpdater: no gradients (no trainable variables?)")
	}
	g := grads[0].Graph()
	lr := optimizer.LearningRateVar(scope, lossDType, 0).NodeValue(g)
	i := 0
	for v := range scope.IterVariables() {
		if !v.Trainable || !v.InUseByGraph(g) {
			continue
		}
		if i >= len(grads) {
			exceptions.Panicf("mmlab.sgdMomentumUpdater: more trainable variables than the %d gradients", len(grads))
		}
		w := v.NodeValue(g)
		grad := grads[i]
		if o.weightDecay > 0 {
			grad = graph.Add(grad, graph.MulScalar(w, o.weightDecay))
		}
		buf := scope.Store().Scope("/sgd_momentum"+v.Scope()).WithInitializer(initializer.Zero).
			VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
		b := graph.Add(graph.MulScalar(buf.NodeValue(g), o.momentum), grad)
		buf.SetNodeValue(b)
		v.SetNodeValue(graph.Sub(w, graph.Mul(graph.ConvertDType(lr, b.DType()), b)))
		i++
	}
	if i != len(grads) {
		exceptions.Panicf("mmlab.sgdMomentumUpdater: %d trainable variables for %d gradients", i, len(grads))
	}
}
