package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// tinyData is a LazyPair dataset small enough for a test (≈ 0.3 s per run on 2 cores); with 3
// epochs the numbers mean nothing, only their presence and shape are checked.
const tinyData = "lazypair:n_train=300,n_val=200,n_test=300"

// cli runs the command in-process and returns its exit status, stdout and stderr.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// isolate points the results store at a fresh directory.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv(results.HomeEnv, home)
	return home
}

func TestBadInput(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of the one-line error
	}{
		{"no command", []string{"frobnicate"}, []string{"unknown command", "run, choose, options, help"}},
		{"bad spec key", []string{"run", "--data", "lazypair:bogus=1"}, []string{`"bogus"`, "valid keys", "rho", "pi", "n_train"}},
		{"bad spec value", []string{"run", "--data", "lazypair:rho=2"}, []string{"rho", "≤ 1"}},
		{"unknown dataset", []string{"choose", "--data", "nosuch"}, []string{`"nosuch"`, "lazypair"}},
		{"unknown option key", []string{"run", "--opt", "umt.bogus=1"}, []string{`"bogus"`, "valid options", "lambda", "free_dims"}},
		{"unknown option group", []string{"run", "--opt", "nosuch.x=1"}, []string{`"nosuch"`, "model, train, probe", "umt"}},
		{"bad option value", []string{"run", "--opt", "model.hidden=a,b"}, []string{"hidden", "integers"}},
		{"option without value", []string{"run", "--opt", "umt.lambda"}, []string{"GROUP.KEY=VALUE"}},
		{"option given twice", []string{"run", "--opt", "umt.lambda=1", "--opt", "umt.lambda=2"}, []string{"umt.lambda", "twice"}},
		{"option of a method not in the study", []string{"run", "--methods", "joint", "--opt", "umt.lambda=1"}, []string{"umt", "not in the study"}},
		{"choose: a bad option of a method it may recommend", []string{"choose", "--opt", "umt.bogus=1"}, []string{`"bogus"`, "free_dims"}},
		{"choose: a bad value of a method it may recommend", []string{"choose", "--opt", "umt.lambda=x"}, []string{"lambda", `"x"`}},
		{"choose: a method it never recommends", []string{"choose", "--opt", "gblend.holdout=0.3"}, []string{"gblend", "not in the study"}},
		{"choose: unknown rule", []string{"choose", "--rule", "always-umt"}, []string{`"always-umt"`, "ume-vs-joint"}},
		{"bad method", []string{"run", "--methods", "joint,bogus"}, []string{`"bogus"`, "valid methods", "joint", "ume", "umt", "uni"}},
		{"no seeds", []string{"run", "--seeds", "0"}, []string{"--seeds 0"}},
		{"unknown flag", []string{"run", "--bogus"}, []string{"-bogus", "mmlab help run"}},
		{"positional argument", []string{"run", "lazypair"}, []string{`"lazypair"`, "flags only"}},
		{"epochs twice", []string{"run", "--epochs", "3", "--opt", "train.epochs=4"}, []string{"--epochs", "train.epochs"}},
		{"negative tolerance", []string{"choose", "--tol", "-1"}, []string{"--tol", "≥ 0"}},
		{"out in a missing directory", []string{"run", "--out", filepath.Join(t.TempDir(), "no", "such.json")}, []string{"--out", "does not exist"}},
		{"help on nothing", []string{"help", "frobnicate"}, []string{"run, choose, options"}},
		{"out is a directory", []string{"run", "--out", t.TempDir()}, []string{"--out", "is a directory"}},
		// Found once the data is known, before training (mmlab.InputError).
		{"batch larger than the training split", []string{"run", "--data", "lazypair:n_train=100,n_val=50,n_test=50",
			"--methods", "joint", "--seeds", "1", "--no-store", "--quiet"}, []string{"train.batch=256", "100 training samples"}},
		{"cnn encoder on vectors", []string{"run", "--data", tinyData, "--methods", "joint", "--seeds", "1", "--no-store",
			"--quiet", "--opt", "model.encoder=cnn"}, []string{"model.encoder=cnn", "modality", "[48]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(stderr, "mmlab ") {
				t.Errorf("stderr %q: want one line starting with \"mmlab \"", stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not contain %q", stderr, w)
				}
			}
		})
	}
}

