package figures

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// needSVG skips the test when SVG export cannot run here (no node, or no ECharts script
// installed by `make setup`), saying which.
func needSVG(t *testing.T) {
	t.Helper()
	if _, err := nodePath(); err != nil {
		t.Skipf("SVG export not testable here: %v", err)
	}
	script, err := EChartsScriptPath()
	if err == nil {
		_, err = os.Stat(script)
	}
	if err != nil {
		t.Skipf("SVG export not testable here: the ECharts script is missing (%v); run `make setup`", err)
	}
}

// firstSeeds keeps the runs of seeds below n.
func firstSeeds(runs []results.Run, n int) []results.Run {
	var out []results.Run
	for _, r := range runs {
		if r.Seed < n {
			out = append(out, r)
		}
	}
	return out
}

var (
	// A bar: "M<x> <base>l<w> 0l0 <-h>l-<w> 0Z", no transform (legend marks have one).
	svgBar = regexp.MustCompile(`<path d="M([-\d.]+) ([-\d.]+)l([\d.]+) 0l0 (-?[\d.]+)l-[\d.]+ 0Z" fill="#[0-9A-Fa-f]{6}" ecmeta_series_index`)
	// A whisker stroke: a straight line in the whisker colour.
	svgLine = regexp.MustCompile(`<path d="M([-\d.]+) ([-\d.]+)L([-\d.]+) ([-\d.]+)"[^>]*stroke="` + whiskerColor + `"`)
	// A y-axis label: right-aligned text left of the plot grid.
	svgText = regexp.MustCompile(`<text [^>]*text-anchor="end"[^>]*transform="translate\(([-\d.]+) ([-\d.]+)\)"[^>]*>([^<]*)</text>`)
)

// yLabels returns the numeric y-axis labels of an SVG chart (text right-aligned left of x = 70,
// the plot grid's left edge in baseOptions).
func yLabels(svg string) []float64 {
	var out []float64
	for _, m := range svgText.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		v, err := strconv.ParseFloat(strings.TrimSpace(m[3]), 64)
		if err == nil && x < 70 {
			out = append(out, v)
		}
	}
	return out
}

// checkAccuracyAxis asserts that the y-axis labels drawn lie in [0, 1].
func checkAccuracyAxis(t *testing.T, name, svg string) {
	t.Helper()
	labels := yLabels(svg)
	if len(labels) < 2 {
		t.Fatalf("%s: found %d y-axis labels in the SVG, want ≥ 2", name, len(labels))
	}
	for _, v := range labels {
		if v < 0 || v > 1 {
			t.Errorf("%s: y-axis label %v outside [0, 1] (labels %v)", name, v, labels)
		}
	}
	for i := 2; i < len(labels); i++ {
		if d0, d := labels[1]-labels[0], labels[i]-labels[i-1]; math.Abs(d-d0) > 1e-9 {
			t.Errorf("%s: y-axis labels %v are not evenly spaced (the axis ends are off the tick grid, labels collide)", name, labels)
			break
		}
	}
	if strings.Contains(svg, "-0.000") {
		t.Errorf("%s: the SVG shows a negative zero \"-0.000\"", name)
	}
}

