package results

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileAtomic: a write that fails midway (as on a full disk) leaves the previous file
// intact and no temporary file behind; a successful one replaces it, mode 0644.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "study.json")
	if err := os.WriteFile(path, []byte(`{"old": true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	full := errors.New("no space left on device (injected)")
	syncFile = func(tmp *os.File) error {
		// A partial write has reached the disk when the device fills up.
		if err := tmp.Truncate(3); err != nil {
			return err
		}
		return full
	}
	err := WriteFileAtomic(path, []byte(`{"new": true}`+"\n"))
	syncFile = func(f *os.File) error { return f.Sync() }
	if !errors.Is(err, full) {
		t.Fatalf("got %v, want the injected error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != `{"old": true}`+"\n" {
		t.Errorf("after a failed write the file holds %q, want the previous content", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a failed write left %d files in the directory, want 1", len(entries))
	}
	if err := WriteFileAtomic(path, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if got, _ := os.ReadFile(path); err != nil || string(got) != "new\n" || fi.Mode().Perm() != 0o644 {
		t.Errorf("after a good write: %q, mode %v, err %v", got, fi.Mode(), err)
	}
}
