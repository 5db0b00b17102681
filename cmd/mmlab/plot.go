package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mmlab-go/mmlab/figures"
	"github.com/mmlab-go/mmlab/results"
)

const plotUsage = `Usage: mmlab plot --in RESULT.json --figure NAME --out FILE.svg|.png|.html
       mmlab plot --data SPEC [--methods LIST] [--seeds S] --figure NAME --out FILE

Draws one figure from the JSON that mmlab run or mmlab choose wrote with --out, or straight from
the results store. With --in, each run is read from the store when its key is there (the full
record, with curves and feature scores), else from the JSON itself (accuracies, subsets and
probes: enough for methods, subsets and laziness). With --data, the figure shows the stored runs
of that dataset (a kind such as lazypair, or a spec NAME:key=value,...; the runs must be of one
resolved spec), of the methods in --methods (default: all) and the seeds in --seeds (N, A-B or
a,b,c; default: all) — "mmlab runs" lists what is stored. The format follows the file name:
.svg (needs node), .png (node and Chromium), .html (a self-contained page); all work offline.

Figures:
  methods     test accuracy per method, mean with 95% CI whiskers (figures.MethodComparison)
  subsets     accuracy on the both_hard and pair_only subsets (figures.SubsetComparison)
  laziness    linear-probe accuracy of each modality's encoder per method (figures.LazinessBars)
  curves      split-head validation curves of joint vs the uni-modal models (figures.SplitHeadCurves; store only)
  featuremap  learned/unlearned features per method (figures.FeatureMap; store only)

`

// plotFigures builds each figure of mmlab plot from the runs of one study on dataset.
var plotFigures = map[string]func(dataset string, runs []results.Run) (figures.Chart, error){
	"methods": func(d string, runs []results.Run) (figures.Chart, error) {
		return figures.MethodComparison([]figures.Regime{{Name: d, Runs: runs}})
	},
	"subsets": func(d string, runs []results.Run) (figures.Chart, error) {
		return figures.SubsetComparison([]figures.Regime{{Name: d, Runs: runs}})
	},
	"laziness":   func(_ string, runs []results.Run) (figures.Chart, error) { return figures.LazinessBars(runs) },
	"curves":     func(_ string, runs []results.Run) (figures.Chart, error) { return figures.SplitHeadCurves(runs) },
	"featuremap": func(_ string, runs []results.Run) (figures.Chart, error) { return figures.FeatureMap(runs) },
}

// plotCommand is "mmlab plot".
func plotCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	in := fs.String("in", "", "the study's JSON `FILE` (mmlab run --out)")
	data := fs.String("data", "", "draw the stored runs of dataset `SPEC` (a kind, or NAME:key=value,...) instead of a JSON")
	methods := fs.String("methods", "", "with --data: only these comma-separated `METHODS` (default: every stored method)")
	seeds := fs.String("seeds", "", "with --data: only the seeds `S` (N, A-B or a,b,c; default: every stored seed)")
	name := fs.String("figure", "", "the figure `NAME`: "+strings.Join(slices.Sorted(maps.Keys(plotFigures)), ", "))
	out := fs.String("out", "", "write the figure to `FILE`: .svg, .png or .html")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, plotUsage)
			fmt.Fprintln(stdout, "Flags (one or two dashes):")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil
		}
		return usagef("%v (see mmlab help plot)", err)
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected argument %q: flags only (see mmlab help plot)", fs.Arg(0))
	case (*in == "") == (*data == ""):
		return usagef("give one of --in (a study's JSON) and --data (runs in the store) (see mmlab help plot)")
	case *name == "" || *out == "":
		return usagef("--figure and --out are required (see mmlab help plot)")
	case *in != "" && (*methods != "" || *seeds != ""):
		return usagef("--methods and --seeds select stored runs: use them with --data, not --in")
	}
	build, ok := plotFigures[*name]
	if !ok {
		return usagef("--figure %q: unknown figure; figures: %s", *name, strings.Join(slices.Sorted(maps.Keys(plotFigures)), ", "))
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if !slices.Contains([]string{".svg", ".png", ".html"}, ext) {
		return usagef("--out %s: want a file name ending in .svg, .png or .html", *out)
	}
	if err := checkOutPath("--out", *out); err != nil {
		return err
	}
	var dataset, source string
	var runs []results.Run
	var err error
	if *in != "" {
		dataset, runs, err = plotRuns(*in, stderr)
		source = *in
	} else {
		dataset, runs, err = storePlotRuns(*data, *methods, *seeds, stderr)
		source = "the stored runs of " + dataset
	}
	if err != nil {
		return err
	}
	chart, err := build(dataset, runs)
	if err != nil {
		return usagef("--figure %s from %s: %v", *name, source, err)
	}
	switch ext {
	case ".svg":
		err = figures.SaveSVG(*out, chart)
	case ".png":
		err = figures.SavePNG(*out, chart)
	default:
		err = figures.Save(*out, "mmlab "+*name+": "+dataset, chart)
	}
	return err
}

