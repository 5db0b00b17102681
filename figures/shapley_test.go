package figures

import (
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/mmlab"
)

func TestShapleyBars(t *testing.T) {
	var runs []mmlab.Run
	for s := range 3 {
		runs = append(runs,
			mmlab.Run{Key: "j" + string(rune('0'+s)), Method: "joint", Seed: s, TestAcc: 0.9,
				Shapley: &mmlab.Shapley{Values: []float64{0.4, 0.25}, PerSample: [][]mmlab.ShapleyBin{{{Value: -0.25, Fraction: 0.1}, {Value: 0.75, Fraction: 0.9}}, {{Value: 0.25, Fraction: 1}}}}},
			mmlab.Run{Key: "o" + string(rune('0'+s)), Method: "old", Seed: s, TestAcc: 0.9})
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
