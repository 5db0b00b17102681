package datasets

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// smallAVMNIST is a quick spec on the synthetic FSDD folder dir.
func smallAVMNIST(t *testing.T, dir, extra string) AVMNISTSpec {
	t.Helper()
	spec, err := ParseSpec("avmnist:n_train=200,n_val=100,n_test=100,size=16,fsdd=" + dir + extra)
	if err != nil {
		t.Fatal(err)
	}
	return spec.(AVMNISTSpec)
}

func TestAVMNISTSpec(t *testing.T) {
	dir := writeSyntheticFSDD(t)
	s := smallAVMNIST(t, dir, "")
	str := s.String()
	if strings.Contains(str, dir) || strings.Contains(str, "fsdd=") || !strings.Contains(str, "fsdd_sum="+s.FSDDSum) {
		t.Errorf("canonical string %q must hold the checksum, not the folder", str)
	}
	if !strings.HasPrefix(str, "avmnist:pca=0.25,size=16,snr=-10,image_sigma=0,n_train=200,n_val=100,n_test=100,seed=1,fsdd_sum=") {
		t.Errorf("canonical string %q", str)
	}
	// the string parses back (the folder from the environment) to the same spec
	t.Setenv(FSDDEnv, dir)
	back, err := ParseSpec(str)
	if err != nil || back.String() != str || back.(AVMNISTSpec).FSDD != dir {
		t.Errorf("round trip: %v, %v", back, err)
	}
	// another copy of the same recordings gives the same checksum
	copyDir := t.TempDir()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if err := os.WriteFile(filepath.Join(copyDir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if c := smallAVMNIST(t, copyDir, ""); c.String() != str {
		t.Errorf("a copy of the folder gives %q, want %q", c, str)
	}
	// changed recordings do not rebuild a stored spec
	if err := os.WriteFile(filepath.Join(copyDir, "4_bob_6.wav"), encodeWAV(FSDDSampleRate, 1, 16, toneSamples(999, 2400)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSpec(str + ",fsdd=" + copyDir); err == nil || !strings.Contains(err.Error(), "not the recordings") {
		t.Errorf("changed folder: %v, want a checksum mismatch", err)
	}
	for _, c := range []struct{ spec, want string }{
		{"pca=0", "pca = 0, want 0 < pca ≤ 1"},
		{"pca=1.5", "pca = 1.5"},
		{"size=4", "size = 4, want 8 ≤ size ≤ 112"},
		{"snr=nan", "snr = NaN"},
		{"n_test=20000", "n_test = 20000"},
		{"n_train=59999", "n_train = 59999"},
		{"colour=1", `unknown key "colour"`},
	} {
		if _, err := ParseSpec("avmnist:fsdd=" + dir + "," + c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.spec, err, c.want)
		}
	}
	if s, err := ParseSpec("avmnist:snr=inf,fsdd=" + dir); err != nil || !strings.Contains(s.String(), "snr=+Inf") {
		t.Errorf("snr=inf: %v, %v", s, err)
	}
}

// TestAVMNISTBuild: shapes, exact label balance, every image and recording of the right digit,
// train/val images disjoint and from MNIST's training set, test images from its test set, test
// recordings only from FSDD's test split and train/val ones only from its training split, and
// the same bytes whatever the number of goroutines.
func TestAVMNISTBuild(t *testing.T) {
	dir := writeSyntheticFSDD(t)
	s := smallAVMNIST(t, dir, "")
	d, prov, err := s.assemble(func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Modalities; len(got) != 2 || got[0].Name != "image" || got[1].Name != "audio" ||
		got[0].Size() != 28*28 || got[1].Size() != 16*16 || len(got[1].Shape) != 3 {
		t.Fatalf("modalities %+v", got)
	}
	train, test, err := LoadMNIST(SourceMNIST)
	if err != nil {
		t.Fatal(err)
	}
	seenTrain := map[int]string{}
	for i, split := range []*Split{d.Train, d.Val, d.Test} {
		name := SplitNames[i]
		n := []int{200, 100, 100}[i]
		if split.Len() != n {
			t.Fatalf("%s: %d samples, want %d", name, split.Len(), n)
		}
		var counts [10]int
		for j, y := range split.Labels {
			counts[y]++
			set := train
			if i == 2 {
				set = test
			}
			if int(set.Labels[prov.images[i][j]]) != int(y) {
				t.Fatalf("%s sample %d: label %d, its MNIST image is a %d", name, j, y, set.Labels[prov.images[i][j]])
			}
			digit, _, index, err := parseFSDDName(prov.recordings[i][j])
			if err != nil || digit != int(y) {
				t.Fatalf("%s sample %d: label %d, recording %s", name, j, y, prov.recordings[i][j])
			}
			if (index < FSDDTestIndex) != (i == 2) {
				t.Fatalf("%s sample %d uses recording %s (index %d): test images must use FSDD's test split (0–4), the others its training split", name, j, prov.recordings[i][j], index)
			}
			if i < 2 {
				if other, dup := seenTrain[prov.images[i][j]]; dup {
					t.Fatalf("MNIST training image %d is in %s and %s", prov.images[i][j], other, name)
				}
				seenTrain[prov.images[i][j]] = name
			}
		}
		for c, k := range counts {
			if k != n/10 {
				t.Errorf("%s: %d samples of digit %d, want %d (exact balance)", name, k, c, n/10)
			}
		}
	}
	for _, f := range d.Train.Features {
		mean, sd := meanStd(f)
		if math.Abs(mean) > 1e-4 || math.Abs(sd-1) > 1e-4 {
			t.Errorf("train features: mean %.5f, std %.5f, want 0 and 1 (standardised)", mean, sd)
		}
	}

	prev := runtime.GOMAXPROCS(1)
	one, _, err := s.assemble(func(int) {})
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encodeDataset(d), encodeDataset(one)) {
		t.Error("the dataset differs between GOMAXPROCS=1 and the default")
	}
	// another seed picks other images and recordings
	other, _, err := s.WithSeedOffset(1).(AVMNISTSpec).assemble(func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(d.Train.Features[0], other.Train.Features[0]) || slices.Equal(d.Train.Features[1], other.Train.Features[1]) {
		t.Error("seeds 1 and 2 give the same data")
	}
}

// TestAVMNISTCache: Generate caches the dataset and reads the same bytes back.
func TestAVMNISTCache(t *testing.T) {
	s := smallAVMNIST(t, writeSyntheticFSDD(t), ",pca=1,snr=10,image_sigma=0.2")
	c := Cache{Dir: t.TempDir()}
	a, err := s.GenerateWith(c)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := c.Path(s.String())
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no cache file: %v", err)
	}
	b, err := s.GenerateWith(c)
	if err != nil || !bytes.Equal(encodeDataset(a), encodeDataset(b)) {
		t.Errorf("cached dataset differs (%v)", err)
	}
}

// TestFitPCA: on data with variances 9, 4 and 1 along three orthogonal (non-axis) directions,
// frac 0.6 keeps one component (9/14 = 0.64 of the variance), 0.9 two (13/14), and a projection
// removes exactly the dropped directions.
func TestFitPCA(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, d = 4000, 3
	c, s := math.Cos(0.5), math.Sin(0.5)
	dirs := [3][3]float64{{c, s, 0}, {-s, c, 0}, {0, 0, 1}}
	x := gaussianMix(r, n, dirs[:])
	for i := range n {
		x[i*d+2] += 5 // an offset: the mean is removed first
	}
	for _, cse := range []struct {
		frac float64
		r    int
		kept float64
	}{{0.6, 1, 9.0 / 14}, {0.9, 2, 13.0 / 14}, {1, 3, 1}} {
		p := FitPCA(x, d, cse.frac)
		if p.Components() != cse.r || math.Abs(p.Kept-cse.kept) > 0.02 {
			t.Errorf("frac %.1f: %d components keeping %.3f, want %d keeping %.3f", cse.frac, p.Components(), p.Kept, cse.r, cse.kept)
		}
	}
	p := FitPCA(x, d, 0.9)
	pt := []float64{dirs[2][0]*7 + 1, dirs[2][1]*7 + 2, dirs[2][2]*7 + 5} // mean-ish + 7 along the dropped direction
	p.Project(pt)
	off := (pt[0]-p.Mean[0])*dirs[2][0] + (pt[1]-p.Mean[1])*dirs[2][1] + (pt[2]-p.Mean[2])*dirs[2][2]
	if math.Abs(off) > 0.1 {
		t.Errorf("projection keeps %.3f along the dropped direction, want ≈ 0", off)
	}
}

// TestAVMNISTRealFSDD checks the real FSDD folder named by MMLAB_FSDD (CI and make test set it):
// 3,000 recordings, 300 of them in the test split, and a small build from it.
func TestAVMNISTRealFSDD(t *testing.T) {
	dir := os.Getenv(FSDDEnv)
	if dir == "" {
		t.Skipf("%s is not set: this test needs the real Free Spoken Digit Dataset (git clone %s; point %s at its recordings/ folder)", FSDDEnv, FSDDRepo, FSDDEnv)
	}
	f, err := LoadFSDD(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := 0
	for i := range f.Recordings {
		if f.Recordings[i].Test() {
			tests++
		}
	}
	if len(f.Recordings) != 3000 || tests != 300 {
		t.Errorf("%d recordings, %d in the test split; want 3000 and 300", len(f.Recordings), tests)
	}
	s, err := ParseSpec("avmnist:n_train=100,n_val=50,n_test=50")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.(AVMNISTSpec).GenerateWith(Cache{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
}

// TestFitPCAGram: with fewer samples than dimensions (the Gram-matrix path) the basis is
// orthonormal, data of rank 3 keeps at most 3 components, and with every non-zero component kept
// each sample is reconstructed exactly.
func TestFitPCAGram(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, d = 12, 40
	var dirs [3][d]float64
	for k := range dirs {
		for j := range d {
			dirs[k][j] = r.NormFloat64()
		}
	}
	x := gaussianMix(r, n, dirs[:])
	p := FitPCA(x, d, 1)
	if p.Components() != 3 || math.Abs(p.Kept-1) > 1e-9 {
		t.Fatalf("%d components keeping %.6f, want 3 keeping 1", p.Components(), p.Kept)
	}
	for a := range 3 {
		for b := range 3 {
			dot := 0.0
			for j := range d {
				dot += p.Basis.At(j, a) * p.Basis.At(j, b)
			}
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(dot-want) > 1e-9 {
				t.Errorf("basis columns %d·%d = %.3g, want %g", a, b, dot, want)
			}
		}
	}
	y := append([]float64(nil), x...)
	p.Project(y)
	if !closeAllTol(x, y, 1e-9) {
		t.Error("projection on every non-zero component changes the data")
	}
	if q := FitPCA(x, d, 0.01); q.Components() != 1 {
		t.Errorf("frac 0.01 keeps %d components, want 1", q.Components())
	}
}

func closeAllTol(a, b []float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return len(a) == len(b)
}

// gaussianMix draws n samples Σ_k sd_k·z_k·dirs[k] with z_k ~ N(0, 1) and sd = 3, 2, 1.
func gaussianMix[V [3]float64 | [40]float64](r *rand.Rand, n int, dirs []V) []float64 {
	d := len(dirs[0])
	x := make([]float64, n*d)
	for i := range n {
		for k, sd := range []float64{3, 2, 1} {
			z := sd * r.NormFloat64()
			for j := range d {
				x[i*d+j] += z * dirs[k][j]
			}
		}
	}
	return x
}
