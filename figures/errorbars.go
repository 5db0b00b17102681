package figures

// Grouped bars with 95% confidence-interval whiskers. ECharts has no error-bar series: each bar
// series gets a companion "custom" series, with the same name (one legend entry for both), whose
// renderItem draws an I-shaped whisker from mean − CI95 to mean + CI95 centred on its bar. The
// legend is display-only (see fixLegend).

import (
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
	"github.com/mmlab-go/mmlab/results"
)

// Bar layout shared by the bar series and the whisker renderer: the gap between category groups
// and between bars of one group, as fractions of the category width and of a bar width.
const (
	barCategoryGap = 0.3
	barGap         = 0.1
)

// whiskerColor is the colour of every CI whisker: dark, so it shows over any bar colour.
const whiskerColor = "#333333"

// whiskerRenderItem draws one whisker. A data item's value is
// [category index, mean − CI95, mean + CI95, bar index k in the group, bars per group n, mean].
// Bar k's centre reproduces ECharts' grouped-bar layout (barGrid.ts): with band width B,
// category gap c and bar gap g (as fractions), every bar has width w = B(1−c) / (n + (n−1)g),
// the group spans n·w + (n−1)·g·w centred on the category, and bar k starts k·w(1+g) from the
// group's left edge.
var whiskerRenderItem = opts.FuncOpts(fmt.Sprintf(`function (params, api) {
  var cat = api.value(0), lo = api.value(1), hi = api.value(2), k = api.value(3), n = api.value(4);
  var band = api.size([1, 0])[0], c = %g, g = %g;
  var w = band * (1 - c) / (n + (n - 1) * g);
  var x = api.coord([cat, lo])[0] - (n * w + (n - 1) * g * w) / 2 + k * w * (1 + g) + w / 2;
  var yLo = api.coord([cat, lo])[1], yHi = api.coord([cat, hi])[1];
  var cap = Math.max(2, Math.min(w * 0.3, 10));
  var style = {stroke: '%s', lineWidth: 1.5};
  return {type: 'group', children: [
    {type: 'line', shape: {x1: x, y1: yHi, x2: x, y2: yLo}, style: style},
    {type: 'line', shape: {x1: x - cap, y1: yHi, x2: x + cap, y2: yHi}, style: style},
    {type: 'line', shape: {x1: x - cap, y1: yLo, x2: x + cap, y2: yLo}, style: style}
  ]};
}`, barCategoryGap, barGap, whiskerColor))

// ciSeries is one method's bars: values[i] is its estimate for category i, nil for no bar.
type ciSeries struct {
	key    string // method key (see MethodColor, MethodLabel)
	values []*results.Estimate
}

// ciBarSpec describes a grouped bar chart of estimates with CI whiskers.
type ciBarSpec struct {
	title      string
	subtitle   []string // lines under the title; the builder adds the whisker legend
	categories []string // x-axis labels
	xName      string
	yName      string
	series     []ciSeries
	names      []string // the dataset's modality names, for per-modality series (modalityNames)
	// xLabelLines is the number of lines of the longest category label (0 means 1).
	xLabelLines int
}

