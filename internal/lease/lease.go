// Package lease lets processes that share a directory — on one host, or on several hosts over a
// network file system — agree which of them computes a piece of work, so that it is computed
// once: the first to create the lease file computes, the others wait for the result. A lease
// whose holder died is taken over, so a crash never blocks the work for good.
//
// # What it relies on
//
// Only two operations of the file system, both within one directory:
//
//   - exclusive create (open with O_CREAT|O_EXCL) succeeds for exactly one of several
//     concurrent callers; local file systems do this, and so does NFS from version 3 on (Linux
//     clients since 2.6.5 send an exclusive CREATE to the server);
//   - rename is atomic: the old name is either still there or gone, never half of both.
//
// It does not use flock or fcntl locks (often missing or unreliable on NFS), hard links, or the
// clocks of other hosts: a lease is judged stale by this process's own monotonic clock, from
// whether the lease file's modification time changes (see Timeout). File attributes are read
// from a freshly opened file, which on NFS forces the client to revalidate them (close-to-open
// consistency), so an attribute cache does not hide a heartbeat.
//
// # Safety does not depend on it
//
// A lease only avoids duplicate work. Whoever writes the result must still write it atomically
// (a temporary file and a rename), and readers must still check it: in the rare races below two
// processes may both compute the same work, and then both write the same complete result.
//   - a holder stopped for longer than Timeout (SIGSTOP, a suspended machine) loses its lease to
//     a waiter, finishes anyway and notices the loss (Lost) — its result is still correct;
//   - two waiters that judge one stale lease at the same instant: one takes it over, the other
//     may move the winner's fresh lease aside and put it back (a window of microseconds).
//
// # Numbers
//
// A holder touches its lease file every Heartbeat (10 s). A waiter treats a lease as stale when
// any of these holds:
//   - the holder is a process on this host (same host name) that no longer exists (checked with
//     kill(pid, 0)): taken over at once;
//   - this waiter has watched the file for Timeout (90 s) without its modification time, size
//     or content changing: nine missed heartbeats, far beyond NFS's default attribute cache time
//     (acregmax, 60 s) and scheduling delays on a loaded machine;
//   - its modification time is more than MaxAge (10 min) in the past by this host's clock: a
//     lease left by a crash long ago is taken over at once, provided the hosts' clocks agree to
//     within minutes (NTP); a host whose clock is far ahead can only cause duplicate work.
package lease

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Timing of leases (see the package documentation). Tests shorten them.
var (
	// Heartbeat is how often a holder touches its lease file.
	Heartbeat = 10 * time.Second
	// Timeout is how long a waiter watches a lease file not change before it takes it over.
	Timeout = 90 * time.Second
	// MaxAge is how old (by the local clock) a lease file's modification time may be before the
	// lease is taken over at once.
	MaxAge = 10 * time.Minute
)

// maxLeaseBytes bounds what is read of a lease file.
const maxLeaseBytes = 4096

// Holder describes the process that holds a lease, as written in its lease file.
type Holder struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Token   string    `json:"token"` // random, unique to this lease
	Created time.Time `json:"created"`
}

// String names the holder, e.g. "process 1234 on node7".
func (h Holder) String() string {
	if h.PID == 0 {
		return "another process"
	}
	return fmt.Sprintf("process %d on %s", h.PID, h.Host)
}

// ErrHeld is what a *HeldError matches with errors.Is.
var ErrHeld = errors.New("lease held by another process")

// HeldError is Acquire's error when a live holder has the lease.
type HeldError struct {
	Path   string
	Holder Holder // zero if its file could not be read yet (it is being written)
}

// Error implements error.
func (e *HeldError) Error() string {
	return fmt.Sprintf("%s is held by %s", e.Path, e.Holder)
}

// Is makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Lease is a held lease. Its file is touched every Heartbeat until Release.
type Lease struct {
	path    string
	content []byte
	stop    chan struct{}
	done    chan struct{}
	lost    atomic.Bool
	once    sync.Once
}

// Path returns the lease file.
func (l *Lease) Path() string { return l.path }

// Lost reports whether the lease was found taken over (its file gone or replaced) by a
// heartbeat. A holder that lost its lease may finish its work: the result is the same.
func (l *Lease) Lost() bool { return l.lost.Load() }

