package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/dsp/fourier"
)

// AVSynthName is the dataset kind of the procedural audio-visual set in spec strings.
const AVSynthName = "avsynth"

func init() { registerKeyed(AVSynthName, DefaultAVSynth, parseAVSynth) }

// AVSynthSpec configures avsynth (ours, docs/DESIGN.md §2.2): a procedural audio-visual dataset,
// the real-signal analogue of LazyPair. Modality "image" is a rendered [3, size, size] RGB
// image of one object, modality "audio" a [1, freq, frames] log-magnitude spectrogram of a
// synthesised sound. Each modality carries an easy uni-modal cue (the object's colour, the
// sound's pitch), a hard one (the object's form, the sound's time–frequency pattern), and the
// two together carry LazyPair's additive paired code (indicator lamps in the image, tone pips in
// the audio). The package documentation describes a sample; DefaultAVSynth gives the defaults.
// An AVSynthSpec is a Spec.
type AVSynthSpec struct {
	K      int `opt:"k" help:"number of classes, 2 ≤ k ≤ 8"`
	Size   int `opt:"size" help:"image side S, max(12, 2k) ≤ size ≤ 64"`
	Freq   int `opt:"freq" help:"spectrogram frequency bands F, 8 ≤ freq ≤ 32 (the registers are laid out for 16; fewer bands blur them together)"`
	Frames int `opt:"frames" help:"spectrogram time frames T, max(8, k) ≤ frames ≤ 32"`

	Rho      float64 `opt:"rho" help:"probability that a modality carries its easy cue"`
	Pi       float64 `opt:"pi" help:"probability that a sample carries the paired code"`
	PairOnly float64 `opt:"pair_only" help:"fraction of paired samples without object and sound"`
	C        float64 `opt:"c" help:"scale of the class code on the image's lamps"`
	Tau      float64 `opt:"tau" help:"std τ of the shared nuisance z on lamps and pips"`

	Sigma float64 `opt:"sigma" help:"std of the Gaussian noise on every normalised value"`

	NTrain int   `opt:"n_train" help:"training samples"`
	NVal   int   `opt:"n_val" help:"validation samples"`
	NTest  int   `opt:"n_test" help:"test samples"`
	Seed   int64 `opt:"seed" help:"draws every split"`
}

// DefaultAVSynth returns avsynth's defaults: k=4, size=16, freq=16, frames=16, rho=0.8, pi=0,
// pair_only=0.35, c=4, tau=4, sigma=0.5, n_train/n_val/n_test=2000/1000/2000, seed=1.
//
// k, rho, pi, c and tau are LazyPair's measured defaults, with the paired code read in the same
// units (see avLampGain and avPipGain for how code units become brightness and log-energy).
// pair_only=0.35 is a provisional calibration with MLP encoders (see the package
// documentation): the value at which joint ≈ UME near π = 0.3 and joint > UME at π = 0.5, as
// LazyPair's 0.2 does for LazyPair; CNN encoders, which read the image's forms better, may move
// it. sigma=0.5 (in
// units of the normalised data: 0.1 of the image's brightness range, 1.9 nats of log-power) is
// visible noise that leaves every cue readable at 16×16.
func DefaultAVSynth() AVSynthSpec {
	return AVSynthSpec{
		K: 4, Size: 16, Freq: 16, Frames: 16,
		Rho: 0.8, Pi: 0, PairOnly: 0.35, C: 4, Tau: 4,
		Sigma:  0.5,
		NTrain: 2000, NVal: 1000, NTest: 2000,
		Seed: 1,
	}
}

// AVSynthKeys returns the spec-string keys of avsynth in canonical order.
func AVSynthKeys() []string { return specKeys(&AVSynthSpec{}) }

func parseAVSynth(kv map[string]string) (Spec, error) {
	return parseKeyed(AVSynthName, DefaultAVSynth(), kv)
}

// Name returns "avsynth".
func (s AVSynthSpec) Name() string { return AVSynthName }

// String returns the canonical spec "avsynth:k=4,size=16,...,seed=1": every key in the order of
// AVSynthKeys, so ParseSpec(s.String()) == s.
func (s AVSynthSpec) String() string { return formatSpec(AVSynthName, &s) }

