package mmlab_test

import (
	"fmt"
	"log"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/mmlab"
)

// With the default model.encoder=auto, images get a CNN encoder and vectors an MLP; both end in
// the dense layers model.hidden, so every encoder gives Hidden[-1] = 64 features.
func ExampleModelOptions_Encoder() {
	backend, err := mmlab.DefaultBackend()
	if err != nil {
		log.Fatal(err)
	}
	o := mmlab.DefaultModelOptions() // encoder=auto, conv=16,32, hidden=64,64
	if err := mmlab.SetOption(&o, "conv", "8,16"); err != nil {
		log.Fatal(err)
	}
	images := tensors.FromShape(shapes.Make(dtypes.Float32, 2, 3, 16, 16)) // [batch, C, H, W]
	vectors := tensors.FromShape(shapes.Make(dtypes.Float32, 2, 48))       // [batch, d]
	store := model.NewStore()
	outs, err := model.CallOnceN(backend, store, func(scope *model.Scope, img, vec *graph.Node) []*graph.Node {
		return []*graph.Node{
			o.CNNFeatures(scope.In("cnn"), img), // the conv blocks alone, flattened
			o.Encoder(scope.In("enc0"), img, 0),
			o.Encoder(scope.In("enc1"), vec, 0),
		}
	}, images, vectors)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("conv blocks:", outs[0].Shape().Dimensions, "= 16 channels × 4 × 4")
	fmt.Println("image encoder:", outs[1].Shape().Dimensions, "cnn:", o.UsesCNN([]int{3, 16, 16}))
	fmt.Println("vector encoder:", outs[2].Shape().Dimensions, "cnn:", o.UsesCNN([]int{48}))
	// Output:
	// conv blocks: [2 256] = 16 channels × 4 × 4
	// image encoder: [2 64] cnn: true
	// vector encoder: [2 64] cnn: false
}
