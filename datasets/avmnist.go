package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
)

// AVMNISTName is the dataset kind of AV-MNIST (MNIST images paired with FSDD spoken digits).
const AVMNISTName = "avmnist"

func init() { registerKeyed(AVMNISTName, DefaultAVMNIST, parseAVMNIST) }

// AVMNISTSpec configures avmnist, mmlab's build of AV-MNIST (Vielzeuf et al., "CentralNet: a
// Multilayer Approach for Multimodal Fusion", ECCV Workshops 2018; used by MFAS, Pérez-Rúa et
// al., CVPR 2019, and MultiBench, Liang et al., NeurIPS 2021): modality "image" is a [1, 28, 28]
// MNIST digit reduced to its leading principal components, modality "audio" a [1, size, size]
// log-magnitude spectrogram of a Free Spoken Digit Dataset recording of the same digit with white
// noise added. K = 10. The package documentation describes the construction and where it differs
// from the published one; DefaultAVMNIST gives the defaults. An AVMNISTSpec is a Spec.
//
// The recordings are the user's copy of FSDD: the folder FSDD (key fsdd), or $MMLAB_FSDD when it
// is empty. The canonical string records only their checksum (key fsdd_sum), never the folder, so
// a run's key is the same on every machine with the same recordings; ParseSpec (or Resolve) fills
// FSDD and FSDDSum in and fails, saying what to get, when the recordings are missing.
type AVMNISTSpec struct {
	PCA        float64 `opt:"pca" help:"fraction of the training images' variance kept by PCA, 0 < pca ≤ 1; 1 keeps the images as they are (0.25 as published)"`
	Size       int     `opt:"size" help:"side of the spectrogram (frequency rows × time columns), 8 ≤ size ≤ 112 (published 112)"`
	SNR        float64 `opt:"snr" help:"signal-to-noise ratio in dB of the white noise added to every (unit-RMS) recording; +Inf for none"`
	ImageSigma float64 `opt:"image_sigma" help:"std of Gaussian noise added to every image pixel (ink = 1), after PCA"`

	NTrain int   `opt:"n_train" help:"training samples"`
	NVal   int   `opt:"n_val" help:"validation samples"`
	NTest  int   `opt:"n_test" help:"test samples"`
	Seed   int64 `opt:"seed" help:"picks the images, pairs them with recordings, draws the noise"`

	FSDDSum string `opt:"fsdd_sum" help:"checksum of the FSDD folder's .wav files (FSDDChecksum); ParseSpec fills it in"`
	// FSDD is never part of the canonical string (omitKey): a path never enters a run key.
	FSDD string `opt:"fsdd" help:"the FSDD recordings folder (default $MMLAB_FSDD); not part of the canonical string"`
}

// DefaultAVMNIST returns avmnist's defaults: pca=0.25, size=24, snr=−10, image_sigma=0,
// n_train/n_val/n_test=3000/1000/2000, seed=1, without FSDD folder and checksum (Resolve fills
// them in). pca=0.25 is the published construction's; size and snr are ours: see the package
// documentation for what was measured.
func DefaultAVMNIST() AVMNISTSpec {
	return AVMNISTSpec{PCA: 0.25, Size: 24, SNR: -10, ImageSigma: 0, NTrain: 3000, NVal: 1000, NTest: 2000, Seed: 1}
}

// AVMNISTKeys returns the spec-string keys of avmnist: the canonical ones in order, then fsdd
// (accepted, never printed).
func AVMNISTKeys() []string { return specKeys(&AVMNISTSpec{}) }

