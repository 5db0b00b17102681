package figures_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/mmlab-go/mmlab/figures"
)

// Save writes a page that opens offline; Show displays the same chart inline in GoNB and is a
// no-op in a program like this one.
func ExampleSave() {
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: "Linear-probe accuracy"}))
	bar.SetXAxis([]string{"modality 0", "modality 1"}).
		AddSeries("uni-modal", []opts.BarData{{Value: 0.944}, {Value: 0.951}}).
		AddSeries("joint", []opts.BarData{{Value: 0.893}, {Value: 0.898}})

	if err := figures.Show(bar); err != nil { // nothing happens outside a notebook
		fmt.Println(err)
	}
	path := filepath.Join(os.TempDir(), "probe.html")
	err := figures.Save(path, "Linear-probe accuracy", bar)
	switch {
	case err == nil:
		fmt.Println("saved")
	default:
		fmt.Println("error:", err) // e.g. the ECharts script is not installed: run `make setup`
	}
	// Output: saved
}
