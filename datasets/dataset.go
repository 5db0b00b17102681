package datasets

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Modality describes one input modality: its name and the shape of one sample.
type Modality struct {
	Name  string // e.g. "m0"
	Shape []int  // per-sample shape, e.g. []int{48}; empty means a scalar per sample
}

// Size returns the number of values in one sample of the modality: the product of Shape
// (1 for an empty Shape).
func (m Modality) Size() int {
	size := 1
	for _, d := range m.Shape {
		size *= d
	}
	return size
}

// Tag is a per-sample bitmask of diagnostic tags. Bits 0–7 are flags (TagPaired, TagPairOnly);
// bit 8+m is TagHard(m), so tags describe at most MaxTaggedModalities modalities.
type Tag uint32

const (
	// TagPaired marks a sample that carries the paired (cross-modal) feature.
	TagPaired Tag = 1 << iota
	// TagPairOnly marks a paired sample whose uni-modal features were switched off: only the
	// paired feature decides its label.
	TagPairOnly
)

// MaxTaggedModalities is the number of modalities a Tag can describe (bits 8–31).
const MaxTaggedModalities = 24

// TagHard returns the tag bit saying that modality m is hard-only: it carries the hard uni-modal
// feature and not the easy one. The bit is never set on TagPairOnly samples (they carry no
// uni-modal feature), so "easy in m" means neither TagHard(m) nor TagPairOnly.
// It panics if m is outside [0, MaxTaggedModalities): that is a programming error.
func TagHard(m int) Tag {
	if m < 0 || m >= MaxTaggedModalities {
		panic(fmt.Sprintf("datasets.TagHard: modality %d outside [0, %d)", m, MaxTaggedModalities))
	}
	return 1 << (8 + m)
}

// Has reports whether every bit of flags is set in t.
func (t Tag) Has(flags Tag) bool { return t&flags == flags }

