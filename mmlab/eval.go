package mmlab

// Evaluation (docs/DESIGN.md §5): accuracy on validation and test, accuracy on every diagnostic
// subset of the test split, and the linear probe of every encoder.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// Evaluate measures p on ds. It returns the measurements as the fields of a results.Run that
// evaluation owns — ValAcc, TestAcc, SubsetAcc (every non-empty diagnostic subset of the test
// split, only "all" for data without tags), ProbeAcc and ProbeSubsetAcc (the linear probe of
// each modality's encoder, nil where p has none), Shapley (nil where p's prediction is not a sum
// of per-modality logits) — and leaves the rest (key, method, seed, dataset, cost, curves) to the
// caller, so that a run's record and its evaluation are one type. With probe nil the encoders
// are not probed.
func Evaluate(backend compute.Backend, p Predictor, ds *datasets.Dataset, probe *ProbeOptions) (*results.Run, error) {
	return evaluate(backend, p, ds, probe, nil)
}

// encoderDelegate is implemented by predictors whose encoder for modality m is another
// predictor's (UME's members): their probe results are shared through a probeCache.
type encoderDelegate interface {
	encoderOf(m int) Predictor
}

// probeCache remembers probe results by the predictor owning the encoder, so that an
// ensemble's encoders are not probed twice in one study (the probe is deterministic).
type probeCache map[probeKey]probeResult

// probeResult is what the probe of one encoder measured: accuracy on the whole test split and
// on the modality's feature subsets.
type probeResult struct {
	acc     float64
	subsets map[string]float64
}

type probeKey struct {
	owner Predictor
	m     int
}

func evaluate(backend compute.Backend, p Predictor, ds *datasets.Dataset, probe *ProbeOptions, cache probeCache) (*results.Run, error) {
	ev := &results.Run{SubsetAcc: map[string]float64{}, ProbeAcc: make([]*float64, len(ds.Modalities)),
		ProbeSubsetAcc: make([]map[string]float64, len(ds.Modalities))}
	val, err := p.Logits(ds.Val)
	if err != nil {
		return nil, fmt.Errorf("mmlab.Evaluate: validation split: %w", err)
	}
	if ev.ValAcc, err = Accuracy(val, ds.Val.Labels, nil); err != nil {
		return nil, fmt.Errorf("mmlab.Evaluate: validation split: %w", err)
	}
	test, err := p.Logits(ds.Test)
	if err != nil {
		return nil, fmt.Errorf("mmlab.Evaluate: test split: %w", err)
	}
	if ev.TestAcc, err = Accuracy(test, ds.Test.Labels, nil); err != nil {
		return nil, fmt.Errorf("mmlab.Evaluate: test split: %w", err)
	}
	if ev.Shapley, err = shapleyOf(p, ds); err != nil {
		return nil, fmt.Errorf("mmlab.Evaluate: Shapley values: %w", err)
	}
	names := []string{"all"}
	if ds.Test.Tags != nil {
		names = datasets.SubsetNames(len(ds.Modalities))
	}
	for _, name := range names {
		idx, err := ds.Test.Subset(name)
		if err != nil {
			return nil, fmt.Errorf("mmlab.Evaluate: %w", err)
		}
		if len(idx) == 0 {
			continue // no samples: no accuracy (never NaN)
		}
		if ev.SubsetAcc[name], err = Accuracy(test, ds.Test.Labels, idx); err != nil {
			return nil, fmt.Errorf("mmlab.Evaluate: subset %s: %w", name, err)
		}
	}
	if probe == nil {
		return ev, nil
	}
	for m := range ds.Modalities {
		key := probeKey{p, m}
		if d, ok := p.(encoderDelegate); ok {
			key.owner = d.encoderOf(m)
		}
		r, cached := cache[key]
		if !cached {
			var ok bool
			if r, ok, err = probeModality(backend, p, m, ds, probe); err != nil {
				return nil, fmt.Errorf("mmlab.Evaluate: %w", err)
			}
			if !ok {
				continue
			}
			if cache != nil {
				cache[key] = r
			}
		}
		ev.ProbeAcc[m], ev.ProbeSubsetAcc[m] = &r.acc, r.subsets
	}
	return ev, nil
}

