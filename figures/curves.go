package figures

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/mmlab-go/mmlab/results"
)

// curveStyles are the line styles of the multi-modal methods in SplitHeadCurves, in the order
// the methods are given; the uni-modal curves are solid.
var curveStyles = []string{"dashed", "dotted"}

// bandOpacity is the opacity of the 95% CI bands around curves.
const bandOpacity = 0.15

// SplitHeadCurves draws modality laziness appearing over training (docs/DESIGN.md §3, §5): for each
// modality m, the validation accuracy of the joint model's split head o_m (dashed) next to the
// uni-modal model trained on m alone (solid; its SplitHeadAcc[0], or its ValAcc curve if that is
// missing), per epoch, one colour per modality. Lines are means
// over seeds, bands their 95% confidence interval over seeds (lower ends clamped at 0).
//
// methods selects the multi-modal methods whose split heads are drawn, default "joint"; the
// first is dashed, the second dotted (more than two get hard to read). Runs whose curves stop
// early (early stopping) contribute to the epochs they have; the subtitle says when the number
// of seeds varies over epochs.
//
// It is an error if runs is empty, if no uni-modal run or no run of a selected method has
// split-head curves, or if a run's curves are inconsistent (lengths differ from its epochs).
func SplitHeadCurves(runs []results.Run, methods ...string) (*charts.Line, error) {
	const where = "figures.SplitHeadCurves"
	if len(runs) == 0 {
		return nil, errors.New(where + ": no runs")
	}
	if len(methods) == 0 {
		methods = []string{results.JointMethod}
	}
	if i := slices.Index(methods, results.UniMethod); i >= 0 {
		return nil, fmt.Errorf("%s: the uni-modal curves are always drawn; pass multi-modal methods (got %q)", where, methods)
	}
	set, err := collectCurves(where, runs, methods)
	if err != nil {
		return nil, err
	}
	epochs := set.epochs()
	sums, st := summarizeCurves(set.lines, epochs)
	yMin, yMax, truncated := accuracyAxis(st.lo, st.hi)
	yMin, yMax, interval := axisTicks(yMin, yMax)

	style := "solid: uni-modal model trained on that modality alone"
	for k, method := range methods {
		style += fmt.Sprintf("; %s: %s model's split head for that modality", curveStyles[k%len(curveStyles)], MethodLabel(method))
	}
	subtitle := []string{style, seedsNote("lines", "bands", st.minN, st.maxN,
		"one seed per line, so no confidence band", "runs differ in length")}
	if truncated {
		subtitle = append(subtitle, truncationNote(yMin, false))
	}
	xLabels := make([]string, len(epochs))
	for i, e := range epochs {
		xLabels[i] = fmt.Sprint(e)
	}

	chart := charts.NewLine()
	chart.Accept(figureVisitor{patch: func(o map[string]any) { setYInterval(o, interval); spaceLegend(o) }})
	chart.SetGlobalOptions(baseOptions("Split-head validation accuracy per modality during training", subtitle, true, 1)...)
	chart.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis", Formatter: curveTooltip}),
		charts.WithXAxisOpts(opts.XAxis{Name: "epoch", NameLocation: "middle", NameGap: xAxisNameGap(1), Type: "category", BoundaryGap: opts.Bool(false)}),
		charts.WithYAxisOpts(opts.YAxis{Name: "validation accuracy (fraction)", NameLocation: "middle", NameGap: 45, Type: "value", Min: yMin, Max: yMax}),
	)
	chart.SetXAxis(xLabels)
	for li, l := range set.lines {
		addCurveSeries(chart, li, l, sums[li], st.maxN > 1)
	}
	return chart, nil
}

// curveLine is one line of SplitHeadCurves: its legend name, colour and dash style, and per run
// the (epoch → accuracy) curve.
type curveLine struct {
	name, color, style string
	curves             []map[int]float64
}

// curveSet collects SplitHeadCurves' lines, in the order first seen, and the epochs they cover.
type curveSet struct {
	where    string
	lines    []*curveLine
	byName   map[string]*curveLine
	epochSet map[int]bool
}

func (cs *curveSet) add(name, color, style string, curve map[int]float64) {
	l := cs.byName[name]
	if l == nil {
		l = &curveLine{name: name, color: color, style: style}
		cs.byName[name] = l
		cs.lines = append(cs.lines, l)
	}
	l.curves = append(l.curves, curve)
}

