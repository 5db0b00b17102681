package datasets

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// pickImages chooses each split's MNIST images, label-stratified (stratifiedLabels): train and
// val from MNIST's training set (disjoint), test from its test set, each image used at most once.
// With pca < 1 every image is replaced by its projection on the leading principal components of
// the training split (PCAProjector).
func (s AVMNISTSpec) pickImages() ([3]avmImages, error) {
	var out [3]avmImages
	train, test, err := LoadMNIST(SourceMNIST)
	if err != nil {
		return out, fmt.Errorf("datasets: avmnist: %w", err)
	}
	r := rand.New(rand.NewPCG(uint64(s.Seed), streamAVMImages))
	// per-class pools of image indices, shuffled once; train takes from the front, val after it
	pools := func(set *MNISTSet) [fsddDigits][]int {
		var p [fsddDigits][]int
		for i := range set.N {
			p[set.Labels[i]] = append(p[set.Labels[i]], i)
		}
		for c := range p {
			r.Shuffle(len(p[c]), func(i, j int) { p[c][i], p[c][j] = p[c][j], p[c][i] })
		}
		return p
	}
	trainPools, testPools := pools(train), pools(test)
	var used [fsddDigits]int
	take := func(set *MNISTSet, p *[fsddDigits][]int, n int, split string) (avmImages, error) {
		img := avmImages{labels: stratifiedLabels(n, r), pixels: make([]float64, n*avmSide*avmSide), source: make([]int, n)}
		for i, y := range img.labels {
			if used[y] >= len(p[y]) {
				return img, fmt.Errorf("datasets: avmnist: %s needs more images of digit %d than MNIST has left (%d); lower n_train, n_val or n_test", split, y, len(p[y]))
			}
			idx := p[y][used[y]]
			used[y]++
			img.source[i] = idx
			for j, v := range set.Image(idx) {
				img.pixels[i*avmSide*avmSide+j] = float64(v) / 255
			}
		}
		return img, nil
	}
	if set := train; set.Rows != avmSide || set.Cols != avmSide {
		return out, fmt.Errorf("datasets: avmnist: MNIST images are %d×%d, want %d×%d", set.Rows, set.Cols, avmSide, avmSide)
	}
	if out[0], err = take(train, &trainPools, s.NTrain, "train"); err != nil {
		return out, err
	}
	if out[1], err = take(train, &trainPools, s.NVal, "val"); err != nil {
		return out, err
	}
	used = [fsddDigits]int{}
	if out[2], err = take(test, &testPools, s.NTest, "test"); err != nil {
		return out, err
	}
	if s.PCA < 1 {
		p := FitPCA(out[0].pixels, avmSide*avmSide, s.PCA)
		for i := range out {
			p.Project(out[i].pixels)
		}
	}
	return out, nil
}

// PCAProjector keeps the leading principal components of a set of vectors (Pearson 1901,
// Hotelling 1933): Mean, and Basis [d, r] whose orthonormal columns are the r eigenvectors of the
// sample covariance with the largest eigenvalues. Kept is the fraction of the total variance
// (trace of the covariance) that they explain.
type PCAProjector struct {
	Mean  []float64
	Basis *mat.Dense
	Kept  float64
}

// FitPCA fits the principal components of the rows of x ([n, d] row-major, n ≥ 2) and keeps the
// fewest, r ≥ 1, that together explain at least frac of the variance (0 < frac ≤ 1), never one
// whose variance is zero up to rounding. It uses
// gonum's symmetric eigendecomposition of the d × d covariance (of the n × n Gram matrix when
// n < d), so it suits min(n, d) up to a few thousand.
func FitPCA(x []float64, d int, frac float64) *PCAProjector {
	n := len(x) / d
	p := &PCAProjector{Mean: make([]float64, d)}
	for i := range n {
		for j := range d {
			p.Mean[j] += x[i*d+j]
		}
	}
	for j := range p.Mean {
		p.Mean[j] /= float64(n)
	}
	centred := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			centred.Set(i, j, x[i*d+j]-p.Mean[j])
		}
	}
	// the eigenvectors of the d × d covariance XᵀX/(n−1); with fewer samples than dimensions,
	// those of the n × n Gram matrix XXᵀ (the same non-zero eigenvalues; v = Xᵀu/‖Xᵀu‖), a
	// smaller eigenproblem
	gram := n < d
	var sym mat.SymDense
	if gram {
		sym.SymOuterK(1/float64(max(n-1, 1)), centred)
	} else {
		sym.SymOuterK(1/float64(max(n-1, 1)), centred.T())
	}
	var eig mat.EigenSym
	if !eig.Factorize(&sym, true) {
		panic("datasets.FitPCA: eigendecomposition did not converge")
	}
	values := eig.Values(nil) // ascending
	var vectors mat.Dense
	eig.VectorsTo(&vectors)
	m := len(values)
	total := 0.0
	for _, v := range values {
		total += max(v, 0)
	}
	r, kept := 0, 0.0
	// stop at eigenvalues that are zero up to rounding (their vectors are arbitrary)
	for r < m && (r == 0 || kept < frac*total) && (r == 0 || values[m-1-r] > 1e-12*total) {
		kept += max(values[m-1-r], 0)
		r++
	}
	var top mat.Dense // [d, r], the leading eigenvectors of the covariance, largest first
	top.CloneFrom(vectors.Slice(0, m, m-r, m))
	for a, b := 0, r-1; a < b; a, b = a+1, b-1 { // reverse the columns: largest first
		ca, cb := mat.Col(nil, a, &top), mat.Col(nil, b, &top)
		top.SetCol(a, cb)
		top.SetCol(b, ca)
	}
	if gram {
		var v mat.Dense
		v.Mul(centred.T(), &top)
		for k := range r {
			col := mat.Col(nil, k, &v)
			if norm := floats.Norm(col, 2); norm > 0 {
				for j := range col {
					col[j] /= norm
				}
			}
			v.SetCol(k, col)
		}
		top = v
	}
	p.Basis = &top
	if total > 0 {
		p.Kept = kept / total
	}
	return p
}

// Components returns the number of kept components r.
func (p *PCAProjector) Components() int { _, r := p.Basis.Dims(); return r }

// Project replaces every row x of rows ([n, d] row-major) by its reconstruction from the kept
// components, Mean + Basis·Basisᵀ·(x − Mean).
func (p *PCAProjector) Project(rows []float64) {
	d, r := p.Basis.Dims()
	coef := make([]float64, r)
	for i := 0; i+d <= len(rows); i += d {
		x := rows[i : i+d]
		for k := range coef {
			c := 0.0
			for j := range d {
				c += p.Basis.At(j, k) * (x[j] - p.Mean[j])
			}
			coef[k] = c
		}
		for j := range d {
			v := p.Mean[j]
			for k, c := range coef {
				v += p.Basis.At(j, k) * c
			}
			x[j] = v
		}
	}
}
