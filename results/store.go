package results

// The results store (docs/DESIGN.md §6): every finished run is a JSON record in a directory keyed by a
// hash of its inputs, so that re-running a notebook cell (a new process under GoNB) reuses
// finished runs instead of retraining them.
//
// Layout under the store's home directory:
//
//	<home>/runs/<key[:2]>/<key>.json          one run record
//	<home>/runs/<key[:2]>/<key>.<name>.blob   blobs saved with that run (e.g. teacher weights)
//	<home>/runs/<key[:2]>/<key>.lease         while a process computes that run (Claim)
//	<home>/datasets/                          caches of generated datasets (see DatasetCacheDir)
//
// Every file is written atomically (temporary file in the same directory, fsync, rename), so a
// reader never sees half a file, and carries a SHA-256 checksum of its payload, so a damaged file
// is detected instead of being used.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mmlab-go/mmlab/datasets"
	"github.com/mmlab-go/mmlab/internal/fsutil"
)

// HomeEnv is the environment variable that sets the mmlab home directory (results store, dataset
// caches, the ECharts script installed by set-up). It is the only environment variable mmlab's
// library code reads; see DefaultHome. It is datasets.HomeEnv.
const HomeEnv = datasets.HomeEnv

// RecordFormat and RecordVersion identify the on-disk format of a run record. A record with
// another format name or version is reported as corrupt by Store.Load (and moved aside), so the
// run is recomputed rather than misread.
const (
	RecordFormat  = "mmlab-run"
	RecordVersion = 1
)

// keyHexLen is the length of a key in hex digits: 32 hex digits are 128 bits of SHA-256, far more
// than enough to make an accidental collision between two different sets of inputs impossible in
// practice, while keeping file names readable.
const keyHexLen = 32

// keyDomain is hashed before the inputs, so that a future change of the key scheme can change
// this string and never collide with keys computed by this one.
const keyDomain = "mmlab.Key v1\n" // the name it had before the move to package results: keys must not change

// blobMagic starts the header line of every blob file.
const blobMagic = "mmlab-blob"

// DefaultHome returns the mmlab home directory: $MMLAB_HOME if it is set and not empty, else
// "mmlab" inside the user's cache directory (os.UserCacheDir, e.g. ~/.cache/mmlab on Linux).
// MMLAB_HOME is the one environment variable mmlab's library code reads. The rule lives in
// datasets.Home, which caches generated datasets under the same home.
func DefaultHome() (string, error) { return datasets.Home() }

// Key returns the results-store key of a run's inputs: the first 32 hex digits (128 bits) of the
// SHA-256 of a canonical JSON encoding of inputs.
//
// The canonical encoding is inputs encoded with encoding/json, decoded into generic values and
// encoded again, so every JSON object — Go maps and structs alike — has its keys sorted. Hence:
//   - the order of map entries and the order of struct fields do not change the key;
//   - the JSON names of fields and all values do: renaming, adding or removing a field (even one
//     left at its zero value, unless it is tagged omitempty) gives new keys, and so a recompute;
//   - numbers are kept as written by encoding/json (shortest representation that round-trips),
//     so float64(1) and int(1) both encode as 1 and give the same key.
//
// Inputs should hold everything that determines a run (method, full configuration, dataset spec,
// seed) and nothing that does not (no timestamps, no paths to the store).
//
// Key panics if inputs cannot be encoded as JSON (NaN or infinite floats, channels, functions):
// keys are computed from validated configuration values, so that is a programming error.
func Key(inputs any) string {
	canonical, err := canonicalJSON(inputs)
	if err != nil {
		panic(fmt.Sprintf("results.Key: inputs of type %T cannot be encoded as JSON: %v "+
			"(keys must be computed from validated, finite configuration values)", inputs, err))
	}
	h := sha256.New()
	h.Write([]byte(keyDomain))
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))[:keyHexLen]
}

// canonicalJSON encodes v with sorted object keys at every level (see Key).
func canonicalJSON(v any) ([]byte, error) {
	first, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(first))
	dec.UseNumber() // keep numbers exactly as first encoded
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	return json.Marshal(generic)
}

// validKey reports whether key looks like a key made by Key: lower-case hex, 16 to 64 digits. It
// keeps arbitrary strings (e.g. "../x") out of file paths.
func validKey(key string) error {
	if len(key) < 16 || len(key) > 64 {
		return fmt.Errorf("invalid key %q: want 16 to 64 lower-case hex digits (made by results.Key)", key)
	}
	for _, c := range key {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("invalid key %q: want lower-case hex digits only (made by results.Key)", key)
		}
	}
	return nil
}

