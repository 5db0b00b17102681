package figures

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

func est(mean, ci float64) results.Estimate { return results.Estimate{Mean: mean, CI95: ci, N: 5} }

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cell   PhaseCell
		want   Verdict
		reason string
	}{
		{"UMT better, picked", PhaseCell{UMTMinusUME: est(0.02, 0.005), Choice: "umt"}, Verdict{Better: "umt", Right: "umt", Correct: true}, "interval (0.015, 0.025) > 0"},
		{"UMT better, missed", PhaseCell{UMTMinusUME: est(0.02, 0.005), Choice: "ume"}, Verdict{Better: "umt", Right: "umt"}, ""},
		{"UME better, picked", PhaseCell{UMTMinusUME: est(-0.01, 0.002), Choice: "UME"}, Verdict{Better: "ume", Right: "ume", Correct: true}, "choice is case-insensitive"},
		{"tie, UMT picked", PhaseCell{UMTMinusUME: est(-0.001, 0.004), Choice: "umt"}, Verdict{Tie: true, Right: "ume"}, "the CI contains 0: the cheaper UME is right, UMT is not"},
		{"tie, UME picked", PhaseCell{UMTMinusUME: est(0.003, 0.004), Choice: "ume"}, Verdict{Tie: true, Right: "ume", Correct: true}, "the CI contains 0: UME is right"},
		{"tie at the CI edge", PhaseCell{UMTMinusUME: est(0.004, 0.004), Choice: "ume"}, Verdict{Tie: true, Right: "ume", Correct: true}, "|mean| ≤ CI"},
		{"one seed decides by sign", PhaseCell{UMTMinusUME: results.Estimate{Mean: 0.001, N: 1}, Choice: "ume"}, Verdict{Better: "umt", Right: "umt"}, "no interval"},
		{"exactly zero", PhaseCell{UMTMinusUME: results.Estimate{Mean: 0, N: 1}, Choice: "umt"}, Verdict{Tie: true, Right: "ume"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cell.Judge(); got != tc.want {
				t.Errorf("Judge() = %+v, want %+v (%s)", got, tc.want, tc.reason)
			}
		})
	}
}

// The 2 × 2 test grid: one correct pick, one tie (counts as correct), two wrong picks.
var testCells = []PhaseCell{
	{Rho: 0.7, Pi: 0, UMTMinusUME: est(-0.001, 0.004), Choice: "ume"},  // tie → "UME ✓ (tie)"
	{Rho: 0.7, Pi: 0.5, UMTMinusUME: est(0.02, 0.005), Choice: "umt"},  // UMT better → "UMT ✓"
	{Rho: 0.8, Pi: 0, UMTMinusUME: est(-0.01, 0.002), Choice: "umt"},   // UME better → "UMT ✗"
	{Rho: 0.8, Pi: 0.5, UMTMinusUME: est(0.015, 0.003), Choice: "ume"}, // UMT better → "UME ✗"
}

func TestPhaseDiagram(t *testing.T) {
	hm, err := PhaseDiagram(testCells)
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, hm)
	checkCommon(t, o, true)
	if title := path(o, "title", "text").(string); !strings.Contains(title, "2 of 4 cells (50%)") {
		t.Errorf("title %q does not give the fraction 2 of 4", title)
	}
	// Right answers: ume (tie), umt, ume, umt; so always UME and always UMT are right in 2 each.
	if sub := path(o, "title", "subtext").(string); !strings.Contains(sub, "1 of 4 cells are ties") ||
		!strings.Contains(sub, "always-ume 2/4 (50%), always-umt 2/4 (50%)") {
		t.Errorf("subtitle:\n%s", sub)
	}
	if got := strs(path(first(o["xAxis"]), "data")); !slices.Equal(got, []string{"0.7", "0.8"}) {
		t.Errorf("x axis (ρ) %q", got)
	}
	if got := strs(path(first(o["yAxis"]), "data")); !slices.Equal(got, []string{"0", "0.5"}) {
		t.Errorf("y axis (π) %q", got)
	}
	hs := series(o, "heatmap")
	if len(hs) != 1 {
		t.Fatalf("%d heatmap series", len(hs))
	}
	want := map[[2]int]struct {
		mean  float64
		label string
	}{
		{0, 0}: {-0.001, "UME ✓ (tie)\n-0.001 ± 0.004"},
		{0, 1}: {0.02, "UMT ✓\n+0.020 ± 0.005"},
		{1, 0}: {-0.01, "UMT ✗\n-0.010 ± 0.002"},
		{1, 1}: {0.015, "UME ✗\n+0.015 ± 0.003"},
	}
	data := hs[0]["data"].([]any)
	if len(data) != 4 {
		t.Fatalf("%d cells, want 4", len(data))
	}
	for _, d := range data {
		item := d.(map[string]any)
		v := item["value"].([]any)
		at := [2]int{int(v[0].(float64)), int(v[1].(float64))}
		w := want[at]
		if !near(v[2].(float64), w.mean) || item["name"] != w.label {
			t.Errorf("cell %v: %v %q, want %v %q", at, v[2], item["name"], w.mean, w.label)
		}
	}
	if f := path(hs[0], "label", "formatter"); f != "{b}" {
		t.Errorf("label formatter %v, want the cell name", f)
	}
	// Diverging scale centred at 0: ±(largest |mean| = 0.02, already round).
	vm := first(o["visualMap"]).(map[string]any)
	if !near(vm["min"].(float64), -0.02) || !near(vm["max"].(float64), 0.02) || vm["precision"] != 3.0 {
		t.Errorf("visual map [%v, %v] precision %v, want [-0.02, 0.02] precision 3", vm["min"], vm["max"], vm["precision"])
	}
	colours := strs(path(vm, "inRange", "color"))
	if len(colours) != 3 || colours[0] != MethodColor("ume") || colours[2] != MethodColor("umt") {
		t.Errorf("scale colours %q: want UME's colour, a neutral, UMT's colour", colours)
	}
}