// NumModalities implements Spec: 2 (image, audio).
func (s AVSynthSpec) NumModalities() int { return 2 }

// WithSeedOffset returns the spec with Seed + offset (docs/DESIGN.md §6).
func (s AVSynthSpec) WithSeedOffset(offset int) Spec {
	s.Seed += int64(offset)
	return s
}

// Validate checks every key and returns an error naming each bad key, its value and the valid
// range (all problems at once, separated by "; ").
func (s AVSynthSpec) Validate() error {
	var p specProblems
	p.intRange("k", s.K, 2, avMaxClasses)
	p.intRange("size", s.Size, max(12, 2*s.K), 64)
	p.intRange("freq", s.Freq, 8, 32)
	p.intRange("frames", s.Frames, max(8, s.K), 32)
	p.fraction("rho", s.Rho)
	p.fraction("pi", s.Pi)
	p.fraction("pair_only", s.PairOnly)
	p.nonNegative("c", s.C)
	p.nonNegative("tau", s.Tau)
	p.nonNegative("sigma", s.Sigma)
	p.splitSizes(s.NTrain, s.NVal, s.NTest, 3*max(s.Size, 1)*max(s.Size, 1), "3·size²")
	p = append(p, memoryProblems("size, freq, frames", s.valuesPerSample(), s.NTrain, s.NVal, s.NTest)...)
	p = append(p, classProblems(s.K, s.NTrain)...)
	return p.err(AVSynthName)
}

// Generate returns the dataset from DefaultCache, rendering and caching it on first use.
func (s AVSynthSpec) Generate() (*Dataset, error) { return s.GenerateWith(DefaultCache) }

// GenerateWith returns the dataset from cache c, rendering and caching it on first use.
// Rendering is deterministic in the spec: sample i of a split draws from its own PCG streams
// (see sampleRand), so the result does not depend on how many goroutines render it, and every
// sample makes the same draws whatever rho, pi, pair_only, c, tau and sigma are (common random
// numbers across a phase diagram over ρ and π).
func (s AVSynthSpec) GenerateWith(c Cache) (*Dataset, error) {
	return getChecked(c, s, s.NTrain+s.NVal+s.NTest, s.render)
}

// Fixed constants of the construction (ours).
const (
	avMaxClasses = 8

	avSampleRate = 8000.0 // Hz
	avSamples    = 2048   // waveform length: 0.256 s
	avWindow     = 256    // STFT window (Hann), 32 ms: 31.25 Hz per bin
	avBandLow    = 200.0  // lowest band edge, Hz; bands are log-spaced up to Nyquist
	avSoundStart = 0.01   // earliest onset of the sound, s
	avSoundDur   = 0.2    // duration of the sound, s
	avFade       = 0.008  // raised-cosine attack and release, s

	// Registers: an easy (class-coding) sound sits at one of K pitches log-spaced over
	// [avEasyLow, avEasyHigh] (±3% jitter); a hard-only sound at a random pitch in
	// [avHardLow, avHardHigh], a register no class pitch uses, so that (as an image's grey
	// colour says "no colour cue") the register tells which cue a sound carries. Every sound
	// stays below the pips' bands at the default freq (its highest partial is the hard dyad's
	// 1.5 × 1800 = 2700 Hz).
	avEasyLow, avEasyHigh = 260.0, 820.0
	avHardLow, avHardHigh = 1100.0, 1800.0
	avPitchJitter         = 0.03

	// avPowerFloor is added to the pooled power before the logarithm: about the quietest
	// background noise in a bin, so that the log does not stretch the chance near-zeros of
	// narrow low bands into a long negative tail.
	avPowerFloor = 1e-3

	// The paired code (LazyPair's add variant) in signal units. A lamp's brightness is
	// avLampBase + avLampGain·v for code-unit level v = c·code(y) + z: with τ = 4 the lamps
	// spread over 0.5 ± 0.25 (1 sd), the unclipped reading stays linear in v, and after pixel
	// noise σ = 0.5 (0.1 of the brightness range) averaged over a lamp's ≥ 12 values its noise
	// is about 0.5 code units — LazyPair's σ = 1 or less. A pip is two tones, at avPipFreqs
	// (the top two bands at freq = 16), each of amplitude avPipAmp·exp(avPipGain·z/2), so its
	// log-energy is linear in z with slope avPipGain nats per code unit (±2 nats at τ = 4);
	// a mean-level pip is about 7 nats above the background noise, so that even −3 sd pips
	// stay above it, and +3 sd pips are the loudest cells of the spectrogram. The spectrogram
	// noise σ = 0.5 is 1.9 nats per cell; averaged over the ≈ 4 cells (2 bands × 2 frames at
	// k = 4) of a pip it is about 1 nat, 2 code units, so lamps − pips reads the code with
	// noise of about 2 code units against c = 4: a fixed reader gets 0.84 of the pair_only
	// samples right at k = 4 (TestAVSynthCues), LazyPair's x_0 − x_1 about 0.94. Stronger
	// pips (a larger gain) would stretch the spectrogram's range further.
	avLampBase = 0.5
	avLampGain = 1.0 / 16
	avPipAmp   = 0.3
	avPipGain  = 0.5

	// Fixed normalisation (measured on the default spec, seed 1, train split, before noise):
	// value → (value − mean) / scale, the same for every spec and split.
	avImageMean, avImageScale = 0.30, 0.20
	avAudioMean, avAudioScale = -2.3, 3.8
)

