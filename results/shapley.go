package results

// Shapley modality contribution (issue 18): each modality's Shapley value of accuracy over the
// coalitions (subsets) of modalities, for a model whose prediction is a sum of per-modality
// logits — a late-fusion network with a linear head (o_m = W_m·f_m + its bias share, docs/DESIGN.md
// §3) or UME's mean of uni-modal logits. This is the contribution measure of the imbalance
// literature (Wei, Feng, Yang & Hu, "Enhancing Multimodal Cooperation via Sample-level Modality
// Valuation", CVPR 2024, and the BalanceBenchmark toolkit's analyses), defined here as follows
// (ours where the sources leave it open):
//
//   - coalition S ≠ ∅ predicts argmax_c Σ_{m∈S} o_m[c]: an absent modality's logit contribution
//     is dropped (for the concat_linear head, its W_m·f_m and its share b/M of the bias; for the
//     sum head, W_m·f_m + b_m). The full coalition is the model itself;
//   - the empty coalition has all-zero logits, every class tied; it is scored as a uniformly
//     random tie-break, accuracy 1/K (K classes), per sample and on average — so a modality
//     that carries nothing gets φ ≈ 0, not a share of the chance level;
//   - per sample i, v_i(S) = 1 if coalition S predicts y_i (1/K for ∅), else 0, and
//     φ_{i,m} = Σ_{S ⊆ N∖{m}} |S|!·(M−|S|−1)!/M! · (v_i(S ∪ {m}) − v_i(S));
//   - the dataset value φ_m is the mean of φ_{i,m} over the test samples (the Shapley value of
//     test accuracy, by linearity), so Σ_m φ_m = accuracy(full) − 1/K exactly.
//
// Networks whose head is not linear (concat_mlp) have no such split and get no Shapley values.

