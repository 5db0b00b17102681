package datasets

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// load reads, checks and splits the arrays, and returns the dataset with the resolved spec.
// splitKeys are the split keys the spec string gave, an error when the data has a split array.
// The steps: labels (N and K), the modalities to use, tags, the split, then the features, one
// modality at a time straight into the splits, and the dataset, checked as a whole.
func (s NPYSpec) load(splitKeys []string) (*Dataset, NPYSpec, error) {
	src, err := openNPYSource(s.Path)
	if err != nil {
		return nil, s, err
	}
	res := NPYSpec{Path: src.path}
	labels, err := s.loadLabels(src, &res)
	if err != nil {
		return nil, s, err
	}
	if res.Modalities, err = s.chooseModalities(src); err != nil {
		return nil, s, err
	}
	tags, err := src.loadTags(len(labels))
	if err != nil {
		return nil, s, err
	}
	parts, err := s.splitSamples(src, splitKeys, labels, &res)
	if err != nil {
		return nil, s, err
	}
	all := &Split{Labels: make([]int32, len(labels)), Tags: tags}
	for i, y := range labels {
		all.Labels[i] = int32(y)
	}
	d := &Dataset{NumClasses: res.K,
		Train: all.Select(parts[npyTrain]), Val: all.Select(parts[npyVal]), Test: all.Select(parts[npyTest])}
	if d.Modalities, err = src.loadFeatures(res.Modalities, len(labels), parts, d.splits()); err != nil {
		return nil, s, err
	}
	res.Checksum = src.checksum()
	d.Spec = res.String()
	if err := d.Validate(); err != nil {
		return nil, s, fmt.Errorf("datasets: npy: %s: %w", src.path, err)
	}
	return d, res, nil
}

// loadLabels reads labels.npy, which decides N and K: it checks every label against s.K (when
// given), MaxNPYClasses and the sample count, and sets res.K.
func (s NPYSpec) loadLabels(src *npySource, res *NPYSpec) ([]int64, error) {
	if !slices.Contains(src.names, npyLabels) {
		return nil, fmt.Errorf("datasets: npy: %s: labels.npy missing (arrays: %s); want labels.npy plus one <modality>.npy per modality",
			src.path, npyList(src.names))
	}
	labels, err := src.intArray(npyLabels, "labels", 0)
	if err != nil {
		return nil, err
	}
	n := len(labels)
	maxLabel, maxAt := int64(-1), -1
	for i, y := range labels {
		switch {
		case y < 0:
			return nil, src.errorf(npyLabels, "sample %d has label %d; want class indices 0 ≤ label < K", i, y)
		case s.K > 0 && y >= int64(s.K):
			return nil, src.errorf(npyLabels, "sample %d has label %d, but k = %d; want 0 ≤ label < k", i, y, s.K)
		case y >= MaxNPYClasses:
			return nil, src.errorf(npyLabels, "sample %d has label %d; want labels < %d (at most %d classes)", i, y, MaxNPYClasses, MaxNPYClasses)
		}
		if y > maxLabel {
			maxLabel, maxAt = y, i
		}
	}
	if !slices.ContainsFunc(labels, func(y int64) bool { return y != labels[0] }) {
		return nil, src.errorf(npyLabels, "every one of the %d samples has label %d; want at least 2 classes", n, labels[0])
	}
	res.K = s.K
	if res.K == 0 {
		res.K = int(maxLabel) + 1
	}
	switch {
	case s.K > n:
		return nil, src.errorf(npyLabels, "k = %d classes, more than the %d samples; want k ≤ N", s.K, n)
	case res.K > n:
		return nil, src.errorf(npyLabels, "sample %d has label %d, so K = max label + 1 = %d classes, more than the %d samples; want K ≤ N (a stray label is usually a mis-written file)",
			maxAt, maxLabel, res.K, n)
	}
	return labels, nil
}

// chooseModalities returns the modality arrays to use: s.Modalities, each checked to exist and
// to be usable in a spec string, or every array that is not labels, split or tags; at least 2.
func (s NPYSpec) chooseModalities(src *npySource) ([]string, error) {
	var available []string
	for _, name := range src.names {
		if name != npyLabels && name != npySplit && name != npyTags {
			available = append(available, name)
		}
	}
	chosen := s.Modalities
	if chosen == nil {
		chosen = available
	}
	for _, name := range chosen {
		if !slices.Contains(available, name) {
			return nil, fmt.Errorf("datasets: npy: %s: modalities: no modality array %q (modality arrays: %s)",
				src.path, name, npyList(available))
		}
		if strings.ContainsAny(name, ",+") || strings.TrimSpace(name) != name {
			return nil, src.errorf(name, "modality names go into spec strings: rename it without ',', '+' or surrounding spaces")
		}
	}
	switch len(chosen) {
	case 0:
		return nil, fmt.Errorf("datasets: npy: %s: no modality arrays beside labels.npy; want one <modality>.npy per modality, at least 2", src.path)
	case 1:
		return nil, fmt.Errorf("datasets: npy: %s: only one modality (%s.npy); want at least 2", src.path, chosen[0])
	}
	return chosen, nil
}

