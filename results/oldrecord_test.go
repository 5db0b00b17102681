package results_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// oldRecordKey is the key of testdata/record_v1.json, a run record written by mmlab's store at
// commit 8a155a6, before the results code moved out of package mmlab into this package (a small
// program saved a hand-made Run with every field set through mmlab.Store.Save).
const oldRecordKey = "29111b8177345ba051f4d4dc8095ebc5"

// TestOldRecordLoads checks that a record written before the move loads with every field, and
// that saving the loaded run again writes the same bytes: the record format did not change.
func TestOldRecordLoads(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "record_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	path := store.RecordPath(oldRecordKey)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	run, found, err := store.Load(oldRecordKey)
	if err != nil || !found {
		t.Fatalf("Load(old record) = found %v, %v", found, err)
	}
	if run.Method != results.UniMethod || run.Modality == nil || *run.Modality != 1 || run.Seed != 3 ||
		run.Dataset != "lazypair:k=4,rho=0.5,pi=0.2,seed=0" || run.TestAcc != 0.7421875 ||
		run.SubsetAcc["both_hard"] != 0.5 || run.ProbeAcc[0] != nil || *run.ProbeAcc[1] != 0.62 ||
		run.ProbeSubsetAcc[1]["m1_hard"] != 0.4 || run.Curves == nil || run.Curves.BestEpoch != 2 ||
		len(run.Curves.LossWeights) != 1 || run.Versions.Commit != "8a155a6" {
		t.Fatalf("old record loaded as %+v", run)
	}
	again, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Save(run); err != nil {
		t.Fatal(err)
	}
	resaved, err := os.ReadFile(again.RecordPath(oldRecordKey))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resaved, old) {
		t.Errorf("re-saving the old record wrote different bytes:\n%s\nwant\n%s", resaved, old)
	}
}
