package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MNIST2ViewName is the dataset kind of the two-view (Noisy) MNIST set in spec strings.
const MNIST2ViewName = "mnist2view"

func init() { registerKeyed(MNIST2ViewName, DefaultMNIST2View, parseMNIST2View) }

// MNIST2ViewSpec configures mnist2view, the two-view MNIST of Wang, Arora, Livescu and Bilmes,
// "On Deep Multi-View Representation Learning", ICML 2015 (often called Noisy MNIST), built
// from the real MNIST or Fashion-MNIST images (LoadMNIST). Modality "rotated" is an image
// rotated about its centre by an angle drawn uniformly from [−45°, 45°]; modality "noisy" is a
// different image of the same class with independent uniform [0, 1) noise added to every pixel
// and the sum clipped at 1. Both are [1, 28, 28]. The class is the digit (or garment), K = 10.
// A MNIST2ViewSpec is a Spec.
type MNIST2ViewSpec struct {
	Source string `opt:"source" choices:"mnist|fashion" help:"image set: MNIST or Fashion-MNIST"`

	NTrain int   `opt:"n_train" help:"training samples"`
	NVal   int   `opt:"n_val" help:"validation samples"`
	NTest  int   `opt:"n_test" help:"test samples"`
	Seed   int64 `opt:"seed" help:"draws every split"`
}

// Pools of source images: train and val samples are drawn from MNIST's training set, split
// as Wang et al. split it (its first 50,000 images for training, the last 10,000 for tuning),
// test samples from MNIST's test set; both images of a sample come from its split's pool.
const (
	m2vTrainPool = 50000
	m2vValPool   = 10000
	m2vTestPool  = 10000
	m2vMaxAngle  = math.Pi / 4
	m2vSide      = 28
)

// m2vNorm is the fixed normalisation of each view and source, (x − mean)/scale, with the mean
// and standard deviation of the pixel values measured on the default spec's train split
// (seed 1).
var m2vNorm = map[string][2]struct{ mean, scale float64 }{
	SourceMNIST:   {{0.13, 0.29}, {0.58, 0.32}},
	SourceFashion: {{0.28, 0.34}, {0.68, 0.32}},
}

// DefaultMNIST2View returns mnist2view's defaults: source=mnist, n_train/n_val/n_test =
// 2000/1000/2000, seed=1. The sizes are ours, avsynth's and twoview's (Wang et al. use
// 50,000/10,000/10,000): a CNN step on 28 × 28 images costs about three times one on avsynth's
// 16 × 16, and at these sizes a 40-epoch joint model trains in about two CPU-minutes (measured:
// 7 CPU-seconds per epoch of joint training at n_train = 5000). Any size up to the pools
// (50,000/10,000/10,000) works.
func DefaultMNIST2View() MNIST2ViewSpec {
	return MNIST2ViewSpec{Source: SourceMNIST, NTrain: 2000, NVal: 1000, NTest: 2000, Seed: 1}
}

// MNIST2ViewKeys returns the spec-string keys of mnist2view in canonical order.
func MNIST2ViewKeys() []string { return specKeys(&MNIST2ViewSpec{}) }

func parseMNIST2View(kv map[string]string) (Spec, error) {
	return parseKeyed(MNIST2ViewName, DefaultMNIST2View(), kv)
}

// Name returns "mnist2view".
func (s MNIST2ViewSpec) Name() string { return MNIST2ViewName }

// String returns the canonical spec "mnist2view:source=mnist,n_train=2000,...,seed=1".
func (s MNIST2ViewSpec) String() string { return formatSpec(MNIST2ViewName, &s) }

// NumModalities implements Spec: 2 (rotated, noisy).
func (s MNIST2ViewSpec) NumModalities() int { return 2 }

// WithSeedOffset returns the spec with Seed + offset (docs/DESIGN.md §6).
func (s MNIST2ViewSpec) WithSeedOffset(offset int) Spec {
	s.Seed += int64(offset)
	return s
}

// Validate checks every key and returns an error naming each bad key, its value and the valid
// range (all problems at once, separated by "; ").
func (s MNIST2ViewSpec) Validate() error {
	var p specProblems
	p.choices(&s) // source: the choices of its tag
	p.intRange("n_train", s.NTrain, 1, m2vTrainPool)
	p.intRange("n_val", s.NVal, 1, m2vValPool)
	p.intRange("n_test", s.NTest, 1, m2vTestPool)
	return p.err(MNIST2ViewName)
}

