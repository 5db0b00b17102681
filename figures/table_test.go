package figures

import (
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

func TestResultsTable(t *testing.T) {
	runs := testStudy()
	// UMT seed 2 did not report pair_only: that cell covers 2 seeds, {0.59, 0.60}: mean 0.595,
	// std 0.00707, CI = t(0.975; 1)·0.00707/√2 = 12.706·0.005 = 0.0635.
	for i := range runs {
		if runs[i].Method == "umt" && runs[i].Seed == 2 {
			delete(runs[i].SubsetAcc, SubsetPairOnly)
		}
	}
	tab, err := ResultsTable(runs)
	if err != nil {
		t.Fatal(err)
	}
	wantCols := []string{"method", "test acc", "val acc", "probe m0", "probe m1", "both_hard", "pair_only", "seeds"}
	if !slices.Equal(tab.Columns, wantCols) {
		t.Errorf("columns %q, want %q", tab.Columns, wantCols)
	}
	if want := []string{"uni/m0", "uni/m1", "ume", "joint", "umt"}; !slices.Equal(tab.Keys, want) {
		t.Errorf("rows %q, want %q", tab.Keys, want)
	}
	// δ = 0.01 over 3 seeds: CI 0.0248 → "± 0.025"; δ = 0.02: 0.0497 → "± 0.050"; δ = 0.05: 0.124.
	want := [][]string{
		{"uni-modal m0", "0.900 ± 0.025", "0.890 ± 0.025", "0.940 ± 0.025", "—", "0.620 ± 0.050", "0.360 ± 0.025", "3"},
		{"uni-modal m1", "0.910 ± 0.025", "0.900 ± 0.025", "—", "0.950 ± 0.025", "0.600 ± 0.050", "0.350 ± 0.025", "3"},
		{"UME", "0.980 ± 0.025", "0.970 ± 0.025", "—", "—", "0.900 ± 0.025", "0.360 ± 0.025", "3"},
		{"joint", "0.970 ± 0.025", "0.960 ± 0.025", "0.890 ± 0.025", "0.900 ± 0.025", "0.450 ± 0.124", "0.700 ± 0.025", "3"},
		{"UMT", "0.980 ± 0.025", "0.970 ± 0.025", "0.940 ± 0.025", "0.950 ± 0.025", "0.900 ± 0.025", "0.595 ± 0.064 (n=2)", "3"},
	}
	for i, row := range tab.Rows {
		if !slices.Equal(row, want[i]) {
			t.Errorf("row %d:\n got %q\nwant %q", i, row, want[i])
		}
	}
	// The numbers come from results.Summarize, not from this test's arithmetic.
	if e := results.Summarize([]float64{0.59, 0.60}); fmtAcc(e.Mean)+" ± "+fmtAcc(e.CI95) != "0.595 ± 0.064" {
		t.Errorf("two-seed cell: Summarize gives %v", e)
	}

	md := tab.Markdown()
	for _, w := range []string{
		"| method | test acc | val acc | probe m0 | probe m1 | both_hard | pair_only | seeds |\n",
		"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
		"| joint | 0.970 ± 0.025 | 0.960 ± 0.025 | 0.890 ± 0.025 | 0.900 ± 0.025 | 0.450 ± 0.124 | 0.700 ± 0.025 | 3 |\n",
		"95% Student-t confidence interval",
	} {
		if !strings.Contains(md, w) {
			t.Errorf("Markdown lacks %q:\n%s", w, md)
		}
	}
	h := tab.HTML()
	for _, w := range []string{"<table", "<th style=\"text-align: left;", "<td style=\"text-align: right;", ">0.450 ± 0.124</td>", "</table>", "<caption"} {
		if !strings.Contains(h, w) {
			t.Errorf("HTML lacks %q:\n%s", w, h)
		}
	}
}

func TestResultsTableEscapes(t *testing.T) {
	tab, err := ResultsTable([]results.Run{{Method: "<b>a|b</b>", TestAcc: 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	if h := tab.HTML(); strings.Contains(h, "<b>") || !strings.Contains(h, "&lt;b&gt;a|b&lt;/b&gt;") {
		t.Errorf("HTML does not escape the method name:\n%s", h)
	}
	if md := tab.Markdown(); !strings.Contains(md, `| <b>a\|b</b> | 0.500 |`) {
		t.Errorf("Markdown does not escape the cell's |:\n%s", md)
	}
}

func TestResultsTableErrors(t *testing.T) {
	if _, err := ResultsTable(nil); err == nil || !strings.Contains(err.Error(), "no runs") {
		t.Errorf("no runs: error %v", err)
	}
	_, err := ResultsTable([]results.Run{{Key: "k1", Seed: 4}})
	if err == nil || !strings.Contains(err.Error(), `run 0 (key "k1", seed 4) has no method name`) {
		t.Errorf("no method: error %v", err)
	}
}

func TestShowHTMLOutsideNotebook(t *testing.T) {
	if err := ShowHTML("<p>hi</p>"); err != nil {
		t.Errorf("ShowHTML outside a notebook: %v", err)
	}
	if err := ShowHTML("  "); err == nil {
		t.Error("ShowHTML of nothing: want an error")
	}
}

// TestResultsTableCost: runs that recorded their cost get the cost columns.
func TestResultsTableCost(t *testing.T) {
	runs := []results.Run{
		{Key: "a", Method: "joint", Seed: 0, TestAcc: 0.9, Params: 17028, TrainFLOPs: 1.2e7, TrainSeconds: 3},
		{Key: "b", Method: "joint", Seed: 1, TestAcc: 0.9, Params: 17028, TrainFLOPs: 1.2e7, TrainSeconds: 5},
		{Key: "c", Method: "old", Seed: 0, TestAcc: 0.9},
	}
	tab, err := ResultsTable(runs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"method", "test acc", "val acc", "both_hard", "pair_only", "params", "train FLOPs/sample", "train s/run", "seeds"}; !slices.Equal(tab.Columns, want) {
		t.Fatalf("columns %q, want %q", tab.Columns, want)
	}
	// Train seconds {3, 5}: mean 4, CI t(0.975; 1)·√2/√2 = 12.706.
	for i, want := range [][]string{{"17 k", "12 M", "4.0 ± 12.7"}, {"—", "—", "—"}} {
		if got := tab.Rows[i][5:8]; !slices.Equal(got, want) {
			t.Errorf("row %s: cost %q, want %q", tab.Keys[i], got, want)
		}
	}
}

// TestResultsTableModalityNames checks that the probe columns and the uni-modal rows take the
// dataset's modality names from the runs (issue 16), and fall back to m0, m1 when runs of two
// datasets disagree on them.
func TestResultsTableModalityNames(t *testing.T) {
	runs := testStudy()
	for i := range runs {
		runs[i].ModalityNames = []string{"image", "audio, mono"} // a comma: CSV must quote it
	}
	tab, err := ResultsTable(runs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"probe image", "probe audio, mono"}; !slices.Equal(tab.Columns[3:5], want) {
		t.Errorf("probe columns %q, want %q", tab.Columns[3:5], want)
	}
	if tab.Rows[0][0] != "uni-modal image" {
		t.Errorf("first row %q, want uni-modal image", tab.Rows[0][0])
	}
	runs[0].ModalityNames = []string{"front", "rear"}
	if tab, err = ResultsTable(runs); err != nil || !slices.Equal(tab.Columns[3:5], []string{"probe m0", "probe m1"}) {
		t.Errorf("disagreeing names: columns %q (%v), want probe m0, probe m1", tab.Columns, err)
	}
}
