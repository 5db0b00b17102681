// Command bench is mmlab's side-by-side benchmark against PyTorch (`make bench`; bench/README.md).
//
// In one run it measures mmlab's default study workload and the identical workload in PyTorch
// (bench/reference.py) on the very same data, and prints, as ratios mmlab/PyTorch, the time per
// training step, the time per study and the inference throughput; mmlab's achieved GFLOP/s next
// to the machine's 2-core sgemm peak measured in the same run; both sides' accuracies; the peak
// memory of the mmlab study; and the per-cell time of a warm GoNB notebook cell. The last line is
// "study_time_ratio=<x>".
//
// Run it from the repository root, with the environment of the Makefile (GOTOOLCHAIN=go1.27.4,
// GOEXPERIMENT=simd, GOMLX_BACKEND=go) and PyTorch installed (scripts/setup.sh --bench):
//
//	go run ./bench                       # what `make bench` runs
//	go run ./bench -seeds 2 -epochs 20   # a quick check of the machinery (not the benchmark)
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

var (
	flagSeeds       = flag.Int("seeds", 5, "seeds of the study")
	flagEpochs      = flag.Int("epochs", 150, "epochs of every network of the study")
	flagStepEpochs  = flag.Int("step-epochs", 20, "epochs per network when timing single training steps (the first epoch is warm-up)")
	flagRounds      = flag.Int("rounds", 3, "rounds of step and inference timing, alternating mmlab and PyTorch")
	flagInferReps   = flag.Int("infer-reps", 20, "timed inference passes per round")
	flagPython      = flag.String("python", "/usr/bin/python3", "Python with torch and numpy (Debian's: scripts/setup.sh --bench)")
	flagNotebook    = flag.String("notebook", "notebooks/00_tour.ipynb", "notebook whose warm cell times are measured; empty skips it")
	flagBLASThreads = flag.Int("blas-threads", 2, "OPENBLAS_NUM_THREADS of the PyTorch side (2 was the best 2-core setting on an idle machine); steps are also timed with the other of 1 and 2")
	flagKeep        = flag.Bool("keep", false, "keep the temporary directory (datasets, executed notebooks)")
	flagReplicas    = flag.Int("replicas", 0, "mmlab.Study.Replicas of the study: networks trained together as replicas in one graph (0: mmlab's default; 1: one at a time)")
	flagCompare     = flag.Bool("compare-replicas", true, "also run mmlab's study one network at a time (Replicas=1), right after the timed study, and print the replica speed-up")
	flagWorkload    = flag.String("workload", "both", "mlp (the default LazyPair study), cnn (the CNN study on avsynth), or both (mlp here, then cnn in a child process of its own, so that each study's max RSS is its own)")
	flagCNNEpochs   = flag.Int("cnn-epochs", 40, "epochs of every network of the CNN study (notebook 06's setting)")
	flagCNNStepEp   = flag.Int("cnn-step-epochs", 8, "epochs per network when timing single CNN training steps (the first epoch is warm-up)")
	flagCNNCompare  = flag.Bool("cnn-compare-replicas", false, "also run the CNN study one network at a time (as -compare-replicas; off by default: it doubles the CNN study's time)")
)

// workload is one of the benchmark's two studies.
type workload struct {
	name       string // "mlp" or "cnn": the prefix of its ratio line (cnn_study_time_ratio=)
	dataset    string
	epochs     int // of the study
	stepEpochs int // per network when timing steps
	compare    bool
	notebook   string
	describe   string // the model, for the report's header
}

func workloadOf(name string) (workload, error) {
	switch name {
	case "mlp":
		return workload{name: "mlp", dataset: "lazypair", epochs: *flagEpochs, stepEpochs: *flagStepEpochs, compare: *flagCompare,
			notebook: *flagNotebook, describe: "encoders d→64→64 ReLU, concat+linear"}, nil
	case "cnn":
		// avsynth without a paired cue (notebook 06's second regime): images [3, 16, 16] and log
		// spectrograms [1, 16, 16]; mmlab's default model picks CNN encoders for both.
		return workload{name: "cnn", dataset: "avsynth:pi=0", epochs: *flagCNNEpochs, stepEpochs: *flagCNNStepEp, compare: *flagCNNCompare,
			describe: "CNN encoders (3×3 conv same → 2×2 max-pool → ReLU, 16 and 32 channels) → flatten → 64 → 64 ReLU, concat+linear; UMT student's encoders start from its teachers' (umt.init=auto)"}, nil
	}
	return workload{}, fmt.Errorf("-workload=%q: want mlp, cnn or both", name)
}