// Object forms (hard image cue of class k is avForms[k]) and sound patterns (hard audio cue of
// class k is avPatterns[k]); the first K are used.
var (
	// avPipFreqs are the frequencies of the two tones of every pip, Hz: the centres of the top
	// two bands at freq = 16, above every class sound.
	avPipFreqs = [2]float64{3020, 3650}

	avForms    = []string{"disc", "square", "triangle", "plus", "ring", "bar", "diamond", "x"}
	avPatterns = []string{"tone", "up-chirp", "down-chirp", "dyad", "pulsed", "noise-band", "trill", "pluck"}
)

// avMode is which uni-modal cue a modality of a sample carries.
type avMode int

const (
	avEasy avMode = iota // the class colour / pitch, random form / pattern
	avHard               // the class form / pattern, grey / hard-register pitch
	avNone               // pair_only: no object / no sound
)

// avPlan holds what every sample of a spec shares: palette, pitches, bands, window.
type avPlan struct {
	s         AVSynthSpec
	palette   [][3]float64 // [K] RGB of the class hues
	pitches   []float64    // [K] class pitches, Hz
	bandLo    []int        // [F] first FFT bin of each band
	bandHi    []int        // [F] one past the last FFT bin
	hann      []float64    // [avWindow]
	frameStep float64      // STFT hop in samples (T frames cover the waveform)
}

func newAVPlan(s AVSynthSpec) *avPlan {
	p := &avPlan{s: s}
	for k := range s.K {
		p.palette = append(p.palette, hsvToRGB(float64(k)/float64(s.K), 1, 1))
		p.pitches = append(p.pitches, avEasyLow*math.Pow(avEasyHigh/avEasyLow, float64(k)/float64(s.K-1)))
	}
	binHz := avSampleRate / avWindow
	nyquist := avSampleRate / 2
	for b := range s.Freq {
		lo := avBandLow * math.Pow(nyquist/avBandLow, float64(b)/float64(s.Freq))
		hi := avBandLow * math.Pow(nyquist/avBandLow, float64(b+1)/float64(s.Freq))
		bLo, bHi := int(math.Ceil(lo/binHz)), int(math.Ceil(hi/binHz))
		if b == s.Freq-1 {
			bHi = avWindow/2 + 1
		}
		if bHi <= bLo { // narrower than a bin: take the nearest bin
			bLo = int(math.Round(math.Sqrt(lo*hi) / binHz))
			bHi = bLo + 1
		}
		p.bandLo, p.bandHi = append(p.bandLo, bLo), append(p.bandHi, bHi)
	}
	p.hann = make([]float64, avWindow)
	for i := range p.hann {
		p.hann[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/avWindow)
	}
	p.frameStep = float64(avSamples-avWindow) / float64(s.Frames-1)
	return p
}