// validBlobName reports whether name can be a blob name: 1 to 64 characters from [A-Za-z0-9_-],
// so it is safe in a file name and cannot be confused with the record or a temporary file.
func validBlobName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("invalid blob name %q: want 1 to 64 characters from [A-Za-z0-9_-]", name)
	}
	for _, c := range name {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-') {
			return fmt.Errorf("invalid blob name %q: want characters from [A-Za-z0-9_-] only", name)
		}
	}
	return nil
}

// Store is a results directory (docs/DESIGN.md §6). It is safe for concurrent use by several goroutines
// and several processes (e.g. shards of a sweep writing to one shared directory): writes are
// atomic renames, and concurrent writers of one key write the same inputs' results, the last
// rename winning with a complete file. Claim lets those processes agree which of them computes a
// run, so that it is computed once (RunStudy uses it; see the package documentation).
type Store struct {
	home string

	// OnCorrupt, if set, is called for every corrupt record or blob that Load or LoadBlob finds,
	// after the file has been moved aside; Load and LoadBlob then report a miss (found == false,
	// nil error), so the caller simply recomputes. A notebook would print the error:
	//
	//	store.OnCorrupt = func(err *results.CorruptError) { fmt.Println("warning:", err) }
	//
	// If OnCorrupt is nil, Load and LoadBlob return the *CorruptError as their error instead
	// (still with found == false and the file already moved aside). Set it before using the store.
	OnCorrupt func(err *CorruptError)
}

// CorruptError reports a record or blob file that cannot be trusted: not valid JSON, truncated,
// wrong checksum, missing checksum, a record for another key, an unknown format or version, or a
// run whose values are implausible (a missing field, an accuracy outside [0, 1], lengths that
// disagree; see checkRunRecord) — e.g. a record edited by hand with its checksum recomputed. The
// file has been moved aside to MovedTo (unless that failed, see MoveErr), so the next Load is a
// miss and the run is recomputed; the damaged file is kept for inspection (replacing an older
// .corrupt copy of the same file, if any), never silently deleted or reused.
type CorruptError struct {
	Path    string // the file that was found corrupt
	MovedTo string // where it was moved ("" if the move failed)
	Reason  string // what is wrong with it, e.g. "checksum mismatch"
	Err     error  // the underlying error (e.g. from encoding/json), or nil
	MoveErr error  // why moving it aside failed, or nil
}

// Error implements error.
func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("mmlab: corrupt results file %s: %s", e.Path, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.MoveErr != nil {
		return msg + fmt.Sprintf("; could not move it aside (%v): delete it by hand", e.MoveErr)
	}
	return msg + fmt.Sprintf("; moved aside to %s, treat the run as missing and recompute it", e.MovedTo)
}

// Unwrap returns the underlying error.
func (e *CorruptError) Unwrap() error { return e.Err }

// OpenStore opens (creating if needed) the results store at dir; an empty dir means DefaultHome().
// It creates <dir>/runs and <dir>/datasets, and removes the temporary files that a process killed
// while writing left there more than StaleTempAge ago.
func OpenStore(dir string) (*Store, error) {
	if dir == "" {
		var err error
		if dir, err = DefaultHome(); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("results.OpenStore: %s: %w", dir, err)
	}
	for _, sub := range []string{"runs", "datasets"} {
		if err := os.MkdirAll(filepath.Join(abs, sub), 0o755); err != nil {
			return nil, fmt.Errorf("results.OpenStore: %w", err)
		}
	}
	removeStaleTemps(abs, time.Now())
	return &Store{home: abs}, nil
}

// Home returns the store's home directory (absolute).
func (s *Store) Home() string { return s.home }

// DatasetCacheDir returns <home>/datasets, where generated datasets are cached (docs/DESIGN.md §2.2).
// OpenStore creates it.
func (s *Store) DatasetCacheDir() string { return filepath.Join(s.home, "datasets") }

// RecordPath returns the path of key's run record, <home>/runs/<key[:2]>/<key>.json, whether or
// not it exists. The key is not validated here; Load and Save do.
func (s *Store) RecordPath(key string) string {
	prefix := key
	if len(prefix) > 2 {
		prefix = prefix[:2]
	}
	return filepath.Join(s.home, "runs", prefix, key+".json")
}

