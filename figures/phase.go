package figures

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
	"github.com/mmlab-go/mmlab/results"
)

// PhaseCell is one cell of the phase diagram: a dataset with easy rate Rho and paired rate Pi
// (docs/DESIGN.md §2.1), the per-seed paired difference acc(UMT) − acc(UME) there (e.g.
// results.PairedDifference of the test accuracies), and the method the UME-vs-UMT rule chose
// (results.Choose, which decides on validation accuracy).
type PhaseCell struct {
	Rho, Pi     float64
	UMTMinusUME results.Estimate
	Choice      string // "ume" or "umt" (results.UMEMethod, results.UMTMethod)
	Rule        string // the rule that made Choice, e.g. results.ChooseRuleUMEvsJoint; "" if unnamed
}

// Verdict says whether a cell's choice picked the right method. When the 95% confidence
// interval of acc(UMT) − acc(UME) contains 0 (|Mean| ≤ CI95, or Mean = 0) the two tie and the
// right pick is the cheaper method, UME (no student to train, docs/DESIGN.md §5); otherwise it is the
// better one, the sign of the mean difference. So "always UMT" is not right in a tie.
type Verdict struct {
	Better  string // "umt", "ume", or "" for a tie
	Tie     bool
	Right   string // the right pick: Better, or "ume" in a tie
	Correct bool   // the choice is Right
}

// Judge returns the verdict on c's choice (see Verdict).
func (c PhaseCell) Judge() Verdict {
	e := c.UMTMinusUME
	v := Verdict{Right: results.UMEMethod}
	if e.Mean == 0 || (e.N >= 2 && math.Abs(e.Mean) <= e.CI95) {
		v.Tie = true
	} else {
		v.Better = results.UMEMethod
		if e.Mean > 0 {
			v.Better = results.UMTMethod
		}
		v.Right = v.Better
	}
	v.Correct = strings.ToLower(c.Choice) == v.Right
	return v
}

// Label returns the cell's text in the phase diagram: the rule's pick, ✓ or ✗ (see Verdict),
// "(tie)" when the methods tie, and the difference with its 95% CI, e.g. "UMT ✓\n+0.016 ± 0.006".
func (c PhaseCell) Label() string {
	v := c.Judge()
	mark := "✗"
	if v.Correct {
		mark = "✓"
	}
	if v.Tie {
		mark += " (tie)"
	}
	return MethodLabel(strings.ToLower(c.Choice)) + " " + mark + "\n" + fmtSigned(c.UMTMinusUME)
}

// PhaseDiagram draws the central figure (docs/DESIGN.md §5, §7): a heatmap over the easy rate ρ (x)
// and the paired rate π (y) of acc(UMT) − acc(UME), on a diverging colour scale centred at 0
// (green: UMT better, blue: UME better, symmetric around 0), with the UME-vs-UMT rule's pick
// written in every cell and marked ✓ when it picked the right method — the better one, or UME,
// the cheaper, when the two tie within the 95% CI — and ✗ otherwise (see PhaseCell.Judge). The
// title gives the fraction of cells where the rule's pick was right; the subtitle gives the
// scores of the trivial rules "always UME" and "always UMT" beside it (ScorePhaseRules) and how
// many cells are ties.
//
// It is an error if cells is empty, a cell's ρ or π or difference is not finite, its estimate
// has no seeds (N = 0), its Choice is neither "ume" nor "umt", or two cells share (ρ, π).
func PhaseDiagram(cells []PhaseCell) (*charts.HeatMap, error) {
	const where = "figures.PhaseDiagram"
	if len(cells) == 0 {
		return nil, errors.New(where + ": no cells")
	}
	rhos, pis, err := phaseAxes(cells)
	if err != nil {
		return nil, err
	}
	// Rows and columns are spaced as their values: an uneven grid (π = 0, 0.2, 0.3, …) gets
	// the missing rows (0.1) drawn empty, as long as that stays readable.
	rhoLabels, rhoAt := valueGrid(rhos)
	piLabels, piAt := valueGrid(pis)

	items, correct, ties, maxAbs := phaseItems(cells, rhoAt, piAt)
	scale := niceCeil(maxAbs)

	scores, err := ScorePhaseRules(cells)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	title := fmt.Sprintf("UMT − UME accuracy over (ρ, π): the rule picked the right method in %d of %d cells (%.0f%%)",
		correct, len(cells), 100*float64(correct)/float64(len(cells)))
	subtitle := []string{
		"cell: the rule's pick (✓ right: the better method, or UME in a tie) and mean UMT − UME ± 95% CI",
		fmt.Sprintf("%d of %d cells are ties; trivial rules: %s", ties, len(cells), scoresText(scores[1:])),
	}

	hm := charts.NewHeatMap()
	hm.Accept(figureVisitor{patch: heatmapPatch(3)})
	hm.SetGlobalOptions(baseOptions(title, subtitle, false, 1)...)
	hm.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: opts.FuncOpts(`function (p) { return p.data.tip; }`)}),
		charts.WithXAxisOpts(opts.XAxis{Name: "easy rate ρ (fraction of samples with the easy feature, per modality)", NameLocation: "middle",
			NameGap: xAxisNameGap(1), Type: "category", Data: rhoLabels, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Name: "paired rate π (fraction of samples with the paired feature)", NameLocation: "middle",
			NameGap: 45, Type: "category", Data: piLabels, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{
			Type: "continuous", Calculable: opts.Bool(true), Min: float32(-scale), Max: float32(scale),
			Text:    []string{"UMT better", "UME better"},
			InRange: &opts.VisualMapInRange{Color: []string{MethodColor(results.UMEMethod), "#f7f7f7", MethodColor(results.UMTMethod)}},
			Orient:  "vertical", Right: "10", Top: "middle",
		}),
	)
	hm.GridList[0].Right = "130" // room for the visual map
	hm.MultiSeries = append(hm.MultiSeries, charts.SingleSeries{
		Name: "acc(UMT) − acc(UME)",
		Type: types.ChartHeatMap,
		Data: items,
		Label: &opts.Label{Show: opts.Bool(true), Formatter: "{b}", Color: "#111", FontSize: 12,
			LineHeight: 16},
		ItemStyle: &opts.ItemStyle{BorderColor: "#fff", BorderWidth: 1},
	})
	return hm, nil
}