// hsvToRGB converts a hue in [0, 1) with saturation and value to RGB.
func hsvToRGB(h, sat, val float64) [3]float64 {
	h6 := h * 6
	i := int(h6) % 6
	f := h6 - math.Floor(h6)
	p, q, t := val*(1-sat), val*(1-sat*f), val*(1-sat*(1-f))
	switch i {
	case 0:
		return [3]float64{val, t, p}
	case 1:
		return [3]float64{q, val, p}
	case 2:
		return [3]float64{p, val, t}
	case 3:
		return [3]float64{p, q, val}
	case 4:
		return [3]float64{t, p, val}
	default:
		return [3]float64{val, p, q}
	}
}

// avWorker is one goroutine's scratch space.
type avWorker struct {
	fft    *fourier.FFT
	wave   []float64
	frame  []float64
	coeffs []complex128
	power  []float64 // [T × (avWindow/2+1)]
	image  []float64
	z      []float64
	lamps  []float64
	pips   []float64
}

func (p *avPlan) newWorker() *avWorker {
	s := p.s
	return &avWorker{
		fft:    fourier.NewFFT(avWindow),
		wave:   make([]float64, avSamples),
		frame:  make([]float64, avWindow),
		coeffs: make([]complex128, avWindow/2+1),
		power:  make([]float64, s.Frames*(avWindow/2+1)),
		image:  make([]float64, 3*s.Size*s.Size),
		z:      make([]float64, s.K),
		lamps:  make([]float64, s.K),
		pips:   make([]float64, s.K),
	}
}

// render builds the three splits.
func (s AVSynthSpec) render(advance func(int)) (*Dataset, error) {
	p := newAVPlan(s)
	d := &Dataset{Spec: s.String(), NumClasses: s.K, Modalities: []Modality{
		{Name: "image", Shape: []int{3, s.Size, s.Size}},
		{Name: "audio", Shape: []int{1, s.Freq, s.Frames}},
	}}
	splits := make([]*Split, 3)
	for i, n := range []int{s.NTrain, s.NVal, s.NTest} {
		splits[i] = p.renderSplit(n, splitStreams[i], advance)
	}
	d.Train, d.Val, d.Test = splits[0], splits[1], splits[2]
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("datasets: avsynth: generated data is invalid (is n_train = %d too small?): %w", s.NTrain, err)
	}
	return d, nil
}

// Random-stream purposes of one sample (see sampleRand).
const (
	avDrawLabel = iota // label, easy/hard, paired, pair_only, z
	avDrawImage
	avDrawAudio
	avDrawNoise
)

func (p *avPlan) renderSplit(n int, stream uint64, advance func(int)) *Split {
	s := p.s
	imgSize, audSize := 3*s.Size*s.Size, s.Freq*s.Frames
	split := &Split{
		Features: [][]float32{make([]float32, n*imgSize), make([]float32, n*audSize)},
		Labels:   make([]int32, n), Tags: make([]Tag, n),
	}
	forEachSample(n, p.newWorker, func(w *avWorker, i int) {
		r := sampleRand(s.Seed, stream, i, avDrawLabel)
		y := r.IntN(s.K)
		uEasy := [2]float64{r.Float64(), r.Float64()}
		uPaired, uPairOnly := r.Float64(), r.Float64()
		for j := range w.z {
			w.z[j] = s.Tau * r.NormFloat64()
		}
		paired := uPaired < s.Pi
		pairOnly := paired && uPairOnly < s.PairOnly
		var tag Tag
		var modes [2]avMode
		if paired {
			tag |= TagPaired
		}
		for m := range modes {
			switch {
			case pairOnly:
				modes[m] = avNone
			case uEasy[m] < s.Rho:
				modes[m] = avEasy
			default:
				modes[m] = avHard
				tag |= TagHard(m)
			}
		}
		if pairOnly {
			tag |= TagPairOnly
		}
		// LazyPair's add variant: the image's lamps show c·code(y) + z, the audio's pips z;
		// unpaired samples show z alone in both.
		for j := range s.K {
			w.lamps[j], w.pips[j] = w.z[j], w.z[j]
			if paired {
				code := -1 / float64(s.K)
				if j == y {
					code++
				}
				w.lamps[j] += s.C * code
			}
		}
		noise := sampleRand(s.Seed, stream, i, avDrawNoise)
		img := split.Features[0][i*imgSize : (i+1)*imgSize]
		p.renderImage(w, y, modes[0], sampleRand(s.Seed, stream, i, avDrawImage))
		for j, v := range w.image {
			img[j] = float32((v-avImageMean)/avImageScale + s.Sigma*noise.NormFloat64())
		}
		aud := split.Features[1][i*audSize : (i+1)*audSize]
		p.renderAudio(w, aud, y, modes[1], sampleRand(s.Seed, stream, i, avDrawAudio))
		for j, v := range aud {
			aud[j] = float32((float64(v)-avAudioMean)/avAudioScale + s.Sigma*noise.NormFloat64())
		}
		split.Labels[i] = int32(y)
		split.Tags[i] = tag
	}, advance)
	return split
}

