package mmlab

// Measuring the Shapley modality contribution (shapley.go) of a trained predictor: its
// per-modality logits on the test split.

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// splitPredictor is a predictor whose logits are the sum of one part per dataset modality.
type splitPredictor interface {
	// SplitLogits returns split[m], row-major [s.Len() × classes], with Σ_m split[m] equal to
	// Logits(s); ok is false where the predictor has no such split.
	SplitLogits(s *datasets.Split) (split [][]float32, ok bool, err error)
}

// splitTolerance is how far Σ_m o_m may be from the fused logits (relative to their size) for
// a network's head to count as linear: float32 rounding of a sum of a few terms is ~1e-7; a
// non-linear head (concat_mlp) is off by O(1).
const splitTolerance = 1e-4

// SplitLogits implements splitPredictor: the split-head logits o_m of a network that reads every
// dataset modality (at least two) and whose head is linear, i.e. whose fused logits are Σ_m o_m
// (concat_linear, sum); ok is false otherwise (uni-modal networks, concat_mlp).
func (n *Network) SplitLogits(s *datasets.Split) ([][]float32, bool, error) {
	M := len(s.Features)
	if len(n.inputs) != M || M < 2 {
		return nil, false, nil
	}
	for i, m := range n.inputs {
		if m != i {
			return nil, false, nil
		}
	}
	var outs []*tensors.Tensor
	var err error
	if e := exceptions.TryCatch[error](func() {
		var exec *model.Exec
		exec, err = model.NewExec(n.backend, n.store, func(root *model.Scope, xs []*graph.Node) []*graph.Node {
			out := n.buildOn(root.In(netScope), xs)
			if len(out.SplitLogits) != M {
				return []*graph.Node{out.Logits}
			}
			return append([]*graph.Node{out.Logits}, out.SplitLogits...)
		})
		if err != nil {
			return
		}
		defer exec.Finalize()
		args := make([]any, M)
		for m := range M {
			args[m] = tensors.FromFlatDataAndDimensions(s.Features[m], s.Len(), n.sizes[m])
		}
		outs, err = exec.Exec(args...)
		for _, a := range args {
			a.(*tensors.Tensor).MustFinalizeAll()
		}
	}); e != nil {
		err = e
	}
	if err != nil {
		return nil, false, fmt.Errorf("mmlab.Network.SplitLogits: %w", err)
	}
	defer finalizeAll(outs)
	if len(outs) != M+1 {
		return nil, false, nil
	}
	fused := tensors.MustCopyFlatData[float32](outs[0])
	split := make([][]float32, M)
	for m := range M {
		split[m] = tensors.MustCopyFlatData[float32](outs[1+m])
	}
	for i, f := range fused {
		sum := 0.0
		for m := range M {
			sum += float64(split[m][i])
		}
		if math.Abs(sum-float64(f)) > splitTolerance*(1+math.Abs(float64(f))) {
			return nil, false, nil // not a linear head
		}
	}
	return split, true, nil
}

// SplitLogits implements splitPredictor: member m's logits divided by the number of members,
// whose sum is the ensemble's logits with CombineLogits; ok is false with CombineProbs.
func (e *Ensemble) SplitLogits(s *datasets.Split) ([][]float32, bool, error) {
	if e.Combine != CombineLogits || len(e.Members) != len(s.Features) {
		return nil, false, nil
	}
	split := make([][]float32, len(e.Members))
	for m, p := range e.Members {
		logits, err := p.Logits(s)
		if err != nil {
			return nil, false, fmt.Errorf("mmlab.Ensemble: member %d: %w", m, err)
		}
		split[m] = make([]float32, len(logits))
		for i, x := range logits {
			split[m][i] = float32(float64(x) / float64(len(e.Members)))
		}
	}
	return split, true, nil
}

// shapleyOf returns p's Shapley modality contributions on ds's test split, nil where p has no
// linear per-modality split.
func shapleyOf(p Predictor, ds *datasets.Dataset) (*results.Shapley, error) {
	sp, ok := p.(splitPredictor)
	if !ok {
		return nil, nil
	}
	split, ok, err := sp.SplitLogits(ds.Test)
	if err != nil || !ok {
		return nil, err
	}
	return results.ShapleyValues(split, ds.Test.Labels, ds.NumClasses)
}