const (
	memTargetMB = 1024 // the mmlab study's peak memory target (1 GiB)
	umtLambda   = 10.0 // UMT's default λ (mmlab.DefaultUMTOptions)
	sgemmN      = 2048 // size of the square matrices of the sgemm peak
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: error:", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) { fmt.Printf("bench: "+format+"\n", args...) }

func run() error {
	start := time.Now()
	if *flagWorkload == "both" {
		ratio, err := runWorkload("mlp")
		if err != nil {
			return err
		}
		// The CNN study in a process of its own: its max RSS is then its own. It prints its report
		// and cnn_study_time_ratio=<x>; study_time_ratio=<x> stays the last line.
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		var args []string
		flag.Visit(func(f *flag.Flag) {
			if f.Name != "workload" {
				args = append(args, "-"+f.Name+"="+f.Value.String())
			}
		})
		cmd := exec.Command(exe, append(args, "-workload=cnn")...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("the CNN workload (%s -workload=cnn): %w", exe, err)
		}
		fmt.Printf("bench: both workloads done in %.0f s\n", time.Since(start).Seconds())
		fmt.Printf("study_time_ratio=%.2f\n", ratio)
		return nil
	}
	ratio, err := runWorkload(*flagWorkload)
	if err != nil {
		return err
	}
	if *flagWorkload == "cnn" {
		fmt.Printf("cnn_study_time_ratio=%.2f\n", ratio)
	} else {
		fmt.Printf("study_time_ratio=%.2f\n", ratio)
	}
	return nil
}

// runWorkload measures workload name (mlp or cnn) on both sides, prints its report and returns
// its study time ratio mmlab/PyTorch.
func runWorkload(name string) (float64, error) {
	w, err := workloadOf(name)
	if err != nil {
		return 0, err
	}
	dataset := w.dataset
	start := time.Now()
	for _, f := range []string{"bench/reference.py", "scripts/nbrun.py"} {
		if _, err := os.Stat(f); err != nil {
			return 0, fmt.Errorf("run me from the repository root (%w)", err)
		}
	}
	tmp, err := os.MkdirTemp("", "mmlab-bench-")
	if err != nil {
		return 0, err
	}
	if *flagKeep {
		say("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	backend, err := mmlab.DefaultBackend()
	if err != nil {
		return 0, err
	}
	defer backend.Finalize()
	versions := mmlab.CurrentVersions(os.Getenv(compute.ConfigEnvVar))
	cpu := cpuModel()
	say("%s, %d cores (%s), %s, GoMLX %s, backend %q, GOEXPERIMENT=%s, commit %s",
		time.Now().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), cpu, versions.Go, versions.GoMLX,
		backend.Name(), os.Getenv("GOEXPERIMENT"), versions.Commit)

	// 1. The data: every seed's dataset, exported for PyTorch.
	t0 := time.Now()
	spec, err := datasets.ParseSpec(dataset)
	if err != nil {
		return 0, err
	}
	var data0 *datasets.Dataset
	for s := range *flagSeeds {
		ds, err := spec.WithSeedOffset(s).Generate()
		if err != nil {
			return 0, err
		}
		if err := datasets.SaveNPY(filepath.Join(tmp, fmt.Sprintf("seed%d", s)), ds); err != nil {
			return 0, err
		}
		if s == 0 {
			data0 = ds
		}
	}
	genSeconds := time.Since(t0).Seconds()
	say("%d datasets %s generated and exported with datasets.SaveNPY in %.1f s", *flagSeeds, spec, genSeconds)

	// 2. The study (first, so that the max RSS is the study's): mmlab's RunStudy on all seeds in
	// this process; after the last run of each seed, the pacer runs that seed of the PyTorch
	// study, so that the two sides alternate seed by seed and a drifting machine load hits both.
	opts := map[string]string{}
	if w.epochs != mmlab.DefaultTrainOptions().Epochs {
		opts["train.epochs"] = strconv.Itoa(w.epochs)
	}
	var pyRuns []results.Run
	var pySeconds, pyMaxRSS []float64
	var torchVersion string
	p := &pacer{perSeed: 2 + 3, count: map[int]int{}, resumed: time.Now()} // uni m0, m1, joint, ume, umt
	p.after = func(seed int) error {
		var py struct {
			Seconds   float64 `json:"seconds"`
			MaxRSSKiB float64 `json:"max_rss_kib"`
			Runs      []struct {
				Method       string             `json:"method"`
				Modality     *int               `json:"modality"`
				Seed         int                `json:"seed"`
				ValAcc       float64            `json:"val_acc"`
				TestAcc      float64            `json:"test_acc"`
				SubsetAcc    map[string]float64 `json:"subset_acc"`
				ProbeAcc     []*float64         `json:"probe_acc"`
				TrainSeconds float64            `json:"train_seconds"`
			} `json:"runs"`
			Versions struct {
				Torch string `json:"torch"`
			} `json:"versions"`
		}
		if err := python(&py, "study", "--data", tmp, "--seed", strconv.Itoa(seed), "--epochs", strconv.Itoa(w.epochs),
			"--modalities", modalityOrder(data0)); err != nil {
			return err
		}
		for _, r := range py.Runs {
			pyRuns = append(pyRuns, results.Run{Method: r.Method, Modality: r.Modality, Seed: r.Seed, ValAcc: r.ValAcc,
				TestAcc: r.TestAcc, SubsetAcc: r.SubsetAcc, ProbeAcc: r.ProbeAcc, TrainSeconds: r.TrainSeconds})
		}
		pySeconds = append(pySeconds, py.Seconds)
		pyMaxRSS = append(pyMaxRSS, py.MaxRSSKiB/1024)
		torchVersion = py.Versions.Torch
		say("seed %d: mmlab %.1f s, PyTorch %.1f s", seed, p.seconds[len(p.seconds)-1], py.Seconds)
		return nil
	}
	rssBefore := maxRSSMiB()
	res, err := mmlab.RunStudy(context.Background(), mmlab.Study{Dataset: dataset, Methods: []string{"joint", "ume", "umt"},
		Seeds: *flagSeeds, Options: opts, Quiet: true, Backend: backend, Store: p, Replicas: *flagReplicas})
	if err != nil {
		return 0, err
	}
	if p.err != nil {
		return 0, p.err
	}
	if len(pySeconds) != *flagSeeds {
		return 0, fmt.Errorf("the PyTorch study ran %d of %d seeds (runs per seed: %v)", len(pySeconds), *flagSeeds, p.count)
	}
	rssStudy := maxRSSMiB()
	goStudy := res.Seconds - p.paused.Seconds()
	pyStudy := sum(pySeconds)
	goTrain, pyTrain := 0.0, 0.0
	for _, r := range res.Runs {
		goTrain += r.TrainSeconds
	}
	for _, r := range pyRuns {
		pyTrain += r.TrainSeconds
	}
	say("mmlab study: %d runs in %.1f s (training %.1f s), max RSS %.0f MiB (%.0f MiB before it)",
		len(res.Runs), goStudy, goTrain, rssStudy, rssBefore)
	say("PyTorch %s study: %d runs in %.1f s (training %.1f s), max RSS %.0f MiB",
		torchVersion, len(pyRuns), pyStudy, pyTrain, slices.Max(pyMaxRSS))
	replicas := *flagReplicas
	if replicas <= 0 {
		replicas = mmlab.DefaultReplicas
	}
	// The same mmlab study trained one network at a time, right after the timed one: what the
	// replicas (mmlab.Study.Replicas) gain. Its runs must equal the timed study's.
	var oneAtATime float64
	if w.compare && replicas > 1 {
		one, err := mmlab.RunStudy(context.Background(), mmlab.Study{Dataset: dataset, Methods: []string{"joint", "ume", "umt"},
			Seeds: *flagSeeds, Options: opts, Quiet: true, Backend: backend, Replicas: 1})
		if err != nil {
			return 0, err
		}
		for i, r := range one.Runs {
			if r.Key != res.Runs[i].Key || r.ValAcc != res.Runs[i].ValAcc || r.TestAcc != res.Runs[i].TestAcc {
				return 0, fmt.Errorf("run %d (%s seed %d): one at a time val/test %v/%v, as replicas %v/%v: replicas changed the science",
					i, r.Method, r.Seed, r.ValAcc, r.TestAcc, res.Runs[i].ValAcc, res.Runs[i].TestAcc)
			}
		}
		oneAtATime = one.Seconds
		say("mmlab study one network at a time: %.1f s; with %d replicas: %.1f s (same runs, same accuracies)", oneAtATime, replicas, goStudy)
	}

	// 3. The machine's sgemm peak (OpenBLAS, 2 threads) and GoMLX's own matmul of the same size,
	// measured in every round of step 4; the best of the rounds is the peak.
	type peakResult struct {
		NumPy float64 `json:"numpy_gflops"`
		Torch float64 `json:"torch_gflops"`
		Vers  struct {
			Torch string `json:"torch"`
			NumPy string `json:"numpy"`
		} `json:"versions"`
	}
	var peak peakResult
	var gomlxMatmul float64
	measurePeak := func() error {
		var pk peakResult
		if err := pythonThreads(&pk, 2, "peak", "--n", strconv.Itoa(sgemmN)); err != nil {
			return err
		}
		g, err := matmulGFLOPs(backend, sgemmN, 5)
		if err != nil {
			return err
		}
		say("sgemm %d×%d float32: numpy %.0f GFLOP/s, torch.mm %.0f GFLOP/s (OpenBLAS, 2 threads); GoMLX DotProduct %.0f GFLOP/s",
			sgemmN, sgemmN, pk.NumPy, pk.Torch, g)
		peak.NumPy, peak.Torch, peak.Vers = max(peak.NumPy, pk.NumPy), max(peak.Torch, pk.Torch), pk.Vers
		gomlxMatmul = max(gomlxMatmul, g)
		return nil
	}

	// 4. Training steps and inference, alternating mmlab and PyTorch.
	methods := []string{"uni", "joint", "umt"}
	// Per method, one value per round: median and mean step times.
	goSteps, pySteps, pyAltSteps := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	goMean, pyMean, pyAltMean := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	var goInfer, pyInfer, pyAltInfer []float64
	altThreads := 3 - *flagBLASThreads // the other of 1 and 2
	if *flagBLASThreads != 1 && *flagBLASThreads != 2 {
		altThreads = 1
	}
	inferN := data0.Test.Len()
	torchSteps := func(threads int, steps, means map[string][]float64, infer *[]float64) error {
		var py struct {
			StepSeconds   map[string][]float64 `json:"step_seconds"`
			InferSeconds  []float64            `json:"infer_seconds"`
			StepsPerEpoch int                  `json:"steps_per_epoch"`
		}
		if err := pythonThreads(&py, threads, "steps", "--data", filepath.Join(tmp, "seed0"), "--epochs", strconv.Itoa(w.stepEpochs),
			"--infer-reps", strconv.Itoa(*flagInferReps), "--modalities", modalityOrder(data0)); err != nil {
			return err
		}
		for _, m := range methods {
			timed := py.StepSeconds[m][py.StepsPerEpoch:] // the first epoch is warm-up
			steps[m] = append(steps[m], median(timed))
			means[m] = append(means[m], sum(timed)/float64(len(timed)))
		}
		*infer = append(*infer, median(py.InferSeconds))
		return nil
	}
	for r := range *flagRounds {
		// mmlab first in even rounds, PyTorch first in odd ones, so that drifting load cancels out.
		for _, side := range []int{r % 2, 1 - r%2} {
			if side == 0 {
				st, mean, inf, err := mmlabSteps(backend, data0, w.stepEpochs, *flagInferReps)
				if err != nil {
					return 0, err
				}
				for _, m := range methods {
					goSteps[m] = append(goSteps[m], st[m])
					goMean[m] = append(goMean[m], mean[m])
				}
				goInfer = append(goInfer, inf)
			} else {
				if err := torchSteps(*flagBLASThreads, pySteps, pyMean, &pyInfer); err != nil {
					return 0, err
				}
				if err := torchSteps(altThreads, pyAltSteps, pyAltMean, &pyAltInfer); err != nil {
					return 0, err
				}
			}
		}
		if err := measurePeak(); err != nil {
			return 0, err
		}
		say("round %d/%d: joint step mmlab %.3f ms, PyTorch %.3f ms (%.3f ms with %d BLAS thread(s)); inference of %d samples mmlab %.2f ms, PyTorch %.2f ms",
			r+1, *flagRounds, 1e3*goSteps["joint"][r], 1e3*pySteps["joint"][r], 1e3*pyAltSteps["joint"][r], altThreads,
			inferN, 1e3*goInfer[r], 1e3*pyInfer[r])
	}

	// 5. The notebook experience: a notebook executed twice, per-cell times of the second (warm) run.
	var nb *notebookTimes
	if w.notebook != "" {
		if nb, err = timeNotebook(tmp, w.notebook); err != nil {
			return 0, err
		}
	}

	// Report.
	fmt.Println()
	fmt.Printf("== mmlab vs PyTorch, %s workload, %s, %d cores (%s), `make bench` ==\n", w.name, time.Now().Format("2006-01-02"), runtime.NumCPU(), cpu)
	fmt.Printf("mmlab: %s, GoMLX %s, backend %s, GOEXPERIMENT=%s (commit %s)\n", versions.Go, versions.GoMLX,
		backend.Name(), os.Getenv("GOEXPERIMENT"), versions.Commit)
	fmt.Printf("PyTorch %s (Debian), numpy %s, OPENBLAS_NUM_THREADS=%d, torch.set_num_threads(1)\n",
		peak.Vers.Torch, peak.Vers.NumPy, *flagBLASThreads)
	var modShapes []string
	for _, m := range data0.Modalities {
		modShapes = append(modShapes, fmt.Sprint(m.Shape))
	}
	fmt.Printf("workload %s: %s (K=%d, modalities %s, n_train/val/test=%d/%d/%d), %s,\n"+
		"          batch 256, %d epochs, Adam 1e-3; study = 2 × uni + joint + UME + UMT (λ=10, MSE) on %d seeds, with probes\n",
		w.name, dataset, data0.NumClasses, strings.Join(modShapes, " and "), data0.Train.Len(), data0.Val.Len(),
		data0.Test.Len(), w.describe, w.epochs, *flagSeeds)

	fmt.Println()
	fmt.Println("accuracy (mean ± 95% CI over seeds; Δ = mmlab − PyTorch, paired by seed = same data; * = Δ's CI excludes 0)")
	if err := printAccuracies(res.Runs, pyRuns); err != nil {
		return 0, err
	}

	fmt.Println()
	fmt.Println("time (ratio = mmlab / PyTorch, < 1: mmlab is faster; step and inference ratios: median of the per-round ratios)")
	fmt.Printf("  %-38s %12s %12s %8s   %s\n", "", "mmlab", "PyTorch", "ratio", "ratio per round")
	b := 256
	flops := map[string]float64{"uni": trainFLOPs(data0, b, []int{0}), "joint": trainFLOPs(data0, b, []int{0, 1}), "umt": trainFLOPs(data0, b, []int{0, 1})}
	for _, m := range methods {
		var ratios []string
		for r := range goSteps[m] {
			ratios = append(ratios, fmt.Sprintf("%.2f", goSteps[m][r]/pySteps[m][r]))
		}
		g, p := median(goSteps[m]), median(pySteps[m])
		fmt.Printf("  %-38s %9.3f ms %9.3f ms %8.2f   %s\n", "training step, "+m+" (median)", 1e3*g, 1e3*p,
			medianRatio(goSteps[m], pySteps[m]), strings.Join(ratios, " "))
		gm, pm := sum(goMean[m])/float64(len(goMean[m])), sum(pyMean[m])/float64(len(pyMean[m]))
		fmt.Printf("  %-38s %9.3f ms %9.3f ms %8.2f\n", "  mean (with the slow outliers)", 1e3*gm, 1e3*pm, gm/pm)
	}
	for _, m := range methods {
		pa := sum(pyAltMean[m]) / float64(len(pyAltMean[m]))
		fmt.Printf("  %-38s %12s %9.3f ms %8.2f   (mean %.3f ms, ratio %.2f)\n", fmt.Sprintf("  %s, PyTorch, %d BLAS thread(s)", m, altThreads), "",
			1e3*median(pyAltSteps[m]), medianRatio(goSteps[m], pyAltSteps[m]), 1e3*pa, sum(goMean[m])/float64(len(goMean[m]))/pa)
	}
	studyRatio := goStudy / pyStudy
	var seedRatios []string
	for i := range pySeconds {
		seedRatios = append(seedRatios, fmt.Sprintf("%.2f", p.seconds[i]/pySeconds[i]))
	}
	fmt.Printf("  %-38s %10.1f s %10.1f s %8.2f   %s (per seed, as completed)\n", fmt.Sprintf("study (%d seeds: %d runs, %d trained)", *flagSeeds, 5**flagSeeds, 4**flagSeeds),
		goStudy, pyStudy, studyRatio, strings.Join(seedRatios, " "))
	if oneAtATime > 0 {
		fmt.Printf("  %-38s %10.1f s %12s %8.2f   (replicas/one at a time: %.2f)\n", "  mmlab one network at a time",
			oneAtATime, "", oneAtATime/pyStudy, goStudy/oneAtATime)
	}
	fmt.Printf("  %-38s %10.1f s %10.1f s %8.2f\n", "  of which training (incl. validation)", goTrain, pyTrain, goTrain/pyTrain)
	fmt.Printf("  %-38s %10.1f s %10.1f s %8.2f\n", "  the rest (data, evaluation, probes)", goStudy-goTrain,
		pyStudy-pyTrain, (goStudy-goTrain)/(pyStudy-pyTrain))
	gi, pi := median(goInfer), median(pyInfer)
	fmt.Printf("  %-38s %9.2f ms %9.2f ms %8.2f\n", fmt.Sprintf("inference, joint, %d samples", inferN), 1e3*gi, 1e3*pi,
		medianRatio(goInfer, pyInfer))
	fmt.Printf("  %-38s %12s %9.2f ms %8.2f\n", fmt.Sprintf("  PyTorch, %d BLAS thread(s)", altThreads), "",
		1e3*median(pyAltInfer), medianRatio(goInfer, pyAltInfer))
	fmt.Printf("  inference throughput: mmlab %.0f samples/s, PyTorch %.0f samples/s; throughput ratio mmlab/PyTorch = %.2f (> 1: mmlab is faster)\n",
		float64(inferN)/gi, float64(inferN)/pi, pi/gi)

	peakGFLOPs := max(peak.NumPy, peak.Torch)
	fmt.Println()
	fmt.Println("compute (FLOPs per training step = 3 × forward, forward = Σ over dense layers of 2·B·in·out and over conv layers of 2·B·H·W·9·C_in·C_out, B=256)")
	fmt.Printf("  %-38s %12s %12s %12s\n", "", "MFLOP/step", "mmlab", "PyTorch")
	for _, m := range methods {
		fmt.Printf("  %-38s %12.2f %7.1f GFLOP/s %7.1f GFLOP/s\n", "training step, "+m, flops[m]/1e6,
			flops[m]/median(goSteps[m])/1e9, flops[m]/median(pySteps[m])/1e9)
	}
	inferFLOPs := trainFLOPs(data0, inferN, []int{0, 1}) / 3
	fmt.Printf("  %-38s %12.2f %7.1f GFLOP/s %7.1f GFLOP/s\n", "inference, joint", inferFLOPs/1e6, inferFLOPs/gi/1e9, inferFLOPs/pi/1e9)
	fmt.Printf("  2-core sgemm peak, %d² float32, best of %d rounds (OpenBLAS, 2 threads: numpy %.0f, torch.mm %.0f): %.0f GFLOP/s;\n"+
		"  GoMLX DotProduct, same size: %.0f GFLOP/s\n", sgemmN, *flagRounds, peak.NumPy, peak.Torch, peakGFLOPs, gomlxMatmul)
	fmt.Printf("  mmlab's joint training step reaches %.1f%% of the sgemm peak (PyTorch's: %.1f%%)\n",
		100*flops["joint"]/median(goSteps["joint"])/1e9/peakGFLOPs, 100*flops["joint"]/median(pySteps["joint"])/1e9/peakGFLOPs)

	fmt.Println()
	verdict := "within"
	if rssStudy > memTargetMB {
		verdict = "OVER"
	}
	fmt.Printf("memory: mmlab study max RSS %.0f MiB (%s the %d MiB target; the process held %.0f MiB before the study); PyTorch study %.0f MiB\n",
		rssStudy, verdict, memTargetMB, rssBefore, slices.Max(pyMaxRSS))

	if nb != nil {
		fmt.Println()
		fmt.Printf("notebook %s (GoNB, compile + run per cell; scripts/nbrun.py, fresh results store):\n", w.notebook)
		fmt.Printf("  first run %.1f s in all (trains its runs), second run %.1f s in all; second run per code cell:\n", nb.first, nb.second)
		for _, c := range nb.cells {
			fmt.Printf("    cell %2d  %5.2f s  %s\n", c.index, c.seconds, c.first)
		}
		fmt.Printf("  warm cell: median %.2f s, max %.2f s\n", median(nb.secondsOf()), slices.Max(nb.secondsOf()))
	}
	fmt.Println()
	fmt.Printf("bench: %s workload done in %.0f s\n", w.name, time.Since(start).Seconds())
	return studyRatio, nil
}

// modalityOrder is ds's modality names in order, comma-separated, for reference.py: SaveNPY
// files keep the names but not the order (avsynth's image and audio).
func modalityOrder(ds *datasets.Dataset) string {
	names := make([]string, len(ds.Modalities))
	for i, m := range ds.Modalities {
		names[i] = m.Name
	}
	return strings.Join(names, ",")
}

// python runs bench/reference.py with args and decodes its JSON output into out.
func python(out any, args ...string) error {
	return pythonThreads(out, *flagBLASThreads, args...)
}

// pythonThreads is python with OPENBLAS_NUM_THREADS=threads.
func pythonThreads(out any, threads int, args ...string) error {
	cmd := exec.Command(*flagPython, append([]string{"bench/reference.py"}, args...)...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("OPENBLAS_NUM_THREADS=%d", threads))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s bench/reference.py %s: %w\n%s\n(PyTorch is a benchmark-only dependency: scripts/setup.sh --bench installs it)",
			*flagPython, strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return fmt.Errorf("bench/reference.py %s: reading its output: %w\n%s", args[0], err, stdout.String())
	}
	return nil
}

// pacer is a RunStore that stores nothing (every run is trained): RunStudy calls Save after
// each run it trained, and after the last run of a seed the pacer calls after(seed) — the same
// seed of the PyTorch study — and keeps that time out of mmlab's (paused).
type pacer struct {
	perSeed int // runs per seed
	count   map[int]int
	after   func(seed int) error
	err     error
	resumed time.Time
	paused  time.Duration
	seconds []float64 // mmlab's wall time of each seed
}

func (p *pacer) Load(string) (*results.Run, bool, error) { return nil, false, nil }

func (p *pacer) Save(r *results.Run) error {
	p.count[r.Seed]++
	if p.count[r.Seed] != p.perSeed || p.err != nil {
		return nil
	}
	now := time.Now()
	p.seconds = append(p.seconds, now.Sub(p.resumed).Seconds())
	p.err = p.after(r.Seed)
	p.resumed = time.Now()
	p.paused += p.resumed.Sub(now)
	return p.err
}

func sum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}

