package results

// Clean-up of temporary files that a killed process left behind (OpenStore).

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// StaleTempAge is how old a temporary file in the store must be for OpenStore to remove it. A
// process writes a record or blob to a temporary file and renames it within a fraction of a
// second; one killed in between (SIGKILL, power loss) leaves the temporary file, which nothing
// else would ever remove. An hour is far longer than any write (so a live writer of another
// process, even on a slow shared file system, never loses its file) and short enough that
// leftovers do not pile up.
const StaleTempAge = time.Hour

// isStoreTemp reports whether name (in a directory of dir kind "runs" or "datasets") is one of
// the store's temporary files: records and blobs are written through ".<file>.<random>.tmp"
// (writeAtomic), dataset caches through "<file>.mmds.tmp<random>" (package datasets).
func isStoreTemp(kind, name string) bool {
	switch kind {
	case "runs":
		return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp") || isLeaseLeftover(name, ".json")
	case "datasets":
		return strings.Contains(name, ".mmds.tmp") || isLeaseLeftover(name, ".mmds")
	}
	return false
}

// isLeaseLeftover reports whether name is a lease file (<key>.lease next to <key><ext>, see
// Store.Claim) or a stale lease moved aside to be deleted (".<name>.lease.<random>.broken"). A
// live holder touches its lease every LeaseHeartbeat, so one untouched for StaleTempAge is a
// dead process's that nobody has claimed since.
func isLeaseLeftover(name, ext string) bool {
	if ext == ".json" {
		ext = ""
	}
	return strings.HasSuffix(name, ext+".lease") ||
		strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".broken") && strings.Contains(name, ext+".lease.")
}

// removeStaleTemps removes the store's temporary files under home/runs/<xx>/ and home/datasets/
// last modified before now − StaleTempAge, and returns how many it removed. It is best effort:
// errors (another process removing the same file, permissions) are ignored.
func removeStaleTemps(home string, now time.Time) int {
	removed := 0
	clean := func(kind, dir string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !isStoreTemp(kind, e.Name()) {
				continue
			}
			info, err := e.Info()
			if err != nil || now.Sub(info.ModTime()) < StaleTempAge {
				continue
			}
			if os.Remove(filepath.Join(dir, e.Name())) == nil {
				removed++
			}
		}
	}
	runs := filepath.Join(home, "runs")
	if entries, err := os.ReadDir(runs); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				clean("runs", filepath.Join(runs, e.Name()))
			}
		}
	}
	clean("datasets", filepath.Join(home, "datasets"))
	return removed
}
