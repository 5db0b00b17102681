package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// TwoViewName is the dataset kind of the procedural two-view set in spec strings.
const TwoViewName = "twoview"

func init() { registerKeyed(TwoViewName, DefaultTwoView, parseTwoView) }

// TwoViewSpec configures twoview (ours, docs/DESIGN.md §2.2): two renderings of the same procedural
// 3-D object from opposite sides, the analogue of the front and rear views of ModelNet40 that
// Du et al. use. Modalities "front" and "rear" are [1, size, size] grey images: the object
// (class = its shape) under a random rotation, scale and stretch, ray-marched with an
// orthographic camera on +z and on −z, Lambert-shaded with a random light per view and darkened
// with depth. Each view alone shows the shape; what the two views add to each other is small
// (the other side of the same object), so uni-modal features dominate and the Uni-Modal
// Ensemble should do at least as well as joint training. Each view is clear with probability
// rho, independently; otherwise it is dim (rendered at a third of the contrast, tag TagHard(m)
// for view m, as LazyPair tags a hard-only modality), like a back-lit or foreshortened view: its
// shape is still there but harder to read. A TwoViewSpec is a Spec.
type TwoViewSpec struct {
	K     int     `opt:"k" help:"number of classes (shapes), 2 ≤ k ≤ 8"`
	Size  int     `opt:"size" help:"image side S, 12 ≤ size ≤ 64"`
	Rho   float64 `opt:"rho" help:"probability that a view is clear rather than dim"`
	Sigma float64 `opt:"sigma" help:"std of the Gaussian noise on every normalised value"`

	NTrain int   `opt:"n_train" help:"training samples"`
	NVal   int   `opt:"n_val" help:"validation samples"`
	NTest  int   `opt:"n_test" help:"test samples"`
	Seed   int64 `opt:"seed" help:"draws every split"`
}

// DefaultTwoView returns twoview's defaults: k=6, size=16, rho=0.8, sigma=0.5,
// n_train/n_val/n_test=2000/1000/2000, seed=1. k=6 uses the six shapes that stay distinct at
// 16×16 under any rotation (sphere, box, cylinder, cone, torus, capsule); octahedron and jack
// are added for k=7, 8. sigma=0.5 is avsynth's noise level (0.12 of the brightness range).
// rho=0.8 is LazyPair's and avsynth's easy rate: 4% of the samples have both views dim.
func DefaultTwoView() TwoViewSpec {
	return TwoViewSpec{K: 6, Size: 16, Rho: 0.8, Sigma: 0.5, NTrain: 2000, NVal: 1000, NTest: 2000, Seed: 1}
}

// TwoViewKeys returns the spec-string keys of twoview in canonical order.
func TwoViewKeys() []string { return specKeys(&TwoViewSpec{}) }

// TwoViewShapes lists the shapes; class k is TwoViewShapes[k].
var TwoViewShapes = []string{"sphere", "box", "cylinder", "cone", "torus", "capsule", "octahedron", "jack"}

func parseTwoView(kv map[string]string) (Spec, error) {
	return parseKeyed(TwoViewName, DefaultTwoView(), kv)
}

// Name returns "twoview".
func (s TwoViewSpec) Name() string { return TwoViewName }

// String returns the canonical spec "twoview:k=6,size=16,...,seed=1".
func (s TwoViewSpec) String() string { return formatSpec(TwoViewName, &s) }

// NumModalities implements Spec: 2 (front, rear).
func (s TwoViewSpec) NumModalities() int { return 2 }

// WithSeedOffset returns the spec with Seed + offset (docs/DESIGN.md §6).
func (s TwoViewSpec) WithSeedOffset(offset int) Spec {
	s.Seed += int64(offset)
	return s
}

