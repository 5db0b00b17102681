package figures

import (
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/mmlab-go/mmlab/results"
)

// Table is a results table computed from runs (never typed by hand): a header, one row of
// formatted cells per method, and notes that say what the numbers are. Render it with Markdown
// or HTML; in a notebook, ShowHTML(t.HTML()) displays it.
type Table struct {
	Title   string     // caption; may be empty
	Columns []string   // column headers; the first is "method"
	Rows    [][]string // one per method, len(Columns) cells each; the first cell names the method
	Keys    []string   // Keys[i] is the results.Summaries key of Rows[i] ("uni/m0", "joint", ...)
	Notes   []string   // what the cells mean, one sentence each
}

// missingCell marks a quantity a method does not have (e.g. a probe for a modality it has no
// encoder for, or a subset no run reports).
const missingCell = "—"

// ResultsTable summarises runs over seeds (results.Summaries) into a table with a row per method —
// the uni-modal model of each modality ("uni-modal m0", ...), then UME, joint, UMT and the rest —
// and columns: test accuracy, validation accuracy, the linear-probe accuracy of the method's
// encoder for each modality, accuracy on the both_hard and pair_only subsets, and the number of
// seeds. Each number is "mean ± CI95" over seeds (the half-width of the 95% Student-t interval,
// results.Summarize); one seed shows the mean alone; a cell over fewer seeds than its row says
// "(n=…)"; "—" marks what a method does not have.
//
// It is an error if runs is empty or a run has no method name.
func ResultsTable(runs []results.Run) (Table, error) {
	if len(runs) == 0 {
		return Table{}, errors.New("figures.ResultsTable: no runs")
	}
	for i := range runs {
		if runs[i].Method == "" {
			return Table{}, fmt.Errorf("figures.ResultsTable: run %d (key %q, seed %d) has no method name", i, runs[i].Key, runs[i].Seed)
		}
	}
	sums := results.Summaries(runs)
	var keys []string
	numModalities := 0
	for key, s := range sums {
		numModalities = max(numModalities, len(s.ProbeAcc))
		if sums[key].PerModality {
			continue // e.g. the "uni" probes row: its numbers are in the rows "uni/m0", "uni/m1", ...
		}
		keys = append(keys, key)
	}
	sortMethods(keys)

	t := Table{
		Title:   "Results",
		Columns: []string{"method", "test acc", "val acc"},
		Keys:    keys,
	}
	names := modalityNames(runs)
	for m := range numModalities {
		t.Columns = append(t.Columns, probeColumn(names, m))
	}
	subsets := []string{SubsetBothHard, SubsetPairOnly}
	t.Columns = append(t.Columns, subsets...)
	costed := false // cost columns only for runs that recorded their cost (issue 18)
	for _, key := range keys {
		costed = costed || sums[key].Params.N > 0
	}
	if costed {
		t.Columns = append(t.Columns, "params", "train FLOPs/sample", "train s/run")
	}
	t.Columns = append(t.Columns, "seeds")

	for _, key := range keys {
		s := sums[key]
		n := len(s.Seeds)
		row := []string{seriesLabel(key, names), cell(s.TestAcc, n), cell(s.ValAcc, n)}
		for m := range numModalities {
			if m < len(s.ProbeAcc) && s.ProbeAcc[m] != nil {
				row = append(row, cell(*s.ProbeAcc[m], n))
			} else {
				row = append(row, missingCell)
			}
		}
		for _, subset := range subsets {
			row = append(row, cell(s.SubsetAcc[subset], n))
		}
		if costed {
			row = append(row, costCells(s)...)
		}
		seeds := strconv.Itoa(n)
		if s.N != n {
			seeds += fmt.Sprintf(" (%d runs)", s.N)
		}
		t.Rows = append(t.Rows, append(row, seeds))
	}
	t.Notes = []string{
		"Accuracies are fractions: mean ± half-width of the 95% Student-t confidence interval over seeds; " + missingCell + ": not measured.",
		"probe X: linear-probe test accuracy of the method's encoder for modality X (named as the dataset names it, else m0, m1, ...).",
		"both_hard, pair_only: test accuracy on those diagnostic subsets.",
	}
	if costed {
		t.Notes = append(t.Notes, "params: trainable parameters of the predictor (UME: its members'); train FLOPs/sample: the run's own "+
			"training FLOPs per training sample (dense and dot products, forward and backward, as bench/README.md counts; UME trains "+
			"nothing, UMT's uni-modal teachers are the uni-modal rows); train s/run: training wall time, mean over seeds, which "+
			"varies with the machine and its load.")
	}
	return t, nil
}

