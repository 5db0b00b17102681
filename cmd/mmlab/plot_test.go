package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/figures"
)

// linkECharts gives the fresh MMLAB_HOME home the ECharts script of the environment's MMLAB_HOME
// (call before isolate); it skips the test if that script is not installed.
func linkECharts(t *testing.T, home string) {
	t.Helper()
	if err := os.Symlink(echartsDir, filepath.Join(home, "echarts")); err != nil {
		t.Fatal(err)
	}
}

// echartsDir is the environment's ECharts directory, read before any test changes MMLAB_HOME.
var echartsDir = func() string {
	path, err := figures.EChartsScriptPath()
	if err != nil {
		return ""
	}
	return filepath.Dir(path)
}()

// TestPlot draws figures from a study's JSON: with its runs in the store and, in a second empty
// store, from the JSON alone; bad input exits 2.
func TestPlot(t *testing.T) {
	if _, err := os.Stat(echartsDir); echartsDir == "" || err != nil {
		t.Skip("the ECharts script is not installed (make setup)")
	}
	home := isolate(t)
	linkECharts(t, home)
	dir := t.TempDir()
	result := filepath.Join(dir, "study.json")
	if code, _, stderr := cli(t, "run", "--data", tinyData, "--methods", "uni,joint", "--epochs", "2", "--seeds", "2",
		"--quiet", "--out", result); code != exitOK {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	plot := func(figure, out string) {
		t.Helper()
		if code, _, stderr := cli(t, "plot", "--in", result, "--figure", figure, "--out", out); code != exitOK {
			t.Fatalf("plot --figure %s --out %s: exit %d: %s", figure, out, code, stderr)
		}
	}
	html := filepath.Join(dir, "laziness.html")
	plot("laziness", html)
	if data, _ := os.ReadFile(html); !bytes.Contains(data, []byte("echarts")) || !bytes.Contains(data, []byte("probe")) {
		t.Errorf("%s is not an ECharts page of the laziness figure (%d bytes)", html, len(data))
	}
	plot("curves", filepath.Join(dir, "curves.html")) // needs the stored records' curves

	if _, err := exec.LookPath("node"); err == nil {
		svg := filepath.Join(dir, "methods.svg")
		plot("methods", svg)
		if data, _ := os.ReadFile(svg); !bytes.HasPrefix(bytes.TrimSpace(data), []byte("<svg")) || !bytes.Contains(data, []byte("joint")) {
			t.Errorf("%s is not an SVG naming joint: %.200q", svg, data)
		}
	}

	// Straight from the store (--data): the stored runs of one spec, filtered by methods and seeds.
	fromStore := func(out string, args ...string) string {
		t.Helper()
		code, _, stderr := cli(t, append([]string{"plot", "--figure", "laziness", "--out", out}, args...)...)
		if code != exitOK {
			t.Fatalf("plot %q: exit %d: %s", args, code, stderr)
		}
		data, _ := os.ReadFile(out)
		return string(data)
	}
	page := fromStore(filepath.Join(dir, "store.html"), "--data", tinyData)
	if !strings.Contains(page, "joint") || !strings.Contains(page, "uni-modal") {
		t.Errorf("laziness from the store lacks joint or the uni-modal models (%d bytes)", len(page))
	}
	// Only uni and seed 0: the methods figure shows the uni-modal models of one seed, no joint.
	if code, _, stderr := cli(t, "plot", "--data", tinyData, "--methods", "uni", "--seeds", "0", "--figure", "methods",
		"--out", filepath.Join(dir, "uni.html")); code != exitOK {
		t.Fatalf("plot --methods uni --seeds 0: exit %d: %s", code, stderr)
	} else if page, _ := os.ReadFile(filepath.Join(dir, "uni.html")); strings.Contains(string(page), `"name":"joint"`) ||
		!strings.Contains(string(page), `"name":"uni-modal m0"`) || !strings.Contains(string(page), "one seed each") {
		t.Errorf("plot --methods uni --seeds 0: want the uni-modal models of one seed, no joint")
	}
	// A second spec of the same kind in the store: --data lazypair is ambiguous, the full spec is not.
	other := "lazypair:n_train=200,n_val=100,n_test=200"
	if code, _, stderr := cli(t, "run", "--data", other, "--methods", "uni", "--epochs", "1", "--seeds", "1", "--opt", "train.batch=100", "--quiet"); code != exitOK {
		t.Fatalf("run %s: exit %d: %s", other, code, stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", "lazypair", "--figure", "methods", "--out", filepath.Join(dir, "x.html")}, "2 datasets"},
		{[]string{"--data", "twoview", "--figure", "methods", "--out", filepath.Join(dir, "x.html")}, "no stored runs"},
		{[]string{"--data", tinyData, "--seeds", "7-9", "--figure", "methods", "--out", filepath.Join(dir, "x.html")}, "no stored runs"},
		{[]string{"--data", tinyData, "--in", result, "--figure", "methods", "--out", filepath.Join(dir, "x.html")}, "one of --in"},
		{[]string{"--in", result, "--methods", "uni", "--figure", "methods", "--out", filepath.Join(dir, "x.html")}, "with --data"},
		{[]string{"--data", "lazypair:rhoo=1", "--figure", "methods", "--out", filepath.Join(dir, "x.html")}, "rhoo"},
	} {
		code, _, stderr := cli(t, append([]string{"plot"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("plot %q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}

	// A store without the runs: the figures the JSON holds enough for still draw.
	t.Setenv("MMLAB_HOME", t.TempDir())
	linkECharts(t, os.Getenv("MMLAB_HOME"))
	plot("subsets", filepath.Join(dir, "subsets.html"))
	plot("laziness", filepath.Join(dir, "laziness2.html"))

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--in", result, "--figure", "pie", "--out", filepath.Join(dir, "x.svg")}, `"pie"`},
		{[]string{"--in", result, "--figure", "methods", "--out", filepath.Join(dir, "x.pdf")}, ".svg, .png or .html"},
		{[]string{"--in", filepath.Join(dir, "none.json"), "--figure", "methods", "--out", filepath.Join(dir, "x.svg")}, "none.json"},
		{[]string{"--in", html, "--figure", "methods", "--out", filepath.Join(dir, "x.svg")}, "not a study JSON"},
		{[]string{"--in", result, "--figure", "curves", "--out", filepath.Join(dir, "x.html")}, "curves"},
		{[]string{"--figure", "methods"}, "one of --in"},
		{[]string{"--in", result}, "required"},
	} {
		code, _, stderr := cli(t, append([]string{"plot"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("plot %q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
}
