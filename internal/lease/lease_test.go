package lease

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// shorten sets short timings for one test.
func shorten(t *testing.T, heartbeat, timeout time.Duration) {
	t.Helper()
	oldH, oldT := Heartbeat, Timeout
	Heartbeat, Timeout = heartbeat, timeout
	t.Cleanup(func() { Heartbeat, Timeout = oldH, oldT })
}

// writeLease writes a lease file as a holder h would have.
func writeLease(t *testing.T, path string, h Holder) {
	t.Helper()
	data, _ := json.Marshal(h)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAcquireIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "k.lease")
	var mu sync.Mutex
	var held []*Lease
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := Acquire(path)
			if err != nil && !errors.Is(err, ErrHeld) {
				t.Errorf("Acquire: %v", err)
			}
			if l != nil {
				mu.Lock()
				held = append(held, l)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(held) != 1 {
		t.Fatalf("%d of 16 concurrent Acquire calls got the lease, want exactly 1", len(held))
	}
	if _, err := Acquire(path); !errors.Is(err, ErrHeld) {
		t.Fatalf("Acquire of a held lease: %v, want ErrHeld", err)
	}
	if err := held[0].Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Release left the lease file: %v", err)
	}
	l, err := Acquire(path)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l.Release()
}

// A lease whose holder is a dead process on this host is taken over at once.
func TestDeadHolderTakenOver(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs kill(pid, 0)")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	host, _ := os.Hostname()
	path := filepath.Join(t.TempDir(), "k.lease")
	writeLease(t, path, Holder{Host: host, PID: cmd.Process.Pid, Token: "dead"})
	l, err := Acquire(path)
	if err != nil {
		t.Fatalf("a dead process's lease was not taken over: %v", err)
	}
	defer l.Release()
	// A live holder on this host (this test's parent shell, or init) is respected.
	other := filepath.Join(t.TempDir(), "live.lease")
	writeLease(t, other, Holder{Host: host, PID: os.Getppid(), Token: "live"})
	if _, err := Acquire(other); !errors.Is(err, ErrHeld) {
		t.Fatalf("a live process's lease: %v, want ErrHeld", err)
	}
}

// A lease whose file stops changing is taken over after Timeout, and only then.
func TestSilentHolderTimesOut(t *testing.T) {
	shorten(t, 20*time.Millisecond, 300*time.Millisecond)
	path := filepath.Join(t.TempDir(), "k.lease")
	writeLease(t, path, Holder{Host: "some-other-host", PID: 42, Token: "silent"})
	start := time.Now()
	for {
		l, err := Acquire(path)
		if err == nil {
			l.Release()
			break
		}
		var held *HeldError
		if !errors.As(err, &held) || held.Holder.PID != 42 {
			t.Fatalf("Acquire: %v, want a HeldError naming pid 42", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("a silent lease was never taken over")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if took := time.Since(start); took < Timeout {
		t.Fatalf("taken over after %v, before Timeout %v", took, Timeout)
	}
}

// A live holder's heartbeat keeps its lease however long a waiter waits.
func TestHeartbeatKeepsLease(t *testing.T) {
	shorten(t, 20*time.Millisecond, 200*time.Millisecond)
	path := filepath.Join(t.TempDir(), "k.lease")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(4 * Timeout); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if _, err := Acquire(path); !errors.Is(err, ErrHeld) {
			t.Fatalf("a heartbeating lease was taken: %v", err)
		}
	}
	if l.Lost() {
		t.Fatal("the holder thinks it lost its lease")
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}

// An old lease file is taken over at once; a holder whose file is replaced notices.
func TestOldLeaseAndLost(t *testing.T) {
	shorten(t, 20*time.Millisecond, time.Hour)
	path := filepath.Join(t.TempDir(), "k.lease")
	writeLease(t, path, Holder{Host: "some-other-host", PID: 42, Token: "old"})
	old := time.Now().Add(-2 * MaxAge)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(path)
	if err != nil {
		t.Fatalf("a lease untouched for 2×MaxAge was not taken over: %v", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(5 * time.Second); !l.Lost(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the holder did not notice its lease file was removed")
		}
	}
	writeLease(t, path, Holder{Host: "x", PID: 1, Token: "other"})
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Release removed another holder's lease file: %v", err)
	}
}

// TestRemoteHolder simulates a holder on another host sharing the directory (e.g. over NFS): its
// PID cannot be probed from here (the PID of a process that died on this host must not count),
// and its clock is hours ahead of this host's. While it heartbeats the lease is respected;
// once it stops, the lease is taken over by the heartbeat's age on this waiter's own clock
// (Timeout), whatever the holder's clock said. A holder whose clock is far behind (mtime older
// than MaxAge) loses its lease at once: the documented cost of clock skew is duplicate work.
func TestRemoteHolder(t *testing.T) {
	shorten(t, 20*time.Millisecond, 300*time.Millisecond)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	path := filepath.Join(t.TempDir(), "k.lease")
	writeLease(t, path, Holder{Host: "other-host.example", PID: dead.Process.Pid, Token: "remote"})
	skew := 3 * time.Hour // the remote host's clock is ahead
	beat := func(i int) {
		at := time.Now().Add(skew + time.Duration(i)*time.Millisecond)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Error(err)
		}
	}
	var last time.Time // of the last heartbeat
	for i, end := 0, time.Now().Add(4*Timeout); time.Now().Before(end); i++ {
		beat(i)
		last = time.Now()
		if l, err := Acquire(path); !errors.Is(err, ErrHeld) {
			if err == nil {
				l.Release()
			}
			t.Fatalf("a heartbeating remote lease was taken over: %v", err)
		}
		time.Sleep(Heartbeat)
	}
	// The remote holder has stopped (crashed); its mtime stays 3 h ahead.
	for {
		l, err := Acquire(path)
		if err == nil {
			l.Release()
			break
		}
		if !errors.Is(err, ErrHeld) || time.Since(last) > 5*time.Second {
			t.Fatalf("a silent remote lease: %v after %v, want it taken over after Timeout", err, time.Since(last))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(last); took < Timeout {
		t.Errorf("taken over %v after the last heartbeat, before Timeout %v", took, Timeout)
	}
	// A remote clock far behind: its fresh heartbeat looks older than MaxAge here.
	writeLease(t, path, Holder{Host: "other-host.example", PID: 42, Token: "behind"})
	behind := time.Now().Add(-2 * MaxAge)
	if err := os.Chtimes(path, behind, behind); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(path)
	if err != nil {
		t.Fatalf("a lease whose mtime is 2×MaxAge old: %v, want it taken over at once", err)
	}
	l.Release()
}
