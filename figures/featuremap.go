package figures

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// learnedScale is the feature map's sequential colour scale, from unlearned (chance, near white)
// to learned (1.0, dark): ColorBrewer's "Purples", a hue no method has, so a cell's colour
// reads as "how learned", never as "which method".
var learnedScale = []string{"#fcfbfd", "#dadaeb", "#9e9ac8", "#6a51a3", "#3f007d"}

// noScoreColor fills the cells of methods that have no score for a feature.
const noScoreColor = "#eeeeee"

// FeatureMap draws which features each method learned (results.FeatureScores): the measured
// counterpart of Figure 1 of Du et al. (ICML 2023), a diagram of the uni-modal and paired
// features that joint training learns or leaves unlearned. Rows are the features — each
// modality's easy and hard uni-modal features, then the paired feature (when the data has
// pair_only samples) — and columns the methods (the uni-modal models, UME, joint, UMT, then the
// baselines and any other method, in the order of every figure). A cell is the feature's score,
// an accuracy on the test samples that carry only that feature, written as mean ± 95% CI over
// seeds and coloured from chance 1/K (white: unlearned) to 1 (dark: learned). Cells of methods
// without such a score (no encoder for that modality) are grey and say "no score".
//
// runs should come from one study, or from studies on one dataset (e.g. with results.Variant). It
// is an error when results.FeatureScores fails: no runs, runs of different datasets, two runs of a
// method on one seed, or no feature scores at all. The title can be changed through the chart's
// Title field.
func FeatureMap(runs []results.Run) (*charts.HeatMap, error) {
	const where = "figures.FeatureMap"
	if len(runs) == 0 {
		return nil, errors.New(where + ": no runs")
	}
	fm, err := results.FeatureScores(runs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	methods := slices.Clone(fm.Methods)
	sortMethods(methods)
	rows := make([]string, len(fm.Features))
	names := modalityNames(runs)
	for i, f := range fm.Features {
		rows[i] = featureLabel(f, names)
	}
	columns := make([]string, len(methods))
	for j, m := range methods {
		columns[j] = MethodLabel(m)
	}

	scored, missing, seedCounts := featureItems(fm, methods, names)
	title := "Which features each method learned: the paper's Figure 1, measured"
	subtitle := featureMapSubtitle(fm, seedCounts)

	hm := charts.NewHeatMap()
	hm.Accept(figureVisitor{patch: heatmapPatch(2)})
	hm.SetGlobalOptions(baseOptions(title, subtitle, false, 1)...)
	hm.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: opts.FuncOpts(`function (p) { return p.data.tip; }`)}),
		charts.WithXAxisOpts(opts.XAxis{Name: "method (how the model was trained)", NameLocation: "middle", NameGap: xAxisNameGap(1),
			Type: "category", Data: columns, SplitArea: &opts.SplitArea{Show: opts.Bool(true)},
			AxisLabel: &opts.AxisLabel{Interval: "0"}}), // every method's name, however long
		charts.WithYAxisOpts(opts.YAxis{Name: "feature of the data", NameLocation: "middle", NameGap: 110,
			Type: "category", Data: rows, Inverse: opts.Bool(true), SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{
			Type: "continuous", Calculable: opts.Bool(true), Min: float32(fm.Chance), Max: 1,
			Text:    []string{"learned", "not learned (chance)"},
			InRange: &opts.VisualMapInRange{Color: learnedScale},
			Orient:  "vertical", Right: "50", Top: "middle",
		}),
	)
	hm.GridList[0].Left = "130"  // room for the feature names
	hm.GridList[0].Right = "190" // room for the visual map and its handle labels
	label := &opts.Label{Show: opts.Bool(true), Formatter: "{b}", Color: "#111", FontSize: 12}
	hm.MultiSeries = append(hm.MultiSeries, charts.SingleSeries{
		Name: "feature score", Type: types.ChartHeatMap, Data: scored, Label: label,
		ItemStyle: &opts.ItemStyle{BorderColor: "#fff", BorderWidth: 1},
	})
	if len(missing) > 0 {
		hm.MultiSeries = append(hm.MultiSeries, charts.SingleSeries{
			Name: "no score", Type: types.ChartHeatMap, Data: missing,
			Label:     &opts.Label{Show: opts.Bool(true), Formatter: "{b}", Color: "#777", FontSize: 12},
			ItemStyle: &opts.ItemStyle{Color: noScoreColor, BorderColor: "#fff", BorderWidth: 1},
		})
	}
	return hm, nil
}

