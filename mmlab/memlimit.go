package mmlab

// A soft memory limit for the duration of a study (ours). Most of a CNN study's peak memory is
// not live data but the pure-Go backend's pooled intermediate buffers (sync.Pool, keyed by
// size: the im2col patches and activations of a training step and of every evaluation pass).
// Go's garbage collector counts pooled buffers as live until the collection after next and, with
// its default GOGC=100, lets the heap grow to twice what the last collection kept: a 5-seed
// CNN study on avsynth (ume, joint, umt; 25 runs) peaked at 2.8 GB RSS. With a soft limit
// (runtime/debug.SetMemoryLimit) the collector runs more often as the heap approaches it and
// drops the pooled buffers; it does not change any computed value. Measured on this project's
// shared 2-core machine (load average ≈ 20), a 2-seed, 1-epoch avsynth study (10 runs):
// max RSS 1949 MiB in 347 s without a limit, 766 MiB in 278 s with GOMEMLIMIT=700MiB.
// The limit only drops memory the collector can free: it cannot make a study fit in less than
// its live data and its largest evaluation's buffers.

import (
	"math"
	"runtime/debug"
	"sync"

	"github.com/mmlab-go/mmlab/datasets"
)

const (
	// studyMemoryBase is the study memory limit's part for everything but the data: the
	// backend's working buffers, compiled graphs, weights.
	studyMemoryBase = 512 << 20
	// studyMemoryPerDataByte is the limit's bytes per byte of the datasets the study holds: the
	// dataset, its resident copies in training (one per replica) and in evaluation, and headroom.
	studyMemoryPerDataByte = 4
	// studyMemoryPerSplitByte is the limit's bytes per byte of the largest split held: an
	// evaluation pass computes a whole split at once, and a CNN's activations and im2col patches
	// are many times its input (avsynth: ≈ 23 × the input bytes of the evaluated samples).
	// Together the three terms keep the limit above the live heap, where the collector would run
	// continuously (up to half the CPU); on large image sets the limit is then far above what
	// small ones need, and rarely binds.
	studyMemoryPerSplitByte = 16
)

// memoryLimit is the soft memory limit RunStudy sets: only when the process has none (GOMEMLIMIT
// unset and debug.SetMemoryLimit not called), studyMemoryBase + studyMemoryPerDataByte × the
// bytes of the datasets the study holds + studyMemoryPerSplitByte × the bytes of the largest of
// their splits (studyMemoryLimit), updated as it generates and releases them, and removed when
// RunStudy returns.
type memoryLimit struct {
	active bool
}

// memoryLimitMu serialises the limit's changes between concurrent studies (the first one that
// finds no limit owns it; the others leave it alone).
var memoryLimitMu sync.Mutex

// start sets the limit for a study that holds no data yet, if the process has no limit.
func (l *memoryLimit) start() {
	memoryLimitMu.Lock()
	defer memoryLimitMu.Unlock()
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return // the user's limit, or another study's
	}
	l.active = true
	debug.SetMemoryLimit(studyMemoryBase)
}

// update sets the limit for the datasets held now.
func (l *memoryLimit) update(held map[string]*datasets.Dataset) {
	if !l.active {
		return
	}
	memoryLimitMu.Lock()
	defer memoryLimitMu.Unlock()
	debug.SetMemoryLimit(studyMemoryLimit(held))
}

// studyMemoryLimit is the limit for the datasets held (see memoryLimit).
func studyMemoryLimit(held map[string]*datasets.Dataset) int64 {
	var data, split int64
	for _, ds := range held {
		for _, s := range []*datasets.Split{ds.Train, ds.Val, ds.Test} {
			b := splitBytes(s)
			data += b
			split = max(split, b)
		}
	}
	return studyMemoryBase + studyMemoryPerDataByte*data + studyMemoryPerSplitByte*split
}

// stop removes the limit start set.
func (l *memoryLimit) stop() {
	if !l.active {
		return
	}
	memoryLimitMu.Lock()
	defer memoryLimitMu.Unlock()
	debug.SetMemoryLimit(math.MaxInt64)
	l.active = false
}

// splitBytes is the size of s's features and labels in memory.
func splitBytes(s *datasets.Split) int64 {
	if s == nil {
		return 0
	}
	var n int64
	for _, f := range s.Features {
		n += 4 * int64(len(f))
	}
	return n + 4*int64(len(s.Labels))
}
