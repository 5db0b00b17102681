package mmlab

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// TestSweepTasks: cells in grid order (first axis slowest), dataset axes replace the base
// spec's keys, option axes join the options, one task per cell and seed; errors name the axis
// and value.
func TestSweepTasks(t *testing.T) {
	s := Sweep{Dataset: "lazypair:pair=add,rho=0.8", Methods: []string{"joint"}, SeedList: []int{3, 5},
		Options: map[string]string{"train.epochs": "3"},
		Grid:    []results.GridAxis{{Key: "pi", Values: []string{"0", "0.5"}}, {Key: "train.lr", Values: []string{"0.01", "0.001", "0.1"}}}}
	tasks, err := s.Tasks()
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2*3*2 {
		t.Fatalf("%d tasks, want 12", len(tasks))
	}
	var got []string
	for i, task := range tasks {
		if task.Index != i {
			t.Errorf("task %d has index %d", i, task.Index)
		}
		got = append(got, task.Cell.Label(s.Grid)+" seed "+string(rune('0'+task.Seed)))
		if !strings.Contains(task.Cell.Dataset, ",pi="+task.Cell.Values[0]+",") || !strings.Contains(task.Cell.Dataset, "rho=0.8,") {
			t.Errorf("task %d: dataset %s", i, task.Cell.Dataset)
		}
		if task.Cell.Options["train.lr"] != task.Cell.Values[1] || task.Cell.Options["train.epochs"] != "3" {
			t.Errorf("task %d: options %v", i, task.Cell.Options)
		}
	}
	want := []string{"pi=0,train.lr=0.01 seed 3", "pi=0,train.lr=0.01 seed 5", "pi=0,train.lr=0.001 seed 3",
		"pi=0,train.lr=0.001 seed 5", "pi=0,train.lr=0.1 seed 3", "pi=0,train.lr=0.1 seed 5",
		"pi=0.5,train.lr=0.01 seed 3", "pi=0.5,train.lr=0.01 seed 5", "pi=0.5,train.lr=0.001 seed 3",
		"pi=0.5,train.lr=0.001 seed 5", "pi=0.5,train.lr=0.1 seed 3", "pi=0.5,train.lr=0.1 seed 5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tasks\n got %q\nwant %q", got, want)
	}
	if s.Options["train.lr"] != "" {
		t.Error("Tasks changed the sweep's options")
	}
	again, _ := s.Tasks()
	if !reflect.DeepEqual(again, tasks) {
		t.Error("two calls of Tasks differ")
	}

	for _, tc := range []struct {
		name string
		grid []results.GridAxis
		want []string
	}{
		{"bad value", []results.GridAxis{{Key: "rho", Values: []string{"0.5", "1.5"}}}, []string{"rho=1.5", "rho"}},
		{"unknown key", []results.GridAxis{{Key: "bogus", Values: []string{"1"}}}, []string{"bogus=1", "bogus"}},
		{"no values", []results.GridAxis{{Key: "rho"}}, []string{`"rho"`, "no values"}},
		{"axis twice", []results.GridAxis{{Key: "rho", Values: []string{"0.5"}}, {Key: "rho", Values: []string{"0.6"}}}, []string{`"rho"`, "twice"}},
		{"option also set", []results.GridAxis{{Key: "train.epochs", Values: []string{"1"}}}, []string{"train.epochs", "Options"}},
		{"bad option value", []results.GridAxis{{Key: "train.lr", Values: []string{"x"}}}, []string{"train.lr=x", "lr"}},
	} {
		bad := s
		bad.Grid = tc.grid
		_, err := bad.Tasks()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, err, w)
			}
		}
	}
}

// TestShardsPartitionTasks: for every count, each task belongs to exactly one shard.
func TestShardsPartitionTasks(t *testing.T) {
	for count := 1; count <= 7; count++ {
		for task := range 20 {
			owners := 0
			for i := range count {
				if (Shard{Index: i, Count: count}).Has(task) {
					owners++
					if ShardOf(task, count) != (Shard{Index: i, Count: count}) {
						t.Errorf("ShardOf(%d, %d) = %v, want %d", task, count, ShardOf(task, count), i)
					}
				}
			}
			if owners != 1 {
				t.Errorf("task %d has %d owners among %d shards", task, owners, count)
			}
		}
	}
	if (Shard{}).Validate() != nil || (Shard{2, 2}).Validate() == nil || (Shard{-1, 2}).Validate() == nil {
		t.Error("Validate")
	}
}

// TestRunSweepShardsMergeAsOne: the shards of a sweep, run one after the other on one store
// (one of them twice), collect to exactly the runs of RunStudy on each cell in another store;
// a shard alone leaves the other shard's tasks missing.
func TestRunSweepShardsMergeAsOne(t *testing.T) {
	ctx := context.Background()
	sweep := Sweep{Dataset: "lazypair:n_train=300,n_val=200,n_test=300", Methods: []string{"uni", "joint"}, Seeds: 2,
		Options: map[string]string{"train.epochs": "2"}, Grid: []results.GridAxis{{Key: "rho", Values: []string{"0.6", "0.9"}}}, Quiet: true}
	store, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sweep.Store = store
	if _, err := RunSweep(ctx, sweep, Shard{1, 3}); err != nil {
		t.Fatal(err)
	}
	partial, err := CollectSweep(sweep, 3)
	if err != nil {
		t.Fatal(err)
	}
	var missing []int
	for _, m := range partial.Missing {
		missing = append(missing, m.Task)
		if m.Shard == "1/3" || len(m.Runs) != 3 {
			t.Errorf("missing task %+v", m)
		}
	}
	if !reflect.DeepEqual(missing, []int{0, 2, 3}) {
		t.Errorf("missing tasks %v after shard 1/3, want [0 2 3]", missing)
	}
	for _, sh := range []Shard{{0, 3}, {1, 3}, {2, 3}} {
		if _, err := RunSweep(ctx, sweep, sh); err != nil {
			t.Fatal(err)
		}
	}
	col, err := CollectSweep(sweep, 3)
	if err != nil || !col.Complete() {
		t.Fatalf("collect: %v, missing %v", err, col.Missing)
	}
	other, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, rho := range []string{"0.6", "0.9"} {
		res, err := RunStudy(ctx, Study{Dataset: sweep.Dataset + ",rho=" + rho, Methods: sweep.Methods, Seeds: 2,
			Options: sweep.Options, Store: other, Quiet: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := col.CellRuns(rho)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(res.Runs) {
			t.Fatalf("cell %d: %d runs, want %d", i, len(got), len(res.Runs))
		}
		for j := range got {
			a, b := got[j], res.Runs[j]
			a.TrainSeconds, b.TrainSeconds = 0, 0
			// The stored run went through JSON; compare the encodings (exact for float64).
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Errorf("cell rho=%s run %d: %s seed %d differs from the one-process study:\n%s\n%s", rho, j, a.Method, a.Seed, ja, jb)
			}
		}
	}
	if _, err := col.CellRuns("0.7"); err == nil {
		t.Error("CellRuns of a cell not in the grid")
	}
}
