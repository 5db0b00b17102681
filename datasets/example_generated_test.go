package datasets_test

import (
	"fmt"
	"log"
	"os"

	"github.com/mmlab-go/mmlab/datasets"
)

// avsynth renders images and spectrograms with LazyPair's structure; the first Generate caches
// the result on disk and later ones read it back. (A notebook would call spec.Generate(), which
// uses <MMLAB_HOME>/datasets and shows a progress bar; the example uses a temporary cache.)
func ExampleAVSynthSpec() {
	dir, err := os.MkdirTemp("", "mmlab-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	spec, err := datasets.ParseSpec("avsynth:pi=0.5,rho=0.7,n_train=400,n_val=100,n_test=200")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(spec)
	data, err := spec.(datasets.AVSynthSpec).GenerateWith(datasets.Cache{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range data.Modalities {
		fmt.Printf("%s: shape %v\n", m.Name, m.Shape)
	}
	pairOnly, _ := data.Train.Subset("pair_only")
	fmt.Printf("classes %d, train/val/test %d/%d/%d, %d pair_only training samples\n",
		data.NumClasses, data.Train.Len(), data.Val.Len(), data.Test.Len(), len(pairOnly))
	// Output:
	// avsynth:k=4,size=16,freq=16,frames=16,rho=0.7,pi=0.5,pair_only=0.35,c=4,tau=4,sigma=0.5,n_train=400,n_val=100,n_test=200,seed=1
	// image: shape [3 16 16]
	// audio: shape [1 16 16]
	// classes 4, train/val/test 400/100/200, 61 pair_only training samples
}

// twoview renders one object from the front and from the rear; it has no diagnostic tags.
func ExampleTwoViewSpec() {
	dir, err := os.MkdirTemp("", "mmlab-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	spec := datasets.DefaultTwoView()
	spec.NTrain, spec.NVal, spec.NTest = 300, 100, 100
	data, err := spec.GenerateWith(datasets.Cache{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(data)
	fmt.Println(datasets.TwoViewShapes[:spec.K])
	bothDim, err := data.Test.Subset("both_hard") // both views dim
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(bothDim) < data.Test.Len()/10)
	// Output:
	// twoview:k=6,size=16,rho=0.8,sigma=0.5,n_train=300,n_val=100,n_test=100,seed=1: 2 modalities [front[1 16 16] rear[1 16 16]], 6 classes, train/val/test 300/100/100
	// [sphere box cylinder cone torus capsule]
	// true
}

// mnist2view builds two views of real MNIST digits (read from the Go module cache, see
// LoadMNIST); Plans says which MNIST images each sample shows.
func ExampleMNIST2ViewSpec() {
	dir, err := os.MkdirTemp("", "mmlab-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	spec := datasets.MNIST2ViewSpec{Source: datasets.SourceMNIST, NTrain: 200, NVal: 100, NTest: 100, Seed: 1}
	data, err := spec.GenerateWith(datasets.Cache{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(data)
	plans, err := spec.Plans()
	if err != nil {
		log.Fatal(err)
	}
	p := plans[0] // train: indices into MNIST's training images
	fmt.Println(p.Image[0] != p.Partner[0], p.Angle[0] >= -0.7854 && p.Angle[0] <= 0.7854)
	// Output:
	// mnist2view:source=mnist,n_train=200,n_val=100,n_test=100,seed=1: 2 modalities [rotated[1 28 28] noisy[1 28 28]], 10 classes, train/val/test 200/100/100
	// true true
}
