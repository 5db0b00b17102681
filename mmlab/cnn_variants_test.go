package mmlab

// The convolutions that convSame is tested and benchmarked against (ModelOptions.convOp): they
// live with the tests, not in the library.

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
)

// convSameSlices is convSame without bias, with the shifted copies sliced from a zero-padded x
// and every gradient left to GoMLX's automatic differentiation: the straightforward im2col, for
// tests and benchmarks.
func convSameSlices(x, kernel *graph.Node) *graph.Node {
	c, out := convSameDims("mmlab.convSameSlices", x, kernel)
	d := x.Shape().Dimensions
	batch, h, w := d[1], d[2], d[3]
	k := kernel.Shape().Dimensions[0]
	p := k / 2
	xpad := x
	if p > 0 {
		// Every axis is given: GoMLX v0.28.16's Pad gradient mishandles omitted trailing axes.
		xpad = graph.Pad(x, graph.ScalarZero(x.Graph(), x.DType()),
			compute.PadAxis{}, compute.PadAxis{}, compute.PadAxis{Start: p, End: p}, compute.PadAxis{Start: p, End: p})
	}
	rows := make([]*graph.Node, 0, k*k)
	for dy := range k {
		for dx := range k {
			rows = append(rows, graph.Slice(xpad, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(dy, dy+h), graph.AxisRange(dx, dx+w)))
		}
	}
	patches := rows[0]
	if len(rows) > 1 {
		patches = graph.Concatenate(rows, 0)
	}
	kmat := graph.Reshape(graph.TransposeAllAxes(kernel, 3, 0, 1, 2), out, k*k*c)
	y := graph.DotProduct(kmat, graph.Reshape(patches, k*k*c, batch*h*w))
	return graph.Reshape(y, out, batch, h, w)
}

// convBuiltinCBHW is GoMLX's generic convolution (graph.Convolve, "same" padding) on
// x [C, batch, H, W] and kernel [k, k, C, C_out] → [C_out, batch, H, W]: the reference of the
// tests and the alternative of the benchmarks.
func convBuiltinCBHW(x, kernel *graph.Node) *graph.Node {
	return graph.Convolve(x, kernel).AxesConfig(graph.ConvolveAxesConfig{
		InputBatch: 1, InputChannels: 0, InputSpatial: []int{2, 3},
		KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
		OutputBatch: 1, OutputChannels: 0, OutputSpatial: []int{2, 3},
	}).PadSame().Done()
}
