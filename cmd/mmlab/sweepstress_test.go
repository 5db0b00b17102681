//go:build unix

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// TestSweepShardsStress (issue 15's stress acceptance): 4 OS processes run overlapping shards of
// one sweep (0/2, 1/2, every task, 1/3) on one results store at the same time, UMT's teachers
// shared across processes through the store. Every record in the store is valid (checksum and
// plausibility), none is lost (exactly the sweep's 30 runs, no lease or temporary file left),
// and the merge equals that of one process running the whole sweep on its own store.
func TestSweepShardsStress(t *testing.T) {
	args := []string{"--data", tinyData, "--methods", "uni,joint,ume,umt", "--seeds", "3", "--epochs", "3", "--grid", "rho=0.6,0.9", "--quiet"}
	const runs = 2 * 3 * 5 // cells × seeds × (uni m0, uni m1, joint, ume, umt)
	home := t.TempDir()
	shards := []string{"0/2", "1/2", "", "1/3"}
	var outs []*strings.Builder
	var cmds = make([]interface{ Wait() error }, 0, len(shards))
	for _, sh := range shards {
		a := append([]string{"sweep"}, args...)
		if sh != "" {
			a = append(a, "--shard", sh)
		}
		cmd, out := startChild(t, home, a...)
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	trained := 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d (shard %q): %v\n%s", i, shards[i], err, outs[i])
		}
		m := regexp.MustCompile(`(?m)^shard \S+: \d+ of 6 tasks, (\d+) runs trained`).FindStringSubmatch(outs[i].String())
		if m == nil {
			t.Fatalf("process %d: no summary line:\n%s", i, outs[i])
		}
		n, _ := strconv.Atoi(m[1])
		trained += n
	}
	t.Logf("the 4 processes trained %d runs in all for the sweep's %d (duplicates: %d)", trained, runs, trained-runs)

	// Every file under runs/ is a valid record of the sweep or its weights; nothing else is left.
	store, err := results.OpenStore(home)
	if err != nil {
		t.Fatal(err)
	}
	records := 0
	err = filepath.WalkDir(filepath.Join(home, "runs"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		switch {
		case strings.HasPrefix(name, "."), strings.HasSuffix(name, ".lease"):
			t.Errorf("left behind: %s", path)
		case strings.HasSuffix(name, ".json"):
			key := strings.TrimSuffix(name, ".json")
			if _, found, err := store.Load(key); err != nil || !found {
				t.Errorf("record %s: found %v, %v", key, found, err)
			}
			records++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if records != runs {
		t.Errorf("%d records in the store, want %d", records, runs)
	}
	collectInto := func(home, out string) *results.SweepCollection {
		t.Setenv(results.HomeEnv, home)
		if code, _, stderr := cli(t, append([]string{"collect", "--out", out}, args...)...); code != exitOK {
			t.Fatalf("collect: %s", stderr)
		}
		return readCollection(t, out)
	}
	dir := t.TempDir()
	got := collectInto(home, filepath.Join(dir, "shards.json"))
	one := t.TempDir()
	t.Setenv(results.HomeEnv, one)
	if code, _, stderr := cli(t, append([]string{"sweep"}, args...)...); code != exitOK {
		t.Fatalf("one-process sweep: %s", stderr)
	}
	want := collectInto(one, filepath.Join(dir, "one.json"))
	compareCollections(t, got, want, runs)
}
