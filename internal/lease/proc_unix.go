//go:build unix

package lease

import (
	"errors"
	"syscall"
)

// processGone reports whether no process with this PID exists on this host.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