func TestHelp(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of stdout
	}{
		{"help", []string{"help"}, []string{"mmlab run", "mmlab choose", "mmlab options"}},
		{"--help", []string{"--help"}, []string{"mmlab run", "mmlab choose"}},
		{"run -h", []string{"run", "-h"}, []string{"-data", "-methods", "-seeds", "-epochs", "-opt", "-out", "-no-store", "-quiet"}},
		{"choose --help", []string{"choose", "--help"}, []string{"-data", "-seeds", "-tol", "0.005", "-opt"}},
		{"help run", []string{"help", "run"}, []string{"-methods", "uni,joint,ume,umt"}},
		{"options", []string{"options"}, []string{"umt.lambda=10", "umt.free_dims=0", "train.epochs=150", "model.hidden=64,64", "probe.steps", "ume.combine", "[choices: mse|l1|cosine]", "rho=0.8", "n_train=2000"}},
		{"help options", []string{"help", "options"}, []string{"umt.lambda=10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tc.args...)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit status %d, stderr %q; want 0 and nothing", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, stdout)
				}
			}
		})
	}
	if code, _, stderr := cli(t); code != exitUsage || !strings.Contains(stderr, "mmlab run") {
		t.Errorf("no arguments: exit status %d, stderr %q; want %d and the usage", code, stderr, exitUsage)
	}
}

// readJSON decodes a JSON report into generic values, so that field names and types are
// checked as a consumer (jq, Python) sees them.
func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rep
}

// isAcc reports whether v is a JSON number in [0, 1].
func isAcc(v any) bool {
	f, ok := v.(float64)
	return ok && f >= 0 && f <= 1
}

// checkReport checks every field the README promises of a report of methods on seeds seeds.
func checkReport(t *testing.T, rep map[string]any, command string, methods []string, seeds int) {
	t.Helper()
	if rep["command"] != command {
		t.Errorf("command = %v, want %s", rep["command"], command)
	}
	if ds, _ := rep["dataset"].(string); !strings.HasPrefix(ds, "lazypair:k=4,") || !strings.Contains(ds, "n_train=300") {
		t.Errorf("dataset = %v, want the resolved spec", rep["dataset"])
	}
	for _, key := range []string{"trained", "loaded", "retrained", "seconds"} {
		if _, ok := rep[key].(float64); !ok {
			t.Errorf("%s = %v, want a number", key, rep[key])
		}
	}
	config, _ := rep["config"].(map[string]any)
	if config["train.epochs"] != 3.0 || config["model.hidden"] == nil {
		t.Errorf("config = %v, want every option, train.epochs = 3", config)
	}
	if v, _ := rep["versions"].(map[string]any); v["go"] == nil || v["gomlx"] == nil || v["backend"] == nil || v["commit"] == nil {
		t.Errorf("versions = %v, want go, gomlx, backend, commit", rep["versions"])
	}

	runs, _ := rep["runs"].([]any)
	perSeed := 0
	for _, m := range methods {
		if m == results.UniMethod {
			perSeed += 2 // one per modality
		} else {
			perSeed++
		}
	}
	if len(runs) != perSeed*seeds {
		t.Fatalf("%d runs, want %d", len(runs), perSeed*seeds)
	}
	for i, r := range runs {
		run, _ := r.(map[string]any)
		name := fmt.Sprintf("run %d (%v seed %v)", i, run["method"], run["seed"])
		method, _ := run["method"].(string)
		if !slices.Contains(methods, method) {
			t.Errorf("%s: method %q, want one of %v (lower case)", name, method, methods)
		}
		if s, ok := run["seed"].(float64); !ok || s < 0 || int(s) >= seeds {
			t.Errorf("%s: seed %v", name, run["seed"])
		}
		for _, key := range []string{"val_acc", "test_acc"} {
			if !isAcc(run[key]) {
				t.Errorf("%s: %s = %v, want an accuracy", name, key, run[key])
			}
		}
		if s, ok := run["train_seconds"].(float64); !ok || s < 0 {
			t.Errorf("%s: train_seconds = %v", name, run["train_seconds"])
		}
		subsets, _ := run["subset_acc"].(map[string]any)
		if !isAcc(subsets["all"]) || !isAcc(subsets["both_hard"]) {
			t.Errorf("%s: subset_acc = %v, want all and both_hard", name, subsets)
		}
		// pi = 0: there is no paired signal, so no pair_only sample; the key is there, null.
		if v, ok := subsets["pair_only"]; !ok || v != nil {
			t.Errorf("%s: subset_acc.pair_only = %v (present %v), want null", name, v, ok)
		}
		probes, _ := run["probe_acc"].([]any)
		if len(probes) != 2 {
			t.Fatalf("%s: probe_acc = %v, want one entry per modality", name, run["probe_acc"])
		}
		modality, hasModality := run["modality"]
		if !hasModality {
			t.Errorf("%s: no modality field", name)
		}
		if method == results.UniMethod {
			// A uni-modal model has an encoder for its own modality only.
			m, ok := modality.(float64)
			if !ok || (m != 0 && m != 1) {
				t.Fatalf("%s: modality = %v, want 0 or 1", name, modality)
			}
			if !isAcc(probes[int(m)]) || probes[1-int(m)] != nil {
				t.Errorf("%s: probe_acc = %v, want modality %v's probe and null", name, probes, m)
			}
			continue
		}
		// joint, UMT and UME (whose encoders are the uni-modal models') have both encoders.
		if modality != nil {
			t.Errorf("%s: modality = %v, want null", name, modality)
		}
		if !isAcc(probes[0]) || !isAcc(probes[1]) {
			t.Errorf("%s: probe_acc = %v, want both probes", name, probes)
		}
	}

	summary, _ := rep["summary"].(map[string]any)
	var wantRows []string
	for _, m := range methods {
		if m == results.UniMethod {
			wantRows = append(wantRows, "uni", "uni/m0", "uni/m1")
		} else {
			wantRows = append(wantRows, m)
		}
	}
	var rows []string
	for k := range summary {
		rows = append(rows, k)
	}
	slices.Sort(rows)
	slices.Sort(wantRows)
	if !slices.Equal(rows, wantRows) {
		t.Errorf("summary rows %v, want %v", rows, wantRows)
	}
	for key, v := range summary {
		row, _ := v.(map[string]any)
		probes, _ := row["probe_acc_mean"].([]any)
		if len(probes) != 2 {
			t.Errorf("summary %s: probe_acc_mean = %v, want 2 entries", key, row["probe_acc_mean"])
		}
		if key == "uni" { // the uni-modal encoders' row: probes only, no single prediction
			if row["test_acc_mean"] != nil || !isAcc(probes[0]) || !isAcc(probes[1]) {
				t.Errorf("summary uni = %v, want null test_acc_mean and both probes", row)
			}
			continue
		}
		if !isAcc(row["test_acc_mean"]) || !isAcc(row["val_acc_mean"]) {
			t.Errorf("summary %s: test_acc_mean %v, val_acc_mean %v", key, row["test_acc_mean"], row["val_acc_mean"])
		}
		if _, ok := row["test_acc_ci95"].(float64); !ok && seeds > 1 {
			t.Errorf("summary %s: test_acc_ci95 = %v, want a number with %d seeds", key, row["test_acc_ci95"], seeds)
		}
		if n, _ := row["n"].(float64); int(n) != seeds {
			t.Errorf("summary %s: n = %v, want %d", key, row["n"], seeds)
		}
	}
	if joint, ok := summary["joint"].(map[string]any); ok {
		if gap, _ := joint["laziness_gap_mean"].([]any); len(gap) != 2 {
			t.Errorf("summary joint: laziness_gap_mean = %v, want 2 entries", joint["laziness_gap_mean"])
		}
	}
}

