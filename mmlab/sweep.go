package mmlab

// Sweeps: a grid of studies split into tasks that shards (Slurm array tasks, Kubernetes
// Indexed Job pods, or plain processes) run independently on one shared results store, and
// the merge of their results from that store (CollectSweep).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// Sweep is a grid of studies: one study per cell of the grid (every combination of the axes'
// values), each over the same methods and seeds. It is split into tasks — one per cell and run
// seed (the runs of one seed depend only on runs of that seed, so a task needs no other task's
// results) — listed by Tasks in a fixed order: cells in grid order (the first axis varies
// slowest, the last fastest), within a cell the seeds in order.
//
// Any set of shards (Shard) run in any order, any number of times, by any number of processes
// sharing one results store, leaves in the store exactly the runs of one RunSweep of the whole
// sweep: every run is keyed by its inputs (Key), trained deterministically, written atomically
// and claimed with a lease while it is computed (Store.Claim), so processes at most duplicate
// work, never lose or corrupt a record. CollectSweep then merges the results.
type Sweep struct {
	// Dataset is the base dataset spec of every cell, e.g. "lazypair:pair=add"; dataset axes
	// replace its keys.
	Dataset string
	// Methods are registry names, as Study.Methods.
	Methods []string
	// Seeds and SeedList are the run seeds of every cell, as in Study.
	Seeds    int
	SeedList []int
	// Options are every cell's options, as Study.Options; an option axis may not repeat one.
	Options map[string]string
	// Grid lists the axes (a results.GridAxis each). An empty grid is one cell: the study of Dataset and Options.
	Grid []results.GridAxis
	// Store, Backend, Replicas, Quiet and Output are passed on to every study (see Study). A
	// Store is what makes shards add up: every process of a sweep must use the same one.
	Store    RunStore
	Backend  compute.Backend
	Replicas int
	Quiet    bool
	Output   io.Writer
}

// SweepCell is one cell of a sweep's grid: the values of its axes and its study.
type SweepCell struct {
	// Index is the cell's position in grid order.
	Index int
	// Values holds one value per axis of Sweep.Grid, in axis order.
	Values []string
	// Dataset is the cell's resolved dataset spec, Options its options (the sweep's and its
	// option axes').
	Dataset string
	Options map[string]string
}

// Label names the cell by its axes, e.g. "rho=0.6,pi=0" (given the grid's axes).
func (c SweepCell) Label(grid []results.GridAxis) string {
	parts := make([]string, len(grid))
	for i, a := range grid {
		parts[i] = a.Key + "=" + c.Values[i]
	}
	return strings.Join(parts, ",")
}

// SweepTask is one task of a sweep: one cell and one run seed.
type SweepTask struct {
	// Index is the task's position in Sweep.Tasks; Shard.Has decides which shard runs it.
	Index int
	Cell  SweepCell
	Seed  int
}

// Shard selects a share of a sweep's tasks: shard Index of Count (0 ≤ Index < Count) runs the
// tasks whose index is Index modulo Count (round robin, so that neighbouring cells, which often
// cost alike, are spread over the shards). The zero value is treated as the single shard 0/1:
// every task.
type Shard struct{ Index, Count int }

// String returns "i/n".
func (sh Shard) String() string { return fmt.Sprintf("%d/%d", sh.Index, max(sh.Count, 1)) }

// Has reports whether the shard runs task index.
func (sh Shard) Has(index int) bool {
	if sh.Count <= 1 {
		return true
	}
	return index%sh.Count == sh.Index
}

// Validate checks 0 ≤ Index < Count (the zero value is valid).
func (sh Shard) Validate() error {
	if sh == (Shard{}) {
		return nil
	}
	if sh.Count < 1 || sh.Index < 0 || sh.Index >= sh.Count {
		return fmt.Errorf("shard %d/%d: want 0 ≤ index < count", sh.Index, sh.Count)
	}
	return nil
}

