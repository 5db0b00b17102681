package mmlab

// Benchmarks of training cost. They are not timed tests: nothing fails when they are slow. Run
// them without the tests (which would otherwise run first, the acceptance studies included):
//
//	go test -run '^$' -bench DefaultStudy -benchtime 1x ./mmlab/   # one default study
//	go test -run '^$' -bench '^BenchmarkTrainStep' ./mmlab/          # per-step cost per method
//	go test -run '^$' -bench CNN ./mmlab/                            # CNN encoders (images)
//	go test -run '^$' -bench FitReplicas -benchtime 2x ./mmlab/      # R networks: replicas vs one at a time
//	go test -run '^$' -bench StudyReplicas -benchtime 2x ./mmlab/    # default study: replicas vs one at a time
//
// Measured on this project's 2-core machine (GoMLX v0.28.16, pure-Go backend) while other jobs
// shared it: a default study 24.2 s; a training step 0.90 ms (uni), 1.14 ms (joint), 1.98 ms
// (umt), 2.44 ms (umt_free32). For comparison, docs/DESIGN.md §2.1 quotes ≈ 17 s for one default
// study of the PyTorch prototype on one core.
//
// Replicas (2026-11-29, same machine, 2 cores shared with two other helpers' builds, load 1–4):
// BenchmarkFitReplicas, 20 epochs, wall time replicas/one at a time, two runs half an hour apart:
// uni R=2 0.80 and 0.69, R=5 0.83 and 0.56; joint R=2 0.97 and 0.76, R=5 0.89 and 0.78.
// BenchmarkStudyReplicas (default study): 0.81 (35.7 s → 28.8 s) and 0.53 (40.2 s → 21.2 s);
// see bench/README.md for the make bench runs.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/mmlab-go/mmlab/datasets"
)

// BenchmarkDefaultStudy times the default study: 2 × uni, joint, UME and UMT (λ = 10, no free
// dimensions) on 5 seeds of the default LazyPair (2000 training samples, 150 epochs), with every
// evaluation and linear probe, and no results store — what a notebook cell pays the first time.
// ns/op is one whole study (25 runs: per seed uni m0, uni m1, joint and UMT trained, UME composed
// from the uni runs); s/study is the same in seconds.
func BenchmarkDefaultStudy(b *testing.B) {
	backend := testBackend(b)
	ops := 0
	for b.Loop() {
		res, err := RunStudy(context.Background(), Study{Dataset: "lazypair", Methods: []string{"joint", "ume", "umt"},
			Seeds: 5, Quiet: true, Backend: backend})
		if err != nil {
			b.Fatal(err)
		}
		if res.Trained != 25 {
			b.Fatalf("trained %d runs, want 25 (5 seeds × uni m0, uni m1, joint, ume, umt)", res.Trained)
		}
		ops++
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(ops), "s/study")
}

// BenchmarkStudyReplicas times the default study (as BenchmarkDefaultStudy) trained one network
// at a time (Replicas: 1) and with the default replicas, back to back in every iteration, so a
// changing machine load hits both; ratio is replicas/one-at-a-time wall time (below 1:
// replicas win). Both give the same runs (TestRunStudyReplicasMatchOneAtATime).
func BenchmarkStudyReplicas(b *testing.B) {
	backend := testBackend(b)
	var single, replicas float64
	for b.Loop() {
		for _, r := range []int{1, DefaultReplicas} {
			res, err := RunStudy(context.Background(), Study{Dataset: "lazypair", Methods: []string{"joint", "ume", "umt"},
				Seeds: 5, Quiet: true, Backend: backend, Replicas: r})
			if err != nil {
				b.Fatal(err)
			}
			if r == 1 {
				single += res.Seconds
			} else {
				replicas += res.Seconds
			}
		}
	}
	b.ReportMetric(single/float64(b.N), "s/one-at-a-time")
	b.ReportMetric(replicas/float64(b.N), "s/replicas")
	b.ReportMetric(replicas/single, "ratio")
}

