package figures

import (
	"slices"
	"strings"
	"testing"
)

func TestBesidePublished(t *testing.T) {
	runs := testStudy() // uni m0 0.90, joint 0.97 over 3 seeds (see TestResultsTable)
	tab, err := BesidePublished(runs, []PublishedRow{
		{Label: "image only", Key: "uni/m0", Published: []Published{{0.651, "A"}, {0.745, "B"}}},
		{Label: "late fusion", Key: "joint", Published: []Published{{0.714, "A"}}},
		{Label: "theirs only", Key: "nope", Published: []Published{{0.8, "C"}}},
		{Label: "ours only", Key: "ume"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"image only", "0.900 ± 0.025", "0.651 / 0.745", "A; B"},
		{"late fusion", "0.970 ± 0.025", "0.714", "A"},
		{"theirs only", "—", "0.800", "C"},
		{"ours only", "0.980 ± 0.025", "—", ""},
	}
	for i, row := range tab.Rows {
		if !slices.Equal(row, want[i]) {
			t.Errorf("row %d: got %q, want %q", i, row, want[i])
		}
	}
	if !strings.Contains(tab.Markdown(), "| image only | 0.900 ± 0.025 | 0.651 / 0.745 | A; B |") {
		t.Errorf("Markdown:\n%s", tab.Markdown())
	}
	if _, err := BesidePublished(nil, nil); err == nil {
		t.Error("no runs: no error")
	}
}
