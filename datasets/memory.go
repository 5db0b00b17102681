package datasets

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
)

// Running out of memory. A Go program cannot recover from the runtime's "out of memory" (a
// fatal error, not a panic), nor from the kernel's OOM killer (SIGKILL); debug.SetMemoryLimit
// is a target for the garbage collector, not a limit at which allocation fails. So a program
// that uses this package — a notebook kernel, say — would simply die. What can be done is to
// refuse before allocating: before a dataset is generated (lazypair, avsynth, twoview,
// avmnist) or a user's array is read, the memory its features need is compared with
// AvailableMemory, and a shortfall is a *MemoryError, returned like any other error, so the
// caller sees it and survives. It is a failure of the machine, not bad input: the same spec
// runs on a larger one (the CLI exits 1 for it, 2 for bad input).
//
// The check is an estimate: it counts the features themselves (not what training allocates on
// top of them, a few copies of a batch and the model), against memory that other processes may
// take before it is used. Training that runs out of memory later still kills the process; the
// CLI runs the study in a child process and reports that as a failure (exit 1).

// MemoryError reports that a dataset would need more memory than is available.
type MemoryError struct {
	What      string // the spec, or the file, that needs it
	Need      int64  // bytes
	Available int64  // bytes
	Source    string // where Available comes from, e.g. "MemAvailable in /proc/meminfo"
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("datasets: %s needs %.3g GiB of memory for its features, more than the %.3g GiB available (%s); use a smaller dataset or a machine with more memory",
		e.What, float64(e.Need)/(1<<30), float64(e.Available)/(1<<30), e.Source)
}

// availableMemory is AvailableMemory; tests replace it.
var availableMemory = systemAvailableMemory

// MemoryBudget, when positive, is the memory in bytes this process means to use at most: a
// program on a shared machine (a notebook, a test) sets it, and AvailableMemory then counts
// no more than MemoryBudget less what the process already uses. Zero means no budget. (A Go
// memory limit, GOMEMLIMIT or debug.SetMemoryLimit, is not used: it is a target for the
// garbage collector, which mmlab.RunStudy itself sets while a study runs, not a limit.)
var MemoryBudget int64

// AvailableMemory returns an estimate of how many more bytes this process can allocate, and
// where the estimate comes from: the least of the kernel's MemAvailable (/proc/meminfo), the
// room left under this process's cgroup (v2) memory.max, and the room left under
// MemoryBudget. ok is false where none is known (then nothing is refused).
func AvailableMemory() (bytes int64, source string, ok bool) { return availableMemory() }

func systemAvailableMemory() (int64, string, bool) {
	best, source := int64(math.MaxInt64), ""
	consider := func(b int64, s string) {
		if b < best {
			best, source = b, s
		}
	}
	if v, ok := meminfoAvailable(); ok {
		consider(v, "MemAvailable in /proc/meminfo")
	}
	if limit, used, ok := cgroupMemory(); ok {
		consider(max(limit-used, 0), "the cgroup's memory.max less memory.current")
	}
	if budget := MemoryBudget; budget > 0 {
		sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		metrics.Read(sample)
		used := int64(0)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			used = int64(min(sample[0].Value.Uint64(), math.MaxInt64))
		}
		consider(max(budget-used, 0), "datasets.MemoryBudget less what the process uses")
	}
	return best, source, source != ""
}

// meminfoAvailable reads MemAvailable from /proc/meminfo (Linux).
func meminfoAvailable() (int64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// cgroupMemory reads this process's cgroup v2 memory.max and memory.current; ok is false
// without a cgroup v2 limit.
func cgroupMemory() (limit, used int64, ok bool) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, 0, false
	}
	path, found := strings.CutPrefix(strings.TrimSpace(string(data)), "0::")
	if !found || strings.Contains(path, "\n") {
		return 0, 0, false
	}
	read := func(name string) (int64, bool) {
		b, err := os.ReadFile("/sys/fs/cgroup" + path + "/" + name)
		if err != nil {
			return 0, false
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64) // "max" fails: no limit
		return v, err == nil
	}
	limit, ok1 := read("memory.max")
	used, ok2 := read("memory.current")
	return limit, used, ok1 && ok2
}

// checkMemory returns a *MemoryError when need bytes are more than AvailableMemory.
func checkMemory(what string, need float64) error {
	avail, source, ok := availableMemory()
	if !ok || need <= float64(avail) {
		return nil
	}
	return &MemoryError{What: what, Need: int64(min(need, math.MaxInt64)), Available: avail, Source: source}
}