import (
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// Shapley holds the Shapley modality contributions of one run on the test split.
type Shapley struct {
	// Values[m] is φ_m, modality m's Shapley value of test accuracy.
	Values []float64 `json:"values"`
	// Empty is v(∅) = 1/K; Full is v(all modalities), the model's test accuracy.
	Empty float64 `json:"empty"`
	Full  float64 `json:"full"`
	// Coalitions[name] is the test accuracy v(S) of every non-empty coalition, named by its
	// modalities joined with "+", e.g. "m0", "m1", "m0+m1".
	Coalitions map[string]float64 `json:"coalitions"`
	// PerSample[m] is the distribution of the per-sample values φ_{i,m} over the test samples:
	// every distinct value with the fraction of samples that have it, by increasing value.
	PerSample [][]ShapleyBin `json:"per_sample"`
}

// ShapleyBin is one value of a per-sample Shapley distribution and the fraction of samples
// with it.
type ShapleyBin struct {
	Value    float64 `json:"value"`
	Fraction float64 `json:"fraction"`
}

// CoalitionName names the coalition of the modalities whose bits are set in mask: "m0+m2".
func CoalitionName(mask int) string {
	var parts []string
	for m := 0; mask>>m != 0; m++ {
		if mask&(1<<m) != 0 {
			parts = append(parts, "m"+strconv.Itoa(m))
		}
	}
	return strings.Join(parts, "+")
}

// maxShapleyModalities bounds M: the values take every one of the 2^M coalitions.
const maxShapleyModalities = 12

// ShapleyValues computes the Shapley modality contributions (see the file comment) from the
// per-modality logits split[m] (row-major [len(labels) × numClasses] each) of a model whose
// prediction is their sum, and the labels.
func ShapleyValues(split [][]float32, labels []int32, numClasses int) (*Shapley, error) {
	if err := checkShapleyInput(split, labels, numClasses); err != nil {
		return nil, err
	}
	M, n, K := len(split), len(labels), numClasses
	coalitions := 1 << M
	// weight[s] = s!·(M−s−1)!/M!, the Shapley weight of a coalition of size s without m.
	weight := make([]float64, M)
	for s := range M {
		weight[s] = math.Exp(lgammaInt(s+1) + lgammaInt(M-s) - lgammaInt(M+1))
	}
	chance := 1 / float64(K)
	v := make([]float64, coalitions) // v_i(S) of the current sample
	sumV := make([]float64, coalitions)
	phiSum := make([]float64, M)
	counts := make([]map[float64]int, M)
	for m := range counts {
		counts[m] = map[float64]int{}
	}
	row := make([]float64, K)
	for i := range n {
		v[0] = chance
		for S := 1; S < coalitions; S++ {
			v[S] = coalitionCorrect(split, S, i, labels[i], row)
		}
		for S := range coalitions {
			sumV[S] += v[S]
		}
		for m := range M {
			phi := 0.0
			for S := range coalitions {
				if S&(1<<m) == 0 {
					phi += weight[bits.OnesCount(uint(S))] * (v[S|1<<m] - v[S])
				}
			}
			phiSum[m] += phi
			counts[m][roundShapley(phi)]++
		}
	}
	out := &Shapley{Values: make([]float64, M), Empty: chance, Full: sumV[coalitions-1] / float64(n),
		Coalitions: map[string]float64{}, PerSample: make([][]ShapleyBin, M)}
	for S := 1; S < coalitions; S++ {
		out.Coalitions[CoalitionName(S)] = sumV[S] / float64(n)
	}
	for m := range M {
		out.Values[m] = phiSum[m] / float64(n)
		for _, value := range sortedFloatKeys(counts[m]) {
			out.PerSample[m] = append(out.PerSample[m], ShapleyBin{Value: value, Fraction: float64(counts[m][value]) / float64(n)})
		}
	}
	return out, nil
}

// checkShapleyInput checks ShapleyValues' arguments: 1 to maxShapleyModalities modalities, each
// with len(labels) × numClasses logits, and labels in [0, numClasses).
func checkShapleyInput(split [][]float32, labels []int32, numClasses int) error {
	const where = "mmlab.ShapleyValues"
	M, n, K := len(split), len(labels), numClasses
	switch {
	case M < 1 || M > maxShapleyModalities:
		return fmt.Errorf("%s: %d modalities: want 1 to %d", where, M, maxShapleyModalities)
	case n == 0 || K < 1:
		return fmt.Errorf("%s: %d samples of %d classes: want at least one of each", where, n, K)
	}
	for m, s := range split {
		if len(s) != n*K {
			return fmt.Errorf("%s: modality %d has %d logits, want %d samples × %d classes", where, m, len(s), n, K)
		}
	}
	for i, y := range labels {
		if y < 0 || int(y) >= K {
			return fmt.Errorf("%s: label %d of sample %d outside [0, %d)", where, y, i, K)
		}
	}
	return nil
}

// coalitionCorrect returns v_i(S): 1 when the summed logits of the modalities in coalition S
// predict sample i's label y (the first class wins a tie), else 0. row is scratch of
// numClasses values.
func coalitionCorrect(split [][]float32, S, i int, y int32, row []float64) float64 {
	K := len(row)
	clear(row)
	for m := range split {
		if S&(1<<m) != 0 {
			for c, x := range split[m][i*K : (i+1)*K] {
				row[c] += float64(x)
			}
		}
	}
	best := 0
	for c := 1; c < K; c++ {
		if row[c] > row[best] {
			best = c
		}
	}
	if int32(best) == y {
		return 1
	}
	return 0
}

// roundShapley rounds a per-sample value to 12 decimals, so that values equal up to float
// rounding fall into one bin of the distribution.
func roundShapley(x float64) float64 { return math.Round(x*1e12) / 1e12 }

func lgammaInt(n int) float64 { v, _ := math.Lgamma(float64(n)); return v }

// sortedFloatKeys returns m's keys in increasing order.
func sortedFloatKeys[V any](m map[float64]V) []float64 {
	return slices.Sorted(maps.Keys(m))
}

// MetricShapley returns the Metric of a run's Shapley value of modality m (NaN for a run without
// Shapley values, e.g. one stored before they were measured), for MethodDifference.
func MetricShapley(m int) Metric {
	return func(r *Run) float64 {
		if r.Shapley == nil || m < 0 || m >= len(r.Shapley.Values) {
			return math.NaN()
		}
		return r.Shapley.Values[m]
	}
}

// ShapleyContribution returns, for each modality, the mean over seeds of method's Shapley
// values with its 95% interval. It is an error if the method has no runs or a run has no
// Shapley values (naming it).
func ShapleyContribution(runs []Run, method string) ([]Estimate, error) {
	const where = "mmlab.ShapleyContribution"
	bySeed, err := multiModalRunsBySeed(runs, method)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	var values [][]float64
	for _, s := range sortedKeys(bySeed) {
		r := bySeed[s]
		if r.Shapley == nil {
			return nil, fmt.Errorf("%s: run %s (%s, seed %d) has no Shapley values (its predictor has no linear per-modality split, or it was stored before they were measured)", where, r.Key, method, s)
		}
		if values == nil {
			values = make([][]float64, len(r.Shapley.Values))
		}
		if len(r.Shapley.Values) != len(values) {
			return nil, fmt.Errorf("%s: run %s has %d modalities, others %d", where, r.Key, len(r.Shapley.Values), len(values))
		}
		for m, v := range r.Shapley.Values {
			values[m] = append(values[m], v)
		}
	}
	out := make([]Estimate, len(values))
	for m := range values {
		out[m] = Summarize(values[m])
	}
	return out, nil
}

// PooledShapleyDistribution returns, for each modality, the per-sample distribution of method's
// Shapley values pooled over its runs (seeds), each run's fractions weighted equally: the
// fraction of (seed, sample) pairs with each value. It is an error if the method has no runs
// or one has no Shapley values.
func PooledShapleyDistribution(runs []Run, method string) ([][]ShapleyBin, error) {
	const where = "mmlab.PooledShapleyDistribution"
	bySeed, err := multiModalRunsBySeed(runs, method)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	var sums []map[float64]float64
	seeds := sortedKeys(bySeed)
	for _, s := range seeds {
		r := bySeed[s]
		if r.Shapley == nil {
			return nil, fmt.Errorf("%s: run %s (%s, seed %d) has no Shapley values", where, r.Key, method, s)
		}
		if sums == nil {
			sums = make([]map[float64]float64, len(r.Shapley.PerSample))
			for m := range sums {
				sums[m] = map[float64]float64{}
			}
		}
		if len(r.Shapley.PerSample) != len(sums) {
			return nil, fmt.Errorf("%s: run %s has %d modalities, others %d", where, r.Key, len(r.Shapley.PerSample), len(sums))
		}
		for m, bins := range r.Shapley.PerSample {
			for _, b := range bins {
				sums[m][b.Value] += b.Fraction / float64(len(seeds))
			}
		}
	}
	out := make([][]ShapleyBin, len(sums))
	for m, s := range sums {
		for _, k := range sortedFloatKeys(s) {
			out[m] = append(out[m], ShapleyBin{Value: k, Fraction: s[k]})
		}
	}
	return out, nil
}