func TestPhaseDiagramErrors(t *testing.T) {
	with := func(f func(c *PhaseCell)) []PhaseCell {
		cells := slices.Clone(testCells)
		f(&cells[1])
		return cells
	}
	for _, tc := range []struct {
		name    string
		cells   []PhaseCell
		wantErr string
	}{
		{"no cells", nil, "no cells"},
		{"bad choice", with(func(c *PhaseCell) { c.Choice = "joint" }), `cell 1 (ρ = 0.7, π = 0.5): choice "joint", want "ume" or "umt"`},
		{"no seeds", with(func(c *PhaseCell) { c.UMTMinusUME = results.Estimate{} }), "cell 1 (ρ = 0.7, π = 0.5): the UMT − UME estimate has no seeds"},
		{"NaN", with(func(c *PhaseCell) { c.UMTMinusUME.Mean = math.NaN() }), "want finite values"},
		{"NaN rate", with(func(c *PhaseCell) { c.Pi = math.NaN() }), "must be finite"},
		{"duplicate", with(func(c *PhaseCell) { c.Pi = 0 }), "two cells at ρ = 0.7, π = 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := PhaseDiagram(tc.cells)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestNiceCeil(t *testing.T) {
	for x, want := range map[float64]float64{0.02: 0.02, 0.034: 0.04, 0.013: 0.015, 0.0071: 0.008, 0: 0.01, 0.9: 1} {
		if got := niceCeil(x); !near(got, want) {
			t.Errorf("niceCeil(%v) = %v, want %v", x, got, want)
		}
	}
}

// TestPhaseDiagramValueSpacing checks that an uneven grid is drawn spaced as its values: π = 0,
// 0.2, 0.3, 0.5 gets the rows 0 … 0.5 in steps of 0.1 with 0.1 and 0.4 empty, each cell in the
// row of its value; values with no small common step stay evenly spaced.
func TestPhaseDiagramValueSpacing(t *testing.T) {
	var cells []PhaseCell
	for _, rho := range []float64{0.7, 0.8} {
		for _, pi := range []float64{0, 0.2, 0.3, 0.5} {
			cells = append(cells, PhaseCell{Rho: rho, Pi: pi, Choice: "ume", UMTMinusUME: results.Estimate{Mean: pi - 0.25, CI95: 0.01, N: 5}})
		}
	}
	hm, err := PhaseDiagram(cells)
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, hm)
	yData := o["yAxis"].([]any)[0].(map[string]any)["data"].([]any)
	if got := fmt.Sprint(yData); got != "[0 0.1 0.2 0.3 0.4 0.5]" {
		t.Errorf("π rows %s, want [0 0.1 0.2 0.3 0.4 0.5]", got)
	}
	for _, d := range series(o, "heatmap")[0]["data"].([]any) {
		v := d.(map[string]any)["value"].([]any)
		pi := yData[int(v[1].(float64))]
		if want := fmt.Sprintf("%.2f", v[2].(float64)+0.25); fmt.Sprintf("%.2f", mustFloat(t, pi)) != want {
			t.Errorf("cell with UMT − UME %v drawn in row π = %v, want π = %s", v[2], pi, want)
		}
	}
	labels, _ := valueGrid([]float64{0, 0.013, 0.5, 0.71})
	if len(labels) != 4 {
		t.Errorf("values without a small common step: %d rows %v, want the 4 values evenly spaced", len(labels), labels)
	}
}

func mustFloat(t *testing.T, v any) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
