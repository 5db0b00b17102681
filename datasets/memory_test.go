package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withAvailable makes AvailableMemory report bytes for one test.
func withAvailable(t *testing.T, bytes int64) {
	old := availableMemory
	availableMemory = func() (int64, string, bool) { return bytes, "a test's limit", true }
	t.Cleanup(func() { availableMemory = old })
}

// TestMemoryCheckedBeforeGenerating: a valid spec whose features do not fit the memory
// available is a *MemoryError before anything is generated or read (no cache file, no data
// read), instead of a process killed for running out of memory.
func TestMemoryCheckedBeforeGenerating(t *testing.T) {
	withAvailable(t, 1<<20) // 1 MiB
	dir := t.TempDir()
	for _, spec := range []string{"avsynth", "twoview", "lazypair"} {
		s := mustParse(t, spec)
		var err error
		if g, ok := s.(interface{ GenerateWith(Cache) (*Dataset, error) }); ok {
			_, err = g.GenerateWith(Cache{Dir: dir})
		} else {
			_, err = s.Generate()
		}
		var mem *MemoryError
		if !errors.As(err, &mem) || mem.What != s.String() || mem.Available != 1<<20 || mem.Need <= mem.Available ||
			!strings.Contains(err.Error(), "a test's limit") {
			t.Errorf("%s: %v, want a MemoryError naming the spec", spec, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the cache holds %d files, want none", len(entries))
	}
	// A user's array: refused from its header, before its data is read.
	data := writeDir(t, baseFiles(t))
	withAvailable(t, 100)
	_, err := ParseSpec("npy:" + data)
	var mem *MemoryError
	if !errors.As(err, &mem) || mem.What != filepath.Join(data, "labels.npy") {
		t.Errorf("npy: %v, want a MemoryError naming labels.npy", err)
	}
	withAvailable(t, 1<<30)
	mustParse(t, "npy:"+data)
}

// TestAvailableMemory: on Linux the estimate comes from the kernel (or a limit) and is positive.
func TestAvailableMemory(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc/meminfo")
	}
	b, source, ok := AvailableMemory()
	if !ok || b <= 0 || source == "" {
		t.Errorf("AvailableMemory() = %d, %q, %v; want a positive estimate with its source", b, source, ok)
	}
}
