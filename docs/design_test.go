package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDesignReferences checks every reference to the design document in the repository's
// sources, notebooks and documents: each names it by its path, docs/DESIGN.md (a bare
// "DESIGN.md" pointed at a file that was not in the repository), and each section it cites
// (§2.1, §5, ...) is a heading of docs/DESIGN.md.
func TestDesignReferences(t *testing.T) {
	doc, err := os.ReadFile("DESIGN.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#{2,3} ([0-9]+(?:\.[0-9]+[a-z]?)?)[. ]`).FindAllStringSubmatch(string(doc), -1) {
		sections[m[1]] = true
	}
	if len(sections) < 8 {
		t.Fatalf("DESIGN.md has %d numbered sections (%v), want its §1–§8", len(sections), sections)
	}
	ref := regexp.MustCompile(`(\S*?)DESIGN\.md(?:'s)?(?:\s*§\s*([0-9]+(?:\.[0-9]+[a-z]?)?))?`)
	text := regexp.MustCompile(`(\.(go|md|ipynb|py|sh|cff|txt)|Makefile|Dockerfile)$`)
	root := ".."
	refs := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "build" || d.Name() == "report") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !text.MatchString(rel) || rel == "docs/DESIGN.md" || rel == "docs/design_test.go" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			refs++
			if !strings.HasSuffix(m[1], "docs/") {
				t.Errorf("%s: %q: name the design document docs/DESIGN.md", rel, m[0])
			}
			if m[2] != "" && !sections[m[2]] {
				t.Errorf("%s: %q: docs/DESIGN.md has no section %s", rel, m[0], m[2])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if refs < 50 {
		t.Errorf("found %d references to docs/DESIGN.md; the code cites it about a hundred times: is the walk broken?", refs)
	}
}
