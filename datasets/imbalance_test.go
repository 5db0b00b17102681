package datasets_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/datasets"
)

// TestLazyPairImbalanceKeys: rho1 and sigma1 parse, print after seed only when they change the
// data (so every spec without them keeps its canonical string), round-trip, and are validated.
func TestLazyPairImbalanceKeys(t *testing.T) {
	def := datasets.DefaultLazyPair()
	if strings.Contains(def.String(), "rho1") || strings.Contains(def.String(), "sigma1") {
		t.Errorf("default spec %q prints the imbalance keys", def)
	}
	s, err := datasets.ParseSpec("lazypair:sigma1=2.5,rho1=0.3")
	if err != nil {
		t.Fatal(err)
	}
	lp := s.(datasets.LazyPairSpec)
	if lp.Rho1 != 0.3 || lp.Sigma1 != 2.5 || lp.Rho != def.Rho || lp.Sigma != def.Sigma {
		t.Errorf("parsed %+v", lp)
	}
	if want := def.String() + ",rho1=0.3,sigma1=2.5"; s.String() != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
	if again, err := datasets.ParseSpec(s.String()); err != nil || again != s {
		t.Errorf("round trip: %v, %v", again, err)
	}
	if !slices.Contains(datasets.LazyPairKeys(), "rho1") || !slices.Contains(datasets.LazyPairKeys(), "sigma1") {
		t.Errorf("LazyPairKeys() = %v lacks rho1, sigma1", datasets.LazyPairKeys())
	}
	// An override equal to its base key, or Unset, is no override: the default spec.
	for _, spec := range []string{"lazypair:rho1=0.8", "lazypair:sigma1=1", "lazypair:rho1=-1,sigma1=-1"} {
		s, err := datasets.ParseSpec(spec)
		if err != nil || s != datasets.Spec(def) {
			t.Errorf("%s: got %v (%v), want the default spec", spec, s, err)
		}
	}
	for _, tc := range []struct{ spec, want string }{
		{"lazypair:rho1=1.5", "rho1 = 1.5, want 0 ≤ rho1 ≤ 1"},
		{"lazypair:rho1=-0.5", "rho1 = -0.5, want 0 ≤ rho1 ≤ 1"},
		{"lazypair:sigma1=-2", "sigma1 = -2, want finite sigma1 ≥ 0"},
		{"lazypair:sigma1=+Inf", "sigma1 = +Inf, want finite sigma1 ≥ 0"},
		{"lazypair:rho1=half", `key rho1="half": want a number`},
	} {
		if _, err := datasets.ParseSpec(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.spec, err, tc.want)
		}
	}
}

// centroidAccuracy is the test accuracy of a nearest-class-mean classifier fitted on the
// training split, on modality m alone.
func centroidAccuracy(d *datasets.Dataset, m int) float64 {
	dim, k := d.Modalities[m].Size(), d.NumClasses
	means := make([][]float64, k)
	counts := make([]float64, k)
	for c := range means {
		means[c] = make([]float64, dim)
	}
	for i, y := range d.Train.Labels {
		counts[y]++
		for j, x := range d.Train.Features[m][i*dim : (i+1)*dim] {
			means[y][j] += float64(x)
		}
	}
	for c := range means {
		for j := range means[c] {
			means[c][j] /= counts[c]
		}
	}
	correct := 0
	for i, y := range d.Test.Labels {
		best, bestDist := -1, math.Inf(1)
		for c := range means {
			dist := 0.0
			for j, x := range d.Test.Features[m][i*dim : (i+1)*dim] {
				dist += (float64(x) - means[c][j]) * (float64(x) - means[c][j])
			}
			if dist < bestDist {
				best, bestDist = c, dist
			}
		}
		if int32(best) == y {
			correct++
		}
	}
	return float64(correct) / float64(len(d.Test.Labels))
}

// TestLazyPairImbalanceWeakensModality1: rho1 and sigma1 leave modality 0's data bit-identical
// (common random numbers) and make modality 1 weaker. A nearest-class-mean classifier reads
// the easy feature (class mean α_e·e_y) but not the random-sign hard one (class mean 0), so its
// accuracy is about ρ + (1 − ρ)/K: ≈ 0.85 at ρ = 0.8 against ≈ 0.48 at ρ = 0.3; with σ = 4
// the noise on the 48 coordinates (distance noise ≫ α_e² = 25) swamps the easy feature.
func TestLazyPairImbalanceWeakensModality1(t *testing.T) {
	gen := func(spec string) *datasets.Dataset {
		t.Helper()
		s, err := datasets.ParseSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.Generate()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	const base = "lazypair:n_train=1000,n_test=2000"
	balanced := gen(base)
	a0, a1 := centroidAccuracy(balanced, 0), centroidAccuracy(balanced, 1)
	if math.Abs(a0-a1) > 0.05 {
		t.Errorf("balanced: modality accuracies %.3f, %.3f differ by more than 0.05", a0, a1)
	}
	for _, tc := range []struct {
		keys   string
		margin float64
	}{{"rho1=0.3", 0.25}, {"sigma1=4", 0.15}} {
		d := gen(base + "," + tc.keys)
		if !slices.Equal(d.Train.Features[0], balanced.Train.Features[0]) || !slices.Equal(d.Test.Features[0], balanced.Test.Features[0]) {
			t.Errorf("%s changed modality 0's data", tc.keys)
		}
		w := centroidAccuracy(d, 1)
		t.Logf("%s: modality 1 accuracy %.3f (balanced %.3f; modality 0 %.3f)", tc.keys, w, a1, a0)
		if w > a1-tc.margin {
			t.Errorf("%s: modality 1 accuracy %.3f, want below the balanced %.3f − %.2f", tc.keys, w, a1, tc.margin)
		}
	}
	// rho1 sets modality 1's hard-only rate: 1 − rho1 of the samples (± 4 standard errors).
	d := gen(base + ",rho1=0.3")
	hard := 0
	for _, tag := range d.Test.Tags {
		if tag&datasets.TagHard(1) != 0 {
			hard++
		}
	}
	if frac := float64(hard) / float64(len(d.Test.Tags)); math.Abs(frac-0.7) > 4*math.Sqrt(0.7*0.3/2000) {
		t.Errorf("rho1=0.3: modality 1 hard-only fraction %.3f, want ≈ 0.7", frac)
	}
}
