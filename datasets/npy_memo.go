package datasets

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"
)

// Reading a user's files once. A training run parses its --data spec in the CLI, again in
// RunStudy (from the canonical string, to check its sha256), and then generates the dataset;
// each used to read and hash every file in full. Now the first ParseSpec of npy data remembers
// what it read, per process, together with a fingerprint of the files (see npyFileID). A later
// ParseSpec or Generate of the same data whose files still have the same fingerprint reads
// nothing: it returns the resolved spec and the dataset that was read, which the spec's sha256
// describes exactly. A file whose fingerprint changed is read again and checked against the
// sha256 as before.
//
// Memory: the process keeps the most recently read npy dataset, and others only while some
// caller still holds them (weak pointers), so a program that parses one npy spec and drops it
// keeps at most that one dataset beyond what it holds itself.

// npyFilesRead counts the files of users' data this process has read in full (a directory's
// .npy file, or an .npz file).
var npyFilesRead atomic.Int64

// NPYFilesRead returns how many files of users' npy data (a directory's .npy files or an .npz
// file) this process has read, for tests and diagnostics: parsing a spec and generating its
// dataset reads each file once, and parsing it again while the files are unchanged reads none.
func NPYFilesRead() int64 { return npyFilesRead.Load() }

// npyRacyWindow: files changed less than this before their fingerprint was taken are not
// remembered. A second change within the same tick of a file system's clock could keep size,
// mtime and ctime as they were; the window covers clocks of 1 s resolution. (Git's index has the
// same rule for "racily clean" files.)
var npyRacyWindow = time.Second

// npyFileID identifies the state of one file: a change of content gives a new ctime (which no
// program can set back), and usually a new size and mtime.
type npyFileID struct {
	name        string
	size, mtime int64
	dev, ino    uint64
	ctime       int64 // change time in ns where the platform has one (Linux), else mtime
}

// npyLoaded is what one load read: the resolved spec, the spec fields it was resolved from, and
// the dataset.
type npyLoaded struct {
	files     []npyFileID
	input     NPYSpec // the keys parseNPY was given (Modalities, K as given; Val, Test, Seed)
	splitKeys bool    // input gave val, test or seed
	resolved  NPYSpec // without loaded
	canonical string  // resolved.String()
	data      weak.Pointer[Dataset]
}

var npyMemo struct {
	sync.Mutex
	loads []*npyLoaded
	last  *Dataset // the most recently read dataset, held strongly
}

// npyFingerprint returns the absolute path of the data and the identity of every file a load
// reads (every non-hidden *.npy of a directory, or the .npz file); ok is false when that cannot
// be known, or when a file changed within npyRacyWindow of now, so nothing is remembered.
func npyFingerprint(path string) (abs string, files []npyFileID, ok bool) {
	if path == "" || strings.Contains(path, ",") {
		return "", nil, false // openNPYSource reports it
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, false
	}
	now := time.Now()
	info, err := os.Stat(abs)
	if err != nil {
		return abs, nil, false
	}
	add := func(name string, fi fs.FileInfo) bool {
		id := npyFileID{name: name, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
		id.dev, id.ino, id.ctime = statIdentity(fi)
		files = append(files, id)
		return fi.Mode().IsRegular() && now.Sub(time.Unix(0, max(id.ctime, id.mtime))) >= npyRacyWindow
	}
	if !info.IsDir() {
		return abs, files, add("", info)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return abs, nil, false
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".npy") {
			continue
		}
		fi, err := os.Stat(filepath.Join(abs, name))
		if err != nil || !add(name, fi) {
			return abs, nil, false
		}
	}
	return abs, files, true
}

// rememberNPY records a load whose files had the fingerprint files before it read them.
func rememberNPY(files []npyFileID, input NPYSpec, splitKeys bool, resolved NPYSpec, d *Dataset) {
	resolved.loaded = nil
	l := &npyLoaded{files: files, input: input, splitKeys: splitKeys, resolved: resolved,
		canonical: resolved.String(), data: weak.Make(d)}
	npyMemo.Lock()
	defer npyMemo.Unlock()
	// Drop what no longer describes the files at that path, and forgotten datasets.
	npyMemo.loads = slices.DeleteFunc(npyMemo.loads, func(o *npyLoaded) bool {
		return o.resolved.Path == resolved.Path && !slices.Equal(o.files, files) ||
			o.canonical == l.canonical && o.data.Value() == nil
	})
	npyMemo.loads = append(npyMemo.loads, l)
	npyMemo.last = d
}

// rememberedNPY returns the load of the data at abs, while its files still have the
// fingerprint files, that match reports as the one wanted; the dataset is nil when it was
// collected (the spec is still right: Generate then reads the files).
func rememberedNPY(abs string, files []npyFileID, match func(*npyLoaded) bool) (NPYSpec, *Dataset, bool) {
	npyMemo.Lock()
	defer npyMemo.Unlock()
	for _, l := range slices.Backward(npyMemo.loads) {
		if l.resolved.Path == abs && slices.Equal(l.files, files) && match(l) {
			return l.resolved, l.data.Value(), true
		}
	}
	return NPYSpec{}, nil, false
}

// sameResolution reports whether parsing keys s (splitKeys: whether val, test or seed were
// given; want: the sha256 key, if given) resolves to what l resolved: each key either given as
// l's resolved value or, like l's input, left to its default.
func (l *npyLoaded) sameResolution(s NPYSpec, splitKeys bool, want string) bool {
	r := l.resolved
	switch {
	case !(s.Modalities == nil && l.input.Modalities == nil || slices.Equal(s.Modalities, r.Modalities)):
		return false
	case !(s.K == 0 && l.input.K == 0 || s.K == r.K):
		return false
	case r.SplitArray && splitKeys:
		return false // an error: let load report it
	case !r.SplitArray && (s.Val != r.Val || s.Test != r.Test || s.Seed != r.Seed):
		return false
	case want != "" && want != r.Checksum:
		return false // let load report the changed files
	}
	return true
}