// TestBarChartsSVG renders every bar-chart builder's output with ECharts' SVG renderer and checks
// the drawing itself: every whisker sits on a bar, its lower end is below the bar's top (so
// the lower half of the interval is inside the bar), it is drawn after (over) that bar, and the
// accuracy axis stays within [0, 1] — also with 2 seeds, whose t-intervals pass both ends.
func TestBarChartsSVG(t *testing.T) {
	needSVG(t)
	study := testStudy()
	two := firstSeeds(realisticRuns(0.0, 1), 2)
	regimes := []Regime{{Name: "π = 0", Runs: study}, {Name: "π = 0.5 (add)", Runs: realisticRuns(0.012, 2)}}
	type builder struct {
		name string
		make func() (Chart, error)
	}
	builders := []builder{
		{"LazinessBars", func() (Chart, error) { return LazinessBars(study) }},
		{"LazinessBars 2 seeds", func() (Chart, error) { return LazinessBars(two) }},
		{"MethodComparison", func() (Chart, error) { return MethodComparison(regimes) }},
		{"MethodComparison 2 seeds", func() (Chart, error) { return MethodComparison([]Regime{{Name: "two seeds", Runs: two}}) }},
		{"SubsetComparison", func() (Chart, error) { return SubsetComparison(regimes) }},
		{"SubsetComparison 2 seeds", func() (Chart, error) { return SubsetComparison([]Regime{{Name: "two seeds", Runs: two}}) }},
		{"ShapleyBars", func() (Chart, error) { return ShapleyBars(shapleyStudy()) }},
		{"BarsWithCI", func() (Chart, error) {
			a, b := results.Summarize([]float64{0.97, 0.99, 1}), results.Summarize([]float64{0.5, 0.6})
			return BarsWithCI("own", nil, []string{"x", "y"}, "", "accuracy",
				[]CISeries{{Key: "joint", Values: []*results.Estimate{&a, &b}}, {Key: "umt", Values: []*results.Estimate{&b, &a}}})
		}},
	}
	for _, b := range builders {
		t.Run(b.name, func(t *testing.T) {
			c, err := b.make()
			if err != nil {
				t.Fatal(err)
			}
			wantWhiskers := 0
			for _, s := range series(options(t, c.(renderable)), "custom") {
				wantWhiskers += len(s["data"].([]any))
			}
			raw, err := RenderSVG(c)
			if err != nil {
				t.Fatal(err)
			}
			svg := string(raw)
			type bar struct {
				left, right, top float64
				at               int // position in the document: later is drawn over earlier
			}
			var bars []bar
			for _, m := range svgBar.FindAllStringSubmatchIndex(svg, -1) {
				f := func(i int) float64 { v, _ := strconv.ParseFloat(svg[m[2*i]:m[2*i+1]], 64); return v }
				x, base, w, h := f(1), f(2), f(3), f(4)
				bars = append(bars, bar{x, x + w, base + h, m[0]})
			}
			if len(bars) == 0 {
				t.Fatal("no bars found in the SVG")
			}
			whiskers := 0
			for _, m := range svgLine.FindAllStringSubmatchIndex(svg, -1) {
				f := func(i int) float64 { v, _ := strconv.ParseFloat(svg[m[2*i]:m[2*i+1]], 64); return v }
				x1, y1, x2, y2 := f(1), f(2), f(3), f(4)
				if math.Abs(x1-x2) > 1e-6 {
					continue // a cap
				}
				whiskers++
				var on []bar
				for _, b := range bars {
					if x1 > b.left && x1 < b.right {
						on = append(on, b)
					}
				}
				if len(on) != 1 {
					t.Errorf("whisker at x=%v lies on %d bars, want 1", x1, len(on))
					continue
				}
				lower := math.Max(y1, y2) // SVG y grows downwards
				if lower <= on[0].top {
					t.Errorf("whisker at x=%v: lower end y=%v is not below the bar's top y=%v", x1, lower, on[0].top)
				}
				if m[0] < on[0].at {
					t.Errorf("whisker at x=%v is drawn before (under) its bar", x1)
				}
			}
			if whiskers != wantWhiskers {
				t.Errorf("%d whiskers drawn, want %d (one per bar with an interval)", whiskers, wantWhiskers)
			}
			checkAccuracyAxis(t, b.name, svg)
		})
	}
}

