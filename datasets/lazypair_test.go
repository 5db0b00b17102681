package datasets

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// generate builds a LazyPair dataset from the defaults changed by change, failing the test on error.
func generate(t *testing.T, change func(s *LazyPairSpec)) (LazyPairSpec, *Dataset) {
	t.Helper()
	s := DefaultLazyPair()
	if change != nil {
		change(&s)
	}
	d, err := s.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return s, d
}

// sameSplit reports whether two splits are bit-for-bit identical.
func sameSplit(a, b *Split) bool {
	if !slices.Equal(a.Labels, b.Labels) || !slices.Equal(a.Tags, b.Tags) || len(a.Features) != len(b.Features) {
		return false
	}
	for m := range a.Features {
		if len(a.Features[m]) != len(b.Features[m]) {
			return false
		}
		for j := range a.Features[m] {
			if math.Float32bits(a.Features[m][j]) != math.Float32bits(b.Features[m][j]) {
				return false
			}
		}
	}
	return true
}

// project returns ⟨x_m(i), dir⟩ for sample i of modality m.
func project(s *Split, m, i int, dir []float64) float64 {
	dim := len(dir)
	x := s.Features[m][i*dim : (i+1)*dim]
	dot := 0.0
	for j, v := range x {
		dot += float64(v) * dir[j]
	}
	return dot
}

// within checks |got − want| ≤ 3·SE for a proportion over n Bernoulli trials. With the fixed seeds
// used here the checks are deterministic; a correct generator would fail one for ≈ 0.3% of seeds.
func within(t *testing.T, what string, got, want float64, n int) {
	t.Helper()
	se := math.Sqrt(want * (1 - want) / float64(n))
	if math.Abs(got-want) > 3*se {
		t.Errorf("%s = %.4f, want %.4f ± %.4f (3 SE over %d trials)", what, got, want, 3*se, n)
	} else {
		t.Logf("%s = %.4f, want %.4f ± %.4f", what, got, want, 3*se)
	}
}

func TestGenerateShapeAndDeterminism(t *testing.T) {
	s, a := generate(t, func(s *LazyPairSpec) { s.Pi = 0.5; s.Distract = 2 })
	_, b := generate(t, func(s *LazyPairSpec) { s.Pi = 0.5; s.Distract = 2 })
	if a.Spec != s.String() || a.NumClasses != 4 || len(a.Modalities) != 2 ||
		a.Modalities[1].Name != "m1" || !slices.Equal(a.Modalities[1].Shape, []int{48}) {
		t.Errorf("dataset header = %q, %d classes, %v", a.Spec, a.NumClasses, a.Modalities)
	}
	if a.Train.Len() != 2000 || a.Val.Len() != 1000 || a.Test.Len() != 5000 {
		t.Errorf("split sizes %d/%d/%d, want 2000/1000/5000", a.Train.Len(), a.Val.Len(), a.Test.Len())
	}
	for i, name := range SplitNames {
		if !sameSplit(a.splits()[i], b.splits()[i]) {
			t.Errorf("%s: same spec generated different data", name)
		}
	}

	_, other := generate(t, func(s *LazyPairSpec) { s.Pi = 0.5; s.Distract = 2; s.Seed = 2 })
	if sameSplit(a.Train, other.Train) || slices.Equal(a.Train.Labels, other.Train.Labels) {
		t.Error("seeds 1 and 2 generated the same train split")
	}

	// Each split has its own stream: resizing train leaves val and test untouched.
	_, bigger := generate(t, func(s *LazyPairSpec) { s.Pi = 0.5; s.Distract = 2; s.NTrain = 2500 })
	if !sameSplit(a.Val, bigger.Val) || !sameSplit(a.Test, bigger.Test) {
		t.Error("changing n_train changed val or test")
	}
	if !sameSplit(a.Train, bigger.Train.Select(seq(2000))) {
		t.Error("changing n_train changed the first 2000 train samples")
	}

	// Common random numbers: changing rho keeps labels and paired tags and only flips
	// easy/hard where the sample's uniform lies between the two rates.
	_, lowRho := generate(t, func(s *LazyPairSpec) { s.Pi = 0.5; s.Distract = 2; s.Rho = 0.7 })
	if !slices.Equal(a.Train.Labels, lowRho.Train.Labels) {
		t.Error("changing rho changed the labels")
	}
	for i, tag := range a.Train.Tags {
		low := lowRho.Train.Tags[i]
		if tag&(TagPaired|TagPairOnly) != low&(TagPaired|TagPairOnly) || tag&^low != 0 {
			t.Fatalf("sample %d: tags %v at rho=0.8 but %v at rho=0.7; want the same paired tags and only more hard bits", i, tag, low)
		}
	}
}

