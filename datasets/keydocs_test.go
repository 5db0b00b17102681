package datasets

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDescribeKeys checks that every built-in dataset kind documents every key it accepts, in
// canonical order, with a help text, and that the documented default is the one a spec with no
// keys gets (where the canonical string shows the key).
func TestDescribeKeys(t *testing.T) {
	keys := map[string][]string{LazyPairName: LazyPairKeys(), AVSynthName: AVSynthKeys(), TwoViewName: TwoViewKeys(),
		MNIST2ViewName: MNIST2ViewKeys(), AVMNISTName: AVMNISTKeys(), NPYName: NPYKeys()}
	for kind, want := range keys {
		docs, err := DescribeKeys(kind)
		if err != nil {
			t.Fatalf("DescribeKeys(%s): %v", kind, err)
		}
		var got []string
		for _, d := range docs {
			got = append(got, d.Key)
			if d.Help == "" || d.Type == "" {
				t.Errorf("%s key %s: no help text or type: %+v", kind, d.Key, d)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("DescribeKeys(%s) keys %v, want %v", kind, got, want)
		}
		if kind == NPYName || kind == AVMNISTName { // need files
			continue
		}
		s, err := ParseSpec(kind)
		if err != nil {
			t.Fatal(err)
		}
		_, params, _ := strings.Cut(s.String(), ":")
		for _, d := range docs {
			for kv := range strings.SplitSeq(params, ",") {
				if k, v, _ := strings.Cut(kv, "="); k == d.Key && v != d.Default {
					t.Errorf("%s key %s: documented default %q, the default spec has %q", kind, d.Key, d.Default, v)
				}
			}
		}
	}
	if _, err := DescribeKeys("nosuch"); err == nil || !strings.Contains(err.Error(), "valid datasets: ") {
		t.Errorf("DescribeKeys(nosuch) = %v, want an error listing the datasets", err)
	}
}

// TestChoicesAreTheConstants checks that the choices tags list exactly the exported constants the
// generators switch on, so a tag and the code cannot drift apart.
func TestChoicesAreTheConstants(t *testing.T) {
	want := map[string][]string{
		"lazypair/hard_sign": {HardSignRandom, HardSignFixed}, "lazypair/pair": {PairAdd, PairXOR},
		"mnist2view/source": {SourceMNIST, SourceFashion},
	}
	for kind := range map[string]bool{LazyPairName: true, MNIST2ViewName: true} {
		docs, _ := DescribeKeys(kind)
		for _, d := range docs {
			if w, ok := want[kind+"/"+d.Key]; ok {
				if !slices.Equal(d.Choices, w) {
					t.Errorf("%s key %s: choices %v, want %v", kind, d.Key, d.Choices, w)
				}
				delete(want, kind+"/"+d.Key)
			} else if d.Choices != nil {
				t.Errorf("%s key %s has choices %v this test does not know", kind, d.Key, d.Choices)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("keys without choices: %v", want)
	}
}

// TestNPYKeyHelpNamesMaxClasses checks that npy's k help text states MaxNPYClasses' value (a tag
// cannot refer to the constant).
func TestNPYKeyHelpNamesMaxClasses(t *testing.T) {
	docs, err := DescribeKeys(NPYName)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if d.Key == "k" && !strings.Contains(d.Help, "k ≤ "+strconv.Itoa(MaxNPYClasses)+" ") {
			t.Errorf("npy key k: help %q does not state MaxNPYClasses = %d", d.Help, MaxNPYClasses)
		}
	}
}
