package datasets

import (
	"fmt"
	"github.com/mmlab-go/mmlab/internal/keyval"
	"math"
	"math/rand/v2"
	"strings"
)

// LazyPairName is the dataset kind of the LazyPair synthetic model in spec strings.
const LazyPairName = "lazypair"

// Values of LazyPairSpec.HardSign and LazyPairSpec.Pair.
const (
	HardSignRandom = "random" // hard feature s·α_h·h_{m,y} with s = ±1 drawn per sample and modality
	HardSignFixed  = "fixed"  // s = +1 always: the hard feature becomes linearly readable
	PairAdd        = "add"    // additive code, cancellable noise: readable by a linear late-fusion head
	PairXOR        = "xor"    // modular sum of per-modality symbols: needs a concat+MLP fusion head (docs/DESIGN.md)
)

func init() { registerKeyed(LazyPairName, DefaultLazyPair, parseLazyPair) }

// LazyPairSpec configures the LazyPair synthetic theory model (docs/DESIGN.md §2.1; the project's
// own construction on the feature taxonomy of Du et al., ICML 2023). The package documentation
// describes the model; each field's tags name its spec-string key and say what it does. DefaultLazyPair gives the measured
// defaults. A LazyPairSpec is a Spec.
type LazyPairSpec struct {
	K   int `opt:"k" help:"number of classes"`
	Dim int `opt:"dim" help:"per-sample size of every modality; needs dim ≥ 3·k + distract"`
	M   int `opt:"m" help:"number of modalities, 2 ≤ m ≤ 24"`

	Rho       float64 `opt:"rho" help:"probability that a modality carries the easy feature"`
	AlphaEasy float64 `opt:"alpha_easy" help:"magnitude α_e of the easy feature"`
	AlphaHard float64 `opt:"alpha_hard" help:"magnitude α_h of the hard feature"`
	HardSign  string  `opt:"hard_sign" choices:"random|fixed" help:"sign of the hard feature: random (s = ±1 per sample and modality) or fixed (s = +1, linearly readable)"`

	Pi       float64 `opt:"pi" help:"probability that a sample carries the paired feature"`
	Pair     string  `opt:"pair" choices:"add|xor" help:"paired-feature variant: add (class code plus cancellable noise) or xor (modular sum of per-modality symbols)"`
	PairOnly float64 `opt:"pair_only" help:"fraction of paired samples without uni-modal features"`
	C        float64 `opt:"c" help:"scale of the class code in the add variant"`
	Tau      float64 `opt:"tau" help:"std τ of the shared cancellable noise z in the add variant"`
	AQ       float64 `opt:"a_q" help:"magnitude of each modality's one-hot symbol in the xor variant"`

	Sigma         float64 `opt:"sigma" help:"std σ of the isotropic Gaussian noise on every value"`
	Distract      int     `opt:"distract" help:"number of distractor directions per modality"`
	DistractScale float64 `opt:"distract_scale" help:"std of the label-free signal on each distractor direction"`

	NTrain int   `opt:"n_train" help:"training samples"`
	NVal   int   `opt:"n_val" help:"validation samples"`
	NTest  int   `opt:"n_test" help:"test samples"`
	Seed   int64 `opt:"seed" help:"draws the directions and every split"`

	// The imbalance keys, after seed so that specs without them print as before: left out of
	// the canonical string while Unset (-1) or equal to the key they override.
	Rho1   float64 `opt:"rho1" omitif:"-1" help:"overrides rho for modality 1 alone (a lower rho1 makes m1 the weaker modality); -1: rho"`
	Sigma1 float64 `opt:"sigma1" omitif:"-1" help:"overrides sigma for modality 1 alone (a larger sigma1 makes m1 noisier); -1: sigma"`
}

