package datasets

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// stableFiles lets the files just written count as unchanged since (a file system's clock
// could not tell a second change within npyRacyWindow from none) for the rest of the test.
func stableFiles(t *testing.T) {
	old := npyRacyWindow
	npyRacyWindow = 0
	t.Cleanup(func() { npyRacyWindow = old })
}

// TestNPYReadsFilesOnce: what a training run does — the CLI parses --data, RunStudy parses the
// canonical spec again and generates the dataset, paired-info parses and generates once more —
// reads each file once in all. Before, each step read and hashed every file in full (three
// reads per run).
func TestNPYReadsFilesOnce(t *testing.T) {
	stableFiles(t)
	for _, layout := range []string{"dir", "npz"} {
		t.Run(layout, func(t *testing.T) {
			path, nFiles := writeDir(t, baseFiles(t)), int64(3)
			if layout == "npz" {
				path, nFiles = filepath.Join(t.TempDir(), "d.npz"), 1
				writeNPZ(t, path, 8, baseFiles(t))
			}
			before := NPYFilesRead()
			canonical := mustParse(t, "npy:"+path).String() // the CLI; its spec is then dropped
			runtime.GC()
			if got := NPYFilesRead() - before; got != nFiles {
				t.Fatalf("ParseSpec read %d files, want %d", got, nFiles)
			}
			spec := mustParse(t, canonical) // RunStudy
			d1, err := spec.Generate()
			if err != nil {
				t.Fatal(err)
			}
			d2 := mustGenerate(t, canonical) // another caller, e.g. paired-info
			d3 := mustGenerate(t, "npy:"+path)
			if got := NPYFilesRead() - before; got != nFiles {
				t.Errorf("parse, parse again, generate ×3: %d files read, want %d (each once)", got, nFiles)
			}
			if d1 != d2 || d1 != d3 || d1.Spec != canonical {
				t.Errorf("the datasets differ: %p %p %p, spec %q, want one dataset of %q", d1, d2, d3, d1.Spec, canonical)
			}
			// Other keys resolve afresh, from the files.
			if sub := mustParse(t, "npy:"+path+",seed=2"); sub.String() == canonical || NPYFilesRead()-before != 2*nFiles {
				t.Errorf("seed=2: spec %q, %d files read; want a new split read from the files", sub, NPYFilesRead()-before)
			}
		})
	}
}

// TestNPYReadsChangedFilesAgain: a file whose size, mtime or ctime changed is read again, so a
// recorded spec of files changed since is still an error; a spec that already holds its data
// keeps returning that data, which its sha256 describes.
func TestNPYReadsChangedFilesAgain(t *testing.T) {
	stableFiles(t)
	dir := writeDir(t, baseFiles(t))
	spec := mustParse(t, "npy:"+dir)
	want, err := spec.Generate()
	if err != nil {
		t.Fatal(err)
	}
	values := baseValues(3)
	values[7] = 0.5 // same size
	path := filepath.Join(dir, "a.npy")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, f32File(t, []int{baseN, 3}, values), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil { // the mtime put back
		t.Fatal(err)
	}
	before := NPYFilesRead()
	if _, err := ParseSpec(spec.String()); err == nil || !strings.Contains(err.Error(), "files changed") {
		t.Errorf("ParseSpec of the old spec after a same-size change with the mtime put back: %v, want a files-changed error", err)
	}
	if NPYFilesRead() == before {
		t.Error("the changed files were not read again")
	}
	if got, err := spec.Generate(); err != nil || got != want {
		t.Errorf("Generate of the spec that holds its data: %p, %v; want the data it read, %p", got, err, want)
	}
	copied := spec.(NPYSpec)
	copied.loaded = nil // a spec made by hand, or restored from its string
	if _, err := copied.Generate(); err == nil || !strings.Contains(err.Error(), "files changed") {
		t.Errorf("Generate of a spec without its data: %v, want a files-changed error", err)
	}
}

// TestNPYRacyFilesReadAgain: files changed within npyRacyWindow of their fingerprint are not
// remembered (a second change in the same clock tick could leave the fingerprint as it was).
func TestNPYRacyFilesReadAgain(t *testing.T) {
	old := npyRacyWindow
	npyRacyWindow = time.Hour
	t.Cleanup(func() { npyRacyWindow = old })
	dir := writeDir(t, baseFiles(t))
	before := NPYFilesRead()
	canonical := mustParse(t, "npy:"+dir).String()
	mustParse(t, canonical)
	if got := NPYFilesRead() - before; got != 6 {
		t.Errorf("two parses of just-written files read %d files, want 6 (3 each)", got)
	}
}
