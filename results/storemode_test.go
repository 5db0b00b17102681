//go:build unix

package results

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestStoreFilesFollowUmask: records, blobs and WriteFileAtomic's files get 0644 as reduced by
// the umask (private under 077), not 0644 whatever the umask.
func TestStoreFilesFollowUmask(t *testing.T) {
	store, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		umask int
		want  os.FileMode
	}{{0o077, 0o600}, {0o022, 0o644}, {0o027, 0o640}} {
		old := syscall.Umask(tc.umask)
		key := Key(tc.umask)
		err1 := store.Save(&Run{Key: key, Method: "joint", Config: map[string]any{}})
		err2 := store.SaveBlob(key, testBlobName, []byte("w"))
		out := filepath.Join(t.TempDir(), "out.json")
		err3 := WriteFileAtomic(out, []byte("{}"))
		syscall.Umask(old)
		for _, err := range []error{err1, err2, err3} {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, path := range []string{store.RecordPath(key), store.BlobPath(key, testBlobName), out} {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != tc.want {
				t.Errorf("umask %03o: %s has mode %03o, want %03o", tc.umask, filepath.Base(path), got, tc.want)
			}
		}
	}
}

// TestQuarantineKeepsAConcurrentGoodWrite: when another process saves a good record just as a
// corrupt one is being moved aside, the good record stays (and loads); only the corrupt bytes
// end up in .corrupt.
func TestQuarantineKeepsAConcurrentGoodWrite(t *testing.T) {
	store, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run := &Run{Key: Key("quarantine race"), Method: "joint", Config: map[string]any{}, TestAcc: 0.5}
	path := store.RecordPath(run.Key)
	if err := store.Save(run); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"format": "mmlab-run", "trunc`), 0o644); err != nil {
		t.Fatal(err)
	}
	raced := false
	quarantineHook = func(string) {
		if !raced {
			raced = true
			if err := store.Save(run); err != nil { // the other process's complete write
				t.Error(err)
			}
		}
	}
	defer func() { quarantineHook = func(string) {} }()
	got, found, err := store.Load(run.Key)
	if !raced {
		t.Fatal("the hook did not run: the corrupt record was not moved aside")
	}
	if err != nil || !found || got.TestAcc != 0.5 {
		t.Fatalf("Load: found %v, err %v: the good record written during the move was lost", found, err)
	}
	if _, found, err := store.Load(run.Key); !found || err != nil {
		t.Fatalf("the good record is no longer in place: found %v, err %v", found, err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// testBlobName is the blob name the store tests save under (RunStudy uses "weights", WeightsBlob).
const testBlobName = "weights"