// Validate checks every key and returns an error naming each bad key, its value and the valid
// range (all problems at once, separated by "; ").
func (s TwoViewSpec) Validate() error {
	var p specProblems
	p.intRange("k", s.K, 2, len(TwoViewShapes))
	p.intRange("size", s.Size, 12, 64)
	p.fraction("rho", s.Rho)
	p.nonNegative("sigma", s.Sigma)
	p.splitSizes(s.NTrain, s.NVal, s.NTest, max(s.Size, 1)*max(s.Size, 1), "size²")
	p = append(p, memoryProblems("size", s.valuesPerSample(), s.NTrain, s.NVal, s.NTest)...)
	p = append(p, classProblems(s.K, s.NTrain)...)
	return p.err(TwoViewName)
}

// Generate returns the dataset from DefaultCache, rendering and caching it on first use.
func (s TwoViewSpec) Generate() (*Dataset, error) { return s.GenerateWith(DefaultCache) }

// GenerateWith returns the dataset from cache c, rendering and caching it on first use.
// Rendering is deterministic in the spec (per-sample PCG streams, see sampleRand), whatever the
// number of goroutines.
func (s TwoViewSpec) GenerateWith(c Cache) (*Dataset, error) {
	return getChecked(c, s, s.NTrain+s.NVal+s.NTest, s.render)
}

// Fixed constants of the construction (ours).
const (
	tvCamera   = 1.2   // the cameras sit on z = ±tvCamera
	tvBound    = 0.95  // every object fits in a sphere of this radius (scale ≤ 0.8, stretch ≤ 1.16)
	tvHalfView = 1.0   // the image spans [−1, 1]² in world units
	tvHitEps   = 0.002 // sphere-tracing hit tolerance
	tvMaxSteps = 48
	tvAmbient  = 0.15
	tvDepthCue = 0.35    // brightness falls by this fraction from the nearest to the farthest point
	tvDim      = 1.0 / 3 // a dim view's contrast relative to a clear one's

	// Fixed normalisation (measured on the default spec, seed 1, train split, before noise).
	tvMean, tvScale = 0.10, 0.24
)

// tvObject is one sample's object: shape, pose and per-axis stretch.
type tvObject struct {
	shape   int
	rot     [3][3]float64 // world → object rotation (the transpose of the pose)
	stretch [3]float64    // per-axis scale in object space, times the overall scale
	minScl  float64       // the smallest stretch: SDF values are scaled by it (a lower bound)
}

// sdf is a lower bound on the distance from world point p to the object's surface.
func (o *tvObject) sdf(p [3]float64) float64 {
	var q [3]float64
	for i := range 3 {
		q[i] = (o.rot[i][0]*p[0] + o.rot[i][1]*p[1] + o.rot[i][2]*p[2]) / o.stretch[i]
	}
	return shapeSDF(o.shape, q) * o.minScl
}

// shapeSDF is the (bound on the) signed distance to a unit-size shape in object space; every
// shape fits in the unit ball.
func shapeSDF(shape int, p [3]float64) float64 {
	x, y, z := p[0], p[1], p[2]
	switch TwoViewShapes[shape] {
	case "sphere":
		return math.Sqrt(x*x+y*y+z*z) - 0.8
	case "box":
		return roundedBox(x, y, z, 0.55, 0.55, 0.55, 0.05)
	case "cylinder": // axis y, radius 0.5, half-height 0.7
		dr, dy := math.Sqrt(x*x+z*z)-0.5, math.Abs(y)-0.7
		return min(max(dr, dy), 0) + math.Hypot(max(dr, 0), max(dy, 0))
	case "cone": // apex at y = 0.8, base radius 0.65 at y = −0.6: max of side and base planes
		const apex, base, radius = 0.8, -0.6, 0.65
		h := apex - base
		side := (math.Sqrt(x*x+z*z) - radius*(apex-y)/h) * h / math.Hypot(h, radius)
		return max(side, base-y)
	case "torus": // in the xz-plane, radii 0.6 and 0.22
		return math.Hypot(math.Sqrt(x*x+z*z)-0.6, y) - 0.22
	case "capsule": // axis y, segment ±0.5, radius 0.35
		cy := min(max(y, -0.5), 0.5)
		return math.Sqrt(x*x+(y-cy)*(y-cy)+z*z) - 0.35
	case "octahedron":
		return (math.Abs(x) + math.Abs(y) + math.Abs(z) - 0.9) * (1 / math.Sqrt(3))
	case "jack": // three orthogonal bars
		return min(roundedBox(x, y, z, 0.8, 0.16, 0.16, 0.03),
			roundedBox(x, y, z, 0.16, 0.8, 0.16, 0.03),
			roundedBox(x, y, z, 0.16, 0.16, 0.8, 0.03))
	}
	panic(fmt.Sprintf("datasets.shapeSDF: unknown shape %d", shape))
}

