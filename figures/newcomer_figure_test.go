package figures_test

// A newcomer's figure (docs/ARCHITECTURE.md, "A figure"): a function of result values only —
// results.Run in, a go-echarts chart out, an error naming what is missing — using the shared
// palette and labels. This file is all it needs; mmlab plot would take one more entry in
// cmd/mmlab/plot.go's plotFigures.

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/mmlab-go/mmlab/figures"
	"github.com/mmlab-go/mmlab/results"
)

// trainSecondsBars draws each multi-modal method's mean training time over seeds.
func trainSecondsBars(runs []results.Run) (*charts.Bar, error) {
	sums := results.Summaries(runs)
	var methods []string
	for key, s := range sums {
		if s.Method != results.UniMethod {
			methods = append(methods, key)
		}
	}
	if len(methods) == 0 {
		return nil, errors.New("trainSecondsBars: no multi-modal runs")
	}
	slices.Sort(methods)
	means := map[string][]float64{}
	for _, r := range runs {
		means[r.Method] = append(means[r.Method], r.TrainSeconds)
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: "Training time per method"}))
	var labels []string
	var data []opts.BarData
	for _, m := range methods {
		labels = append(labels, figures.MethodLabel(m))
		data = append(data, opts.BarData{Value: results.Summarize(means[m]).Mean,
			ItemStyle: &opts.ItemStyle{Color: figures.MethodColor(m)}})
	}
	bar.SetXAxis(labels).AddSeries("train seconds", data)
	return bar, nil
}

func TestNewcomerFigure(t *testing.T) {
	var runs []results.Run
	for seed, secs := range []float64{1, 3} {
		runs = append(runs,
			results.Run{Key: fmt.Sprint("j", seed), Method: results.JointMethod, Seed: seed, TrainSeconds: secs},
			results.Run{Key: fmt.Sprint("t", seed), Method: results.UMTMethod, Seed: seed, TrainSeconds: 10 * secs})
	}
	bar, err := trainSecondsBars(runs)
	if err != nil {
		t.Fatal(err)
	}
	if len(bar.MultiSeries) != 1 || len(bar.MultiSeries[0].Data.([]opts.BarData)) != 2 {
		t.Fatalf("series %+v, want one series of two bars", bar.MultiSeries)
	}
	data := bar.MultiSeries[0].Data.([]opts.BarData)
	if data[0].Value != 2.0 || data[1].Value != 20.0 {
		t.Errorf("bars %v, %v; want joint 2 and umt 20 (means over seeds)", data[0].Value, data[1].Value)
	}
	if _, err := trainSecondsBars(nil); err == nil {
		t.Error("no runs: want an error")
	}
}
