package results

// The feature map: which features of the data each method's model learned — the measured
// counterpart of Figure 1 of Du et al. (ICML 2023), which draws, per modality, the uni-modal and
// paired features that joint training learns or leaves unlearned ("modality laziness").

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mmlab-go/mmlab/datasets"
)

// Kinds of feature in the feature map (Feature.Kind).
const (
	// FeatureEasy is a modality's easy uni-modal feature (LazyPair's α_e·e_{m,y}).
	FeatureEasy = "easy"
	// FeatureHard is a modality's hard uni-modal feature (LazyPair's s·α_h·h_{m,y}, random sign s).
	FeatureHard = "hard"
	// FeaturePaired is the paired feature, which decides the label only with the modalities together.
	FeaturePaired = "paired"
)

// Feature is one row of the feature map: the easy or the hard uni-modal feature of one
// modality, or the paired feature.
type Feature struct {
	Kind     string // FeatureEasy, FeatureHard or FeaturePaired
	Modality int    // the modality of a uni-modal feature; -1 for the paired feature
}

// EasyFeature is modality m's easy uni-modal feature.
func EasyFeature(m int) Feature { return Feature{Kind: FeatureEasy, Modality: m} }

// HardFeature is modality m's hard uni-modal feature.
func HardFeature(m int) Feature { return Feature{Kind: FeatureHard, Modality: m} }

// PairedFeature is the paired feature.
func PairedFeature() Feature { return Feature{Kind: FeaturePaired, Modality: -1} }

// String names the feature for researchers: "m0 easy", "m1 hard", "paired".
func (f Feature) String() string {
	if f.Kind == FeaturePaired {
		return FeaturePaired
	}
	return "m" + strconv.Itoa(f.Modality) + " " + f.Kind
}

// Subset is the test subset the feature's score is measured on: "m0_easy", "m1_hard" (see
// FeatureSubsets) or "pair_only" (see datasets.Split.Subset).
func (f Feature) Subset() string {
	if f.Kind == FeaturePaired {
		return "pair_only"
	}
	return "m" + strconv.Itoa(f.Modality) + "_" + f.Kind
}

// FeatureSubsets returns the names of modality m's feature subsets, on which Evaluate measures
// the linear probe of modality m's encoder (Run.ProbeSubsetAcc), from the per-sample tags:
//
//	m<m>_easy  modality m carries its easy feature (neither datasets.TagHard(m) nor
//	           TagPairOnly), and the sample carries no paired feature (not TagPaired)
//	m<m>_hard  modality m carries only its hard feature (TagHard(m)), and the sample carries
//	           no paired feature (not TagPaired)
//
// In such a sample, modality m's input holds that one feature plus noise and nothing else the
// label can be read from (ours: paired samples are left out because the paired feature of
// pair=add is partly readable from modality 0 alone). The other modalities are unconstrained:
// a probe of modality m's encoder never sees them. With no paired feature (π = 0) the two
// subsets partition the test split.
func FeatureSubsets(m int) []string {
	return []string{EasyFeature(m).Subset(), HardFeature(m).Subset()}
}

// FeatureCell is one cell of the feature map: a feature's score for one method, per seed and
// over seeds.
type FeatureCell struct {
	// Score is the mean over seeds with its 95% interval (Summarize); N = 0 when the method has
	// no such score (e.g. a method without an encoder for that modality).
	Score Estimate
	// Seeds are the seeds with a score, ascending; Values[i] is the score on Seeds[i].
	Seeds  []int
	Values []float64
}

// FeatureMap says which features each method learned (see FeatureScores): rows are features,
// columns methods, each cell a score in [0, 1] from chance (not learned) to 1 (learned).
type FeatureMap struct {
	// Dataset is the runs' resolved dataset spec.
	Dataset string
	// NumClasses is K; Chance = 1/K is the score of a model that did not learn the feature.
	NumClasses int
	Chance     float64
	// Features are the rows: m0 easy, m0 hard, m1 easy, m1 hard, …, paired. A feature no method
	// has a score for is left out (the paired feature when there are no pair_only samples).
	Features []Feature
	// Methods are the columns: UniMethod first (if present), then the other methods in the
	// order their first run appears.
	Methods []string
	// Cells[i][j] is feature Features[i] of method Methods[j].
	Cells [][]FeatureCell
}

