package main

import (
	"testing"
	"time"

	"github.com/mmlab-go/mmlab/datasets"
)

// The FLOP counts bench/README.md documents for the default model: LazyPair (d = 48, K = 4) with
// MLP encoders, and avsynth (images [3, 16, 16], spectrograms [1, 16, 16], K = 4) with CNN
// encoders (blocks of 16 and 32 channels, then 32·4·4 = 512 → 64 → 64).
func TestTrainFLOPs(t *testing.T) {
	vec := &datasets.Dataset{NumClasses: 4, Modalities: []datasets.Modality{{Name: "m0", Shape: []int{48}}, {Name: "m1", Shape: []int{48}}}}
	img := &datasets.Dataset{NumClasses: 4, Modalities: []datasets.Modality{{Name: "image", Shape: []int{3, 16, 16}}, {Name: "audio", Shape: []int{1, 16, 16}}}}
	cnn := func(c int) float64 { // forward of one CNN encoder per sample
		return 2 * (16*16*9*float64(c)*16 + 8*8*9*16*32 + 512*64 + 64*64)
	}
	for _, c := range []struct {
		ds    *datasets.Dataset
		batch int
		mods  []int
		want  float64
	}{
		{vec, 256, []int{0}, 3 * 2 * 256 * (48*64 + 64*64 + 64*4)},          // uni: 11.40 MFLOP
		{vec, 256, []int{0, 1}, 3 * 2 * 256 * (2*(48*64+64*64) + 2*64*4)},   // joint, UMT: 22.81 MFLOP
		{vec, 5000, []int{0, 1}, 3 * 2 * 5000 * (2*(48*64+64*64) + 2*64*4)}, // 3 × the inference forward
		{img, 256, []int{0}, 3 * 256 * (cnn(3) + 2*64*4)},
		{img, 256, []int{0, 1}, 3 * 256 * (cnn(3) + cnn(1) + 2*2*64*4)},
	} {
		if got := trainFLOPs(c.ds, c.batch, c.mods); got != c.want {
			t.Errorf("trainFLOPs(%v, %d, %v) = %g, want %g", c.ds.Modalities[0].Shape, c.batch, c.mods, got, c.want)
		}
	}
	if got := trainFLOPs(vec, 256, []int{0, 1}); got != 22806528 {
		t.Errorf("joint step = %g FLOPs, want 22806528", got)
	}
}

// stepTime leaves out the first epoch and every interval that spans an epoch boundary.
func TestStepTime(t *testing.T) {
	const spe = 3
	c := &stepClock{}
	at := time.Unix(0, 0)
	c.at = append(c.at, at)
	// epoch 1: a slow first step (compilation); epochs 2 and 3: boundary 100 ms, steps 1 ms.
	for _, d := range []time.Duration{500, 1, 1, 100, 1, 1, 100, 1, 1} {
		at = at.Add(d * time.Millisecond)
		c.at = append(c.at, at)
	}
	med, mean := c.stepTime(spe)
	if med != 0.001 || mean != 0.001 {
		t.Errorf("stepTime = %g, %g; want 0.001, 0.001", med, mean)
	}
}
