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
}