// FeatureScores measures, for every feature of the runs' data and every method, how well the
// method's model carries that feature — the measured counterpart of the paper's Figure 1
// (Du et al., ICML 2023), a diagram of the uni-modal and paired features that joint training
// learns or leaves unlearned. The scores are the project's own definitions (ours), each an
// accuracy on the test samples that carry only that feature, so that chance (1/K) means "not
// learned" and 1 "learned":
//
//   - uni-modal feature (easy or hard) of modality m: the test accuracy of the linear probe of
//     the method's encoder φ_m (the probe of Run.ProbeAcc, fitted on the whole training split;
//     see ProbeOptions) on the subset m<m>_easy or m<m>_hard (FeatureSubsets: modality m
//     carries only that feature, and the sample no paired feature), read from
//     Run.ProbeSubsetAcc. The probe asks whether the encoder kept the feature in a linearly
//     readable form, whether or not the fusion head uses it. For "uni" it is the encoder of the
//     uni-modal model of modality m; UME's encoders are those same models', so its scores equal
//     the uni-modal ones.
//   - paired feature: the test accuracy of the method's prediction on pair_only, the samples
//     without any uni-modal feature (datasets.Split.Subset). For "uni", which has no joint
//     prediction, it is the best single modality: per seed, the highest pair_only accuracy of
//     the uni-modal models — the level reachable with no cross-modal interaction at all. (With
//     pair=add it is above chance: modality 0 alone sees the class code under the shared noise,
//     a Bayes accuracy of 0.54 at the defaults; the other modalities see nothing.)
//
// Each cell is the mean over seeds with its 95% interval; compare two methods on one feature
// with FeatureMap.Difference, which pairs the seeds.
//
// runs should be the runs of one study, or of studies on one dataset spec (e.g. with Variant):
// it is an error if runs is empty, if they come from different dataset specs, if a method has
// two runs on one seed (and modality), or if no run has any feature score — the data has no
// tags, or the runs were stored before runs recorded ProbeSubsetAcc.
func FeatureScores(runs []Run) (*FeatureMap, error) {
	const where = "results.FeatureScores"
	if len(runs) == 0 {
		return nil, fmt.Errorf("%s: no runs", where)
	}
	dataset := runs[0].Dataset
	for _, r := range runs[1:] {
		if r.Dataset != dataset {
			return nil, fmt.Errorf("%s: runs come from different datasets (%s run %s has %q, %s run %s has %q): a feature map is of one dataset",
				where, runs[0].Method, runs[0].Key, dataset, r.Method, r.Key, r.Dataset)
		}
	}
	k, err := numClasses(runs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	fr, err := groupFeatureRuns(runs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	fm := &FeatureMap{Dataset: dataset, NumClasses: k, Chance: 1 / float64(k), Methods: fr.methods}
	var features []Feature
	for m := range fr.numModalities {
		features = append(features, EasyFeature(m), HardFeature(m))
	}
	features = append(features, PairedFeature())
	for _, f := range features {
		row := make([]FeatureCell, len(fr.methods))
		scored := false
		for j, method := range fr.methods {
			row[j] = fr.score(f, method)
			scored = scored || row[j].Score.N > 0
		}
		if scored {
			fm.Features = append(fm.Features, f)
			fm.Cells = append(fm.Cells, row)
		}
	}
	if len(fm.Features) == 0 {
		return nil, fmt.Errorf("%s: no run has a feature score (methods: %s): the data has no diagnostic tags, "+
			"the encoders were not probed, or the runs were stored before runs recorded probe_subset_acc (run the study again)",
			where, describeRuns(runs))
	}
	return fm, nil
}

// featureRuns are the runs of a feature map by method and seed.
type featureRuns struct {
	methods       []string                // uni first (if any), then in order of appearance
	uni           map[int]map[int]*Run    // modality → seed → run
	multi         map[string]map[int]*Run // method → seed → run
	numModalities int
}

// groupFeatureRuns sorts runs by method and seed (uni by modality and seed), refusing two runs
// of one method and seed.
func groupFeatureRuns(runs []Run) (*featureRuns, error) {
	fr := &featureRuns{uni: map[int]map[int]*Run{}, multi: map[string]map[int]*Run{}}
	for i := range runs {
		r := &runs[i]
		fr.numModalities = max(fr.numModalities, len(r.ProbeAcc), len(r.ProbeSubsetAcc))
		name, bySeed := r.Method, fr.multi[r.Method]
		if r.Method == UniMethod && r.Modality != nil {
			if !slices.Contains(fr.methods, UniMethod) {
				fr.methods = slices.Insert(fr.methods, 0, UniMethod)
			}
			m := *r.Modality
			fr.numModalities = max(fr.numModalities, m+1)
			if fr.uni[m] == nil {
				fr.uni[m] = map[int]*Run{}
			}
			name, bySeed = ModalityKey(UniMethod, m), fr.uni[m]
		} else if bySeed == nil {
			bySeed = map[int]*Run{}
			fr.multi[r.Method] = bySeed
			fr.methods = append(fr.methods, r.Method)
		}
		if prev, ok := bySeed[r.Seed]; ok {
			return nil, fmt.Errorf("two %s runs for seed %d (keys %s and %s): pass the runs of one study",
				name, r.Seed, prev.Key, r.Key)
		}
		bySeed[r.Seed] = r
	}
	return fr, nil
}

// score returns the per-seed scores of feature f for method, ascending by seed: a probe's
// accuracy on f's subset for an easy or hard feature, the test accuracy on the paired subset
// for the paired feature (for uni, the better modality's, per seed).
func (fr *featureRuns) score(f Feature, method string) FeatureCell {
	var c FeatureCell
	add := func(seed int, v float64, ok bool) {
		if ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
			c.Seeds, c.Values = append(c.Seeds, seed), append(c.Values, v)
		}
	}
	switch {
	case method == UniMethod && f.Kind == FeaturePaired:
		for _, seed := range uniSeeds(fr.uni) {
			v, ok := fr.uniPaired(f, seed)
			add(seed, v, ok)
		}
	case method == UniMethod:
		for _, seed := range sortedKeys(fr.uni[f.Modality]) {
			v, ok := probeSubset(fr.uni[f.Modality][seed], f)
			add(seed, v, ok)
		}
	case f.Kind == FeaturePaired:
		for _, seed := range sortedKeys(fr.multi[method]) {
			v, ok := fr.multi[method][seed].SubsetAcc[f.Subset()]
			add(seed, v, ok)
		}
	default:
		for _, seed := range sortedKeys(fr.multi[method]) {
			v, ok := probeSubset(fr.multi[method][seed], f)
			add(seed, v, ok)
		}
	}
	c.Score = Summarize(c.Values)
	return c
}

// uniPaired returns the best uni-modal model's accuracy on the paired feature f's subset for
// seed; ok is false unless every modality's uni run of the seed has one.
func (fr *featureRuns) uniPaired(f Feature, seed int) (best float64, ok bool) {
	best = math.Inf(-1)
	for m := range fr.numModalities {
		r, found := fr.uni[m][seed]
		if !found {
			return 0, false
		}
		v, has := r.SubsetAcc[f.Subset()]
		if !has {
			return 0, false
		}
		best = math.Max(best, v)
	}
	return best, true
}

// probeSubset returns r's probe accuracy on feature f's subset, if r has one.
func probeSubset(r *Run, f Feature) (float64, bool) {
	if f.Modality < 0 || f.Modality >= len(r.ProbeSubsetAcc) || r.ProbeSubsetAcc[f.Modality] == nil {
		return 0, false
	}
	v, ok := r.ProbeSubsetAcc[f.Modality][f.Subset()]
	return v, ok
}

// uniSeeds returns the seeds of any uni-modal run, ascending.
func uniSeeds(uni map[int]map[int]*Run) []int {
	var seeds []int
	for _, bySeed := range uni {
		for s := range bySeed {
			if !slices.Contains(seeds, s) {
				seeds = append(seeds, s)
			}
		}
	}
	slices.Sort(seeds)
	return seeds
}

// numClasses is K of the runs' data: recorded in the runs (Run.NumClasses); for records stored
// before runs recorded it, read from the spec when the kind says it (LazyPair's k), else from a
// generated (or loaded) copy of the data.
func numClasses(runs []Run) (int, error) {
	if k := runs[0].NumClasses; k > 0 {
		for _, r := range runs {
			if r.NumClasses != 0 && r.NumClasses != k {
				return 0, fmt.Errorf("runs of one dataset record %d and %d classes (runs %s, %s)", k, r.NumClasses, runs[0].Key, r.Key)
			}
		}
		return k, nil
	}
	spec, err := datasets.ParseSpec(runs[0].Dataset)
	if err != nil {
		return 0, err
	}
	if lp, ok := spec.(datasets.LazyPairSpec); ok {
		return lp.K, nil
	}
	data, err := spec.Generate()
	if err != nil {
		return 0, err
	}
	return data.NumClasses, nil
}

// Cell returns the cell of feature f and method, and false if the map has no such row or column.
func (fm *FeatureMap) Cell(f Feature, method string) (FeatureCell, bool) {
	i, j := slices.Index(fm.Features, f), slices.Index(fm.Methods, method)
	if i < 0 || j < 0 {
		return FeatureCell{}, false
	}
	return fm.Cells[i][j], true
}

// Difference returns score(a) − score(b) on feature f, paired by seed (PairedDifference): both
// methods' scores on seed s come from the same dataset draw, so the interval leaves out the
// variation they share. It is an error if either method has no score for f or the two were
// scored on different seeds (naming the missing ones).
func (fm *FeatureMap) Difference(f Feature, a, b string) (Estimate, error) {
	const where = "results.FeatureMap.Difference"
	ca, okA := fm.Cell(f, a)
	cb, okB := fm.Cell(f, b)
	for _, x := range []struct {
		name string
		ok   bool
		c    FeatureCell
	}{{a, okA, ca}, {b, okB, cb}} {
		if !x.ok || x.c.Score.N == 0 {
			return Estimate{}, fmt.Errorf("%s: no %s score of %q (features: %v; methods: %s)", where, f, x.name, fm.Features,
				strings.Join(fm.Methods, ", "))
		}
	}
	if err := sameSeeds(a, ca.Seeds, b, cb.Seeds); err != nil {
		return Estimate{}, fmt.Errorf("%s: %s: %w", where, f, err)
	}
	return PairedDifference(ca.Values, cb.Values), nil
}
