package main

import (
	"os/exec"
	"syscall"
)

// stopWithParent makes the kernel send the child SIGTERM if the supervisor dies (e.g. SIGKILL),
// so that the study is interrupted (its finished runs are in the store) instead of orphaned.
func stopWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