// stepClock is a Progress that timestamps every training step.
type stepClock struct{ at []time.Time }

func (c *stepClock) Start(string, int) { c.at = append(c.at[:0], time.Now()) }
func (c *stepClock) Step(float64)      { c.at = append(c.at, time.Now()) }
func (c *stepClock) End()              {}

// stepTime is the median and the mean wall time of one training step: the time between
// consecutive steps of one epoch, the first epoch left out (warm-up). It excludes the per-epoch
// validation pass, which falls between the last step of an epoch and the first of the next.
func (c *stepClock) stepTime(stepsPerEpoch int) (med, mean float64) {
	var d []float64
	for j := stepsPerEpoch + 1; j < len(c.at); j++ { // at[j] is the end of step j (1-based)
		if (j-1)%stepsPerEpoch != 0 {
			d = append(d, c.at[j].Sub(c.at[j-1]).Seconds())
		}
	}
	return median(d), sum(d) / float64(len(d))
}

// mmlabSteps trains the uni, joint and UMT networks of the default study for epochs epochs
// through mmlab's engine (public API, the same networks and losses as the methods build) and
// returns each one's median step time, and the median time of inference (logits and features of
// every encoder) of the trained joint network on the whole test split.
func mmlabSteps(backend compute.Backend, ds *datasets.Dataset, epochs, inferReps int) (med, mean map[string]float64, infer float64, err error) {
	mo := mmlab.DefaultModelOptions()
	to := mmlab.DefaultTrainOptions()
	to.Epochs = epochs
	k := ds.NumClasses
	spe := ds.Train.Len() / to.Batch
	med, mean = map[string]float64{}, map[string]float64{}
	fit := func(name string, job *mmlab.TrainJob, epochs int) (*mmlab.Network, error) {
		o := to
		o.Epochs = epochs
		clock := &stepClock{}
		e := &mmlab.Engine{Backend: backend, Options: o, Progress: clock}
		net, _, err := e.Fit(context.Background(), job)
		if err != nil {
			return nil, err
		}
		if name != "" {
			med[name], mean[name] = clock.stepTime(spe)
		}
		return net, nil
	}
	var teachers [][]float32
	for m := range ds.Modalities {
		job := &mmlab.TrainJob{Name: fmt.Sprintf("uni m%d", m), Seed: m, Data: ds, Inputs: []int{m},
			Build: func(s *model.Scope, xs []*graph.Node) mmlab.Outputs { return mo.UniModel(s, xs[0], k) }}
		name, ep := "uni", epochs
		if m > 0 {
			name, ep = "", 1 // the second teacher only supplies distillation targets
		}
		net, err := fit(name, job, ep)
		if err != nil {
			return nil, nil, 0, err
		}
		f, _, _, err := net.Features(m, ds.Train)
		if err != nil {
			return nil, nil, 0, err
		}
		teachers = append(teachers, f)
	}
	all := []int{0, 1}
	lateFusion := func(s *model.Scope, xs []*graph.Node) mmlab.Outputs { return mo.LateFusion(s, xs, k) }
	joint, err := fit("joint", &mmlab.TrainJob{Name: "joint", Seed: 10, Data: ds, Inputs: all, Build: lateFusion}, epochs)
	if err != nil {
		return nil, nil, 0, err
	}
	umt := &mmlab.TrainJob{Name: "umt", Seed: 20, Data: ds, Inputs: all, Build: lateFusion,
		Extra: teachers, ExtraDims: []int{mo.FeatureDim(), mo.FeatureDim()},
		Loss: func(b *mmlab.Batch) *graph.Node { // as mmlab's umt method (free_dims=0, mse)
			loss := mmlab.CrossEntropy(b.Out.Logits, b.Labels)
			for i, f := range b.Out.Features {
				loss = graph.Add(loss, graph.MulScalar(mmlab.FeatureDistance(mmlab.DistanceMSE, f, graph.StopGradient(b.Extra[i])), umtLambda))
			}
			return loss
		}}
	if _, err := fit("umt", umt, epochs); err != nil {
		return nil, nil, 0, err
	}
	// Inference: a Network caches its last split's outputs, so alternate two copies of the test split.
	idx := make([]int, ds.Test.Len())
	for i := range idx {
		idx[i] = i
	}
	splits := []*datasets.Split{ds.Test.Select(idx), ds.Test.Select(idx)}
	var times []float64
	for r := range inferReps + 2 {
		t0 := time.Now()
		if _, err := joint.Logits(splits[r%2]); err != nil {
			return nil, nil, 0, err
		}
		if r >= 2 { // two warm-up passes (the first compiles)
			times = append(times, time.Since(t0).Seconds())
		}
	}
	return med, mean, median(times), nil
}

