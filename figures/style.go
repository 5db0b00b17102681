package figures

// Shared look of every figure: one colour per method (the same in every chart), researcher-facing
// method names, the order methods appear in, and the accuracy-axis range rule.

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/mmlab-go/mmlab/results"
)

// methodStyles is the one palette of the project: a method keeps its colour in every figure.
// Colours are from the Okabe–Ito palette (distinguishable with the common colour-vision
// deficiencies). UME and UMT get the two ends of the phase diagram's diverging scale, so blue
// means "UME" and green "UMT" everywhere; the uni-modal models are a light blue, the ensemble
// of them (UME) the dark one.
var methodStyles = map[string]struct{ label, color string }{
	results.UniMethod:      {"uni-modal", "#56B4E9"},
	results.UMEMethod:      {"UME", "#0072B2"},
	results.JointMethod:    {"joint", "#D55E00"},
	results.UMTMethod:      {"UMT", "#009E73"},
	results.OGMGEMethod:    {"OGM-GE", "#CC79A7"},
	results.GBlendMethod:   {"G-Blending", "#E69F00"},
	results.MMParetoMethod: {"MMPareto", "#999999"}, // Okabe–Ito grey
	// The width-matched joint control of UMT with free dims: joint's hue, darker.
	results.JointWideMethod: {"joint, width-matched", "#8A3C00"},
}

// methodOrder is the order methods appear in legends and tables: the uni-modal reference, UME,
// joint training, its width-matched control, UMT, then the baselines; other methods follow
// alphabetically.
var methodOrder = []string{results.UniMethod, results.UMEMethod, results.JointMethod, results.JointWideMethod, results.UMTMethod, results.OGMGEMethod, results.GBlendMethod, results.MMParetoMethod}

// spareColors colour methods that have no entry in methodStyles; a method's spare colour is
// picked by a hash of its name, so it is the same in every figure.
var spareColors = []string{"#7F3C8D", "#11A579", "#3969AC", "#F2B701", "#E73F74", "#80BA5A", "#A5AA99"}

// modalityColors colour modalities in the split-head curves (a colour per modality, not per
// method: there the line style tells the method).
var modalityColors = []string{"#1b7837", "#762a83", "#b35806", "#2166ac", "#c51b7d"}

// MethodColor returns the colour (CSS hex) that every figure uses for method, a registry name
// such as "joint" or a per-modality key such as "uni/m1" (see results.ModalityKey). Modality m of a
// per-modality method is the method's colour mixed with white, lighter for larger m, so the
// uni-modal models of different modalities stay recognisably "uni-modal". Methods without an
// assigned colour get one from a spare list, chosen from their name (stable across figures).
func MethodColor(method string) string {
	base, m, ok := results.SplitModalityKey(method)
	if ok {
		return tint(MethodColor(base), 0.45*(1-math.Pow(0.5, float64(m))))
	}
	if s, ok := methodStyles[method]; ok {
		return s.color
	}
	h := fnv.New32a()
	h.Write([]byte(method))
	return spareColors[h.Sum32()%uint32(len(spareColors))]
}

// MethodLabel returns the name figures and tables show for method (a registry name or a
// per-modality key): "uni-modal", "UME", "joint", "joint, width-matched" (joint_wide), "UMT",
// "OGM-GE", "G-Blending", "uni-modal m1"; unknown methods are shown as they are named.
func MethodLabel(method string) string {
	if base, m, ok := results.SplitModalityKey(method); ok {
		return MethodLabel(base) + " m" + strconv.Itoa(m)
	}
	if s, ok := methodStyles[method]; ok {
		return s.label
	}
	return method
}

// modalityLabel is the name of modality m on axes and in legends when the runs do not name it.
func modalityLabel(m int) string { return "modality " + strconv.Itoa(m) }

// modalityNames returns the dataset's modality names the runs recorded, or nil
// (results.ModalityNamesOf).
func modalityNames(runs []results.Run) []string { return results.ModalityNamesOf(runs) }

// modalityName is the name of modality m: the dataset's (names[m]) if known, else "modality m".
func modalityName(names []string, m int) string {
	if m >= 0 && m < len(names) && names[m] != "" {
		return names[m]
	}
	return modalityLabel(m)
}

// seriesLabel is MethodLabel with the dataset's modality names: "uni/m1" is "uni-modal audio"
// when names[1] is "audio".
func seriesLabel(key string, names []string) string {
	if base, m, ok := results.SplitModalityKey(key); ok && m < len(names) && names[m] != "" {
		return MethodLabel(base) + " " + names[m]
	}
	return MethodLabel(key)
}

// modalityColor is the colour of modality m in the split-head curves.
func modalityColor(m int) string { return modalityColors[m%len(modalityColors)] }

