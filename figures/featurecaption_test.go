package figures

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

func TestFeatureMapCaptionNamesEveryScore(t *testing.T) {
	cell := func(m float64, n int) results.FeatureCell {
		return results.FeatureCell{Score: results.Estimate{Mean: m, N: n}}
	}
	fm := &results.FeatureMap{
		Features: []results.Feature{results.HardFeature(0), results.PairedFeature()},
		Methods:  []string{"uni", "joint", "UMT free_dims=32"},
		Cells: [][]results.FeatureCell{
			{cell(0.7712, 5), cell(0.5021, 5), cell(0.77, 5)},
			{cell(0.42, 5), cell(0.96, 5), cell(0, 0)}, // no paired score for the last method
		},
	}
	path := filepath.Join(t.TempDir(), "n.jsonl")
	t.Setenv(NumbersEnv, path)
	part := FeatureMapCaption(fm, "features.x")
	if err := ShowCaption("Scores: %s.", part); err != nil {
		t.Fatal(err)
	}
	want := "m0 hard: " + MethodLabel("uni") + " 0.771, " + MethodLabel("joint") + " 0.502, UMT free_dims=32 0.770; paired: " +
		MethodLabel("uni") + " 0.420, " + MethodLabel("joint") + " 0.960"
	if part.String() != want {
		t.Errorf("caption part\n%q\nwant\n%q", part.String(), want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"features.x.m0_hard.uni", "features.x.m0_hard.joint", "features.x.m0_hard.umt_free_dims_32",
		"features.x.pair_only.uni", "features.x.pair_only.joint"} {
		if !strings.Contains(string(data), `"name":"`+name+`"`) {
			t.Errorf("%s not recorded in\n%s", name, data)
		}
	}
	if n := strings.Count(string(data), "\n"); n != 5 {
		t.Errorf("%d numbers recorded, want 5", n)
	}
}

func TestNumberKey(t *testing.T) {
	for in, want := range map[string]string{"UMT free_dims=32": "umt_free_dims_32", "uni/m0": "uni_m0",
		"joint_wide": "joint_wide", "best single": "best_single", " x ": "x"} {
		if got := NumberKey(in); got != want {
			t.Errorf("NumberKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func ExampleCaptionPart() {
	var parts []Part
	for _, m := range []struct {
		name string
		acc  float64
	}{{"ume", 0.9941}, {"joint", 0.9762}} {
		// Each part keeps its named number; ShowCaption records both.
		parts = append(parts, CaptionPart("%s %.3f", m.name, N("example.test."+m.name, m.acc)))
	}
	_ = ShowCaption("Test accuracy: %s.", JoinParts(", ", parts...))
	// Output: Test accuracy: ume 0.994, joint 0.976.
}