// renderImage draws the image into w.image ([3, S, S], brightness in about [0, 1]): a grey
// background with smooth blotches, the object in the upper S−3 rows, and the K lamps in the
// bottom two rows. Every call makes the same draws whatever the mode.
func (p *avPlan) renderImage(w *avWorker, y int, mode avMode, r *rand.Rand) {
	S := p.s.Size
	bgLevel := 0.1 + 0.3*r.Float64()
	var blotch [5][5]float64
	for a := range blotch {
		for b := range blotch[a] {
			blotch[a][b] = 0.08 * r.NormFloat64()
		}
	}
	randomForm, randomColour := r.IntN(p.s.K), r.IntN(p.s.K)
	value := 0.7 + 0.3*r.Float64()
	objH := S - 3 // rows above the lamp strip (and a one-row gap)
	radius := (0.22 + 0.16*r.Float64()) * float64(objH)
	cx := radius + r.Float64()*(float64(S)-2*radius)
	cy := radius + r.Float64()*(float64(objH)-2*radius)
	texture, orient, period, phase := r.IntN(3), r.IntN(3), 2+r.IntN(2), r.IntN(4)

	form, colour := randomForm, p.palette[y]
	if mode == avHard {
		form, colour = y, [3]float64{1, 1, 1}
	}
	_ = randomColour // drawn so that every mode makes the same draws (hard objects are grey)
	plane := S * S
	for py := range S {
		for px := range S {
			// smooth background: bilinear interpolation of the 5×5 blotch grid
			gx, gy := float64(px)/float64(S-1)*4, float64(py)/float64(S-1)*4
			ix, iy := min(int(gx), 3), min(int(gy), 3)
			fx, fy := gx-float64(ix), gy-float64(iy)
			bg := bgLevel + (1-fy)*((1-fx)*blotch[iy][ix]+fx*blotch[iy][ix+1]) +
				fy*((1-fx)*blotch[iy+1][ix]+fx*blotch[iy+1][ix+1])
			pix := [3]float64{bg, bg, bg}
			if mode != avNone && py < objH {
				// coverage by 2×2 supersampling
				cover := 0.0
				for _, o := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
					if insideForm(form, (float64(px)+o[0]-cx)/radius, (float64(py)+o[1]-cy)/radius) {
						cover += 0.25
					}
				}
				if cover > 0 {
					shade := value * textureFactor(texture, orient, period, phase, px, py)
					for c := range pix {
						pix[c] = (1-cover)*pix[c] + cover*shade*colour[c]
					}
				}
			}
			for c := range pix {
				w.image[c*plane+py*S+px] = pix[c]
			}
		}
	}
	// lamps: K grey cells along the bottom two rows, a one-pixel gap between cells when there
	// is room; brightness linear (unclipped) in the lamp level.
	lampW := S / p.s.K
	offset := (S - lampW*p.s.K) / 2
	for j, level := range w.lamps {
		b := avLampBase + avLampGain*level
		x0, x1 := offset+j*lampW, offset+(j+1)*lampW
		if lampW >= 3 {
			x1--
		}
		for py := S - 2; py < S; py++ {
			for px := x0; px < x1; px++ {
				for c := range 3 {
					w.image[c*plane+py*S+px] = b
				}
			}
		}
	}
}

