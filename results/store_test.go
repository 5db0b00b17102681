package results_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/mmlab-go/mmlab/mmlab"
	"github.com/mmlab-go/mmlab/results"
)

func ptr[T any](v T) *T { return &v }

// sampleRun is a run with every field set, including strings that JSON escapes and a nil probe.
func sampleRun(key string) *results.Run {
	return &results.Run{
		Key:      key,
		Method:   "joint",
		Seed:     3,
		Dataset:  `lazypair{k=4,<rho>=0.8 & "pi"=0}`,
		Config:   map[string]any{"lr": 0.001, "epochs": 150.0, "head": "concat+linear", "note": "ü\u2028<>&", "widths": []any{64.0, 64.0}},
		Versions: results.Versions{Go: "go1.27.4", GoMLX: "v0.28.16", Backend: "go", Commit: "abc"},
		ValAcc:   0.95,
		TestAcc:  0.9375,
		SubsetAcc: map[string]float64{
			"all": 0.9375, "both_hard": 0.45, "pair_only": 0.25,
		},
		ProbeAcc:     []*float64{ptr(0.89), nil},
		TrainSeconds: 12.5,
		Curves: &results.Curves{
			Epoch:        []int{1, 2},
			TrainLoss:    []float64{1.2, 0.3},
			ValAcc:       []float64{0.5, 0.9},
			SplitHeadAcc: [][]float64{{0.4, 0.8}, {0.3, 0.7}},
		},
	}
}

func openTestStore(t *testing.T) *results.Store {
	t.Helper()
	s, err := results.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreRoundTrip(t *testing.T) {
	s := openTestStore(t)
	key := results.Key(map[string]any{"method": "joint", "seed": 3})
	want := sampleRun(key)
	if err := s.Save(want); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Home(), "runs", key[:2], key+".json")); err != nil {
		t.Fatalf("record not at <home>/runs/<key[:2]>/<key>.json: %v", err)
	}
	got, ok, err := s.Load(key)
	if err != nil || !ok {
		t.Fatalf("Load = %v, %v, %v; want the run", got, ok, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the run:\n got %+v\nwant %+v", got, want)
	}
	fileBefore, _ := os.ReadFile(s.RecordPath(key))
	again, ok, err := s.Load(key)
	if err != nil || !ok || !reflect.DeepEqual(again, got) {
		t.Errorf("second Load = %+v, %v, %v; want the identical record", again, ok, err)
	}
	fileAfter, _ := os.ReadFile(s.RecordPath(key))
	if !bytes.Equal(fileBefore, fileAfter) {
		t.Error("Load modified the record file")
	}
}

func TestStoreLoadMissing(t *testing.T) {
	s := openTestStore(t)
	run, ok, err := s.Load(results.Key("never saved"))
	if run != nil || ok || err != nil {
		t.Errorf("Load of a missing key = %v, %v, %v; want nil, false, nil", run, ok, err)
	}
}