// BenchmarkTrainStep times one optimizer step (a batch of 256 of the default LazyPair, forward,
// backward and Adam update) of each method's network, default model options. Each operation
// fits the network for ⌈b.N/7⌉ epochs (7 steps per epoch: 2000 samples, the incomplete last batch
// dropped); the graph compilation and the per-epoch validation pass are amortised into ns/op,
// which is the wall time divided by b.N. ns/step divides by the steps actually taken instead.
// UMT's teachers (trained for one epoch, outside the timing) only supply the distillation
// targets, so their quality does not matter here; umt_free32 has 32 free dimensions per encoder.
func BenchmarkTrainStep(b *testing.B) {
	ds := testData(b, "lazypair")
	const stepsPerEpoch = 2000 / 256
	newEnv := func(epochs, modality int) *Env {
		o := DefaultTrainOptions()
		o.Epochs = epochs
		return &Env{Data: ds, Seed: 0, Modality: modality, Model: DefaultModelOptions(),
			Engine: &Engine{Backend: testBackend(b), Options: o}, Name: b.Name(), Deps: map[string][]Predictor{}}
	}
	// The UMT teachers' features of the training split, computed once.
	var teachers [][]float32
	for m := range ds.Modalities {
		job, err := uniMethod{}.job(newEnv(1, m))
		if err != nil {
			b.Fatal(err)
		}
		net, _, err := newEnv(1, m).Engine.Fit(context.Background(), job)
		if err != nil {
			b.Fatal(err)
		}
		feats, _, _, err := net.Features(m, ds.Train)
		if err != nil {
			b.Fatal(err)
		}
		teachers = append(teachers, feats)
	}
	umtJob := func(freeDims int) func(env *Env) *TrainJob {
		return func(env *Env) *TrainJob {
			o := DefaultUMTOptions()
			o.FreeDims = freeDims
			return umtMethod{}.job(env, &o, teachers, nil)
		}
	}
	for _, bc := range []struct {
		name string
		job  func(env *Env) *TrainJob
	}{
		{"uni", func(env *Env) *TrainJob {
			job, err := uniMethod{}.job(env)
			if err != nil {
				b.Fatal(err)
			}
			return job
		}},
		{"joint", func(env *Env) *TrainJob { return jointMethod{}.job(env) }},
		{"umt", umtJob(0)},
		{"umt_free32", umtJob(32)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			epochs := (b.N + stepsPerEpoch - 1) / stepsPerEpoch
			modality := -1
			if bc.name == "uni" {
				modality = 0
			}
			env := newEnv(epochs, modality)
			job := bc.job(env)
			reportStepTime(b, env, job, epochs*stepsPerEpoch)
		})
	}
}

// reportStepTime trains job with env's engine, timing only the training, checks that it took
// steps optimizer steps, and reports the wall time per step as ns/step.
func reportStepTime(b *testing.B, env *Env, job *TrainJob, steps int) {
	b.Helper()
	b.ResetTimer()
	start := time.Now()
	net, _, err := env.Engine.Fit(context.Background(), job)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if net.Steps != steps {
		b.Fatalf("%d steps, want %d", net.Steps, steps)
	}
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(net.Steps), "ns/step")
}

// benchImages is a data set of random images for the CNN benchmarks: modality 0 holds
// [channels, size, size] images of N(0, 1) values, modality 1 a 2-vector; labels are random among
// 4 classes. Only the shapes matter for timing. Splits: 2048 training samples (8 batches of 256),
// 256 validation, 1024 test samples.
func benchImages(channels, size int) *datasets.Dataset {
	r := rand.New(rand.NewPCG(uint64(channels), uint64(size)))
	split := func(n int) *datasets.Split {
		s := &datasets.Split{Features: [][]float32{make([]float32, n*channels*size*size), make([]float32, 2*n)},
			Labels: make([]int32, n)}
		for _, f := range s.Features {
			for i := range f {
				f[i] = float32(r.NormFloat64())
			}
		}
		for i := range s.Labels {
			s.Labels[i] = int32(r.IntN(4))
		}
		return s
	}
	return &datasets.Dataset{Spec: "bench:images", NumClasses: 4,
		Modalities: []datasets.Modality{{Name: "img", Shape: []int{channels, size, size}}, {Name: "vec", Shape: []int{2}}},
		Train:      split(2048), Val: split(256), Test: split(1024)}
}