// featureItems returns the heatmap cells of fm, columns in the order of methods: the scored ones,
// those without a score, and the numbers of seeds of the scored cells.
func featureItems(fm *results.FeatureMap, methods, names []string) (scored, missing []featureItem, seedCounts map[int]bool) {
	seedCounts = map[int]bool{} // the numbers of seeds of the cells
	for i, f := range fm.Features {
		for j, method := range methods {
			c, _ := fm.Cell(f, method)
			tip := fmt.Sprintf("%s, %s<br/>%s", featureLabel(f, names), MethodLabel(method), featureDefinition(f, method))
			if c.Score.N == 0 {
				missing = append(missing, featureItem{Name: "no score", Value: []any{j, i, 0}, Tip: tip + "<br/>no score"})
				continue
			}
			seedCounts[c.Score.N] = true
			scored = append(scored, featureItem{Name: fmtScore(c.Score), Value: []any{j, i, c.Score.Mean},
				Tip: tip + "<br/>score: " + fmtEstimate(c.Score)})
		}
	}
	return scored, missing, seedCounts
}

// featureMapSubtitle returns FeatureMap's subtitle: the data, the seeds and what a score means.
func featureMapSubtitle(fm *results.FeatureMap, seedCounts map[int]bool) (subtitle []string) {
	// Short: the full definitions are in the tooltips and FeatureMap's documentation.
	subtitle = []string{
		describeData(fm) + "; cell: mean ± 95% CI over " + describeSeeds(seedCounts),
	}
	what := "m<i> easy/hard: probe accuracy of φ_i on samples with only that feature"
	if slices.Contains(fm.Features, results.PairedFeature()) {
		what += "; paired feature: accuracy on pair_only"
	}
	subtitle = append(subtitle, what+fmt.Sprintf("; colour: chance 1/K = %s to 1",
		strconv.FormatFloat(fm.Chance, 'f', -1, 64)))
	return subtitle
}

// featureItem is one heatmap cell: Value is [method index, feature index, mean score]; Name is
// the label; Tip the tooltip.
type featureItem struct {
	Name  string `json:"name"`
	Value []any  `json:"value"`
	Tip   string `json:"tip"`
}

// featureLabel names a feature on the axis: "modality 0 easy", "modality 1 hard", "paired".
func featureLabel(f results.Feature, names []string) string {
	if f.Kind == results.FeaturePaired {
		return "paired"
	}
	return modalityName(names, f.Modality) + " " + f.Kind
}

// featureDefinition says, in a tooltip, what a cell measures.
func featureDefinition(f results.Feature, method string) string {
	if f.Kind == results.FeaturePaired {
		if method == results.UniMethod {
			return "best uni-modal model's accuracy on pair_only test samples"
		}
		return "accuracy of the prediction on pair_only test samples"
	}
	return fmt.Sprintf("linear-probe accuracy of the encoder of modality %d on test subset %s", f.Modality, f.Subset())
}

// fmtScore is a cell's label: "0.952 ± 0.012", or the mean alone for one seed.
func fmtScore(e results.Estimate) string {
	if e.N < 2 {
		return fmtAcc(e.Mean)
	}
	return fmtAcc(e.Mean) + " ± " + fmtAcc(e.CI95)
}

// describeSeeds says over how many seeds the cells are: "5 seeds", or "3–5 seeds" when it varies.
func describeSeeds(counts map[int]bool) string {
	var ns []int
	for n := range counts {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	switch {
	case len(ns) == 0:
		return "no seeds"
	case len(ns) == 1 && ns[0] == 1:
		return "1 seed (no interval)"
	case len(ns) == 1:
		return strconv.Itoa(ns[0]) + " seeds"
	}
	return fmt.Sprintf("%d–%d seeds (varies by cell)", ns[0], ns[len(ns)-1])
}

// describeData names the feature map's dataset briefly: LazyPair's knobs, or the spec's kind.
func describeData(fm *results.FeatureMap) string {
	spec, err := datasets.ParseSpec(fm.Dataset)
	if err != nil {
		return fmt.Sprintf("data %s, K = %d", fm.Dataset, fm.NumClasses)
	}
	lp, ok := spec.(datasets.LazyPairSpec)
	if !ok {
		return fmt.Sprintf("data %s, K = %d", spec.Name(), fm.NumClasses)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "LazyPair, K = %d, easy rate ρ = %v, paired rate π = %v", lp.K, lp.Rho, lp.Pi)
	if lp.Pi > 0 {
		fmt.Fprintf(&b, " (pair=%s, pair_only=%v)", lp.Pair, lp.PairOnly)
	}
	return b.String()
}
