package mmlab

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/mmlab-go/mmlab/results"
)

// TestBlendingWeights checks G-Blending's weights on fixed losses against values computed by hand.
func TestBlendingWeights(t *testing.T) {
	// Head A: O goes 0 → 0.8 − 0.5 = 0.3, so ΔO = 0.3; ΔG = 1.0 − 0.8 = 0.2; |ΔG/ΔO²| = 0.2/0.09 = 2.2222.
	a := LossWindow{TrainBefore: 1.0, HeldOutBefore: 1.0, TrainAfter: 0.5, HeldOutAfter: 0.8}
	// Head B: ΔO = (0.9 − 0.2) − 0 = 0.7; ΔG = 0.1; 0.1/0.49 = 0.20408 (fits T′ fast, generalises little).
	b := LossWindow{TrainBefore: 1.0, HeldOutBefore: 1.0, TrainAfter: 0.2, HeldOutAfter: 0.9}
	// Head C: O goes 0.1 → 0.3, ΔO = 0.2; ΔG = 1.3 − 0.6 = 0.7; 0.7/0.04 = 17.5.
	c := LossWindow{TrainBefore: 1.2, HeldOutBefore: 1.3, TrainAfter: 0.3, HeldOutAfter: 0.6}
	// Head D: the held-out loss rose by 0.1 while O grew by 0.5: |−0.1|/0.25 = 0.4 (the absolute
	// value of docs/DESIGN.md §4 gives it weight too).
	d := LossWindow{TrainBefore: 1.0, HeldOutBefore: 1.0, TrainAfter: 0.6, HeldOutAfter: 1.1}
	for _, tc := range []struct {
		name    string
		windows []LossWindow
		want    []float64
	}{
		// Σ = 2.2222 + 0.20408 + 17.5 = 19.92630.
		{"three heads", []LossWindow{a, b, c}, []float64{2.222222 / 19.926303, 0.204082 / 19.926303, 17.5 / 19.926303}},
		// Σ = 2.2222 + 0.4 = 2.6222.
		{"a head whose held-out loss rose", []LossWindow{a, d}, []float64{2.222222 / 2.622222, 0.4 / 2.622222}},
		{"no gain anywhere: uniform", []LossWindow{{1, 1, 0.5, 1}, {1, 1, 0.2, 1}}, []float64{0.5, 0.5}},
		// ΔO = 0 for the second head: the floor 1e-12 makes its weight ≈ 1.
		{"no overfitting change", []LossWindow{a, {1, 1, 0.5, 0.5}}, []float64{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BlendingWeights(tc.windows)
			if err != nil {
				t.Fatal(err)
			}
			sum := 0.0
			for k := range got {
				sum += got[k]
				if math.Abs(got[k]-tc.want[k]) > 1e-5 {
					t.Errorf("w_%d = %.6f, want %.6f (all: %v)", k, got[k], tc.want[k], got)
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("weights sum to %v, want 1", sum)
			}
		})
	}
	if _, err := BlendingWeights(nil); err == nil {
		t.Error("no heads: want an error")
	}
	if _, err := BlendingWeights([]LossWindow{a, {TrainAfter: math.NaN()}}); err == nil || !strings.Contains(err.Error(), "head 1 has a non-finite loss") {
		t.Errorf("NaN loss: got %v", err)
	}
}

func TestGBlendOptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       GBlendOptions
		wantErr string
	}{
		{"unknown mode", GBlendOptions{Mode: "sometimes", SuperEpoch: 10, Holdout: 0.2}, "gblend.mode=\"sometimes\": valid values are online, offline"},
		{"zero super-epoch", GBlendOptions{Mode: GBlendOnline, SuperEpoch: 0, Holdout: 0.2}, "gblend.super_epoch=0: must be ≥ 1"},
		{"no holdout", GBlendOptions{Mode: GBlendOnline, SuperEpoch: 10, Holdout: 0}, "gblend.holdout=0: must be a fraction"},
		{"all held out", GBlendOptions{Mode: GBlendOnline, SuperEpoch: 10, Holdout: 1}, "gblend.holdout=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.o.Validate(); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	d := DefaultGBlendOptions()
	if err := d.Validate(); err != nil || d.Mode != GBlendOnline || d.SuperEpoch != 10 || d.Holdout != 0.2 {
		t.Errorf("defaults %+v: %v", d, err)
	}
	if _, err := ParseConfig([]string{results.GBlendMethod}, map[string]string{"gblend.super_epoch": "50", "train.epochs": "40"}); err == nil ||
		!strings.Contains(err.Error(), "gblend.super_epoch=50 is longer than training (train.epochs=40)") {
		t.Errorf("super-epoch longer than training: got %v", err)
	}
	if _, err := ParseConfig([]string{results.GBlendMethod}, map[string]string{"gblend.mode": "offline", "gblend.holdout": "0.1"}); err != nil {
		t.Error(err)
	}
}

// TestHoldOut: the held-out part and the rest partition the training split, are drawn by the
// seed, and a split too small to hold out from is an error naming the option.
func TestHoldOut(t *testing.T) {
	ds := testData(t, smallSpec)
	fit, held, err := holdOut(ds, 0.2, 3, 256)
	if err != nil {
		t.Fatal(err)
	}
	// round(0.2·512) = 102 held out, 410 left.
	if held.Len() != 102 || fit.Train.Len() != 410 || fit.Val != ds.Val || fit.Test != ds.Test || ds.Train.Len() != 512 {
		t.Fatalf("held out %d, left %d of %d", held.Len(), fit.Train.Len(), ds.Train.Len())
	}
	// Every training sample is in exactly one part: compare the multisets of rows of modality 0.
	rows := func(features []float32, n int) []string {
		var out []string
		for i := range n {
			out = append(out, string(tensorsBytes(features[i*48:(i+1)*48])))
		}
		slices.Sort(out)
		return out
	}
	all := rows(ds.Train.Features[0], 512)
	parts := append(rows(fit.Train.Features[0], 410), rows(held.Features[0], 102)...)
	slices.Sort(parts)
	if !slices.Equal(all, parts) {
		t.Error("the two parts do not partition the training split")
	}
	_, again, _ := holdOut(ds, 0.2, 3, 256)
	_, other, _ := holdOut(ds, 0.2, 4, 256)
	if !slices.Equal(held.Labels, again.Labels) || !slices.Equal(held.Features[1], again.Features[1]) {
		t.Error("same seed, different held-out part")
	}
	if slices.Equal(held.Features[1], other.Features[1]) {
		t.Error("different seeds, same held-out part")
	}
	if _, _, err := holdOut(ds, 0.6, 0, 256); err == nil || !strings.Contains(err.Error(), "gblend.holdout=0.6 of 512 training samples holds out 307 and leaves 205") {
		t.Errorf("too little left to train on: %v", err)
	}
}

func tensorsBytes(xs []float32) []byte {
	out := make([]byte, 0, 4*len(xs))
	for _, x := range xs {
		b := math.Float32bits(x)
		out = append(out, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
	}
	return out
}

// TestGBlendLossWeightsReachTheLoss: with weight 0 on both uni-modal heads, their gradients are
// zero and Adam leaves them at their initial values; with weight 0 on the fused head, the fusion
// head stays; weights on every head train everything.
func TestGBlendLossWeightsReachTheLoss(t *testing.T) {
	ds := testData(t, smallSpec)
	for _, tc := range []struct {
		weights []float64
		frozen  string // prefix of the variables that must not move
	}{
		{[]float64{0, 0, 1}, "/net/unihead"},
		{[]float64{0.5, 0.5, 0}, "/net/fusion/"},
		{[]float64{0.2, 0.3, 0.5}, ""},
	} {
		env := testEnv(t, ds, 2)
		job := gblendMethod{}.job(env, ds, tc.weights)
		var initial map[string][]float32
		job.OnEpoch = func(done int, net *Network) error {
			if done == 0 {
				initial = weightMap(t, net)
			}
			return nil
		}
		net, _, err := env.Engine.Fit(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		after := weightMap(t, net)
		if len(after) != 14 { // 2 encoders × 2 layers × 2 (weights, biases), the fusion head's 2, 2 uni heads × 2
			t.Errorf("%v: %d trainable variables, want 14", tc.weights, len(after))
		}
		for path, w := range after {
			moved := !slices.Equal(w, initial[path])
			if frozen := tc.frozen != "" && strings.HasPrefix(path, tc.frozen); frozen == moved {
				t.Errorf("weights %v: %s moved = %v", tc.weights, path, moved)
			}
		}
	}
}

// TestGBlendModes trains both modes briefly: online re-estimates the weights every super-epoch
// and trains on the non-held-out part only, offline estimates once and trains on the whole
// training split; the loss-weights variable holds the last estimate; the network is restored
// exactly from its weights.
func TestGBlendModes(t *testing.T) {
	ds := testData(t, smallSpec)
	method, _ := LookupMethod(results.GBlendMethod)
	for _, tc := range []struct {
		mode        string
		wantEpochs  []int
		wantSteps   int // 4 epochs × steps per epoch
		wantHistory int
	}{
		// Online: estimates before epoch 0 and after epoch 2; 410 samples → 1 batch per epoch.
		{GBlendOnline, []int{0, 2}, 4, 2},
		// Offline: one estimate; 512 samples → 2 batches per epoch.
		{GBlendOffline, []int{0}, 8, 1},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			env := testEnv(t, ds, 4)
			o := GBlendOptions{Mode: tc.mode, SuperEpoch: 2, Holdout: 0.2}
			pred, curves, err := method.Train(context.Background(), env, &o)
			if err != nil {
				t.Fatal(err)
			}
			net := pred.(*Network)
			if net.Steps != tc.wantSteps {
				t.Errorf("%d steps, want %d", net.Steps, tc.wantSteps)
			}
			var epochs []int
			for _, lw := range curves.LossWeights {
				epochs = append(epochs, lw.Epoch)
				sum := 0.0
				for _, w := range lw.Weights {
					if w < 0 || math.IsNaN(w) {
						t.Errorf("weight %v", w)
					}
					sum += w
				}
				if len(lw.Weights) != 3 || math.Abs(sum-1) > 1e-9 {
					t.Errorf("weights %v: want 3 summing to 1", lw.Weights)
				}
			}
			t.Logf("loss weights (m0, m1, fused): %+v", curves.LossWeights)
			if !slices.Equal(epochs, tc.wantEpochs) {
				t.Errorf("estimates after epochs %v, want %v", epochs, tc.wantEpochs)
			}
			v, err := net.Variable(lossWeightsPath).Value()
			if err != nil {
				t.Fatal(err)
			}
			last := curves.LossWeights[len(curves.LossWeights)-1].Weights
			for i, w := range tensors.MustCopyFlatData[float32](v) {
				if float32(last[i]) != w {
					t.Errorf("loss-weights variable %v, last estimate %v", tensors.MustCopyFlatData[float32](v), last)
					break
				}
			}
			checkRestores(t, method, env, &o, pred)
		})
	}
	// Three modalities: three uni-modal heads and the fused one.
	three := testEnv(t, testData(t, "lazypair:m=3,n_train=512,n_val=256,n_test=512"), 2)
	_, curves, err := method.Train(context.Background(), three, &GBlendOptions{Mode: GBlendOnline, SuperEpoch: 1, Holdout: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(curves.LossWeights); n != 2 || len(curves.LossWeights[1].Weights) != 4 {
		t.Errorf("three modalities: loss weights %+v, want 2 estimates of 4 weights", curves.LossWeights)
	}
	env := testEnv(t, ds, 4)
	o := GBlendOptions{Mode: GBlendOnline, SuperEpoch: 5, Holdout: 0.2}
	if _, _, err := method.Train(context.Background(), env, &o); err == nil || !strings.Contains(err.Error(), "longer than training") {
		t.Errorf("super-epoch longer than training: %v", err)
	}
}