// ShardOf returns the shard of count shards that runs task index.
func ShardOf(index, count int) Shard {
	if count <= 1 {
		return Shard{0, 1}
	}
	return Shard{index % count, count}
}

// runSeeds returns the sweep's run seeds (as Study.RunSeeds).
func (s Sweep) runSeeds() []int {
	return Study{Seeds: s.Seeds, SeedList: s.SeedList}.RunSeeds()
}

// Cells returns the sweep's cells in grid order, each checked: its dataset spec parses and its
// options resolve. Errors name the axis, the value and what is wrong.
func (s Sweep) Cells() ([]SweepCell, error) {
	base, err := datasets.ParseSpec(s.Dataset)
	if err != nil {
		return nil, fmt.Errorf("mmlab.Sweep: Dataset: %w", err)
	}
	seen := map[string]bool{}
	for _, a := range s.Grid {
		switch {
		case a.Key == "":
			return nil, fmt.Errorf("mmlab.Sweep: Grid: an axis has no key")
		case seen[a.Key]:
			return nil, fmt.Errorf("mmlab.Sweep: Grid: axis %q given twice", a.Key)
		case len(a.Values) == 0:
			return nil, fmt.Errorf("mmlab.Sweep: Grid: axis %q has no values", a.Key)
		}
		if _, dup := s.Options[a.Key]; dup && a.IsOption() {
			return nil, fmt.Errorf("mmlab.Sweep: Grid: axis %q is also set in Options: use one", a.Key)
		}
		seen[a.Key] = true
		vals := map[string]bool{}
		for _, v := range a.Values {
			if strings.TrimSpace(v) == "" || strings.Contains(v, ",") {
				return nil, fmt.Errorf("mmlab.Sweep: Grid: axis %q: value %q: want a non-empty value without ','", a.Key, v)
			}
			if vals[v] {
				return nil, fmt.Errorf("mmlab.Sweep: Grid: axis %q: value %q given twice", a.Key, v)
			}
			vals[v] = true
		}
	}
	n := 1
	for _, a := range s.Grid {
		n *= len(a.Values)
		if n > maxSweepCells {
			return nil, fmt.Errorf("mmlab.Sweep: Grid: more than %d cells", maxSweepCells)
		}
	}
	cells := make([]SweepCell, 0, n)
	for index := range n {
		c := SweepCell{Index: index, Values: make([]string, len(s.Grid)), Options: map[string]string{}}
		for k, v := range s.Options {
			c.Options[k] = v
		}
		spec := base.String()
		rest := index
		for i := len(s.Grid) - 1; i >= 0; i-- { // the last axis varies fastest
			a := s.Grid[i]
			c.Values[i] = strings.TrimSpace(a.Values[rest%len(a.Values)])
			rest /= len(a.Values)
		}
		for i, a := range s.Grid {
			if a.IsOption() {
				c.Options[a.Key] = c.Values[i]
				continue
			}
			spec = withSpecKey(spec, a.Key, c.Values[i])
		}
		resolved, err := datasets.ParseSpec(spec)
		if err != nil {
			return nil, fmt.Errorf("mmlab.Sweep: Grid cell %s: %w", c.Label(s.Grid), err)
		}
		c.Dataset = resolved.String()
		if _, err := ParseConfig(s.Methods, c.Options); err != nil {
			return nil, fmt.Errorf("mmlab.Sweep: Grid cell %s: %w", c.Label(s.Grid), err)
		}
		cells = append(cells, c)
	}
	return cells, nil
}

// maxSweepCells bounds a grid (a typo such as a 1000-value axis fails instead of planning
// forever).
const maxSweepCells = 100000

