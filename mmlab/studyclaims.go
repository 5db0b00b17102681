package mmlab

// RunStudy's side of work sharing (see RunClaimer and Store.Claim).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mmlab-go/mmlab/results"
)

// claimPoll is how often RunStudy looks again at runs that other processes are computing, when
// nothing else is left for it to do (a Load and a lease check per run: cheap).
var claimPoll = 200 * time.Millisecond

// claimState is what studyClaims.claim found.
type claimState int

const (
	claimMine   claimState = iota // this call computes the run (it holds its lease, or there are none)
	claimStored                   // another process stored it since the plan: p.run is loaded
	claimBusy                     // another live process is computing it
)

// studyClaims holds the leases of one RunStudy call.
type studyClaims struct {
	store    RunStore
	claimer  results.RunClaimer // nil: the store takes no leases
	out      io.Writer
	quiet    bool
	warn     func(format string, args ...any)
	held     map[*plannedRun]*results.Lease
	told     map[*plannedRun]bool // "waiting for" was printed
	noLeases bool                 // a claim failed for another reason than a holder: stop trying
}

func newClaims(store RunStore, out io.Writer, quiet bool, warn func(string, ...any)) *studyClaims {
	claimer, _ := store.(results.RunClaimer)
	return &studyClaims{store: store, claimer: claimer, out: out, quiet: quiet, warn: warn,
		held: map[*plannedRun]*results.Lease{}, told: map[*plannedRun]bool{}}
}

// claim claims run p, which the plan found missing from the store. After a successful claim it
// loads p once more: a holder saves its record before it releases its lease, so a run that
// another process finished after the plan was made is found here and not computed again.
func (c *studyClaims) claim(p *plannedRun) claimState {
	if c.claimer == nil || c.noLeases {
		return claimMine
	}
	if _, ok := c.held[p]; ok {
		return claimMine
	}
	l, err := c.claimer.Claim(p.key)
	if errors.Is(err, results.ErrLeaseHeld) {
		if !c.told[p] && !c.quiet {
			fmt.Fprintf(c.out, "mmlab: waiting for %s, which another process is computing (%v)\n", p.name(), err)
		}
		c.told[p] = true
		return claimBusy
	}
	if err != nil {
		c.noLeases = true
		c.warn("%v; computing without leases, so other processes sharing the store may train the same runs", err)
		return claimMine
	}
	run, found, err := c.store.Load(p.key)
	if err != nil {
		c.warn("loading %s (key %s): %v; recomputing it", p.name(), p.key, err)
	} else if found {
		_ = l.Release()
		p.run, p.compute = run, false
		return claimStored
	}
	c.held[p] = l
	return claimMine
}

// release gives up p's lease, if held.
func (c *studyClaims) release(p *plannedRun) {
	if l, ok := c.held[p]; ok {
		_ = l.Release()
		delete(c.held, p)
	}
}

// releaseAll gives up every lease still held (RunStudy returning, e.g. on an error).
func (c *studyClaims) releaseAll() {
	for p := range c.held {
		c.release(p)
	}
}

// wait sleeps claimPoll, or until ctx is done.
func (c *studyClaims) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(claimPoll):
		return nil
	}
}