// TestOtherChartsSVG renders the line and heat-map figures: the split-head curves' accuracy axis
// (bands of 2 seeds pass both ends) stays within [0, 1], and every chart exports.
func TestOtherChartsSVG(t *testing.T) {
	needSVG(t)
	curves, err := SplitHeadCurves(firstSeeds(realisticRuns(0.0, 1), 2))
	if err != nil {
		t.Fatal(err)
	}
	svg, err := RenderSVG(curves)
	if err != nil {
		t.Fatal(err)
	}
	checkAccuracyAxis(t, "SplitHeadCurves", string(svg))
	cell := func(rho, pi, d float64) PhaseCell {
		return PhaseCell{Rho: rho, Pi: pi, Choice: "umt", UMTMinusUME: results.Estimate{Mean: d, CI95: 0.004, N: 5}}
	}
	phase, err := PhaseDiagram([]PhaseCell{cell(0.6, 0, -0.0001), cell(0.6, 0.3, 0.01), cell(0.8, 0, 0.02), cell(0.8, 0.3, -0.01)})
	if err != nil {
		t.Fatal(err)
	}
	svg, err = RenderSVG(phase)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(svg, []byte("-0.000")) {
		t.Error("the phase diagram shows a negative zero \"-0.000\"")
	}
	// An uneven π grid (0, 0.2, 0.3) is drawn spaced as its values: a row label for 0.1.
	uneven, err := PhaseDiagram([]PhaseCell{cell(0.8, 0, 0.01), cell(0.8, 0.2, 0.01), cell(0.8, 0.3, -0.01)})
	if err != nil {
		t.Fatal(err)
	}
	if svg, err = RenderSVG(uneven); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`>0\.1</text>`).Match(svg) {
		t.Error("the phase diagram of π = 0, 0.2, 0.3 has no row for π = 0.1: rows are not spaced as values")
	}
	fm, err := FeatureMap(featureStudy(true))
	if err != nil {
		t.Fatal(err)
	}
	if svg, err = RenderSVG(fm); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(svg, []byte("-0.000")) {
		t.Error("the feature map shows a negative zero \"-0.000\"")
	}
}

// TestSVGTestsCoverEveryBuilder keeps the SVG acceptance tests above complete: every exported
// function of the package that builds a chart (returns a *charts.Bar, *charts.Line or
// *charts.HeatMap) is rendered by one of them.
func TestSVGTestsCoverEveryBuilder(t *testing.T) {
	self, err := os.ReadFile("svg_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var checks string
	for _, name := range []string{"TestBarChartsSVG", "TestOtherChartsSVG"} {
		i := bytes.Index(self, []byte("func "+name+"("))
		j := bytes.Index(self[i+1:], []byte("\nfunc "))
		checks += string(self[i : i+1+j])
	}
	builder := regexp.MustCompile(`(?m)^func ([A-Z]\w*)\(.*\) \(\*charts\.\w+, error\)`)
	files, _ := filepath.Glob("*.go")
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range builder.FindAllSubmatch(src, -1) {
			found++
			if !strings.Contains(checks, string(m[1])+"(") {
				t.Errorf("%s: chart builder %s is not rendered by TestBarChartsSVG or TestOtherChartsSVG", f, m[1])
			}
		}
	}
	if found < 7 {
		t.Errorf("found %d chart builders, want the 7 or more of the package: is the pattern broken?", found)
	}
}

// TestSaveSVGIsDeterministic saves a chart twice: same bytes, a complete SVG document.
func TestSaveSVGIsDeterministic(t *testing.T) {
	needSVG(t)
	bar, err := LazinessBars(testStudy())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.svg"), filepath.Join(dir, "sub", "b.svg")
	if err := SaveSVG(a, bar); err != nil {
		t.Fatal(err)
	}
	if err := SaveSVG(b, bar); err != nil {
		t.Fatal(err)
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Error("two exports of one chart differ")
	}
	if !bytes.HasPrefix(da, []byte("<svg")) || !bytes.Contains(da, []byte(`width="900" height="500"`)) || !bytes.HasSuffix(bytes.TrimSpace(da), []byte("</svg>")) {
		t.Errorf("not a 900×500 SVG document: %.200q", da)
	}
}

// TestSVGMissingTools: without the ECharts script or without node, the error says what is
// missing and how to install it.
func TestSVGMissingTools(t *testing.T) {
	bar, err := LazinessBars(testStudy())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MMLAB_HOME", t.TempDir())
	t.Setenv(EChartsEnv, "")
	t.Setenv("MMLAB_NODE", "")
	if _, err := nodePath(); err == nil {
		if err := SaveSVG(filepath.Join(t.TempDir(), "x.svg"), bar); !errors.Is(err, ErrNoEChartsScript) || !strings.Contains(err.Error(), "make setup") {
			t.Errorf("missing script: error %v, want ErrNoEChartsScript naming `make setup`", err)
		}
	}
	t.Setenv("MMLAB_NODE", filepath.Join(t.TempDir(), "no-node"))
	if _, err := RenderSVG(bar); !errors.Is(err, ErrNoNode) || !strings.Contains(err.Error(), "MMLAB_NODE") {
		t.Errorf("missing node: error %v, want ErrNoNode naming MMLAB_NODE", err)
	}
}