// insideForm reports whether (u, v), in units of the object's radius around its centre (v
// down), is inside form f.
func insideForm(f int, u, v float64) bool {
	au, av := math.Abs(u), math.Abs(v)
	switch avForms[f] {
	case "disc":
		return u*u+v*v <= 1
	case "square":
		return au <= 0.8 && av <= 0.8
	case "triangle": // apex up
		return v <= 0.8 && v >= -0.95 && au <= (v+0.95)/1.75
	case "plus":
		return (au <= 0.3 && av <= 1) || (av <= 0.3 && au <= 1)
	case "ring":
		d := u*u + v*v
		return d <= 1 && d >= 0.5*0.5
	case "bar":
		return au <= 1 && av <= 0.35
	case "diamond":
		return au+av <= 1
	case "x":
		return math.Abs(au-av) <= 0.3 && au <= 0.85 && av <= 0.85
	}
	return false
}

// textureFactor is the object's brightness factor at a pixel: plain, stripes or checker.
func textureFactor(texture, orient, period, phase, px, py int) float64 {
	switch texture {
	case 1: // stripes: horizontal, vertical or diagonal
		t := [3]int{py, px, px + py}[orient]
		if ((t+phase)/max(period-1, 1))%2 == 1 {
			return 0.65
		}
	case 2: // checker
		if ((px+phase)/period+(py+phase)/period)%2 == 1 {
			return 0.65
		}
	}
	return 1
}

// renderAudio synthesises the waveform, takes its STFT (Hann window, T frames) and writes the
// log power pooled into F log-spaced bands into out ([1, F, T], band-major).
func (p *avPlan) renderAudio(w *avWorker, out []float32, y int, mode avMode, r *rand.Rand) {
	s := p.s
	randomPattern := r.IntN(s.K)
	hardPitch := avHardLow * math.Pow(avHardHigh/avHardLow, r.Float64())
	jitter := avPitchJitter * (2*r.Float64() - 1)
	amp := 0.5 * math.Exp(0.6*r.Float64()-0.3)
	onset := avSoundStart + 0.03*r.Float64()
	noiseStd := 0.005 * math.Pow(4, r.Float64())
	phase0 := r.Float64()
	var bandFreq, bandPhase [12]float64
	for j := range bandFreq {
		bandFreq[j] = math.Pow(1.25, 2*r.Float64()-1)
		bandPhase[j] = r.Float64()
	}
	for t := range w.wave {
		w.wave[t] = noiseStd * r.NormFloat64()
	}

	if mode != avNone {
		pattern, f0 := randomPattern, p.pitches[y]*math.Exp(jitter)
		if mode == avHard {
			pattern, f0 = y, hardPitch
		}
		addSound(w.wave, avPatterns[pattern], f0, amp, onset, phase0, bandFreq[:], bandPhase[:])
	}
	// pips: K two-tone pips at avPipFreqs in consecutive time slots, amplitude exp(gain·z/2)
	slot := float64(avSamples) / float64(s.K)
	for j, level := range w.pips {
		a := avPipAmp * math.Exp(avPipGain*level/2)
		t0, t1 := int(float64(j)*slot+0.1*slot), int(float64(j+1)*slot-0.1*slot)
		ramp := float64(t1-t0) / 8
		for t := t0; t < t1; t++ {
			env := min(1, float64(t-t0)/ramp, float64(t1-t)/ramp)
			sec := float64(t) / avSampleRate
			w.wave[t] += a * env * (sinTurns(avPipFreqs[0]*sec) + sinTurns(avPipFreqs[1]*sec))
		}
	}

	bins := avWindow/2 + 1
	for f := range s.Frames {
		start := int(math.Round(float64(f) * p.frameStep))
		for t := range w.frame {
			w.frame[t] = w.wave[start+t] * p.hann[t]
		}
		w.fft.Coefficients(w.coeffs, w.frame)
		row := w.power[f*bins : (f+1)*bins]
		for k, c := range w.coeffs {
			row[k] = real(c)*real(c) + imag(c)*imag(c)
		}
	}
	for b := range s.Freq {
		lo, hi := p.bandLo[b], p.bandHi[b]
		for t := range s.Frames {
			sum := 0.0
			for k := lo; k < hi; k++ {
				sum += w.power[t*bins+k]
			}
			out[b*s.Frames+t] = float32(math.Log(sum/float64(hi-lo) + avPowerFloor))
		}
	}
}