// matmulGFLOPs is the best GFLOP/s of an n×n float32 matrix product (graph.DotProduct) on backend.
func matmulGFLOPs(backend compute.Backend, n, reps int) (float64, error) {
	e, err := graph.NewExec(backend, func(a, b *graph.Node) *graph.Node { return graph.DotProduct(a, b) })
	if err != nil {
		return 0, err
	}
	defer e.Finalize()
	v := make([]float32, n*n)
	for i := range v {
		v[i] = float32(i%7) - 3
	}
	a, b := tensors.FromFlatDataAndDimensions(v, n, n), tensors.FromFlatDataAndDimensions(slices.Clone(v), n, n)
	best := math.Inf(1)
	for r := range reps + 1 {
		t0 := time.Now()
		outs, err := e.Exec(a, b)
		if err != nil {
			return 0, err
		}
		tensors.MustCopyFlatData[float32](outs[0])
		if r > 0 {
			best = min(best, time.Since(t0).Seconds())
		}
		for _, o := range outs {
			o.MustFinalizeAll()
		}
	}
	return 2 * float64(n) * float64(n) * float64(n) / best / 1e9, nil
}

// trainFLOPs counts the FLOPs of one training step on a batch of the default model (mmlab.DefaultModelOptions)
// reading dataset modalities mods: forward = Σ over dense layers of 2·B·in·out (per modality
// the encoder's layers, 64 and 64 wide, then the head M·64→K) plus, for an image-shaped modality
// (CNN encoder), Σ over conv blocks of 2·B·H·W·9·C_in·C_out at the block's input size (H and W halve
// after every block); backward ≈ 2 × forward. Bias additions, ReLUs, pooling, the loss and the
// Adam update (≈ 10 FLOPs per parameter) are not counted.
func trainFLOPs(ds *datasets.Dataset, batch int, mods []int) float64 {
	mo := mmlab.DefaultModelOptions()
	b := float64(batch)
	fwd := 0.0
	for _, m := range mods {
		shape := ds.Modalities[m].Shape
		d := ds.Modalities[m].Size()
		if mo.UsesCNN(shape) {
			c, h, w := 1, shape[len(shape)-2], shape[len(shape)-1]
			if len(shape) == 3 {
				c = shape[0]
			}
			for _, out := range mo.Conv {
				fwd += 2 * b * float64(h*w*9*c*out)
				c, h, w = out, h/2, w/2
			}
			d = c * h * w
		}
		for _, hdim := range mo.Hidden {
			fwd += 2 * b * float64(d*hdim)
			d = hdim
		}
	}
	fwd += 2 * b * float64(len(mods)*mo.Hidden[len(mo.Hidden)-1]*ds.NumClasses)
	return 3 * fwd
}

