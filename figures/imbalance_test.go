package figures

import (
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

func TestWeakModalityTable(t *testing.T) {
	e := func(mean, ci float64) results.Estimate { return results.Estimate{Mean: mean, CI95: ci, N: 5} }
	groups := []LiftGroup{{Name: "SGD", Lifts: []results.Lift{
		{Method: "joint", Reference: "joint", Weak: 1, Test: e(0.97, 0.01), WeakProbe: e(0.80, 0.02)},
		{Method: "ogmge", Reference: "joint", Weak: 1, Test: e(0.96, 0.01), WeakProbe: e(0.85, 0.02),
			DTest: e(-0.01, 0.005), DWeakProbe: e(0.05, 0.01)},
		{Method: "gblend", Reference: "joint", Weak: 1, Test: e(0.98, 0.01), WeakProbe: e(0.81, 0.02),
			DTest: e(0.01, 0.005), DWeakProbe: e(0.01, 0.02)},
	}}}
	tab, err := WeakModalityTable(groups)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"SGD: joint", "0.970 ± 0.010", "—", "0.800 ± 0.020", "—", "—"},
		{"SGD: OGM-GE", "0.960 ± 0.010", "-0.010 ± 0.005", "0.850 ± 0.020", "+0.050 ± 0.010", "yes"},
		{"SGD: G-Blending", "0.980 ± 0.010", "+0.010 ± 0.005", "0.810 ± 0.020", "+0.010 ± 0.020", "no"},
	}
	if len(tab.Rows) != 3 || !strings.Contains(tab.Columns[3], "m1") {
		t.Fatalf("table %+v", tab)
	}
	for i, row := range want {
		if strings.Join(tab.Rows[i], "|") != strings.Join(row, "|") {
			t.Errorf("row %d = %q, want %q", i, tab.Rows[i], row)
		}
	}
	groups[0].Lifts[2].Weak = 0
	if _, err := WeakModalityTable(groups); err == nil {
		t.Error("lifts of two weak modalities in one table: no error")
	}
	if _, err := WeakModalityTable(nil); err == nil {
		t.Error("no groups: no error")
	}
}