// addSound adds one sound of the named pattern at centre pitch f0 (Hz) to wave, starting at
// onset (s) and lasting avSoundDur with raised-cosine fades. Phases are in turns (cycles).
func addSound(wave []float64, pattern string, f0, amp, onset, phase0 float64, bandFreq, bandPhase []float64) {
	t0 := int(onset * avSampleRate)
	n := int(avSoundDur * avSampleRate)
	fade := avFade * avSampleRate
	phase, phase2 := phase0, phase0
	// chirps: the frequency changes by a constant factor per sample (a log sweep over 1.25^±1)
	f, ratio := f0, 1.0
	switch pattern {
	case "up-chirp":
		f, ratio = f0/1.25, math.Pow(1.25*1.25, 1/float64(n))
	case "down-chirp":
		f, ratio = f0*1.25, math.Pow(1/(1.25*1.25), 1/float64(n))
	}
	decay, pluck := math.Exp(-1/(0.05*avSampleRate)), 1.0
	for i := range n {
		t := t0 + i
		if t >= len(wave) {
			break
		}
		u := float64(i) / float64(n) // position in the sound, [0, 1)
		env := 1.0
		if ramp := min(float64(i), float64(n-i)); ramp < fade {
			env = 0.5 - 0.5*math.Cos(math.Pi*ramp/fade)
		}
		step := f
		v := 0.0
		switch pattern {
		case "up-chirp", "down-chirp":
			f *= ratio
		case "dyad":
			phase2 += 1.5 * f0 / avSampleRate
			v += 0.7 * sinTurns(phase2)
		case "pulsed": // four smooth pulses
			sp := sinTurns(2 * u)
			env *= sp * sp
		case "noise-band": // twelve random partials within f0·1.25^±1
			sec := float64(i) / avSampleRate
			for j, bf := range bandFreq {
				v += sinTurns(f0*bf*sec+bandPhase[j]) / math.Sqrt(float64(len(bandFreq))/2)
			}
		case "trill": // low, high, low, high, with short glides (no spectral splatter)
			step = f0 * math.Pow(1.15, min(1, max(-1, -3*math.Cos(4*math.Pi*u))))
		case "pluck":
			env *= pluck
			pluck *= decay
		}
		phase += step / avSampleRate
		if pattern != "noise-band" {
			v += sinTurns(phase)
		}
		wave[t] += amp * env * v
	}
}

// sinTableSize is the resolution of sinTurns' table (linear interpolation between entries is
// accurate to about 1e-6, far below the background noise).
const sinTableSize = 4096

var sinTable = func() []float64 {
	t := make([]float64, sinTableSize+1)
	for i := range t {
		t[i] = math.Sin(2 * math.Pi * float64(i) / sinTableSize)
	}
	return t
}()

// sinTurns returns sin(2π·x) for x in turns, by table lookup (the synthesiser's hot loop).
func sinTurns(x float64) float64 {
	x -= math.Floor(x)
	pos := x * sinTableSize
	i := int(pos)
	if i >= sinTableSize {
		i = sinTableSize - 1
	}
	frac := pos - float64(i)
	return sinTable[i] + frac*(sinTable[i+1]-sinTable[i])
}

// valuesPerSample is the number of float32 values per sample of each modality.
func (s AVSynthSpec) valuesPerSample() []float64 {
	return []float64{3 * float64(s.Size) * float64(s.Size), float64(s.Freq) * float64(s.Frames)}
}

// checkMemory returns a *MemoryError when the spec's features need more memory than is
// available (see MemoryError), before anything is generated.
func (s AVSynthSpec) checkMemory() error {
	return checkMemory(s.String(), featureBytes(s.valuesPerSample(), s.NTrain, s.NVal, s.NTest))
}