// read returns run r's accuracy curve of split head head (for a uni-modal run without split
// heads, its ValAcc curve), or nil if r has none.
func (cs *curveSet) read(r *results.Run, head int) (map[int]float64, error) {
	c := r.Curves
	var acc []float64
	switch {
	case head < len(c.SplitHeadAcc):
		acc = c.SplitHeadAcc[head]
	case r.Method == results.UniMethod && head == 0 && len(c.ValAcc) > 0:
		acc = c.ValAcc // a uni-modal model's own accuracy is its only head's
	default:
		return nil, nil
	}
	if len(acc) != len(c.Epoch) {
		return nil, fmt.Errorf("%s: run %s (%s, seed %d) has %d epochs but %d split-head accuracies for head %d",
			cs.where, r.Key, runName(r), r.Seed, len(c.Epoch), len(acc), head)
	}
	out := make(map[int]float64, len(acc))
	for i, e := range c.Epoch {
		out[e] = acc[i]
		cs.epochSet[e] = true
	}
	return out, nil
}

// addRuns adds, for modality m, the curves of the runs of method (head m of each run; for uni
// runs, those of modality m, head 0) as one line.
func (cs *curveSet) addRuns(runs []results.Run, method string, m int, name, style string) error {
	for i := range runs {
		r := &runs[i]
		if r.Method != method || r.Curves == nil {
			continue
		}
		head := m
		if method == results.UniMethod {
			if r.Modality == nil || *r.Modality != m {
				continue
			}
			head = 0
		}
		c, err := cs.read(r, head)
		if err != nil {
			return err
		}
		if c != nil {
			cs.add(name, modalityColor(m), style, c)
		}
	}
	return nil
}

// epochs returns the epochs any curve has, ascending.
func (cs *curveSet) epochs() []int {
	epochs := make([]int, 0, len(cs.epochSet))
	for e := range cs.epochSet {
		epochs = append(epochs, e)
	}
	slices.Sort(epochs)
	return epochs
}

// collectCurves gathers SplitHeadCurves' lines: per modality, the uni-modal runs' curves and
// each method's split head.
func collectCurves(where string, runs []results.Run, methods []string) (*curveSet, error) {
	numModalities := 0
	haveUni := false
	for i := range runs {
		r := &runs[i]
		if r.Method == results.UniMethod && r.Modality != nil && r.Curves != nil && (len(r.Curves.SplitHeadAcc) > 0 || len(r.Curves.ValAcc) > 0) {
			haveUni = true
			numModalities = max(numModalities, *r.Modality+1)
		}
		if slices.Contains(methods, r.Method) && r.Curves != nil {
			numModalities = max(numModalities, len(r.Curves.SplitHeadAcc))
		}
	}
	if !haveUni {
		return nil, fmt.Errorf("%s: no uni-modal (%q) runs with curves (have: %s)", where, results.UniMethod, describeCurves(runs))
	}
	cs := &curveSet{where: where, byName: map[string]*curveLine{}, epochSet: map[int]bool{}}
	names := modalityNames(runs)
	for m := range numModalities {
		uniName := fmt.Sprintf("%s · %s", MethodLabel(results.UniMethod), modalityName(names, m))
		if err := cs.addRuns(runs, results.UniMethod, m, uniName, "solid"); err != nil {
			return nil, err
		}
		for k, method := range methods {
			name := fmt.Sprintf("%s split head · %s", MethodLabel(method), modalityName(names, m))
			if err := cs.addRuns(runs, method, m, name, curveStyles[k%len(curveStyles)]); err != nil {
				return nil, err
			}
		}
	}
	for _, method := range methods {
		if !slices.ContainsFunc(cs.lines, func(l *curveLine) bool { return strings.HasPrefix(l.name, MethodLabel(method)+" split head") }) {
			return nil, fmt.Errorf("%s: no %q runs with split-head curves (have: %s)", where, method, describeCurves(runs))
		}
	}
	return cs, nil
}

// curveSummary is one line's per-epoch mean and band (lower end, width), "-" where no run has
// the epoch.
type curveSummary struct{ mean, lo, width []any }

// curveStats are the extremes over all lines: the band's range and the seeds per point.
type curveStats struct {
	lo, hi     float64
	minN, maxN int
}

