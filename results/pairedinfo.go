package results

// The paired-information test behind the choice rule ChooseRulePairedInfo: does a classifier that
// sees every modality at once predict the label better than the product of per-modality
// classifiers (the combination an ensemble of uni-modal models makes)? Both are Gaussian linear
// discriminants (LDA), their covariance shrinkage chosen by K-fold cross-validation; by default
// fitted on the training split and compared on the validation split, with
// PairedInfoOptions.CrossFit (what ChoosePairedInfo uses) cross-fitted on the two pooled. The joint model has one
// covariance over the concatenated inputs; the product has one per modality (a block-diagonal
// covariance: the modalities independent given the label). The two differ only in the
// cross-modal covariance given the label, which is what paired features add beyond the
// uni-modal ones in a linear model: on LazyPair's pair=add feature, a noise shared by the
// modalities that only their combination cancels. Shrinkage LDA is Friedman's regularised
// discriminant analysis with a scaled-identity target (J. H. Friedman, "Regularized Discriminant
// Analysis", JASA 84, 1989); the use as a test is this project's own.

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/mmlab-go/mmlab/datasets"
)

// PairedInfoOptions configures PairedInformation. The zero value means the defaults.
type PairedInfoOptions struct {
	// Folds is the number of cross-validation folds on the training split (default 5; ≥ 2).
	Folds int
	// Shrinkages are the candidate covariance shrinkages λ ∈ [0, 1]: the covariance used is
	// (1−λ)·S + λ·(tr S / d)·I, S the pooled within-class covariance. Each model takes the λ of
	// the best mean held-out log-likelihood over the folds. Default DefaultPairedInfoShrinkages.
	Shrinkages []float64
	// CrossFit, if true, scores the models by cross-fitting instead of on the validation split:
	// the training and validation splits are pooled, each model's shrinkage is chosen by Folds-fold
	// cross-validation on the pool, and every pooled sample is scored by the models fitted on the
	// other folds with those shrinkages (ours). Every sample then counts once in the statistic and
	// the models are fitted on (Folds−1)/Folds of the pool, not on the training split alone.
	CrossFit bool
}

// DefaultPairedInfoShrinkages are the default candidate shrinkages of PairedInformation: from
// none to the nearest-class-mean classifier (λ = 1), roughly evenly spaced in log scale.
var DefaultPairedInfoShrinkages = []float64{0, 0.0001, 0.001, 0.01, 0.03, 0.1, 0.3, 0.6, 1}

// PairedInfo is PairedInformation's result on one dataset. Log-likelihoods are mean
// log p(label | inputs) per held-out sample (validation, or every pooled sample with CrossFit), in nats.
type PairedInfo struct {
	JointLL, ProductLL   float64 // held-out log-likelihood of the joint and the product model
	JointAcc, ProductAcc float64 // validation accuracy of the joint and the product model
	// JointShrinkage and ModalityShrinkages are the λ cross-validation chose (one per modality
	// for the product).
	JointShrinkage     float64
	ModalityShrinkages []float64
	Seconds            float64 // wall time of the whole computation
}

// Gain returns JointLL − ProductLL: the held-out log-likelihood (nats per sample) that seeing
// the modalities together adds to their product. Near 0 when the modalities are independent
// given the label, positive when paired information exists that a linear model can read.
func (p PairedInfo) Gain() float64 { return p.JointLL - p.ProductLL }

