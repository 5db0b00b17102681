package figures

import (
	"fmt"

	"github.com/mmlab-go/mmlab/results"
)

// FeatureMapCaption is the caption part that quotes a feature map: per feature (row), every
// method's score, e.g. "m0 hard: uni 0.771, joint 0.502, …". Each score is a named number,
// name.<feature>.<method> with the feature's test subset and the method as NumberKey makes them
// ("features.nopair.m0_hard.joint", "features.xor.pair_only.umt"), recorded when the part is
// shown with ShowCaption. Methods without a score for a feature are left out of its row.
func FeatureMapCaption(fm *results.FeatureMap, name string) Part {
	var rows []Part
	for i, f := range fm.Features {
		var cells []Part
		for j, m := range fm.Methods {
			c := fm.Cells[i][j]
			if c.Score.N == 0 {
				continue
			}
			key := fmt.Sprintf("%s.%s.%s", name, f.Subset(), NumberKey(m))
			cells = append(cells, CaptionPart("%s %.3f", MethodLabel(m), N(key, c.Score.Mean)))
		}
		rows = append(rows, CaptionPart("%s: %s", f, JoinParts(", ", cells...)))
	}
	return JoinParts("; ", rows...)
}