func TestNoNegativeZero(t *testing.T) {
	if got := fmtAcc(-0.0001); got != "0.000" {
		t.Errorf("fmtAcc(-0.0001) = %q, want 0.000", got)
	}
	if got := fmtAcc(-0.0006); got != "-0.001" {
		t.Errorf("fmtAcc(-0.0006) = %q, want -0.001", got)
	}
	if got := fmtSigned(results.Estimate{Mean: -0.0001, CI95: 0.002, N: 3}); got != "+0.000 ± 0.002" {
		t.Errorf("fmtSigned(-0.0001) = %q, want +0.000 ± 0.002", got)
	}
	if got := fmtSigned(results.Estimate{Mean: -0.02, N: 1}); got != "-0.020" {
		t.Errorf("fmtSigned(-0.02) = %q, want -0.020", got)
	}
}

func TestAxisTicks(t *testing.T) {
	for _, tc := range []struct{ bottom, top, b, t, interval float64 }{
		{0.84, 1, 0.84, 1, 0.02}, // span 8 steps of 0.02: kept
		{0, 0.98, 0, 1, 0.2},     // ECharts would label 0.8 and 0.98 side by side
		{0.94, 1, 0.94, 1, 0.01},
		{0.31, 0.97, 0.3, 1, 0.1}, // widened to the tick grid, never past 1
	} {
		b, top, interval := axisTicks(tc.bottom, tc.top)
		if !near(b, tc.b) || !near(top, tc.t) || !near(interval, tc.interval) {
			t.Errorf("axisTicks(%v, %v) = %v, %v, %v; want %v, %v, %v", tc.bottom, tc.top, b, top, interval, tc.b, tc.t, tc.interval)
		}
	}
}

// TestSavePNG rasterises a chart: a PNG of the chart's size, the same bytes twice.
func TestSavePNG(t *testing.T) {
	needSVG(t)
	if _, err := chromiumPath(); err != nil {
		t.Skipf("PNG export not testable here: %v", err)
	}
	bar, err := LazinessBars(testStudy())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	for _, p := range []string{a, b} {
		if err := SavePNG(p, bar); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Error("two PNG exports of one chart differ")
	}
	// PNG header: the IHDR chunk's width and height, big-endian, at bytes 16–23.
	if len(da) < 24 || !bytes.HasPrefix(da, []byte("\x89PNG")) {
		t.Fatalf("not a PNG: %.40q", da)
	}
	w := int(da[16])<<24 | int(da[17])<<16 | int(da[18])<<8 | int(da[19])
	h := int(da[20])<<24 | int(da[21])<<16 | int(da[22])<<8 | int(da[23])
	if w != 900 || h != 500 {
		t.Errorf("PNG is %d×%d, want 900×500", w, h)
	}
	t.Setenv("MMLAB_CHROMIUM", filepath.Join(dir, "no-chromium"))
	if err := SavePNG(filepath.Join(dir, "c.png"), bar); !errors.Is(err, ErrNoChromium) {
		t.Errorf("missing Chromium: error %v, want ErrNoChromium", err)
	}
}

