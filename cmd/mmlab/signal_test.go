//go:build unix

package main

import (
	"bytes"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSIGTERM: SIGTERM (what kill, systemd and batch schedulers send) stops a study like SIGINT:
// exit status 1 with a message, instead of the process dying with 143 and no word.
func TestSIGTERM(t *testing.T) {
	isolate(t)
	// Keep the test process alive whatever the command does with the signal.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGTERM)
	defer signal.Stop(guard)

	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"run", "--data", tinyData, "--methods", "joint", "--seeds", "50", "--epochs", "100"}, &stdout, &stderr)
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), "mmlab run:"); {
		if time.Now().After(deadline) {
			t.Fatalf("the study did not start; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != exitFailure || !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("after SIGTERM: exit status %d, stderr:\n%s\nwant %d and a message saying it was interrupted",
				code, stderr.String(), exitFailure)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the study went on after SIGTERM; stderr:\n%s", stderr.String())
	}
}
