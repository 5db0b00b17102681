package mmlab

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmlab-go/mmlab/internal/lease"
	"github.com/mmlab-go/mmlab/results"
)

func TestLeaseConstantsAreTheDefaults(t *testing.T) {
	if lease.Heartbeat != results.LeaseHeartbeat || lease.Timeout != results.LeaseTimeout || lease.MaxAge != results.LeaseMaxAge {
		t.Fatalf("internal/lease uses %v, %v, %v; mmlab documents %v, %v, %v", lease.Heartbeat, lease.Timeout,
			lease.MaxAge, results.LeaseHeartbeat, results.LeaseTimeout, results.LeaseMaxAge)
	}
}

// leaseFiles lists the lease files left in a store.
func leaseFiles(t *testing.T, home string) []string {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(home, "runs", "*", "*.lease"))
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// checkAllStored asserts that every run of res loads, valid, from a fresh view of the store.
func checkAllStored(t *testing.T, home string, res *StudyResult) {
	t.Helper()
	store, err := results.OpenStore(home)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Runs {
		got, found, err := store.Load(r.Key)
		if err != nil || !found || got.TestAcc != r.TestAcc {
			t.Errorf("run %s seed %d (key %s): found %v, err %v", r.Method, r.Seed, r.Key, found, err)
		}
	}
	if left := leaseFiles(t, home); len(left) > 0 {
		t.Errorf("lease files left behind: %v", left)
	}
}

// TestRunStudySharesWork: two identical studies started together on one store (two Store values,
// as two processes would have) train each run once in total and both return every run.
// cmd/mmlab's TestConcurrentProcessesShareWork does the same with two OS processes.
func TestRunStudySharesWork(t *testing.T) {
	home := t.TempDir()
	study := Study{Dataset: smallSpec, Methods: []string{"joint", "umt"}, Seeds: 2, Quiet: true,
		Options: map[string]string{"train.epochs": "2", "probe.steps": "10"}}
	var wg sync.WaitGroup
	studyRes := make([]*StudyResult, 2)
	errs := make([]error, 2)
	for i := range studyRes {
		store, err := results.OpenStore(home)
		if err != nil {
			t.Fatal(err)
		}
		s := study
		s.Store = store
		wg.Add(1)
		go func() {
			defer wg.Done()
			studyRes[i], errs[i] = RunStudy(context.Background(), s)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("study %d: %v", i, err)
		}
	}
	a, b := studyRes[0], studyRes[1]
	total := len(a.Runs) // 2 seeds × (joint, uni m0, uni m1, umt)
	if total != 8 || len(b.Runs) != total {
		t.Fatalf("%d and %d runs, want 8 each", len(a.Runs), len(b.Runs))
	}
	if a.Trained+b.Trained != total || a.Retrained+b.Retrained != 0 {
		t.Errorf("trained %d + %d (retrained %d + %d) runs, want %d in total, none retrained",
			a.Trained, b.Trained, a.Retrained, b.Retrained, total)
	}
	if a.Trained+a.Loaded != total || b.Trained+b.Loaded != total || a.Shared+b.Shared == 0 {
		t.Errorf("trained+loaded: %d+%d and %d+%d (shared %d, %d), want %d each, some shared",
			a.Trained, a.Loaded, b.Trained, b.Loaded, a.Shared, b.Shared, total)
	}
	for i := range a.Runs {
		if a.Runs[i].Key != b.Runs[i].Key || a.Runs[i].TestAcc != b.Runs[i].TestAcc {
			t.Errorf("run %d differs: %s %v vs %s %v", i, a.Runs[i].Key, a.Runs[i].TestAcc, b.Runs[i].Key, b.Runs[i].TestAcc)
		}
	}
	checkAllStored(t, home, a)
}

// TestRunStudyTakesOverStaleLeases: a lease left by a dead process on this host is taken over at
// once; one whose file stops changing (a dead process on another host) after lease.Timeout.
func TestRunStudyTakesOverStaleLeases(t *testing.T) {
	old := lease.Timeout
	lease.Timeout = time.Second
	t.Cleanup(func() { lease.Timeout = old })
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	host, _ := os.Hostname()
	study := Study{Dataset: smallSpec, Methods: []string{"uni"}, Seeds: 1, Quiet: true,
		Options: map[string]string{"train.epochs": "1", "probe.steps": "5"}}
	first, err := RunStudy(context.Background(), study) // no store: just the keys
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	store, err := results.OpenStore(home)
	if err != nil {
		t.Fatal(err)
	}
	holders := []lease.Holder{{Host: host, PID: dead.Process.Pid, Token: "dead"}, {Host: "elsewhere", PID: 7, Token: "silent"}}
	for i, h := range holders {
		data, _ := json.Marshal(h)
		path := store.LeasePath(first.Runs[i].Key)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out strings.Builder
	study.Store, study.Quiet, study.Output = store, false, &out
	start := time.Now()
	res, err := RunStudy(context.Background(), study)
	if err != nil {
		t.Fatal(err)
	}
	if res.Trained != 2 || res.Loaded != 0 {
		t.Errorf("trained %d, loaded %d, want 2 trained", res.Trained, res.Loaded)
	}
	if took := time.Since(start); took < lease.Timeout {
		t.Errorf("took %v: the silent lease was taken over before lease.Timeout", took)
	}
	if !strings.Contains(out.String(), "waiting for uni m1 seed 0, which another process is computing") ||
		!strings.Contains(out.String(), "process 7 on elsewhere") || strings.Contains(out.String(), "waiting for uni m0") {
		t.Errorf("output should say it waits for m1 (held by process 7 on elsewhere) and not for m0 (dead holder):\n%s", out.String())
	}
	checkAllStored(t, home, res)
}