// phaseAxes checks the cells (see PhaseDiagram) and returns their distinct ρ and π values,
// sorted.
func phaseAxes(cells []PhaseCell) (rhos, pis []float64, err error) {
	const where = "figures.PhaseDiagram"
	type point struct{ rho, pi float64 }
	seen := map[point]bool{}
	for i, c := range cells {
		at := fmt.Sprintf("cell %d (ρ = %v, π = %v)", i, c.Rho, c.Pi)
		switch {
		case !finite(c.Rho) || !finite(c.Pi):
			return nil, nil, fmt.Errorf("%s: %s: ρ and π must be finite", where, at)
		case c.UMTMinusUME.N == 0:
			return nil, nil, fmt.Errorf("%s: %s: the UMT − UME estimate has no seeds (N = 0)", where, at)
		case !finite(c.UMTMinusUME.Mean) || !finite(c.UMTMinusUME.CI95):
			return nil, nil, fmt.Errorf("%s: %s: UMT − UME is %v ± %v, want finite values", where, at, c.UMTMinusUME.Mean, c.UMTMinusUME.CI95)
		}
		if ch := strings.ToLower(c.Choice); ch != results.UMEMethod && ch != results.UMTMethod {
			return nil, nil, fmt.Errorf("%s: %s: choice %q, want %q or %q", where, at, c.Choice, results.UMEMethod, results.UMTMethod)
		}
		if seen[point{c.Rho, c.Pi}] {
			return nil, nil, fmt.Errorf("%s: two cells at ρ = %v, π = %v", where, c.Rho, c.Pi)
		}
		seen[point{c.Rho, c.Pi}] = true
		if !slices.Contains(rhos, c.Rho) {
			rhos = append(rhos, c.Rho)
		}
		if !slices.Contains(pis, c.Pi) {
			pis = append(pis, c.Pi)
		}
	}
	slices.Sort(rhos)
	slices.Sort(pis)
	return rhos, pis, nil
}