// sortMethods sorts method names and per-modality keys in methodOrder (unknown methods
// alphabetically after the known ones; modalities of one method in index order).
func sortMethods(keys []string) {
	rank := func(k string) (int, string, int) {
		base, m, ok := results.SplitModalityKey(k)
		if !ok {
			base, m = k, -1
		}
		if i := slices.Index(methodOrder, base); i >= 0 {
			return i, "", m
		}
		return len(methodOrder), base, m
	}
	slices.SortFunc(keys, func(a, b string) int {
		ra, na, ma := rank(a)
		rb, nb, mb := rank(b)
		if ra != rb {
			return ra - rb
		}
		if c := strings.Compare(na, nb); c != 0 {
			return c
		}
		return ma - mb
	})
}

// tint mixes a "#rrggbb" colour with white: f = 0 keeps it, f = 1 gives white.
func tint(hex string, f float64) string {
	if f == 0 || len(hex) != 7 || hex[0] != '#' {
		return hex
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return hex
	}
	mix := func(c uint64) uint64 { return uint64(math.Round(float64(c) + (255-float64(c))*f)) }
	r, g, b := mix(v>>16&0xff), mix(v>>8&0xff), mix(v&0xff)
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}

// accuracyAxis returns a y-axis range for accuracies (fractions) whose drawn values — means and
// CI ends — span [lo, hi]. The axis starts at 0 unless that would squash the data into the top
// part of the plot: when a range starting at ≥ 0.3 (padded by 10% of the data's spread, at least
// 0.005, rounded to a round step) shows everything, the axis starts there and truncated is true,
// so the figure can say so. The top is the padded, rounded maximum, at most 1: an accuracy never
// exceeds 1, so interval ends beyond [0, 1] (t-intervals over few seeds can) are clamped first
// (see clampAcc) and the axis stays within [0, 1].
func accuracyAxis(lo, hi float64) (bottom, top float64, truncated bool) {
	if math.IsNaN(lo) || math.IsNaN(hi) || lo > hi {
		return 0, 1, false
	}
	lo, hi = clampAcc(lo), clampAcc(hi)
	pad := math.Max(0.1*(hi-lo), 0.005)
	step := niceStep(hi - lo + 2*pad)
	bottom = math.Floor((lo-pad)/step) * step
	top = math.Ceil((hi+pad)/step) * step
	top = math.Min(top, 1)
	if bottom < 0.3 {
		bottom = 0
	}
	return roundTo(bottom, step), roundTo(top, step), bottom > 0
}

// axisTicks widens an accuracy axis [bottom, top] to multiples of a round tick interval (a
// niceStep of its span), staying within [0, 1], so every tick — the ends included — sits on the
// interval: without it ECharts picks its own interval and labels the axis ends anyway, and the
// labels collide (0.99 next to 1).
func axisTicks(bottom, top float64) (b, t, interval float64) {
	interval = niceStep(top - bottom - 1e-9) // the span is a multiple of a step: no float noise over it
	b = math.Max(0, roundTo(math.Floor(bottom/interval+1e-9)*interval, interval))
	t = math.Min(1, roundTo(math.Ceil(top/interval-1e-9)*interval, interval))
	return b, t, interval
}

// setYInterval sets the tick interval of the option's y axes (go-echarts v2.7.3 has no field).
func setYInterval(option map[string]any, interval float64) {
	axes, ok := asJSONArray(option["yAxis"])
	if !ok {
		return
	}
	for _, a := range axes {
		if axis, ok := a.(map[string]any); ok {
			axis["interval"] = interval
		}
	}
	option["yAxis"] = axes
}

// clampAcc clamps an accuracy (or an interval end of one) to [0, 1], the range accuracies live in.
func clampAcc(x float64) float64 { return math.Min(1, math.Max(0, x)) }

// niceStep returns a round axis step (0.01, 0.02, 0.05, 0.1 or 0.2) for a span of values.
func niceStep(span float64) float64 {
	for _, s := range []float64{0.01, 0.02, 0.05, 0.1} {
		if span <= 8*s {
			return s
		}
	}
	return 0.2
}

// roundTo rounds x to a multiple of step, removing floating-point noise (0.8500000001 → 0.85).
func roundTo(x, step float64) float64 {
	return math.Round(math.Round(x/step)*step*1e6) / 1e6
}

// truncationNote is the subtitle line that says an accuracy axis starts at bottom, not 0.
// seedsNote is the subtitle line saying what marks and intervals are over seeds: marks are
// "lines" or "bars", intervals "bands" or "whiskers"; minN and maxN are the fewest and most
// seeds behind one mark; oneSeed is the line when every mark has one seed, varying the reason
// when marks have different numbers of seeds.
func seedsNote(marks, intervals string, minN, maxN int, oneSeed, varying string) string {
	switch {
	case maxN <= 1:
		return oneSeed
	case minN == maxN:
		return fmt.Sprintf("%s: mean over %d seeds; %s: 95%% CI of the mean (Student t)", marks, maxN, intervals)
	default:
		return fmt.Sprintf("%s: mean over %d–%d seeds (%s); %s: 95%% CI of the mean (Student t)", marks, minN, maxN, varying, intervals)
	}
}