// DefaultLazyPair returns the measured defaults of docs/DESIGN.md §2.1 (PyTorch prototype, 5 seeds):
// k=4, dim=48, rho=0.8, alpha_easy=5, alpha_hard=3, hard_sign=random, pi=0, pair=add, c=4, tau=4,
// sigma=1, distract=0, n_train/n_val/n_test=2000/1000/5000, seed=1; plus this package's own
// defaults for keys the prototype did not record: m=2 (most work is two modalities);
// a_q=8 (docs/DESIGN.md: the xor feature needed a_q ≈ 8); pair_only=0.2 (calibrated with 5-seed
// mmlab studies so that, as in the prototype, joint ≈ UME near π ≈ 0.3, joint > UME at π = 0.5,
// UMT with free dimensions ties joint there, and UMT beats both near ρ = 0.7, π = 0.4: see the
// package documentation for the measurements); distract_scale=5 (= alpha_easy, so a distractor
// is as salient as the easy feature but carries no label information); rho1 and sigma1 unset
// (both modalities alike, as the prototype).
func DefaultLazyPair() LazyPairSpec {
	return LazyPairSpec{
		K: 4, Dim: 48, M: 2,
		Rho: 0.8, AlphaEasy: 5, AlphaHard: 3, HardSign: HardSignRandom,
		Pi: 0, Pair: PairAdd, PairOnly: 0.2, C: 4, Tau: 4, AQ: 8,
		Sigma: 1, Distract: 0, DistractScale: 5, Rho1: Unset, Sigma1: Unset,
		NTrain: 2000, NVal: 1000, NTest: 5000,
		Seed: 1,
	}
}

// LazyPairKeys returns the spec-string keys of LazyPair in canonical order.
func LazyPairKeys() []string { return specKeys(&LazyPairSpec{}) }

// parseLazyPair is LazyPair's ParseSpec hook: defaults, then the given keys, then Validate.
// Unknown keys are reported first (sorted), then bad values in canonical key order, so the
// error does not depend on map iteration order.
func parseLazyPair(kv map[string]string) (Spec, error) {
	spec, err := parseKeyed(LazyPairName, DefaultLazyPair(), kv)
	if err != nil {
		return nil, err
	}
	return spec.(LazyPairSpec).canonical(), nil
}

// canonical returns s with an override equal to its base key Unset, so that specs generating
// the same data are equal (and print the same).
func (s LazyPairSpec) canonical() LazyPairSpec {
	if s.Rho1 == s.Rho {
		s.Rho1 = Unset
	}
	if s.Sigma1 == s.Sigma {
		s.Sigma1 = Unset
	}
	return s
}

// rhoOf and sigmaOf are modality m's easy rate and noise std (rho1 and sigma1 override m1's).
func (s LazyPairSpec) rhoOf(m int) float64 {
	if m == 1 && s.Rho1 != Unset {
		return s.Rho1
	}
	return s.Rho
}

func (s LazyPairSpec) sigmaOf(m int) float64 {
	if m == 1 && s.Sigma1 != Unset {
		return s.Sigma1
	}
	return s.Sigma
}

// Name returns "lazypair".
func (s LazyPairSpec) Name() string { return LazyPairName }

// String returns the canonical spec "lazypair:k=4,dim=48,m=2,...,seed=1": every key, in the
// order of LazyPairKeys, floats in their shortest exact form, so ParseSpec(s.String()) == s.
func (s LazyPairSpec) String() string { return formatSpec(LazyPairName, &s) }

// omitKey leaves an override equal to the key it overrides out of the canonical string (Unset
// is left out by the omitif tag), so that specs written before the key existed keep their strings.
func (s *LazyPairSpec) omitKey(key string) bool {
	switch key {
	case "rho1":
		return s.Rho1 == s.Rho
	case "sigma1":
		return s.Sigma1 == s.Sigma
	}
	return false
}

// NumModalities implements Spec: the key m.
func (s LazyPairSpec) NumModalities() int { return s.M }

// WithSeedOffset returns the spec with Seed + offset: run seed s uses the dataset drawn with
// spec seed + s (docs/DESIGN.md §6).
func (s LazyPairSpec) WithSeedOffset(offset int) Spec {
	s.Seed += int64(offset)
	return s
}

