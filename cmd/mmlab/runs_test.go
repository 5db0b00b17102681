package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

func TestParseSeeds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{{"5", []int{0, 1, 2, 3, 4}}, {"1", []int{0}}, {"5-9", []int{5, 6, 7, 8, 9}}, {"3-3", []int{3}},
		{"0,3,7", []int{0, 3, 7}}, {" 7, 2 ", []int{7, 2}}} {
		got, err := parseSeeds(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parseSeeds(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if again, _ := parseSeeds(seedsArg(got)); !slices.Equal(again, got) {
			t.Errorf("seedsArg(%v) = %q reads back as %v", got, seedsArg(got), again)
		}
	}
	if got := seedsText([]int{0, 3, 7}); got != "seeds 0, 3, 7" {
		t.Errorf("seedsText = %q", got)
	}
	// Too many seeds (the planning of --seeds 100000000 took 30 s and 251 MB) are refused too.
	for _, bad := range []string{"0", "-1", "x", "9-5", "1-x", "1,1", "1,,2", "3,-1", "1.5", "100000000", "0-100000000"} {
		code, stdout, stderr := cli(t, "run", "--seeds", bad, "--no-store")
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "--seeds "+bad) {
			t.Errorf("--seeds %q: exit %d, stderr %q; want %d naming --seeds and the value", bad, code, stderr, exitUsage)
		}
	}
}

// pythonCSV parses path with Python's csv module and returns its rows as JSON-decoded strings;
// it skips the test if python3 is absent.
func pythonCSV(t *testing.T, path string) [][]string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	out, err := exec.Command(py, "-c",
		"import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))", path).Output()
	if err != nil {
		t.Fatalf("python csv on %s: %v", path, err)
	}
	var rows [][]string
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestRunsAndSeeds trains a fixture store (joint on seeds 0, 1), then checks seed lists share
// its runs, mmlab runs lists, filters, shows and removes them, and the CSV files parse in Python.
func TestRunsAndSeeds(t *testing.T) {
	home := isolate(t)
	dir := t.TempDir()
	study := func(seeds string, extra ...string) map[string]any {
		t.Helper()
		out := filepath.Join(dir, "s"+seeds+".json")
		args := append([]string{"run", "--data", tinyData, "--methods", "joint", "--epochs", "2", "--quiet",
			"--seeds", seeds, "--out", out}, extra...)
		if code, _, stderr := cli(t, args...); code != exitOK {
			t.Fatalf("run --seeds %s: exit %d: %s", seeds, code, stderr)
		}
		return readJSON(t, out)
	}
	tableCSV := filepath.Join(dir, "table.csv")
	first := study("2", "--csv", tableCSV)
	if first["trained"] != 2.0 {
		t.Fatalf("--seeds 2 trained %v runs, want 2", first["trained"])
	}
	rows := pythonCSV(t, tableCSV)
	if len(rows) != 2 || rows[0][0] != "method" || len(rows[1]) != len(rows[0]) || !strings.Contains(rows[1][0], "joint") {
		t.Errorf("results CSV rows %q: want a header and one joint row of the same width", rows)
	}
	// The same seeds as a list, and a range overlapping them: runs are shared by seed.
	if s := study("1,0"); s["trained"] != 0.0 || s["loaded"] != 2.0 || !slices.Equal(s["seeds"].([]any), []any{1.0, 0.0}) {
		t.Errorf("--seeds 1,0: trained %v loaded %v seeds %v; want 0, 2, [1 0]", s["trained"], s["loaded"], s["seeds"])
	}
	if s := study("1-2"); s["trained"] != 1.0 || s["loaded"] != 1.0 {
		t.Errorf("--seeds 1-2: trained %v loaded %v; want 1 and 1", s["trained"], s["loaded"])
	}

	code, stdout, stderr := cli(t, "runs")
	if code != exitOK || !strings.Contains(stdout, "3 of 3 stored runs") || strings.Count(stdout, "joint") != 3 {
		t.Fatalf("runs: exit %d, stdout:\n%s\nstderr: %s", code, stdout, stderr)
	}
	listCSV := filepath.Join(dir, "runs.csv")
	if code, _, stderr := cli(t, "runs", "--method", "joint", "--seed", "1-2", "--data", "lazypair", "--csv", listCSV); code != exitOK {
		t.Fatalf("runs --csv: exit %d: %s", code, stderr)
	}
	rows = pythonCSV(t, listCSV)
	if len(rows) != 3 || !slices.Equal(rows[0], runsColumns) || rows[1][2] != "1" || rows[2][2] != "2" {
		t.Fatalf("runs CSV %q: want the header and the runs of seeds 1 and 2", rows)
	}
	key := rows[1][3]
	for _, f := range [][]string{{"--seed", "0"}, {"--method", "ume"}, {"--data", "lazypair:rho=0.1"}, {"--data", "mnistpair"}} {
		_, stdout, _ := cli(t, append([]string{"runs"}, f...)...)
		want := "0 of 3"
		if f[1] == "0" {
			want = "1 of 3"
		}
		if !strings.Contains(stdout, want) {
			t.Errorf("runs %v: want %q in\n%s", f, want, stdout)
		}
	}

	code, stdout, _ = cli(t, "runs", "show", key)
	var run results.Run
	if code != exitOK || json.Unmarshal([]byte(stdout), &run) != nil || run.Key != key || run.Seed != 1 || run.Method != "joint" {
		t.Fatalf("runs show %s: exit %d, output %q", key, code, stdout)
	}
	store, err := results.OpenStore(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(store.BlobPath(key, mmlab.WeightsBlob)); err != nil {
		t.Fatalf("the fixture run has no weights: %v", err)
	}
	if code, _, stderr := cli(t, "runs", "rm", key[:10]); code != exitOK { // a unique prefix
		t.Fatalf("runs rm: exit %d: %s", code, stderr)
	}
	for _, p := range []string{store.RecordPath(key), store.BlobPath(key, mmlab.WeightsBlob)} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("after rm, %s: %v; want it gone", p, err)
		}
	}
	if _, stdout, _ := cli(t, "runs"); !strings.Contains(stdout, "2 of 2") || strings.Contains(stdout, key) {
		t.Errorf("after rm, runs lists:\n%s", stdout)
	}

	for _, args := range [][]string{{"runs", "show", key}, {"runs", "rm", "../etc"}, {"runs", "show", "abc"}, {"runs", "show"},
		{"runs", "--seed", "x"}, {"runs", "--data", "lazypair:bogus=1"}, {"runs", "--csv", filepath.Join(dir, "no", "x.csv")},
		{"run", "--csv", dir}} {
		if code, _, stderr := cli(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
	}
}