// plotRuns reads the runs of the study JSON at path: each from the results store if its key is
// there, else from the JSON.
func plotRuns(path string, stderr io.Writer) (string, []results.Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, usagef("--in: %v", err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		return "", nil, usagef("--in %s: not a study JSON (mmlab run --out): %v", path, err)
	}
	if len(rep.Runs) == 0 {
		return "", nil, usagef("--in %s: no runs (want the JSON of mmlab run --out)", path)
	}
	store, err := openRunsStore(stderr)
	if err != nil {
		return "", nil, err
	}
	var runs []results.Run
	for i, r := range rep.Runs {
		if r.Method == "" {
			return "", nil, usagef("--in %s: runs[%d] has no method", path, i)
		}
		if stored, found, err := store.Load(r.Key); err == nil && found {
			runs = append(runs, *stored)
			continue
		}
		run := results.Run{Key: r.Key, Method: r.Method, Modality: r.Modality, Seed: r.Seed, Dataset: rep.Dataset,
			ValAcc: r.ValAcc, TestAcc: r.TestAcc, ProbeAcc: r.ProbeAcc, TrainSeconds: r.TrainSeconds,
			Versions: r.Versions, SubsetAcc: map[string]float64{}}
		for name, acc := range r.SubsetAcc {
			if acc != nil {
				run.SubsetAcc[name] = *acc
			}
		}
		runs = append(runs, run)
	}
	return rep.Dataset, runs, nil
}

// storePlotRuns returns the stored runs of dataset data (a kind or a spec) of the methods and
// seeds given (empty: all), which must all be of one resolved dataset spec.
func storePlotRuns(data, methods, seeds string, stderr io.Writer) (string, []results.Run, error) {
	keep, err := runsFilter(data, "", seeds)
	if err != nil {
		return "", nil, err
	}
	var want []string
	for m := range strings.SplitSeq(methods, ",") {
		if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
			want = append(want, m)
		}
	}
	store, err := openRunsStore(stderr)
	if err != nil {
		return "", nil, err
	}
	all, err := storedRuns(store)
	if err != nil {
		return "", nil, err
	}
	var runs []results.Run
	specs := map[string]bool{}
	for _, r := range all {
		if keep(r) && (want == nil || slices.Contains(want, r.Method)) {
			runs = append(runs, r)
			specs[r.Dataset] = true
		}
	}
	switch {
	case len(runs) == 0:
		return "", nil, usagef("--data %s: no stored runs match (methods %q, seeds %q) in %s; mmlab runs lists them", data, methods, seeds, store.Home())
	case len(specs) > 1:
		return "", nil, usagef("--data %s: the matching runs are of %d datasets (%s): give the full spec of one (mmlab runs lists them)",
			data, len(specs), strings.Join(slices.Sorted(maps.Keys(specs)), "; "))
	}
	return runs[0].Dataset, runs, nil
}
