// Package docs holds the project's design documents; its only Go code is this test, which keeps
// ARCHITECTURE.md honest about the files and names it refers to.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// placeholders are the names ARCHITECTURE.md uses for a new method, dataset or rule.
var placeholders = map[string]bool{
	"XMethod": true, "xMethod": true, "XOptions": true, "XName": true, "XSpec": true,
	"DefaultX": true, "parseX": true, "ChooseX": true, "ChooseRuleX": true, "x": true,
	"mmlab/x_test.go": true, "results/choose_x.go": true,
}

// TestArchitectureNamesExist checks that every file ARCHITECTURE.md names in backquotes exists in
// the repository (by path, or by base name for a file named inside its package's paragraph) and
// that every Go identifier it names in backquotes (Name, Type.Method, pkg.Name) occurs in the
// repository's Go code. A renamed or removed file or function then fails this test.
func TestArchitectureNamesExist(t *testing.T) {
	doc, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	root := ".."
	paths := map[string]bool{}
	bases := map[string]bool{}
	var code strings.Builder
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		paths[filepath.ToSlash(rel)] = true
		bases[d.Name()] = true
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "architecture_test.go") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			code.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	src := code.String()
	fileRe := regexp.MustCompile(`^[\w/.-]+\.(go|py|sh|md)$`)
	identRe := regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$`)
	checked := 0
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(string(doc), -1) {
		tok := m[1]
		switch {
		case fileRe.MatchString(tok):
			if !paths[tok] && !bases[tok] && !placeholders[tok] {
				t.Errorf("ARCHITECTURE.md names file %q, which is not in the repository", tok)
			}
			checked++
		case identRe.MatchString(tok):
			if st, err := os.Stat(filepath.Join(root, tok)); err == nil && st.IsDir() {
				checked++ // a directory of the repository, e.g. docker
				continue
			}
			for _, part := range strings.Split(tok, ".") {
				if placeholders[part] {
					continue
				}
				if !regexp.MustCompile(`\b` + part + `\b`).MatchString(src) {
					t.Errorf("ARCHITECTURE.md names %q, but %q does not occur in the Go code", tok, part)
				}
				checked++
			}
		}
	}
	if checked < 50 {
		t.Errorf("checked only %d names; the pattern no longer matches the document", checked)
	}
}