// phaseItems returns the heatmap items of the cells, at the grid positions rhoAt and piAt, with
// the number of cells where the rule's pick is right, the number of ties and the largest
// |UMT − UME|.
func phaseItems(cells []PhaseCell, rhoAt, piAt map[float64]int) (items []phaseItem, correct, ties int, maxAbs float64) {
	items = make([]phaseItem, len(cells))
	for i, c := range cells {
		v := c.Judge()
		if v.Correct {
			correct++
		}
		if v.Tie {
			ties++
		}
		maxAbs = math.Max(maxAbs, math.Abs(c.UMTMinusUME.Mean))
		label := c.Label()
		pick, _, _ := strings.Cut(label, "\n")
		items[i] = phaseItem{
			Name:  label,
			Value: []any{rhoAt[c.Rho], piAt[c.Pi], c.UMTMinusUME.Mean},
			Tip: fmt.Sprintf("ρ = %v, π = %v<br/>acc(UMT) − acc(UME): %s<br/>rule's pick: %s",
				c.Rho, c.Pi, fmtEstimate(c.UMTMinusUME), pick),
		}
	}
	return items, correct, ties, maxAbs
}

// heatmapPatch returns the patch of what go-echarts has no field for in a heatmap: the visual
// map colours only the cells (series 0) and shows its end values with precision decimals, and
// the cell labels get a light, translucent background so that they read on dark and light cells
// alike. The phase diagram and the feature map share it.
func heatmapPatch(precision int) func(option map[string]any) {
	return func(option map[string]any) {
		if maps, ok := asJSONArray(option["visualMap"]); ok {
			for _, m := range maps {
				if vm, ok := m.(map[string]any); ok {
					vm["precision"] = precision
					vm["seriesIndex"] = 0
				}
			}
			option["visualMap"] = maps
		}
		if series, ok := asJSONArray(option["series"]); ok {
			for _, s := range series {
				if label, ok := s.(map[string]any)["label"].(map[string]any); ok {
					label["backgroundColor"] = "rgba(255, 255, 255, 0.75)"
					label["borderRadius"] = 3
					label["padding"] = []int{2, 5}
				}
			}
			option["series"] = series
		}
	}
}

// phaseItem is one heatmap cell: Value is [ρ index, π index, mean difference]; Name is the
// label; Tip the tooltip (read by the tooltip formatter).
type phaseItem struct {
	Name  string `json:"name"`
	Value []any  `json:"value"`
	Tip   string `json:"tip"`
}

// maxGridSteps bounds the rows (or columns) valueGrid draws: beyond it, values are spaced evenly.
const maxGridSteps = 21

// valueGrid returns the axis categories for sorted distinct values and the category of each
// value. When the values are multiples of a common step (to 1e-6) and the grid from the first to
// the last value in that step has at most maxGridSteps entries and at most three times as many as
// there are values, the categories are that grid (0, 0.1, 0.2, 0.3 for 0, 0.2, 0.3: the missing
// 0.1 is an empty row), so distances on the axis are distances in value; otherwise they are the
// values themselves, evenly spaced.
func valueGrid(values []float64) (labels []string, at map[float64]int) {
	at = make(map[float64]int, len(values))
	even := func() ([]string, map[float64]int) {
		for i, v := range values {
			at[v] = i
		}
		return formatRates(values), at
	}
	if len(values) < 3 {
		return even()
	}
	const unit = 1e-6
	ticks := make([]int64, len(values))
	for i, v := range values {
		ticks[i] = int64(math.Round(v / unit))
		if math.Abs(float64(ticks[i])*unit-v) > unit/10 {
			return even()
		}
	}
	var step int64
	for i := 1; i < len(ticks); i++ {
		step = gcd(step, ticks[i]-ticks[0])
	}
	if step <= 0 {
		return even()
	}
	n := int((ticks[len(ticks)-1]-ticks[0])/step) + 1
	if n > maxGridSteps || n > 3*len(values) {
		return even()
	}
	grid := make([]float64, n)
	for j := range grid {
		grid[j] = float64(ticks[0]+int64(j)*step) / 1e6 // division by 1/unit: 0.3, not 0.30000000000000004
	}
	for i, v := range values {
		at[v] = int((ticks[i] - ticks[0]) / step)
	}
	return formatRates(grid), at
}

// gcd is the greatest common divisor of a and b (≥ 0).
func gcd(a, b int64) int64 {
	if a < 0 {
		a = -a
	}
	if b < 0 {
		b = -b
	}
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// formatRates formats rates for axis labels: 0.7 → "0.7", 0.75 → "0.75".
func formatRates(v []float64) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = strconv.FormatFloat(x, 'f', -1, 64)
	}
	return out
}

// niceCeil rounds x > 0 up to a round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of
// ten: 0.034 → 0.04), the end of a symmetric colour scale; 0 gives 0.01 (all differences 0).
func niceCeil(x float64) float64 {
	if x <= 0 || !finite(x) {
		return 0.01
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if x <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// finite reports whether x is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
