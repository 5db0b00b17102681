//go:build unix

package datasets

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestCacheFilesFollowUmask: cache files and SaveNPY's files get 0644 as reduced by the umask
// (private under 077), and the cache's temporary files are hidden.
func TestCacheFilesFollowUmask(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	g := newCountingGenerator(3)
	npyDir := t.TempDir()
	old := syscall.Umask(0o077)
	d := g.get(t, c)
	err := SaveNPY(npyDir, d)
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := c.Path(g.spec.String())
	files, _ := filepath.Glob(filepath.Join(npyDir, "*.npy"))
	for _, p := range append(files, path) {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != 0o600 {
			t.Errorf("umask 077: %s has mode %03o, want 600", filepath.Base(p), got)
		}
	}
	if len(files) == 0 {
		t.Error("SaveNPY wrote no .npy file")
	}
}
