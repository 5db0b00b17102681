package results

// Work sharing between processes that use one results store: a run being computed by one
// process is waited for by the others instead of being trained again.

import (
	"fmt"
	"strings"
	"time"

	"github.com/mmlab-go/mmlab/internal/lease"
)

// Lease timing (internal/lease documents the rule): a holder touches its lease file every
// LeaseHeartbeat; a waiter takes a lease over when its holder is a dead process on the same
// host, when the waiter has watched the file for LeaseTimeout without it changing, or when the
// file's modification time is more than LeaseMaxAge old by the waiter's clock.
// They are internal/lease's defaults.
const (
	LeaseHeartbeat = 10 * time.Second
	LeaseTimeout   = 90 * time.Second
	LeaseMaxAge    = 10 * time.Minute
)

// ErrLeaseHeld is matched (errors.Is) by Store.Claim's error when another live process holds
// the lease; the error's text names it ("process 1234 on node7").
var ErrLeaseHeld = lease.ErrHeld

// Lease is a claim on computing one run of a results store (Store.Claim). While it is held its
// file, <home>/runs/<key[:2]>/<key>.lease, is touched every LeaseHeartbeat by a goroutine.
type Lease struct{ l *lease.Lease }

// Release gives the lease up (removing its file if it is still this lease's). Call it after the
// run's record is saved, or when giving up on the run. It is safe to call more than once.
func (l *Lease) Release() error {
	if err := l.l.Release(); err != nil {
		return fmt.Errorf("results.Lease.Release: %w", err)
	}
	return nil
}

// Lost reports whether another process took the lease over (it judged this holder dead, e.g.
// after the process was stopped for longer than LeaseTimeout). The holder may still save its
// run: both processes then store the same complete record.
func (l *Lease) Lost() bool { return l.l.Lost() }

// LeasePath returns the lease file of key, <home>/runs/<key[:2]>/<key>.lease.
func (s *Store) LeasePath(key string) string {
	return strings.TrimSuffix(s.RecordPath(key), ".json") + ".lease"
}

// Claim takes the lease on computing run key, so that other processes sharing the store wait
// for this one instead of computing the same run (RunStudy does this for every run it trains).
// It never blocks: it returns the held lease, or an error matching ErrLeaseHeld when another
// live process holds it, or another error when the lease file cannot be created (a read-only
// store). The protocol:
//
//	lease, err := store.Claim(key)
//	switch {
//	case errors.Is(err, mmlab.ErrLeaseHeld): // someone else computes it: Load it later
//	case err != nil:                         // no leases here: compute without one
//	default:
//		defer lease.Release()
//		// Load(key) once more: a holder saves, then releases, so a run missing before the
//		// claim may be stored now. If it is still missing, compute it and Save it.
//	}
//
// A claim relies only on exclusive file creation and atomic rename within one directory, so it
// works on local disks and on NFS (version 3 or later), without flock; see LeaseTimeout for how
// the lease of a process that crashed is taken over. Leases only prevent duplicate work: records
// are still written atomically and checked when loaded, so a lease lost in a rare race costs
// time, never a wrong record.
func (s *Store) Claim(key string) (*Lease, error) {
	if err := validKey(key); err != nil {
		return nil, fmt.Errorf("results.Store.Claim: %w", err)
	}
	l, err := lease.Acquire(s.LeasePath(key))
	if err != nil {
		return nil, fmt.Errorf("results.Store.Claim: run %s: %w", key, err)
	}
	return &Lease{l: l}, nil
}

// RunClaimer is implemented by a RunStore whose runs can be claimed by one of several processes
// sharing it (*Store does). RunStudy claims every run before training it and waits for runs that
// another process has claimed.
type RunClaimer interface {
	Claim(key string) (*Lease, error)
}
