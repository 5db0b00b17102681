package figures

import (
	"encoding/json"
	"html/template"
	"math"
	"strconv"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// The test study: 3 seeds (0, 1, 2), two modalities, methods uni (per modality), ume, joint, umt.
// Every quantity is a centre c plus {−δ, 0, +δ} over the seeds, so its mean is c, its sample
// standard deviation δ, and its 95% CI half-width t(0.975; 2)·δ/√3 = 4.302653·δ/1.732051 =
// 2.484138·δ (e.g. δ = 0.01 → 0.024841). Differences between methods that share δ and sign are
// exactly c₁ − c₂ on every seed, so their paired CI is 0.
const ci3 = 4.302652729911275 / 1.7320508075688772 // CI95 half-width per unit of δ with 3 seeds

var spread = []float64{-1, 0, 1} // per-seed offsets, in units of δ

// val returns the value of a quantity with centre c and spread δ on seed s.
func val(c, delta float64, s int) float64 { return c + spread[s]*delta }

// pval is val as a pointer (probe accuracies).
func pval(c, delta float64, s int) *float64 { v := val(c, delta, s); return &v }

// testStudy builds the runs. Centres (δ = 0.01 unless said):
//
//	            probe m0  probe m1  test   val    both_hard       pair_only
//	uni m0      0.94      —         0.90   0.89   0.62 (δ 0.02)   0.36
//	uni m1      —         0.95      0.91   0.90   0.60 (δ 0.02)   0.35
//	ume         —         —         0.98   0.97   0.90            0.36
//	joint       0.89      0.90      0.97   0.96   0.45 (δ 0.05)   0.70
//	umt         0.94      0.95      0.98   0.97   0.90            0.60
//
// The joint encoders' laziness gap is therefore exactly 0.05 on every seed and modality.
// Curves (3 epochs) exist for uni (own accuracy) and joint (split heads), δ = 0.02:
// uni m0 0.50, 0.70, 0.80; uni m1 0.55, 0.75, 0.85; joint head 0: 0.60, 0.75, 0.78;
// joint head 1: 0.65, 0.78, 0.80.
func testStudy() []results.Run {
	var runs []results.Run
	const d = 0.01
	epochs := []int{1, 2, 3}
	curve := func(s int, cs ...float64) []float64 {
		out := make([]float64, len(cs))
		for i, c := range cs {
			out[i] = val(c, 0.02, s)
		}
		return out
	}
	for s := range 3 {
		m0, m1 := 0, 1
		runs = append(runs,
			results.Run{Key: "uni-m0-" + strconv.Itoa(s), Method: "uni", Modality: &m0, Seed: s,
				TestAcc: val(0.90, d, s), ValAcc: val(0.89, d, s),
				SubsetAcc: map[string]float64{"all": val(0.90, d, s), "both_hard": val(0.62, 0.02, s), "pair_only": val(0.36, d, s)},
				ProbeAcc:  []*float64{pval(0.94, d, s), nil},
				Curves:    &results.Curves{Epoch: epochs, SplitHeadAcc: [][]float64{curve(s, 0.50, 0.70, 0.80)}}},
			results.Run{Key: "uni-m1-" + strconv.Itoa(s), Method: "uni", Modality: &m1, Seed: s,
				TestAcc: val(0.91, d, s), ValAcc: val(0.90, d, s),
				SubsetAcc: map[string]float64{"all": val(0.91, d, s), "both_hard": val(0.60, 0.02, s), "pair_only": val(0.35, d, s)},
				ProbeAcc:  []*float64{nil, pval(0.95, d, s)},
				Curves:    &results.Curves{Epoch: epochs, SplitHeadAcc: [][]float64{curve(s, 0.55, 0.75, 0.85)}}},
			results.Run{Key: "ume-" + strconv.Itoa(s), Method: "ume", Seed: s,
				TestAcc: val(0.98, d, s), ValAcc: val(0.97, d, s),
				SubsetAcc: map[string]float64{"all": val(0.98, d, s), "both_hard": val(0.90, d, s), "pair_only": val(0.36, d, s)}},
			results.Run{Key: "joint-" + strconv.Itoa(s), Method: "joint", Seed: s,
				TestAcc: val(0.97, d, s), ValAcc: val(0.96, d, s),
				SubsetAcc: map[string]float64{"all": val(0.97, d, s), "both_hard": val(0.45, 0.05, s), "pair_only": val(0.70, d, s)},
				ProbeAcc:  []*float64{pval(0.89, d, s), pval(0.90, d, s)},
				Curves:    &results.Curves{Epoch: epochs, SplitHeadAcc: [][]float64{curve(s, 0.60, 0.75, 0.78), curve(s, 0.65, 0.78, 0.80)}}},
			results.Run{Key: "umt-" + strconv.Itoa(s), Method: "umt", Seed: s,
				TestAcc: val(0.98, d, s), ValAcc: val(0.97, d, s),
				SubsetAcc: map[string]float64{"all": val(0.98, d, s), "both_hard": val(0.90, d, s), "pair_only": val(0.60, d, s)},
				ProbeAcc:  []*float64{pval(0.94, d, s), pval(0.95, d, s)}},
		)
	}
	return runs
}

// without returns runs minus those of the named methods.
func without(runs []results.Run, methods ...string) []results.Run {
	var out []results.Run
	for _, r := range runs {
		keep := true
		for _, m := range methods {
			if r.Method == m {
				keep = false
			}
		}
		if keep {
			out = append(out, r)
		}
	}
	return out
}

// renderable is what every go-echarts chart offers: Validate (fills the x-axis data in, as
// rendering does) and its options as JSON.
type renderable interface {
	Validate()
	JSONNotEscaped() template.HTML
}

// options returns a chart's ECharts option object, decoded from JSON: what the page receives
// (JavaScript functions appear as strings wrapped in go-echarts' "__f__" markers).
func options(t *testing.T, c renderable) map[string]any {
	t.Helper()
	c.Validate()
	var o map[string]any
	if err := json.Unmarshal([]byte(c.JSONNotEscaped()), &o); err != nil {
		t.Fatalf("chart options are not JSON: %v", err)
	}
	return o
}

// series returns the option's series of a type ("bar", "custom", "line", "heatmap").
func series(o map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, s := range o["series"].([]any) {
		if m := s.(map[string]any); m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

// names returns the "name" of each series.
func names(ss []map[string]any) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s["name"].(string))
	}
	return out
}

