package results

// Checks of a loaded run record's values (Store.Load): a record whose checksum matches can still
// have been edited by hand (and its checksum recomputed) or written by a buggy program, so its
// values are checked too; a record that fails is treated as corrupt (moved aside, recomputed).

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// requiredRunFields are the JSON names of Run's fields that Save always writes (those not tagged
// omitempty): a record without one of them was not written by Save.
var requiredRunFields = func() []string {
	var names []string
	t := reflect.TypeFor[Run]()
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" && !strings.Contains(opts, "omitempty") {
			names = append(names, name)
		}
	}
	return names
}()

// checkRunRecord returns why the run decoded from payload (the record's "run" object) cannot be
// trusted, or "": a required field is missing, an accuracy is outside [0, 1], a count is negative,
// or lengths that must agree do not (probes per modality, curves per epoch).
func checkRunRecord(payload json.RawMessage, run *Run) string {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return "run is not a JSON object"
	}
	for _, name := range requiredRunFields {
		if _, ok := fields[name]; !ok {
			return fmt.Sprintf("run has no field %q", name)
		}
	}
	if run.Method == "" {
		return "run has no method"
	}
	if run.Seed < 0 {
		return fmt.Sprintf("seed=%d is negative", run.Seed)
	}
	if run.TrainSeconds < 0 {
		return fmt.Sprintf("train_seconds=%g is negative", run.TrainSeconds)
	}
	if run.Modality != nil && (*run.Modality < 0 || len(run.ProbeAcc) > 0 && *run.Modality >= len(run.ProbeAcc)) {
		return fmt.Sprintf("modality=%d is not one of the run's %d modalities", *run.Modality, len(run.ProbeAcc))
	}
	acc := func(name string, v float64) string {
		if !(v >= 0 && v <= 1) {
			return fmt.Sprintf("%s=%g is not an accuracy in [0, 1]", name, v)
		}
		return ""
	}
	var problems []string
	add := func(problem string) {
		if problem != "" {
			problems = append(problems, problem)
		}
	}
	add(acc("val_acc", run.ValAcc))
	add(acc("test_acc", run.TestAcc))
	for _, k := range slices.Sorted(maps.Keys(run.SubsetAcc)) {
		add(acc("subset_acc["+k+"]", run.SubsetAcc[k]))
	}
	for m, p := range run.ProbeAcc {
		if p != nil {
			add(acc(fmt.Sprintf("probe_acc[%d]", m), *p))
		}
	}
	if n := len(run.ProbeSubsetAcc); n > 0 && n != len(run.ProbeAcc) {
		add(fmt.Sprintf("probe_subset_acc has %d entries, probe_acc %d", n, len(run.ProbeAcc)))
	}
	for m, subsets := range run.ProbeSubsetAcc {
		for _, k := range slices.Sorted(maps.Keys(subsets)) {
			add(acc(fmt.Sprintf("probe_subset_acc[%d][%s]", m, k), subsets[k]))
		}
	}
	if c := run.Curves; c != nil {
		n := len(c.Epoch)
		if len(c.TrainLoss) != n || len(c.ValAcc) != n {
			add(fmt.Sprintf("curves have %d epochs, %d train losses and %d validation accuracies", n, len(c.TrainLoss), len(c.ValAcc)))
		}
		for i, v := range c.ValAcc {
			add(acc(fmt.Sprintf("curves.val_acc[%d]", i), v))
		}
		for m, accs := range c.SplitHeadAcc {
			if len(accs) != 0 && len(accs) != n {
				add(fmt.Sprintf("curves.split_head_acc[%d] has %d entries for %d epochs", m, len(accs), n))
			}
			for i, v := range accs {
				add(acc(fmt.Sprintf("curves.split_head_acc[%d][%d]", m, i), v))
			}
		}
		if c.BestEpoch < 0 || n > 0 && c.BestEpoch > c.Epoch[n-1] {
			add(fmt.Sprintf("curves.best_epoch=%d is not one of the run's epochs", c.BestEpoch))
		}
	}
	switch len(problems) {
	case 0:
		return ""
	case 1:
		return problems[0]
	}
	return fmt.Sprintf("%s (and %d more problems)", problems[0], len(problems)-1)
}