// rewriteRecord decodes a record file into generic JSON, lets edit change it and encodes it again.
func rewriteRecord(t *testing.T, data []byte, edit func(rec map[string]any)) []byte {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	edit(rec)
	out, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rewriteRun edits the run inside a record file and recomputes its checksum, as a person editing
// the file by hand and fixing the checksum would.
func rewriteRun(t *testing.T, data []byte, edit func(run map[string]any)) []byte {
	t.Helper()
	return rewriteRecord(t, data, func(rec map[string]any) {
		run := rec["run"].(map[string]any)
		edit(run)
		payload, err := json.Marshal(run)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(payload)
		rec["sha256"] = hex.EncodeToString(sum[:])
	})
}

func TestStoreDetectsCorruptRecords(t *testing.T) {
	otherKey := results.Key("another run")
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, s *results.Store, good []byte) []byte
		reason string // expected in the error
	}{
		{"truncated", func(t *testing.T, s *results.Store, good []byte) []byte { return good[:len(good)/2] }, "not a valid JSON record"},
		{"empty file", func(t *testing.T, s *results.Store, good []byte) []byte { return nil }, "not a valid JSON record"},
		{"garbage", func(t *testing.T, s *results.Store, good []byte) []byte { return []byte("}{ not json at all") }, "not a valid JSON record"},
		{"flipped byte in a value", func(t *testing.T, s *results.Store, good []byte) []byte {
			// "joint" → "joinu": still valid JSON, so only the checksum can tell.
			return bytes.Replace(good, []byte(`"joint"`), []byte(`"joinu"`), 1)
		}, "checksum mismatch"},
		{"edited accuracy, old checksum", func(t *testing.T, s *results.Store, good []byte) []byte {
			return rewriteRecord(t, good, func(rec map[string]any) { rec["run"].(map[string]any)["test_acc"] = 0.99 })
		}, "checksum mismatch"},
		{"missing checksum", func(t *testing.T, s *results.Store, good []byte) []byte {
			return rewriteRecord(t, good, func(rec map[string]any) { delete(rec, "sha256") })
		}, "no checksum"},
		{"wrong version", func(t *testing.T, s *results.Store, good []byte) []byte {
			return rewriteRecord(t, good, func(rec map[string]any) { rec["version"] = 2 })
		}, "format version 2"},
		{"wrong format", func(t *testing.T, s *results.Store, good []byte) []byte {
			return rewriteRecord(t, good, func(rec map[string]any) { rec["format"] = "something-else" })
		}, "format is"},
		{"no run", func(t *testing.T, s *results.Store, good []byte) []byte {
			return rewriteRecord(t, good, func(rec map[string]any) { delete(rec, "run") })
		}, "no run"},
		{"wrong key inside", func(t *testing.T, s *results.Store, good []byte) []byte {
			// A complete, correctly checksummed record of another run, under this key's name.
			if err := s.Save(sampleRun(otherKey)); err != nil {
				t.Fatal(err)
			}
			other, err := os.ReadFile(s.RecordPath(otherKey))
			if err != nil {
				t.Fatal(err)
			}
			return other
		}, "record holds key"},
		// Edited by hand with the checksum recomputed: the checksum matches, the values cannot be.
		{"accuracies out of range, checksum recomputed", func(t *testing.T, s *results.Store, good []byte) []byte {
			return rewriteRun(t, good, func(run map[string]any) { run["test_acc"], run["val_acc"] = 5.0, -3.0 })
		}, "val_acc=-3 is not an accuracy in [0, 1]"},
		{"only key and method, checksum recomputed", func(t *testing.T, s *results.Store, good []byte) []byte {
			return rewriteRun(t, good, func(run map[string]any) {
				for k := range run {
					if k != "key" && k != "method" {
						delete(run, k)
					}
				}
			})
		}, "run has no field"},
		{"probe accuracy out of range, checksum recomputed", func(t *testing.T, s *results.Store, good []byte) []byte {
			return rewriteRun(t, good, func(run map[string]any) { run["probe_acc"].([]any)[0] = 1.5 })
		}, "probe_acc[0]=1.5"},
		{"curves of different lengths, checksum recomputed", func(t *testing.T, s *results.Store, good []byte) []byte {
			return rewriteRun(t, good, func(run map[string]any) { run["curves"].(map[string]any)["train_loss"] = []any{1.2} })
		}, "curves have 2 epochs, 1 train losses"},
	} {
		for _, withCallback := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/OnCorrupt=%v", tc.name, withCallback), func(t *testing.T) {
				s := openTestStore(t)
				key := results.Key(tc.name)
				if err := s.Save(sampleRun(key)); err != nil {
					t.Fatal(err)
				}
				path := s.RecordPath(key)
				good, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				bad := tc.damage(t, s, good)
				if err := os.WriteFile(path, bad, 0o644); err != nil {
					t.Fatal(err)
				}
				var reported []*results.CorruptError
				if withCallback {
					s.OnCorrupt = func(err *results.CorruptError) { reported = append(reported, err) }
				}

				run, ok, err := s.Load(key)
				if run != nil || ok {
					t.Fatalf("Load returned a corrupt record as valid: %+v", run)
				}
				var cerr *results.CorruptError
				if withCallback {
					if err != nil {
						t.Fatalf("with OnCorrupt set, Load should report a miss, got error %v", err)
					}
					if len(reported) != 1 {
						t.Fatalf("OnCorrupt called %d times, want 1", len(reported))
					}
					cerr = reported[0]
				} else if !errors.As(err, &cerr) {
					t.Fatalf("Load error = %v; want a *results.CorruptError", err)
				}
				if !strings.Contains(cerr.Error(), tc.reason) || !strings.Contains(cerr.Error(), path) {
					t.Errorf("error %q should name the file and say %q", cerr, tc.reason)
				}
				if cerr.MovedTo != path+".corrupt" {
					t.Errorf("MovedTo = %q, want %q", cerr.MovedTo, path+".corrupt")
				}
				if kept, err := os.ReadFile(path + ".corrupt"); err != nil || !bytes.Equal(kept, bad) {
					t.Errorf("the damaged file should be kept as %s.corrupt (err %v)", path, err)
				}
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the damaged file is still at %s (stat err %v)", path, err)
				}
				// The next Load is a plain miss, so the caller recomputes and saves again.
				if run, ok, err := s.Load(key); run != nil || ok || err != nil {
					t.Errorf("Load after moving aside = %v, %v, %v; want nil, false, nil", run, ok, err)
				}
				if err := s.Save(sampleRun(key)); err != nil {
					t.Fatal(err)
				}
				if _, ok, err := s.Load(key); !ok || err != nil {
					t.Errorf("Load after recompute = %v, %v; want the run", ok, err)
				}
			})
		}
	}
}

