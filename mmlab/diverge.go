package mmlab

// The divergence rule of the training loop (loop.go), for every replica: a replica stops on the
// same step or epoch whether it trains alone (Engine.Fit) or next to others (Engine.FitReplicas).

import (
	"fmt"
	"math"
)

// DivergenceFactor is the divergence rule's multiple: training has diverged when a step's loss
// is NaN or infinite, or when the mean training loss of an epoch exceeds DivergenceFactor ×
// max(1, |loss of the first step|). A loss that rises a thousandfold above its starting value
// (a cross-entropy starts near ln(classes), e.g. 0.69) is an explosion, not learning: with
// train.lr=1e10 the losses reach about 5e33 while staying finite. The run then fails with an
// error instead of being stored with chance accuracy.
const DivergenceFactor = 1e3

// stepDiverged reports why a step's loss shows divergence, or "" if it does not.
func stepDiverged(loss float64) string {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return fmt.Sprintf("the loss is %v", loss)
	}
	return ""
}

// epochDiverged reports why an epoch's mean training loss shows divergence (see
// DivergenceFactor), given the loss of the first step, or "" if it does not.
func epochDiverged(meanLoss, startLoss float64) string {
	limit := DivergenceFactor * math.Max(1, math.Abs(startLoss))
	if meanLoss > limit || math.IsNaN(meanLoss) || math.IsInf(meanLoss, 0) {
		return fmt.Sprintf("the mean training loss is %.3g, above %g × max(1, %.3g), the first step's loss (mmlab.DivergenceFactor)",
			meanLoss, DivergenceFactor, startLoss)
	}
	return ""
}

// divergenceHint names the option most likely responsible for a divergence: train.weight_decay
// when the decoupled decay step alone would scale the weights by 1 − lr·weight_decay ≤ 0
// (lr·weight_decay ≥ 1), else train.lr.
func divergenceHint(o *TrainOptions) string {
	if o.WeightDecay*o.LR >= 1 {
		return fmt.Sprintf("train.weight_decay=%g is too large for train.lr=%g: each step scales the weights by "+
			"1 − lr·weight_decay = %.3g; use train.weight_decay < 1/train.lr = %g", o.WeightDecay, o.LR, 1-o.LR*o.WeightDecay, 1/o.LR)
	}
	return fmt.Sprintf("try a smaller train.lr (now %g)", o.LR)
}