// ciBars builds the chart: bars at the means, whiskers at mean ± CI95, an accuracy y-axis chosen
// by accuracyAxis (with a subtitle line when it does not start at 0), and a tooltip per bar with
// the numbers.
func ciBars(spec ciBarSpec) *charts.Bar {
	lo, hi := math.Inf(1), math.Inf(-1)
	minN, maxN := math.MaxInt, 0
	for _, s := range spec.series {
		for _, e := range s.values {
			if e == nil {
				continue
			}
			lo, hi = math.Min(lo, clampAcc(e.Mean-e.CI95)), math.Max(hi, clampAcc(e.Mean+e.CI95))
			minN, maxN = min(minN, e.N), max(maxN, e.N)
		}
	}
	yMin, yMax, truncated := accuracyAxis(lo, hi)
	yMin, yMax, interval := axisTicks(yMin, yMax)

	// One line of reading notes under the figure's own subtitle lines (short subtitles: the
	// seeds and the axis start share it).
	note := seedsNote("bars", "whiskers", minN, maxN, "bars: one seed each, so no confidence interval", "see tooltips")
	if truncated {
		note += "; " + truncationNote(yMin, false)
	}
	subtitle := append(append([]string{}, spec.subtitle...), note)

	bar := charts.NewBar()
	bar.Accept(figureVisitor{patch: func(o map[string]any) { fixLegend(o); whiskersOnTop(o); setYInterval(o, interval) }})
	lines := max(spec.xLabelLines, 1)
	bar.SetGlobalOptions(baseOptions(spec.title, subtitle, true, lines)...)
	bar.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Name: spec.xName, NameLocation: "middle", NameGap: xAxisNameGap(lines), Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Name: spec.yName, NameLocation: "middle", NameGap: 45, Type: "value", Min: yMin, Max: yMax}),
	)
	bar.SetXAxis(spec.categories)

	n := len(spec.series)
	keys := make([]string, n)
	for k, s := range spec.series {
		keys[k] = s.key
	}
	colors := figureColors(keys)
	for k, s := range spec.series {
		label := seriesLabel(s.key, spec.names)
		bars := make([]opts.BarData, len(spec.categories))
		var whiskers []opts.CustomData
		for i, e := range s.values {
			if e == nil {
				bars[i] = opts.BarData{Value: "-"} // ECharts' "no value": no bar is drawn
				continue
			}
			tip := &opts.Tooltip{Formatter: types.FuncStr(fmt.Sprintf("%s · %s<br/>%s", label, spec.categories[i], fmtEstimate(*e)))}
			bars[i] = opts.BarData{Value: e.Mean, Tooltip: tip}
			if e.N >= 2 && e.CI95 > 0 {
				whiskers = append(whiskers, opts.CustomData{
					// Clamped to [0, 1]: an accuracy cannot leave it, and the axis does not.
					Value:   []any{i, clampAcc(e.Mean - e.CI95), clampAcc(e.Mean + e.CI95), k, n, e.Mean},
					Tooltip: tip,
				})
			}
		}
		color := colors[s.key]
		bar.AddSeries(label, bars,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}),
			charts.WithBarChartOpts(opts.BarChart{BarGap: pct(barGap), BarCategoryGap: pct(barCategoryGap)}),
		)
		if len(whiskers) > 0 {
			bar.MultiSeries = append(bar.MultiSeries, charts.SingleSeries{
				Name:       label, // same name as the bars: one legend entry, one tooltip name
				Type:       types.ChartCustom,
				Id:         "ci:" + s.key,
				RenderItem: whiskerRenderItem,
				Data:       whiskers,
				Encode:     &opts.Encode{X: 0, Y: []int{1, 2}},
				ItemStyle:  &opts.ItemStyle{Color: color},
			})
		}
	}
	return bar
}

// fixLegend makes the legend of a bar chart with whiskers display-only (and spaced): hiding a series would
// make ECharts lay the remaining bars out anew, and the whiskers, placed for the full group,
// would no longer sit on their bars.
func fixLegend(option map[string]any) {
	if legend, ok := asJSONObject(option["legend"]); ok {
		legend["selectedMode"] = false
		option["legend"] = legend
	}
	spaceLegend(option)
}

// spaceLegend widens the gaps between legend entries: ECharts' server-side renderer measures
// text without a font, a little short, and with the default 10 px a long label ran into the
// next entry's mark.
func spaceLegend(option map[string]any) {
	if legend, ok := asJSONObject(option["legend"]); ok {
		legend["itemGap"] = 20
		option["legend"] = legend
	}
}

// whiskerZ is the z of the whisker series: above the bars (z 2, ECharts' default for both bar and
// custom series, which would otherwise draw every whisker under the bars that follow it).
const whiskerZ = 3

// whiskersOnTop draws the whiskers (the custom series) over the bars, so the whole interval,
// including its lower half inside the bar, is visible.
func whiskersOnTop(option map[string]any) {
	series, ok := asJSONArray(option["series"])
	if !ok {
		return
	}
	for _, s := range series {
		if m, ok := s.(map[string]any); ok && m["type"] == "custom" {
			m["z"] = whiskerZ
		}
	}
	option["series"] = series
}

// pct formats a fraction as an ECharts percentage string: 0.3 → "30%".
func pct(f float64) string { return fmt.Sprintf("%g%%", f*100) }
