//go:build linux

package datasets

import (
	"io/fs"
	"syscall"
)

// statIdentity returns the device, inode and change time (ns) of a file, for npyFileID.
func statIdentity(fi fs.FileInfo) (dev, ino uint64, ctime int64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, fi.ModTime().UnixNano()
	}
	return uint64(st.Dev), st.Ino, st.Ctim.Nano()
}
