//go:build !linux

package main

import "os/exec"

// stopWithParent does nothing where the kernel cannot signal a child when its parent dies.
func stopWithParent(cmd *exec.Cmd) {}
