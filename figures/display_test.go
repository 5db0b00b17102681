package figures

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

func testBar() *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: "probe accuracy"}))
	bar.SetXAxis([]string{"m0", "m1"}).AddSeries("uni", []opts.BarData{{Value: 0.94}, {Value: 0.95}})
	return bar
}

// fakeHome makes MMLAB_HOME a temporary directory holding a stand-in ECharts script.
func fakeHome(t *testing.T, script string) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("MMLAB_HOME", home)
	t.Setenv(EChartsEnv, "")
	if script != "" {
		path, err := EChartsScriptPath()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

// TestEChartsEnv checks that $MMLAB_ECHARTS, when set, names the script wherever MMLAB_HOME is
// (the Docker image keeps it outside a volume mounted on MMLAB_HOME).
func TestEChartsEnv(t *testing.T) {
	fakeHome(t, "")
	script := filepath.Join(t.TempDir(), "echarts.js")
	if err := os.WriteFile(script, []byte("/* stand-in echarts */ window.echarts = {};"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EChartsEnv, script)
	if path, err := EChartsScriptPath(); err != nil || path != script {
		t.Fatalf("EChartsScriptPath() = %q, %v; want %q", path, err, script)
	}
	out := filepath.Join(t.TempDir(), "bars.html")
	if err := Save(out, "", testBar()); err != nil {
		t.Fatalf("Save with the script at $%s: %v", EChartsEnv, err)
	}
	if page, _ := os.ReadFile(out); !strings.Contains(string(page), "stand-in echarts") {
		t.Errorf("the page does not inline the script at $%s", EChartsEnv)
	}
}

func TestSaveWritesSelfContainedPage(t *testing.T) {
	fakeHome(t, "/* stand-in echarts */ window.echarts = {};")
	path := filepath.Join(t.TempDir(), "sub", "bars.html")
	if err := Save(path, "", testBar()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		"<title>bars</title>",
		"/* stand-in echarts */",             // the script is inlined ...
		"(function(define, exports, module)", // ... hidden from require.js
		`class="item" id="`,                  // the chart's div
		`"probe accuracy"`,                   // its options
		"0.94",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("saved page lacks %q", want)
		}
	}
	for _, bad := range []string{"cdn", "https://", "http://"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("saved page refers to the network (%q)", bad)
		}
	}
}

func TestMissingScriptSaysHowToInstall(t *testing.T) {
	fakeHome(t, "")
	err := Save(filepath.Join(t.TempDir(), "x.html"), "x", testBar())
	if !errors.Is(err, ErrNoEChartsScript) {
		t.Fatalf("want ErrNoEChartsScript, got %v", err)
	}
	if !strings.Contains(err.Error(), "make setup") {
		t.Errorf("error %q does not name the command that installs the script", err)
	}
}

func TestShowOutsideNotebookDoesNothing(t *testing.T) {
	fakeHome(t, "") // even without the script: outside a notebook nothing is read or shown
	if err := Show(testBar()); err != nil {
		t.Fatalf("Show outside a notebook: %v", err)
	}
}

func TestChartWaitsForECharts(t *testing.T) {
	h, err := chartHTML(testBar())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "if (window.echarts) { draw(); return; }") || !strings.Contains(h, "figures.LoadScript()") {
		t.Errorf("chart script neither waits for ECharts nor explains how to load it:\n%s", h)
	}
	if _, err := chartHTML(nil); err == nil {
		t.Error("nil chart: want error")
	}
}