// Release stops the heartbeat and removes the lease file if it is still this lease's. It is
// safe to call more than once.
func (l *Lease) Release() error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		if now, rerr := readLimited(l.path); rerr == nil && bytes.Equal(now, l.content) {
			if rerr := os.Remove(l.path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
				err = rerr
			}
		}
	})
	return err
}

// Acquire takes the lease at path (creating its directory if needed): it returns the held
// lease, or a *HeldError (errors.Is(err, ErrHeld)) when another live process holds it, or
// another error when the file cannot be created (e.g. a read-only directory). A stale lease
// (see the package documentation) is taken over. Acquire never blocks; a waiter calls it again
// after a while (its observation of the lease file is what makes Timeout work).
func Acquire(path string) (*Lease, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		l, err := create(path)
		if err == nil || !errors.Is(err, fs.ErrExist) {
			return l, err
		}
		content, holder, stale, err := inspect(path)
		if errors.Is(err, fs.ErrNotExist) && attempt < 3 {
			continue // released meanwhile: try again
		}
		if err != nil {
			return nil, err
		}
		if !stale || attempt >= 3 {
			return nil, &HeldError{Path: path, Holder: holder}
		}
		if !breakStale(path, content) {
			return nil, &HeldError{Path: path, Holder: holder}
		}
	}
}

// create makes the lease file exclusively and starts its heartbeat.
func create(path string) (*Lease, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	host, _ := os.Hostname()
	content, _ := json.Marshal(Holder{Host: host, PID: os.Getpid(), Token: hex.EncodeToString(tok),
		Created: time.Now().UTC().Truncate(time.Millisecond)})
	content = append(content, '\n')
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, err
	}
	l := &Lease{path: path, content: content, stop: make(chan struct{}), done: make(chan struct{})}
	go l.heartbeat()
	return l, nil
}

// heartbeat touches the lease file every Heartbeat while it is still this lease's.
func (l *Lease) heartbeat() {
	defer close(l.done)
	tick := time.NewTicker(Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			now, err := readLimited(l.path)
			if errors.Is(err, fs.ErrNotExist) || err == nil && !bytes.Equal(now, l.content) {
				l.lost.Store(true)
				return
			}
			t := time.Now()
			_ = os.Chtimes(l.path, t, t)
		}
	}
}

// observation is what this process last saw of a lease file, and since when (monotonic).
type observation struct {
	mtime   time.Time
	size    int64
	content string
	since   time.Time
}

var (
	observedMu sync.Mutex
	observed   = map[string]observation{}
)

// inspect reads the lease file at path and judges whether it is stale.
func inspect(path string) (content []byte, holder Holder, stale bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, holder, false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, holder, false, err
	}
	content, err = io.ReadAll(io.LimitReader(f, maxLeaseBytes))
	if err != nil {
		return nil, holder, false, err
	}
	_ = json.Unmarshal(content, &holder) // empty or partial while its creator writes it
	if host, _ := os.Hostname(); holder.PID > 0 && holder.Host == host && holder.PID != os.Getpid() && processGone(holder.PID) {
		return content, holder, true, nil
	}
	if time.Since(info.ModTime()) > MaxAge {
		return content, holder, true, nil
	}
	now := observation{mtime: info.ModTime(), size: info.Size(), content: string(content), since: time.Now()}
	observedMu.Lock()
	defer observedMu.Unlock()
	prev, ok := observed[path]
	if ok && prev.mtime.Equal(now.mtime) && prev.size == now.size && prev.content == now.content {
		return content, holder, time.Since(prev.since) >= Timeout, nil
	}
	observed[path] = now
	return content, holder, false, nil
}

// breakStale moves the stale lease file (which held content) aside and removes it. If what it
// moved is not that file (a new holder took it over meanwhile), it puts it back and reports
// false.
func breakStale(path string, content []byte) bool {
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	aside := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+hex.EncodeToString(suffix)+".broken")
	if err := os.Rename(path, aside); err != nil {
		return errors.Is(err, fs.ErrNotExist) // gone already: try to create it
	}
	moved, err := readLimited(aside)
	if err == nil && !bytes.Equal(moved, content) {
		_ = os.Rename(aside, path)
		return false
	}
	_ = os.Remove(aside)
	observedMu.Lock()
	delete(observed, path)
	observedMu.Unlock()
	return true
}

// readLimited reads at most maxLeaseBytes of the file at path.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxLeaseBytes))
}
