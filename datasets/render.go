package datasets

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// Shared machinery of the procedural generators (avsynth, twoview).

// sampleChunk is how many samples a worker renders between progress reports.
const sampleChunk = 32

// sampleRand returns the random generator of one purpose of sample i of a split: PCG seeded
// with (seed, stream + 4·i + purpose), stream being the split's (streamTrain, …). Each sample
// and purpose has its own stream, so samples can be rendered in any order, on any number of
// goroutines, with the same result; and a purpose's draws do not shift when another purpose
// draws more or less (common random numbers across specs that differ only in a rate).
func sampleRand(seed int64, stream uint64, i, purpose int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream+uint64(4*i+purpose)))
}

// forEachSample calls render(w, i) for every i in [0, n), spread over up to GOMAXPROCS
// goroutines, each with its own worker state w from newWorker (scratch buffers, FFT plans).
// render must write only sample i's outputs. advance reports finished samples.
func forEachSample[W any](n int, newWorker func() W, render func(w W, i int), advance func(int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), (n+sampleChunk-1)/sampleChunk))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := newWorker()
			for {
				start := int(next.Add(sampleChunk)) - sampleChunk
				if start >= n {
					return
				}
				end := min(start+sampleChunk, n)
				for i := start; i < end; i++ {
					render(w, i)
				}
				advance(end - start)
			}
		})
	}
	wg.Wait()
}

// splitStreams are the PCG streams of train, val and test (as LazyPair's).
var splitStreams = [3]uint64{streamTrain, streamVal, streamTest}

// clamp01 limits x to [0, 1].
func clamp01(x float64) float64 { return min(max(x, 0), 1) }