// String lists the set tags, e.g. "paired|m1_hard"; "none" for no tags.
func (t Tag) String() string {
	var parts []string
	if t.Has(TagPaired) {
		parts = append(parts, "paired")
	}
	if t.Has(TagPairOnly) {
		parts = append(parts, "pair_only")
	}
	for m := range MaxTaggedModalities {
		if t.Has(TagHard(m)) {
			parts = append(parts, fmt.Sprintf("m%d_hard", m))
		}
	}
	if unknown := t & 0xfc; unknown != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint32(unknown)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// Split is one of a dataset's train / validation / test sets.
type Split struct {
	Features [][]float32 // [modality] → row-major [N × Modality.Size()]
	Labels   []int32     // [N], in [0, NumClasses)
	Tags     []Tag       // [N], or nil when the data has no tags
}

// Len returns the number of samples (0 for a nil split).
func (s *Split) Len() int {
	if s == nil {
		return 0
	}
	return len(s.Labels)
}

// SubsetNames lists the diagnostic subsets of a dataset with numModalities modalities, in the
// order reports use: "all", "both_hard", "pair_only", then "m0_hard_only", "m1_hard_only", ….
func SubsetNames(numModalities int) []string {
	names := []string{"all", "both_hard", "pair_only"}
	for m := range numModalities {
		names = append(names, fmt.Sprintf("m%d_hard_only", m))
	}
	return names
}

// Subset returns the indices of the samples in the named diagnostic subset:
// "all"; "both_hard" (hard-only in every modality and not pair_only); "pair_only";
// and "m<i>_hard_only" (hard-only in modality i, easy in every other, not pair_only).
// Unknown names are an error listing the valid ones. A split without tags has only "all".
// The indices are increasing; an empty subset is an empty, non-nil slice.
func (s *Split) Subset(name string) ([]int, error) {
	numModalities := len(s.Features)
	valid := SubsetNames(numModalities)
	if !slices.Contains(valid, name) {
		return nil, fmt.Errorf("datasets: unknown subset %q; valid subsets for %d modalities: %s",
			name, numModalities, strings.Join(valid, ", "))
	}
	n := s.Len()
	if name == "all" {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	if s.Tags == nil {
		return nil, fmt.Errorf("datasets: subset %q needs per-sample tags, and this split has none (only \"all\" is available)", name)
	}
	if len(s.Tags) != n {
		return nil, fmt.Errorf("datasets: subset %q: %d tags for %d samples", name, len(s.Tags), n)
	}
	if numModalities > MaxTaggedModalities {
		return nil, fmt.Errorf("datasets: subset %q: tags describe at most %d modalities, this split has %d",
			name, MaxTaggedModalities, numModalities)
	}
	var allHard Tag
	for m := range numModalities {
		allHard |= TagHard(m)
	}
	var keep func(t Tag) bool
	switch name {
	case "both_hard":
		keep = func(t Tag) bool { return !t.Has(TagPairOnly) && t.Has(allHard) }
	case "pair_only":
		keep = func(t Tag) bool { return t.Has(TagPairOnly) }
	default: // m<i>_hard_only, already checked against SubsetNames
		m, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "m"), "_hard_only"))
		if err != nil {
			return nil, fmt.Errorf("datasets: subset %q: %w", name, err)
		}
		keep = func(t Tag) bool { return !t.Has(TagPairOnly) && t&allHard == TagHard(m) }
	}
	idx := []int{}
	for i, t := range s.Tags {
		if keep(t) {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

// Select returns a new split holding the samples at idx, in that order (copies, not views).
// Indices must be in [0, Len()); Select panics otherwise, like a slice index would.
func (s *Split) Select(idx []int) *Split {
	out := &Split{Features: make([][]float32, len(s.Features)), Labels: make([]int32, len(idx))}
	for m, f := range s.Features {
		size := 0
		if s.Len() > 0 {
			size = len(f) / s.Len()
		}
		rows := make([]float32, 0, len(idx)*size)
		for _, i := range idx {
			rows = append(rows, f[i*size:(i+1)*size]...)
		}
		out.Features[m] = rows
	}
	for j, i := range idx {
		out.Labels[j] = s.Labels[i]
	}
	if s.Tags != nil {
		out.Tags = make([]Tag, len(idx))
		for j, i := range idx {
			out.Tags[j] = s.Tags[i]
		}
	}
	return out
}

// ClassCounts returns how many samples of each class in [0, numClasses) the split holds;
// labels outside that range are not counted. A nil split has no samples.
func (s *Split) ClassCounts(numClasses int) []int {
	counts := make([]int, max(numClasses, 0))
	if s == nil {
		return counts
	}
	for _, y := range s.Labels {
		if y >= 0 && int(y) < numClasses {
			counts[y]++
		}
	}
	return counts
}

// Dataset is M ≥ 2 modalities with integer labels in [0, NumClasses), split into train,
// validation and test sets, with optional per-sample diagnostic tags.
type Dataset struct {
	// Spec is the canonical resolved spec, every key present, e.g.
	// "lazypair:k=4,dim=48,...,seed=1"; ParseSpec(Spec) regenerates the data.
	Spec string
	// NumClasses is K: labels are in [0, K).
	NumClasses int
	// Modalities describes each modality, in the order of Split.Features.
	Modalities []Modality
	// Train, Val and Test are the splits; Validate requires all three to be non-empty.
	Train, Val, Test *Split
}

// SplitNames are the names Validate, Split and Summary use for Train, Val and Test.
var SplitNames = []string{"train", "val", "test"}

// Split returns the split called name ("train", "val" or "test").
func (d *Dataset) Split(name string) (*Split, error) {
	switch name {
	case "train":
		return d.Train, nil
	case "val":
		return d.Val, nil
	case "test":
		return d.Test, nil
	}
	return nil, fmt.Errorf("datasets: unknown split %q; valid splits: %s", name, strings.Join(SplitNames, ", "))
}

func (d *Dataset) splits() []*Split { return []*Split{d.Train, d.Val, d.Test} }

// maxValuesPerSplit bounds N × Size for one modality of one split (4 GiB of float32), so that
// sizes computed from a malformed Shape cannot overflow.
const maxValuesPerSplit = 1 << 30

// Validate checks everything and returns an error naming the split, the field (modality name /
// "labels" / "tags") and the offending value/index: ≥ 2 modalities, counts equal across
// modalities/labels/tags, feature lengths = N × Size, labels in [0,K), finite values (no NaN/Inf),
// non-empty splits, ≥ 2 classes present in train. Never panics.
//
// It reports the first problem found, checking the dataset's description first, then train,
// val and test in that order.
func (d *Dataset) Validate() error {
	if d == nil {
		return fmt.Errorf("datasets: nil dataset")
	}
	if len(d.Modalities) < 2 {
		return fmt.Errorf("datasets: %d modalities, want at least 2", len(d.Modalities))
	}
	seen := map[string]int{}
	for i, m := range d.Modalities {
		if m.Name == "" {
			return fmt.Errorf("datasets: modality %d has an empty name", i)
		}
		if j, dup := seen[m.Name]; dup {
			return fmt.Errorf("datasets: modalities %d and %d are both named %q", j, i, m.Name)
		}
		seen[m.Name] = i
		size := 1
		for _, dim := range m.Shape {
			if dim <= 0 {
				return fmt.Errorf("datasets: modality %s: shape %v has a non-positive dimension %d", m.Name, m.Shape, dim)
			}
			if size > maxValuesPerSplit/dim {
				return fmt.Errorf("datasets: modality %s: shape %v has more than %d values per sample", m.Name, m.Shape, maxValuesPerSplit)
			}
			size *= dim
		}
	}
	if d.NumClasses < 2 {
		return fmt.Errorf("datasets: NumClasses = %d, want at least 2", d.NumClasses)
	}
	for i, s := range d.splits() {
		if err := d.validateSplit(SplitNames[i], s); err != nil {
			return err
		}
	}
	first := d.Train.Labels[0]
	if !slices.ContainsFunc(d.Train.Labels, func(y int32) bool { return y != first }) {
		return fmt.Errorf("datasets: train: labels: only 1 of %d classes present (label %d everywhere), want at least 2",
			d.NumClasses, first)
	}
	return nil
}

func (d *Dataset) validateSplit(name string, s *Split) error {
	if s == nil {
		return fmt.Errorf("datasets: %s: split missing (nil)", name)
	}
	n := len(s.Labels)
	if n == 0 {
		return fmt.Errorf("datasets: %s: labels: empty split (0 samples)", name)
	}
	if len(s.Features) != len(d.Modalities) {
		return fmt.Errorf("datasets: %s: %d feature arrays, want %d (one per modality)", name, len(s.Features), len(d.Modalities))
	}
	for m, f := range s.Features {
		mod := d.Modalities[m]
		size := mod.Size()
		if n > maxValuesPerSplit/size {
			return fmt.Errorf("datasets: %s: %s: %d samples × %d values exceeds %d values", name, mod.Name, n, size, maxValuesPerSplit)
		}
		if len(f) != n*size {
			if len(f)%size == 0 {
				return fmt.Errorf("datasets: %s: %s: %d samples, but labels has %d (counts must be equal across modalities and labels)",
					name, mod.Name, len(f)/size, n)
			}
			return fmt.Errorf("datasets: %s: %s: %d values, want %d samples × %d (shape %v) = %d",
				name, mod.Name, len(f), n, size, mod.Shape, n*size)
		}
	}
	if s.Tags != nil {
		if len(s.Tags) != n {
			return fmt.Errorf("datasets: %s: tags: %d entries, but labels has %d (want one tag per sample)", name, len(s.Tags), n)
		}
		if len(d.Modalities) > MaxTaggedModalities {
			return fmt.Errorf("datasets: %s: tags: tags describe at most %d modalities, the dataset has %d",
				name, MaxTaggedModalities, len(d.Modalities))
		}
	}
	for i, y := range s.Labels {
		if y < 0 || int(y) >= d.NumClasses {
			return fmt.Errorf("datasets: %s: labels: sample %d has label %d, want 0 ≤ label < %d", name, i, y, d.NumClasses)
		}
	}
	for m, f := range s.Features {
		size := d.Modalities[m].Size()
		for j, v := range f {
			if x := float64(v); math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("datasets: %s: %s: sample %d, value %d is %v (want finite values)",
					name, d.Modalities[m].Name, j/size, j%size, v)
			}
		}
	}
	return nil
}

// String is a one-line description: spec, modalities, classes and split sizes.
func (d *Dataset) String() string {
	var mods []string
	for _, m := range d.Modalities {
		mods = append(mods, fmt.Sprintf("%s%v", m.Name, m.Shape))
	}
	return fmt.Sprintf("%s: %d modalities [%s], %d classes, train/val/test %d/%d/%d",
		d.Spec, len(d.Modalities), strings.Join(mods, " "), d.NumClasses, d.Train.Len(), d.Val.Len(), d.Test.Len())
}

// Summary is a multi-line description for notebooks: the one-line description, then per split
// the size, the class counts (their range when there are more than 20 classes) and, when the
// split has tags, the size of every diagnostic subset.
func (d *Dataset) Summary() string {
	var b strings.Builder
	b.WriteString(d.String())
	b.WriteByte('\n')
	for i, s := range d.splits() {
		fmt.Fprintf(&b, "  %-5s %6d samples, %s", SplitNames[i], s.Len(), classCountsSummary(s, d.NumClasses))
		if s != nil && s.Tags != nil {
			b.WriteString(", subsets")
			for _, name := range SubsetNames(len(d.Modalities))[1:] {
				if idx, err := s.Subset(name); err == nil {
					fmt.Fprintf(&b, " %s=%d", name, len(idx))
				}
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// classCountsSummary lists the class counts, or their range for more than 20 classes.
func classCountsSummary(s *Split, numClasses int) string {
	if numClasses <= 20 {
		return fmt.Sprintf("classes %v", s.ClassCounts(numClasses))
	}
	counts := map[int32]int{}
	for _, y := range s.Labels {
		if y >= 0 && int(y) < numClasses {
			counts[y]++
		}
	}
	lo, hi := 0, 0
	if len(counts) == numClasses {
		lo = s.Len()
	}
	for _, c := range counts {
		lo, hi = min(lo, c), max(hi, c)
	}
	return fmt.Sprintf("%d classes, %d–%d samples per class", numClasses, lo, hi)
}
