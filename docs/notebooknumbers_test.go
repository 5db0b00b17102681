package docs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// captionedNotebooks quote no result numbers in markdown: their captions are code cells that
// print the numbers from the computed results (figures.ShowCaption; docs/ARCHITECTURE.md,
// "Numbers in prose"). Add a notebook here once its captions are converted.
var captionedNotebooks = []string{"00_tour.ipynb", "01_modality_laziness.ipynb", "02_ume_vs_umt.ipynb",
	"04_bring_your_own_data.ipynb"}

// resultNumber matches what a typed-in result looks like: a decimal with two or more fractional
// digits (0.949, .05) or an interval (± 0.016). Numbers in code spans are inputs (keys, defaults).
var (
	resultNumber = regexp.MustCompile(`(^|[^\w.])[0-9]*\.[0-9]{2,}|±\s*[0-9]*\.[0-9]`)
	codeSpan     = regexp.MustCompile("`[^`]*`")
)

func TestNotebookMarkdownQuotesNoResults(t *testing.T) {
	for _, name := range captionedNotebooks {
		data, err := os.ReadFile(filepath.Join("..", "notebooks", name))
		if err != nil {
			t.Fatal(err)
		}
		var nb struct {
			Cells []struct {
				CellType string   `json:"cell_type"`
				Source   []string `json:"source"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(data, &nb); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, c := range nb.Cells {
			if c.CellType != "markdown" {
				continue
			}
			text := codeSpan.ReplaceAllString(strings.Join(c.Source, ""), "")
			if m := resultNumber.FindString(text); m != "" {
				t.Errorf("%s, cell %d: markdown quotes %q; print result numbers from the results with figures.ShowCaption",
					name, i, strings.TrimSpace(m))
			}
		}
	}
}