// Validate checks every key and returns an error naming each bad key, its value and the valid
// range (all problems at once, separated by "; ").
func (s LazyPairSpec) Validate() error {
	var problems []string
	bad := func(key string, value any, want string) {
		problems = append(problems, fmt.Sprintf("%s = %v, want %s", key, value, want))
	}
	if s.K < 2 {
		bad("k", s.K, "k ≥ 2")
	}
	if s.M < 2 || s.M > MaxTaggedModalities {
		bad("m", s.M, fmt.Sprintf("2 ≤ m ≤ %d", MaxTaggedModalities))
	}
	if s.Distract < 0 {
		bad("distract", s.Distract, "distract ≥ 0")
	}
	if need := 3*max(s.K, 2) + max(s.Distract, 0); s.Dim < need {
		bad("dim", s.Dim, fmt.Sprintf("dim ≥ 3·k + distract = %d (k easy + k hard + k paired + %d distractor orthonormal directions)",
			need, max(s.Distract, 0)))
	} else if n := float64(3*s.K + max(s.Distract, 0)); float64(max(s.M, 1))*n*n*float64(s.Dim) > MaxLazyPairBasisWork {
		bad("k", s.K, fmt.Sprintf("m·(3·k + distract)²·dim ≤ %d (MaxLazyPairBasisWork; now %.3g: drawing the directions would "+
			"take minutes); lower k, distract or dim", int64(MaxLazyPairBasisWork), float64(max(s.M, 1))*n*n*float64(s.Dim)))
	}
	for _, f := range []struct {
		key   string
		value float64
	}{{"rho", s.Rho}, {"pi", s.Pi}, {"pair_only", s.PairOnly}} {
		if !(f.value >= 0 && f.value <= 1) {
			bad(f.key, f.value, fmt.Sprintf("0 ≤ %s ≤ 1", f.key))
		}
	}
	for _, f := range []struct {
		key   string
		value float64
	}{{"alpha_easy", s.AlphaEasy}, {"alpha_hard", s.AlphaHard}, {"c", s.C}, {"tau", s.Tau},
		{"a_q", s.AQ}, {"sigma", s.Sigma}, {"distract_scale", s.DistractScale}} {
		if !(f.value >= 0) || math.IsInf(f.value, 0) {
			bad(f.key, f.value, fmt.Sprintf("finite %s ≥ 0", f.key))
		}
	}
	if err := keyval.CheckChoices(&s, ""); err != nil { // hard_sign, pair: the choices of their tags
		problems = append(problems, err.Error())
	}
	for _, f := range []struct {
		key string
		n   int
	}{{"n_train", s.NTrain}, {"n_val", s.NVal}, {"n_test", s.NTest}} {
		if f.n < 1 {
			bad(f.key, f.n, f.key+" ≥ 1")
		} else if s.Dim > 0 && s.M > 0 && float64(f.n)*float64(s.Dim) > maxValuesPerSplit {
			bad(f.key, f.n, fmt.Sprintf("%s × dim ≤ %d (float32 values per modality and split)", f.key, maxValuesPerSplit))
		}
	}
	problems = append(problems, classProblems(s.K, s.NTrain)...)
	problems = append(problems, memoryProblems("dim, m", s.valuesPerSample(), s.NTrain, s.NVal, s.NTest)...)
	if s.Rho1 != Unset && !(s.Rho1 >= 0 && s.Rho1 <= 1) {
		bad("rho1", s.Rho1, "0 ≤ rho1 ≤ 1 (or unset: rho)")
	}
	if s.Sigma1 != Unset && (!(s.Sigma1 >= 0) || math.IsInf(s.Sigma1, 0)) {
		bad("sigma1", s.Sigma1, "finite sigma1 ≥ 0 (or unset: sigma)")
	}
	if len(problems) > 0 {
		return fmt.Errorf("datasets: lazypair: invalid spec: %s", strings.Join(problems, "; "))
	}
	return nil
}

// LazyPairBasis is one modality's orthonormal directions in R^Dim, fixed by the dataset seed.
type LazyPairBasis struct {
	Easy     [][]float64 // [K]: e_{m,k}, the easy direction of class k
	Hard     [][]float64 // [K]: h_{m,k}, the hard direction of class k
	Paired   [][]float64 // [K]: p_{m,j}, an orthonormal basis of the paired subspace
	Distract [][]float64 // [Distract]: the distractor directions
}

// Seed streams: the second PCG seed word says what a generator draws, so every purpose has its
// own stream and, e.g., changing n_train leaves the directions, val and test untouched.
const (
	streamBasis = 1 << 32 // + modality index
	streamTrain = 2 << 32
	streamVal   = 3 << 32
	streamTest  = 4 << 32
)

