package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// TestChoosePairedInfo: `choose --rule paired-info` trains only the uni-modal runs (2 modalities
// × 2 seeds), uses the rule's own default threshold when --tol is not given, and reports the
// rule's evidence; its pick follows the reported gain and threshold.
func TestChoosePairedInfo(t *testing.T) {
	isolate(t)
	out := filepath.Join(t.TempDir(), "choose.json")
	code, stdout, stderr := cli(t, "choose", "--data", tinyData+",pi=0.5,pair=add", "--seeds", "2", "--epochs", "3",
		"--rule", results.ChooseRulePairedInfo, "--quiet", "--out", out)
	if code != exitOK {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	rep := readJSON(t, out)
	if rep["trained"] != 4.0 || rep["loaded"] != 0.0 {
		t.Errorf("trained %v, loaded %v; want 4 uni runs and 0", rep["trained"], rep["loaded"])
	}
	choice, _ := rep["choice"].(map[string]any)
	gain, ok := choice["paired_ll_gain"].(float64)
	if !ok || choice["rule"] != results.ChooseRulePairedInfo || choice["tolerance"] != results.DefaultPairedInfoThreshold {
		t.Fatalf("choice = %v: want rule %s, its default threshold %v and paired_ll_gain", choice, results.ChooseRulePairedInfo, results.DefaultPairedInfoThreshold)
	}
	if _, ok := choice["paired_ll_gain_ci95"].(float64); !ok {
		t.Errorf("paired_ll_gain_ci95 = %v, want a number with 2 seeds", choice["paired_ll_gain_ci95"])
	}
	if want := map[bool]string{true: "umt", false: "ume"}[gain > results.DefaultPairedInfoThreshold]; choice["method"] != want {
		t.Errorf("method %v with gain %v and threshold %v, want %s", choice["method"], gain, results.DefaultPairedInfoThreshold, want)
	}
	if s, _ := choice["rule_seconds"].(float64); s <= 0 {
		t.Errorf("rule_seconds = %v, want > 0", choice["rule_seconds"])
	}
	if !strings.Contains(stdout, "Choice: U") {
		t.Errorf("no choice in stdout:\n%s", stdout)
	}
	// The rule reads no UME or joint run: their accuracies and margin are not measured (null),
	// not 0, and the text speaks of the gain, not of a margin.
	for _, k := range []string{"ume_val_acc", "joint_val_acc", "margin"} {
		if v, present := choice[k]; !present || v != nil {
			t.Errorf("choice[%q] = %v (present %v), want null", k, v, present)
		}
	}
	if want := "the gain's whole 95% interval is on the chosen side of the threshold"; choice["decisive"] == true && !strings.Contains(stdout, want) {
		t.Errorf("decisive choice, stdout lacks %q:\n%s", want, stdout)
	}
	if strings.Contains(stdout, "Validation accuracy over seeds") || strings.Contains(stdout, "one seed has no confidence interval") {
		t.Errorf("stdout reports the ume-vs-joint rule's evidence for paired-info:\n%s", stdout)
	}
}

// TestChoosePairedInfoRecommends: `choose --rule paired-info` accepts the options of the method
// it may recommend (--opt umt.free_dims=64) and its JSON names the recommended configuration.
func TestChoosePairedInfoRecommends(t *testing.T) {
	isolate(t)
	out := filepath.Join(t.TempDir(), "choose.json")
	code, stdout, stderr := cli(t, "choose", "--data", tinyData+",pi=0.5,pair=add", "--seeds", "2", "--epochs", "3",
		"--rule", results.ChooseRulePairedInfo, "--opt", "umt.free_dims=64", "--quiet", "--out", out)
	if code != exitOK {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	choice, _ := readJSON(t, out)["choice"].(map[string]any)
	rec, ok := choice["recommended"].(map[string]any)
	if !ok || rec["method"] != choice["method"] {
		t.Fatalf("choice = %v: want recommended.method = method", choice)
	}
	config, _ := rec["config"].(map[string]any)
	command, _ := rec["command"].(string)
	if choice["method"] == results.UMTMethod {
		if config["umt.free_dims"] != 64.0 || !strings.Contains(command, "--opt umt.free_dims=64") || !strings.Contains(stdout, command) {
			t.Errorf("UMT recommended: config umt.free_dims %v, command %q: want 64 in both, the command on stdout:\n%s", config["umt.free_dims"], command, stdout)
		}
	} else if strings.Contains(command, "umt.") {
		t.Errorf("UME recommended with UMT's options: %q", command)
	}
}