// roundedBox is the signed distance to a box with half-extents (bx, by, bz) rounded by r.
func roundedBox(x, y, z, bx, by, bz, r float64) float64 {
	qx, qy, qz := math.Abs(x)-bx+r, math.Abs(y)-by+r, math.Abs(z)-bz+r
	outside := math.Sqrt(max(qx, 0)*max(qx, 0) + max(qy, 0)*max(qy, 0) + max(qz, 0)*max(qz, 0))
	return outside + min(max(qx, qy, qz), 0) - r
}

// render builds the three splits.
func (s TwoViewSpec) render(advance func(int)) (*Dataset, error) {
	d := &Dataset{Spec: s.String(), NumClasses: s.K, Modalities: []Modality{
		{Name: "front", Shape: []int{1, s.Size, s.Size}},
		{Name: "rear", Shape: []int{1, s.Size, s.Size}},
	}}
	splits := make([]*Split, 3)
	for i, n := range []int{s.NTrain, s.NVal, s.NTest} {
		splits[i] = s.renderSplit(n, splitStreams[i], advance)
	}
	d.Train, d.Val, d.Test = splits[0], splits[1], splits[2]
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("datasets: twoview: generated data is invalid (is n_train = %d too small?): %w", s.NTrain, err)
	}
	return d, nil
}

// Random-stream purposes of one twoview sample (see sampleRand).
const (
	tvDrawLabel = iota
	tvDrawObject
	tvDrawClarity
	tvDrawNoise
)

func (s TwoViewSpec) renderSplit(n int, stream uint64, advance func(int)) *Split {
	size := s.Size * s.Size
	split := &Split{
		Features: [][]float32{make([]float32, n*size), make([]float32, n*size)},
		Labels:   make([]int32, n),
		Tags:     make([]Tag, n),
	}
	forEachSample(n, func() []float64 { return make([]float64, size) }, func(view []float64, i int) {
		y := sampleRand(s.Seed, stream, i, tvDrawLabel).IntN(s.K)
		r := sampleRand(s.Seed, stream, i, tvDrawObject)
		o := newTVObject(y, r)
		clarity := sampleRand(s.Seed, stream, i, tvDrawClarity)
		noise := sampleRand(s.Seed, stream, i, tvDrawNoise)
		for m, dir := range []float64{1, -1} {
			light := [3]float64{1.4*r.Float64() - 0.7, 1.4*r.Float64() - 0.7, dir}
			renderView(view, s.Size, &o, dir, light)
			contrast := 1.0
			if clarity.Float64() >= s.Rho {
				contrast = tvDim
				split.Tags[i] |= TagHard(m)
			}
			out := split.Features[m][i*size : (i+1)*size]
			for j, v := range view {
				out[j] = float32((contrast*v-tvMean)/tvScale + s.Sigma*noise.NormFloat64())
			}
		}
		split.Labels[i] = int32(y)
	}, advance)
	return split
}

