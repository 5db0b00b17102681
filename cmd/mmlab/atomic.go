package main

import (
	"os"
	"path/filepath"
)

// outWriteHook, if set (by tests), is called with the temporary file after the data is written
// and before it is synced and renamed; an error from it fails the write as a full disk would.
var outWriteHook func(tmp *os.File) error

// writeFileAtomic writes data to path (--out) so that path holds either its previous content or
// the complete new one, never a truncated file: a hidden temporary file in the same directory,
// fsync, rename, fsync of the directory. On failure the temporary file is removed.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if outWriteHook != nil {
		if err = outWriteHook(tmp); err != nil {
			return err
		}
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil { // CreateTemp makes 0600; os.WriteFile made 0644
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // durability of the rename; best effort, not every file system supports it
		d.Close()
	}
	return nil
}
