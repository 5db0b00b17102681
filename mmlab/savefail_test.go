package mmlab

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/mmlab-go/mmlab/results"
)

// failingStore is a *Store whose writes fail (as on a full disk) once failAfter writes succeeded,
// or only for blobs when blobsOnly is set.
type failingStore struct {
	*results.Store
	mu        sync.Mutex
	failAfter int // writes (records and blobs) that succeed before they all fail; <0: never fail
	blobsOnly bool
	writes    int
}

var errDiskFull = errors.New("no space left on device (injected)")

func (f *failingStore) fail(blob bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blobsOnly && !blob || f.failAfter < 0 {
		return false
	}
	f.writes++
	return f.writes > f.failAfter
}

func (f *failingStore) Save(run *results.Run) error {
	if f.fail(false) {
		return errDiskFull
	}
	return f.Store.Save(run)
}

func (f *failingStore) SaveBlob(key, name string, data []byte) error {
	if f.fail(true) {
		return errDiskFull
	}
	return f.Store.SaveBlob(key, name, data)
}

// TestRunStudySaveFailures: a study whose results cannot all be stored returns them all with a
// *SaveError naming the missing runs; a run whose weights could not be saved has no record; a
// dependency retrained because its weights were lost gets them saved again.
func TestRunStudySaveFailures(t *testing.T) {
	ctx := context.Background()
	store, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	opts := map[string]string{"train.epochs": "2", "probe.steps": "10"}
	// One seed of uni, umt: uni m0, uni m1, umt, each saved as weights then record. Three writes
	// succeed: uni m0 (2 writes) and the weights of uni m1; the record of uni m1 and all of umt fail.
	fs := &failingStore{Store: store, failAfter: 3}
	study := Study{Dataset: smallSpec, Methods: []string{"umt"}, Seeds: 1, Quiet: true, Store: fs, Options: opts}
	res, err := RunStudy(ctx, study)
	var saveErr *SaveError
	if !errors.As(err, &saveErr) || !errors.Is(err, errDiskFull) {
		t.Fatalf("RunStudy with a full disk: got error %v, want a *SaveError wrapping the write error", err)
	}
	if res == nil || len(res.Runs) != 3 || res.Trained != 3 {
		t.Fatalf("RunStudy with a full disk must still return every run: %+v", res)
	}
	if len(saveErr.Missing) != 2 || !strings.Contains(err.Error(), "uni m1") || !strings.Contains(err.Error(), "umt") ||
		strings.Contains(err.Error(), "uni m0") {
		t.Errorf("missing %q, error %q: want uni m1 and umt named, not uni m0", saveErr.Missing, err)
	}
	for _, r := range res.Runs {
		_, found, err := store.Load(r.Key)
		if err != nil {
			t.Fatal(err)
		}
		want := r.Modality != nil && *r.Modality == 0
		if found != want {
			t.Errorf("%s modality %v: stored %v, want %v", r.Method, r.Modality, found, want)
		}
	}

	// A failed weights save does not write the record.
	store2, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fs2 := &failingStore{Store: store2, failAfter: 0, blobsOnly: true}
	study2 := Study{Dataset: smallSpec, Methods: []string{"uni"}, Seeds: 1, Quiet: true, Store: fs2, Options: opts}
	res2, err := RunStudy(ctx, study2)
	if !errors.As(err, &saveErr) || len(saveErr.Missing) != 2 {
		t.Fatalf("weights that cannot be saved: got %v, want a *SaveError with the 2 uni runs", err)
	}
	for _, r := range res2.Runs {
		if _, found, _ := store2.Load(r.Key); found {
			t.Errorf("%s m%d: record written although its weights were not", r.Method, *r.Modality)
		}
	}

	// A dependency whose weights were lost is retrained, and its weights are saved again.
	study3 := Study{Dataset: smallSpec, Methods: []string{"uni"}, Seeds: 1, Quiet: true, Store: recordsOnly{store2},
		Options: opts}
	if _, err := RunStudy(ctx, study3); err != nil {
		t.Fatal(err)
	}
	// The records of the teachers are stored, their weights are not: a UMT study retrains them
	// once and saves their weights, so the next one restores them.
	study3.Methods, study3.Store = []string{"umt"}, store2
	res4, err := RunStudy(ctx, study3)
	if err != nil || res4.Retrained != 2 {
		t.Fatalf("lost teacher weights: err %v, retrained %+v, want 2", err, res4)
	}
	study3.Options = map[string]string{"train.epochs": "2", "probe.steps": "10", "umt.lambda": "1"}
	res5, err := RunStudy(ctx, study3)
	if err != nil || res5.Retrained != 0 || res5.Trained != 1 {
		t.Fatalf("after retraining, the teachers' weights must be stored again: err %v, trained %d, retrained %d",
			err, res5.Trained, res5.Retrained)
	}
}
