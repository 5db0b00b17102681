package results

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOpenStoreRemovesStaleTemps: temporary files left by a process killed before its rename are
// removed by the next OpenStore once older than StaleTempAge; fresh ones (a live writer's), records,
// blobs and other files are kept.
func TestOpenStoreRemovesStaleTemps(t *testing.T) {
	home := t.TempDir()
	store, err := OpenStore(home)
	if err != nil {
		t.Fatal(err)
	}
	key := Key("stale temps")
	run := &Run{Key: key, Method: "joint", Config: map[string]any{}}
	if err := store.Save(run); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveBlob(key, testBlobName, []byte("w")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(store.RecordPath(key))
	old := time.Now().Add(-StaleTempAge - time.Minute)
	write := func(path string, mtime time.Time) string {
		t.Helper()
		if err := os.WriteFile(path, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// What writeAtomic leaves after a kill between CreateTemp and Rename.
	staleRecord := write(filepath.Join(dir, "."+key+".json.123456.tmp"), old)
	staleBlob := write(filepath.Join(dir, "."+key+".weights.blob.98765.tmp"), old)
	staleCache := write(filepath.Join(home, "datasets", "lazypair-abc.mmds.tmp4242"), old)
	staleLease := write(store.LeasePath(key), old) // a killed process's, never claimed since
	staleBroken := write(filepath.Join(dir, "."+key+".lease.abc123.broken"), old)
	staleCacheLease := write(filepath.Join(home, "datasets", "lazypair-abc.mmds.lease"), old)
	fresh := write(filepath.Join(dir, "."+key+".json.777.tmp"), time.Now())
	freshLease := write(filepath.Join(dir, Key("other")+".lease"), time.Now())
	other := write(filepath.Join(dir, "notes.tmp"), old) // not a name the store makes
	if _, err := OpenStore(home); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{staleRecord, staleBlob, staleCache, staleLease, staleBroken, staleCacheLease} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("stale temporary file %s was not removed (stat: %v)", p, err)
		}
	}
	for _, p := range []string{fresh, freshLease, other, store.RecordPath(key), store.BlobPath(key, testBlobName)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s must be kept: %v", p, err)
		}
	}
	if _, found, err := store.Load(key); !found || err != nil {
		t.Errorf("the record no longer loads: found %v, err %v", found, err)
	}
}