// loadFeatures reads the features of the named modalities, checking their total against
// MaxDatasetBytes as they are read, and appends the rows of parts[i] to splits[i], one
// modality at a time (so that only one modality is held twice, not the whole dataset).
func (src *npySource) loadFeatures(names []string, n int, parts [3][]int, splits []*Split) ([]Modality, error) {
	var mods []Modality
	total := int64(0) // float32 values so far, against MaxDatasetBytes
	for _, name := range names {
		shape, values, err := src.features(name, n)
		if err != nil {
			return nil, err
		}
		if total += int64(len(values)); total > MaxDatasetBytes/4 {
			return nil, src.errorf(name, "the modalities up to this one hold %d float32 values (%.3g GiB), more than the %.3g GiB ceiling (MaxDatasetBytes)",
				total, float64(total)*4/(1<<30), float64(MaxDatasetBytes)/(1<<30))
		}
		mods = append(mods, Modality{Name: name, Shape: shape})
		size := len(values) / n
		for i, split := range splits {
			rows := make([]float32, 0, len(parts[i])*size)
			for _, j := range parts[i] {
				rows = append(rows, values[j*size:(j+1)*size]...)
			}
			split.Features = append(split.Features, rows)
		}
	}
	return mods, nil
}

// loadTags reads tags.npy, when there is one, as n per-sample Tag bit masks; nil without it.
func (src *npySource) loadTags(n int) ([]Tag, error) {
	if !slices.Contains(src.names, npyTags) {
		return nil, nil
	}
	raw, err := src.intArray(npyTags, "tags", n)
	if err != nil {
		return nil, err
	}
	tags := make([]Tag, n)
	for i, t := range raw {
		if t < 0 || t > math.MaxUint32 {
			return nil, src.errorf(npyTags, "sample %d has tags %d; want a uint32 bit mask (see datasets.Tag)", i, t)
		}
		tags[i] = Tag(t)
	}
	return tags, nil
}

// splitSamples returns the sample indices of train, val and test: those of split.npy (then the
// spec may give no split keys) or a stratified draw with s's fractions and seed. It records in
// res which it was (SplitArray, or Val, Test and Seed).
func (s NPYSpec) splitSamples(src *npySource, splitKeys []string, labels []int64, res *NPYSpec) ([3][]int, error) {
	var parts [3][]int
	if slices.Contains(src.names, npySplit) {
		if len(splitKeys) > 0 {
			return parts, fmt.Errorf("datasets: npy: %s: split.npy gives the split, so the spec's split keys (%s) would be ignored; remove them or split.npy",
				src.path, strings.Join(splitKeys, ", "))
		}
		codes, err := src.intArray(npySplit, "split", len(labels))
		if err != nil {
			return parts, err
		}
		for i, c := range codes {
			if c < npyTrain || c > npyTest {
				return parts, src.errorf(npySplit, "sample %d has value %d; want 0 (train), 1 (val) or 2 (test)", i, c)
			}
			parts[c] = append(parts[c], i)
		}
		for c, idx := range parts {
			if len(idx) == 0 {
				return parts, src.errorf(npySplit, "no sample has value %d (%s); every split needs samples", c, SplitNames[c])
			}
		}
		res.SplitArray = true
		return parts, nil
	}
	res.Val, res.Test, res.Seed = cmp.Or(s.Val, DefaultNPYVal), cmp.Or(s.Test, DefaultNPYTest), s.Seed
	if !(res.Val > 0 && res.Test > 0 && res.Val+res.Test < 1) {
		return parts, fmt.Errorf("datasets: npy: val = %v, test = %v; want 0 < val, 0 < test, val + test < 1", res.Val, res.Test)
	}
	parts = stratifiedSplit(labels, res.K, res.Val, res.Test, res.Seed)
	for c, idx := range parts {
		if len(idx) == 0 {
			return parts, fmt.Errorf("datasets: npy: %s: the drawn split left %s empty (%d samples, val = %v, test = %v; each class gives round(fraction × its count)); use larger fractions or a split.npy",
				src.path, SplitNames[c], len(labels), res.Val, res.Test)
		}
	}
	return parts, nil
}

