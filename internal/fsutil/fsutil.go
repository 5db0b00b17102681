// Package fsutil holds small file-system helpers shared by mmlab's packages.
package fsutil

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// CreateTemp creates a new file prefix+<random>+suffix in dir, exclusively, with permissions
// perm as reduced by the process's umask, the way os.Create treats 0666: unlike os.CreateTemp,
// whose files are always 0600, so that a file renamed into place from it gets the permissions
// the user's umask asks for (0644 under the usual 022, 0600 under 077).
func CreateTemp(dir, prefix, suffix string, perm fs.FileMode) (*os.File, error) {
	for range 100 {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		name := filepath.Join(dir, prefix+hex.EncodeToString(b)+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, prefix+"*"+suffix), Err: fs.ErrExist}
}