// Generate returns the dataset from DefaultCache, building and caching it on first use.
func (s MNIST2ViewSpec) Generate() (*Dataset, error) { return s.GenerateWith(DefaultCache) }

// GenerateWith returns the dataset from cache c, building and caching it on first use (the
// source files are read only then).
func (s MNIST2ViewSpec) GenerateWith(c Cache) (*Dataset, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return c.Get(s.String(), s.NTrain+s.NVal+s.NTest, s.render)
}

// MNIST2ViewPlan says where each sample of one split comes from: Image[i] is the index of the
// source image of its rotated view and Partner[i] that of its noisy view, both in LoadMNIST's
// train set for the train and val splits and in its test set for the test split; Angle[i] is
// the rotation in radians (positive = counter-clockwise as displayed).
type MNIST2ViewPlan struct {
	Image, Partner []int
	Angle          []float64
}

// Random-stream purposes of one mnist2view sample (see sampleRand).
const (
	m2vDrawAngle = iota
	m2vDrawPartner
	m2vDrawNoise
)

// m2vSelect is the offset of each split's selection stream from its per-sample streams
// (sampleRand uses stream + 4·i + purpose, i < 50,000, far below it).
const m2vSelect = 1 << 31

// Plans returns the plan of the train, val and test splits. The images of a split are drawn
// without replacement from its pool, as evenly over the classes as the pool allows (exactly
// balanced, up to one, at every size the smallest class allows), in random order; a sample's
// partner is a uniformly drawn other image of the same class in the same pool. The three pools
// are disjoint, so no source image is in two splits.
func (s MNIST2ViewSpec) Plans() ([3]MNIST2ViewPlan, error) {
	var plans [3]MNIST2ViewPlan
	if err := s.Validate(); err != nil {
		return plans, err
	}
	train, test, err := LoadMNIST(s.Source)
	if err != nil {
		return plans, err
	}
	return s.plans(train, test)
}

func (s MNIST2ViewSpec) plans(train, test *MNISTSet) ([3]MNIST2ViewPlan, error) {
	var plans [3]MNIST2ViewPlan
	if train.N < m2vTrainPool+m2vValPool || test.N < m2vTestPool {
		return plans, fmt.Errorf("datasets: %s: source %s has %d train and %d test images, want at least %d and %d", MNIST2ViewName, s.Source, train.N, test.N, m2vTrainPool+m2vValPool, m2vTestPool)
	}
	pools := [3]struct {
		set        *MNISTSet
		start, end int
		n          int
	}{{train, 0, m2vTrainPool, s.NTrain}, {train, m2vTrainPool, m2vTrainPool + m2vValPool, s.NVal}, {test, 0, m2vTestPool, s.NTest}}
	for k, pool := range pools {
		byClass := make([][]int, MNISTClasses)
		for i := pool.start; i < pool.end; i++ {
			y := pool.set.Labels[i]
			byClass[y] = append(byClass[y], i)
		}
		r := rand.New(rand.NewPCG(uint64(s.Seed), splitStreams[k]+m2vSelect))
		for _, list := range byClass {
			r.Shuffle(len(list), func(a, b int) { list[a], list[b] = list[b], list[a] })
		}
		// chosen holds (class, position in the shuffled class list) of each sample.
		type pick struct{ class, pos int }
		var chosen []pick
		for c, n := range balancedCounts(pool.n, byClass) {
			for j := range n {
				chosen = append(chosen, pick{c, j})
			}
		}
		r.Shuffle(len(chosen), func(a, b int) { chosen[a], chosen[b] = chosen[b], chosen[a] })
		p := MNIST2ViewPlan{Image: make([]int, pool.n), Partner: make([]int, pool.n), Angle: make([]float64, pool.n)}
		for i, c := range chosen {
			list := byClass[c.class]
			if len(list) < 2 {
				return plans, fmt.Errorf("datasets: %s: class %d has %d image(s) in the %s pool, want at least 2", MNIST2ViewName, c.class, len(list), SplitNames[k])
			}
			p.Image[i] = list[c.pos]
			j := sampleRand(s.Seed, splitStreams[k], i, m2vDrawPartner).IntN(len(list) - 1)
			if j >= c.pos {
				j++
			}
			p.Partner[i] = list[j]
			p.Angle[i] = (2*sampleRand(s.Seed, splitStreams[k], i, m2vDrawAngle).Float64() - 1) * m2vMaxAngle
		}
		plans[k] = p
	}
	return plans, nil
}

