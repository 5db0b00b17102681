package results

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestReadSweepCollection: a collection written as JSON reads back equal; files that are not a
// collection are errors naming the file.
func TestReadSweepCollection(t *testing.T) {
	dir := t.TempDir()
	acc := 0.5
	c := &SweepCollection{Grid: []GridAxis{FloatAxis("rho", []float64{0.6, 0.9})}, Dataset: "lazypair", Methods: []string{"joint"},
		Seeds: []int{0}, Options: map[string]string{}, Tasks: 2, Shards: 1, Missing: []MissingTask{},
		Cells: []CollectedCell{
			{Index: 0, Values: []string{"0.6"}, Dataset: "lazypair:rho=0.6", Options: map[string]string{},
				Runs: []Run{{Key: "k", Method: "joint", ProbeAcc: []*float64{&acc, nil}, SubsetAcc: map[string]float64{"all": 0.5}}}},
			{Index: 1, Values: []string{"0.9"}, Dataset: "lazypair:rho=0.9", Options: map[string]string{}, Runs: []Run{}}}}
	if got := c.Grid[0].Values; !reflect.DeepEqual(got, []string{"0.6", "0.9"}) || c.Grid[0].IsOption() {
		t.Errorf("FloatAxis: %v", c.Grid[0])
	}
	data, _ := json.Marshal(c)
	path := filepath.Join(dir, "c.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSweepCollection(path)
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("read back: %v\n got %+v\nwant %+v", err, got, c)
	}
	if runs, err := got.CellRuns("0.6"); err != nil || len(runs) != 1 {
		t.Errorf("CellRuns(0.6): %v, %v", runs, err)
	}
	if _, err := got.CellRuns("0.7"); err == nil || !strings.Contains(err.Error(), "0.7") {
		t.Errorf("CellRuns(0.7): %v", err)
	}
	for name, text := range map[string]string{"study.json": `{"runs": []}`, "bad.json": `{"cells": [`,
		"short.json": `{"grid": [{"key": "rho", "values": ["1"]}], "cells": [{"index": 0, "values": []}]}`} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		if _, err := ReadSweepCollection(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
}