// Basis returns the directions of every modality ([M]), exactly as Generate uses them.
// Projecting a sample onto them reads its features, e.g. ⟨x_m, Paired[j]⟩ is coordinate j of the
// paired subspace plus N(0, σ²) noise.
func (s LazyPairSpec) Basis() ([]LazyPairBasis, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	bases := make([]LazyPairBasis, s.M)
	for m := range bases {
		r := rand.New(rand.NewPCG(uint64(s.Seed), streamBasis+uint64(m)))
		dirs := orthonormal(r, 3*s.K+s.Distract, s.Dim)
		bases[m] = LazyPairBasis{
			Easy:     dirs[:s.K],
			Hard:     dirs[s.K : 2*s.K],
			Paired:   dirs[2*s.K : 3*s.K],
			Distract: dirs[3*s.K:],
		}
	}
	return bases, nil
}

// orthonormal draws n ≤ dim orthonormal vectors of R^dim: Gaussian vectors through Gram–Schmidt,
// each projected out twice ("twice is enough" for orthogonality to rounding error). The first k
// vectors do not depend on n, so adding distractors keeps the feature directions.
func orthonormal(r *rand.Rand, n, dim int) [][]float64 {
	dirs := make([][]float64, 0, n)
	for len(dirs) < n {
		v := make([]float64, dim)
		for j := range v {
			v[j] = r.NormFloat64()
		}
		for range 2 {
			for _, u := range dirs {
				dot := 0.0
				for j := range v {
					dot += float64(u[j] * v[j])
				}
				for j := range v {
					v[j] -= float64(dot * u[j])
				}
			}
		}
		norm := 0.0
		for _, x := range v {
			norm += float64(x * x)
		}
		norm = math.Sqrt(norm)
		if norm < 1e-6 { // (almost) dependent draw: probability ~0, draw again
			continue
		}
		for j := range v {
			v[j] /= norm
		}
		dirs = append(dirs, v)
	}
	return dirs
}

// Generate draws the dataset. It is deterministic in the spec: the directions come from PCG
// streams (Seed, basis+m) and the splits from (Seed, train|val|test). Every sample makes the
// same random draws in the same order whatever rho, pi, pair_only, pair, hard_sign and the
// magnitudes are, so specs that differ only in those share their randomness (common random
// numbers: a phase diagram over (ρ, π) compares datasets that differ only where they must).
func (s LazyPairSpec) Generate() (*Dataset, error) {
	bases, err := s.Basis()
	if err != nil {
		return nil, err
	}
	if err := s.checkMemory(); err != nil {
		return nil, err
	}
	d := &Dataset{Spec: s.String(), NumClasses: s.K}
	for m := range s.M {
		d.Modalities = append(d.Modalities, Modality{Name: fmt.Sprintf("m%d", m), Shape: []int{s.Dim}})
	}
	d.Train = s.generateSplit(bases, s.NTrain, streamTrain)
	d.Val = s.generateSplit(bases, s.NVal, streamVal)
	d.Test = s.generateSplit(bases, s.NTest, streamTest)
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("datasets: lazypair: generated data is invalid (is n_train = %d too small?): %w", s.NTrain, err)
	}
	return d, nil
}

// generateSplit draws n samples. Per sample, in this order: the label y; per modality a uniform
// for easy-vs-hard and a sign bit; a uniform for paired and one for pair_only; the K shared add
// noises z; the M−1 free xor symbols; then per modality the distractor values and the Dim
// isotropic noises.
func (s LazyPairSpec) generateSplit(bases []LazyPairBasis, n int, stream uint64) *Split {
	r := rand.New(rand.NewPCG(uint64(s.Seed), stream))
	M, K, D := s.M, s.K, s.Distract
	split := &Split{Features: make([][]float32, M), Labels: make([]int32, n), Tags: make([]Tag, n)}
	for m := range split.Features {
		split.Features[m] = make([]float32, n*s.Dim)
	}
	d := &lazyPairDraw{uEasy: make([]float64, M), negative: make([]bool, M), z: make([]float64, K), symbols: make([]int, M)}
	row := make([]float64, s.Dim)
	for i := range n {
		s.drawLatents(r, d)
		paired := d.uPaired < s.Pi
		pairOnly := paired && d.uPairOnly < s.PairOnly
		var tag Tag
		if paired {
			tag |= TagPaired
		}
		if pairOnly {
			tag |= TagPairOnly
		}
		for m := range M {
			clear(row)
			b := bases[m]
			if s.addSignal(row, b, m, d, paired, pairOnly) {
				tag |= TagHard(m)
			}
			for j := range D {
				addScaled(row, s.DistractScale*r.NormFloat64(), b.Distract[j])
			}
			out := split.Features[m][i*s.Dim : (i+1)*s.Dim]
			sigma := s.sigmaOf(m)
			for j := range row {
				out[j] = float32(row[j] + float64(sigma*r.NormFloat64()))
			}
		}
		split.Labels[i] = int32(d.y)
		split.Tags[i] = tag
	}
	return split
}