// npyList names arrays as their files, for errors.
func npyList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = n + ".npy"
	}
	return strings.Join(files, ", ")
}

// intArray reads a per-sample integer array (labels, split, tags) of shape (N,) or (N, 1); with
// n > 0 its length must be n, the length of labels.npy.
func (src *npySource) intArray(name, field string, n int) ([]int64, error) {
	a, err := src.array(name)
	if err != nil {
		return nil, err
	}
	if a.kind != 'i' && a.kind != 'u' {
		return nil, src.errorf(name, "%s: dtype %s; want integers (int8 … int64 or uint8 … uint64), e.g. np.save(%q, y.astype(np.int64))",
			field, a.dtypeName(), name+".npy")
	}
	if !(len(a.shape) == 1 || len(a.shape) == 2 && a.shape[1] == 1) {
		hint := ""
		if name == npyLabels && len(a.shape) == 2 {
			hint = " (one-hot labels? save labels.argmax(1))"
		}
		return nil, src.errorf(name, "%s: shape %s; want (N,) or (N, 1), one value per sample%s", field, pyShape(a.shape), hint)
	}
	if len(a.shape) > 0 && a.shape[0] == 0 {
		return nil, src.errorf(name, "%s: shape %s has no samples", field, pyShape(a.shape))
	}
	if n > 0 && a.shape[0] != n {
		return nil, src.errorf(name, "%s: %d samples (shape %s), but labels.npy has %d; want one value per sample",
			field, a.shape[0], pyShape(a.shape), n)
	}
	data, err := a.values()
	if err != nil {
		return nil, src.errorf(name, "%v", err)
	}
	vals, overflow := intValues(data)
	if overflow >= 0 {
		return nil, src.errorf(name, "%s: sample %d has value %d, out of range", field, overflow, data.([]uint64)[overflow])
	}
	return vals, nil
}

// intValues converts any integer slice values returns to int64. overflow is the index of the
// first uint64 above math.MaxInt64 (its int64 is then meaningless), or -1.
func intValues(data any) (vals []int64, overflow int) {
	overflow = -1
	switch x := data.(type) {
	case []int8:
		vals = convertInts(x)
	case []int16:
		vals = convertInts(x)
	case []int32:
		vals = convertInts(x)
	case []int64:
		vals = x
	case []uint8:
		vals = convertInts(x)
	case []uint16:
		vals = convertInts(x)
	case []uint32:
		vals = convertInts(x)
	case []uint64:
		vals = convertInts(x)
		for i, v := range x {
			if v > math.MaxInt64 {
				overflow = i
				break
			}
		}
	}
	return vals, overflow
}

func convertInts[T int8 | int16 | int32 | uint8 | uint16 | uint32 | uint64](x []T) []int64 {
	vals := make([]int64, len(x))
	for i, v := range x {
		vals[i] = int64(v)
	}
	return vals
}

// reflectIndex returns element j of an integer slice, for error messages.
func reflectIndex(data any, j int) any {
	switch x := data.(type) {
	case []int32:
		return x[j]
	case []uint32:
		return x[j]
	case []int64:
		return x[j]
	case []uint64:
		return x[j]
	}
	return nil
}

// maxExactInt is the largest integer magnitude up to which every integer is a float32 (2^24).
const maxExactInt = 1 << 24

// features reads a modality array of shape (n, ...) as float32, checking every value.
func (src *npySource) features(name string, n int) (shape []int, values []float32, err error) {
	a, err := src.array(name)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case a.kind == 'f' && (a.size == 2 || a.size == 4 || a.size == 8), a.kind == 'i', a.kind == 'u':
	default:
		return nil, nil, src.errorf(name, "features: dtype %s is not supported; want float16, float32, float64 or an integer type", a.dtypeName())
	}
	if len(a.shape) < 2 {
		return nil, nil, src.errorf(name, "features: shape %s; want samples first and at least one feature axis, e.g. (N, d) (for one value per sample save x[:, None])",
			pyShape(a.shape))
	}
	if a.shape[0] != n {
		return nil, nil, src.errorf(name, "features: %d samples (shape %s), but labels.npy has %d; the first axis must be samples in both",
			a.shape[0], pyShape(a.shape), n)
	}
	shape = slices.Clone(a.shape[1:])
	size := 1
	for _, d := range shape {
		size *= d
	}
	if size == 0 {
		return nil, nil, src.errorf(name, "features: shape %s has no values per sample", pyShape(a.shape))
	}
	if a.len() > maxValuesPerSplit {
		return nil, nil, src.errorf(name, "features: shape %s has %d values, more than the %d this loader holds", pyShape(a.shape), a.len(), maxValuesPerSplit)
	}
	data, err := a.values()
	if err != nil {
		return nil, nil, src.errorf(name, "%v", err)
	}
	where := func(j int) string { return featureIndex(j, size, shape) }
	if values, err = src.featureFloats(name, data, where); err != nil {
		return nil, nil, err
	}
	return shape, values, nil
}