func parseAVMNIST(kv map[string]string) (Spec, error) {
	s := DefaultAVMNIST()
	if err := parseSpecKeys(AVMNISTName, kv, &s); err != nil {
		return nil, err
	}
	s, err := s.Resolve()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Resolve returns the spec with its FSDD folder resolved (FSDD, else $MMLAB_FSDD) and FSDDSum set
// to the folder's checksum, after validating the other keys. If FSDDSum was already set (a spec
// read back from a stored run) and the folder's checksum differs, it is an error: those
// recordings would not rebuild the stored data.
func (s AVMNISTSpec) Resolve() (AVMNISTSpec, error) {
	given := s.FSDDSum
	s.FSDDSum = "0000000000000000" // validate the other keys first
	if err := s.Validate(); err != nil {
		return s, err
	}
	dir, err := ResolveFSDDDir(s.FSDD)
	if err != nil {
		return s, err
	}
	sum, err := FSDDChecksum(dir)
	if err != nil {
		return s, err
	}
	if given != "" && given != sum {
		return s, fmt.Errorf("datasets: avmnist: the FSDD recordings in %s have checksum fsdd_sum=%s, the spec records fsdd_sum=%s: they are not the recordings the spec was built from (%s)", dir, sum, given, fsddHowTo)
	}
	s.FSDD, s.FSDDSum = dir, sum
	return s, nil
}

// Name returns "avmnist".
func (s AVMNISTSpec) Name() string { return AVMNISTName }

// String returns the canonical spec "avmnist:pca=0.25,size=24,...,seed=1,fsdd_sum=…": every key
// of AVMNISTKeys in order except fsdd.
func (s AVMNISTSpec) String() string { return formatSpec(AVMNISTName, &s) }

// omitKey leaves fsdd out of the canonical string: a path never enters a run key.
func (s *AVMNISTSpec) omitKey(key string) bool { return key == "fsdd" }

// NumModalities implements Spec: 2 (image, audio).
func (s AVMNISTSpec) NumModalities() int { return 2 }

// WithSeedOffset returns the spec with Seed + offset (docs/DESIGN.md §6).
func (s AVMNISTSpec) WithSeedOffset(offset int) Spec {
	s.Seed += int64(offset)
	return s
}

// Limits of avmnist's keys.
const (
	avmMNISTTrain = 60000 // MNIST's training images: the source of train and val
	avmMNISTTest  = 10000 // MNIST's test images: the source of test
	avmSide       = 28    // MNIST's image side
)

var fsddSumPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// Validate checks every key and returns an error naming each bad key, its value and the valid
// range (all problems at once, separated by "; ").
func (s AVMNISTSpec) Validate() error {
	var p specProblems
	if !(s.PCA > 0 && s.PCA <= 1) {
		p.bad("pca", s.PCA, "0 < pca ≤ 1")
	}
	p.intRange("size", s.Size, 8, 112)
	if !(s.SNR >= -30) { // +Inf (no noise) is allowed; NaN is not
		p.bad("snr", s.SNR, "snr ≥ −30 dB (+Inf: no noise)")
	}
	p.nonNegative("image_sigma", s.ImageSigma)
	for _, f := range []struct {
		key    string
		n, max int
	}{{"n_train", s.NTrain, avmMNISTTrain - max(s.NVal, 1)}, {"n_val", s.NVal, avmMNISTTrain - max(s.NTrain, 1)}, {"n_test", s.NTest, avmMNISTTest}} {
		if f.n < fsddDigits || f.n > f.max {
			p.bad(f.key, f.n, fmt.Sprintf("%d ≤ %s ≤ %d (MNIST has 60,000 training images for n_train + n_val and 10,000 test images)", fsddDigits, f.key, f.max))
		}
	}
	if !fsddSumPattern.MatchString(s.FSDDSum) {
		p.bad("fsdd_sum", fmt.Sprintf("%q", s.FSDDSum), "16 lower-case hex digits, the FSDD checksum (ParseSpec fills it in)")
	}
	p = append(p, memoryProblems("size", s.valuesPerSample(), s.NTrain, s.NVal, s.NTest)...)
	return p.err(AVMNISTName)
}

// Generate returns the dataset from DefaultCache, building and caching it on first use.
func (s AVMNISTSpec) Generate() (*Dataset, error) { return s.GenerateWith(DefaultCache) }

// GenerateWith returns the dataset from cache c, building and caching it on first use. Building
// reads MNIST (LoadMNIST) and the FSDD folder, whose checksum must still be FSDDSum. It is
// deterministic in the spec: the images are picked by PCG streams of the seed, and sample i's
// recording and noise come from its own streams (sampleRand), whatever the number of goroutines.
func (s AVMNISTSpec) GenerateWith(c Cache) (*Dataset, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkMemory(); err != nil {
		return nil, err
	}
	if s.FSDD == "" {
		r, err := s.Resolve()
		if err != nil {
			return nil, err
		}
		if r.String() != s.String() {
			return nil, fmt.Errorf("datasets: avmnist: spec changed when resolving its FSDD folder")
		}
		s = r
	}
	return c.Get(s.String(), s.NTrain+s.NVal+s.NTest, s.build)
}

// Random-stream purposes of one avmnist sample (see sampleRand).
const (
	avmDrawRecording = iota
	avmDrawAudioNoise
	avmDrawImageNoise
)

// streamAVMImages draws the choice of images (one PCG stream per spec seed).
const streamAVMImages = 5 << 32

// build makes the three splits.
func (s AVMNISTSpec) build(advance func(int)) (*Dataset, error) {
	d, _, err := s.assemble(advance)
	return d, err
}

// avmProvenance says where each sample of each split (train, val, test) came from: the index of
// its image in its MNIST set (train and val: the training set; test: the test set) and the file
// of its recording.
type avmProvenance struct {
	images     [3][]int
	recordings [3][]string
}

// assemble builds the dataset and its provenance.
func (s AVMNISTSpec) assemble(advance func(int)) (*Dataset, *avmProvenance, error) {
	fsdd, err := LoadFSDD(s.FSDD)
	if err != nil {
		return nil, nil, err
	}
	if fsdd.Sum != s.FSDDSum {
		return nil, nil, fmt.Errorf("datasets: avmnist: the FSDD recordings in %s changed (checksum %s, the spec records %s)", s.FSDD, fsdd.Sum, s.FSDDSum)
	}
	advance(0) // show the bar (at 0%) while MNIST is read and the PCA fitted
	images, err := s.pickImages()
	if err != nil {
		return nil, nil, err
	}
	advance(0)
	prov := &avmProvenance{}
	// recordings of each digit in FSDD's training and test split
	var byDigit [2][fsddDigits][]*FSDDRecording
	for i := range fsdd.Recordings {
		r := &fsdd.Recordings[i]
		split := 0
		if r.Test() {
			split = 1
		}
		byDigit[split][r.Digit] = append(byDigit[split][r.Digit], r)
	}
	d := &Dataset{Spec: s.String(), NumClasses: fsddDigits, Modalities: []Modality{
		{Name: "image", Shape: []int{1, avmSide, avmSide}},
		{Name: "audio", Shape: []int{1, s.Size, s.Size}},
	}}
	splits := make([]*Split, 3)
	for i := range splits {
		recordings := byDigit[0] // train and val images get FSDD training recordings
		if i == 2 {
			recordings = byDigit[1]
		}
		splits[i], prov.recordings[i] = s.buildSplit(images[i], recordings, splitStreams[i], advance)
		prov.images[i] = images[i].source
	}
	standardize(splits, 0)
	standardize(splits, 1)
	d.Train, d.Val, d.Test = splits[0], splits[1], splits[2]
	if err := d.Validate(); err != nil {
		return nil, nil, fmt.Errorf("datasets: avmnist: built data is invalid: %w", err)
	}
	return d, prov, nil
}

// avmImages is a split's images before noise: [n, 28·28] pixels (ink = 1) and labels.
type avmImages struct {
	pixels []float64
	labels []int32
	source []int // index of each image in its MNIST set (tests check the separation)
}

// buildSplit pairs each image with a recording of its digit and renders both; it also returns
// the file of each sample's recording.
func (s AVMNISTSpec) buildSplit(img avmImages, recordings [fsddDigits][]*FSDDRecording, stream uint64, advance func(int)) (*Split, []string) {
	n := len(img.labels)
	const imgSize = avmSide * avmSide
	audSize := s.Size * s.Size
	split := &Split{
		Features: [][]float32{make([]float32, n*imgSize), make([]float32, n*audSize)},
		Labels:   append([]int32(nil), img.labels...),
	}
	files := make([]string, n)
	noiseStd := math.Pow(10, -s.SNR/20) // 0 at snr = +Inf
	forEachSample(n, func() *avmWorker { return &avmWorker{stft: newSTFT(avmWindow, avmHop)} }, func(w *avmWorker, i int) {
		y := img.labels[i]
		pool := recordings[y]
		rec := pool[sampleRand(s.Seed, stream, i, avmDrawRecording).IntN(len(pool))]
		files[i] = rec.File
		w.wave = normalizeRMS(w.wave[:0], rec.Samples)
		noise := sampleRand(s.Seed, stream, i, avmDrawAudioNoise)
		for t := range w.wave {
			w.wave[t] += noiseStd * noise.NormFloat64()
		}
		w.stft.logSpectrogram(split.Features[1][i*audSize:(i+1)*audSize], w.wave, s.Size, s.Size)

		pixNoise := sampleRand(s.Seed, stream, i, avmDrawImageNoise)
		out := split.Features[0][i*imgSize : (i+1)*imgSize]
		for j, v := range img.pixels[i*imgSize : (i+1)*imgSize] {
			if s.ImageSigma > 0 {
				v += s.ImageSigma * pixNoise.NormFloat64()
			}
			out[j] = float32(v)
		}
	}, advance)
	return split, files
}

// avmWorker is one goroutine's scratch space.
type avmWorker struct {
	stft *stft
	wave []float64
}

// normalizeRMS appends samples scaled to unit root-mean-square to dst (silence stays silence).
func normalizeRMS(dst, samples []float64) []float64 {
	sum := 0.0
	for _, v := range samples {
		sum += v * v
	}
	scale := 1.0
	if sum > 0 {
		scale = 1 / math.Sqrt(sum/float64(len(samples)))
	}
	for _, v := range samples {
		dst = append(dst, v*scale)
	}
	return dst
}

// standardize maps modality m of every split to (x − mean) / std with the mean and standard
// deviation of all of the training split's values (one scalar pair per modality, computed in
// float64 in a fixed order), so that inputs are on the scale the encoders' initialisation expects.
func standardize(splits []*Split, m int) {
	train := splits[0].Features[m]
	sum, sq := 0.0, 0.0
	for _, v := range train {
		sum += float64(v)
	}
	mean := sum / float64(len(train))
	for _, v := range train {
		sq += (float64(v) - mean) * (float64(v) - mean)
	}
	std := math.Sqrt(sq / float64(len(train)))
	if std == 0 {
		std = 1
	}
	for _, s := range splits {
		f := s.Features[m]
		for i, v := range f {
			f[i] = float32((float64(v) - mean) / std)
		}
	}
}

// stratifiedLabels returns n labels of 10 classes, n/10 of each and one more of the first n mod 10
// classes of a random class order, in random order (exactly balanced splits).
func stratifiedLabels(n int, r *rand.Rand) []int32 {
	order := r.Perm(fsddDigits)
	labels := make([]int32, 0, n)
	for j := range n {
		if j < n/fsddDigits*fsddDigits {
			labels = append(labels, int32(j%fsddDigits))
		} else {
			labels = append(labels, int32(order[j%fsddDigits]))
		}
	}
	r.Shuffle(n, func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
	return labels
}

// valuesPerSample is the number of float32 values per sample of each modality.
func (s AVMNISTSpec) valuesPerSample() []float64 {
	return []float64{avmSide * avmSide, float64(s.Size) * float64(s.Size)}
}

// checkMemory returns a *MemoryError when the spec's features need more memory than is
// available (see MemoryError), before anything is generated.
func (s AVMNISTSpec) checkMemory() error {
	return checkMemory(s.String(), featureBytes(s.valuesPerSample(), s.NTrain, s.NVal, s.NTest))
}