// probeModality trains the linear probe of p's encoder of modality m on ds.Train and returns its
// test accuracy, overall and on modality m's feature subsets (with tags); ok is false if p has
// no encoder of m.
func probeModality(backend compute.Backend, p Predictor, m int, ds *datasets.Dataset, probe *ProbeOptions) (r probeResult, ok bool, err error) {
	train, dim, ok, err := p.Features(m, ds.Train)
	if err != nil {
		return r, false, fmt.Errorf("features of modality %d: %w", m, err)
	}
	if !ok {
		return r, false, nil
	}
	testFeats, _, _, err := p.Features(m, ds.Test)
	if err != nil {
		return r, false, fmt.Errorf("features of modality %d: %w", m, err)
	}
	logits, err := probeTestLogits(backend, *probe, dim, ds.NumClasses, train, ds.Train.Labels, testFeats, ds.Test.Len())
	if err != nil {
		return r, false, fmt.Errorf("probe of modality %d: %w", m, err)
	}
	if r.acc, err = Accuracy(logits, ds.Test.Labels, nil); err != nil {
		return r, false, fmt.Errorf("probe of modality %d: %w", m, err)
	}
	if ds.Test.Tags == nil {
		return r, true, nil
	}
	r.subsets = map[string]float64{}
	for _, name := range results.FeatureSubsets(m) {
		idx, err := featureSubset(ds.Test, name)
		if err != nil {
			return r, false, fmt.Errorf("probe of modality %d: %w", m, err)
		}
		if len(idx) == 0 {
			continue // no samples: no accuracy (never NaN)
		}
		if r.subsets[name], err = Accuracy(logits, ds.Test.Labels, idx); err != nil {
			return r, false, fmt.Errorf("probe of modality %d, subset %s: %w", m, name, err)
		}
	}
	return r, true, nil
}

// Accuracy is the fraction of rows of logits (row-major [len(labels) × classes]) whose argmax is
// the label, over the rows idx (all rows if idx is nil). Ties go to the lowest class.
func Accuracy(logits []float32, labels []int32, idx []int) (float64, error) {
	n := len(labels)
	if n == 0 || len(logits)%n != 0 {
		return 0, fmt.Errorf("mmlab.Accuracy: %d logits for %d labels", len(logits), n)
	}
	k := len(logits) / n
	correct, total := 0, 0
	count := func(i int) {
		row := logits[i*k : (i+1)*k]
		best := 0
		for c := 1; c < k; c++ {
			if row[c] > row[best] {
				best = c
			}
		}
		if int32(best) == labels[i] {
			correct++
		}
		total++
	}
	if idx == nil {
		for i := range n {
			count(i)
		}
	} else {
		for _, i := range idx {
			if i < 0 || i >= n {
				return 0, fmt.Errorf("mmlab.Accuracy: index %d outside [0, %d)", i, n)
			}
			count(i)
		}
	}
	if total == 0 {
		return 0, fmt.Errorf("mmlab.Accuracy: no rows to score")
	}
	return float64(correct) / float64(total), nil
}

// featureSubset returns the indices of the test samples in the feature subset name of s (see
// FeatureSubsets), increasing; an empty subset is an empty, non-nil slice.
func featureSubset(s *datasets.Split, name string) ([]int, error) {
	rest, ok := strings.CutPrefix(name, "m")
	var kind string
	if ok {
		rest, kind, ok = strings.Cut(rest, "_")
	}
	m, err := strconv.Atoi(rest)
	if !ok || err != nil || m < 0 || (kind != results.FeatureEasy && kind != results.FeatureHard) {
		return nil, fmt.Errorf("unknown feature subset %q; want m<modality>_easy or m<modality>_hard", name)
	}
	if m >= len(s.Features) || m >= datasets.MaxTaggedModalities {
		return nil, fmt.Errorf("feature subset %q: the split has %d modalities", name, len(s.Features))
	}
	if s.Tags == nil || len(s.Tags) != s.Len() {
		return nil, fmt.Errorf("feature subset %q needs one tag per sample (have %d tags for %d samples)", name, len(s.Tags), s.Len())
	}
	idx := []int{}
	for i, t := range s.Tags {
		if t.Has(datasets.TagPaired) || t.Has(datasets.TagPairOnly) {
			continue
		}
		if t.Has(datasets.TagHard(m)) == (kind == results.FeatureHard) {
			idx = append(idx, i)
		}
	}
	return idx, nil
}