// probeColumn is the header of modality m's probe column: "probe image" with the dataset's
// modality names (results.Run.ModalityNames), "probe m0" without them.
func probeColumn(names []string, m int) string {
	if m < len(names) && names[m] != "" {
		return "probe " + names[m]
	}
	return "probe m" + strconv.Itoa(m)
}

// costCells formats a summary's cost: parameters and FLOPs as means with an SI prefix, train
// seconds as mean ± CI95; "—" where no run recorded them.
func costCells(s results.MethodSummary) []string {
	if s.Params.N == 0 {
		return []string{missingCell, missingCell, missingCell}
	}
	secs := fmt.Sprintf("%.1f", s.TrainSeconds.Mean)
	if s.TrainSeconds.N > 1 {
		secs += fmt.Sprintf(" ± %.1f", s.TrainSeconds.CI95)
	}
	return []string{siNumber(s.Params.Mean), siNumber(s.TrainFLOPs.Mean), secs}
}

// siNumber formats x with three significant digits and an SI prefix: 7556 → "7.56 k".
func siNumber(x float64) string {
	for _, p := range []struct {
		scale  float64
		prefix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if x >= p.scale {
			return strconv.FormatFloat(x/p.scale, 'g', 3, 64) + " " + p.prefix
		}
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

// cell formats an estimate over seeds for a row of rowSeeds seeds: "0.944 ± 0.011", the mean
// alone for one seed, "(n=3)" appended when it covers fewer seeds than the row, "—" for none.
func cell(e results.Estimate, rowSeeds int) string {
	var s string
	switch e.N {
	case 0:
		return missingCell
	case 1:
		s = fmtAcc(e.Mean)
	default:
		s = fmtAcc(e.Mean) + " ± " + fmtAcc(e.CI95)
	}
	if e.N != rowSeeds {
		s += fmt.Sprintf(" (n=%d)", e.N)
	}
	return s
}

// Markdown renders the table as a GitHub-flavoured Markdown table (numbers right-aligned),
// preceded by its title in bold and followed by its notes.
func (t Table) Markdown() string {
	var b strings.Builder
	if t.Title != "" {
		fmt.Fprintf(&b, "**%s**\n\n", escapeMarkdown(t.Title))
	}
	b.WriteString("|")
	for _, c := range t.Columns {
		b.WriteString(" " + escapeMarkdown(c) + " |")
	}
	b.WriteString("\n|")
	for i := range t.Columns {
		if i == 0 {
			b.WriteString(" --- |")
		} else {
			b.WriteString(" ---: |")
		}
	}
	b.WriteString("\n")
	for _, row := range t.Rows {
		b.WriteString("|")
		for _, c := range row {
			b.WriteString(" " + escapeMarkdown(c) + " |")
		}
		b.WriteString("\n")
	}
	if len(t.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range t.Notes {
			b.WriteString(escapeMarkdown(n) + "\n")
		}
	}
	return b.String()
}

// escapeMarkdown escapes the characters that would break a Markdown table row: "|" and newlines.
func escapeMarkdown(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// HTML renders the table as a self-contained HTML <table> (inline styles only, numbers
// right-aligned in tabular figures), with the title as caption and the notes below it.
func (t Table) HTML() string {
	var b strings.Builder
	b.WriteString(`<div class="mmlab-table">` + "\n")
	b.WriteString(`<table style="border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px;">` + "\n")
	if t.Title != "" {
		fmt.Fprintf(&b, `<caption style="text-align: left; font-weight: bold; padding-bottom: 4px;">%s</caption>`+"\n", html.EscapeString(t.Title))
	}
	b.WriteString("<thead><tr>")
	for i, c := range t.Columns {
		fmt.Fprintf(&b, `<th style="%s border-bottom: 2px solid #333; padding: 3px 8px;">%s</th>`, align(i), html.EscapeString(c))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, row := range t.Rows {
		b.WriteString("<tr>")
		for i, c := range row {
			fmt.Fprintf(&b, `<td style="%s border-bottom: 1px solid #ddd; padding: 3px 8px; white-space: nowrap;">%s</td>`, align(i), html.EscapeString(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	for _, n := range t.Notes {
		fmt.Fprintf(&b, `<p style="font-size: 12px; color: #555; margin: 2px 0;">%s</p>`+"\n", html.EscapeString(n))
	}
	b.WriteString("</div>\n")
	return b.String()
}

// align is the text alignment of column i: the method names left, the numbers right.
func align(i int) string {
	if i == 0 {
		return "text-align: left;"
	}
	return "text-align: right;"
}
