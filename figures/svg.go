package figures

// Static export: ECharts' own server-side SVG renderer (ECharts ≥ 5.3, echarts.init with
// ssr: true and renderToSVGString) run under Node on the option go-echarts builds, with the
// ECharts script `make setup` installs. No browser, no network; the same chart gives the same
// bytes.

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mmlab-go/mmlab/results"
)

//go:embed ssr.js
var ssrScript []byte

// ErrNoNode is returned (wrapped) when the node executable, needed for SVG export, is not found.
var ErrNoNode = errors.New("node (Node.js) is not installed or not on PATH: SVG export runs ECharts under Node; install it (Debian: apt-get install nodejs) or run `make setup`")

// RenderSVG renders a chart as an SVG document with ECharts' server-side SVG renderer under
// Node, at the chart's own size (its Initialization width and height in px; 900×500 if they are
// not in px). It needs `node` on PATH (or in $MMLAB_NODE) and the ECharts script installed by
// `make setup` (see EChartsScriptPath); errors wrap ErrNoNode or ErrNoEChartsScript when one is
// missing.
func RenderSVG(c Chart) ([]byte, error) {
	if c == nil {
		return nil, errors.New("figures.RenderSVG: nil chart")
	}
	node, err := nodePath()
	if err != nil {
		return nil, fmt.Errorf("figures.RenderSVG: %w", err)
	}
	script, err := EChartsScriptPath()
	if err != nil {
		return nil, fmt.Errorf("figures.RenderSVG: %w", err)
	}
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("figures.RenderSVG: %s missing: %w", script, ErrNoEChartsScript)
	}
	oc, ok := c.(optionChart)
	if !ok {
		return nil, fmt.Errorf("figures.RenderSVG: %T has no ECharts option JSON (not a go-echarts chart)", c)
	}
	width, height := elementSize(c.RenderSnippet().Element) // RenderSnippet also validates
	oc.Validate()
	option := json.RawMessage(oc.JSONNotEscaped())
	if !json.Valid(option) {
		return nil, fmt.Errorf("figures.RenderSVG: go-echarts gave an option that is not JSON (%.120q)", option)
	}
	req, err := json.Marshal(map[string]any{"option": option, "width": width, "height": height})
	if err != nil {
		return nil, fmt.Errorf("figures.RenderSVG: %w", err)
	}
	dir, err := os.MkdirTemp("", "mmlab-ssr-")
	if err != nil {
		return nil, fmt.Errorf("figures.RenderSVG: %w", err)
	}
	defer os.RemoveAll(dir)
	ssr := filepath.Join(dir, "ssr.js")
	if err := os.WriteFile(ssr, ssrScript, 0o644); err != nil {
		return nil, fmt.Errorf("figures.RenderSVG: %w", err)
	}
	cmd := exec.Command(node, ssr, script)
	cmd.Stdin = bytes.NewReader(req)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("figures.RenderSVG: %s %s: %w: %s", node, ssr, err, lastChars(strings.TrimSpace(stderr.String()), 600))
	}
	out := stdout.Bytes()
	if !bytes.HasPrefix(out, []byte("<svg")) {
		return nil, fmt.Errorf("figures.RenderSVG: node printed no SVG (%.200q; stderr %.200q)", out, stderr.String())
	}
	return out, nil
}

// SaveSVG writes a chart to path as an SVG file (see RenderSVG), creating the directory.
func SaveSVG(path string, c Chart) error {
	svg, err := RenderSVG(c)
	if err != nil {
		return fmt.Errorf("figures.SaveSVG %s: %w", path, err)
	}
	if err := results.WriteFileAtomic(path, svg); err != nil {
		return fmt.Errorf("figures.SaveSVG: %w", err)
	}
	return nil
}

// optionChart is what every go-echarts chart offers besides RenderSnippet: Validate (fills the
// x-axis data in, as rendering does) and its option as JSON, where JavaScript functions are
// strings wrapped in "__f__" markers.
type optionChart interface {
	Validate()
	JSONNotEscaped() template.HTML
}

// nodePath finds the Node executable: $MMLAB_NODE if set, else `node` on PATH.
func nodePath() (string, error) {
	if p := os.Getenv("MMLAB_NODE"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("MMLAB_NODE=%s: %w", p, ErrNoNode)
		}
		return p, nil
	}
	p, err := exec.LookPath("node")
	if err != nil {
		return "", ErrNoNode
	}
	return p, nil
}

// elementSize reads the chart's size in px from go-echarts' element
// (style="width:900px;height:500px;"); 900×500 when a size is missing or not in px.
func elementSize(element string) (width, height int) {
	width, height = 900, 500
	px := func(key string) (int, bool) {
		v := between(element, key+":", ";")
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "px"))
		return n, err == nil && strings.HasSuffix(strings.TrimSpace(v), "px") && n > 0
	}
	if w, ok := px("width"); ok {
		width = w
	}
	if h, ok := px("height"); ok {
		height = h
	}
	return width, height
}

// lastChars returns the end of s, at most n bytes (error output can quote minified sources).
func lastChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