func seq(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func TestBasisOrthonormal(t *testing.T) {
	for _, tc := range []struct {
		name             string
		k, dim, distract int
	}{
		{"defaults", 4, 48, 0},
		{"dim exactly 3k + distract", 5, 18, 3},
		{"many classes", 10, 64, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultLazyPair()
			s.K, s.Dim, s.Distract = tc.k, tc.dim, tc.distract
			bases, err := s.Basis()
			if err != nil {
				t.Fatal(err)
			}
			for m, b := range bases {
				dirs := slices.Concat(b.Easy, b.Hard, b.Paired, b.Distract)
				if len(dirs) != 3*tc.k+tc.distract {
					t.Fatalf("modality %d: %d directions, want %d", m, len(dirs), 3*tc.k+tc.distract)
				}
				for i, u := range dirs {
					for j, v := range dirs {
						dot := 0.0
						for c := range u {
							dot += u[c] * v[c]
						}
						want := 0.0
						if i == j {
							want = 1
						}
						// Gram–Schmidt with re-orthogonalisation is accurate to a few ulps × dim.
						if math.Abs(dot-want) > 1e-12 {
							t.Fatalf("modality %d: ⟨dir %d, dir %d⟩ = %g, want %g", m, i, j, dot, want)
						}
					}
				}
			}
			if slices.Equal(bases[0].Easy[0], bases[1].Easy[0]) {
				t.Error("modalities 0 and 1 share their directions")
			}
		})
	}
	// Distractors are appended: adding them keeps the feature directions.
	s := DefaultLazyPair()
	plain, _ := s.Basis()
	s.Distract = 3
	with, _ := s.Basis()
	if !slices.Equal(plain[1].Paired[3], with[1].Paired[3]) {
		t.Error("adding distractors changed the paired directions")
	}
}

// TestTagRates checks the sampling rates on one large train split (n = 40000, M = 2, K = 4,
// rho = 0.8, pi = 0.5, pair_only = 0.2, seed 1) against their exact expectations, each within
// 3 binomial standard errors (≈ 0.0009–0.0025 here).
func TestTagRates(t *testing.T) {
	const n = 40000
	s, d := generate(t, func(s *LazyPairSpec) {
		s.NTrain, s.NVal, s.NTest = n, 1, 1
		s.Pi, s.PairOnly = 0.5, 0.2
	})
	tr := d.Train
	for k, c := range tr.ClassCounts(s.K) {
		within(t, "class "+string(rune('0'+k))+" frequency", float64(c)/n, 1/float64(s.K), n)
	}
	var paired, pairOnly, easy, slots int
	for _, tag := range tr.Tags {
		if tag.Has(TagPaired) {
			paired++
		}
		if tag.Has(TagPairOnly) {
			pairOnly++
			if !tag.Has(TagPaired) || tag&(TagHard(0)|TagHard(1)) != 0 {
				t.Fatalf("pair_only sample with tags %v: want paired and no hard bits", tag)
			}
			continue
		}
		for m := range s.M {
			slots++
			if !tag.Has(TagHard(m)) {
				easy++
			}
		}
	}
	keep := 1 - s.Pi*s.PairOnly // fraction of samples that keep their uni-modal features
	within(t, "paired fraction", float64(paired)/n, s.Pi, n)
	within(t, "pair_only fraction", float64(pairOnly)/n, s.Pi*s.PairOnly, n)
	within(t, "easy rate per modality (non-pair_only)", float64(easy)/float64(slots), s.Rho, slots)

	counts := map[string]int{}
	for _, name := range SubsetNames(s.M) {
		idx, err := tr.Subset(name)
		if err != nil {
			t.Fatal(err)
		}
		counts[name] = len(idx)
	}
	within(t, "both_hard fraction", float64(counts["both_hard"])/n, (1-s.Rho)*(1-s.Rho)*keep, n)
	for _, name := range []string{"m0_hard_only", "m1_hard_only"} {
		within(t, name+" fraction", float64(counts[name])/n, s.Rho*(1-s.Rho)*keep, n)
	}
	// The subsets and the easy-in-both samples partition the split.
	easyBoth := 0
	for _, tag := range tr.Tags {
		if tag&(TagPairOnly|TagHard(0)|TagHard(1)) == 0 {
			easyBoth++
		}
	}
	if sum := easyBoth + counts["both_hard"] + counts["pair_only"] + counts["m0_hard_only"] + counts["m1_hard_only"]; sum != n {
		t.Errorf("easy-in-both + subsets = %d samples, want %d", sum, n)
	}
}