// Every single-bit flip (bit 0 of each byte) anywhere in a record must be detected.
func TestStoreDetectsEveryFlippedByte(t *testing.T) {
	s := openTestStore(t)
	key := results.Key("flip")
	if err := s.Save(sampleRun(key)); err != nil {
		t.Fatal(err)
	}
	path := s.RecordPath(key)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 0x01
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		run, ok, err := s.Load(key)
		var cerr *results.CorruptError
		if ok || run != nil || !errors.As(err, &cerr) {
			t.Fatalf("flipping byte %d (%q) went undetected: ok=%v err=%v", i, good[i], ok, err)
		}
	}
}

func TestStoreRefusesNonFinite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(r *results.Run)
		field string // the field the error must name
	}{
		{"NaN test accuracy", func(r *results.Run) { r.TestAcc = math.NaN() }, "test_acc"},
		{"Inf validation accuracy", func(r *results.Run) { r.ValAcc = math.Inf(1) }, "val_acc"},
		{"NaN subset accuracy", func(r *results.Run) { r.SubsetAcc["both_hard"] = math.NaN() }, "subset_acc[both_hard]"},
		{"NaN probe", func(r *results.Run) { r.ProbeAcc[0] = ptr(math.NaN()) }, "probe_acc[0]"},
		{"Inf in a curve", func(r *results.Run) { r.Curves.TrainLoss[1] = math.Inf(-1) }, "curves.train_loss[1]"},
		{"NaN in split-head curve", func(r *results.Run) { r.Curves.SplitHeadAcc[1][0] = math.NaN() }, "curves.split_head_acc[1][0]"},
		{"NaN config value", func(r *results.Run) { r.Config["lr"] = math.NaN() }, "config[lr]"},
		{"NaN nested config value", func(r *results.Run) { r.Config["widths"] = []any{64.0, math.NaN()} }, "config[widths][1]"},
		// Finite but implausible: Load would treat the record as corrupt, so Save refuses it.
		{"test accuracy above 1", func(r *results.Run) { r.TestAcc = 5 }, "test_acc=5 is not an accuracy"},
		{"curves of different lengths", func(r *results.Run) { r.Curves.ValAcc = r.Curves.ValAcc[:1] }, "1 validation accuracies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			run := sampleRun(results.Key(tc.name))
			tc.edit(run)
			err := s.Save(run)
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("Save error = %v; want a refusal naming %s", err, tc.field)
			}
			if _, statErr := os.Stat(s.RecordPath(run.Key)); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("a refused run left a record behind")
			}
		})
	}
}

func TestStoreRefusesInvalidRuns(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  *results.Run
		want string
	}{
		{"nil", nil, "nil run"},
		{"empty key", &results.Run{Method: "joint"}, "invalid key"},
		{"path in key", &results.Run{Key: "../../../../etc/passwd", Method: "joint"}, "invalid key"},
		{"upper-case key", &results.Run{Key: strings.ToUpper(results.Key(1)), Method: "joint"}, "invalid key"},
		{"no method", &results.Run{Key: results.Key(1)}, "no method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			if err := s.Save(tc.run); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Save error = %v; want it to say %q", err, tc.want)
			}
		})
	}
	s := openTestStore(t)
	if _, _, err := s.Load("../x"); err == nil {
		t.Error("Load accepted an invalid key")
	}
}

