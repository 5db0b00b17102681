package figures

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-echarts/go-echarts/v2/render"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/mmlab-go/mmlab/datasets"
)

// EChartsVersion is the version of the ECharts script that `make setup` installs from the npm
// registry (the one go-echarts v2.7.3 targets).
const EChartsVersion = "5.6.0"

// Chart is anything go-echarts can render as an HTML snippet: every chart type in
// github.com/go-echarts/go-echarts/v2/charts (Bar, Line, HeatMap, ...).
type Chart interface {
	RenderSnippet() render.ChartSnippet
}

// ErrNoEChartsScript is returned (wrapped) when the ECharts script is not installed.
var ErrNoEChartsScript = errors.New("the ECharts script is not installed: run `make setup` (scripts/setup.sh) in the mmlab repository")

// EChartsEnv names the environment variable that, when set, is the path of the ECharts script
// file (EChartsScriptPath).
const EChartsEnv = "MMLAB_ECHARTS"

// EChartsScriptPath is where `make setup` puts the ECharts script: the file $MMLAB_ECHARTS if
// that is set (the Docker image keeps it there, outside a volume mounted on $MMLAB_HOME), else
// <home>/echarts/echarts-<version>.min.js, with the mmlab home of datasets.Home ($MMLAB_HOME,
// else the user's cache directory + "/mmlab"). It is never committed and never fetched from a CDN.
func EChartsScriptPath() (string, error) {
	if path := os.Getenv(EChartsEnv); path != "" {
		return path, nil
	}
	home, err := datasets.Home()
	if err != nil {
		return "", fmt.Errorf("figures.EChartsScriptPath: %w", err)
	}
	return filepath.Join(home, "echarts", "echarts-"+EChartsVersion+".min.js"), nil
}

// loaderHTML returns a <script> block that defines window.echarts unless it already exists.
//
// The ECharts file is a UMD module: on a page with require.js (the classic Notebook and
// nbconvert's HTML export both load it) it would register itself as an AMD module and leave
// window.echarts undefined. Calling it with `define`, `exports` and `module` shadowed by
// undefined parameters makes it take its browser-global branch instead.
func loaderHTML() (string, error) {
	path, err := EChartsScriptPath()
	if err != nil {
		return "", err
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("figures: %s missing: %w", path, ErrNoEChartsScript)
		}
		return "", fmt.Errorf("figures: reading the ECharts script: %w", err)
	}
	if bytes.Contains(src, []byte("</script")) {
		return "", fmt.Errorf("figures: %s contains \"</script\" and cannot be inlined; reinstall it with `make setup`", path)
	}
	var b strings.Builder
	b.WriteString("<script type=\"text/javascript\">\nif (!window.echarts) { (function(define, exports, module) {\n")
	b.Write(src)
	b.WriteString("\n}).call(window); }\n</script>\n")
	return b.String(), nil
}

// chartHTML renders a chart as its <div> plus a script that draws it as soon as window.echarts
// exists. If ECharts never arrives (for instance the cell that loaded it was cleared), the div
// says how to load it instead of staying blank.
func chartHTML(c Chart) (string, error) {
	if c == nil {
		return "", errors.New("figures: nil chart")
	}
	snip := c.RenderSnippet()
	js := snip.Script
	start, end := strings.Index(js, ">"), strings.LastIndex(js, "</script>")
	if start < 0 || end < start {
		return "", fmt.Errorf("figures: unexpected go-echarts snippet script %.80q", js)
	}
	js = js[start+1 : end]
	id := between(snip.Element, `id="`, `"`)
	if id == "" {
		return "", fmt.Errorf("figures: no chart id in go-echarts element %.120q", snip.Element)
	}
	var b strings.Builder
	b.WriteString(snip.Element)
	fmt.Fprintf(&b, `
<script type="text/javascript">
(function() {
  function draw() {%s
  }
  if (window.echarts) { draw(); return; }
  var tries = 0, timer = setInterval(function() {
    if (window.echarts) { clearInterval(timer); draw(); }
    else if (++tries > 100) {
      clearInterval(timer);
      document.getElementById(%q).innerHTML = %q;
    }
  }, 100);
})();
</script>
`, js, id, "<p>"+html.EscapeString("ECharts is not loaded in this page: run figures.LoadScript() in a cell, or restart the kernel and run the notebook from the top.")+"</p>")
	return b.String(), nil
}