func truncationNote(bottom float64, bars bool) string {
	if bars {
		return fmt.Sprintf("y axis starts at %.2f, not 0: bar heights exaggerate differences", bottom)
	}
	return fmt.Sprintf("y axis starts at %.2f, not 0", bottom)
}

// Layout of every chart, in pixels: a title and subtitle on top, the legend at the bottom.
const (
	chartWidth     = "900px"
	chartHeight    = "500px"
	titleHeight    = 34 // title line plus spacing
	subtitleHeight = 16 // per subtitle line

	axisLabelHeight = 14 // per line of a multi-line axis label

	// subtitleWidth is the longest subtitle line, in characters, that fits the chart's width at
	// the subtitle's 12 px font; longer lines are wrapped.
	subtitleWidth = 130
)

// wrapLines breaks lines longer than width characters after a "; " or ", " (else a space), so
// that long subtitles stay inside the chart; continuation lines are indented.
func wrapLines(lines []string, width int) []string {
	var out []string
	for _, line := range lines {
		for len([]rune(line)) > width {
			r := []rune(line)
			cut := -1
			for _, sep := range []string{"; ", ", ", " "} {
				if i := strings.LastIndex(string(r[:width]), sep); i > 4 { // not inside the indent
					cut = i + len(sep)
					break
				}
			}
			if cut < 0 {
				break
			}
			out = append(out, strings.TrimRight(line[:cut], " "))
			line = "    " + line[cut:]
		}
		out = append(out, line)
	}
	return out
}

// xAxisNameGap is the distance of the x-axis name from the axis, below labels of that many lines.
func xAxisNameGap(xLabelLines int) int { return 30 + axisLabelHeight*(xLabelLines-1) }

// baseOptions returns the global options every figure shares: size, white theme, no animation
// (screenshots of the report must show the final state), the title with its subtitle lines, the
// legend at the bottom, and a plot grid placed below the subtitle.
//
// xLabelLines is the number of text lines of the x-axis labels (1 usually); the grid leaves room
// for them, the axis name and the legend.
func baseOptions(title string, subtitle []string, legend bool, xLabelLines int) []charts.GlobalOpts {
	subtitle = wrapLines(subtitle, subtitleWidth)
	top := titleHeight + subtitleHeight*len(subtitle) + 16
	bottom := 60 + axisLabelHeight*(xLabelLines-1)
	if legend {
		bottom += 30
	}
	o := []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Width: chartWidth, Height: chartHeight, Theme: "white"}),
		charts.WithAnimation(false),
		charts.WithTitleOpts(opts.Title{
			Title:         title,
			Subtitle:      strings.Join(subtitle, "\n"),
			Left:          "10",
			TitleStyle:    &opts.TextStyle{FontSize: 16},
			SubtitleStyle: &opts.TextStyle{FontSize: 12, Color: "#555"},
		}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(legend), Bottom: "5", Type: "scroll"}),
		charts.WithGridOpts(opts.Grid{Top: strconv.Itoa(top), Bottom: strconv.Itoa(bottom), Left: "70", Right: "40", ContainLabel: opts.Bool(false)}),
	}
	return o
}

// figureVisitor edits the option object go-echarts builds, just before it is rendered, for the
// few ECharts options go-echarts v2.7.3 has no field for (e.g. the subtitle's line height).
// patch, if not nil, edits the whole option object further.
type figureVisitor struct {
	charts.BaseConfigurationVisitor
	patch func(option map[string]any)
}

// Visit sets the line height of the subtitle and of the x-axis labels (without it, ECharts draws
// multi-line texts with overlapping lines) and applies v.patch.
func (v figureVisitor) Visit(option map[string]any) {
	if axes, ok := asJSONArray(option["xAxis"]); ok {
		for _, a := range axes {
			if axis, ok := a.(map[string]any); ok {
				label, _ := axis["axisLabel"].(map[string]any)
				if label == nil {
					label = map[string]any{}
				}
				label["lineHeight"] = axisLabelHeight
				axis["axisLabel"] = label
			}
		}
		option["xAxis"] = axes
	}
	if title, ok := asJSONObject(option["title"]); ok {
		style, _ := title["subtextStyle"].(map[string]any)
		if style == nil {
			style = map[string]any{}
		}
		style["lineHeight"] = subtitleHeight
		title["subtextStyle"] = style
		option["title"] = title
	}
	if v.patch != nil {
		v.patch(option)
	}
}