// BenchmarkCNNTrainStep times one optimizer step (batch 256: forward, backward, Adam) of a
// uni-modal network with the default CNN encoder (blocks of 16 and 32 channels, dense 64, 64,
// linear head) on [3, 16, 16] and [1, 16, 16] images, with the convolution computed by convSame
// (im2col, the implementation), by convSameSlices (im2col with Slice views differentiated by
// GoMLX) and by GoMLX's generic graph.Convolve (builtin), back to back. As in
// BenchmarkTrainStep, each operation fits ⌈b.N/8⌉ epochs (8 steps each) and ns/step is the wall
// time per step taken, compilation and the per-epoch validation pass included.
//
//	go test -run '^$' -bench CNN ./mmlab/
//
// Measured on the project's 2-core machine while other jobs loaded it (load average 2.5–3.8, so
// times vary by ±30% between runs; the best of 3 runs), GoMLX v0.28.16, pure-Go backend,
// GOEXPERIMENT=simd, ms per step:
//
//	input         convSame   convSameSlices   builtin   (GOMLX_BACKEND=go)
//	[3, 16, 16]      58            96            779
//	[1, 16, 16]      50            70            679
//	input         convSame                    builtin   (GOMLX_BACKEND=go:parallelism=-1)
//	[3, 16, 16]      73                          608
//	[1, 16, 16]      63                          479
//
// (convSame's first row was re-measured after its Pads switched to a −0 fill, against 61 and
// 54 ms before in the same session; the other cells are from one earlier session.) convSame is
// 10–13× faster than the builtin convolution; parallelism=-1 did not help it. The
// first channels-last im2col with Slice views took 110–156 ms per [3, 16, 16] step: Slice copies
// element by element, and the kernel gradient transposed the patches. A vector (MLP) uni step
// takes ≈ 1 ms (BenchmarkTrainStep).
func BenchmarkCNNTrainStep(b *testing.B) {
	const stepsPerEpoch = 2048 / 256
	variants := map[string]func(x, kernel *graph.Node) *graph.Node{"im2col": nil, "slices": convSameSlices, "builtin": convBuiltinCBHW}
	for _, impl := range []string{"im2col", "slices", "builtin"} {
		for _, channels := range []int{3, 1} {
			ds := benchImages(channels, 16)
			b.Run(fmt.Sprintf("%s/%dx16x16", impl, channels), func(b *testing.B) {
				epochs := (b.N + stepsPerEpoch - 1) / stepsPerEpoch
				env := testEnv(b, ds, epochs)
				env.Modality = 0
				env.Model.convOp = variants[impl]
				job, err := uniMethod{}.job(env)
				if err != nil {
					b.Fatal(err)
				}
				reportStepTime(b, env, job, epochs*stepsPerEpoch)
			})
		}
	}
}

// BenchmarkFitReplicas compares training R joint networks (seeds 0…R−1, each on its own dataset,
// default model and LazyPair, 20 epochs of 7 steps) one at a time with Fit against training them
// as replicas in one graph with FitReplicas. The two are run back to back in every iteration, so
// a changing machine load hits both; ratio is replicas/one-at-a-time wall time (below 1: replicas
// win).
func BenchmarkFitReplicas(b *testing.B) {
	spec, err := datasets.ParseSpec("lazypair")
	if err != nil {
		b.Fatal(err)
	}
	const epochs = 20
	for _, R := range []int{2, 5} {
		for _, method := range []string{"uni", "joint"} {
			b.Run(fmt.Sprintf("%s/R=%d", method, R), func(b *testing.B) {
				o := DefaultTrainOptions()
				o.Epochs = epochs
				engine := &Engine{Backend: testBackend(b), Options: o}
				var jobs []*TrainJob
				for s := range R {
					ds, err := spec.WithSeedOffset(s).Generate()
					if err != nil {
						b.Fatal(err)
					}
					env := &Env{Data: ds, Seed: s, Modality: 0, Model: DefaultModelOptions(), Engine: engine,
						Name: fmt.Sprintf("%s seed %d", method, s), Deps: map[string][]Predictor{}}
					job := jointMethod{}.job(env)
					if method == "uni" {
						if job, err = (uniMethod{}).job(env); err != nil {
							b.Fatal(err)
						}
					}
					jobs = append(jobs, job)
				}
				var single, replicas time.Duration
				for b.Loop() {
					t0 := time.Now()
					for _, job := range jobs {
						if _, _, err := engine.Fit(context.Background(), job); err != nil {
							b.Fatal(err)
						}
					}
					t1 := time.Now()
					if _, _, err := engine.FitReplicas(context.Background(), jobs); err != nil {
						b.Fatal(err)
					}
					single += t1.Sub(t0)
					replicas += time.Since(t1)
				}
				b.ReportMetric(single.Seconds()/float64(b.N), "s/one-at-a-time")
				b.ReportMetric(replicas.Seconds()/float64(b.N), "s/replicas")
				b.ReportMetric(replicas.Seconds()/single.Seconds(), "ratio")
			})
		}
	}
}

// BenchmarkCNNInference times the inference of a uni-modal network with the default CNN encoder
// (untrained: one epoch) on the 1024 test images ([3, 16, 16] and [1, 16, 16]): logits and
// features, as Network.Logits computes them for the analysis. ns/op is one pass over the 1024
// images, after the graph is compiled. Measured as above (best of 3): 116 µs per [3, 16, 16]
// image, 77 µs per [1, 16, 16] image.
func BenchmarkCNNInference(b *testing.B) {
	for _, channels := range []int{3, 1} {
		ds := benchImages(channels, 16)
		b.Run(fmt.Sprintf("%dx16x16", channels), func(b *testing.B) {
			env := testEnv(b, ds, 1)
			env.Modality = 0
			job, err := uniMethod{}.job(env)
			if err != nil {
				b.Fatal(err)
			}
			net, _, err := env.Engine.Fit(context.Background(), job)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := net.Logits(ds.Test); err != nil { // compiles the inference graph
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				split := *ds.Test // a new split each time: Network caches the last result per split
				if _, err := net.Logits(&split); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*ds.Test.Len()), "ns/image")
		})
	}
}
