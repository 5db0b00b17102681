package datasets

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tinyDataset is a valid 2-modality, 2-class dataset: m0 has shape [3], m1 shape [2], and every
// split has 4 samples with labels 0, 1, 0, 1 and tags.
func tinyDataset() *Dataset {
	split := func() *Split {
		return &Split{
			Features: [][]float32{
				{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
				{0, 1, 2, 3, 4, 5, 6, 7},
			},
			Labels: []int32{0, 1, 0, 1},
			Tags:   []Tag{0, TagHard(0), TagPaired, TagHard(0) | TagHard(1)},
		}
	}
	return &Dataset{
		Spec:       "tiny",
		NumClasses: 2,
		Modalities: []Modality{{"m0", []int{3}}, {"m1", []int{2}}},
		Train:      split(), Val: split(), Test: split(),
	}
}

func TestDatasetValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(d *Dataset) *Dataset
		want   []string // substrings of the error; nil means valid
	}{
		{"valid", func(d *Dataset) *Dataset { return d }, nil},
		{"valid without tags", func(d *Dataset) *Dataset { d.Train.Tags = nil; return d }, nil},
		{"nil dataset", func(*Dataset) *Dataset { return nil }, []string{"nil dataset"}},
		{"one modality", func(d *Dataset) *Dataset {
			d.Modalities = d.Modalities[:1]
			return d
		}, []string{"1 modalities", "at least 2"}},
		{"duplicate modality names", func(d *Dataset) *Dataset {
			d.Modalities[1].Name = "m0"
			return d
		}, []string{`"m0"`, "modalities 0 and 1"}},
		{"zero dimension in shape", func(d *Dataset) *Dataset {
			d.Modalities[1].Shape = []int{2, 0}
			return d
		}, []string{"m1", "[2 0]", "non-positive"}},
		{"one class declared", func(d *Dataset) *Dataset {
			d.NumClasses = 1
			return d
		}, []string{"NumClasses = 1"}},
		{"missing split", func(d *Dataset) *Dataset { d.Val = nil; return d }, []string{"val", "missing"}},
		{"empty split", func(d *Dataset) *Dataset {
			d.Test = &Split{Features: [][]float32{{}, {}}}
			return d
		}, []string{"test", "labels", "empty split"}},
		{"nil features", func(d *Dataset) *Dataset {
			d.Val.Features = nil
			return d
		}, []string{"val", "0 feature arrays", "want 2"}},
		{"modality count mismatch", func(d *Dataset) *Dataset {
			d.Val.Features = d.Val.Features[:1]
			return d
		}, []string{"val", "1 feature arrays", "want 2"}},
		{"sample count mismatch", func(d *Dataset) *Dataset {
			d.Train.Features[1] = d.Train.Features[1][:6]
			return d
		}, []string{"train", "m1", "3 samples", "labels has 4"}},
		{"ragged feature length", func(d *Dataset) *Dataset {
			d.Test.Features[0] = d.Test.Features[0][:11]
			return d
		}, []string{"test", "m0", "11 values", "4 samples × 3"}},
		{"tag count mismatch", func(d *Dataset) *Dataset {
			d.Train.Tags = d.Train.Tags[:3]
			return d
		}, []string{"train", "tags", "3 entries", "labels has 4"}},
		{"label too large", func(d *Dataset) *Dataset {
			d.Val.Labels[2] = 7
			return d
		}, []string{"val", "labels", "sample 2", "label 7", "< 2"}},
		{"negative label", func(d *Dataset) *Dataset {
			d.Test.Labels[3] = -1
			return d
		}, []string{"test", "labels", "sample 3", "label -1"}},
		{"NaN value", func(d *Dataset) *Dataset {
			d.Train.Features[1][5] = float32(math.NaN())
			return d
		}, []string{"train", "m1", "sample 2", "value 1", "NaN"}},
		{"+Inf value", func(d *Dataset) *Dataset {
			d.Val.Features[0][4] = float32(math.Inf(1))
			return d
		}, []string{"val", "m0", "sample 1", "value 1", "+Inf"}},
		{"-Inf value", func(d *Dataset) *Dataset {
			d.Test.Features[0][0] = float32(math.Inf(-1))
			return d
		}, []string{"test", "m0", "sample 0", "value 0", "-Inf"}},
		{"single class in train", func(d *Dataset) *Dataset {
			d.Train.Labels = []int32{1, 1, 1, 1}
			return d
		}, []string{"train", "labels", "only 1 of 2 classes", "label 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.break_(tinyDataset()).Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestSubset(t *testing.T) {
	h0, h1 := TagHard(0), TagHard(1)
	split := &Split{
		Features: [][]float32{make([]float32, 8), make([]float32, 8)},
		Labels:   make([]int32, 8),
		Tags: []Tag{
			0,                                 // 0: easy in both
			h0,                                // 1: hard-only in m0
			h1,                                // 2: hard-only in m1
			h0 | h1,                           // 3: both hard
			TagPaired,                         // 4: paired, easy in both
			TagPaired | TagPairOnly,           // 5: pair_only
			TagPaired | h0 | h1,               // 6: paired but both hard: still both_hard
			TagPaired | TagPairOnly | h0 | h1, // 7: pair_only excludes it from both_hard
		},
	}
	for _, tc := range []struct {
		name string
		want []int
	}{
		{"all", []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{"both_hard", []int{3, 6}},
		{"pair_only", []int{5, 7}},
		{"m0_hard_only", []int{1}},
		{"m1_hard_only", []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := split.Subset(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Subset(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}

	t.Run("three modalities", func(t *testing.T) {
		h2 := TagHard(2)
		s3 := &Split{
			Features: make([][]float32, 3),
			Labels:   make([]int32, 4),
			Tags:     []Tag{h0 | h1, h0 | h1 | h2, h2, h0},
		}
		for name, want := range map[string][]int{
			"both_hard":    {1}, // hard in every modality
			"m0_hard_only": {3}, // h0|h1 is hard in two modalities: in no *_hard_only subset
			"m2_hard_only": {2},
		} {
			if got, err := s3.Subset(name); err != nil || !slices.Equal(got, want) {
				t.Errorf("Subset(%q) = %v, %v; want %v", name, got, err, want)
			}
		}
	})

	for _, tc := range []struct {
		name, subset string
		split        *Split
		want         []string
	}{
		{"unknown name", "hardest", split, []string{`"hardest"`, "all, both_hard, pair_only, m0_hard_only, m1_hard_only"}},
		{"modality out of range", "m2_hard_only", split, []string{`"m2_hard_only"`, "valid subsets for 2 modalities"}},
		{"no tags", "both_hard", &Split{Features: make([][]float32, 2), Labels: make([]int32, 3)}, []string{"no", "tags", `"all"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.split.Subset(tc.subset)
			if err == nil {
				t.Fatalf("Subset(%q) = nil error, want one", tc.subset)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Subset(%q) error %q, want it to contain %q", tc.subset, err, w)
				}
			}
		})
	}

	t.Run("all without tags", func(t *testing.T) {
		s := &Split{Features: make([][]float32, 2), Labels: make([]int32, 3)}
		if got, err := s.Subset("all"); err != nil || !slices.Equal(got, []int{0, 1, 2}) {
			t.Errorf(`Subset("all") = %v, %v; want [0 1 2]`, got, err)
		}
	})
}

func TestSelectAndCounts(t *testing.T) {
	d := tinyDataset()
	sel := d.Train.Select([]int{3, 0})
	if !slices.Equal(sel.Features[0], []float32{9, 10, 11, 0, 1, 2}) ||
		!slices.Equal(sel.Features[1], []float32{6, 7, 0, 1}) ||
		!slices.Equal(sel.Labels, []int32{1, 0}) ||
		!slices.Equal(sel.Tags, []Tag{TagHard(0) | TagHard(1), 0}) {
		t.Errorf("Select([3 0]) = %+v", sel)
	}
	if got := d.Train.ClassCounts(3); !slices.Equal(got, []int{2, 2, 0}) {
		t.Errorf("ClassCounts(3) = %v, want [2 2 0]", got)
	}
	if got := (*Split)(nil).Len(); got != 0 {
		t.Errorf("nil split Len() = %d", got)
	}
	if got := (Modality{Shape: []int{2, 3, 4}}).Size(); got != 24 {
		t.Errorf("Size of [2 3 4] = %d, want 24", got)
	}
	if got := (TagPaired | TagHard(1)).String(); got != "paired|m1_hard" {
		t.Errorf("Tag.String() = %q", got)
	}
	if !strings.Contains(d.Summary(), "both_hard=1") {
		t.Errorf("Summary() = %q, want both_hard=1 in it", d.Summary())
	}
}

// FuzzDatasetValidate checks that Validate never panics, whatever the sizes, labels and values.
func FuzzDatasetValidate(f *testing.F) {
	f.Add(2, 3, 4, 4, int32(1), float32(0.5), 4, 2)
	f.Add(1<<40, 1<<20, 1<<20, 0, int32(-1), float32(math.NaN()), -1, 1)
	f.Add(3, 0, -2, 5, int32(9), float32(math.Inf(1)), 7, 30)
	f.Fuzz(func(t *testing.T, numClasses, dim0, dim1, n int, label int32, value float32, tags, modalities int) {
		d := tinyDataset()
		d.NumClasses = numClasses
		d.Modalities[0].Shape = []int{dim0}
		d.Modalities[1].Shape = []int{dim1, 1}
		for range max(0, min(modalities, 40)-2) {
			d.Modalities = append(d.Modalities, Modality{Name: strconv.Itoa(len(d.Modalities)), Shape: []int{1}})
		}
		n = min(max(n, 0), 64)
		d.Train.Labels = make([]int32, n)
		for i := range d.Train.Labels {
			d.Train.Labels[i] = label + int32(i%2)
		}
		if n > 0 {
			d.Train.Features[0] = slices.Repeat([]float32{value}, n*min(max(dim0, 0), 8))
		}
		if tags >= 0 {
			d.Train.Tags = make([]Tag, min(tags, 64))
		}
		_ = d.Validate()
		_ = d.Summary()
		for _, name := range SubsetNames(len(d.Modalities)) {
			_, _ = d.Train.Subset(name)
		}
	})
}
