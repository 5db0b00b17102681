package datasets

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// renderTV renders a twoview dataset from the defaults changed by change, without a cache.
func renderTV(t *testing.T, change func(s *TwoViewSpec)) (TwoViewSpec, *Dataset) {
	t.Helper()
	return renderSpec(t, DefaultTwoView(), change)
}

func TestTwoViewSpec(t *testing.T) {
	want := "twoview:k=6,size=16,rho=0.8,sigma=0.5,n_train=2000,n_val=1000,n_test=2000,seed=1"
	if got := DefaultTwoView().String(); got != want {
		t.Errorf("defaults: %q, want %q", got, want)
	}
	custom := TwoViewSpec{K: 8, Size: 24, Sigma: 0.125, NTrain: 9, NVal: 4, NTest: 5, Seed: 7}
	for _, s := range []TwoViewSpec{DefaultTwoView(), custom} {
		parsed, err := ParseSpec(s.String())
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := parsed.(TwoViewSpec); !ok || got != s {
			t.Errorf("ParseSpec(%q) = %#v, want %#v", s, parsed, s)
		}
	}
	s, err := ParseSpec("twoview:k=6")
	if err != nil || s.String() != want || s.NumModalities() != 2 || s.Name() != "twoview" {
		t.Errorf("ParseSpec(twoview:k=6) = %v, %v", s, err)
	}
	if got := s.WithSeedOffset(2).String(); !strings.HasSuffix(got, ",seed=3") {
		t.Errorf("WithSeedOffset(2) = %q", got)
	}
	for _, tc := range []struct{ spec, want string }{
		{"twoview:pi=0.5", `unknown key "pi"; valid keys: k, size, rho, sigma, n_train, n_val, n_test, seed`},
		{"twoview:rho=1.5", "rho = 1.5"},
		{"twoview:k=9", "k = 9, want 2 ≤ k ≤ 8"},
		{"twoview:k=x", `key k="x": want an integer`},
		{"twoview:size=8", "size = 8, want 12 ≤ size ≤ 64"},
		{"twoview:sigma=-0.5", "sigma = -0.5"},
		{"twoview:n_val=0", "n_val = 0, want n_val ≥ 1"},
		{"twoview:size=64,n_train=300000", "n_train = 300000, want n_train × size² ≤"},
	} {
		if _, err := ParseSpec(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSpec(%q) error = %v, want it to contain %q", tc.spec, err, tc.want)
		}
	}
}

func TestTwoViewGenerate(t *testing.T) {
	small := func(s *TwoViewSpec) { s.NTrain, s.NVal, s.NTest = 200, 30, 40 }
	s, a := renderTV(t, small)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Spec != s.String() || a.NumClasses != 6 || len(a.Modalities) != 2 ||
		a.Modalities[0].Name != "front" || a.Modalities[1].Name != "rear" ||
		!slices.Equal(a.Modalities[0].Shape, []int{1, 16, 16}) || !slices.Equal(a.Modalities[1].Shape, []int{1, 16, 16}) {
		t.Errorf("dataset header: %s", a)
	}
	old := runtime.GOMAXPROCS(1)
	_, b := renderTV(t, small)
	runtime.GOMAXPROCS(old)
	for i, name := range SplitNames {
		if !sameSplit(a.splits()[i], b.splits()[i]) {
			t.Errorf("%s: same spec rendered different data (GOMAXPROCS %d vs 1)", name, old)
		}
	}
	_, c := renderTV(t, func(s *TwoViewSpec) { small(s); s.Seed = 2 })
	if slices.Equal(a.Train.Labels, c.Train.Labels) || slices.Equal(a.Train.Features[0], c.Train.Features[0]) {
		t.Error("seed 2 gave the same data as seed 1")
	}
	for m, mod := range a.Modalities {
		mean, std := meanStd(a.Train.Features[m])
		if mean < -0.3 || mean > 0.3 || std < 0.7 || std > 1.4 {
			t.Errorf("%s: mean %.2f, std %.2f; want about 0 and 1", mod.Name, mean, std)
		}
	}
}

