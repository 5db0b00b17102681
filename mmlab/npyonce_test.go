package mmlab

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/results"
)

// TestRunStudyReadsNPYOnce: a training run on a user's npy data (the CLI parses --data, RunStudy
// parses the canonical spec and generates the dataset for every seed) reads each file once in
// all; a rerun in the same process that trains nothing reads none. Before, each of the three
// steps read and hashed every file in full.
func TestRunStudyReadsNPYOnce(t *testing.T) {
	dir := t.TempDir()
	if err := datasets.SaveNPY(dir, testData(t, smallSpec)); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := int64(len(entries))        // labels, split, tags and two modalities
	time.Sleep(1100 * time.Millisecond) // files changed within a second are read again (npyRacyWindow)
	store, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	before := datasets.NPYFilesRead()
	spec, err := datasets.ParseSpec("npy:" + dir) // the CLI
	if err != nil {
		t.Fatal(err)
	}
	study := Study{Dataset: spec.String(), Methods: []string{"uni"}, Seeds: 2, Quiet: true, Store: store,
		Options: map[string]string{"train.epochs": "1", "probe.steps": "5"}}
	spec = nil
	res, err := RunStudy(context.Background(), study)
	if err != nil {
		t.Fatal(err)
	}
	if got := datasets.NPYFilesRead() - before; res.Trained != 4 || got != files {
		t.Errorf("trained %d runs reading %d files, want 4 runs and each of the %d files read once", res.Trained, got, files)
	}
	before = datasets.NPYFilesRead()
	again, err := RunStudy(context.Background(), study)
	if err != nil {
		t.Fatal(err)
	}
	if got := datasets.NPYFilesRead() - before; again.Loaded != 4 || got != 0 {
		t.Errorf("rerun: loaded %d runs reading %d files, want 4 loaded and none read", again.Loaded, got)
	}
}
