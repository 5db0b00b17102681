package mmlab

// Cost of a run (issue 18): the parameters of its predictor and the FLOPs of its training, so
// that claims about "simple" or "cheap" methods can be checked next to their accuracy.
//
// FLOPs are counted as bench/README.md counts them: 2 FLOPs per multiply–add of a dense layer
// or dot product (the cnn encoder's convolutions are im2col products); biases, activations,
// losses and the optimizer update are not counted. The count is read off the graph the engine
// compiles for a training step, so it covers what the step computes: the forward pass, the
// backward pass (a dense layer's gradient computes both the input and the weight gradient, 2 ×
// its forward FLOPs — the bench's 3 × forward rule per step, the first layer's input gradient
// included) and any extra gradient a method takes (MMPareto's per-loss gradients), counting only
// the products that the step's losses and gradients depend on. A dense layer x·W with x
// [rows, in] counts 2·rows·in·out; a plain dot product [a × c]·[c × b] counts 2·a·b·c (its size
// recovered from the operand and result shapes as √(|lhs|·|rhs|·|out|), exact for products
// without batch axes, which is what the networks here build).

import (
	"context"
	"math"
	"sync"

	"github.com/gomlx/gomlx/core/graph"
)

// dotFLOPs returns the FLOPs of the dot products that the roots depend on.
func dotFLOPs(roots []*graph.Node) float64 {
	seen := map[*graph.Node]bool{}
	stack := append([]*graph.Node(nil), roots...)
	total := 0.0
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		in := n.Inputs()
		switch n.Type() {
		case graph.NodeTypeDotGeneral:
			if len(in) == 2 {
				lhs, rhs, out := float64(in[0].Shape().Size()), float64(in[1].Shape().Size()), float64(n.Shape().Size())
				total += 2 * math.Round(math.Sqrt(lhs*rhs*out))
			}
		case graph.NodeTypeFusedDense:
			total += denseFLOPs(in)
		case graph.NodeTypeFusedDenseVJP:
			total += 2 * denseFLOPs(in) // the input and the weight gradients
		}
		stack = append(stack, in...)
	}
	return total
}

// denseFLOPs are the FLOPs of a dense layer's product x·W, from its inputs x [rows, in] and
// W [in, out...]: 2·rows·in·out.
func denseFLOPs(in []*graph.Node) float64 {
	if len(in) < 2 || in[0].Rank() == 0 {
		return 0
	}
	x, w := in[0].Shape(), in[1].Shape()
	features := x.Dimensions[x.Rank()-1]
	return 2 * float64(x.Size()) * float64(w.Size()/max(features, 1))
}

// flopCounter accumulates the training FLOPs of every network trained under a context, e.g.
// G-Blending's estimation models next to its blended network.
type flopCounter struct {
	mu    sync.Mutex
	flops float64
}

type flopCounterKey struct{}

// withFLOPCounter returns ctx with a new counter that Engine.Fit adds every trained network's
// FLOPs to.
func withFLOPCounter(ctx context.Context) (context.Context, *flopCounter) {
	c := &flopCounter{}
	return context.WithValue(ctx, flopCounterKey{}, c), c
}

// addTrainFLOPs adds flops to ctx's counter, if it has one.
func addTrainFLOPs(ctx context.Context, flops float64) {
	if c, ok := ctx.Value(flopCounterKey{}).(*flopCounter); ok {
		c.mu.Lock()
		c.flops += flops
		c.mu.Unlock()
	}
}

func (c *flopCounter) total() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flops
}

// ParamCount returns the number of trainable parameters of a predictor: every trainable weight
// of a Network (those used only in training too, e.g. G-Blending's and MMPareto's uni-modal
// heads), the sum over an Ensemble's members; 0 for other predictors.
func ParamCount(p Predictor) int {
	switch p := p.(type) {
	case *Network:
		count := 0
		for _, v := range p.weights() {
			count += v.Shape().Size()
		}
		return count
	case *Ensemble:
		count := 0
		for _, m := range p.Members {
			count += ParamCount(m)
		}
		return count
	}
	return 0
}
