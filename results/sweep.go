package results

// The value of a sweep's merged results (mmlab.CollectSweep, mmlab collect --out): pure data,
// which figures and programs read without the training code.

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// GridAxis is one dimension of a sweep (mmlab.Sweep): a key and the values it takes, in order. A key with a
// dot is an option ("umt.lambda", "train.epochs"; see OptionHelp); any other key is a key of
// the dataset spec ("rho", "pi", "n_train"; see datasets.ParseSpec), whose value replaces the
// one of the sweep's base dataset.
type GridAxis struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// IsOption reports whether the axis sets an option (its key has a group: "umt.lambda") rather
// than a dataset key.
func (a GridAxis) IsOption() bool { return strings.Contains(a.Key, ".") }

// SweepCollection is a sweep's results merged from a store (mmlab.CollectSweep): every cell's runs,
// and the tasks whose runs are not all stored yet.
type SweepCollection struct {
	// Grid, Dataset, Methods (with their dependencies, in run order), Seeds and Options
	// describe the sweep.
	Grid    []GridAxis        `json:"grid"`
	Dataset string            `json:"dataset"`
	Methods []string          `json:"methods"`
	Seeds   []int             `json:"seeds"`
	Options map[string]string `json:"options"`
	// Tasks is the number of tasks, Shards the number of shards Missing is reported by.
	Tasks  int `json:"tasks"`
	Shards int `json:"shards"`
	// Cells holds every cell in grid order, each with the runs the store holds.
	Cells []CollectedCell `json:"cells"`
	// Missing lists the tasks with runs missing from the store, in task order.
	Missing []MissingTask `json:"missing"`
}

// CollectedCell is one cell of a SweepCollection.
type CollectedCell struct {
	Index   int               `json:"index"`
	Values  []string          `json:"values"` // one per axis of Grid
	Dataset string            `json:"dataset"`
	Options map[string]string `json:"options"`
	// Runs holds the cell's stored runs, ordered as mmlab.RunStudy orders them (by seed, then
	// method in run order, then modality): a complete cell equals mmlab.StudyResult.Runs of its study.
	Runs []Run `json:"runs"`
}

// MissingTask is a task of a SweepCollection whose runs are not all in the store.
type MissingTask struct {
	Task  int    `json:"task"`
	Shard string `json:"shard"` // "i/n": the shard that runs it
	Cell  string `json:"cell"`  // the cell's label, e.g. "rho=0.6,pi=0"
	Seed  int    `json:"seed"`
	// Runs names the missing runs, e.g. "uni m0 seed 1 (key 3f…)".
	Runs []string `json:"runs"`
}

// Complete reports whether no task is missing.
func (c *SweepCollection) Complete() bool { return len(c.Missing) == 0 }

// CellRuns returns the runs of the cell with the given axis values (in axis order, as
// strings, e.g. "0.6", "0"); an error names the values when there is no such cell.
func (c *SweepCollection) CellRuns(values ...string) ([]Run, error) {
	for _, cell := range c.Cells {
		if slices.Equal(cell.Values, values) {
			return cell.Runs, nil
		}
	}
	return nil, fmt.Errorf("results.SweepCollection.CellRuns: no cell %q in the grid", values)
}

// ReadSweepCollection reads a collection written by mmlab collect --out; errors name the file.
func ReadSweepCollection(path string) (*SweepCollection, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("results.ReadSweepCollection: %w", err)
	}
	var c SweepCollection
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("results.ReadSweepCollection: %s: %w", path, err)
	}
	if c.Cells == nil {
		return nil, fmt.Errorf("results.ReadSweepCollection: %s: no \"cells\": not the output of mmlab collect", path)
	}
	for _, cell := range c.Cells {
		if len(cell.Values) != len(c.Grid) {
			return nil, fmt.Errorf("results.ReadSweepCollection: %s: cell %d has %d values for %d grid axes", path, cell.Index, len(cell.Values), len(c.Grid))
		}
	}
	return &c, nil
}

// FloatAxis returns the axis key over values, each formatted by FormatGridValue, e.g.
// FloatAxis("rho", []float64{0.6, 0.9}) is rho ∈ {"0.6", "0.9"}.
func FloatAxis(key string, values []float64) GridAxis {
	a := GridAxis{Key: key}
	for _, v := range values {
		a.Values = append(a.Values, FormatGridValue(v))
	}
	return a
}

// FormatGridValue formats a float as a grid value the way strconv does for the shortest
// exact representation (0.6 → "0.6", 0 → "0"), so that notebooks build values that match
// the ones given on the command line.
func FormatGridValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