// TestUniModalFeatures reads the uni-modal features back through the basis on the default train
// split (seed 1). Easy: α_e = 5 against σ = 1 noise gives a pairwise margin of 5/√2 ≈ 3.5σ, so
// argmax_k ⟨x, e_k⟩ errs on ≈ 3·Φ(−3.5) ≈ 0.07% of samples; we require 99%. Hard (α_h = 3):
// argmax_k |⟨x, h_k⟩| is right when |3 + n_y| beats three |n_k|, probability 0.924 (Monte Carlo,
// 2·10⁶ draws), checked within 3 SE. The random sign is balanced (3 SE), while hard_sign=fixed
// makes every ⟨x, h_y⟩ positive except when noise beats 3σ (P ≈ 0.001).
func TestUniModalFeatures(t *testing.T) {
	for _, tc := range []struct {
		name         string
		hardSign     string
		wantPositive func(frac float64, n int) bool
	}{
		{"random sign", HardSignRandom, func(frac float64, n int) bool { return math.Abs(frac-0.5) <= 3*math.Sqrt(0.25/float64(n)) }},
		{"fixed sign", HardSignFixed, func(frac float64, n int) bool { return frac > 0.99 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, d := generate(t, func(s *LazyPairSpec) { s.HardSign = tc.hardSign })
			bases, _ := s.Basis()
			tr := d.Train
			var easyN, easyOK, hardN, hardOK, positive int
			for i, tag := range tr.Tags {
				y := int(tr.Labels[i])
				for m, b := range bases {
					if tag.Has(TagHard(m)) {
						hardN++
						if argmax(s.K, func(k int) float64 { return math.Abs(project(tr, m, i, b.Hard[k])) }) == y {
							hardOK++
						}
						if project(tr, m, i, b.Hard[y]) > 0 {
							positive++
						}
					} else {
						easyN++
						if argmax(s.K, func(k int) float64 { return project(tr, m, i, b.Easy[k]) }) == y {
							easyOK++
						}
					}
				}
			}
			t.Logf("easy read %d/%d, hard read %d/%d, hard positive %d/%d", easyOK, easyN, hardOK, hardN, positive, hardN)
			if float64(easyOK) < 0.99*float64(easyN) {
				t.Errorf("easy feature read on %d of %d samples, want ≥ 99%%", easyOK, easyN)
			}
			within(t, "hard feature read rate", float64(hardOK)/float64(hardN), 0.924, hardN)
			if frac := float64(positive) / float64(hardN); !tc.wantPositive(frac, hardN) {
				t.Errorf("⟨x, h_y⟩ > 0 on a fraction %.3f of %d hard-only samples", frac, hardN)
			}
		})
	}
}