// BlobPath returns the path of key's blob name, <home>/runs/<key[:2]>/<key>.<name>.blob, whether
// or not it exists.
func (s *Store) BlobPath(key, name string) string {
	return strings.TrimSuffix(s.RecordPath(key), ".json") + "." + name + ".blob"
}

// recordFile is the on-disk envelope of a run record. Run holds the run's JSON; SHA256 is the hex
// SHA-256 of Run in compact form (json.Compact), so the file can be indented for people to read.
type recordFile struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SHA256  string          `json:"sha256"`
	Run     json.RawMessage `json:"run"`
}

// Save writes run to the store under run.Key, atomically, replacing any record with that key.
// It refuses runs with an invalid key, no method, or any NaN or infinite number (accuracies,
// curves, configuration values), and runs that Load would find implausible (an accuracy outside
// [0, 1], lengths that disagree), naming the field. Config values come back from Load as JSON
// values (float64, string, bool, []any, map[string]any).
//
// Save blobs (SaveBlob) before the record, so a record that exists always has its blobs.
func (s *Store) Save(run *Run) error {
	if run == nil {
		return errors.New("results.Store.Save: nil run")
	}
	if err := validKey(run.Key); err != nil {
		return fmt.Errorf("results.Store.Save: run of method %q seed %d: %w", run.Method, run.Seed, err)
	}
	if run.Method == "" {
		return fmt.Errorf("results.Store.Save: run %s has no method", run.Key)
	}
	if err := checkFinite(reflect.ValueOf(run), "run"); err != nil {
		return fmt.Errorf("results.Store.Save: refusing run %s (method %q, seed %d): %w", run.Key, run.Method, run.Seed, err)
	}
	payload, err := json.Marshal(run)
	if err != nil {
		return fmt.Errorf("results.Store.Save: run %s: %w", run.Key, err)
	}
	// What Load would reject as implausible is not written (so every saved record loads).
	if reason := checkRunRecord(payload, run); reason != "" {
		return fmt.Errorf("results.Store.Save: refusing run %s (method %q, seed %d): %s", run.Key, run.Method, run.Seed, reason)
	}
	sum := sha256.Sum256(payload)
	data, err := json.MarshalIndent(recordFile{
		Format:  RecordFormat,
		Version: RecordVersion,
		SHA256:  hex.EncodeToString(sum[:]),
		Run:     payload,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("results.Store.Save: run %s: %w", run.Key, err)
	}
	data = append(data, '\n')
	if err := writeAtomic(s.RecordPath(run.Key), data); err != nil {
		return fmt.Errorf("results.Store.Save: run %s: %w", run.Key, err)
	}
	return nil
}

// Load reads the run stored under key. A missing record gives (nil, false, nil). A corrupt record
// (see CorruptError) is never returned as a run: it is moved aside to <file>.corrupt and reported
// — through OnCorrupt if set (then Load returns (nil, false, nil)), else as a *CorruptError.
// Other failures (e.g. permissions) are returned as errors and leave the file in place.
func (s *Store) Load(key string) (*Run, bool, error) {
	if err := validKey(key); err != nil {
		return nil, false, fmt.Errorf("results.Store.Load: %w", err)
	}
	path := s.RecordPath(key)
	for attempt := 0; ; attempt++ {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("results.Store.Load: %w", err)
		}
		run, reason, cause := decodeRecord(key, data)
		if reason == "" {
			return run, true, nil
		}
		// Another process may have replaced the file with a good one since we read it: only
		// move aside what we actually read, and read once more if it changed.
		cerr, changed := quarantine(path, data, reason, cause)
		if changed && attempt == 0 {
			continue
		}
		return nil, false, s.reportCorrupt(cerr)
	}
}

