package figures

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mmlab-go/mmlab/results"
)

// Published is one published test accuracy (a fraction) and where it was published.
type Published struct {
	Accuracy float64
	Source   string // e.g. "MFAS (Pérez-Rúa et al., CVPR 2019), Table 2"
}

// PublishedRow is one row of a BesidePublished table: what the row is (Label), the
// results.Summaries key of our result ("uni/m0", "joint", "ume", ...; empty when we have none) and
// the published numbers set beside it.
type PublishedRow struct {
	Label     string
	Key       string
	Published []Published
}

// BesidePublished sets our test accuracies (from runs, mean ± CI95 over seeds, as in
// ResultsTable) beside published ones: a row per PublishedRow with columns "model", "ours",
// "published" and "source". A row whose key our runs lack shows "—" for ours; a row with several
// published numbers shows them one per line of its cells. The notes say what the numbers are.
// It is an error if runs is empty.
func BesidePublished(runs []results.Run, rows []PublishedRow) (Table, error) {
	if len(runs) == 0 {
		return Table{}, errors.New("figures.BesidePublished: no runs")
	}
	sums := results.Summaries(runs)
	t := Table{Title: "Ours beside published", Columns: []string{"model", "ours", "published", "source"}}
	for _, r := range rows {
		ours := missingCell
		if s, ok := sums[r.Key]; ok {
			ours = cell(s.TestAcc, len(s.Seeds))
		}
		var accs, sources []string
		for _, p := range r.Published {
			accs = append(accs, fmtAcc(p.Accuracy))
			sources = append(sources, p.Source)
		}
		pub, src := missingCell, ""
		if len(accs) > 0 {
			pub, src = strings.Join(accs, " / "), strings.Join(sources, "; ")
		}
		t.Rows = append(t.Rows, []string{r.Label, ours, pub, src})
		t.Keys = append(t.Keys, r.Key)
	}
	t.Notes = []string{
		fmt.Sprintf("ours: test accuracy, mean ± half-width of the 95%% Student-t interval over seeds; published: as reported by the source named, on the data set it names (not ours); %s: none.", missingCell),
	}
	return t, nil
}