// featureIndex names the sample and feature of flat index j of features with size values per
// sample, with the feature's index in the per-sample shape when that has more than one axis.
func featureIndex(j, size int, shape []int) string {
	s := fmt.Sprintf("sample %d, feature %d", j/size, j%size)
	if len(shape) > 1 {
		idx := make([]string, len(shape))
		rem := j % size
		for k := len(shape) - 1; k >= 0; k-- {
			idx[k] = strconv.Itoa(rem % shape[k])
			rem /= shape[k]
		}
		s += fmt.Sprintf(" (index (%s) of per-sample shape %s)", strings.Join(idx, ", "), pyShape(shape))
	}
	return s
}

// featureFloats converts the values of array name (as a.values returns them) to float32: each
// must be finite and within float32's range, and an integer at most 2^24 in magnitude (exact in
// float32); where names the sample and feature of a flat index in the error.
func (src *npySource) featureFloats(name string, data any, where func(int) string) ([]float32, error) {
	notFinite := func(j int, v float64) error {
		return src.errorf(name, "features: %s is %v; want finite values", where(j), v)
	}
	switch x := data.(type) {
	case []float32:
		for j, v := range x {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, notFinite(j, f)
			}
		}
		return x, nil
	case []float64:
		values := make([]float32, len(x))
		for j, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, notFinite(j, v)
			}
			if math.Abs(v) > math.MaxFloat32 {
				return nil, src.errorf(name, "features: %s is %g, beyond float32's range (±3.4e38)", where(j), v)
			}
			values[j] = float32(v)
		}
		return values, nil
	case []float16Bits:
		values := make([]float32, len(x))
		for j, v := range x {
			f := float16ToFloat32(uint16(v))
			if g := float64(f); math.IsNaN(g) || math.IsInf(g, 0) {
				return nil, notFinite(j, g)
			}
			values[j] = f
		}
		return values, nil
	}
	ints, overflow := intValues(data)
	values := make([]float32, len(ints))
	for j, v := range ints {
		if j == overflow || v > maxExactInt || v < -maxExactInt {
			return nil, src.errorf(name, "features: %s is %s, which float32 cannot hold exactly (|v| > 2^24); save the features as floats",
				where(j), fmt.Sprint(reflectIndex(data, j)))
		}
		values[j] = float32(v)
	}
	return values, nil
}

// stratifiedSplit draws the split: per class c in increasing order, the indices of class c (in
// file order) are shuffled by one PCG(seed, streamNPYSplit) generator, the first
// round(test·n_c) go to test, the next round(val·n_c) to val and the rest to train. Each part
// is returned in increasing index order.
func stratifiedSplit(labels []int64, k int, val, test float64, seed int64) [3][]int {
	byClass := make([][]int, k)
	for i, y := range labels {
		byClass[y] = append(byClass[y], i)
	}
	r := rand.New(rand.NewPCG(uint64(seed), streamNPYSplit))
	var parts [3][]int
	for _, idx := range byClass {
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		nTest := int(math.Round(test * float64(len(idx))))
		nVal := min(int(math.Round(val*float64(len(idx)))), len(idx)-nTest)
		parts[npyTest] = append(parts[npyTest], idx[:nTest]...)
		parts[npyVal] = append(parts[npyVal], idx[nTest:nTest+nVal]...)
		parts[npyTrain] = append(parts[npyTrain], idx[nTest+nVal:]...)
	}
	for i := range parts {
		slices.Sort(parts[i])
	}
	return parts
}

// naturalCompare orders names as a person would: digit runs compare as numbers, so "m2" comes
// before "m10"; names equal in that order (e.g. "m01" and "m1") fall back to byte order.
func naturalCompare(a, b string) int {
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			x, y := strings.TrimLeft(a[si:i], "0"), strings.TrimLeft(b[sj:j], "0")
			if c := cmp.Compare(len(x), len(y)); c != 0 {
				return c
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
			continue
		}
		if c := cmp.Compare(a[i], b[j]); c != 0 {
			return c
		}
		i, j = i+1, j+1
	}
	if c := cmp.Compare(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}
