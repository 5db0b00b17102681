package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeStudyFile writes text to a study file in a fresh directory and returns its path.
func writeStudyFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "study.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStudyFile checks that a study file gives the same study as the flags it names, that
// flags override it, and that its bad lines exit 2 naming the file, line, field and value.
func TestStudyFile(t *testing.T) {
	isolate(t)
	parse := func(cmd string, args ...string) (*studyArgs, any) {
		t.Helper()
		a, study, _, err := parseStudyArgs(cmd, args, io.Discard)
		if err != nil {
			t.Fatalf("%s %q: %v", cmd, args, err)
		}
		return a, *study
	}
	dir := t.TempDir()
	file := writeStudyFile(t, `# the study of the flags below
data    = lazypair:rho=0.7,pi=0.4
methods = uni, joint,umt

seeds   = 0,3,7
epochs  = 3
umt.lambda = 10
model.hidden = 32,32
out = `+filepath.Join(dir, "s.json")+`
`)
	flags := []string{"--data", "lazypair:rho=0.7,pi=0.4", "--methods", "uni, joint,umt", "--seeds", "0,3,7",
		"--epochs", "3", "--opt", "umt.lambda=10", "--opt", "model.hidden=32,32", "--out", filepath.Join(dir, "s.json")}
	aFile, fromFile := parse("run", "--config", file)
	aFlags, fromFlags := parse("run", flags...)
	if !reflect.DeepEqual(fromFile, fromFlags) {
		t.Errorf("study from the file:\n%+v\nfrom the flags:\n%+v", fromFile, fromFlags)
	}
	if aFile.out != aFlags.out {
		t.Errorf("--out from the file %q, from the flags %q", aFile.out, aFlags.out)
	}

	// Flags override the file: --seeds, --data, an --opt of the same key, --opt train.epochs
	// over the file's epochs.
	_, over := parse("run", "--config", file, "--seeds", "2", "--data", "lazypair", "--opt", "umt.lambda=1", "--opt", "train.epochs=5")
	_, want := parse("run", "--data", "lazypair", "--methods", "uni,joint,umt", "--seeds", "2",
		"--opt", "umt.lambda=1", "--opt", "model.hidden=32,32", "--opt", "train.epochs=5")
	if !reflect.DeepEqual(over, want) {
		t.Errorf("file with overriding flags:\n%+v\nwant:\n%+v", over, want)
	}
	// choose reads tol and rule from the file.
	choose := writeStudyFile(t, "rule = paired-info\ntol = 0.5\nseeds = 2\n")
	if a, _ := parse("choose", "--config", choose); a.rule != "paired-info" || a.tol != 0.5 {
		t.Errorf("choose --config: rule %q tol %v, want paired-info 0.5", a.rule, a.tol)
	}

	for _, tc := range []struct {
		cmd, text string
		want      []string // substrings of the one-line error
	}{
		{"run", "seeds = 3\nseeds = 4\n", []string{"study.conf:2", "seeds given twice", "line 1"}},
		{"run", "seeds 3\n", []string{"study.conf:1", `"seeds 3"`, "KEY = VALUE"}},
		{"run", "sedes = 3\n", []string{"study.conf:1", `unknown field "sedes"`, "= 3", "seeds"}},
		{"run", "# ok\nseeds = 9-2\n", []string{"study.conf:2", "seeds = 9-2"}},
		{"run", "epochs = many\n", []string{"study.conf:1", "epochs = many"}},
		{"run", "data = lazypair:rhoo=1\n", []string{"study.conf:1", "data = lazypair:rhoo=1", "rhoo"}},
		{"run", "methods = uni,joint\numt.lambda = 3\n", []string{"study.conf:2", "umt.lambda = 3", "umt"}},
		{"run", "\ntrain.lr = fast\n", []string{"study.conf:2", "train.lr = fast", "lr"}},
		{"run", "epochs = 3\ntrain.epochs = 4\n", []string{"study.conf", "epochs and train.epochs"}},
		{"run", "out = /no/such/dir/x.json\n", []string{"study.conf:1", "out = /no/such/dir/x.json", "does not exist"}},
		{"choose", "tol = -1\n", []string{"study.conf:1", "tol = -1"}},
		{"choose", "methods = uni\n", []string{"study.conf:1", `unknown field "methods"`}},
	} {
		path := writeStudyFile(t, tc.text)
		code, _, stderr := cli(t, tc.cmd, "--config", path, "--quiet")
		if code != exitUsage {
			t.Errorf("%s with %q: exit %d, want %d (stderr %q)", tc.cmd, tc.text, code, exitUsage, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s with %q: stderr %q lacks %q", tc.cmd, tc.text, stderr, w)
			}
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%s with %q: error is not one line: %q", tc.cmd, tc.text, stderr)
		}
	}
	if code, _, stderr := cli(t, "run", "--config", filepath.Join(dir, "none.conf")); code != exitUsage || !strings.Contains(stderr, "none.conf") {
		t.Errorf("missing study file: exit %d, stderr %q", code, stderr)
	}
}