// decodeRecord parses and checks a record file's bytes. On failure it returns a reason (and the
// underlying error, if any) and no run.
func decodeRecord(key string, data []byte) (run *Run, reason string, cause error) {
	var rec recordFile
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, "not a valid JSON record (truncated or damaged?)", err
	}
	if rec.Format != RecordFormat {
		return nil, fmt.Sprintf("format is %q, want %q", rec.Format, RecordFormat), nil
	}
	if rec.Version != RecordVersion {
		return nil, fmt.Sprintf("record format version %d, this mmlab reads version %d", rec.Version, RecordVersion), nil
	}
	if rec.SHA256 == "" {
		return nil, "record has no checksum", nil
	}
	if len(rec.Run) == 0 || string(rec.Run) == "null" {
		return nil, "record has no run", nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, rec.Run); err != nil {
		return nil, "run is not valid JSON", err
	}
	sum := sha256.Sum256(compact.Bytes())
	if got := hex.EncodeToString(sum[:]); got != rec.SHA256 {
		return nil, fmt.Sprintf("checksum mismatch: run hashes to %s, record says %s", got, rec.SHA256), nil
	}
	run = new(Run)
	if err := json.Unmarshal(rec.Run, run); err != nil {
		return nil, "run does not decode", err
	}
	if run.Key != key {
		return nil, fmt.Sprintf("record holds key %q, want %q", run.Key, key), nil
	}
	if reason := checkRunRecord(rec.Run, run); reason != "" {
		return nil, "implausible run: " + reason, nil
	}
	return run, "", nil
}

// SaveBlob stores data (e.g. a teacher's weights) as blob name of run key, atomically, next to
// the run's record. The file starts with one header line that holds the key, the name, the size
// and the SHA-256 of data, which LoadBlob checks. name is 1 to 64 characters from [A-Za-z0-9_-].
func (s *Store) SaveBlob(key, name string, data []byte) error {
	if err := validKey(key); err != nil {
		return fmt.Errorf("results.Store.SaveBlob: %w", err)
	}
	if err := validBlobName(name); err != nil {
		return fmt.Errorf("results.Store.SaveBlob: %w", err)
	}
	sum := sha256.Sum256(data)
	header := fmt.Sprintf("%s %d key=%s name=%s size=%d sha256=%s\n",
		blobMagic, RecordVersion, key, name, len(data), hex.EncodeToString(sum[:]))
	file := make([]byte, 0, len(header)+len(data))
	file = append(append(file, header...), data...)
	if err := writeAtomic(s.BlobPath(key, name), file); err != nil {
		return fmt.Errorf("results.Store.SaveBlob: %w", err)
	}
	return nil
}

// LoadBlob reads blob name of run key. A missing blob gives (nil, false, nil); a corrupt one is
// handled as in Load (moved aside, reported through OnCorrupt or as a *CorruptError).
func (s *Store) LoadBlob(key, name string) ([]byte, bool, error) {
	if err := validKey(key); err != nil {
		return nil, false, fmt.Errorf("results.Store.LoadBlob: %w", err)
	}
	if err := validBlobName(name); err != nil {
		return nil, false, fmt.Errorf("results.Store.LoadBlob: %w", err)
	}
	path := s.BlobPath(key, name)
	for attempt := 0; ; attempt++ {
		file, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("results.Store.LoadBlob: %w", err)
		}
		data, reason := decodeBlob(key, name, file)
		if reason == "" {
			return data, true, nil
		}
		cerr, changed := quarantine(path, file, reason, nil)
		if changed && attempt == 0 {
			continue
		}
		return nil, false, s.reportCorrupt(cerr)
	}
}

// decodeBlob checks a blob file and returns its data, or a reason why it is corrupt.
func decodeBlob(key, name string, file []byte) (data []byte, reason string) {
	nl := bytes.IndexByte(file, '\n')
	if nl < 0 || nl > 512 {
		return nil, "no blob header line"
	}
	fields := strings.Fields(string(file[:nl]))
	if len(fields) != 6 || fields[0] != blobMagic {
		return nil, fmt.Sprintf("bad blob header %q", file[:nl])
	}
	if fields[1] != strconv.Itoa(RecordVersion) {
		return nil, fmt.Sprintf("blob format version %s, this mmlab reads version %d", fields[1], RecordVersion)
	}
	want := map[string]string{}
	for _, f := range fields[2:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Sprintf("bad blob header field %q", f)
		}
		want[k] = v
	}
	if want["key"] != key || want["name"] != name {
		return nil, fmt.Sprintf("blob is key=%s name=%s, want key=%s name=%s", want["key"], want["name"], key, name)
	}
	if want["sha256"] == "" {
		return nil, "blob has no checksum"
	}
	data = file[nl+1:]
	if want["size"] != strconv.Itoa(len(data)) {
		return nil, fmt.Sprintf("blob has %d bytes, header says %s (truncated?)", len(data), want["size"])
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != want["sha256"] {
		return nil, fmt.Sprintf("checksum mismatch: data hashes to %s, header says %s", got, want["sha256"])
	}
	return data, ""
}

