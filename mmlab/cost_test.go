package mmlab

import (
	"context"
	"testing"
)

// TestTrainCost checks the parameter and FLOP counts of small networks against counts by hand.
// A uni-modal MLP 48→64→64→4 has 48·64+64 + 64·64+64 + 64·4+4 = 7556 parameters and 7424
// multiply–adds per sample forward (14848 FLOPs). A training step also takes the input and the
// weight gradient of every layer (the fused dense gradient computes both, also for the first
// layer), 2 × 14848: 44544 FLOPs per sample and step, the bench's 3 × forward (bench/README.md:
// 11.40 MFLOP per step of 256).
func TestTrainCost(t *testing.T) {
	ds := testData(t, smallSpec) // 512 training samples: 2 steps of 256 per epoch
	env := testEnv(t, ds, 1)
	env.Modality = 0
	pred, _, err := uniMethod{}.Train(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	net := pred.(*Network)
	if got := ParamCount(net); got != 7556 {
		t.Errorf("uni network: %d parameters, want 7556", got)
	}
	if want := 44544.0 * 256 * 2; net.TrainFLOPs != want {
		t.Errorf("uni network: %g training FLOPs, want %g (44544 per sample and step, 2 steps of 256)", net.TrainFLOPs, want)
	}
	// MMPareto takes two more gradients per encoder (of the multi-modal and of the uni-modal
	// loss), so one of its steps costs more than joint training's.
	joint, _, err := jointMethod{}.Train(context.Background(), testEnv(t, ds, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultMMParetoOptions()
	mp, _, err := mmparetoMethod{}.Train(context.Background(), testEnv(t, ds, 1), &o)
	if err != nil {
		t.Fatal(err)
	}
	jf, mf := joint.(*Network).TrainFLOPs, mp.(*Network).TrainFLOPs
	t.Logf("per sample and step: joint %g, mmpareto %g FLOPs", jf/512, mf/512)
	if !(jf > 0 && mf > 1.5*jf) {
		t.Errorf("training FLOPs: joint %g, mmpareto %g: want mmpareto's above 1.5× joint's", jf, mf)
	}
	if got := ParamCount(&Ensemble{Members: []Predictor{net, net}}); got != 2*7556 {
		t.Errorf("ensemble of two: %d parameters, want %d", got, 2*7556)
	}
}
