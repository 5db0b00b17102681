package figures

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

func TestNamedNumbersFormatAndRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "numbers.jsonl")
	t.Setenv(NumbersEnv, path)
	gap := results.Estimate{Mean: 0.0546, CI95: 0.0161, N: 5}
	diff := results.Estimate{Mean: 0.0164, CI95: 0.0036, N: 5}
	if got, want := Caption("%.3f %v %+.2v %d/%d", N("a.b", 0.8941), E("gap", gap), E("diff", diff), N("r", 23), N("c", 25)),
		"0.894 0.055 ± 0.016 +0.02 ± 0.00 23/25"; got != want {
		t.Errorf("Caption = %q, want %q", got, want)
	}
	if f := os.Getenv(NumbersEnv); f != "" {
		if _, err := os.Stat(f); err == nil {
			t.Fatal("Caption alone recorded numbers; only ShowCaption records")
		}
	}
	if err := ShowCaption("%.3f and %v", N("a.b", 0.8941), E("gap", gap)); err != nil {
		t.Fatal(err)
	}
	if err := Record(N("c", -0.25)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"a.b","value":0.8941}
{"name":"gap","value":0.0546}
{"name":"gap.ci","value":0.0161}
{"name":"c","value":-0.25}
`
	if string(data) != want {
		t.Errorf("recorded\n%s\nwant\n%s", data, want)
	}
}

func TestRecordRefusesBadNumbers(t *testing.T) {
	t.Setenv(NumbersEnv, filepath.Join(t.TempDir(), "n.jsonl"))
	if err := Record(N("", 1)); err == nil || !strings.Contains(err.Error(), "without a name") {
		t.Errorf("Record of an unnamed number: %v", err)
	}
	zero := 0.0
	if err := Record(N("x", 1/zero)); err == nil || !strings.Contains(err.Error(), "x is +Inf") {
		t.Errorf("Record of +Inf: %v", err)
	}
	t.Setenv(NumbersEnv, filepath.Join(t.TempDir(), "missing", "n.jsonl"))
	if err := ShowCaption("%.2f", N("x", 1)); err == nil {
		t.Error("ShowCaption with an unwritable $MMLAB_NUMBERS: no error")
	}
}

func TestOutcome(t *testing.T) {
	for _, c := range []struct {
		e    results.Estimate
		want string
	}{
		{results.Estimate{Mean: 0.02, CI95: 0.01, N: 5}, "UMT beats UME"},
		{results.Estimate{Mean: -0.02, CI95: 0.01, N: 5}, "UME beats UMT"},
		{results.Estimate{Mean: 0.02, CI95: 0.03, N: 5}, "UMT and UME tie within the 95% interval"},
		{results.Estimate{Mean: 0.02, N: 1}, "UMT and UME cannot be told apart (fewer than 2 seeds)"},
	} {
		if got := Outcome("UMT", "UME", c.e); got != c.want {
			t.Errorf("Outcome(%+v) = %q, want %q", c.e, got, c.want)
		}
	}
}

func ExampleE() {
	gap := results.Estimate{Mean: 0.0546, CI95: 0.0161, N: 5}
	// With $MMLAB_NUMBERS set (scripts/nbrun.py sets it), this also records
	// laziness.gap.joint.m0 = 0.0546 and laziness.gap.joint.m0.ci = 0.0161.
	_ = ShowCaption("The laziness gap is %v; %s.", E("laziness.gap.joint.m0", gap),
		Outcome("uni-modal training", "joint training", gap))
	// Output: The laziness gap is 0.055 ± 0.016; uni-modal training beats joint training.
}
