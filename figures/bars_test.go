package figures

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

func TestLazinessBars(t *testing.T) {
	bar, err := LazinessBars(testStudy())
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, bar)
	checkCommon(t, o, true)
	if got := strs(path(first(o["xAxis"]), "data")); !slices.Equal(got, []string{"modality 0", "modality 1"}) {
		t.Errorf("x axis %q", got)
	}
	if got := path(first(o["yAxis"]), "name"); got != "linear-probe test accuracy (fraction)" {
		t.Errorf("y axis name %q", got)
	}
	bars, whiskers := series(o, "bar"), series(o, "custom")
	// UME has no probe accuracies (no encoders of its own), so it has no bars.
	want := []string{"uni-modal", "joint", "UMT"}
	if got := names(bars); !slices.Equal(got, want) {
		t.Fatalf("bar series %q, want %q", got, want)
	}
	if got := names(whiskers); !slices.Equal(got, want) {
		t.Fatalf("whisker series %q, want %q (same names, so the legend toggles both)", got, want)
	}
	// Means by hand (see testStudy); CI ends from results.Summarize of the per-seed values.
	wantMeans := map[string][]float64{"uni-modal": {0.94, 0.95}, "joint": {0.89, 0.90}, "UMT": {0.94, 0.95}}
	for k, s := range bars {
		name := s["name"].(string)
		got := barValues(s)
		for m, want := range wantMeans[name] {
			if !near(got[m], want) {
				t.Errorf("%s modality %d: bar %v, want %v", name, m, got[m], want)
			}
		}
		if c := path(s, "itemStyle", "color"); c != MethodColor(map[string]string{"uni-modal": "uni", "joint": "joint", "UMT": "umt"}[name]) {
			t.Errorf("%s: colour %v is not the method's palette colour", name, c)
		}
		data := whiskers[k]["data"].([]any)
		if len(data) != 2 {
			t.Fatalf("%s: %d whiskers, want 2", name, len(data))
		}
		for m, d := range data {
			v := d.(map[string]any)["value"].([]any)
			e := results.Summarize([]float64{wantMeans[name][m] - 0.01, wantMeans[name][m], wantMeans[name][m] + 0.01})
			if !near(e.CI95, ci3*0.01) {
				t.Fatalf("Summarize CI %v, want %v (the fixture's arithmetic)", e.CI95, ci3*0.01)
			}
			if int(v[0].(float64)) != m || !near(v[1].(float64), e.Mean-e.CI95) || !near(v[2].(float64), e.Mean+e.CI95) {
				t.Errorf("%s modality %d: whisker %v, want [%d, %v, %v, ...]", name, m, v, m, e.Mean-e.CI95, e.Mean+e.CI95)
			}
			if int(v[3].(float64)) != k || int(v[4].(float64)) != 3 {
				t.Errorf("%s: whisker placed as bar %v of %v, want %d of 3", name, v[3], v[4], k)
			}
		}
	}
	sub := path(o, "title", "subtext").(string)
	for _, want := range []string{
		// uni − joint = 0.05 on every seed: paired CI 0.
		"laziness gap uni-modal − joint: modality 0 +0.050 ± 0.000, modality 1 +0.050 ± 0.000 (paired by seed)",
		"laziness gap uni-modal − UMT: modality 0 +0.000 ± 0.000",
		"mean over 3 seeds; whiskers: 95% CI",
		// Lowest whisker end 0.89 − 0.0248 = 0.865, padded by 10% of the span (0.011), floored to
		// the 0.02 step: 0.84. Not 0, so the subtitle must say so.
		"y axis starts at 0.84, not 0",
	} {
		if !strings.Contains(sub, want) {
			t.Errorf("subtitle lacks %q:\n%s", want, sub)
		}
	}
	if y := first(o["yAxis"]).(map[string]any); y["min"] != 0.84 || y["max"] != 1.0 {
		t.Errorf("y range [%v, %v], want [0.84, 1]", y["min"], y["max"])
	}
	// The legend shows the methods but cannot hide them (whiskers are placed for the full group).
	if path(o, "legend", "show") != true || path(o, "legend", "selectedMode") != false {
		t.Errorf("legend %v", o["legend"])
	}
	// The page receives renderItem as a JavaScript function, not as a string. (Show and Save use
	// the snippet's Script; go-echarts v2.7.3's snippet Option keeps functions quoted.)
	if snip := bar.RenderSnippet(); !strings.Contains(snip.Script, `"renderItem":function (params, api) {`) {
		t.Errorf("renderItem is not emitted as a function:\n%.2000s", snip.Script)
	}
}

func TestLazinessBarsErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		runs    []results.Run
		wantErr []string
	}{
		{"no runs", nil, []string{"no runs"}},
		{"no uni-modal runs", without(testStudy(), "uni"), []string{`no uni-modal ("uni") runs`, "have: joint, ume (no probes), umt"}},
		{"only uni-modal runs", without(testStudy(), "joint", "umt"), []string{"no multi-modal method has probe accuracies", "ume (no probes)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LazinessBars(tc.runs)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestMethodComparison(t *testing.T) {
	regimes := []Regime{{Name: "π = 0", Runs: testStudy()}, {Name: "π = 0.5", Runs: without(testStudy(), "umt")}}
	bar, err := MethodComparison(regimes)
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, bar)
	checkCommon(t, o, true)
	if got := strs(path(first(o["xAxis"]), "data")); !slices.Equal(got, []string{"π = 0", "π = 0.5"}) {
		t.Errorf("x axis %q", got)
	}
	bars := series(o, "bar")
	want := []string{"uni-modal m0", "uni-modal m1", "UME", "joint", "UMT"}
	if got := names(bars); !slices.Equal(got, want) {
		t.Fatalf("series %q, want %q", got, want)
	}
	wantMeans := []float64{0.90, 0.91, 0.98, 0.97, 0.98}
	for i, s := range bars {
		got := barValues(s)
		if !near(got[0], wantMeans[i]) {
			t.Errorf("%s: %v, want %v", want[i], got[0], wantMeans[i])
		}
		if i == 4 {
			if !math.IsNaN(got[1]) {
				t.Errorf("UMT was not run in regime 2: want no bar, got %v", got[1])
			}
		} else if !near(got[1], wantMeans[i]) {
			t.Errorf("%s regime 2: %v, want %v", want[i], got[1], wantMeans[i])
		}
	}
	// The uni-modal model of modality 1 is a lighter tint of the uni-modal colour.
	if c0, c1 := path(bars[0], "itemStyle", "color"), path(bars[1], "itemStyle", "color"); c0 != MethodColor("uni") || c1 == c0 {
		t.Errorf("uni-modal colours %v, %v", c0, c1)
	}
	// Whiskers: 4 bars in regime 2 + 5 in regime 1, CI = 2.484·0.01 each, clamped to [0, 1]
	// (mean 0.98 + 0.0248 would pass 1).
	nWhiskers := 0
	for _, s := range series(o, "custom") {
		for _, d := range s["data"].([]any) {
			v := d.(map[string]any)["value"].([]any)
			mean := v[5].(float64)
			if !near(v[1].(float64), math.Max(0, mean-ci3*0.01)) || !near(v[2].(float64), math.Min(1, mean+ci3*0.01)) {
				t.Errorf("%s: whisker %v, want mean ± %v clamped to [0, 1]", s["name"], v, ci3*0.01)
			}
			if v[2].(float64) > 1 {
				t.Errorf("%s: whisker %v ends above 1", s["name"], v)
			}
			nWhiskers++
		}
	}
	if nWhiskers != 9 {
		t.Errorf("%d whiskers, want 9", nWhiskers)
	}
	if sub := path(o, "title", "subtext").(string); !strings.Contains(sub, `not run in "π = 0.5": UMT`) {
		t.Errorf("subtitle does not say UMT is missing:\n%s", sub)
	}
}

func TestSubsetComparison(t *testing.T) {
	noPaired := without(testStudy())
	for i := range noPaired {
		sub := map[string]float64{}
		for k, v := range noPaired[i].SubsetAcc {
			if k != SubsetPairOnly {
				sub[k] = v
			}
		}
		noPaired[i].SubsetAcc = sub
	}
	t.Run("one regime", func(t *testing.T) {
		bar, err := SubsetComparison([]Regime{{Name: "default", Runs: testStudy()}})
		if err != nil {
			t.Fatal(err)
		}
		o := options(t, bar)
		checkCommon(t, o, true)
		if got := strs(path(first(o["xAxis"]), "data")); !slices.Equal(got, []string{"both_hard", "pair_only"}) {
			t.Errorf("x axis %q", got)
		}
		for _, s := range series(o, "bar") {
			if s["name"] == "joint" {
				if got := barValues(s); !near(got[0], 0.45) || !near(got[1], 0.70) {
					t.Errorf("joint subsets %v, want [0.45 0.70]", got)
				}
			}
		}
		for _, s := range series(o, "custom") {
			if s["name"] != "joint" {
				continue
			}
			v := s["data"].([]any)[0].(map[string]any)["value"].([]any)
			// both_hard of joint: δ = 0.05.
			if !near(v[1].(float64), 0.45-ci3*0.05) || !near(v[2].(float64), 0.45+ci3*0.05) {
				t.Errorf("joint both_hard whisker %v, want 0.45 ∓ %v", v, ci3*0.05)
			}
		}
	})
	t.Run("subset missing in a regime", func(t *testing.T) {
		bar, err := SubsetComparison([]Regime{{Name: "π = 0", Runs: noPaired}, {Name: "π = 0.5", Runs: testStudy()}})
		if err != nil {
			t.Fatal(err)
		}
		o := options(t, bar)
		want := []string{"both_hard\nπ = 0", "both_hard\nπ = 0.5", "pair_only\nπ = 0.5"}
		if got := strs(path(first(o["xAxis"]), "data")); !slices.Equal(got, want) {
			t.Errorf("x axis %q, want %q", got, want)
		}
		if sub := path(o, "title", "subtext").(string); !strings.Contains(sub, `not reported in "π = 0": pair_only`) {
			t.Errorf("subtitle does not list the missing subset:\n%s", sub)
		}
	})
	t.Run("other subsets", func(t *testing.T) {
		bar, err := SubsetComparison([]Regime{{Runs: testStudy()}}, "all")
		if err != nil {
			t.Fatal(err)
		}
		if got := strs(path(first(options(t, bar)["xAxis"]), "data")); !slices.Equal(got, []string{"all"}) {
			t.Errorf("x axis %q", got)
		}
	})
}

func TestComparisonErrors(t *testing.T) {
	study := testStudy()
	for _, tc := range []struct {
		name    string
		regimes []Regime
		subsets []string
		wantErr string
	}{
		{"no regimes", nil, nil, "no regimes"},
		{"empty regime", []Regime{{Name: "a", Runs: study}, {Name: "b"}}, nil, `regime "b" has no runs`},
		{"duplicate names", []Regime{{Name: "a", Runs: study}, {Name: "a", Runs: study}}, nil, `regimes 1 and 2 are both named "a"`},
		{"unknown subset", []Regime{{Runs: study}}, []string{"m7_hard_only"}, "no run reports subset accuracy for m7_hard_only (reported: all, both_hard, pair_only)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SubsetComparison(tc.regimes, tc.subsets...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("SubsetComparison: error %v, want %q", err, tc.wantErr)
			}
			if tc.subsets != nil {
				return
			}
			_, err = MethodComparison(tc.regimes)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("MethodComparison: error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// A method has the same colour in every figure.
func TestColoursAgreeAcrossFigures(t *testing.T) {
	study := testStudy()
	lazy, err := LazinessBars(study)
	if err != nil {
		t.Fatal(err)
	}
	cmp, err := MethodComparison([]Regime{{Runs: study}})
	if err != nil {
		t.Fatal(err)
	}
	colours := map[string]any{}
	for _, o := range []map[string]any{options(t, lazy), options(t, cmp)} {
		for _, s := range series(o, "bar") {
			name := s["name"].(string)
			c := path(s, "itemStyle", "color")
			if prev, ok := colours[name]; ok && prev != c {
				t.Errorf("%s: colour %v in one figure, %v in another", name, prev, c)
			}
			colours[name] = c
		}
	}
	if colours["joint"] != MethodColor("joint") || colours["UMT"] != MethodColor("umt") {
		t.Errorf("colours %v", colours)
	}
}

func TestWrapLines(t *testing.T) {
	got := wrapLines([]string{"short", "aaaa bbbb, cccc; dddd eeee", "unbreakable_words_stay_whole"}, 12)
	want := []string{"short", "aaaa bbbb,", "    cccc;", "    dddd", "    eeee", "unbreakable_words_stay_whole"}
	if !slices.Equal(got, want) {
		t.Errorf("wrapLines = %q, want %q", got, want)
	}
}

func TestAccuracyAxis(t *testing.T) {
	for _, tc := range []struct {
		name           string
		lo, hi         float64
		bottom, top    float64
		wantTruncation bool
	}{
		// pad = 0.1·0.11 = 0.011; span 0.132 → step 0.02; floor(0.854/0.02)·0.02 = 0.84.
		{"probe accuracies", 0.865, 0.975, 0.84, 1, true},
		// pad 0.005 (the minimum); span 0.014 → step 0.01: [0.98, 1].
		{"near-ceiling accuracies", 0.99, 0.994, 0.98, 1, true},
		// A range reaching below 0.3 starts at 0: truncating there would gain little.
		{"wide range", 0.3, 0.9, 0, 1, false},
		// A CI end above 1 (few seeds) is clamped: an accuracy axis ends at 1 at most.
		{"CI above 1", 0.95, 1.01, 0.94, 1, true},
		// Two seeds: t(1) = 12.7 gives intervals past both ends; the axis stays [0, 1].
		{"CI beyond both ends", -0.4, 2.0, 0, 1, false},
		{"no data", math.Inf(1), math.Inf(-1), 0, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bottom, top, truncated := accuracyAxis(tc.lo, tc.hi)
			if !near(bottom, tc.bottom) || !near(top, tc.top) || truncated != tc.wantTruncation {
				t.Errorf("accuracyAxis(%v, %v) = %v, %v, %v; want %v, %v, %v", tc.lo, tc.hi, bottom, top, truncated, tc.bottom, tc.top, tc.wantTruncation)
			}
		})
	}
}

func TestMethodLabelsAndColours(t *testing.T) {
	for key, want := range map[string]string{"uni": "uni-modal", "uni/m1": "uni-modal m1", "ume": "UME", "umt": "UMT", "ogmge": "OGM-GE", "gblend": "G-Blending", "mine": "mine"} {
		if got := MethodLabel(key); got != want {
			t.Errorf("MethodLabel(%q) = %q, want %q", key, got, want)
		}
	}
	if MethodColor("mine") != MethodColor("mine") || MethodColor("mine") == "" {
		t.Error("an unknown method's colour is not stable")
	}
	if got := MethodColor("uni/m0"); got != MethodColor("uni") {
		t.Errorf("uni/m0 colour %s, want the uni-modal colour %s", got, MethodColor("uni"))
	}
	keys := []string{"umt", "zeta", "uni/m1", "joint", "alpha", "ume", "uni/m0", "gblend"}
	sortMethods(keys)
	if want := []string{"uni/m0", "uni/m1", "ume", "joint", "umt", "gblend", "alpha", "zeta"}; !slices.Equal(keys, want) {
		t.Errorf("order %q, want %q", keys, want)
	}
}

// TestFigureColorsDistinct checks that the series of one figure get colours a reader can tell
// apart (CIE76 ΔE ≥ minColorDistance): the uni-modal models of two modalities, UMT next to a UMT
// variant, and a crowd of variants, while methods with a fixed colour keep it.
func TestFigureColorsDistinct(t *testing.T) {
	for _, keys := range [][]string{
		{"uni/m0", "uni/m1", "ume", "joint", "umt"},
		{"uni/m0", "uni/m1", "uni/m2", "joint", "ume", "umt", "UMT free_dims=32", "UMT free_dims=64", "joint_wide"},
		{"umt", "UMT λ=1", "UMT λ=3", "UMT λ=30", "ogmge", "gblend", "joint"},
	} {
		colors := figureColors(keys)
		for i, a := range keys {
			for _, b := range keys[i+1:] {
				if d := colorDistance(colors[a], colors[b]); d < minColorDistance {
					t.Errorf("%v: %s %s and %s %s are ΔE %.1f apart, want ≥ %d", keys, a, colors[a], b, colors[b], d, minColorDistance)
				}
			}
			if _, fixed := methodStyles[a]; fixed && colors[a] != MethodColor(a) {
				t.Errorf("%v: %s got %s, not its own colour %s", keys, a, colors[a], MethodColor(a))
			}
		}
	}
	// Before this rule, the uni-modal models of modalities 0 and 1 were shades of one blue.
	if d := colorDistance(MethodColor("uni/m0"), MethodColor("uni/m1")); d >= minColorDistance {
		t.Logf("note: MethodColor alone now separates uni/m0 and uni/m1 (ΔE %.1f)", d)
	}
}

// TestBarsWithCIErrors: bad input to the exported builder is an error naming what is wrong.
func TestBarsWithCIErrors(t *testing.T) {
	ok := results.Summarize([]float64{0.8, 0.9})
	big := results.Estimate{Mean: 1.2, CI95: 0.1, N: 2}
	for _, tc := range []struct {
		name   string
		series []CISeries
		want   string
	}{
		{"no series", nil, "at least one"},
		{"length", []CISeries{{Key: "joint", Values: []*results.Estimate{&ok}}}, "1 values for 2 categories"},
		{"no key", []CISeries{{Values: []*results.Estimate{&ok, &ok}}}, "no key"},
		{"not a fraction", []CISeries{{Key: "joint", Values: []*results.Estimate{&ok, &big}}}, `category "b": 1.2`},
		{"all nil", []CISeries{{Key: "joint", Values: []*results.Estimate{nil, nil}}}, "nothing to draw"},
	} {
		if _, err := BarsWithCI("t", nil, []string{"a", "b"}, "", "", tc.series); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