// withSpecKey returns the resolved spec with key set to value (appended when the resolved spec
// does not list it, so that datasets.ParseSpec judges the key).
func withSpecKey(spec, key, value string) string {
	name, params, _ := strings.Cut(spec, ":")
	var items []string
	if params != "" {
		items = strings.Split(params, ",")
	}
	for i, item := range items {
		if k, _, ok := strings.Cut(item, "="); ok && strings.TrimSpace(k) == key {
			items[i] = key + "=" + value
			return name + ":" + strings.Join(items, ",")
		}
	}
	return name + ":" + strings.Join(append(items, key+"="+value), ",")
}

// Tasks returns the sweep's tasks in order: for every cell (grid order), one task per run seed.
func (s Sweep) Tasks() ([]SweepTask, error) {
	if err := checkSeedList(s.SeedList); err != nil {
		return nil, fmt.Errorf("mmlab.Sweep: %w", err)
	}
	seeds := s.runSeeds()
	if len(seeds) == 0 {
		return nil, fmt.Errorf("mmlab.Sweep: Seeds=%d: want at least 1", s.Seeds)
	}
	cells, err := s.Cells()
	if err != nil {
		return nil, err
	}
	tasks := make([]SweepTask, 0, len(cells)*len(seeds))
	for _, c := range cells {
		for _, seed := range seeds {
			tasks = append(tasks, SweepTask{Index: len(tasks), Cell: c, Seed: seed})
		}
	}
	return tasks, nil
}

// study returns the study of cell c on seeds.
func (s Sweep) study(c SweepCell, seeds []int) Study {
	return Study{Dataset: c.Dataset, Methods: slices.Clone(s.Methods), Seeds: len(seeds), SeedList: seeds,
		Options: c.Options, Store: s.Store, Backend: s.Backend, Replicas: s.Replicas, Quiet: s.Quiet, Output: s.Output}
}

// SweepCellResult is what RunSweep did for one cell: the study of the shard's seeds of it.
type SweepCellResult struct {
	Cell  SweepCell
	Seeds []int
	Study *StudyResult
}

// SweepResult is what RunSweep returns.
type SweepResult struct {
	Shard Shard
	// Tasks counts the shard's tasks, of Total in the sweep.
	Tasks, Total int
	// Cells holds a result per cell with at least one task in the shard, in grid order.
	Cells []SweepCellResult
	// Trained, Loaded and Retrained sum the cells' counts (see StudyResult).
	Trained, Loaded, Retrained int
	Warnings                   []string
	Seconds                    float64
}

// RunSweep runs the tasks of one shard of a sweep (the zero Shard: all of them), cell by cell:
// one RunStudy per cell over the shard's seeds of it, so that seeds train together as replicas
// (bit-identically to training them alone). With a Store, what is stored is loaded, and runs
// other processes are computing are waited for. A *SaveError from a cell is returned (joined
// with the others) after every cell has run, with the complete result.
func RunSweep(ctx context.Context, sweep Sweep, shard Shard) (*SweepResult, error) {
	start := time.Now()
	if err := shard.Validate(); err != nil {
		return nil, fmt.Errorf("mmlab.RunSweep: %w", err)
	}
	tasks, err := sweep.Tasks()
	if err != nil {
		return nil, err
	}
	res := &SweepResult{Shard: shard, Total: len(tasks)}
	var cells []SweepCell
	seedsOf := map[int][]int{}
	for _, t := range tasks {
		if !shard.Has(t.Index) {
			continue
		}
		res.Tasks++
		if len(seedsOf[t.Cell.Index]) == 0 {
			cells = append(cells, t.Cell)
		}
		seedsOf[t.Cell.Index] = append(seedsOf[t.Cell.Index], t.Seed)
	}
	saveErr := &SaveError{}
	for _, c := range cells {
		seeds := seedsOf[c.Index]
		sr, err := RunStudy(ctx, sweep.study(c, seeds))
		var se *SaveError
		if errors.As(err, &se) {
			saveErr.Missing = append(saveErr.Missing, se.Missing...)
			saveErr.Errs = append(saveErr.Errs, se.Errs...)
		} else if err != nil {
			return nil, fmt.Errorf("mmlab.RunSweep: cell %s: %w", c.Label(sweep.Grid), err)
		}
		res.Cells = append(res.Cells, SweepCellResult{Cell: c, Seeds: seeds, Study: sr})
		res.Trained += sr.Trained
		res.Loaded += sr.Loaded
		res.Retrained += sr.Retrained
		for _, w := range sr.Warnings {
			res.Warnings = append(res.Warnings, "cell "+c.Label(sweep.Grid)+": "+w)
		}
	}
	res.Seconds = time.Since(start).Seconds()
	if len(saveErr.Missing) > 0 {
		return res, saveErr
	}
	return res, nil
}