// strs converts a JSON array of strings.
func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// path walks a JSON object: path(o, "title", "text").
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// first returns element 0 of a JSON array (ECharts axes are lists).
func first(v any) any {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return nil
	}
	return a[0]
}

// near reports whether two numbers agree to 1e-9 (JSON round trip and summation order).
func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// barValues returns a bar series' data values: numbers, or NaN for "-" (no bar).
func barValues(s map[string]any) []float64 {
	var out []float64
	for _, d := range s["data"].([]any) {
		v := d.(map[string]any)["value"]
		if f, ok := v.(float64); ok {
			out = append(out, f)
		} else {
			out = append(out, math.NaN())
		}
	}
	return out
}

// checkCommon checks what every figure has: a title, a subtitle, animation off, and, for charts
// with axes, named axes.
func checkCommon(t *testing.T, o map[string]any, axes bool) {
	t.Helper()
	if s, _ := path(o, "title", "text").(string); s == "" {
		t.Error("no title")
	}
	if s, _ := path(o, "title", "subtext").(string); s == "" {
		t.Error("no subtitle")
	}
	if o["animation"] != false {
		t.Errorf("animation = %v, want false", o["animation"])
	}
	if axes {
		for _, axis := range []string{"xAxis", "yAxis"} {
			if s, _ := path(first(o[axis]), "name").(string); s == "" {
				t.Errorf("%s has no name", axis)
			}
		}
	}
}
