package datasets

import (
	"math"
	"math/cmplx"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// renderAV renders an avsynth dataset from the defaults changed by change, without a cache.
func renderAV(t *testing.T, change func(s *AVSynthSpec)) (AVSynthSpec, *Dataset) {
	t.Helper()
	return renderSpec(t, DefaultAVSynth(), change)
}

// renderSpec renders a generated dataset (spec s changed by change) without a cache.
func renderSpec[S interface {
	Validate() error
	render(advance func(int)) (*Dataset, error)
}](t *testing.T, s S, change func(s *S)) (S, *Dataset) {
	t.Helper()
	if change != nil {
		change(&s)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := s.render(func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	return s, d
}

func TestAVSynthSpec(t *testing.T) {
	want := "avsynth:k=4,size=16,freq=16,frames=16,rho=0.8,pi=0,pair_only=0.35,c=4,tau=4,sigma=0.5,n_train=2000,n_val=1000,n_test=2000,seed=1"
	if got := DefaultAVSynth().String(); got != want {
		t.Errorf("defaults: %q, want %q", got, want)
	}
	custom := AVSynthSpec{K: 8, Size: 20, Freq: 12, Frames: 10, Rho: 0.7, Pi: 0.5, PairOnly: 0.25,
		C: 3.5, Tau: 2, Sigma: 0, NTrain: 10, NVal: 20, NTest: 30, Seed: -3}
	for _, s := range []AVSynthSpec{DefaultAVSynth(), custom} {
		parsed, err := ParseSpec(s.String())
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := parsed.(AVSynthSpec); !ok || got != s {
			t.Errorf("ParseSpec(%q) = %#v, want %#v", s, parsed, s)
		}
	}
	s, err := ParseSpec("avsynth:pi=0.5,rho=0.7")
	if err != nil || s.(AVSynthSpec).Pi != 0.5 || s.(AVSynthSpec).Rho != 0.7 || s.NumModalities() != 2 {
		t.Errorf("ParseSpec(avsynth:pi=0.5,rho=0.7) = %v, %v", s, err)
	}
	if got := s.WithSeedOffset(3).String(); !strings.HasSuffix(got, ",seed=4") {
		t.Errorf("WithSeedOffset(3) = %q, want seed=4", got)
	}
	for _, tc := range []struct{ spec, want string }{
		{"avsynth:kk=4", `unknown key "kk"; valid keys: k, size, freq, frames, rho, pi, pair_only, c, tau, sigma, n_train, n_val, n_test, seed`},
		{"avsynth:k=four", `key k="four": want an integer`},
		{"avsynth:rho=high", `key rho="high": want a number`},
		{"avsynth:seed=1.5", "key seed"},
		{"avsynth:k=1", "k = 1, want 2 ≤ k ≤ 8"},
		{"avsynth:k=9", "k = 9, want 2 ≤ k ≤ 8"},
		{"avsynth:k=8,size=14", "size = 14, want 16 ≤ size ≤ 64"},
		{"avsynth:frames=4", "frames = 4, want 8 ≤ frames ≤ 32"},
		{"avsynth:freq=64", "freq = 64"},
		{"avsynth:rho=1.5", "rho = 1.5, want 0 ≤ rho ≤ 1"},
		{"avsynth:pi=-1", "pi = -1"},
		{"avsynth:pair_only=NaN", "pair_only = NaN"},
		{"avsynth:sigma=-1", "sigma = -1, want finite sigma ≥ 0"},
		{"avsynth:tau=inf", "tau = +Inf"},
		{"avsynth:n_train=0", "n_train = 0, want n_train ≥ 1"},
		{"avsynth:n_test=2000000", "n_test = 2000000, want n_test × 3·size² ≤"},
		{"avsynth:rho=2,pi=3", "rho = 2, want 0 ≤ rho ≤ 1; pi = 3"},
	} {
		if _, err := ParseSpec(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSpec(%q) error = %v, want it to contain %q", tc.spec, err, tc.want)
		}
	}
}

func TestAVSynthGenerate(t *testing.T) {
	small := func(s *AVSynthSpec) { s.NTrain, s.NVal, s.NTest, s.Pi = 300, 40, 60, 0.5 }
	s, a := renderAV(t, small)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Spec != s.String() || a.NumClasses != 4 || len(a.Modalities) != 2 ||
		a.Modalities[0].Name != "image" || !slices.Equal(a.Modalities[0].Shape, []int{3, 16, 16}) ||
		a.Modalities[1].Name != "audio" || !slices.Equal(a.Modalities[1].Shape, []int{1, 16, 16}) {
		t.Errorf("dataset header: %s", a)
	}
	if a.Train.Len() != 300 || a.Val.Len() != 40 || a.Test.Len() != 60 {
		t.Errorf("split sizes %d/%d/%d", a.Train.Len(), a.Val.Len(), a.Test.Len())
	}
	// Determinism: the same spec on one goroutine gives the same bits as on several.
	old := runtime.GOMAXPROCS(1)
	_, b := renderAV(t, small)
	runtime.GOMAXPROCS(old)
	for i, name := range SplitNames {
		if !sameSplit(a.splits()[i], b.splits()[i]) {
			t.Errorf("%s: same spec rendered different data (GOMAXPROCS %d vs 1)", name, old)
		}
	}
	// Another seed: other data. Another rate: the same labels (common random numbers).
	_, c := renderAV(t, func(s *AVSynthSpec) { small(s); s.Seed = 2 })
	if slices.Equal(a.Train.Labels, c.Train.Labels) || slices.Equal(a.Train.Features[1], c.Train.Features[1]) {
		t.Error("seed 2 gave the same labels or audio as seed 1")
	}
	_, e := renderAV(t, func(s *AVSynthSpec) { small(s); s.Rho = 0.3 })
	if !slices.Equal(a.Train.Labels, e.Train.Labels) {
		t.Error("changing rho changed the labels; every sample should make the same draws")
	}
	// Normalisation: each modality roughly zero mean, unit scale (fixed constants).
	for m, mod := range a.Modalities {
		mean, std := meanStd(a.Train.Features[m])
		if math.Abs(mean) > 0.3 || std < 0.7 || std > 1.4 {
			t.Errorf("%s: mean %.2f, std %.2f; want about 0 and 1", mod.Name, mean, std)
		}
	}
}

// TestAVSynthDefaultTime renders the default spec through a cache, and reads it back.
func TestAVSynthDefaultTime(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the default 5000 samples (about a second)")
	}
	c := Cache{Dir: t.TempDir()}
	start := time.Now()
	d, err := DefaultAVSynth().GenerateWith(c)
	if err != nil {
		t.Fatal(err)
	}
	gen := time.Since(start)
	start = time.Now()
	again, err := DefaultAVSynth().GenerateWith(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("default avsynth (5000 samples): generated and cached in %v on GOMAXPROCS=%d, read back in %v",
		gen, runtime.GOMAXPROCS(0), time.Since(start))
	if !sameDataset(d, again) {
		t.Error("cached default dataset differs")
	}
}

func TestAVSynthTagRates(t *testing.T) {
	// 4000 samples at rho=0.7, pi=0.5, pair_only=0.5; within checks 3 SE of the binomial.
	s, d := renderAV(t, func(s *AVSynthSpec) { s.NTrain, s.NVal, s.NTest, s.Rho, s.Pi, s.PairOnly = 4000, 1, 1, 0.7, 0.5, 0.5 })
	n := d.Train.Len()
	count := func(keep func(tag Tag) bool) float64 {
		c := 0
		for _, tag := range d.Train.Tags {
			if keep(tag) {
				c++
			}
		}
		return float64(c) / float64(n)
	}
	within(t, "paired rate", count(func(g Tag) bool { return g.Has(TagPaired) }), s.Pi, n)
	within(t, "pair_only rate", count(func(g Tag) bool { return g.Has(TagPairOnly) }), s.Pi*s.PairOnly, n)
	for m := range 2 {
		within(t, "hard rate "+d.Modalities[m].Name, count(func(g Tag) bool { return g.Has(TagHard(m)) }),
			(1-s.Rho)*(1-s.Pi*s.PairOnly), n)
	}
	if bad := count(func(g Tag) bool { return g.Has(TagPairOnly) && (!g.Has(TagPaired) || g&(TagHard(0)|TagHard(1)) != 0) }); bad != 0 {
		t.Errorf("%.3f of samples are pair_only without paired, or pair_only with a hard bit", bad)
	}
	for y, c := range d.Train.ClassCounts(s.K) {
		within(t, "class rate "+string(rune('0'+y)), float64(c)/float64(n), 1/float64(s.K), n)
	}
}

// TestAVSynthCues checks that every cue is where the tags say, with simple fixed readers
// rather than trained networks. A nearest-centroid classifier on the raw values reads the easy
// (nearly linear) cues; the same centroids must be at chance on hard-only and pair_only
// samples, which carry no easy cue. Translation-invariant features (|DFT| of the image, |DFT|
// of the spectrogram along the log-frequency axis, where a pitch shift is a translation) read
// the hard cues. The lamps and pips, read at their known places, carry LazyPair's add code:
// weak in the image alone, absent from the audio alone, strong in their difference.
//
// One fixed seed, k = 4 (chance 0.25), ρ = 0.5, π = 0.5, pair_only = 0.5, 2000 train / 1000
// test samples; the thresholds sit
// about halfway between chance and the accuracies measured with this seed (logged), far
// outside sampling error (SE ≤ 0.03 on the smallest subset, ≈ 250 samples).
func TestAVSynthCues(t *testing.T) {
	s, d := renderAV(t, func(s *AVSynthSpec) {
		s.NTrain, s.NVal, s.NTest, s.Rho, s.Pi, s.PairOnly = 2000, 1, 1000, 0.5, 0.5, 0.5
	})
	subset := func(split *Split, keep func(Tag) bool) []int {
		var idx []int
		for i, tag := range split.Tags {
			if keep(tag) {
				idx = append(idx, i)
			}
		}
		return idx
	}
	for m, mod := range d.Modalities {
		easy := func(g Tag) bool { return g&(TagPairOnly|TagHard(m)) == 0 }
		// trained without paired samples, so that the centroids hold no lamp code
		easyUnpaired := func(g Tag) bool { return g&(TagPaired|TagHard(m)) == 0 }
		hard := func(g Tag) bool { return g.Has(TagHard(m)) }
		pairOnly := func(g Tag) bool { return g.Has(TagPairOnly) }
		raw := func(split *Split, i int) []float64 { return sampleValues(split, m, mod.Size(), i) }
		invariant := imageInvariant(s)
		if m == 1 {
			invariant = audioInvariant(s)
		}
		cent := fitCentroids(d.Train, subset(d.Train, easyUnpaired), raw, s.K)
		accEasy := centroidAccuracy(cent, d.Test, subset(d.Test, easy), raw)
		accHard := centroidAccuracy(cent, d.Test, subset(d.Test, hard), raw)
		accPairOnly := centroidAccuracy(cent, d.Test, subset(d.Test, pairOnly), raw)
		feat := func(split *Split, i int) []float64 { return invariant(raw(split, i)) }
		hardCent := fitCentroids(d.Train, subset(d.Train, hard), feat, s.K)
		accHardInv := centroidAccuracy(hardCent, d.Test, subset(d.Test, hard), feat)
		accPairOnlyInv := centroidAccuracy(hardCent, d.Test, subset(d.Test, pairOnly), feat)
		t.Logf("%s: easy centroids on easy %.3f, hard-only %.3f, pair_only %.3f; invariant hard centroids on hard-only %.3f, pair_only %.3f",
			mod.Name, accEasy, accHard, accPairOnly, accHardInv, accPairOnlyInv)
		if accEasy < 0.7 {
			t.Errorf("%s: the easy cue is not linearly readable: %.3f on easy samples", mod.Name, accEasy)
		}
		if accHard > 0.37 || accPairOnly > 0.37 {
			t.Errorf("%s: easy centroids read hard-only (%.3f) or pair_only (%.3f) samples above chance 0.25", mod.Name, accHard, accPairOnly)
		}
		if accHardInv < 0.5 {
			t.Errorf("%s: the hard cue is not readable by translation-invariant features: %.3f", mod.Name, accHardInv)
		}
		if accPairOnlyInv > 0.37 {
			t.Errorf("%s: pair_only samples carry the hard cue: %.3f", mod.Name, accPairOnlyInv)
		}
	}

	// Paired code on pair_only samples, read at the lamps' and pips' known places.
	idx := subset(d.Test, func(g Tag) bool { return g.Has(TagPairOnly) })
	var accLamps, accPips, accBoth float64
	for _, i := range idx {
		lamps, pips := readLampsAndPips(s, d.Test, i)
		both := make([]float64, s.K)
		for j := range both {
			// back to code units: lamps = c·code + z, pips = z
			both[j] = lamps[j] - pips[j]
		}
		y := int(d.Test.Labels[i])
		for _, r := range []struct {
			acc  *float64
			read []float64
		}{{&accLamps, lamps}, {&accPips, pips}, {&accBoth, both}} {
			if argmax(len(r.read), func(j int) float64 { return r.read[j] }) == y {
				*r.acc += 1 / float64(len(idx))
			}
		}
	}
	t.Logf("pair_only (%d samples), argmax of code units: lamps alone %.3f, pips alone %.3f, lamps − pips %.3f",
		len(idx), accLamps, accPips, accBoth)
	if accBoth < 0.75 || accLamps > 0.65 || accPips > 0.37 {
		t.Errorf("paired code: lamps − pips %.3f (want ≥ 0.75), lamps %.3f (want ≤ 0.65), pips %.3f (want chance)", accBoth, accLamps, accPips)
	}
}

// readLampsAndPips reads the K lamp brightnesses and pip log-energies of sample i and converts
// them to code units (lamps ≈ c·code + z, pips ≈ z, each plus noise and an offset).
func readLampsAndPips(s AVSynthSpec, split *Split, i int) (lamps, pips []float64) {
	S := s.Size
	img := sampleValues(split, 0, 3*S*S, i)
	aud := sampleValues(split, 1, s.Freq*s.Frames, i)
	lampW := S / s.K
	offset := (S - lampW*s.K) / 2
	for j := range s.K {
		x0, x1 := offset+j*lampW, offset+(j+1)*lampW-1
		sum, n := 0.0, 0
		for c := range 3 {
			for py := S - 2; py < S; py++ {
				for px := x0; px < x1; px++ {
					sum += img[c*S*S+py*S+px]
					n++
				}
			}
		}
		lamps = append(lamps, (sum/float64(n)*avImageScale+avImageMean-avLampBase)/avLampGain)
		// pip j lies in the top two bands, in the time cells whose STFT window lies
		// (nearly) inside it
		slot := float64(avSamples) / float64(s.K)
		p0, p1 := float64(j)*slot+0.1*slot, float64(j+1)*slot-0.1*slot
		step := float64(avSamples-avWindow) / float64(s.Frames-1)
		sum, n = 0, 0
		for tt := range s.Frames {
			if start := math.Round(float64(tt) * step); start >= p0-avWindow/4 && start+avWindow <= p1+avWindow/4 {
				for b := s.Freq - 2; b < s.Freq; b++ {
					sum += aud[b*s.Frames+tt]
					n++
				}
			}
		}
		pips = append(pips, (sum/float64(n)*avAudioScale+avAudioMean)/avPipGain)
	}
	// The pips' offset (the log-energy of a mean-level pip) is unknown here: remove each
	// reading's mean over j, which leaves the argmax of lamps − pips unchanged up to noise.
	center := func(v []float64) {
		m := 0.0
		for _, x := range v {
			m += x / float64(len(v))
		}
		for j := range v {
			v[j] -= m
		}
	}
	center(lamps)
	center(pips)
	return lamps, pips
}

func sampleValues(split *Split, m, size, i int) []float64 {
	out := make([]float64, size)
	for j, v := range split.Features[m][i*size : (i+1)*size] {
		out[j] = float64(v)
	}
	return out
}

// imageInvariant returns |2-D DFT| of the image's mean over channels above the lamp strip:
// invariant to the object's position (up to the border), so it reads form, not place.
func imageInvariant(s AVSynthSpec) func([]float64) []float64 {
	S, H := s.Size, s.Size-3
	return func(img []float64) []float64 {
		grey := make([]float64, H*S)
		for c := range 3 {
			for p := range grey {
				grey[p] += img[c*S*S+p] / 3
			}
		}
		return dftMagnitude(grey, H, S)
	}
}

// audioInvariant returns, per time frame, |DFT| along the frequency bands below the pip band:
// invariant to a pitch shift (a translation on log-spaced bands), so it reads the pattern.
func audioInvariant(s AVSynthSpec) func([]float64) []float64 {
	F, T := s.Freq-1, s.Frames
	return func(spec []float64) []float64 {
		// transpose to [T, F] and take the 1-D DFT of each row
		var out []float64
		row := make([]float64, F)
		for t := range T {
			for f := range F {
				row[f] = spec[f*T+t]
			}
			out = append(out, dftMagnitude(row, 1, F)...)
		}
		return out
	}
}

// dftMagnitude is the magnitude of the 2-D DFT of an h×w array: a 1-D DFT along each row,
// then along each column (direct sums: the arrays are tiny).
func dftMagnitude(x []float64, h, w int) []float64 {
	dft := func(in []complex128, stride, n int, out []complex128) {
		for u := range n {
			var sum complex128
			for a := range n {
				sum += in[a*stride] * cmplx.Exp(complex(0, -2*math.Pi*float64(u*a)/float64(n)))
			}
			out[u] = sum
		}
	}
	rows := make([]complex128, h*w)
	tmp := make([]complex128, max(h, w))
	for a := range h {
		in := make([]complex128, w)
		for b := range w {
			in[b] = complex(x[a*w+b], 0)
		}
		dft(in, 1, w, rows[a*w:(a+1)*w])
	}
	out := make([]float64, h*w)
	for b := range w {
		dft(rows[b:], w, h, tmp)
		for u := range h {
			out[u*w+b] = cmplx.Abs(tmp[u])
		}
	}
	return out
}

func fitCentroids(split *Split, idx []int, feat func(*Split, int) []float64, k int) [][]float64 {
	cent := make([][]float64, k)
	counts := make([]float64, k)
	for _, i := range idx {
		y := split.Labels[i]
		f := feat(split, i)
		if cent[y] == nil {
			cent[y] = make([]float64, len(f))
		}
		for j, v := range f {
			cent[y][j] += v
		}
		counts[y]++
	}
	for y := range cent {
		for j := range cent[y] {
			cent[y][j] /= counts[y]
		}
	}
	return cent
}

func centroidAccuracy(cent [][]float64, split *Split, idx []int, feat func(*Split, int) []float64) float64 {
	correct := 0
	for _, i := range idx {
		f := feat(split, i)
		best, bestDist := -1, math.Inf(1)
		for y, c := range cent {
			dist := 0.0
			for j, v := range f {
				dist += (v - c[j]) * (v - c[j])
			}
			if dist < bestDist {
				best, bestDist = y, dist
			}
		}
		if best == int(split.Labels[i]) {
			correct++
		}
	}
	return float64(correct) / float64(len(idx))
}

func meanStd(f []float32) (mean, std float64) {
	for _, v := range f {
		mean += float64(v)
	}
	mean /= float64(len(f))
	for _, v := range f {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(f)))
}