// reportCorrupt hands err to OnCorrupt (and returns nil: a miss) or returns it.
func (s *Store) reportCorrupt(err *CorruptError) error {
	if s.OnCorrupt != nil {
		s.OnCorrupt(err)
		return nil
	}
	return err
}

// quarantine moves the corrupt file at path to path+".corrupt" (replacing an older one there), but
// only if it still holds the bytes that were read; if it changed meanwhile (a concurrent Save),
// changed is true and the new file stays in place.
//
// The file is first renamed to a unique hidden name, atomically, and only then compared: what is
// compared is exactly what was moved, so a good record that another process renames into place
// at any moment is either left alone or moved back, never quarantined. (A check followed by a
// rename of path would move a good record written between the two.)
func quarantine(path string, read []byte, reason string, cause error) (cerr *CorruptError, changed bool) {
	cerr = &CorruptError{Path: path, Reason: reason, Err: cause}
	dest := path + ".corrupt"
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	// A hidden .tmp name, which OpenStore's clean-up removes if the process dies right here.
	aside := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+hex.EncodeToString(suffix)+".tmp")
	quarantineHook(path)
	if err := os.Rename(path, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) { // someone else moved it aside already
			cerr.MovedTo = dest
			return cerr, false
		}
		cerr.MoveErr = err
		return cerr, false
	}
	if moved, err := os.ReadFile(aside); err == nil && !bytes.Equal(moved, read) {
		// A concurrent Save replaced the file after it was read: put that one back. (Should yet
		// another Save have landed since, this replaces one complete record by another.)
		if err := os.Rename(aside, path); err != nil {
			cerr.MoveErr = err
		}
		return cerr, true
	}
	if err := os.Rename(aside, dest); err != nil {
		cerr.MoveErr = err
		_ = os.Rename(aside, path) // keep it where it was, for inspection
		return cerr, false
	}
	cerr.MovedTo = dest
	return cerr, false
}

// quarantineHook is called just before a corrupt file is moved aside; tests use it to race a
// concurrent write against the move.
var quarantineHook = func(path string) {}

// writeAtomic writes data to path so that readers see either the old file or the complete new
// one: a temporary file in the same directory, fsync, rename, then fsync of the directory so the
// rename survives a crash (and, when the directory was just created, fsync of its parent, so the
// directory does too). A directory fsync error fails the write, except where the file system
// does not support fsync on directories (EINVAL, ENOTSUP).
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if _, statErr := os.Stat(dir); errors.Is(statErr, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := fsyncDir(filepath.Dir(dir)); err != nil {
			return err
		}
	}
	// Permissions 0644 as reduced by the umask, like any file the user creates.
	tmp, err := fsutil.CreateTemp(dir, "."+filepath.Base(path)+".", ".tmp", 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = syncFile(tmp); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return fsyncDir(dir)
}

// WriteFileAtomic writes data to path so that path holds either its previous content or the
// complete new one, never a truncated file: the store's own writer (see writeAtomic), which the
// CLI also uses for --out. On failure the temporary file is removed.
func WriteFileAtomic(path string, data []byte) error { return writeAtomic(path, data) }

// syncFile syncs the temporary file before its rename; tests replace it to inject failures.
var syncFile = func(f *os.File) error { return f.Sync() }

// syncDir syncs an open directory; tests replace it to inject failures.
var syncDir = func(d *os.File) error { return d.Sync() }

// fsyncDir fsyncs directory dir, ignoring only "not supported" errors (and doing nothing on
// Windows, which cannot fsync a directory).
func fsyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := syncDir(d); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("fsync of directory %s: %w", dir, err)
	}
	return nil
}

// checkFinite walks v (structs by their JSON names, maps, slices, pointers, interfaces) and
// returns an error naming the first NaN or infinite float it finds.
func checkFinite(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s is %v (only finite numbers can be stored)", path, f)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkFinite(v.Elem(), path)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if err := checkFinite(v.Field(i), path+"."+name); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkFinite(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if err := checkFinite(iter.Value(), fmt.Sprintf("%s[%v]", path, iter.Key())); err != nil {
				return err
			}
		}
	}
	return nil
}