// summarizeCurves summarises each line per epoch over its runs (Summarize; bands clamped to
// [0, 1]).
func summarizeCurves(lines []*curveLine, epochs []int) ([]curveSummary, curveStats) {
	sums := make([]curveSummary, len(lines))
	st := curveStats{lo: math.Inf(1), hi: math.Inf(-1), minN: math.MaxInt}
	for li, l := range lines {
		s := curveSummary{make([]any, len(epochs)), make([]any, len(epochs)), make([]any, len(epochs))}
		for i, e := range epochs {
			var v []float64
			for _, c := range l.curves {
				if a, ok := c[e]; ok {
					v = append(v, a)
				}
			}
			if len(v) == 0 {
				s.mean[i], s.lo[i], s.width[i] = "-", "-", "-"
				continue
			}
			est := results.Summarize(v)
			// The band is clamped to [0, 1], where accuracies live (t-intervals over few seeds
			// can leave it).
			low, high := clampAcc(est.Mean-est.CI95), clampAcc(est.Mean+est.CI95)
			s.mean[i], s.lo[i], s.width[i] = est.Mean, low, high-low
			st.lo, st.hi = math.Min(st.lo, low), math.Max(st.hi, high)
			st.minN, st.maxN = min(st.minN, est.N), max(st.maxN, est.N)
		}
		sums[li] = s
	}
	return sums, st
}

// addCurveSeries adds line li's mean and, with band, its CI band: an invisible line at the lower
// end and the width stacked on it with its area filled, under the mean's name so that the
// legend toggles all three.
func addCurveSeries(chart *charts.Line, li int, l *curveLine, s curveSummary, band bool) {
	chart.AddSeries(l.name, lineData(s.mean),
		charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.Id = fmt.Sprintf("mean-%d", li) }),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Symbol: "none"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: l.color}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: l.color, Width: 2, Type: l.style}),
	)
	if !band {
		return
	}
	stack := fmt.Sprintf("band-%d", li)
	chart.AddSeries(l.name, lineData(s.lo),
		charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.Id = fmt.Sprintf("band-lo-%d", li) }),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Symbol: "none", Stack: stack}),
		charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
	)
	chart.AddSeries(l.name, lineData(s.width),
		charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.Id = fmt.Sprintf("band-hi-%d", li) }),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Symbol: "none", Stack: stack}),
		charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
		charts.WithAreaStyleOpts(opts.AreaStyle{Color: l.color, Opacity: opts.Float(bandOpacity)}),
	)
}

// curveTooltip lists, for the epoch under the pointer, each curve's mean and its CI
// [lower, upper], read from the band series of the same name; band series are not listed.
var curveTooltip = opts.FuncOpts(`function (ps) {
  var lo = {}, w = {};
  ps.forEach(function (p) {
    var id = String(p.seriesId);
    if (id.indexOf('band-lo-') === 0) { lo[p.seriesName] = p.value; }
    if (id.indexOf('band-hi-') === 0) { w[p.seriesName] = p.value; }
  });
  var s = 'epoch ' + ps[0].axisValueLabel;
  ps.forEach(function (p) {
    if (String(p.seriesId).indexOf('mean-') !== 0 || p.value == null || p.value === '-') { return; }
    s += '<br/>' + p.marker + p.seriesName + ': ' + Number(p.value).toFixed(3);
    var l = lo[p.seriesName], h = w[p.seriesName];
    if (l != null && h != null && l !== '-') { s += ' [' + Number(l).toFixed(3) + ', ' + (Number(l) + Number(h)).toFixed(3) + ']'; }
  });
  return s;
}`)

// lineData wraps values (numbers, or "-" for none) as line points.
func lineData(values []any) []opts.LineData {
	out := make([]opts.LineData, len(values))
	for i, v := range values {
		out[i] = opts.LineData{Value: v}
	}
	return out
}

// runName names a run's method (and modality) for messages: "joint", "uni/m1".
func runName(r *results.Run) string {
	if r.Modality != nil {
		return results.ModalityKey(r.Method, *r.Modality)
	}
	return r.Method
}

// describeCurves lists the methods in runs and whether they have split-head curves, for error
// messages: "joint, ume (no curves), uni/m0, uni/m1".
func describeCurves(runs []results.Run) string {
	has := map[string]bool{}
	for i := range runs {
		r := &runs[i]
		name := runName(r)
		has[name] = has[name] || (r.Curves != nil && (len(r.Curves.SplitHeadAcc) > 0 || r.Method == results.UniMethod && len(r.Curves.ValAcc) > 0))
	}
	var names []string
	for name, ok := range has {
		if !ok {
			name += " (no curves)"
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
