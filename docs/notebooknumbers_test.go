package docs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// captionedNotebooks quote no result numbers in markdown: their captions are code cells that
// print the numbers from the computed results (figures.ShowCaption; docs/ARCHITECTURE.md,
// "Numbers in prose"). Add a notebook here once its captions are converted.
var captionedNotebooks = []string{"00_tour.ipynb", "01_modality_laziness.ipynb", "02_ume_vs_umt.ipynb",
	"04_bring_your_own_data.ipynb", "03_feature_phase_diagram.ipynb", "05_baselines.ipynb", "06_real_signals.ipynb", "07_feature_map.ipynb", "08_real_data.ipynb"}

// resultNumber matches what a typed-in result looks like: a decimal with two or more fractional
// digits (0.949, .05) or an interval (± 0.016). Numbers in code spans are inputs (keys, defaults).
var (
	resultNumber = regexp.MustCompile(`(^|[^\w.])[0-9]*\.[0-9]{2,}|±\s*[0-9]*\.[0-9]`)
	codeSpan     = regexp.MustCompile("`[^`]*`")
)

func TestNotebookMarkdownQuotesNoResults(t *testing.T) {
	for _, name := range captionedNotebooks {
		for i, c := range notebookCells(t, filepath.Join("..", "notebooks", name)) {
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

// readmeMarker is a README result number marked with the name a notebook records it under
// (scripts/readme_numbers.py; docs/ARCHITECTURE.md, "Numbers in prose").
var (
	readmeMarker   = regexp.MustCompile(`<!--n:([^>]*)-->`)
	readmeMarked   = regexp.MustCompile(`[0-9]<!--n:([^>]*)-->`)
	numberNameCall = regexp.MustCompile(`figures\.([NE])\((?:fmt\.Sprintf\()?"([^"]+)"`)
	nameVerb       = regexp.MustCompile(`%[sdv]`)
	// Library functions that name numbers under a prefix the notebook passes: the call's
	// pattern and the names' form after the prefix.
	namingCalls = []struct {
		call   *regexp.Regexp
		suffix string
	}{
		{regexp.MustCompile(`figures\.FeatureMapCaption\([^,]+, (?:fmt\.Sprintf\()?"([^"]+)"`), ".%s.%s"}, // .<subset>.<method>
		{regexp.MustCompile(`figures\.LiftsCaption\([^,]+, (?:fmt\.Sprintf\()?"([^"]+)"`), ".%s.%s.%s"},   // .<group>.<method>.<quantity>
		{regexp.MustCompile(`figures\.LiftsCaption\([^,]+, (?:fmt\.Sprintf\()?"([^"]+)"`), ".%s.%s.%s.ci"},
	}
)

// namePattern matches the names a notebook's literal records: a name made with
// fmt.Sprintf("a.%s.b", key) matches a.KEY.b for any KEY without a dot ("joint", "uni/m0").
func namePattern(literal string) *regexp.Regexp {
	parts := nameVerb.Split(literal, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`^` + strings.Join(parts, `[A-Za-z0-9_\-/]+`) + `$`)
}

// TestReadmeNumberNamesAreRecorded: every name the README marks a number with is one a notebook
// records (figures.N or figures.E with a literal name or a fmt.Sprintf of one, E adding name.ci),
// so a typo fails in a second, not after make reproduce. make test also checks the names against
// the quick run's numbers.json, and scripts/readme_numbers.py --check compares the values.
func TestReadmeNumberNamesAreRecorded(t *testing.T) {
	var recorded []*regexp.Regexp
	paths, err := filepath.Glob(filepath.Join("..", "notebooks", "*.ipynb"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no notebooks (%v)", err)
	}
	for _, path := range paths {
		for _, src := range codeCells(t, path) {
			for _, m := range numberNameCall.FindAllStringSubmatch(src, -1) {
				recorded = append(recorded, namePattern(m[2]))
				if m[1] == "E" {
					recorded = append(recorded, namePattern(m[2]+".ci"))
				}
			}
			for _, nc := range namingCalls {
				for _, m := range nc.call.FindAllStringSubmatch(src, -1) {
					recorded = append(recorded, namePattern(m[1]+nc.suffix))
				}
			}
		}
	}
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	if n, m := len(readmeMarker.FindAllString(readme, -1)), len(readmeMarked.FindAllString(readme, -1)); n != m {
		t.Errorf("README.md: %d of %d markers <!--n:NAME--> do not follow a number", n-m, n)
	}
	for _, m := range readmeMarked.FindAllStringSubmatch(readme, -1) {
		if !slices.ContainsFunc(recorded, func(re *regexp.Regexp) bool { return re.MatchString(m[1]) }) {
			t.Errorf("README.md marks a number %q, which no notebook records (figures.N/E with that literal name)", m[1])
		}
	}
}

// notebookCell is one cell of a notebook file, as far as these tests read it.
type notebookCell struct {
	CellType string   `json:"cell_type"`
	Source   []string `json:"source"`
}

// notebookCells reads a notebook file's cells.
func notebookCells(t *testing.T, path string) []notebookCell {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []notebookCell `json:"cells"`
	}
	if err := json.Unmarshal(data, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return nb.Cells
}

// codeCells returns the sources of a notebook's code cells.
func codeCells(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, c := range notebookCells(t, path) {
		if c.CellType == "code" {
			out = append(out, strings.Join(c.Source, ""))
		}
	}
	return out
}

func TestNamePattern(t *testing.T) {
	re := namePattern("a.%s.diff.%s-%s")
	for name, want := range map[string]bool{"a.paired.diff.joint-ume": true, "a.paired.diff.ume": false,
		"a.x.y.diff.b-c": false, "b.paired.diff.joint-ume": false} {
		if got := re.MatchString(name); got != want {
			t.Errorf("%q matches a.%%s.diff.%%s-%%s: %v, want %v", name, got, want)
		}
	}
}
