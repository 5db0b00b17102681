package figures

// PNG export: the SVG of RenderSVG, rasterised by headless Chromium at the chart's size.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/mmlab-go/mmlab/results"
)

// ErrNoChromium is returned (wrapped) when no Chromium executable, needed for PNG export, is found.
var ErrNoChromium = errors.New("no Chromium found (chromium, chromium-browser or google-chrome on PATH, or $MMLAB_CHROMIUM): PNG export rasterises the SVG with headless Chromium; `make setup` installs it (Debian package chromium), or use SaveSVG")

// pngTimeout bounds one headless Chromium run.
const pngTimeout = 2 * time.Minute

// SavePNG writes a chart to path as a PNG image at the chart's size (900×500 px for mmlab's
// figures): the chart's SVG (RenderSVG, which needs node and the ECharts script) is rasterised by
// headless Chromium, with no network. On one machine the same chart gives the same bytes.
// Errors wrap ErrNoChromium, ErrNoNode or ErrNoEChartsScript when a tool is missing.
func SavePNG(path string, c Chart) error {
	browser, err := chromiumPath()
	if err != nil {
		return fmt.Errorf("figures.SavePNG %s: %w", path, err)
	}
	svg, err := RenderSVG(c)
	if err != nil {
		return fmt.Errorf("figures.SavePNG %s: %w", path, err)
	}
	width, height := elementSize(c.RenderSnippet().Element)
	dir, err := os.MkdirTemp("", "mmlab-png-")
	if err != nil {
		return fmt.Errorf("figures.SavePNG: %w", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "chart.svg"), filepath.Join(dir, "chart.png")
	if err := os.WriteFile(in, svg, 0o644); err != nil {
		return fmt.Errorf("figures.SavePNG: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pngTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"), "--force-device-scale-factor=1",
		fmt.Sprintf("--window-size=%d,%d", width, height), "--screenshot="+out, "file://"+in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("figures.SavePNG %s: %s: %w: %s", path, browser, err, lastChars(strings.TrimSpace(stderr.String()), 600))
	}
	png, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		return fmt.Errorf("figures.SavePNG %s: %s wrote no PNG (%v): %s", path, browser, err, lastChars(strings.TrimSpace(stderr.String()), 600))
	}
	if err := results.WriteFileAtomic(path, png); err != nil {
		return fmt.Errorf("figures.SavePNG: %w", err)
	}
	return nil
}

// chromiumPath finds Chromium: $MMLAB_CHROMIUM if set, else the first of chromium,
// chromium-browser, google-chrome on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("MMLAB_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("MMLAB_CHROMIUM=%s: %w", p, ErrNoChromium)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}