// printAccuracies prints both sides' accuracies side by side.
func printAccuracies(goRuns, pyRuns []results.Run) error {
	type row struct {
		name   string
		method string
		m      int
		metric func(r *results.Run) float64
	}
	probe := func(m int) func(r *results.Run) float64 {
		return func(r *results.Run) float64 {
			if m < len(r.ProbeAcc) && r.ProbeAcc[m] != nil {
				return *r.ProbeAcc[m]
			}
			return math.NaN()
		}
	}
	rows := []row{
		{"test, uni m0", "uni", 0, results.MetricTestAcc},
		{"test, uni m1", "uni", 1, results.MetricTestAcc},
		{"test, joint", "joint", -1, results.MetricTestAcc},
		{"test, UME", "ume", -1, results.MetricTestAcc},
		{"test, UMT", "umt", -1, results.MetricTestAcc},
		{"both_hard, joint", "joint", -1, results.MetricSubsetAcc("both_hard")},
		{"both_hard, UME", "ume", -1, results.MetricSubsetAcc("both_hard")},
		{"both_hard, UMT", "umt", -1, results.MetricSubsetAcc("both_hard")},
		{"probe m0, uni", "uni", 0, probe(0)},
		{"probe m0, joint", "joint", -1, probe(0)},
		{"probe m0, UMT", "umt", -1, probe(0)},
		{"probe m1, uni", "uni", 1, probe(1)},
		{"probe m1, joint", "joint", -1, probe(1)},
		{"probe m1, UMT", "umt", -1, probe(1)},
	}
	values := func(runs []results.Run, r row) []float64 {
		var sel []results.Run
		for _, run := range runs {
			if run.Method == r.method && (r.m < 0 || (run.Modality != nil && *run.Modality == r.m)) {
				sel = append(sel, run)
			}
		}
		sort.Slice(sel, func(i, j int) bool { return sel[i].Seed < sel[j].Seed })
		var v []float64
		for i := range sel {
			v = append(v, r.metric(&sel[i]))
		}
		return v
	}
	fmt.Printf("  %-18s %-24s %-24s %s\n", "", "mmlab", "PyTorch", "Δ")
	for _, r := range rows {
		g, p := values(goRuns, r), values(pyRuns, r)
		if len(g) != len(p) || len(g) == 0 {
			return fmt.Errorf("%s: %d mmlab runs, %d PyTorch runs", r.name, len(g), len(p))
		}
		diff := results.PairedDifference(g, p)
		mark := ""
		if diff.N > 1 && math.Abs(diff.Mean) > diff.CI95 {
			mark = " *"
		}
		fmt.Printf("  %-18s %-24s %-24s %+.4f ± %.4f%s\n", r.name, results.Summarize(g), results.Summarize(p), diff.Mean, diff.CI95, mark)
	}
	for _, side := range []struct {
		name string
		runs []results.Run
	}{{"mmlab", goRuns}, {"PyTorch", pyRuns}} {
		var parts []string
		for _, method := range []string{"joint", "umt"} {
			gaps, err := results.LazinessGap(side.runs, method)
			if err != nil {
				return err
			}
			parts = append(parts, fmt.Sprintf("%s m0 %+.4f ± %.4f, m1 %+.4f ± %.4f", method, gaps[0].Mean, gaps[0].CI95, gaps[1].Mean, gaps[1].CI95))
		}
		fmt.Printf("  laziness gap (probe uni − probe method), %-7s: %s\n", side.name, strings.Join(parts, "; "))
	}
	return nil
}