// Concurrent writers of one key, with readers polling it, never expose a partial record.
func TestStoreConcurrentSave(t *testing.T) {
	s := openTestStore(t)
	key := results.Key("concurrent")
	const writers, saves = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*saves+100)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := s.Load(key); err != nil {
					errs <- fmt.Errorf("reader: %w", err)
					return
				}
				runtime.Gosched()
			}
		}()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range saves {
				run := sampleRun(key)
				run.TrainSeconds = float64(w*saves + i)
				if err := s.Save(run); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	run, ok, err := s.Load(key)
	if !ok || err != nil {
		t.Fatalf("Load after concurrent saves = %v, %v", ok, err)
	}
	if run.TrainSeconds < 0 || run.TrainSeconds >= writers*saves {
		t.Errorf("TrainSeconds = %v, want one of the saved values", run.TrainSeconds)
	}
	entries, err := os.ReadDir(filepath.Dir(s.RecordPath(key)))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != key+".json" {
			t.Errorf("leftover file %s after concurrent saves", e.Name())
		}
	}
}

type inputsAB struct {
	A int
	B string
}

type inputsBA struct {
	B string
	A int
}

func TestKey(t *testing.T) {
	// Maps built in different insertion orders.
	m1 := map[string]any{}
	m2 := map[string]any{}
	names := []string{"lr", "epochs", "method", "seed", "head", "rho", "pi"}
	for i, n := range names {
		m1[n] = i
	}
	for i := len(names) - 1; i >= 0; i-- {
		m2[names[i]] = i
	}
	if results.Key(m1) != results.Key(m2) {
		t.Error("Key depends on map insertion order")
	}
	if results.Key(inputsAB{1, "x"}) != results.Key(inputsBA{"x", 1}) {
		t.Error("Key depends on struct field order")
	}
	for _, tc := range []struct {
		name string
		a, b any
	}{
		{"different seed", map[string]any{"seed": 0}, map[string]any{"seed": 1}},
		{"different method", map[string]any{"method": "ume"}, map[string]any{"method": "umt"}},
		{"extra field", map[string]any{"a": 1}, map[string]any{"a": 1, "b": 0}},
		{"number vs string", map[string]any{"a": 1}, map[string]any{"a": "1"}},
		{"nested value", map[string]any{"c": map[string]any{"x": 0.5}}, map[string]any{"c": map[string]any{"x": 0.25}}},
		{"renamed field", map[string]any{"alpha": 1}, map[string]any{"beta": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if results.Key(tc.a) == results.Key(tc.b) {
				t.Errorf("Key(%v) == Key(%v)", tc.a, tc.b)
			}
		})
	}
	k := results.Key(inputsAB{1, "x"})
	if len(k) != 32 || strings.Trim(k, "0123456789abcdef") != "" {
		t.Errorf("Key = %q, want 32 lower-case hex digits", k)
	}
	// Pinned (= first 32 hex digits of sha256sum of "mmlab.Key v1\n" + `{"method":"joint","seed":0}`):
	// a change here invalidates every store in use; change the scheme only with a new keyDomain.
	const pinned = "999c49948d0f9a7f8e14181d42b7a024"
	if got := results.Key(map[string]any{"method": "joint", "seed": 0}); got != pinned {
		t.Errorf("Key scheme changed: got %s, want %s", got, pinned)
	}
}

func TestKeyPanicsOnUnencodableInputs(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "results.Key") {
			t.Errorf("recover() = %v; want a panic from results.Key", r)
		}
	}()
	results.Key(map[string]any{"lr": math.NaN()})
}

func TestBlobs(t *testing.T) {
	s := openTestStore(t)
	key := results.Key("teacher")
	weights := []byte("\x00\x01binary weights\n\xff")
	if err := s.SaveBlob(key, "teacher_m0", weights); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveBlob(key, "empty", nil); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"teacher_m0": weights, "empty": {}} {
		got, ok, err := s.LoadBlob(key, name)
		if err != nil || !ok || !bytes.Equal(got, want) {
			t.Errorf("LoadBlob(%s) = %q, %v, %v; want %q", name, got, ok, err, want)
		}
	}
	if got, ok, err := s.LoadBlob(key, "absent"); got != nil || ok || err != nil {
		t.Errorf("LoadBlob of a missing blob = %v, %v, %v", got, ok, err)
	}
	for _, name := range []string{"", "../x", "a.b", strings.Repeat("x", 65)} {
		if err := s.SaveBlob(key, name, weights); err == nil {
			t.Errorf("SaveBlob accepted the name %q", name)
		}
	}
}

