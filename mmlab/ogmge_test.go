package mmlab

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// ln3 makes a 2-class softmax row [ln 3, 0] equal to [3/4, 1/4].
var ln3 = float32(math.Log(3))

// TestOGMCoefficients checks k_m on fixed logits and labels against values computed by hand.
func TestOGMCoefficients(t *testing.T) {
	backend := testBackend(t)
	confident := [][]float32{{ln3, 0}, {0, ln3}} // true-class probabilities 3/4, 3/4: s = 1.5
	uncertain := [][]float32{{0, 0}, {0, 0}}     // 1/2, 1/2: s = 1
	labels := []int32{0, 1}
	for _, tc := range []struct {
		name   string
		o0, o1 [][]float32
		alpha  float64
		want   [2]float64
	}{
		// ρ_0 = 1.5/1 = 1.5 > 1: k_0 = 1 − tanh(0.1·1.5) = 1 − tanh(0.15) = 0.851115; ρ_1 = 2/3: k_1 = 1.
		{"modality 0 dominant", confident, uncertain, 0.1, [2]float64{1 - math.Tanh(0.15), 1}},
		// ρ_1 = 1.5: k_1 = 1 − tanh(1·1.5) = 0.094852.
		{"modality 1 dominant", uncertain, confident, 1, [2]float64{1, 1 - math.Tanh(1.5)}},
		// ρ = 1 for both: nobody is slowed (the official code would slow modality 0 by 1 − tanh(α)).
		{"tie", confident, confident, 0.1, [2]float64{1, 1}},
		// Labels flipped against the confident rows: s_0 = 1/4 + 1/4 = 0.5, s_1 = 1, ρ_1 = 2:
		// k_1 = 1 − tanh(0.2) = 0.802625.
		{"confidently wrong", [][]float32{{0, ln3}, {ln3, 0}}, uncertain, 0.1, [2]float64{1, 1 - math.Tanh(0.2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := graph.MustExecOnceN(backend, func(o0, o1, y *graph.Node) []*graph.Node {
				return OGMCoefficients([]*graph.Node{o0, o1}, y, tc.alpha)
			}, tensors.FromValue(tc.o0), tensors.FromValue(tc.o1), tensors.FromValue(labels))
			for m := range 2 {
				if got := float64(out[m].Value().(float32)); math.Abs(got-tc.want[m]) > 1e-6 {
					t.Errorf("k_%d = %.6f, want %.6f", m, got, tc.want[m])
				}
			}
		})
	}
}

// ogmGradients builds the joint network on a fixed batch (the first 256 training samples of
// smallSpec, weights initialised with seed 1) and returns, for each trainable variable, its path,
// the plain gradient and the gradient after OGM-GE's transform at the given epoch, plus k_0, k_1.
func ogmGradients(t *testing.T, o OGMGEOptions, epoch int32) (paths []string, plain, modulated [][]float32, k [2]float64) {
	t.Helper()
	ds := testData(t, smallSpec)
	const n = 256
	mo := DefaultModelOptions()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	var gradients []Gradient
	exec, err := model.NewExec(testBackend(t), store, func(root *model.Scope, in []*graph.Node) []*graph.Node {
		g := in[0].Graph()
		root.SetTraining(g, true)
		scope := root.In(netScope)
		out := mo.LateFusion(scope, in[:2], ds.NumClasses)
		loss := CrossEntropy(out.Logits, in[2])
		grads := root.BuildTrainableVariablesGradientsGraph(loss)
		gradients = trainableInGraph(root, g)
		for i := range gradients {
			gradients[i].Grad = grads[i]
		}
		transformed := slices.Clone(gradients)
		o.transform(&Batch{Scope: scope, Out: out, Labels: in[2], Epoch: in[3], Loss: loss}, transformed)
		coeffs := OGMCoefficients(out.SplitLogits, in[2], o.Alpha)
		results := []*graph.Node{coeffs[0], coeffs[1]}
		for i := range gradients {
			results = append(results, gradients[i].Grad, transformed[i].Grad)
		}
		return results
	})
	if err != nil {
		t.Fatal(err)
	}
	x0 := tensors.FromFlatDataAndDimensions(ds.Train.Features[0][:n*48], n, 48)
	x1 := tensors.FromFlatDataAndDimensions(ds.Train.Features[1][:n*48], n, 48)
	y := tensors.FromFlatDataAndDimensions(ds.Train.Labels[:n], n)
	outs, err := exec.Exec(x0, x1, y, epoch)
	if err != nil {
		t.Fatal(err)
	}
	k = [2]float64{float64(outs[0].Value().(float32)), float64(outs[1].Value().(float32))}
	for i := range gradients {
		paths = append(paths, gradients[i].Path)
		plain = append(plain, tensors.MustCopyFlatData[float32](outs[2+2*i]))
		modulated = append(modulated, tensors.MustCopyFlatData[float32](outs[3+2*i]))
	}
	return paths, plain, modulated, k
}

// encoderOf returns m if path is a variable of encoder m ("/net/enc<m>/..."), else -1.
func encoderOf(path string) int {
	for m := range 2 {
		if strings.HasPrefix(path, "/net/enc"+string(rune('0'+m))+"/") {
			return m
		}
	}
	return -1
}

func stdOf(xs []float64) float64 {
	mean := 0.0
	for _, x := range xs {
		mean += x / float64(len(xs))
	}
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

// TestOGMGEModulatesDominantEncoder: on a fixed batch, inside the window, the gradients of the
// dominant modality's encoder are exactly k times the plain ones, while the other encoder's and
// the fusion head's are untouched; outside the window nothing changes. With GE, both encoders
// get noise whose standard deviation is that of their plain gradient.
func TestOGMGEModulatesDominantEncoder(t *testing.T) {
	o := DefaultOGMGEOptions()
	o.Alpha, o.StartEpoch, o.EndEpoch, o.GE = 0.5, 2, 5, false
	for _, epoch := range []int32{2, 5} {
		paths, plain, modulated, k := ogmGradients(t, o, epoch)
		dominant := 0
		if k[1] < 1 {
			dominant = 1
		}
		t.Logf("epoch %d: k = %.4f, %.4f (dominant modality %d)", epoch, k[0], k[1], dominant)
		// At initialisation both split heads are near chance, so ρ ≈ 1 and the dominant
		// modality's k ≈ 1 − tanh(0.5) = 0.54; exactly one of them is below 1.
		if (k[0] < 1) == (k[1] < 1) || k[dominant] > 0.6 || k[dominant] < 0.3 {
			t.Fatalf("coefficients %v: want exactly one in [0.3, 0.6]", k)
		}
		scaled := 0
		for i, path := range paths {
			want := 1.0
			if encoderOf(path) == dominant {
				want = k[dominant]
				scaled++
			}
			for j := range plain[i] {
				if d := math.Abs(float64(modulated[i][j]) - want*float64(plain[i][j])); d > 1e-6*math.Abs(float64(plain[i][j]))+1e-12 {
					t.Fatalf("epoch %d, %s[%d]: modulated %g, want %g × %g", epoch, path, j, modulated[i][j], want, plain[i][j])
				}
			}
		}
		if scaled != 4 { // two layers × (weights, biases)
			t.Errorf("scaled %d variables of encoder %d, want 4", scaled, dominant)
		}
	}
	for _, epoch := range []int32{1, 6} {
		_, plain, modulated, _ := ogmGradients(t, o, epoch)
		for i := range plain {
			if !slices.Equal(plain[i], modulated[i]) {
				t.Fatalf("epoch %d is outside the window [2, 5], but gradient %d changed", epoch, i)
			}
		}
	}

	o.GE = true
	paths, plain, modulated, k := ogmGradients(t, o, 3)
	noisy := 0
	for i, path := range paths {
		m := encoderOf(path)
		if m < 0 {
			if !slices.Equal(plain[i], modulated[i]) {
				t.Errorf("%s: the fusion head's gradient changed", path)
			}
			continue
		}
		if len(plain[i]) < 1000 { // biases: 64 values are too few for a tight check
			continue
		}
		// noise = modulated − k·plain should have the std of the plain gradient. The sample std of
		// ≥ 3072 normal values is within 1/√(2·3072) ≈ 1.3% of the true one (one standard error);
		// 10% is ≈ 8 standard errors.
		noise, g := make([]float64, len(plain[i])), make([]float64, len(plain[i]))
		for j := range plain[i] {
			g[j] = float64(plain[i][j])
			noise[j] = float64(modulated[i][j]) - k[m]*g[j]
		}
		ratio := stdOf(noise) / stdOf(g)
		t.Logf("%s: std(noise)/std(g) = %.3f", path, ratio)
		if math.Abs(ratio-1) > 0.1 {
			t.Errorf("%s: std(noise)/std(g) = %.3f, want 1 ± 0.1", path, ratio)
		}
		noisy++
	}
	if noisy != 4 { // weights of two layers × two encoders
		t.Errorf("checked the noise of %d weight matrices, want 4", noisy)
	}
	_, plain, modulated, _ = ogmGradients(t, o, 7)
	for i := range plain {
		if !slices.Equal(plain[i], modulated[i]) {
			t.Fatalf("with GE, outside the window, gradient %d changed", i)
		}
	}
}

// TestOGMGEInTraining runs OGM-GE through the engine for one step (256 training samples, one
// batch, one epoch) with a huge α, so that k of the dominant modality is 1 − tanh(α·ρ) = 0 in
// float32 and Adam leaves that encoder exactly where it started, while the other encoder moves.
// (With a moderate α a single Adam step cannot show the scaling: Adam's first update is
// g/|g|, whatever g's scale.) The dominant modality is read from the coefficients on the same
// samples and initial weights.
func TestOGMGEInTraining(t *testing.T) {
	ds := testData(t, "lazypair:n_train=256,n_val=256,n_test=512")
	env := testEnv(t, ds, 1)
	o := DefaultOGMGEOptions()
	o.Alpha, o.GE = 1e4, false
	job := ogmgeMethod{}.job(env, &o)
	var initial map[string][]float32
	var k [2]float64
	job.OnEpoch = func(done int, net *Network) error {
		if done == 0 {
			initial = weightMap(t, net)
			k = initialCoefficients(t, net, ds, o.Alpha)
		}
		return nil
	}
	net, _, err := env.Engine.Fit(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if (k[0] == 0) == (k[1] == 0) {
		t.Fatalf("initial coefficients %v: want exactly one 0", k)
	}
	dominant := 0
	if k[1] == 0 {
		dominant = 1
	}
	for path, w := range weightMap(t, net) {
		moved := !slices.Equal(w, initial[path])
		if m := encoderOf(path); (m == dominant) == moved {
			t.Errorf("%s (encoder %d, dominant %d): moved = %v", path, m, dominant, moved)
		}
	}
}

// initialCoefficients returns OGM's k_0, k_1 of net on the whole training split of ds.
func initialCoefficients(t *testing.T, net *Network, ds *datasets.Dataset, alpha float64) [2]float64 {
	t.Helper()
	exec, err := model.NewExec(net.backend, net.store, func(root *model.Scope, in []*graph.Node) []*graph.Node {
		root.SetTraining(in[0].Graph(), true)
		out := net.buildOn(root.In(netScope), in[:2])
		return OGMCoefficients(out.SplitLogits, in[2], alpha)
	})
	if err != nil {
		t.Fatal(err)
	}
	n := ds.Train.Len()
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(ds.Train.Features[0], n, 48),
		tensors.FromFlatDataAndDimensions(ds.Train.Features[1], n, 48), tensors.FromFlatDataAndDimensions(ds.Train.Labels, n))
	if err != nil {
		t.Fatal(err)
	}
	return [2]float64{float64(outs[0].Value().(float32)), float64(outs[1].Value().(float32))}
}

func TestOGMGEOptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       OGMGEOptions
		wantErr string
	}{
		{"alpha zero", OGMGEOptions{Alpha: 0, EndEpoch: 50}, "ogmge.alpha=0: must be a positive number"},
		{"alpha negative", OGMGEOptions{Alpha: -0.1, EndEpoch: 50}, "ogmge.alpha=-0.1"},
		{"negative start", OGMGEOptions{Alpha: 0.1, StartEpoch: -1, EndEpoch: 50}, "ogmge.start_epoch=-1: must be ≥ 0"},
		{"empty window", OGMGEOptions{Alpha: 0.1, StartEpoch: 20, EndEpoch: 10}, "the modulation window is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.o.Validate(); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	d := DefaultOGMGEOptions()
	if err := d.Validate(); err != nil || d.Alpha != 0.1 || d.StartEpoch != 0 || d.EndEpoch != 50 || !d.GE {
		t.Errorf("defaults %+v: %v", d, err)
	}
	// Through the configuration, as the CLI and notebooks set them.
	for _, tc := range []struct {
		options map[string]string
		wantErr string
	}{
		{map[string]string{"ogmge.alpha": "0"}, "ogmge.alpha=0"},
		{map[string]string{"ogmge.start_epoch": "60", "ogmge.end_epoch": "55"}, "window is empty"},
		{map[string]string{"ogmge.start_epoch": "40", "train.epochs": "40"}, "ogmge.start_epoch=40: training has train.epochs=40 epochs"},
	} {
		if _, err := ParseConfig([]string{results.OGMGEMethod}, tc.options); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%v: got %v, want an error containing %q", tc.options, err, tc.wantErr)
		}
	}
	c, err := ParseConfig([]string{results.OGMGEMethod}, map[string]string{"ogmge.alpha": "0.3", "ogmge.end_epoch": "500", "ogmge.ge": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if o := c.Methods[results.OGMGEMethod].(*OGMGEOptions); o.Alpha != 0.3 || o.EndEpoch != 500 || o.GE {
		t.Errorf("parsed %+v", o)
	}
}

// TestOGMGETrainAndRestore: a short run trains, is restored exactly from its weights, and a
// dataset with three modalities is refused with a clear error.
func TestOGMGETrainAndRestore(t *testing.T) {
	ds := testData(t, smallSpec)
	env := testEnv(t, ds, 3)
	o := DefaultOGMGEOptions()
	method, _ := LookupMethod(results.OGMGEMethod)
	pred, curves, err := method.Train(context.Background(), env, &o)
	if err != nil {
		t.Fatal(err)
	}
	if len(curves.Epoch) != 3 {
		t.Errorf("curves of %d epochs, want 3", len(curves.Epoch))
	}
	checkRestores(t, method, env, &o, pred)
	three := testEnv(t, testData(t, "lazypair:m=3,n_train=512,n_val=256,n_test=512"), 1)
	if _, _, err := method.Train(context.Background(), three, &o); err == nil || !strings.Contains(err.Error(), "defined for 2 modalities; the dataset has 3") {
		t.Errorf("three modalities: got %v", err)
	}
}

// TestOGMGEModulateWeights: with ogmge.modulate=weights only the encoders' weight matrices are
// modulated (scaled by k, plus GE noise), never their biases nor the fusion head, on an MLP
// encoder (numerically, on a fixed batch) and on a CNN encoder (the variables selected: every
// convolution kernel and dense weight matrix under /net/enc<m>/, no bias).
func TestOGMGEModulateWeights(t *testing.T) {
	o := DefaultOGMGEOptions()
	o.Alpha, o.Modulate = 0.5, OGMModulateWeights
	paths, plain, modulated, k := ogmGradients(t, o, 3)
	changed := map[string]bool{}
	for i, path := range paths {
		m := encoderOf(path)
		isWeight := strings.HasSuffix(path, "/weights")
		if m < 0 || !isWeight {
			if !slices.Equal(plain[i], modulated[i]) {
				t.Errorf("%s changed: only encoder weight matrices may be modulated", path)
			}
			continue
		}
		if slices.Equal(plain[i], modulated[i]) {
			t.Errorf("%s unchanged (GE adds noise to both encoders' weights)", path)
		}
		changed[path] = true
	}
	if len(changed) != 4 { // two layers × two encoders
		t.Errorf("modulated %v, want the 4 encoder weight matrices", changed)
	}
	// Without GE the dominant encoder's weights are exactly k times the plain ones.
	o.GE = false
	paths, plain, modulated, k = ogmGradients(t, o, 3)
	dominant := 0
	if k[1] < 1 {
		dominant = 1
	}
	for i, path := range paths {
		want := 1.0
		if encoderOf(path) == dominant && strings.HasSuffix(path, "/weights") {
			want = k[dominant]
		}
		for j := range plain[i] {
			if d := math.Abs(float64(modulated[i][j]) - want*float64(plain[i][j])); d > 1e-6*math.Abs(float64(plain[i][j]))+1e-12 {
				t.Fatalf("%s[%d]: modulated %g, want %g × %g", path, j, modulated[i][j], want, plain[i][j])
			}
		}
	}

	// CNN encoders: which variables the rule selects.
	mo := DefaultModelOptions()
	mo.EncoderKind = EncoderCNN
	store := model.NewStore()
	var selected, all []string
	exec, err := model.NewExec(testBackend(t), store, func(root *model.Scope, in []*graph.Node) []*graph.Node {
		out := mo.LateFusion(root.In(netScope), in, 4)
		for _, gr := range trainableInGraph(root, out.Logits.Graph()) {
			all = append(all, gr.Path)
			for m := range 2 {
				if o.modulated(gr, "/net/enc"+string(rune('0'+m))+"/") {
					selected = append(selected, gr.Path)
				}
			}
		}
		return []*graph.Node{out.Logits}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Compile(shapes.Make(dtypes.Float32, 2, 3, 8, 8), shapes.Make(dtypes.Float32, 2, 1, 8, 8)); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range all {
		if encoderOf(p) >= 0 && strings.HasSuffix(p, "/weights") {
			want = append(want, p)
		}
	}
	slices.Sort(selected)
	slices.Sort(want)
	convs := 0
	for _, p := range selected {
		if strings.Contains(p, "/conv") {
			convs++
		}
	}
	// Per encoder: two convolution kernels (model.conv=16,32) and two dense weight matrices.
	if !slices.Equal(selected, want) || len(selected) != 8 || convs != 4 {
		t.Errorf("selected %v of %v, want the 8 encoder kernels and weight matrices (4 convolutions)", selected, all)
	}
}
