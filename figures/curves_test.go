package figures

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

func TestSplitHeadCurves(t *testing.T) {
	chart, err := SplitHeadCurves(testStudy())
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, chart)
	checkCommon(t, o, true)
	if got := strs(path(first(o["xAxis"]), "data")); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("x axis (epochs) %q", got)
	}
	lines := series(o, "line")
	// Per modality: the mean line, then the band's lower line and width (same name).
	var means []map[string]any
	for _, s := range lines {
		if strings.HasPrefix(s["id"].(string), "mean-") {
			means = append(means, s)
		}
	}
	want := []string{"uni-modal · modality 0", "joint split head · modality 0", "uni-modal · modality 1", "joint split head · modality 1"}
	if got := names(means); !slices.Equal(got, want) {
		t.Fatalf("curves %q, want %q", got, want)
	}
	if len(lines) != 3*len(want) {
		t.Errorf("%d line series, want %d (a mean and two band series per curve)", len(lines), 3*len(want))
	}
	// Means by hand (testStudy), the band from results.Summarize with δ = 0.02.
	wantMeans := [][]float64{{0.50, 0.70, 0.80}, {0.60, 0.75, 0.78}, {0.55, 0.75, 0.85}, {0.65, 0.78, 0.80}}
	ci := ci3 * 0.02
	for i, s := range means {
		for e, v := range s["data"].([]any) {
			if got := v.(map[string]any)["value"].(float64); !near(got, wantMeans[i][e]) {
				t.Errorf("%s epoch %d: %v, want %v", want[i], e+1, got, wantMeans[i][e])
			}
		}
		style := path(s, "lineStyle", "type")
		if wantStyle := map[bool]string{true: "solid", false: "dashed"}[i%2 == 0]; style != wantStyle {
			t.Errorf("%s: line style %v, want %s", want[i], style, wantStyle)
		}
		if i%2 == 1 && path(s, "lineStyle", "color") != path(means[i-1], "lineStyle", "color") {
			t.Errorf("%s and %s should share their modality's colour", want[i-1], want[i])
		}
		// The band series follow their mean line.
		k := slices.IndexFunc(lines, func(l map[string]any) bool { return l["id"] == s["id"] })
		lo, width := lines[k+1], lines[k+2]
		if lo["name"] != s["name"] || width["name"] != s["name"] || lo["stack"] != width["stack"] || lo["stack"] == nil {
			t.Fatalf("%s: band series %v/%v not stacked under the curve's name", want[i], lo["name"], width["name"])
		}
		for e := range 3 {
			l := lo["data"].([]any)[e].(map[string]any)["value"].(float64)
			w := width["data"].([]any)[e].(map[string]any)["value"].(float64)
			if !near(l, wantMeans[i][e]-ci) || !near(l+w, wantMeans[i][e]+ci) {
				t.Errorf("%s epoch %d: band [%v, %v], want %v ∓ %v", want[i], e+1, l, l+w, wantMeans[i][e], ci)
			}
		}
	}
	if sub := path(o, "title", "subtext").(string); !strings.Contains(sub, "solid: uni-modal") || !strings.Contains(sub, "dashed: joint") ||
		!strings.Contains(sub, "mean over 3 seeds") {
		t.Errorf("subtitle:\n%s", sub)
	}
}

// A run that stopped early contributes to the epochs it has.
func TestSplitHeadCurvesUnevenLengths(t *testing.T) {
	runs := testStudy()
	for i := range runs {
		if runs[i].Method == "joint" && runs[i].Seed == 2 {
			c := *runs[i].Curves
			c.Epoch = c.Epoch[:2]
			c.SplitHeadAcc = [][]float64{c.SplitHeadAcc[0][:2], c.SplitHeadAcc[1][:2]}
			runs[i].Curves = &c
		}
	}
	chart, err := SplitHeadCurves(runs)
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, chart)
	for _, s := range series(o, "line") {
		if s["id"] == "mean-1" { // joint head 0: epoch 3 from seeds 0 and 1: (0.76 + 0.78)/2
			if got := s["data"].([]any)[2].(map[string]any)["value"].(float64); !near(got, 0.77) {
				t.Errorf("joint head 0, epoch 3: %v, want 0.77", got)
			}
		}
	}
	if sub := path(o, "title", "subtext").(string); !strings.Contains(sub, "mean over 2–3 seeds") {
		t.Errorf("subtitle does not say the number of seeds varies:\n%s", sub)
	}
}

func TestSplitHeadCurvesErrors(t *testing.T) {
	broken := testStudy()
	broken[3].Curves = &results.Curves{Epoch: []int{1, 2, 3}, SplitHeadAcc: [][]float64{{0.5, 0.6}}}
	noCurves := testStudy()
	for i := range noCurves {
		noCurves[i].Curves = nil
	}
	for _, tc := range []struct {
		name    string
		runs    []results.Run
		methods []string
		wantErr string
	}{
		{"no runs", nil, nil, "no runs"},
		{"no curves", noCurves, nil, `no uni-modal ("uni") runs with curves (have: joint (no curves), ume (no curves), umt (no curves), uni/m0 (no curves), uni/m1 (no curves))`},
		{"no joint", without(testStudy(), "joint"), nil, `no "joint" runs with split-head curves`},
		{"method without curves", testStudy(), []string{"umt"}, `no "umt" runs with split-head curves`},
		{"uni as method", testStudy(), []string{"uni"}, "always drawn"},
		{"inconsistent curves", broken, nil, "run joint-0 (joint, seed 0) has 3 epochs but 2 split-head accuracies for head 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SplitHeadCurves(tc.runs, tc.methods...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// A uni-modal run without split-head accuracies falls back to its validation-accuracy curve.
func TestSplitHeadCurvesUniValAcc(t *testing.T) {
	runs := testStudy()
	for i := range runs {
		if runs[i].Method == "uni" {
			c := *runs[i].Curves
			c.ValAcc, c.SplitHeadAcc = c.SplitHeadAcc[0], nil
			runs[i].Curves = &c
		}
	}
	chart, err := SplitHeadCurves(runs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range series(options(t, chart), "line") {
		if s["id"] == "mean-0" { // uni m0, epoch 2: 0.70
			if got := s["data"].([]any)[1].(map[string]any)["value"].(float64); !near(got, 0.70) {
				t.Errorf("uni m0 epoch 2: %v, want 0.70", got)
			}
		}
	}
}

// With one seed there is no interval: no band series, and the subtitle says so.
func TestSplitHeadCurvesOneSeed(t *testing.T) {
	var runs []results.Run
	for _, r := range testStudy() {
		if r.Seed == 1 {
			runs = append(runs, r)
		}
	}
	chart, err := SplitHeadCurves(runs)
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, chart)
	if n := len(series(o, "line")); n != 4 {
		t.Errorf("%d line series, want 4 (no bands)", n)
	}
	if sub := path(o, "title", "subtext").(string); !strings.Contains(sub, "no confidence band") {
		t.Errorf("subtitle:\n%s", sub)
	}
	if y := first(o["yAxis"]).(map[string]any); math.IsNaN(y["max"].(float64)) {
		t.Error("bad y range")
	}
}