func argmax(n int, score func(i int) float64) int {
	best := 0
	for i := 1; i < n; i++ {
		if score(i) > score(best) {
			best = i
		}
	}
	return best
}

// nearestMeanAccuracy fits class means of feature(split, i) ∈ R^K on train and returns the
// nearest-mean accuracy on test.
func nearestMeanAccuracy(k int, train, test *Split, feature func(s *Split, i int) []float64) float64 {
	means := make([][]float64, k)
	counts := make([]int, k)
	for c := range means {
		means[c] = make([]float64, k)
	}
	for i, y := range train.Labels {
		for j, v := range feature(train, i) {
			means[y][j] += v
		}
		counts[y]++
	}
	for c := range means {
		for j := range means[c] {
			means[c][j] /= float64(counts[c])
		}
	}
	correct := 0
	for i, y := range test.Labels {
		f := feature(test, i)
		pred := argmax(k, func(c int) float64 {
			dist := 0.0
			for j, v := range f {
				dist += (v - means[c][j]) * (v - means[c][j])
			}
			return -dist
		})
		if pred == int(y) {
			correct++
		}
	}
	return float64(correct) / float64(test.Len())
}

// TestPairedAdd: with pi = 1 (every sample paired; defaults otherwise, seed 1, 2000 train /
// 5000 test) the paired feature must be readable from x_0 − x_1 but hardly from one modality.
// Nearest class mean on the K paired coordinates, with the Bayes accuracies of each view
// (Monte Carlo, 2·10⁶ draws of "class means c = 4 apart along one-hot axes, isotropic noise"):
//   - x_0 − x_1 = c·code(y) + noise of std √2·σ: 0.942;
//   - x_0 alone = c·code(y) + noise of std √(τ² + σ²) = √17: 0.543 (so the two uni-modal models
//     average ≈ (0.54 + 0.25)/2 ≈ 0.4 on pair_only, cf. docs/DESIGN.md's measured ≈ 0.37);
//   - x_1 alone carries no label information: chance, 0.25.
//
// Each is checked within 3 SE over the 5000 test samples (≤ 0.021) plus 0.01 for the means
// being fitted on 2000 samples instead of known.
func TestPairedAdd(t *testing.T) {
	s, d := generate(t, func(s *LazyPairSpec) { s.Pi = 1 })
	bases, _ := s.Basis()
	paired := func(m int) func(sp *Split, i int) []float64 {
		return func(sp *Split, i int) []float64 {
			f := make([]float64, s.K)
			for j := range f {
				f[j] = project(sp, m, i, bases[m].Paired[j])
			}
			return f
		}
	}
	diff := func(sp *Split, i int) []float64 {
		a, b := paired(0)(sp, i), paired(1)(sp, i)
		for j := range a {
			a[j] -= b[j]
		}
		return a
	}
	both := nearestMeanAccuracy(s.K, d.Train, d.Test, diff)
	m0 := nearestMeanAccuracy(s.K, d.Train, d.Test, paired(0))
	m1 := nearestMeanAccuracy(s.K, d.Train, d.Test, paired(1))
	t.Logf("nearest-mean accuracy on paired coordinates: x0−x1 %.3f, x0 %.3f, x1 %.3f", both, m0, m1)
	n := float64(d.Test.Len())
	for _, c := range []struct {
		view      string
		got, want float64
	}{{"x0 − x1", both, 0.942}, {"x0 alone", m0, 0.543}, {"x1 alone", m1, 0.25}} {
		if margin := 3*math.Sqrt(c.want*(1-c.want)/n) + 0.01; math.Abs(c.got-c.want) > margin {
			t.Errorf("%s: nearest-mean accuracy %.3f, want %.3f ± %.3f", c.view, c.got, c.want, margin)
		}
	}
}