// notebookTimes are the timings of a notebook executed twice.
type notebookTimes struct {
	first, second float64 // wall time of each nbrun.py run
	cells         []cellTime
}

type cellTime struct {
	index   int // 1-based, as nbrun.py numbers cells
	seconds float64
	first   string // the cell's first line
}

func (n *notebookTimes) secondsOf() []float64 {
	var s []float64
	for _, c := range n.cells {
		s = append(s, c.seconds)
	}
	return s
}

// timeNotebook executes the notebook twice with scripts/nbrun.py (through bench/nbtime.py, which
// times every cell) against a fresh results store (MMLAB_HOME in tmp, the installed ECharts script
// linked in) and returns the second run's per-cell times.
func timeNotebook(tmp, notebook string) (*notebookTimes, error) {
	realHome, err := results.DefaultHome()
	if err != nil {
		return nil, err
	}
	home := filepath.Join(tmp, "mmlab-home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	if err := os.Symlink(filepath.Join(realHome, "echarts"), filepath.Join(home, "echarts")); err != nil {
		return nil, err
	}
	nt := &notebookTimes{}
	var timesFile string
	for i, wall := range []*float64{&nt.first, &nt.second} {
		outDir := filepath.Join(tmp, fmt.Sprintf("notebook-run%d", i+1))
		timesFile = outDir + ".times.json"
		cmd := exec.Command(*flagPython, "bench/nbtime.py", timesFile, "--no-chart-check", "--out", outDir, notebook)
		cmd.Env = append(os.Environ(), results.HomeEnv+"="+home)
		t0 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("scripts/nbrun.py %s: %w\n%s", notebook, err, out)
		}
		*wall = time.Since(t0).Seconds()
		say("notebook %s run %d: %.1f s", notebook, i+1, *wall)
	}
	raw, err := os.ReadFile(timesFile)
	if err != nil {
		return nil, err
	}
	var times []struct {
		Cell    int     `json:"cell"`
		Seconds float64 `json:"seconds"`
	}
	if err := json.Unmarshal(raw, &times); err != nil {
		return nil, fmt.Errorf("%s: %w", timesFile, err)
	}
	var doc struct {
		Cells []struct {
			Source json.RawMessage `json:"source"`
		} `json:"cells"`
	}
	if raw, err = os.ReadFile(notebook); err == nil {
		err = json.Unmarshal(raw, &doc)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", notebook, err)
	}
	for _, t := range times {
		var src string
		if t.Cell >= 1 && t.Cell <= len(doc.Cells) {
			var lines []string
			if json.Unmarshal(doc.Cells[t.Cell-1].Source, &lines) == nil {
				src = strings.Join(lines, "")
			} else {
				_ = json.Unmarshal(doc.Cells[t.Cell-1].Source, &src)
			}
		}
		nt.cells = append(nt.cells, cellTime{index: t.Cell, seconds: t.Seconds, first: firstLine(src)})
	}
	if len(nt.cells) == 0 {
		return nil, fmt.Errorf("%s: no code cells were executed", notebook)
	}
	return nt, nil
}

// firstLine is the first line of a cell that says what it does (not an import block or blank).
func firstLine(src string) string {
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l == "%%" || strings.HasPrefix(l, "import") || l == ")" || strings.HasPrefix(l, "\"") {
			continue
		}
		if len(l) > 70 {
			l = l[:67] + "..."
		}
		return l
	}
	return ""
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// medianRatio is the median over rounds of a[i]/b[i] (each round's ratio is measured close in time).
func medianRatio(a, b []float64) float64 {
	r := make([]float64, len(a))
	for i := range a {
		r[i] = a[i] / b[i]
	}
	return median(r)
}

// maxRSSMiB is the process's peak resident set size so far: VmHWM of /proc/self/status, the
// high-water mark of this program's own memory. getrusage's ru_maxrss is the fallback only: on
// Linux it starts from the RSS of the spawning process (for the CNN workload's child process,
// the MLP study's driver), and Python children reported the Go driver's peak through it.
func maxRSSMiB() float64 {
	if raw, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if kib, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64); err == nil {
					return kib / 1024
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
