package datasets

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestMNIST2ViewSpec(t *testing.T) {
	s, err := ParseSpec("mnist2view")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "mnist2view:source=mnist,n_train=2000,n_val=1000,n_test=2000,seed=1"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := s.WithSeedOffset(3).String(); !strings.HasSuffix(got, "seed=4") {
		t.Errorf("WithSeedOffset(3) = %q", got)
	}
	for spec, want := range map[string]string{
		"mnist2view:source=kmnist":   `source="kmnist": valid values are mnist, fashion`,
		"mnist2view:n_train=50001":   "n_train = 50001, want 1 ≤ n_train ≤ 50000",
		"mnist2view:n_val=0":         "n_val = 0",
		"mnist2view:n_test=10001":    "n_test = 10001",
		"mnist2view:angle=30":        `unknown key "angle"`,
		"mnist2view:n_train=lots":    `n_train="lots": want an integer`,
		"mnist2view:seed=1,seed=2":   "given twice",
		"mnist2view:source=fashion,": "empty item",
	} {
		if _, err := ParseSpec(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want one containing %q", spec, err, want)
		}
	}
}

// m2vSmall is a small spec the tests generate in a temporary cache.
func m2vSmall(t *testing.T, source string, seed int64) (*Dataset, [3]MNIST2ViewPlan) {
	t.Helper()
	s := MNIST2ViewSpec{Source: source, NTrain: 400, NVal: 200, NTest: 300, Seed: seed}
	d, err := s.GenerateWith(Cache{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	plans, err := s.Plans()
	if err != nil {
		t.Fatal(err)
	}
	return d, plans
}

// TestMNIST2ViewSplits checks shapes, exact label balance, that each split's images come from
// its own pool (so no source image is in two splits), that every noisy view shows a different
// image of the same class, and the spread of the angles.
func TestMNIST2ViewSplits(t *testing.T) {
	d, plans := m2vSmall(t, SourceMNIST, 1)
	train, test, err := LoadMNIST(SourceMNIST)
	if err != nil {
		t.Fatal(err)
	}
	if d.NumClasses != 10 || len(d.Modalities) != 2 || d.Modalities[0].Name != "rotated" || d.Modalities[1].Name != "noisy" {
		t.Fatalf("modalities %+v, classes %d", d.Modalities, d.NumClasses)
	}
	pools := [3][2]int{{0, 50000}, {50000, 60000}, {0, 10000}}
	sets := [3]*MNISTSet{train, train, test}
	for k, split := range d.splits() {
		p := plans[k]
		n := split.Len()
		if want := []int{400, 200, 300}[k]; n != want || len(split.Features[0]) != n*784 || len(split.Features[1]) != n*784 {
			t.Fatalf("%s: %d samples, feature lengths %d, %d", SplitNames[k], n, len(split.Features[0]), len(split.Features[1]))
		}
		counts := make([]int, 10)
		for _, y := range split.Labels {
			counts[y]++
		}
		for c, got := range counts {
			if got != n/10 {
				t.Errorf("%s: class %d has %d samples, want %d", SplitNames[k], c, got, n/10)
			}
		}
		seen := map[int]bool{}
		minA, maxA := math.Inf(1), math.Inf(-1)
		for i := range n {
			img, partner := p.Image[i], p.Partner[i]
			for _, idx := range []int{img, partner} {
				if idx < pools[k][0] || idx >= pools[k][1] {
					t.Fatalf("%s sample %d uses image %d, outside its pool %v", SplitNames[k], i, idx, pools[k])
				}
			}
			if seen[img] {
				t.Errorf("%s: image %d is the rotated view of two samples", SplitNames[k], img)
			}
			seen[img] = true
			if partner == img || bytes.Equal(sets[k].Image(partner), sets[k].Image(img)) {
				t.Errorf("%s sample %d: noisy view shows the same image as the rotated one (%d)", SplitNames[k], i, img)
			}
			if y := int32(sets[k].Labels[img]); y != split.Labels[i] || int32(sets[k].Labels[partner]) != y {
				t.Errorf("%s sample %d: label %d, images of classes %d and %d", SplitNames[k], i, split.Labels[i], sets[k].Labels[img], sets[k].Labels[partner])
			}
			minA, maxA = min(minA, p.Angle[i]), max(maxA, p.Angle[i])
		}
		if minA < -math.Pi/4 || maxA > math.Pi/4 || minA > -0.9*math.Pi/4 || maxA < 0.9*math.Pi/4 {
			t.Errorf("%s: angles span [%.3f, %.3f], want most of [−π/4, π/4]", SplitNames[k], minA, maxA)
		}
	}
}

// TestMNIST2ViewViews checks the two views against their sources: the rotated view is its
// image rotated by its angle (it matches that rotation better than the unrotated image, and
// keeps the ink mass), and the noisy view is its partner plus noise in [0, 1), clipped at 1.
func TestMNIST2ViewViews(t *testing.T) {
	d, plans := m2vSmall(t, SourceMNIST, 2)
	train, _, err := LoadMNIST(SourceMNIST)
	if err != nil {
		t.Fatal(err)
	}
	norm := m2vNorm[SourceMNIST]
	raw := func(f []float32, m int) []float64 {
		out := make([]float64, len(f))
		for j, v := range f {
			out[j] = float64(v)*norm[m].scale + norm[m].mean
		}
		return out
	}
	p := plans[0]
	rot := make([]float64, 784)
	var background, backgroundN float64
	for i := range 100 {
		view := raw(d.Train.Features[0][i*784:(i+1)*784], 0)
		src := train.Image(p.Image[i])
		rotateImage(rot, src, 28, p.Angle[i])
		var mass, srcMass, errRot, errSrc float64
		for j := range view {
			s := float64(src[j]) / 255
			mass += view[j]
			srcMass += s
			errRot += (view[j] - rot[j]) * (view[j] - rot[j])
			errSrc += (view[j] - s) * (view[j] - s)
		}
		if errRot > 1e-6 {
			t.Errorf("sample %d: rotated view differs from its image rotated by %.3f (squared error %g)", i, p.Angle[i], errRot)
		}
		if math.Abs(p.Angle[i]) > 0.2 && errSrc < 10*errRot+1 {
			t.Errorf("sample %d: the rotated view (angle %.3f) is as close to the unrotated image", i, p.Angle[i])
		}
		if math.Abs(mass-srcMass) > 0.05*srcMass {
			t.Errorf("sample %d: ink mass %.1f after rotation, %.1f before", i, mass, srcMass)
		}
		noisy := raw(d.Train.Features[1][i*784:(i+1)*784], 1)
		for j, b := range train.Image(p.Partner[i]) {
			s := float64(b) / 255
			if noisy[j] < s-1e-5 || noisy[j] > 1+1e-5 {
				t.Fatalf("sample %d pixel %d: noisy value %.4f for partner pixel %.4f, want in [pixel, 1]", i, j, noisy[j], s)
			}
			if b == 0 {
				background += noisy[j]
				backgroundN++
			}
		}
	}
	if mean := background / backgroundN; math.Abs(mean-0.5) > 0.01 {
		t.Errorf("mean noise on background pixels %.4f, want 0.5 (uniform [0, 1))", mean)
	}
}

func TestRotateImage(t *testing.T) {
	src := make([]uint8, 5*5)
	src[0*5+4] = 255 // top right corner
	dst := make([]float64, 25)
	rotateImage(dst, src, 5, 0)
	for j := range dst {
		if dst[j] != float64(src[j])/255 {
			t.Fatalf("angle 0 changed pixel %d", j)
		}
	}
	rotateImage(dst, src, 5, math.Pi/2) // counter-clockwise: the top right corner goes to the top left
	if math.Abs(dst[0]-1) > 1e-9 || math.Abs(dst[4]) > 1e-9 {
		t.Errorf("90°: top left %.3f, top right %.3f, want 1 and 0", dst[0], dst[4])
	}
}

// TestMNIST2ViewDeterministic checks that a spec gives the same bytes from two fresh caches,
// and another seed other data; and that source=fashion builds balanced splits.
func TestMNIST2ViewDeterministic(t *testing.T) {
	a, _ := m2vSmall(t, SourceMNIST, 3)
	b, _ := m2vSmall(t, SourceMNIST, 3)
	c, _ := m2vSmall(t, SourceMNIST, 4)
	if !bytes.Equal(encodeDataset(a), encodeDataset(b)) {
		t.Error("the same spec gave different bytes")
	}
	if bytes.Equal(encodeDataset(a)[200:], encodeDataset(c)[200:]) {
		t.Error("seeds 3 and 4 gave the same data")
	}
	f, _ := m2vSmall(t, SourceFashion, 3)
	counts := make([]int, 10)
	for _, y := range f.Test.Labels {
		counts[y]++
	}
	for k, n := range counts {
		if n != 30 {
			t.Errorf("fashion test class %d: %d samples, want 30", k, n)
		}
	}
	if bytes.Equal(encodeDataset(a)[200:], encodeDataset(f)[200:]) {
		t.Error("fashion gave MNIST's data")
	}
}

func TestBalancedCounts(t *testing.T) {
	pool := [][]int{make([]int, 2), make([]int, 10), make([]int, 10)}
	if got := balancedCounts(12, pool); got[0] != 2 || got[1] != 5 || got[2] != 5 {
		t.Errorf("balancedCounts(12) = %v, want [2 5 5]", got)
	}
	if got := balancedCounts(7, pool); got[0] != 2 || got[1] != 3 || got[2] != 2 {
		t.Errorf("balancedCounts(7) = %v, want [2 3 2]", got)
	}
	if got := balancedCounts(22, pool); got[0] != 2 || got[1] != 10 || got[2] != 10 {
		t.Errorf("balancedCounts(22) = %v, want [2 10 10]", got)
	}
}

// TestMNIST2ViewSaveNPY checks that mnist2view round-trips through SaveNPY and LoadNPY.
func TestMNIST2ViewSaveNPY(t *testing.T) {
	d, _ := m2vSmall(t, SourceMNIST, 5)
	dir := t.TempDir()
	if err := SaveNPY(dir, d); err != nil {
		t.Fatal(err)
	}
	back, err := LoadNPY(dir)
	if err != nil {
		t.Fatal(err)
	}
	// LoadNPY orders modalities by file name: noisy, rotated.
	if back.Modalities[0].Name != "noisy" || back.Modalities[1].Name != "rotated" || !slices.Equal(back.Modalities[1].Shape, []int{1, 28, 28}) {
		t.Fatalf("modalities after LoadNPY: %+v", back.Modalities)
	}
	for k, s := range d.splits() {
		b := back.splits()[k]
		if !slices.Equal(s.Labels, b.Labels) || !slices.Equal(s.Features[0], b.Features[1]) || !slices.Equal(s.Features[1], b.Features[0]) {
			t.Errorf("%s split differs after SaveNPY/LoadNPY", SplitNames[k])
		}
	}
}