// asJSONObject returns v as the generic JSON object it encodes to (a map), so fields go-echarts
// does not know can be added.
func asJSONObject(v any) (map[string]any, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, false
	}
	return m, true
}

// asJSONArray returns v as the generic JSON array it encodes to.
func asJSONArray(v any) ([]any, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var a []any
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, false
	}
	return a, true
}

// fmtAcc formats an accuracy (or an accuracy difference) to 3 decimals; a value that rounds to
// zero is "0.000", never "-0.000".
func fmtAcc(x float64) string { return noNegZero(strconv.FormatFloat(x, 'f', 3, 64)) }

// noNegZero turns a formatted negative zero ("-0.000", "-0") into its unsigned form.
func noNegZero(s string) string {
	if strings.HasPrefix(s, "-") && strings.Trim(s[1:], "0.") == "" {
		return s[1:]
	}
	return s
}

// fmtEstimate formats an estimate as "0.944 ± 0.011 (n=5)"; one seed has no interval.
func fmtEstimate(e results.Estimate) string {
	switch e.N {
	case 0:
		return "no data"
	case 1:
		return fmtAcc(e.Mean) + " (n=1, no interval)"
	}
	return fmt.Sprintf("%s ± %s (n=%d)", fmtAcc(e.Mean), fmtAcc(e.CI95), e.N)
}

// fmtSigned formats a difference with its sign, e.g. "+0.016 ± 0.006".
func fmtSigned(e results.Estimate) string {
	s := fmtAcc(e.Mean)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	if e.N >= 2 {
		s += " ± " + fmtAcc(e.CI95)
	}
	return s
}

// figurePalette colours the series of one figure that have no fixed colour of their own (variants
// named with results.Variant, per-modality keys past m0, unknown methods), and those whose colour is
// too close to one already in the figure: Paul Tol's "muted" scheme and the rest of Okabe–Ito,
// both designed to stay distinguishable with the common colour-vision deficiencies.
var figurePalette = []string{"#332288", "#CC6677", "#999933", "#882255", "#44AA99", "#DDCC77", "#AA4499", "#117733", "#88CCEE", "#000000", "#F0E442"}

// minColorDistance is the smallest CIE76 ΔE (in CIELAB) between two series colours of one figure.
const minColorDistance = 25

// figureColors returns the colour of every series key of one figure: MethodColor's, unless it
// is within minColorDistance of a colour given to an earlier key (UMT and a UMT variant, the
// uni-modal models of two modalities), in which case the first palette colour that is far enough
// from all of them (or, if none is, the farthest). Keys with a fixed colour (methodStyles, and
// m0 of a per-modality method) are served first, so they keep it; the rest in order.
func figureColors(keys []string) map[string]string {
	out := make(map[string]string, len(keys))
	var used []string
	fixed := func(k string) bool {
		if base, m, ok := results.SplitModalityKey(k); ok {
			_, known := methodStyles[base]
			return known && m == 0
		}
		_, known := methodStyles[k]
		return known
	}
	for pass := range 2 {
		for _, k := range keys {
			if _, done := out[k]; done || fixed(k) != (pass == 0) {
				continue
			}
			c := MethodColor(k)
			if pass == 1 && nearestDistance(c, used) < minColorDistance {
				best, bestD := c, nearestDistance(c, used)
				for _, p := range figurePalette {
					if d := nearestDistance(p, used); d > bestD {
						best, bestD = p, d
						if d >= minColorDistance {
							break
						}
					}
				}
				c = best
			}
			out[k] = c
			used = append(used, c)
		}
	}
	return out
}

// nearestDistance is the CIE76 ΔE from colour c to the nearest of used (+Inf when used is empty).
func nearestDistance(c string, used []string) float64 {
	d := math.Inf(1)
	for _, u := range used {
		d = math.Min(d, colorDistance(c, u))
	}
	return d
}

// colorDistance is the CIE76 colour difference ΔE between two "#rrggbb" colours (sRGB, D65).
func colorDistance(a, b string) float64 {
	la, aa, ba := hexToLab(a)
	lb, ab, bb := hexToLab(b)
	return math.Sqrt((la-lb)*(la-lb) + (aa-ab)*(aa-ab) + (ba-bb)*(ba-bb))
}

// hexToLab converts "#rrggbb" (sRGB) to CIELAB under D65; a malformed colour is black.
func hexToLab(hex string) (l, a, b float64) {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil || len(hex) != 7 {
		v = 0
	}
	lin := func(c uint64) float64 {
		x := float64(c) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	r, g, bl := lin(v>>16&0xff), lin(v>>8&0xff), lin(v&0xff)
	x := (0.4124*r + 0.3576*g + 0.1805*bl) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*bl
	z := (0.0193*r + 0.1192*g + 0.9505*bl) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return 116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)
}
