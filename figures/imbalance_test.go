package figures

import (
	"os"
	"path/filepath"
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
	// Named by the dataset (results.CompareWeak sets WeakName from the runs): the name, not the index.
	for i := range groups[0].Lifts {
		groups[0].Lifts[i].WeakName = "audio"
	}
	if tab, err = WeakModalityTable(groups); err != nil || tab.Columns[3] != "probe audio (weak)" || !strings.Contains(tab.Title, "(audio)") {
		t.Errorf("named weak modality: columns %q, title %q, err %v; want \"probe audio (weak)\"", tab.Columns, tab.Title, err)
	}
	groups[0].Lifts[1].WeakName = "sound"
	if tab, err = WeakModalityTable(groups); err != nil || tab.Columns[3] != "probe m1 (weak)" {
		t.Errorf("two names for one modality: columns %q, err %v; want the index, \"probe m1 (weak)\"", tab.Columns, err)
	}
	groups[0].Lifts[2].Weak = 0
	if _, err := WeakModalityTable(groups); err == nil {
		t.Error("lifts of two weak modalities in one table: no error")
	}
	if _, err := WeakModalityTable(nil); err == nil {
		t.Error("no groups: no error")
	}
}

func TestLiftsCaption(t *testing.T) {
	e := func(m, ci float64) results.Estimate { return results.Estimate{Mean: m, CI95: ci, N: 5} }
	groups := []LiftGroup{{Name: "SGD", Lifts: []results.Lift{
		{Method: "joint", Reference: "joint", Weak: 1, Test: e(0.965, 0.005), WeakProbe: e(0.809, 0.015)},
		{Method: "ogmge", Reference: "joint", Weak: 1, Test: e(0.965, 0.005), WeakProbe: e(0.831, 0.013),
			DTest: e(0.0001, 0.002), DWeakProbe: e(0.022, 0.006)},
	}}}
	path := filepath.Join(t.TempDir(), "n.jsonl")
	t.Setenv(NumbersEnv, path)
	part := LiftsCaption(groups, "imb.x")
	if err := ShowCaption("%s.", part); err != nil {
		t.Fatal(err)
	}
	want := "SGD, " + MethodLabel("joint") + ": test 0.965 ± 0.005, probe m1 0.809 ± 0.015; SGD, " + MethodLabel("ogmge") +
		": test 0.965 ± 0.005, probe m1 0.831 ± 0.013 (− " + MethodLabel("joint") + ": test +0.000 ± 0.002, probe +0.022 ± 0.006, lifts it beyond the interval)"
	if part.String() != want {
		t.Errorf("caption\n%q\nwant\n%q", part.String(), want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"imb.x.sgd.joint.test", "imb.x.sgd.joint.weak_probe", "imb.x.sgd.joint.test.ci", "imb.x.sgd.ogmge.d_weak_probe",
		"imb.x.sgd.ogmge.d_weak_probe.ci", "imb.x.sgd.ogmge.d_test"} {
		if !strings.Contains(string(data), `"name":"`+name+`"`) {
			t.Errorf("%s not recorded in\n%s", name, data)
		}
	}
}
