package results

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStoreSyncsDirectories: a save fsyncs the record's directory, and the parent of a directory it
// had to create; a directory fsync error fails the save instead of being ignored.
func TestStoreSyncsDirectories(t *testing.T) {
	store, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var synced []string
	var fail error
	syncDir = func(d *os.File) error {
		synced = append(synced, d.Name())
		if fail != nil {
			return fail
		}
		return d.Sync()
	}
	defer func() { syncDir = func(d *os.File) error { return d.Sync() } }()

	key := Key("synced")
	run := &Run{Key: key, Method: "joint"}
	if err := store.Save(run); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(store.RecordPath(key))
	if !slices.Contains(synced, dir) || !slices.Contains(synced, filepath.Dir(dir)) {
		t.Errorf("synced %q: want the new directory %s and its parent", synced, dir)
	}
	fail = errors.New("input/output error (injected)")
	err = store.Save(run)
	if !errors.Is(err, fail) || !strings.Contains(err.Error(), "fsync of directory") {
		t.Errorf("Save with a failing directory fsync: got %v, want the fsync error", err)
	}
}
