//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mmlab-go/mmlab/results"
)

// childArgsEnv carries the arguments of a CLI run in a child process (TestCLIChild), as JSON.
const childArgsEnv = "MMLAB_TEST_CLI_ARGS"

// TestCLIChild is not a test: it is the CLI run in a child process by the tests below (the test
// binary re-executed with -test.run=^TestCLIChild$).
func TestCLIChild(t *testing.T) {
	raw := os.Getenv(childArgsEnv)
	if raw == "" {
		t.Skip("only runs as a child process")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(run(args, os.Stdout, os.Stderr))
}

// startChild starts the CLI with args in a new OS process with MMLAB_HOME=home.
func startChild(t *testing.T, home string, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChild$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(raw), results.HomeEnv+"="+home)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// TestConcurrentProcessesShareWork: two OS processes running the same study on one results store
// at the same time train each run once in total (counted from their --out summaries); both end
// with every run, and the store holds every run as a valid record and no lease.
func TestConcurrentProcessesShareWork(t *testing.T) {
	home := t.TempDir()
	dir := t.TempDir()
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for i := range 2 {
		cmd, out := startChild(t, home, "run", "--data", tinyData, "--methods", "uni,joint,ume,umt", "--seeds", "2",
			"--epochs", "3", "--out", filepath.Join(dir, fmt.Sprintf("p%d.json", i)))
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	var reps [2]report
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v; output:\n%s", i, err, outs[i])
		}
		data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("p%d.json", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &reps[i]); err != nil {
			t.Fatal(err)
		}
	}
	a, b := reps[0], reps[1]
	total := len(a.Runs) // 2 seeds × (uni m0, uni m1, joint, ume, umt)
	if total != 10 || len(b.Runs) != total {
		t.Fatalf("%d and %d runs, want 10 each", len(a.Runs), len(b.Runs))
	}
	t.Logf("process 0 trained %d, loaded %d; process 1 trained %d, loaded %d", a.Trained, a.Loaded, b.Trained, b.Loaded)
	if a.Trained+b.Trained != total || a.Retrained+b.Retrained != 0 {
		t.Errorf("the processes trained %d + %d runs (retrained %d + %d), want %d in total and none retrained",
			a.Trained, b.Trained, a.Retrained, b.Retrained, total)
	}
	store, err := results.OpenStore(home)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range a.Runs {
		if b.Runs[i].Key != r.Key || b.Runs[i].TestAcc != r.TestAcc {
			t.Errorf("run %d: %s %v in one process, %s %v in the other", i, r.Key, r.TestAcc, b.Runs[i].Key, b.Runs[i].TestAcc)
		}
		got, found, err := store.Load(r.Key) // checksum and plausibility checked
		if err != nil || !found || got.TestAcc != r.TestAcc {
			t.Errorf("run %s seed %d (key %s): found %v, err %v", r.Method, r.Seed, r.Key, found, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(home, "runs", "*", "*.lease")); len(left) > 0 {
		t.Errorf("lease files left: %v", left)
	}
}

// TestKilledProcessLeaseTakenOver: a process killed (SIGKILL) while it trains leaves its lease
// file; another process on this host takes it over at once, since its holder is dead, instead of
// waiting results.LeaseTimeout.
func TestKilledProcessLeaseTakenOver(t *testing.T) {
	home := t.TempDir()
	cmd, out := startChild(t, home, "run", "--data", tinyData, "--methods", "joint", "--seeds", "1", "--epochs", "100000")
	var leases []string
	for deadline := time.Now().Add(60 * time.Second); len(leases) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no lease file appeared; output:\n%s", out)
		}
		leases, _ = filepath.Glob(filepath.Join(home, "runs", "*", "*.lease"))
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	key := strings.TrimSuffix(filepath.Base(leases[0]), ".lease")
	store, err := results.OpenStore(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(store.LeasePath(key)); err != nil {
		t.Fatalf("the killed process's lease file: %v", err)
	}
	start := time.Now()
	l, err := store.Claim(key)
	if errors.Is(err, results.ErrLeaseHeld) || err != nil {
		t.Fatalf("the lease of a killed process was not taken over: %v", err)
	}
	defer l.Release()
	if took := time.Since(start); took > time.Second {
		t.Errorf("taking over took %v", took)
	}
	if _, err := store.Claim(key); !errors.Is(err, results.ErrLeaseHeld) {
		t.Errorf("a second claim while held: %v, want ErrLeaseHeld", err)
	}
}