// lazyPairDraw holds one sample's latent draws (see generateSplit for their order).
type lazyPairDraw struct {
	y                  int
	uEasy              []float64 // per modality: easy when below its ρ
	negative           []bool    // per modality: the sign bit of a hard signal
	uPaired, uPairOnly float64
	z                  []float64 // the K shared add noises
	symbols            []int     // the M xor symbols
}

// drawLatents draws one sample's label and latents into d, in generateSplit's order.
func (s LazyPairSpec) drawLatents(r *rand.Rand, d *lazyPairDraw) {
	M, K := s.M, s.K
	d.y = r.IntN(K)
	for m := range M {
		d.uEasy[m] = r.Float64()
		d.negative[m] = r.Uint64()&1 == 1
	}
	d.uPaired, d.uPairOnly = r.Float64(), r.Float64()
	for j := range d.z {
		d.z[j] = r.NormFloat64()
	}
	// xor symbols: s_1 … s_{M−1} uniform, s_M = (y − Σ others) mod K, so their sum mod K is y
	// and any M−1 of them are independent of y.
	sum := 0
	for m := range M - 1 {
		d.symbols[m] = r.IntN(K)
		sum += d.symbols[m]
	}
	d.symbols[M-1] = ((d.y-sum)%K + K) % K
}

// addSignal adds modality m's class signal to row: the easy or hard direction (unless the
// sample is pair_only) and, for a paired sample, its paired part. It reports whether m is hard.
func (s LazyPairSpec) addSignal(row []float64, b LazyPairBasis, m int, d *lazyPairDraw, paired, pairOnly bool) (hard bool) {
	y, K := d.y, s.K
	if !pairOnly {
		if d.uEasy[m] < s.rhoOf(m) {
			addScaled(row, s.AlphaEasy, b.Easy[y])
		} else {
			hard = true
			sign := 1.0
			if s.HardSign == HardSignRandom && d.negative[m] {
				sign = -1
			}
			addScaled(row, sign*s.AlphaHard, b.Hard[y])
		}
	}
	if paired {
		switch s.Pair {
		case PairAdd:
			// code(y) = onehot(y) − 1/K; modality 0 gets c·code(y) + τ·z, the others τ·z.
			for j := range K {
				coef := s.Tau * d.z[j]
				if m == 0 {
					code := -1 / float64(K)
					if j == y {
						code += 1
					}
					coef += float64(s.C * code)
				}
				addScaled(row, coef, b.Paired[j])
			}
		case PairXOR:
			addScaled(row, s.AQ, b.Paired[d.symbols[m]])
		}
	}
	return hard
}

// addScaled adds a·v to dst. The explicit float64 conversion rounds the product, so the
// compiler cannot fuse it into an FMA on architectures that have one (arm64, ppc64, s390x):
// the arithmetic is then the same everywhere.
func addScaled(dst []float64, a float64, v []float64) {
	for j := range dst {
		dst[j] += float64(a * v[j])
	}
}

// valuesPerSample is the number of float32 values per sample of each modality.
func (s LazyPairSpec) valuesPerSample() []float64 { return repeatValues(s.Dim, s.M) }

// checkMemory returns a *MemoryError when the spec's features need more memory than is
// available (see MemoryError), before anything is generated.
func (s LazyPairSpec) checkMemory() error {
	return checkMemory(s.String(), featureBytes(s.valuesPerSample(), s.NTrain, s.NVal, s.NTest))
}
