package figures

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// featureStudy is a feature-map test study on LazyPair with K = 4 (chance 0.25) and paired
// samples: 3 seeds, every score a centre plus {−δ, 0, +δ}·0.01 over the seeds (val), so a
// cell's mean is its centre and its CI95 half-width 2.484138·0.01 ("± 0.025"). Runs are listed
// UMT first, to check that columns come in the figures' method order, not the runs' order.
//
//	           m0 easy  m0 hard  m1 easy  m1 hard  paired (pair_only)
//	uni m0     1.00     0.78     —        —        0.37
//	uni m1     —        —        0.99     0.80     0.26
//	ume        1.00     0.78     0.99     0.80     0.39
//	joint      0.99     0.50     0.98     0.53     0.70
//	umt        1.00     0.77     0.97     —        0.56   (no probe of modality 1)
func featureStudy(pairOnly bool) []results.Run {
	const d = 0.01
	spec := "lazypair:pi=0.5"
	var runs []results.Run
	for s := range 3 {
		run := func(method string, modality int, probes map[int][2]float64, pair float64) results.Run {
			r := results.Run{Key: fmt.Sprintf("%s-%d-%d", method, modality, s), Method: method, Seed: s, Dataset: spec,
				SubsetAcc: map[string]float64{"all": 0.9}, ProbeAcc: make([]*float64, 2),
				ProbeSubsetAcc: make([]map[string]float64, 2)}
			if modality >= 0 {
				r.Modality = &modality
			}
			if pairOnly {
				r.SubsetAcc["pair_only"] = val(pair, d, s)
			}
			for m, p := range probes {
				r.ProbeAcc[m] = pval(0.9, d, s)
				r.ProbeSubsetAcc[m] = map[string]float64{
					results.EasyFeature(m).Subset(): val(p[0], d, s), results.HardFeature(m).Subset(): val(p[1], d, s)}
			}
			return r
		}
		runs = append(runs,
			run("umt", -1, map[int][2]float64{0: {1.00, 0.77}}, 0.56),
			run("uni", 0, map[int][2]float64{0: {1.00, 0.78}}, 0.37),
			run("uni", 1, map[int][2]float64{1: {0.99, 0.80}}, 0.26),
			run("ume", -1, map[int][2]float64{0: {1.00, 0.78}, 1: {0.99, 0.80}}, 0.39),
			run("joint", -1, map[int][2]float64{0: {0.99, 0.50}, 1: {0.98, 0.53}}, 0.70),
		)
	}
	return runs
}

func TestFeatureMap(t *testing.T) {
	hm, err := FeatureMap(featureStudy(true))
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, hm)
	checkCommon(t, o, true)
	rows := []string{"modality 0 easy", "modality 0 hard", "modality 1 easy", "modality 1 hard", "paired"}
	columns := []string{"uni-modal", "UME", "joint", "UMT"}
	if got := strs(path(first(o["yAxis"]), "data")); !slices.Equal(got, rows) {
		t.Errorf("rows (y axis) %q, want %q", got, rows)
	}
	if inv := path(first(o["yAxis"]), "inverse"); inv != true {
		t.Errorf("y axis inverse = %v: the first feature must be the top row", inv)
	}
	if got := strs(path(first(o["xAxis"]), "data")); !slices.Equal(got, columns) {
		t.Errorf("columns (x axis) %q, want %q (the figures' method order)", got, columns)
	}
	// The values of the table in featureStudy's comment, at [column, row]; NaN: no score.
	want := [][]float64{ // [row][column]
		{1.00, 1.00, 0.99, 1.00},
		{0.78, 0.78, 0.50, 0.77},
		{0.99, 0.99, 0.98, -1},
		{0.80, 0.80, 0.53, -1},
		{0.37, 0.39, 0.70, 0.56}, // uni-modal: the better single modality, 0.37
	}
	hs := series(o, "heatmap")
	if len(hs) != 2 || hs[0]["name"] != "feature score" || hs[1]["name"] != "no score" {
		t.Fatalf("heatmap series %q, want the scores and the no-score cells", names(hs))
	}
	seen := map[[2]int]bool{}
	for k, s := range hs {
		for _, d := range s["data"].([]any) {
			item := d.(map[string]any)
			v := item["value"].([]any)
			col, row := int(v[0].(float64)), int(v[1].(float64))
			seen[[2]int{col, row}] = true
			w := want[row][col]
			at := rows[row] + " / " + columns[col]
			if k == 1 {
				if w >= 0 || item["name"] != "no score" {
					t.Errorf("%s: drawn as no score (%q), want %v", at, item["name"], w)
				}
				continue
			}
			label := fmt.Sprintf("%.3f ± %.3f", w, 0.01*ci3)
			if !near(v[2].(float64), w) || item["name"] != label {
				t.Errorf("%s: %v %q, want %v %q", at, v[2], item["name"], w, label)
			}
			if tip := item["tip"].(string); !strings.Contains(tip, "(n=3)") {
				t.Errorf("%s: tooltip %q does not give the number of seeds", at, tip)
			}
		}
	}
	if len(seen) != len(rows)*len(columns) {
		t.Errorf("%d cells drawn, want %d", len(seen), len(rows)*len(columns))
	}
	// Colour scale from chance (1/K = 0.25 for K = 4, from the runs' dataset spec) to 1, on the
	// scored cells only.
	vm := first(o["visualMap"]).(map[string]any)
	if !near(vm["min"].(float64), 0.25) || !near(vm["max"].(float64), 1) || vm["seriesIndex"] != 0.0 {
		t.Errorf("visual map [%v, %v] on series %v, want [0.25, 1] on series 0", vm["min"], vm["max"], vm["seriesIndex"])
	}
	if text := strs(vm["text"]); len(text) != 2 || !strings.Contains(text[1], "chance") {
		t.Errorf("visual map text %q: want its low end named as chance", text)
	}
	if interval := path(first(o["xAxis"]), "axisLabel", "interval"); interval != "0" {
		t.Errorf("x axis label interval %v: every method must be named", interval)
	}
	sub := path(o, "title", "subtext").(string)
	for _, want := range []string{"chance 1/K = 0.25", "over 3 seeds", "π = 0.5", "pair_only"} {
		if !strings.Contains(sub, want) {
			t.Errorf("subtitle does not say %q:\n%s", want, sub)
		}
	}
}

// TestFeatureMapNoPair: without pair_only samples there is no paired row, nor its caption line.
func TestFeatureMapNoPair(t *testing.T) {
	hm, err := FeatureMap(featureStudy(false))
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, hm)
	if got := strs(path(first(o["yAxis"]), "data")); slices.Contains(got, "paired") || len(got) != 4 {
		t.Errorf("rows %q, want the four uni-modal features", got)
	}
	if sub := path(o, "title", "subtext").(string); strings.Contains(sub, "paired feature:") {
		t.Errorf("subtitle explains a paired row that is not there:\n%s", sub)
	}
}

func TestFeatureMapErrors(t *testing.T) {
	var bare []results.Run
	for _, r := range featureStudy(false) {
		r.ProbeSubsetAcc = nil
		bare = append(bare, r)
	}
	for _, tc := range []struct {
		name    string
		runs    []results.Run
		wantErr string
	}{
		{"no runs", nil, "figures.FeatureMap: no runs"},
		{"no feature scores", bare, "no run has a feature score"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FeatureMap(tc.runs)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}