// TestTwoViewClarity checks the dim views: each view is dim with probability 1 − ρ,
// independently of the other (4000 samples, ρ = 0.7; within checks 3 SE of the binomial), the tag
// says which, and a dim view has a third of a clear view's contrast (noise off: the spread of its
// values around the background is a third, within rendering variation).
func TestTwoViewClarity(t *testing.T) {
	s, d := renderTV(t, func(s *TwoViewSpec) { s.NTrain, s.NVal, s.NTest, s.Rho, s.Sigma = 4000, 1, 1, 0.7, 0 })
	n, size := d.Train.Len(), s.Size*s.Size
	background := -tvMean / tvScale
	count := func(keep func(tag Tag) bool) float64 {
		c := 0
		for _, tag := range d.Train.Tags {
			if keep(tag) {
				c++
			}
		}
		return float64(c) / float64(n)
	}
	within(t, "both dim", count(func(g Tag) bool { return g.Has(TagHard(0) | TagHard(1)) }), (1-s.Rho)*(1-s.Rho), n)
	for m, mod := range d.Modalities {
		within(t, mod.Name+" dim", count(func(g Tag) bool { return g.Has(TagHard(m)) }), 1-s.Rho, n)
		var spread [2]float64 // mean |value − background| of clear (0) and dim (1) views
		var views [2]int
		for i := range n {
			k := 0
			if d.Train.Tags[i].Has(TagHard(m)) {
				k = 1
			}
			for _, v := range d.Train.Features[m][i*size : (i+1)*size] {
				spread[k] += math.Abs(float64(v) - background)
			}
			views[k]++
		}
		ratio := (spread[1] / float64(views[1])) / (spread[0] / float64(views[0]))
		t.Logf("%s: dim/clear contrast %.3f", mod.Name, ratio)
		if math.Abs(ratio-tvDim) > 0.03 {
			t.Errorf("%s: a dim view has %.3f of a clear view's contrast, want %.3f", mod.Name, ratio, tvDim)
		}
	}
	if bad := count(func(g Tag) bool { return g&^(TagHard(0)|TagHard(1)) != 0 }); bad != 0 {
		t.Errorf("%.3f of the samples carry tags other than the views' hard bits", bad)
	}
}

// TestTwoViewGeometry checks the renderer: orthographic views from opposite sides share the
// object's silhouette, mirrored left–right, whatever the shape and pose (noise off); and the
// shading of the two views differs (they see different sides under different lights).
func TestTwoViewGeometry(t *testing.T) {
	s, d := renderTV(t, func(s *TwoViewSpec) { s.K, s.Sigma, s.NTrain, s.NVal, s.NTest = 8, 0, 200, 1, 1 })
	S := s.Size
	background := float32(-tvMean / tvScale)
	mismatched, pixels, shadingDiffers := 0, 0, 0
	for i := range d.Train.Len() {
		front := d.Train.Features[0][i*S*S : (i+1)*S*S]
		rear := d.Train.Features[1][i*S*S : (i+1)*S*S]
		differs := false
		for py := range S {
			for px := range S {
				f, r := front[py*S+px], rear[py*S+(S-1-px)]
				if (f > background) != (r > background) {
					mismatched++
				}
				if f > background {
					pixels++
					differs = differs || f != r
				}
			}
		}
		if differs {
			shadingDiffers++
		}
	}
	// Sphere tracing stops within tvHitEps of the surface, so a ray grazing the silhouette can
	// hit from one side and miss from the other: allow 2% of the object's pixels.
	t.Logf("silhouette: %d of %d object pixels differ between front and mirrored rear; shading differs in %d of %d samples",
		mismatched, pixels, shadingDiffers, d.Train.Len())
	if pixels == 0 || float64(mismatched) > 0.02*float64(pixels) {
		t.Errorf("front and mirrored rear silhouettes differ in %d of %d object pixels", mismatched, pixels)
	}
	if shadingDiffers < d.Train.Len()*9/10 {
		t.Errorf("only %d of %d samples have different shading in the two views", shadingDiffers, d.Train.Len())
	}
}

// TestTwoViewInformative checks that each (clear) view alone carries the class: a nearest-centroid
// classifier on the raw pixels of one view (the object is centred, so centroids hold the
// average silhouette and shading of each shape) is far above chance. One fixed seed, k = 6
// (chance 0.167), 2000/1000 samples: SE ≈ 0.015, the thresholds sit well below the logged values.
func TestTwoViewInformative(t *testing.T) {
	s, d := renderTV(t, func(s *TwoViewSpec) { s.NTrain, s.NVal, s.NTest, s.Rho = 2000, 1, 1000, 1 }) // clear views
	all := func(split *Split) []int {
		idx := make([]int, split.Len())
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	size := s.Size * s.Size
	for m, mod := range d.Modalities {
		raw := func(split *Split, i int) []float64 { return sampleValues(split, m, size, i) }
		cent := fitCentroids(d.Train, all(d.Train), raw, s.K)
		acc := centroidAccuracy(cent, d.Test, all(d.Test), raw)
		t.Logf("%s: nearest centroid %.3f (chance %.3f)", mod.Name, acc, 1/float64(s.K))
		if acc < 0.4 {
			t.Errorf("%s alone: nearest-centroid accuracy %.3f, want ≥ 0.4", mod.Name, acc)
		}
	}
}

func TestTwoViewDefaultTime(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the default 5000 samples (about a second)")
	}
	c := Cache{Dir: t.TempDir()}
	start := time.Now()
	d, err := DefaultTwoView().GenerateWith(c)
	if err != nil {
		t.Fatal(err)
	}
	gen := time.Since(start)
	start = time.Now()
	again, err := DefaultTwoView().GenerateWith(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("default twoview (5000 samples): generated and cached in %v on GOMAXPROCS=%d, read back in %v",
		gen, runtime.GOMAXPROCS(0), time.Since(start))
	if !sameDataset(d, again) {
		t.Error("cached default dataset differs")
	}
}