func TestBlobCorruption(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(good []byte) []byte
		reason string
	}{
		{"truncated data", func(b []byte) []byte { return b[:len(b)-3] }, "truncated"},
		{"flipped data byte", func(b []byte) []byte { b = bytes.Clone(b); b[len(b)-1] ^= 1; return b }, "checksum mismatch"},
		{"no header", func(b []byte) []byte { return []byte("raw weights without header") }, "header"},
		{"other blob's file", func(b []byte) []byte { return bytes.Replace(b, []byte("name=teacher"), []byte("name=student"), 1) }, "want key="},
		{"no checksum", func(b []byte) []byte { return emptyHeaderField(b, "sha256=") }, "no checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			key := results.Key(tc.name)
			if err := s.SaveBlob(key, "teacher", bytes.Repeat([]byte("w"), 100)); err != nil {
				t.Fatal(err)
			}
			path := s.BlobPath(key, "teacher")
			good, _ := os.ReadFile(path)
			if err := os.WriteFile(path, tc.damage(good), 0o644); err != nil {
				t.Fatal(err)
			}
			data, ok, err := s.LoadBlob(key, "teacher")
			var cerr *results.CorruptError
			if data != nil || ok || !errors.As(err, &cerr) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("LoadBlob = %v, %v, %v; want a *CorruptError saying %q", data, ok, err, tc.reason)
			}
			if _, err := os.Stat(path + ".corrupt"); err != nil {
				t.Errorf("damaged blob not moved aside: %v", err)
			}
		})
	}
}

// emptyHeaderField empties the value of the last field of a blob's header line ("sha256=…").
func emptyHeaderField(b []byte, field string) []byte {
	i := bytes.Index(b, []byte(field))
	end := i + bytes.IndexByte(b[i:], '\n')
	return append(bytes.Clone(b[:i+len(field)]), b[end:]...)
}

func TestDefaultHomeAndOpenStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	t.Setenv(results.HomeEnv, dir)
	home, err := results.DefaultHome()
	if err != nil || home != dir {
		t.Errorf("DefaultHome() = %q, %v; want $MMLAB_HOME %q", home, err, dir)
	}
	s, err := results.OpenStore("")
	if err != nil {
		t.Fatal(err)
	}
	if s.Home() != dir || s.DatasetCacheDir() != filepath.Join(dir, "datasets") {
		t.Errorf("Home, DatasetCacheDir = %q, %q; want %q and its datasets/", s.Home(), s.DatasetCacheDir(), dir)
	}
	if fi, err := os.Stat(s.DatasetCacheDir()); err != nil || !fi.IsDir() {
		t.Errorf("OpenStore did not create %s: %v", s.DatasetCacheDir(), err)
	}

	t.Setenv(results.HomeEnv, "")
	home, err = results.DefaultHome()
	cache, cacheErr := os.UserCacheDir()
	if cacheErr == nil && (err != nil || home != filepath.Join(cache, "mmlab")) {
		t.Errorf("DefaultHome() without MMLAB_HOME = %q, %v; want %q", home, err, filepath.Join(cache, "mmlab"))
	}
}

func TestCurrentVersions(t *testing.T) {
	for _, tc := range []struct{ backend, want string }{
		{"", "go"},
		{"xla:cpu", "xla:cpu"},
	} {
		v := mmlab.CurrentVersions(tc.backend)
		if v.Backend != tc.want {
			t.Errorf("CurrentVersions(%q).Backend = %q, want %q", tc.backend, v.Backend, tc.want)
		}
		if v.Go != runtime.Version() {
			t.Errorf("Go = %q, want %q", v.Go, runtime.Version())
		}
		if v.GoMLX == "" || v.Commit == "" {
			t.Errorf("CurrentVersions(%q) = %+v: GoMLX and Commit must never be empty (use \"unknown\")", tc.backend, v)
		}
	}
}