// PairedInformation fits the joint and the product linear discriminant on data's training split
// and scores them on its validation split (see the top of this file). Every modality's values
// are flattened to a vector. It is an error if data has fewer than 2 modalities, a split is
// missing or empty, a class has no training sample, or an option is out of range.
func PairedInformation(data *datasets.Dataset, opt PairedInfoOptions) (PairedInfo, error) {
	const where = "results.PairedInformation"
	start := time.Now()
	if opt.Folds == 0 {
		opt.Folds = 5
	}
	if opt.Shrinkages == nil {
		opt.Shrinkages = DefaultPairedInfoShrinkages
	}
	if opt.Folds < 2 {
		return PairedInfo{}, fmt.Errorf("%s: Folds = %d, want ≥ 2", where, opt.Folds)
	}
	for _, l := range opt.Shrinkages {
		if !(l >= 0 && l <= 1) {
			return PairedInfo{}, fmt.Errorf("%s: shrinkage %v, want 0 ≤ λ ≤ 1", where, l)
		}
	}
	if len(opt.Shrinkages) == 0 {
		return PairedInfo{}, errors.New(where + ": no shrinkages")
	}
	if data == nil || len(data.Modalities) < 2 {
		return PairedInfo{}, errors.New(where + ": want a dataset of at least 2 modalities")
	}
	if data.Train == nil || data.Val == nil || len(data.Train.Labels) == 0 || len(data.Val.Labels) == 0 {
		return PairedInfo{}, errors.New(where + ": want non-empty train and validation splits")
	}
	k := data.NumClasses
	if opt.CrossFit {
		res, err := crossFitPairedInfo(data, opt)
		if err != nil {
			return PairedInfo{}, fmt.Errorf("%s: %w", where, err)
		}
		res.Seconds = time.Since(start).Seconds()
		return res, nil
	}
	all := make([]int, len(data.Modalities))
	for m := range all {
		all[m] = m
	}
	res := PairedInfo{}
	trainJoint, valJoint := ldaInputs(data.Train, data.Modalities, all), ldaInputs(data.Val, data.Modalities, all)
	var err error
	if res.JointShrinkage, err = cvShrinkage(trainJoint, data.Train.Labels, k, opt); err != nil {
		return PairedInfo{}, fmt.Errorf("%s: joint model: %w", where, err)
	}
	joint, err := fitLDA(trainJoint, data.Train.Labels, k, res.JointShrinkage)
	if err != nil {
		return PairedInfo{}, fmt.Errorf("%s: joint model: %w", where, err)
	}
	jointScores := joint.scores(valJoint)

	nVal := len(data.Val.Labels)
	product := make([]float64, nVal*k)
	for m := range data.Modalities {
		tr, va := ldaInputs(data.Train, data.Modalities, []int{m}), ldaInputs(data.Val, data.Modalities, []int{m})
		lambda, err := cvShrinkage(tr, data.Train.Labels, k, opt)
		if err != nil {
			return PairedInfo{}, fmt.Errorf("%s: modality %d: %w", where, m, err)
		}
		res.ModalityShrinkages = append(res.ModalityShrinkages, lambda)
		model, err := fitLDA(tr, data.Train.Labels, k, lambda)
		if err != nil {
			return PairedInfo{}, fmt.Errorf("%s: modality %d: %w", where, m, err)
		}
		s := model.scores(va)
		for i := range product {
			product[i] += s[i]
		}
		if m > 0 { // each model's score holds log prior(y); the product keeps it once
			for i := range nVal {
				for c := range k {
					product[i*k+c] -= model.logPrior[c]
				}
			}
		}
	}
	res.JointLL, res.JointAcc = logLikAcc(jointScores, data.Val.Labels, k)
	res.ProductLL, res.ProductAcc = logLikAcc(product, data.Val.Labels, k)
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// ldaRows is a row-major [n × d] matrix of inputs.
type ldaRows struct {
	n, d int
	x    []float64
}

// ldaInputs concatenates the given modalities of split into float64 rows.
func ldaInputs(split *datasets.Split, mods []datasets.Modality, which []int) ldaRows {
	n := len(split.Labels)
	d := 0
	for _, m := range which {
		d += mods[m].Size()
	}
	r := ldaRows{n: n, d: d, x: make([]float64, n*d)}
	for i := range n {
		off := 0
		for _, m := range which {
			size := mods[m].Size()
			for j, v := range split.Features[m][i*size : (i+1)*size] {
				r.x[i*d+off+j] = float64(v)
			}
			off += size
		}
	}
	return r
}

// rows returns the rows idx of r.
func (r ldaRows) rows(idx []int) ldaRows {
	out := ldaRows{n: len(idx), d: r.d, x: make([]float64, len(idx)*r.d)}
	for i, j := range idx {
		copy(out.x[i*r.d:(i+1)*r.d], r.x[j*r.d:(j+1)*r.d])
	}
	return out
}

// ldaModel is a fitted linear discriminant: score_c(x) = w_c·x + b_c (b_c includes log prior_c).
type ldaModel struct {
	k, d     int
	w        []float64 // [k × d]
	b        []float64 // [k]
	logPrior []float64 // [k]
}

// ldaStats are the class means, priors and pooled within-class covariance of a training set.
type ldaStats struct {
	k, d     int
	mean     []float64 // [k × d]
	logPrior []float64
	cov      []float64 // [d × d]
}

func ldaStatsOf(x ldaRows, labels []int32, k int) (ldaStats, error) {
	d := x.d
	s := ldaStats{k: k, d: d, mean: make([]float64, k*d), logPrior: make([]float64, k), cov: make([]float64, d*d)}
	count := make([]int, k)
	for i, y := range labels {
		count[y]++
		row := x.x[i*d : (i+1)*d]
		for j, v := range row {
			s.mean[int(y)*d+j] += v
		}
	}
	for c := range k {
		if count[c] == 0 {
			return ldaStats{}, fmt.Errorf("class %d has no training sample", c)
		}
		for j := range d {
			s.mean[c*d+j] /= float64(count[c])
		}
		s.logPrior[c] = math.Log(float64(count[c]) / float64(len(labels)))
	}
	centred := make([]float64, d)
	for i, y := range labels {
		row := x.x[i*d : (i+1)*d]
		for j := range d {
			centred[j] = row[j] - s.mean[int(y)*d+j]
		}
		for a := range d {
			ca := centred[a]
			if ca == 0 {
				continue
			}
			out := s.cov[a*d : a*d+a+1] // lower triangle
			for b, cb := range centred[:a+1] {
				out[b] += ca * cb
			}
		}
	}
	dof := float64(max(len(labels)-k, 1))
	for a := range d {
		for b := 0; b <= a; b++ {
			s.cov[a*d+b] /= dof
			s.cov[b*d+a] = s.cov[a*d+b]
		}
	}
	return s, nil
}

// model returns the discriminant with shrinkage lambda.
func (s ldaStats) model(lambda float64) (ldaModel, error) {
	d, k := s.d, s.k
	trace := 0.0
	for j := range d {
		trace += s.cov[j*d+j]
	}
	target := trace / float64(d)
	if !(target > 0) {
		target = 1
	}
	a := make([]float64, d*d)
	for i := range a {
		a[i] = (1 - lambda) * s.cov[i]
	}
	for j := range d {
		a[j*d+j] += lambda*target + 1e-9*target // the jitter keeps λ = 0 factorable
	}
	if err := cholesky(a, d); err != nil {
		return ldaModel{}, err
	}
	m := ldaModel{k: k, d: d, w: make([]float64, k*d), b: make([]float64, k), logPrior: s.logPrior}
	for c := range k {
		mu := s.mean[c*d : (c+1)*d]
		w := m.w[c*d : (c+1)*d]
		copy(w, mu)
		cholSolve(a, d, w)
		dot := 0.0
		for j := range d {
			dot += w[j] * mu[j]
		}
		m.b[c] = -dot/2 + s.logPrior[c]
	}
	return m, nil
}

// fitLDA fits the discriminant with shrinkage lambda on x.
func fitLDA(x ldaRows, labels []int32, k int, lambda float64) (ldaModel, error) {
	s, err := ldaStatsOf(x, labels, k)
	if err != nil {
		return ldaModel{}, err
	}
	return s.model(lambda)
}

// scores returns the [n × k] discriminant scores of x.
func (m ldaModel) scores(x ldaRows) []float64 {
	out := make([]float64, x.n*m.k)
	for i := range x.n {
		row := x.x[i*m.d : (i+1)*m.d]
		for c := range m.k {
			v := m.b[c]
			for j, w := range m.w[c*m.d : (c+1)*m.d] {
				v += w * row[j]
			}
			out[i*m.k+c] = v
		}
	}
	return out
}

// logLikAcc returns the mean log softmax(scores)[label] and the accuracy of argmax(scores).
func logLikAcc(scores []float64, labels []int32, k int) (ll, acc float64) {
	for i, y := range labels {
		s := scores[i*k : (i+1)*k]
		top := slices.Max(s)
		sum := 0.0
		for _, v := range s {
			sum += math.Exp(v - top)
		}
		ll += s[y] - top - math.Log(sum)
		if slices.Index(s, top) == int(y) {
			acc++
		}
	}
	n := float64(len(labels))
	return ll / n, acc / n
}

// foldsOf returns the row indices of fold f of n rows in folds folds (rows i with i mod folds = f;
// splits are shuffled already) and the others.
func foldsOf(n, folds, f int) (fit, held []int) {
	for i := range n {
		if i%folds == f {
			held = append(held, i)
		} else {
			fit = append(fit, i)
		}
	}
	return fit, held
}

// labelsOf returns labels[idx].
func labelsOf(labels []int32, idx []int) []int32 {
	out := make([]int32, len(idx))
	for i, j := range idx {
		out[i] = labels[j]
	}
	return out
}

// cvShrinkage returns the shrinkage of opt.Shrinkages with the best mean held-out log-likelihood
// over opt.Folds folds of x (foldsOf); ties go to the larger shrinkage (the simpler model).
func cvShrinkage(x ldaRows, labels []int32, k int, opt PairedInfoOptions) (float64, error) {
	total := make([]float64, len(opt.Shrinkages))
	for f := range opt.Folds {
		fit, held := foldsOf(x.n, opt.Folds, f)
		heldLabels := labelsOf(labels, held)
		stats, err := ldaStatsOf(x.rows(fit), labelsOf(labels, fit), k)
		if err != nil {
			return 0, fmt.Errorf("fold %d of %d: %w", f, opt.Folds, err)
		}
		heldX := x.rows(held)
		for li, lambda := range opt.Shrinkages {
			m, err := stats.model(lambda)
			if err != nil {
				return 0, fmt.Errorf("fold %d, shrinkage %v: %w", f, lambda, err)
			}
			ll, _ := logLikAcc(m.scores(heldX), heldLabels, k)
			total[li] += ll * float64(len(held))
		}
	}
	best := 0
	for li := range total {
		if total[li] > total[best] || (total[li] == total[best] && opt.Shrinkages[li] > opt.Shrinkages[best]) {
			best = li
		}
	}
	return opt.Shrinkages[best], nil
}

// crossFitPairedInfo is PairedInformation with opt.CrossFit: on the pooled training and
// validation splits, each model's shrinkage by cross-validation, then every pooled sample scored
// by the joint model and by the product of per-modality models fitted on the other folds.
func crossFitPairedInfo(data *datasets.Dataset, opt PairedInfoOptions) (PairedInfo, error) {
	k, nm := data.NumClasses, len(data.Modalities)
	pool := &datasets.Split{Labels: append(slices.Clone(data.Train.Labels), data.Val.Labels...)}
	for m := range nm {
		pool.Features = append(pool.Features, append(slices.Clone(data.Train.Features[m]), data.Val.Features[m]...))
	}
	all := make([]int, nm)
	for m := range all {
		all[m] = m
	}
	// inputs[0] is the joint model's, inputs[1+m] modality m's.
	inputs := []ldaRows{ldaInputs(pool, data.Modalities, all)}
	for m := range nm {
		inputs = append(inputs, ldaInputs(pool, data.Modalities, []int{m}))
	}
	lambdas := make([]float64, len(inputs))
	for i, x := range inputs {
		var err error
		if lambdas[i], err = cvShrinkage(x, pool.Labels, k, opt); err != nil {
			if i == 0 {
				return PairedInfo{}, fmt.Errorf("joint model: %w", err)
			}
			return PairedInfo{}, fmt.Errorf("modality %d: %w", i-1, err)
		}
	}
	n := len(pool.Labels)
	joint, product := make([]float64, n*k), make([]float64, n*k)
	for f := range opt.Folds {
		fit, held := foldsOf(n, opt.Folds, f)
		fitLabels := labelsOf(pool.Labels, fit)
		for i, x := range inputs {
			model, err := fitLDA(x.rows(fit), fitLabels, k, lambdas[i])
			if err != nil {
				return PairedInfo{}, fmt.Errorf("fold %d of %d: %w", f, opt.Folds, err)
			}
			s := model.scores(x.rows(held))
			for r, j := range held {
				for c := range k {
					switch {
					case i == 0:
						joint[j*k+c] = s[r*k+c]
					case i == 1: // each model's score holds log prior(y); the product keeps it once
						product[j*k+c] += s[r*k+c]
					default:
						product[j*k+c] += s[r*k+c] - model.logPrior[c]
					}
				}
			}
		}
	}
	res := PairedInfo{JointShrinkage: lambdas[0], ModalityShrinkages: lambdas[1:]}
	res.JointLL, res.JointAcc = logLikAcc(joint, pool.Labels, k)
	res.ProductLL, res.ProductAcc = logLikAcc(product, pool.Labels, k)
	return res, nil
}

// cholesky factors the symmetric positive definite [d × d] matrix a in place into its lower
// triangle L (a = L·Lᵀ); the upper triangle is left as it was.
func cholesky(a []float64, d int) error {
	for j := range d {
		sum := a[j*d+j]
		for p := range j {
			sum -= a[j*d+p] * a[j*d+p]
		}
		if !(sum > 0) {
			return fmt.Errorf("covariance is not positive definite (pivot %d is %v)", j, sum)
		}
		diag := math.Sqrt(sum)
		a[j*d+j] = diag
		for i := j + 1; i < d; i++ {
			s := a[i*d+j]
			ri, rj := a[i*d:i*d+j], a[j*d:j*d+j]
			for p := range ri {
				s -= ri[p] * rj[p]
			}
			a[i*d+j] = s / diag
		}
	}
	return nil
}

// cholSolve solves (L·Lᵀ) x = b in place in b, with L the lower triangle of a from cholesky.
func cholSolve(a []float64, d int, b []float64) {
	for i := range d { // L y = b
		s := b[i]
		for p := range i {
			s -= a[i*d+p] * b[p]
		}
		b[i] = s / a[i*d+i]
	}
	for i := d - 1; i >= 0; i-- { // Lᵀ x = y
		s := b[i]
		for p := i + 1; p < d; p++ {
			s -= a[p*d+i] * b[p]
		}
		b[i] = s / a[i*d+i]
	}
}