// balancedCounts splits n over the classes as evenly as their sizes allow: every class gets
// ⌊n/K⌋ or one more (lower classes first), and what a small class cannot hold goes to the
// others in the same way.
func balancedCounts(n int, byClass [][]int) []int {
	counts := make([]int, len(byClass))
	for left := n; left > 0; {
		var open []int
		for c, list := range byClass {
			if counts[c] < len(list) {
				open = append(open, c)
			}
		}
		if len(open) == 0 {
			break // n is larger than the pool; Validate prevents it
		}
		share, extra := left/len(open), left%len(open)
		for i, c := range open {
			want := share
			if i < extra {
				want++
			}
			add := min(want, len(byClass[c])-counts[c])
			counts[c] += add
			left -= add
		}
	}
	return counts
}

// render builds the three splits from the plans.
func (s MNIST2ViewSpec) render(advance func(int)) (*Dataset, error) {
	train, test, err := LoadMNIST(s.Source)
	if err != nil {
		return nil, err
	}
	if train.Rows != m2vSide || train.Cols != m2vSide || test.Rows != m2vSide || test.Cols != m2vSide {
		return nil, fmt.Errorf("datasets: %s: source %s has %d×%d images, want 28×28", MNIST2ViewName, s.Source, train.Rows, train.Cols)
	}
	plans, err := s.plans(train, test)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Spec: s.String(), NumClasses: MNISTClasses, Modalities: []Modality{
		{Name: "rotated", Shape: []int{1, m2vSide, m2vSide}},
		{Name: "noisy", Shape: []int{1, m2vSide, m2vSide}},
	}}
	splits := make([]*Split, 3)
	for k, set := range []*MNISTSet{train, train, test} {
		splits[k] = s.renderSplit(set, plans[k], splitStreams[k], advance)
	}
	d.Train, d.Val, d.Test = splits[0], splits[1], splits[2]
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("datasets: %s: generated data is invalid: %w", MNIST2ViewName, err)
	}
	return d, nil
}

func (s MNIST2ViewSpec) renderSplit(set *MNISTSet, p MNIST2ViewPlan, stream uint64, advance func(int)) *Split {
	n, size := len(p.Image), m2vSide*m2vSide
	split := &Split{
		Features: [][]float32{make([]float32, n*size), make([]float32, n*size)},
		Labels:   make([]int32, n),
	}
	norm := m2vNorm[s.Source]
	forEachSample(n, func() []float64 { return make([]float64, size) }, func(view []float64, i int) {
		rotateImage(view, set.Image(p.Image[i]), m2vSide, p.Angle[i])
		out := split.Features[0][i*size : (i+1)*size]
		for j, v := range view {
			out[j] = float32((v - norm[0].mean) / norm[0].scale)
		}
		noise := sampleRand(s.Seed, stream, i, m2vDrawNoise)
		out = split.Features[1][i*size : (i+1)*size]
		for j, b := range set.Image(p.Partner[i]) {
			v := min(float64(b)/255+noise.Float64(), 1)
			out[j] = float32((v - norm[1].mean) / norm[1].scale)
		}
		split.Labels[i] = int32(set.Labels[p.Image[i]])
	}, advance)
	return split
}

// rotateImage writes src (side × side bytes) rotated by angle radians about the image centre
// (counter-clockwise as displayed, rows running down) into dst, as values in [0, 1]: each
// output pixel takes the bilinear interpolation of src at the inversely rotated position,
// with zero (background) outside src.
func rotateImage(dst []float64, src []uint8, side int, angle float64) {
	c := float64(side-1) / 2
	cos, sin := math.Cos(angle), math.Sin(angle)
	at := func(r, col int) float64 {
		if r < 0 || r >= side || col < 0 || col >= side {
			return 0
		}
		return float64(src[r*side+col]) / 255
	}
	for r := range side {
		for col := range side {
			dx, dy := float64(col)-c, c-float64(r) // dy up
			sx := cos*dx + sin*dy                  // rotate by −angle
			sy := -sin*dx + cos*dy
			fc, fr := c+sx, c-sy
			c0, r0 := int(math.Floor(fc)), int(math.Floor(fr))
			wc, wr := fc-float64(c0), fr-float64(r0)
			dst[r*side+col] = (1-wr)*((1-wc)*at(r0, c0)+wc*at(r0, c0+1)) + wr*((1-wc)*at(r0+1, c0)+wc*at(r0+1, c0+1))
		}
	}
}