func between(s, open, close string) string {
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	s = s[i+len(open):]
	j := strings.Index(s, close)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// Show displays charts inline in a GoNB notebook, and does nothing (returning nil) anywhere else.
//
// The first call in a kernel also sends the ECharts script (≈1 MB) once, inlined; later calls
// send only the chart (≈ a few KB), so the executed notebook and its nbconvert HTML export stay
// small and draw with no network. Show waits for GoNB to receive everything (gonbui.Sync), since
// rich output is otherwise lost at random when the cell's process exits.
//
// When $MMLAB_EXPORT_FIGURE (ExportFigureEnv) names a .png or .svg file that does not exist yet,
// Show also writes its first chart there with SavePNG or SaveSVG: scripts/nbrun.py sets it around
// each cell tagged figure:NAME, so the README's figures come from the library's export.
func Show(charts ...Chart) error {
	if !gonbui.IsNotebook {
		return nil
	}
	if err := exportShown(charts); err != nil {
		return fmt.Errorf("figures.Show: %w", err)
	}
	var b strings.Builder
	marker := kernelMarker()
	if _, err := os.Stat(marker); err != nil {
		loader, err := loaderHTML()
		if err != nil {
			return fmt.Errorf("figures.Show: %w", err)
		}
		b.WriteString(loader)
	}
	for _, c := range charts {
		h, err := chartHTML(c)
		if err != nil {
			return fmt.Errorf("figures.Show: %w", err)
		}
		b.WriteString(h)
	}
	gonbui.DisplayHTML(b.String())
	gonbui.Sync()
	if marker != "" {
		_ = os.WriteFile(marker, nil, 0o644) // best effort: at worst the next chart re-sends the script
	}
	return nil
}

// ExportFigureEnv names the environment variable that makes Show export its first chart (see Show).
const ExportFigureEnv = "MMLAB_EXPORT_FIGURE"

// exportShown writes the first of charts to $MMLAB_EXPORT_FIGURE if that is set and the file does
// not exist yet (a cell's later Show calls leave its first chart there).
func exportShown(charts []Chart) error {
	path := os.Getenv(ExportFigureEnv)
	if path == "" || len(charts) == 0 {
		return nil
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return SavePNG(path, charts[0])
	case ".svg":
		return SaveSVG(path, charts[0])
	}
	return fmt.Errorf("$%s=%s: want a file name ending in .png or .svg", ExportFigureEnv, path)
}

// LoadScript sends the ECharts script to the notebook page again, for when the output that
// carried it was cleared while the kernel kept running. Outside a notebook it does nothing.
func LoadScript() error {
	if !gonbui.IsNotebook {
		return nil
	}
	loader, err := loaderHTML()
	if err != nil {
		return fmt.Errorf("figures.LoadScript: %w", err)
	}
	gonbui.DisplayHTML(loader)
	gonbui.Sync()
	return nil
}

// kernelMarker is a file in the GoNB kernel's own temporary directory (GONB_TMP_DIR, new for
// every kernel start) recording that this kernel already sent the ECharts script to the page.
func kernelMarker() string {
	dir := os.Getenv("GONB_TMP_DIR")
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "mmlab-echarts-"+EChartsVersion+".loaded")
}

// Save writes the charts to path as one self-contained HTML page (the ECharts script inlined),
// which opens offline in any browser. The page title is title, or the file name if empty.
func Save(path, title string, charts ...Chart) error {
	loader, err := loaderHTML()
	if err != nil {
		return fmt.Errorf("figures.Save %s: %w", path, err)
	}
	if title == "" {
		title = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n", html.EscapeString(title))
	b.WriteString(loader)
	b.WriteString("</head>\n<body>\n")
	for _, c := range charts {
		h, err := chartHTML(c)
		if err != nil {
			return fmt.Errorf("figures.Save %s: %w", path, err)
		}
		b.WriteString(h)
	}
	b.WriteString("</body>\n</html>\n")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("figures.Save: %w", err)
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("figures.Save: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("figures.Save: %w", err)
	}
	return nil
}