// TestPairedXOR decodes each modality's symbol q_m = argmax_j ⟨x_m, p_{m,j}⟩ (a_q = 8 against
// σ = 1: errors ≈ 3·Φ(−8/√2) ≈ 0) on paired samples (pi = 1, 5000 test samples, seed 1).
// The symbols' sum mod K must give y (≥ 99%), while any single symbol matches y at chance
// (1/K within 3 SE = 0.018 for K = 4).
func TestPairedXOR(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    int
	}{{"two modalities", 2}, {"three modalities", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			s, d := generate(t, func(s *LazyPairSpec) { s.Pi, s.Pair, s.M = 1, PairXOR, tc.m })
			bases, _ := s.Basis()
			te := d.Test
			sumOK := 0
			singleOK := make([]int, s.M)
			for i, y := range te.Labels {
				sum := 0
				for m, b := range bases {
					q := argmax(s.K, func(j int) float64 { return project(te, m, i, b.Paired[j]) })
					sum += q
					if q == int(y) {
						singleOK[m]++
					}
				}
				if sum%s.K == int(y) {
					sumOK++
				}
			}
			n := te.Len()
			if float64(sumOK) < 0.99*float64(n) {
				t.Errorf("sum of symbols mod K gives y on %d of %d samples, want ≥ 99%%", sumOK, n)
			}
			for m, ok := range singleOK {
				within(t, "modality "+string(rune('0'+m))+" symbol = y", float64(ok)/float64(n), 1/float64(s.K), n)
			}
		})
	}
}

// TestPairOnlyAndDistractors: pair_only samples carry no uni-modal feature, so their projections
// on easy and hard directions are pure N(0, σ²) noise (|·| < 5σ for all of them, P(fail) ≈ 1e-4
// over ~2400 projections); a distractor direction has variance distract_scale² + σ² = 26, checked
// within 3 SE of a variance estimate (26·√(2/n) ≈ 1.0 over n = 12000 values) and uncorrelated
// with the label (class means within 3 SE = 3·√(26/3000) ≈ 0.28 of 0).
func TestPairOnlyAndDistractors(t *testing.T) {
	s, d := generate(t, func(s *LazyPairSpec) { s.Pi, s.PairOnly, s.Distract = 1, 0.1, 3 })
	bases, _ := s.Basis()
	tr := d.Train
	idx, _ := tr.Subset("pair_only")
	for _, i := range idx {
		for m, b := range bases {
			for _, dir := range slices.Concat(b.Easy, b.Hard) {
				if v := project(tr, m, i, dir); math.Abs(v) > 5*s.Sigma {
					t.Fatalf("pair_only sample %d, modality %d: uni-modal projection %.2f, want noise only", i, m, v)
				}
			}
		}
	}
	var sumSq float64
	var count int
	classSum := make([]float64, s.K)
	classN := make([]int, s.K)
	for i, y := range tr.Labels {
		for m, b := range bases {
			for _, dir := range b.Distract {
				v := project(tr, m, i, dir)
				sumSq += v * v
				count++
				classSum[y] += v
				classN[y]++
			}
		}
	}
	want := s.DistractScale*s.DistractScale + s.Sigma*s.Sigma
	if variance := sumSq / float64(count); math.Abs(variance-want) > 3*want*math.Sqrt(2/float64(count)) {
		t.Errorf("distractor variance %.2f over %d values, want %.2f", variance, count, want)
	}
	for c := range classSum {
		if mean := classSum[c] / float64(classN[c]); math.Abs(mean) > 3*math.Sqrt(want/float64(classN[c])) {
			t.Errorf("class %d: distractor mean %.3f, want ≈ 0 (label-free)", c, mean)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(s *LazyPairSpec)
		want   string
	}{
		{"invalid spec", func(s *LazyPairSpec) { s.Rho = 2 }, "rho = 2"},
		{"train too small for two classes", func(s *LazyPairSpec) { s.NTrain = 1 }, "k ≤ n_train = 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultLazyPair()
			tc.change(&s)
			d, err := s.Generate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Generate() = %v, %v; want an error containing %q", d, err, tc.want)
			}
		})
	}
}
