package main

// The CLI runs as a small supervisor around a child process of itself, so that a crash of the
// study (the Go runtime running out of memory, which exits with status 2, or the kernel's OOM
// killer) is reported as a failure (exit 1) and never as bad input (exit 2).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
)

// supervisedEnv marks the child process; its value is the supervisor's PID (informational).
const supervisedEnv = "MMLAB_SUPERVISED"

// childUsage is the exit status of a child for bad input; the supervisor turns it into exitUsage.
// Any other 2 from the child is the Go runtime's (a fatal error or an unrecovered panic).
const childUsage = 64

// mainExit is what main does: run the command directly when this process is the supervised
// child (or supervision is impossible), else start the child and map its status.
func mainExit() int {
	if os.Getenv(supervisedEnv) != "" || runtime.GOOS == "windows" {
		code := run(os.Args[1:], os.Stdout, os.Stderr)
		if code == exitUsage && os.Getenv(supervisedEnv) != "" {
			code = childUsage
		}
		return code
	}
	exe, err := os.Executable()
	if err != nil { // cannot re-execute: run unsupervised
		return run(os.Args[1:], os.Stdout, os.Stderr)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", supervisedEnv, os.Getpid()))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	stopWithParent(cmd)
	return supervise(cmd, os.Stderr)
}

// supervise runs cmd (the CLI as a child), forwards SIGINT and SIGTERM to it, and returns the
// CLI's exit status for the child's: its own statuses unchanged (childUsage → exitUsage); a
// runtime crash (status 2) or a death by signal → exitFailure, with a line on stderr saying so.
func supervise(cmd *exec.Cmd, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "mmlab: cannot start the study process: %v\n", err)
		return exitFailure
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case !errors.As(err, &exit):
		fmt.Fprintf(stderr, "mmlab: the study process failed: %v\n", err)
		return exitFailure
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		why := ""
		if ws.Signal() == syscall.SIGKILL {
			why = " (out of memory, killed by the kernel's OOM killer?)"
		}
		fmt.Fprintf(stderr, "mmlab: the study process was killed by signal %v%s\n", ws.Signal(), why)
		return exitFailure
	}
	switch code := exit.ExitCode(); code {
	case childUsage:
		return exitUsage
	case exitUsage:
		fmt.Fprintln(stderr, "mmlab: the study process crashed (a Go runtime fatal error, e.g. out of memory, "+
			"or an internal error; see above): this is a failure, not bad input")
		return exitFailure
	default:
		return code
	}
}
