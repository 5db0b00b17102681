//go:build unix

package main

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// childModeEnv tells TestSupervisedChild how to end.
const childModeEnv = "MMLAB_TEST_CHILD_MODE"

// TestSupervisedChild is not a test: it is a child process for TestSuperviseMapsStatuses, ending
// as its mode says.
func TestSupervisedChild(t *testing.T) {
	switch os.Getenv(childModeEnv) {
	case "":
		t.Skip("only runs as a child process")
	case "ok":
		os.Exit(exitOK)
	case "fail":
		os.Exit(exitFailure)
	case "usage":
		os.Exit(childUsage)
	case "panic":
		panic("an internal error")
	case "oom":
		// A real out-of-memory: with the address space capped, the Go runtime's allocation fails
		// (fatal error, exit status 2) long before the machine's memory is touched.
		var lim syscall.Rlimit
		_ = syscall.Getrlimit(syscall.RLIMIT_AS, &lim)
		lim.Cur = 8 << 30
		if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
			os.Exit(99)
		}
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 256<<20))
		}
	case "sigkill":
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// TestSuperviseMapsStatuses: the CLI's statuses pass through the supervisor (bad input still 2),
// while a crash — an unrecovered panic, the Go runtime running out of memory (both status 2 from
// the runtime), or death by SIGKILL (the kernel's OOM killer) — is a failure, 1, with a message.
// Before the supervisor, a crash exited 2, the status of bad input.
func TestSuperviseMapsStatuses(t *testing.T) {
	for _, tc := range []struct {
		mode, msg string
		want      int
	}{
		{"ok", "", exitOK},
		{"fail", "", exitFailure},
		{"usage", "", exitUsage},
		{"panic", "not bad input", exitFailure},
		{"oom", "out of memory", exitFailure},
		{"sigkill", "OOM killer", exitFailure},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSupervisedChild$")
			cmd.Env = append(os.Environ(), childModeEnv+"="+tc.mode)
			var childOut strings.Builder
			cmd.Stdout, cmd.Stderr = &childOut, &childOut
			var msg strings.Builder
			code := supervise(cmd, &msg)
			if code != tc.want || !strings.Contains(msg.String(), tc.msg) || tc.msg == "" && msg.Len() > 0 {
				t.Errorf("status %d, message %q; want %d and a message containing %q (child output: %.300s)",
					code, msg.String(), tc.want, tc.msg, childOut.String())
			}
			if tc.mode == "oom" && !strings.Contains(childOut.String(), "out of memory") {
				t.Errorf("the child did not run out of memory: %.300s", childOut.String())
			}
		})
	}
}