// newTVObject draws the pose: a uniformly random rotation (a normalised Gaussian quaternion),
// an overall scale in [0.6, 0.8] and a stretch of each object axis by a factor in
// [e^−0.15, e^0.15] (the small deformation).
func newTVObject(shape int, r *rand.Rand) tvObject {
	var q [4]float64
	norm := 0.0
	for norm < 1e-6 {
		for i := range q {
			q[i] = r.NormFloat64()
		}
		norm = math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
	}
	w, x, y, z := q[0]/norm, q[1]/norm, q[2]/norm, q[3]/norm
	// the rotation matrix of the quaternion; its transpose takes world to object coordinates
	pose := [3][3]float64{
		{1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y)},
	}
	o := tvObject{shape: shape}
	for i := range 3 {
		for j := range 3 {
			o.rot[i][j] = pose[j][i]
		}
	}
	scale := 0.6 + 0.2*r.Float64()
	o.minScl = math.Inf(1)
	for i := range 3 {
		o.stretch[i] = scale * math.Exp(0.3*r.Float64()-0.15)
		o.minScl = min(o.minScl, o.stretch[i])
	}
	return o
}

// renderView ray-marches the object into view ([S, S], brightness in [0, 1], 0 = background)
// with an orthographic camera on z = dir·tvCamera looking towards −dir·z. The rear camera
// (dir = −1) is the front camera turned about the y axis, so its image x runs along −x.
// light is the direction towards the light (normalised here).
func renderView(view []float64, S int, o *tvObject, dir float64, light [3]float64) {
	ln := math.Sqrt(light[0]*light[0] + light[1]*light[1] + light[2]*light[2])
	for i := range light {
		light[i] /= ln
	}
	for py := range S {
		for px := range S {
			view[py*S+px] = 0
			u := (2*(float64(px)+0.5)/float64(S) - 1) * tvHalfView
			v := (1 - 2*(float64(py)+0.5)/float64(S)) * tvHalfView
			x, y := u*dir, v
			if x*x+y*y >= tvBound*tvBound {
				continue
			}
			half := math.Sqrt(tvBound*tvBound - x*x - y*y)
			t, tEnd := tvCamera-half, tvCamera+half
			for range tvMaxSteps {
				p := [3]float64{x, y, dir * (tvCamera - t)}
				d := o.sdf(p)
				if d < tvHitEps {
					n := sdfNormal(o, p)
					lambert := max(0, n[0]*light[0]+n[1]*light[1]+n[2]*light[2])
					depth := (t - (tvCamera - tvBound)) / (2 * tvBound)
					view[py*S+px] = (tvAmbient + (1-tvAmbient)*lambert) * (1 - tvDepthCue*depth)
					break
				}
				t += d
				if t > tEnd {
					break
				}
			}
		}
	}
}

// sdfNormal estimates the surface normal at p by the tetrahedron difference of the SDF.
func sdfNormal(o *tvObject, p [3]float64) [3]float64 {
	const h = 1e-3
	var n [3]float64
	for _, k := range [4][3]float64{{1, -1, -1}, {-1, -1, 1}, {-1, 1, -1}, {1, 1, 1}} {
		d := o.sdf([3]float64{p[0] + h*k[0], p[1] + h*k[1], p[2] + h*k[2]})
		for i := range n {
			n[i] += k[i] * d
		}
	}
	norm := math.Sqrt(n[0]*n[0] + n[1]*n[1] + n[2]*n[2])
	if norm == 0 {
		return [3]float64{0, 0, 1}
	}
	for i := range n {
		n[i] /= norm
	}
	return n
}

// valuesPerSample is the number of float32 values per sample of each modality.
func (s TwoViewSpec) valuesPerSample() []float64 { return repeatValues(s.Size*s.Size, 2) }

// checkMemory returns a *MemoryError when the spec's features need more memory than is
// available (see MemoryError), before anything is generated.
func (s TwoViewSpec) checkMemory() error {
	return checkMemory(s.String(), featureBytes(s.valuesPerSample(), s.NTrain, s.NVal, s.NTest))
}