// TestRunStoreAndChoose runs one tiny study, repeats it (everything loaded from the store),
// then chooses from the same runs, and checks the JSON each writes.
func TestRunStoreAndChoose(t *testing.T) {
	home := isolate(t)
	dir := t.TempDir()
	methods := []string{"uni", "joint", "ume", "umt"}
	const seeds, wantRuns = 2, 2 * 5 // per seed: uni m0, uni m1, joint, ume, umt
	args := func(out string, extra ...string) []string {
		return append([]string{"run", "--data", tinyData, "--methods", "uni,joint,ume,umt", "--seeds", "2",
			"--out", filepath.Join(dir, out)}, extra...)
	}

	code, stdout, stderr := cli(t, args("first.json", "--epochs", "3")...)
	if code != exitOK {
		t.Fatalf("run: exit status %d, stderr:\n%s", code, stderr)
	}
	for _, w := range []string{"| method |", "uni-modal m0", "UME", "joint", "UMT", "both_hard", "Laziness gap"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("run: table does not contain %q:\n%s", w, stdout)
		}
	}
	first := readJSON(t, filepath.Join(dir, "first.json"))
	checkReport(t, first, "run", methods, seeds)
	if first["trained"] != float64(wantRuns) || first["loaded"] != 0.0 {
		t.Errorf("first run: trained %v, loaded %v; want %d and 0", first["trained"], first["loaded"], wantRuns)
	}

	// The same study again, with --epochs spelt as the option it stands for: nothing to train.
	code, _, stderr = cli(t, args("second.json", "--opt", "train.epochs=3")...)
	if code != exitOK {
		t.Fatalf("second run: exit status %d, stderr:\n%s", code, stderr)
	}
	second := readJSON(t, filepath.Join(dir, "second.json"))
	checkReport(t, second, "run", methods, seeds)
	if second["trained"] != 0.0 || second["loaded"] != float64(wantRuns) {
		t.Errorf("second run: trained %v, loaded %v; want 0 and %d", second["trained"], second["loaded"], wantRuns)
	}
	if !slices.EqualFunc(first["runs"].([]any), second["runs"].([]any), func(a, b any) bool {
		return a.(map[string]any)["test_acc"] == b.(map[string]any)["test_acc"]
	}) {
		t.Error("the second run's accuracies differ from the first's")
	}

	// choose needs uni, joint and ume: all in the store already. An option of UMT, which it
	// may recommend, is accepted and does not change those runs.
	choosePath := filepath.Join(dir, "choose.json")
	code, stdout, stderr = cli(t, "choose", "--data", tinyData, "--seeds", "2", "--epochs", "3", "--tol", "0.01",
		"--opt", "umt.free_dims=4", "--out", choosePath)
	if code != exitOK {
		t.Fatalf("choose: exit status %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "Choice: U") {
		t.Errorf("choose: no choice in stdout:\n%s", stdout)
	}
	rep := readJSON(t, choosePath)
	checkReport(t, rep, "choose", []string{"uni", "joint", "ume"}, seeds)
	if rep["trained"] != 0.0 || rep["loaded"] != 8.0 {
		t.Errorf("choose: trained %v, loaded %v; want 0 and 8 (the run's uni, joint, ume)", rep["trained"], rep["loaded"])
	}
	choice, _ := rep["choice"].(map[string]any)
	if m := choice["method"]; m != "ume" && m != "umt" {
		t.Errorf("choice.method = %v, want ume or umt", m)
	}
	ume, _ := choice["ume_val_acc"].(float64)
	joint, _ := choice["joint_val_acc"].(float64)
	margin, _ := choice["margin"].(float64)
	if !isAcc(choice["ume_val_acc"]) || !isAcc(choice["joint_val_acc"]) || math.Abs(margin-(ume-joint)) > 1e-9 {
		t.Errorf("choice = %v: want ume_val_acc, joint_val_acc and margin = their difference", choice)
	}
	if choice["tolerance"] != 0.01 || (choice["method"] == "ume") != (ume >= joint-0.01) {
		t.Errorf("choice = %v: does not follow the rule with tol 0.01", choice)
	}
	if _, ok := choice["margin_ci95"].(float64); !ok {
		t.Errorf("choice.margin_ci95 = %v, want a number with 2 seeds", choice["margin_ci95"])
	}
	if _, ok := first["choice"]; ok {
		t.Error("run wrote a choice object")
	}
	checkRecommended(t, choice, stdout)
	if opts, _ := rep["options"].(map[string]any); opts["umt.free_dims"] != "4" || opts["train.epochs"] != "3" {
		t.Errorf("choose: options = %v, want every option as given (umt.free_dims=4, train.epochs=3)", rep["options"])
	}

	// The recommended command trains the recommended method as configured: for UMT its two
	// runs with free_dims=4 (the stored UMT runs have the default), for UME nothing (all stored).
	rec := choice["recommended"].(map[string]any)
	runArgs := strings.Fields(rec["command"].(string))[1:]
	code, _, stderr = cli(t, append(runArgs, "--out", filepath.Join(dir, "recommended.json"))...)
	if code != exitOK {
		t.Fatalf("recommended command %v: exit status %d, stderr:\n%s", runArgs, code, stderr)
	}
	wantTrained := map[any]float64{"umt": 2, "ume": 0}[choice["method"]]
	if got := readJSON(t, filepath.Join(dir, "recommended.json")); got["trained"] != wantTrained {
		t.Errorf("recommended command %v: trained %v runs, want %v", runArgs, got["trained"], wantTrained)
	}

	// A corrupt record is reported on stderr, moved aside and recomputed.
	var jointKey string
	for _, r := range second["runs"].([]any) {
		if run := r.(map[string]any); run["method"] == "joint" && run["seed"] == 0.0 {
			jointKey = run["key"].(string)
		}
	}
	store, err := results.OpenStore(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(store.RecordPath(jointKey), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = cli(t, args("third.json", "--epochs", "3")...)
	if code != exitOK {
		t.Fatalf("run after corruption: exit status %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "warning") || !strings.Contains(stderr, jointKey) {
		t.Errorf("stderr does not report the corrupt record %s:\n%s", jointKey, stderr)
	}
	third := readJSON(t, filepath.Join(dir, "third.json"))
	if third["trained"] != 1.0 || third["loaded"] != float64(wantRuns-1) {
		t.Errorf("run after corruption: trained %v, loaded %v; want 1 and %d", third["trained"], third["loaded"], wantRuns-1)
	}
}

// checkRecommended checks choose's recommended configuration (choice.recommended) of a choose
// called with --epochs 3 --opt umt.free_dims=4 on 2 seeds, and that stdout prints its command.
func checkRecommended(t *testing.T, choice map[string]any, stdout string) {
	t.Helper()
	rec, ok := choice["recommended"].(map[string]any)
	if !ok {
		t.Fatalf("choice.recommended = %v, want an object", choice["recommended"])
	}
	method := choice["method"]
	t.Logf("choose recommends %v: %v", method, rec["command"])
	if rec["method"] != method || choice["rule"] != "ume-vs-joint" {
		t.Errorf("recommended.method = %v, choice.rule = %v; want %v and ume-vs-joint", rec["method"], choice["rule"], method)
	}
	opts, _ := rec["options"].(map[string]any)
	config, _ := rec["config"].(map[string]any)
	command, _ := rec["command"].(string)
	if opts["train.epochs"] != "3" || config["train.epochs"] != 3.0 {
		t.Errorf("recommended options %v, config train.epochs %v: want train.epochs 3 in both", opts, config["train.epochs"])
	}
	wantCommand := "mmlab run --data lazypair:k=4,"
	if !strings.HasPrefix(command, wantCommand) || !strings.Contains(command, fmt.Sprintf(" --methods %v --seeds 2 ", method)) ||
		!strings.Contains(command, "--opt train.epochs=3") || !strings.Contains(stdout, command) {
		t.Errorf("recommended command %q: want %q… --methods %v --seeds 2 --opt train.epochs=3, printed on stdout:\n%s", command, wantCommand, method, stdout)
	}
	switch method {
	case "umt":
		if opts["umt.free_dims"] != "4" || config["umt.free_dims"] != 4.0 || !strings.HasSuffix(command, " --opt umt.free_dims=4") {
			t.Errorf("UMT recommended with options %v, config umt.free_dims %v, command %q: want free_dims 4 in each", opts, config["umt.free_dims"], command)
		}
	case "ume":
		if _, ok := opts["umt.free_dims"]; ok || strings.Contains(command, "umt.") {
			t.Errorf("UME recommended with UMT's options: %v, %q", opts, command)
		}
		if _, ok := config["ume.combine"]; !ok {
			t.Errorf("UME's config %v has no ume.combine", config)
		}
	default:
		t.Errorf("recommended.method = %v", method)
	}
}

// TestNoStoreAndStdout checks --no-store (everything trained, nothing saved) and --out -
// (stdout holds the JSON alone).
func TestNoStoreAndStdout(t *testing.T) {
	home := isolate(t)
	for i := range 2 {
		code, stdout, stderr := cli(t, "run", "--data", tinyData, "--methods", "joint", "--seeds", "1",
			"--epochs", "2", "--no-store", "--quiet", "--out", "-")
		if code != exitOK {
			t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
		}
		var rep map[string]any
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("stdout is not the JSON alone: %v\n%s", err, stdout)
		}
		if rep["trained"] != 1.0 || rep["loaded"] != 0.0 {
			t.Errorf("call %d: trained %v, loaded %v; want 1 and 0", i, rep["trained"], rep["loaded"])
		}
		if stderr != "" {
			t.Errorf("--quiet: stderr %q, want nothing", stderr)
		}
	}
	if runs, _ := filepath.Glob(filepath.Join(home, "runs", "*", "*.json")); len(runs) != 0 {
		t.Errorf("--no-store saved %d records", len(runs))
	}
}

// TestNoStoreWritesNothing: --no-store writes nothing under the home, not even the dataset cache
// of a generated kind (so it works on a read-only home), and the dataset-generation bar is off
// when stderr is not a terminal.
func TestNoStoreWritesNothing(t *testing.T) {
	home := isolate(t)
	saved := datasets.DefaultCache
	t.Cleanup(func() { datasets.DefaultCache = saved })
	code, _, stderr := cli(t, "run", "--data", "twoview:k=2,size=12,n_train=40,n_val=20,n_test=20", "--methods", "joint",
		"--seeds", "1", "--epochs", "1", "--opt", "train.batch=16", "--no-store", "--quiet")
	if code != exitOK {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	var written []string
	filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			written = append(written, path)
		}
		return nil
	})
	if len(written) != 0 {
		t.Errorf("--no-store wrote %v", written)
	}
	if !datasets.DefaultCache.NoBar {
		t.Error("the dataset-generation bar is on although stderr is not a terminal")
	}
}
