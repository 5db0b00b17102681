package figures

import (
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

func TestShapleyBars(t *testing.T) {
	var runs []results.Run
	for s := range 3 {
		runs = append(runs,
			results.Run{Key: "j" + string(rune('0'+s)), Method: "joint", Seed: s, TestAcc: 0.9,
				Shapley: &results.Shapley{Values: []float64{0.4, 0.25}, PerSample: [][]results.ShapleyBin{{{Value: -0.25, Fraction: 0.1}, {Value: 0.75, Fraction: 0.9}}, {{Value: 0.25, Fraction: 1}}}}},
			results.Run{Key: "o" + string(rune('0'+s)), Method: "old", Seed: s, TestAcc: 0.9})
	}
	bar, err := ShapleyBars(runs)
	if err != nil {
		t.Fatal(err)
	}
	if sub := bar.Title.Subtitle; !strings.Contains(sub, "joint: samples with a negative value, modality 0 0.100, modality 1 0.000") {
		t.Errorf("subtitle %q", sub)
	}
	if _, err := ShapleyBars(runs[1:2]); err == nil || !strings.Contains(err.Error(), "old") {
		t.Errorf("no Shapley values: got %v", err)
	}
}
