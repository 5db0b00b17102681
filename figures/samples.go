package figures

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strings"

	"github.com/mmlab-go/mmlab/datasets"
)

// SampleGrid shows a few samples of an image-like dataset (images, spectrograms): a row per
// class, and for each sample its modalities side by side — what a researcher looks at before
// training on generated or loaded data. Build it with Samples; render it with HTML (inline PNGs,
// so it shows in GoNB with ShowHTML and in nbconvert's HTML export alike).
type SampleGrid struct {
	Title      string
	Modalities []string // modality names, in the order tiles are drawn
	// Tiles[k][j][m] is modality m of the j-th sample of class k.
	Tiles [][][]image.Image
	// Tags[k][j] are the diagnostic tags of that sample ("" if the data has none).
	Tags [][]string
}

// SampleOptions configure Samples.
type SampleOptions struct {
	Split    string // "train", "val" or "test"; "" means "test"
	PerClass int    // samples per class; 0 means 4
	Scale    int    // each value becomes a Scale×Scale block of pixels; 0 means 4
}

// Samples draws the first opts.PerClass samples of every class of a split as images. A modality
// with per-sample shape [3, H, W] is drawn in colour, [1, H, W] or [H, W] in grey (a
// spectrogram's low frequencies at the bottom, as in audio tools, when the modality's name says
// "audio" or "spec"). Values are mapped to brightness with one range per modality: the 1st to
// 99th percentile of the values shown, so that a few outliers do not wash out every tile.
//
// It is an error if the dataset has a vector modality (nothing to look at as an image), or if the
// split is unknown or empty.
func Samples(ds *datasets.Dataset, opts SampleOptions) (*SampleGrid, error) {
	if ds == nil {
		return nil, errors.New("figures.Samples: nil dataset")
	}
	if opts.Split == "" {
		opts.Split = "test"
	}
	if opts.PerClass <= 0 {
		opts.PerClass = 4
	}
	if opts.Scale <= 0 {
		opts.Scale = 4
	}
	s, err := ds.Split(opts.Split)
	if err != nil {
		return nil, fmt.Errorf("figures.Samples: %w", err)
	}
	if s.Len() == 0 {
		return nil, fmt.Errorf("figures.Samples: the %s split is empty", opts.Split)
	}
	type layout struct{ c, h, w int }
	lays := make([]layout, len(ds.Modalities))
	g := &SampleGrid{Title: ds.Spec}
	for m, mod := range ds.Modalities {
		switch sh := mod.Shape; {
		case len(sh) == 2:
			lays[m] = layout{1, sh[0], sh[1]}
		case len(sh) == 3 && (sh[0] == 1 || sh[0] == 3):
			lays[m] = layout{sh[0], sh[1], sh[2]}
		default:
			return nil, fmt.Errorf("figures.Samples: modality %q has per-sample shape %v; sample grids draw [H, W], [1, H, W] or [3, H, W]",
				mod.Name, sh)
		}
		g.Modalities = append(g.Modalities, mod.Name)
	}
	// The samples to draw: the first PerClass of each class, in split order.
	picked := make([][]int, ds.NumClasses)
	for i, y := range s.Labels {
		if len(picked[y]) < opts.PerClass {
			picked[y] = append(picked[y], i)
		}
	}
	// One brightness range per modality, over the values drawn.
	lo, hi := make([]float64, len(ds.Modalities)), make([]float64, len(ds.Modalities))
	for m := range ds.Modalities {
		size := ds.Modalities[m].Size()
		var vals []float64
		for _, idx := range picked {
			for _, i := range idx {
				for _, v := range s.Features[m][i*size : (i+1)*size] {
					vals = append(vals, float64(v))
				}
			}
		}
		lo[m], hi[m] = percentileRange(vals)
	}
	g.Tiles = make([][][]image.Image, ds.NumClasses)
	g.Tags = make([][]string, ds.NumClasses)
	for k, idx := range picked {
		for _, i := range idx {
			var tiles []image.Image
			for m, l := range lays {
				size := l.c * l.h * l.w
				flipY := strings.Contains(strings.ToLower(g.Modalities[m]), "audio") || strings.Contains(strings.ToLower(g.Modalities[m]), "spec")
				tiles = append(tiles, tile(s.Features[m][i*size:(i+1)*size], l.c, l.h, l.w, lo[m], hi[m], opts.Scale, flipY))
			}
			g.Tiles[k] = append(g.Tiles[k], tiles)
			tag := ""
			if s.Tags != nil {
				tag = s.Tags[i].String()
			}
			g.Tags[k] = append(g.Tags[k], tag)
		}
	}
	return g, nil
}

// percentileRange returns the 1st and 99th percentiles of vals (a range of width ≥ 1e-6).
func percentileRange(vals []float64) (lo, hi float64) {
	if len(vals) == 0 {
		return 0, 1
	}
	slices.Sort(vals)
	at := func(q float64) float64 { return vals[int(math.Round(q*float64(len(vals)-1)))] }
	lo, hi = at(0.01), at(0.99)
	if hi-lo < 1e-6 {
		hi = lo + 1e-6
	}
	return lo, hi
}

// tile draws one sample, channels first, scaled up by scale with nearest-neighbour blocks.
func tile(v []float32, c, h, w int, lo, hi float64, scale int, flipY bool) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w*scale, h*scale))
	level := func(x float32) uint8 {
		t := (float64(x) - lo) / (hi - lo)
		return uint8(math.Round(255 * math.Max(0, math.Min(1, t))))
	}
	for y := range h {
		row := y
		if flipY {
			row = h - 1 - y
		}
		for x := range w {
			var col color.RGBA
			if c == 3 {
				col = color.RGBA{level(v[0*h*w+y*w+x]), level(v[1*h*w+y*w+x]), level(v[2*h*w+y*w+x]), 255}
			} else {
				g := level(v[y*w+x])
				col = color.RGBA{g, g, g, 255}
			}
			for dy := range scale {
				for dx := range scale {
					img.SetRGBA(x*scale+dx, row*scale+dy, col)
				}
			}
		}
	}
	return img
}

// HTML renders the grid as a table of inline PNG images: a row per class, a column per sample,
// each cell the sample's modalities side by side with its tags as a tooltip.
func (g *SampleGrid) HTML() (string, error) {
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-family:sans-serif;font-size:12px">`)
	if g.Title != "" {
		fmt.Fprintf(&b, "<caption style=\"text-align:left;font-weight:bold\">%s — each cell: %s</caption>",
			html.EscapeString(g.Title), html.EscapeString(strings.Join(g.Modalities, " | ")))
	}
	for k, row := range g.Tiles {
		fmt.Fprintf(&b, "<tr><th style=\"padding:4px\">class %d</th>", k)
		for j, tiles := range row {
			fmt.Fprintf(&b, "<td style=\"padding:4px\" title=\"%s\">", html.EscapeString(g.Tags[k][j]))
			for _, t := range tiles {
				uri, err := pngDataURI(t)
				if err != nil {
					return "", fmt.Errorf("figures.SampleGrid.HTML: %w", err)
				}
				fmt.Fprintf(&b, `<img src="%s" style="margin-right:2px;image-rendering:pixelated">`, uri)
			}
			b.WriteString("</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String(), nil
}

func pngDataURI(img image.Image) (string, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}
