package datasets

import "fmt"

// MaxDatasetBytes is the resource ceiling of one dataset: the float32 features of every
// modality of every split together, samples × values per sample × 4 bytes, summed. Generated
// specs (lazypair, avsynth, twoview) whose sizes imply more are rejected by Validate, before
// anything is generated, with an error naming the size keys. A user's npy data is checked per
// array from its header, before its data is read, and for all modalities together as they are
// read (NPYSpec). Training holds the features and a few copies
// of a batch, so a dataset at the ceiling still fits a machine with several times as much
// memory. Programs that mean to use more may raise it before parsing specs.
var MaxDatasetBytes int64 = 2 << 30

// featureBytes is the memory of the float32 features of a generated spec: perSample[m] values
// per sample of modality m, for n_train + n_val + n_test samples.
func featureBytes(perSample []float64, nTrain, nVal, nTest int) float64 {
	values := 0.0
	for _, v := range perSample {
		values += max(v, 0)
	}
	return (float64(max(nTrain, 0)) + float64(max(nVal, 0)) + float64(max(nTest, 0))) * values * 4
}

// memoryProblems returns the problem of a generated spec whose features would exceed
// MaxDatasetBytes: perSample[m] float32 values per sample of modality m, sizeKeys naming the
// keys that set perSample (e.g. "dim, m"). It returns nil when the spec fits.
func memoryProblems(sizeKeys string, perSample []float64, nTrain, nVal, nTest int) []string {
	bytes := featureBytes(perSample, nTrain, nVal, nTest)
	if bytes <= float64(MaxDatasetBytes) {
		return nil
	}
	n := float64(max(nTrain, 0)) + float64(max(nVal, 0)) + float64(max(nTest, 0))
	return []string{fmt.Sprintf("n_train + n_val + n_test = %.0f samples × %.0f float32 values per sample (%s) = %.3g GiB of features, more than the %.3g GiB ceiling (MaxDatasetBytes); lower n_train, n_val, n_test or %s",
		n, bytes/n/4, sizeKeys, bytes/(1<<30), float64(MaxDatasetBytes)/(1<<30), sizeKeys)}
}

// repeatValues is n copies of v (at most 64, for the modality count of a spec being validated).
func repeatValues(v, n int) []float64 {
	out := make([]float64, min(max(n, 0), 64))
	for i := range out {
		out[i] = float64(v)
	}
	return out
}

// MaxLazyPairBasisWork bounds the work of drawing a LazyPair dataset's directions: per modality,
// Gram–Schmidt on n = 3·k + distract vectors of R^dim costs about n²·dim multiply-adds, so
// Validate rejects m·(3·k + distract)²·dim above it. 2^33 is about ten seconds of one core;
// k=1000, dim=3000 (m=2) would need 5.4·10^10, minutes.
const MaxLazyPairBasisWork = 1 << 33

// classProblems returns the problem of a generated spec with more classes (k) than training
// samples (n_train ≥ 1; a smaller n_train is reported by its own range check): every class
// could not even appear once, and the model heads would be wider than the data.
func classProblems(k, nTrain int) []string {
	if k > nTrain && nTrain >= 1 {
		return []string{fmt.Sprintf("k = %d, want k ≤ n_train = %d (more classes than training samples)", k, nTrain)}
	}
	return nil
}