// TestExportShown checks the export hook of Show ($MMLAB_EXPORT_FIGURE, set by scripts/nbrun.py
// around a cell tagged figure:NAME): the first chart shown is written with SaveSVG, a later one
// in the same cell does not replace it, and a path that is neither .svg nor .png is an error.
func TestExportShown(t *testing.T) {
	needSVG(t)
	bars, err := LazinessBars(testStudy())
	if err != nil {
		t.Fatal(err)
	}
	other, err := MethodComparison([]Regime{{Name: "r", Runs: testStudy()}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fig.svg")
	t.Setenv(ExportFigureEnv, path)
	if err := exportShown([]Chart{bars}); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(first, []byte("<svg")) {
		t.Fatalf("%s: %v, %.100q; want an SVG", path, err, first)
	}
	if err := exportShown([]Chart{other}); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, first) {
		t.Errorf("a second chart replaced the cell's first exported chart")
	}
	want, err := RenderSVG(bars)
	if err != nil || !bytes.Equal(want, first) {
		t.Errorf("the exported file is not RenderSVG of the first chart (err %v)", err)
	}
	t.Setenv(ExportFigureEnv, filepath.Join(t.TempDir(), "fig.pdf"))
	if err := exportShown([]Chart{bars}); err == nil || !strings.Contains(err.Error(), ExportFigureEnv) {
		t.Errorf("a .pdf export path: error %v, want one naming %s", err, ExportFigureEnv)
	}
	t.Setenv(ExportFigureEnv, "")
	if err := exportShown([]Chart{bars}); err != nil {
		t.Errorf("unset: %v", err)
	}
}

// shapleyStudy is 3 seeds of joint and UMT runs with Shapley modality contributions.
func shapleyStudy() []results.Run {
	var runs []results.Run
	for s := range 3 {
		d := 0.02 * float64(s-1)
		bins := [][]results.ShapleyBin{{{Value: -0.25, Fraction: 0.1}, {Value: 0.75, Fraction: 0.9}}, {{Value: 0.25, Fraction: 1}}}
		runs = append(runs,
			results.Run{Key: fmt.Sprintf("j%d", s), Method: "joint", Seed: s, TestAcc: 0.9,
				Shapley: &results.Shapley{Values: []float64{0.40 + d, 0.25 - d}, PerSample: bins}},
			results.Run{Key: fmt.Sprintf("u%d", s), Method: "umt", Seed: s, TestAcc: 0.92,
				Shapley: &results.Shapley{Values: []float64{0.35 - d, 0.33 + d}, PerSample: bins}})
	}
	return runs
}

// TestModalityNamesInSVG checks that axes and legends name the modalities as the dataset does
// (results.Run.ModalityNames: "image", "audio"), in every chart builder that shows modalities,
// and not as "modality 0" or "uni-modal m0".
func TestModalityNamesInSVG(t *testing.T) {
	needSVG(t)
	named := func(runs []results.Run) []results.Run {
		out := make([]results.Run, len(runs))
		for i, r := range runs {
			r.ModalityNames = []string{"image", "audio"}
			out[i] = r
		}
		return out
	}
	study := named(testStudy())
	builders := map[string]func() (Chart, error){
		"LazinessBars":     func() (Chart, error) { return LazinessBars(study) },
		"MethodComparison": func() (Chart, error) { return MethodComparison([]Regime{{Name: "r", Runs: study}}) },
		"SubsetComparison": func() (Chart, error) { return SubsetComparison([]Regime{{Name: "r", Runs: study}}) },
		"SplitHeadCurves":  func() (Chart, error) { return SplitHeadCurves(named(realisticRuns(0, 1))) },
		"FeatureMap":       func() (Chart, error) { return FeatureMap(named(featureStudy(true))) },
		"ShapleyBars":      func() (Chart, error) { return ShapleyBars(named(shapleyStudy())) },
	}
	want := map[string][]string{
		"LazinessBars": {">image<", ">audio<"}, "MethodComparison": {"uni-modal image", "uni-modal audio"},
		"SubsetComparison": {"uni-modal image", "uni-modal audio"}, "SplitHeadCurves": {"· image", "· audio"},
		"FeatureMap": {"image easy", "audio hard"}, "ShapleyBars": {">image<", ">audio<"},
	}
	for name, build := range builders {
		c, err := build()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		svg, err := RenderSVG(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, w := range want[name] {
			if !bytes.Contains(svg, []byte(w)) {
				t.Errorf("%s: the SVG does not show %q", name, w)
			}
		}
		for _, bad := range []string{"modality 0", "modality 1", "uni-modal m0", "uni-modal m1"} {
			if bytes.Contains(svg, []byte(bad)) {
				t.Errorf("%s: the SVG shows %q, not the dataset's modality name", name, bad)
			}
		}
	}
}
