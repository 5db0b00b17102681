package main

import (
	"testing"
	"time"
)

// The FLOP counts bench/README.md documents for the default model (d = 48, K = 4, B = 256).
func TestTrainFLOPs(t *testing.T) {
	for _, c := range []struct {
		batch, m int
		want     float64
	}{
		{256, 1, 3 * 2 * 256 * (48*64 + 64*64 + 64*4)},       // uni: 11.40 MFLOP
		{256, 2, 3 * 2 * 256 * (2*(48*64+64*64) + 2*64*4)},   // joint, UMT: 22.81 MFLOP
		{5000, 2, 3 * 2 * 5000 * (2*(48*64+64*64) + 2*64*4)}, // 3 × the inference forward
	} {
		if got := trainFLOPs(c.batch, 48, c.m, 4); got != c.want {
			t.Errorf("trainFLOPs(%d, 48, %d, 4) = %g, want %g", c.batch, c.m, got, c.want)
		}
	}
	if got := trainFLOPs(256, 48, 2, 4); got != 22806528 {
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