// CollectSweep merges a sweep's results from its Store without training anything: every
// cell's stored runs in a fixed order, and the tasks with runs missing, each with the shard (of
// shards; < 1 means 1) that runs it. The collection is a pure function of the store's records:
// collecting twice, or after any set of shards, gives the same value.
func CollectSweep(sweep Sweep, shards int) (*results.SweepCollection, error) {
	if sweep.Store == nil {
		return nil, fmt.Errorf("mmlab.CollectSweep: the sweep has no Store")
	}
	shards = max(shards, 1)
	tasks, err := sweep.Tasks()
	if err != nil {
		return nil, err
	}
	methods, err := withDependencies(sweep.Methods)
	if err != nil {
		return nil, fmt.Errorf("mmlab.CollectSweep: %w", err)
	}
	col := &results.SweepCollection{Grid: sweep.Grid, Dataset: sweep.Dataset, Methods: methods, Seeds: sweep.runSeeds(),
		Options: sweep.Options, Tasks: len(tasks), Shards: shards, Cells: []results.CollectedCell{}, Missing: []results.MissingTask{}}
	if col.Grid == nil {
		col.Grid = []results.GridAxis{}
	}
	if col.Options == nil {
		col.Options = map[string]string{}
	}
	for _, t := range tasks {
		if len(col.Cells) == 0 || col.Cells[len(col.Cells)-1].Index != t.Cell.Index {
			col.Cells = append(col.Cells, results.CollectedCell{Index: t.Cell.Index, Values: t.Cell.Values,
				Dataset: t.Cell.Dataset, Options: t.Cell.Options, Runs: []results.Run{}})
		}
		runs, missing, err := loadStudy(sweep.study(t.Cell, []int{t.Seed}))
		if err != nil {
			return nil, fmt.Errorf("mmlab.CollectSweep: task %d (cell %s, seed %d): %w", t.Index, t.Cell.Label(sweep.Grid), t.Seed, err)
		}
		cell := &col.Cells[len(col.Cells)-1]
		cell.Runs = append(cell.Runs, runs...)
		if len(missing) > 0 {
			col.Missing = append(col.Missing, results.MissingTask{Task: t.Index, Shard: ShardOf(t.Index, shards).String(),
				Cell: t.Cell.Label(sweep.Grid), Seed: t.Seed, Runs: missing})
		}
	}
	return col, nil
}

// loadStudy plans study and loads what its store holds, training nothing: the stored runs in
// RunStudy's order and the names of the missing ones.
func loadStudy(study Study) (runs []results.Run, missing []string, err error) {
	study.Quiet = true
	study.Output = io.Discard
	s, err := newStudyRunner(study)
	if err != nil {
		return nil, nil, err
	}
	if err := s.plan(); err != nil {
		return nil, nil, err
	}
	for _, seedPlan := range s.plans {
		for _, p := range seedPlan {
			if p.run != nil {
				runs = append(runs, *p.run)
			} else {
				missing = append(missing, fmt.Sprintf("%s (key %s)", p.name(), shortKey(p.key)))
			}
		}
	}
	return runs, missing, nil
}

// shortKey returns the first 12 characters of a key.
func shortKey(key string) string {
	if len(key) > 12 {
		return key[:12] + "…"
	}
	return key
}
