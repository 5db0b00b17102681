package datasets

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/mmlab-go/mmlab/internal/fsutil"
	"github.com/sbinet/npyio/npy"
)

// NPYName is the dataset kind of a user's own NumPy arrays in spec strings: "npy:DIR" or
// "npy:FILE.npz".
const NPYName = "npy"

// Defaults of the drawn split (NPYSpec.Val, Test, Seed): 70% train, 10% validation, 20% test.
const (
	DefaultNPYVal  = 0.1
	DefaultNPYTest = 0.2
	DefaultNPYSeed = 1
)

// MaxNPYClasses bounds K for users' data. A label far beyond the number of samples is more
// likely a mis-written file than a real class index, and K sets the width of every model head.
const MaxNPYClasses = 1 << 16

// Array names with a fixed meaning; every other array is a modality.
const (
	npyLabels = "labels"
	npySplit  = "split"
	npyTags   = "tags"
)

// Split codes in split.npy.
const (
	npyTrain = 0
	npyVal   = 1
	npyTest  = 2
)

// streamNPYSplit is the PCG stream of the drawn split (see LazyPair's streams).
const streamNPYSplit = 5 << 32

// checksumLen is the number of hex digits of the SHA-256 that specs keep (64 bits: enough to
// tell any two versions of a user's files apart, short enough to read).
const checksumLen = 16

func init() { RegisterPositional(NPYName, "path", parseNPY) }

// NPYSpec is a user's own dataset: NumPy arrays with samples first, the format that features
// extracted in Python are usually saved in (docs/DESIGN.md §2.3). ParseSpec("npy:PATH,key=value,...")
// resolves it by reading every file in full, checking it and computing its checksum; Generate
// reads the files again and splits them.
//
// Layout. PATH is a directory of .npy files, or one .npz file (np.savez / np.savez_compressed) holding
// the same arrays under the same names. A directory is read only for its *.npy files (files
// whose names start with '.' are skipped); to use an .npz file, name it in the path — a
// directory is never searched for one. Every *.npy entry must be a regular file (symbolic links
// to one are followed): a dangling link, a link loop, a FIFO, a device or a directory is an
// error naming it, found without opening it. Each array's header is read and checked first, and
// no more data is read than it announces; an array announcing more values than fit
// MaxDatasetBytes as float32, or a size other than its file's or zip entry's, is an error before
// its data is read (so a small compressed .npz cannot expand into gigabytes).
//
//   - labels.npy: the class of every sample, shape (N,) or (N, 1), any integer dtype; K is
//     max label + 1 unless the spec gives k, and K ≤ N: a label ≥ N (a class count above the
//     sample count) is an error naming the sample and the label, as is k > N.
//   - <modality>.npy, one per modality (at least two): shape (N, ...) with any per-sample shape
//     of rank ≥ 1, e.g. (N, 512) features or (N, 1, 32, 32) images, which becomes
//     Modality.Shape; float16, float32 or float64 (read as float32), or an integer dtype whose
//     values are exact in float32 (|v| ≤ 2^24, e.g. uint8 pixels). The file name without .npy is
//     the modality's name. Modalities come in file-name order, digit runs compared as numbers
//     (m2 before m10), unless the spec's modalities key lists them.
//   - split.npy, optional: shape (N,) or (N, 1), integers 0 = train, 1 = val, 2 = test; every
//     split must be non-empty.
//   - tags.npy, optional: shape (N,) or (N, 1), per-sample Tag bits (see Tag), so that
//     Split.Subset works on data that has diagnostic subsets; SaveNPY writes it.
//
// Without split.npy the split is drawn, stratified by class: the samples of each class, in a
// random order from PCG(seed, 5<<32), go round(test·n_c) to test, round(val·n_c) to val and
// the rest to train, and each split keeps the files' sample order. With split.npy, the keys
// val, test and seed are errors (they would be ignored).
//
// Everything is checked, and every error names the file, the field and the offending value:
// bad or truncated .npy files, unsupported dtypes (bool, complex, string, object, ...),
// sample counts that differ between files, negative labels or labels ≥ k, fewer than two
// classes, NaN/Inf features (sample and feature index), split values other than 0, 1, 2, and
// missing files. Nothing is truncated or skipped silently; the dataset then passes
// Dataset.Validate. Object arrays are never unpickled.
//
// Spec strings. The path is the first item, then keys: "npy:/data/vggsound" or
// "npy:feats/ks.npz,val=0.15,test=0.15,seed=3". The path cannot contain ','. The canonical form
// (String) lists the absolute path, modalities, k, then val, test and seed only for a drawn
// split, and sha256: the first 16 hex digits of a SHA-256 over the files read (their names and
// bytes; for an .npz file, of the file). A results-store key made from the spec therefore
// changes whenever the files change, and parsing a recorded spec whose files have changed since
// is an error rather than silently different data. Moving the files changes the spec too.
//
// A user's files are fixed data: WithSeedOffset returns the spec unchanged, so run seed s
// varies only initialisation and batch order (docs/DESIGN.md §6); the split depends on the spec's
// seed key alone.
//
// Fields are resolved by ParseSpec; in a hand-made NPYSpec, zero Val and Test mean the
// defaults, zero K means max label + 1, nil Modalities means every array, and an empty
// Checksum is not checked.
type NPYSpec struct {
	Path       string   // the directory or .npz file; absolute once resolved
	Modalities []string // modalities: the modality arrays in order, '+'-separated in specs (default every one, file-name order)
	K          int      // k: number of classes (default max label + 1)
	SplitArray bool     // the data has split.npy: Val, Test and Seed are unused (not a key)
	Val        float64  // val: fraction of each class drawn into validation (default 0.1)
	Test       float64  // test: fraction of each class drawn into test (default 0.2)
	Seed       int64    // seed: draws the split (default 1); WithSeedOffset leaves it alone
	Checksum   string   // sha256: first 16 hex digits of the SHA-256 of the files read
}

// NPYKeys returns the spec-string keys of npy in canonical order; "path" is given as the first
// item, without "path=".
func NPYKeys() []string {
	return []string{"path", "modalities", "k", "val", "test", "seed", "sha256"}
}

// npyUsage ends the errors about the spec's shape: what a valid npy spec looks like.
const npyUsage = "want npy:DIR or npy:FILE.npz, then optional keys modalities=a+b, k, val, test, seed, sha256 (go doc datasets.NPYSpec)"

var hexChecksum = regexp.MustCompile(`^[0-9a-f]{16}$`)

// parseNPY is npy's ParseSpec hook: it reads the keys, then loads and checks the files, and
// returns the resolved spec.
func parseNPY(kv map[string]string) (Spec, error) {
	valid := NPYKeys()
	for _, key := range slices.Sorted(maps.Keys(kv)) {
		if !slices.Contains(valid, key) {
			return nil, fmt.Errorf("datasets: npy: unknown key %q; valid keys: %s (path given first, without path=)",
				key, strings.Join(valid[1:], ", "))
		}
	}
	path, ok := kv["path"]
	if !ok {
		return nil, fmt.Errorf("datasets: npy: no data path; %s", npyUsage)
	}
	s := NPYSpec{Path: path, Val: DefaultNPYVal, Test: DefaultNPYTest, Seed: DefaultNPYSeed}
	if v, ok := kv["modalities"]; ok {
		for name := range strings.SplitSeq(v, "+") {
			name = strings.TrimSpace(name)
			if name == "" {
				return nil, fmt.Errorf("datasets: npy: key modalities: %q has an empty name; want names joined by '+', e.g. audio+video", v)
			}
			if slices.Contains(s.Modalities, name) {
				return nil, fmt.Errorf("datasets: npy: key modalities: %q names %s twice", v, name)
			}
			s.Modalities = append(s.Modalities, name)
		}
	}
	if v, ok := kv["k"]; ok {
		k, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("datasets: npy: key k: %q is not an integer", v)
		}
		if k < 2 || k > MaxNPYClasses {
			return nil, fmt.Errorf("datasets: npy: k = %d, want 2 ≤ k ≤ %d", k, MaxNPYClasses)
		}
		s.K = k
	}
	for _, f := range []struct {
		key string
		dst *float64
	}{{"val", &s.Val}, {"test", &s.Test}} {
		if v, ok := kv[f.key]; ok {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("datasets: npy: key %s: %q is not a number", f.key, v)
			}
			if !(x > 0 && x < 1) {
				return nil, fmt.Errorf("datasets: npy: %s = %v, want 0 < %s < 1", f.key, x, f.key)
			}
			*f.dst = x
		}
	}
	if !(s.Val+s.Test < 1) {
		return nil, fmt.Errorf("datasets: npy: val + test = %v + %v ≥ 1 leaves no training samples", s.Val, s.Test)
	}
	if v, ok := kv["seed"]; ok {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("datasets: npy: key seed: %q is not a 64-bit integer", v)
		}
		s.Seed = x
	}
	want, checkSum := kv["sha256"]
	if checkSum && !hexChecksum.MatchString(want) {
		return nil, fmt.Errorf("datasets: npy: sha256 = %q, want the %d lower-case hex digits a canonical spec records", want, checksumLen)
	}
	var splitKeys []string
	for _, key := range []string{"val", "test", "seed"} {
		if _, ok := kv[key]; ok {
			splitKeys = append(splitKeys, key)
		}
	}
	_, resolved, err := s.load(splitKeys)
	if err != nil {
		return nil, err
	}
	if checkSum && resolved.Checksum != want {
		return nil, fmt.Errorf("datasets: npy: %s: the files changed since this spec was recorded: their sha256 is now %s, the spec says %s",
			resolved.Path, resolved.Checksum, want)
	}
	return resolved, nil
}

// Name returns "npy".
func (s NPYSpec) Name() string { return NPYName }

// String returns the canonical spec, e.g.
// "npy:/data/ks,modalities=audio+video,k=32,val=0.1,test=0.2,seed=1,sha256=0123456789abcdef"
// (val, test and seed only when the split is drawn), so ParseSpec(s.String()) gives s again while the
// files are unchanged.
func (s NPYSpec) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%s,modalities=%s,k=%d", NPYName, s.Path, strings.Join(s.Modalities, "+"), s.K)
	if !s.SplitArray {
		fmt.Fprintf(&b, ",val=%s,test=%s,seed=%d",
			strconv.FormatFloat(s.Val, 'g', -1, 64), strconv.FormatFloat(s.Test, 'g', -1, 64), s.Seed)
	}
	fmt.Fprintf(&b, ",sha256=%s", s.Checksum)
	return b.String()
}

// WithSeedOffset returns s itself: a user's files are fixed data, so run seed s varies only
// initialisation and batch order (docs/DESIGN.md §6), never the data or its split.
func (s NPYSpec) WithSeedOffset(int) Spec { return s }

// NumModalities implements Spec: the modalities a spec resolved by ParseSpec lists (every array
// of the directory or file, or those named by modalities=).
func (s NPYSpec) NumModalities() int { return len(s.Modalities) }

// Generate reads the files and splits them. It fails if they no longer match s.Checksum.
func (s NPYSpec) Generate() (*Dataset, error) {
	d, resolved, err := s.load(nil)
	if err != nil {
		return nil, err
	}
	if s.Checksum != "" && resolved.Checksum != s.Checksum {
		return nil, fmt.Errorf("datasets: npy: %s: the files changed since the spec was resolved: their sha256 is now %s, the spec says %s",
			resolved.Path, resolved.Checksum, s.Checksum)
	}
	return d, nil
}

// LoadNPY reads a user's dataset from path (a directory or an .npz file, see NPYSpec) with the
// default keys. It is ParseSpec("npy:"+path) followed by Generate, reading the files once.
func LoadNPY(path string) (*Dataset, error) {
	d, _, err := NPYSpec{Path: path, Seed: DefaultNPYSeed}.load(nil)
	return d, err
}

// npySource is a set of named arrays: a directory of .npy files or an .npz file.
type npySource struct {
	path   string   // absolute path of the directory or .npz file, for errors
	names  []string // array names, file-name order
	read   func(name string) ([]byte, error)
	hashes map[string][sha256.Size]byte // per array read (directory)
	whole  []byte                       // SHA-256 of the .npz file
}

// maxNPYBytes bounds one array file: MaxDatasetBytes of float32 features stored as the widest
// accepted dtype (float64), plus room for the header.
func maxNPYBytes() int64 { return 2*MaxDatasetBytes + maxNPYHeaderBytes + 12 }

// maxNPYHeaderBytes bounds the header of a .npy file (NumPy reads at most 10000 by default).
const maxNPYHeaderBytes = 1 << 16

func openNPYSource(path string) (*npySource, error) {
	if path == "" {
		return nil, fmt.Errorf("datasets: npy: empty data path; %s", npyUsage)
	}
	if strings.Contains(path, ",") {
		return nil, fmt.Errorf("datasets: npy: path %q contains ',', which spec strings cannot hold; rename or link it", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: npy: %s: %w", path, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("datasets: npy: %w; %s", err, npyUsage)
	}
	src := &npySource{path: abs, hashes: map[string][sha256.Size]byte{}}
	switch {
	case info.IsDir():
		entries, err := os.ReadDir(abs)
		if err != nil {
			return nil, fmt.Errorf("datasets: npy: %w", err)
		}
		var npzFiles []string
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			if strings.HasSuffix(name, ".npz") {
				npzFiles = append(npzFiles, name)
			}
			if stem, ok := strings.CutSuffix(name, ".npy"); ok {
				if err := checkNPYEntry(filepath.Join(abs, name)); err != nil {
					return nil, fmt.Errorf("datasets: npy: %s: %s: %w", abs, name, err)
				}
				src.names = append(src.names, stem)
			}
		}
		if len(src.names) == 0 {
			hint := "want labels.npy plus one <modality>.npy per modality"
			if len(npzFiles) > 0 {
				hint = fmt.Sprintf("to read %s, name it: npy:%s", npzFiles[0], filepath.Join(abs, npzFiles[0]))
			}
			return nil, fmt.Errorf("datasets: npy: %s: no .npy files; %s", abs, hint)
		}
		src.read = func(name string) ([]byte, error) {
			raw, err := readNPYFile(filepath.Join(abs, name+".npy"))
			if err != nil {
				return nil, err
			}
			src.hashes[name] = sha256.Sum256(raw)
			return raw, nil
		}
	case info.Mode().IsRegular() && strings.HasSuffix(abs, ".npz"):
		if info.Size() > maxNPYBytes() {
			return nil, fmt.Errorf("datasets: npy: %s: %d bytes, more than the %d this loader reads (MaxDatasetBytes)", abs, info.Size(), maxNPYBytes())
		}
		raw, err := os.ReadFile(abs)
		if err != nil {
			return nil, fmt.Errorf("datasets: npy: %w", err)
		}
		sum := sha256.Sum256(raw)
		src.whole = sum[:]
		zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			return nil, fmt.Errorf("datasets: npy: %s: not a readable .npz (zip) file: %w", abs, err)
		}
		entryOf := map[string]*zip.File{}
		for _, f := range zr.File {
			if stem, ok := strings.CutSuffix(f.Name, ".npy"); ok && !strings.HasPrefix(stem, ".") {
				if _, dup := entryOf[stem]; dup {
					return nil, fmt.Errorf("datasets: npy: %s: entry %s appears twice", abs, f.Name)
				}
				src.names = append(src.names, stem)
				entryOf[stem] = f
			}
		}
		src.read = func(name string) ([]byte, error) {
			f := entryOf[name]
			if f.UncompressedSize64 > uint64(maxNPYBytes()) {
				return nil, fmt.Errorf("zip entry of %d bytes, more than the %d this loader reads (MaxDatasetBytes)", f.UncompressedSize64, maxNPYBytes())
			}
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("zip entry: %w", err)
			}
			defer rc.Close()
			return readNPYBounded(rc, int64(f.UncompressedSize64))
		}
	case info.Mode().IsRegular() && strings.HasSuffix(abs, ".npy"):
		return nil, fmt.Errorf("datasets: npy: %s is one array; give the directory that holds the arrays: npy:%s",
			abs, filepath.Dir(abs))
	default:
		return nil, fmt.Errorf("datasets: npy: %s is neither a directory nor an .npz file; %s", abs, npyUsage)
	}
	slices.SortFunc(src.names, naturalCompare)
	return src, nil
}

// checksum is the first checksumLen hex digits of the SHA-256 of what was read: of the .npz
// file, or over the arrays read from a directory in name order, each as its file name, a zero
// byte and the SHA-256 of its bytes.
func (src *npySource) checksum() string {
	sum := src.whole
	if sum == nil {
		h := sha256.New()
		for _, name := range slices.Sorted(maps.Keys(src.hashes)) {
			file := src.hashes[name]
			h.Write([]byte(name + ".npy\x00"))
			h.Write(file[:])
		}
		sum = h.Sum(nil)
	}
	return hex.EncodeToString(sum)[:checksumLen]
}

func (src *npySource) errorf(file, format string, args ...any) error {
	return fmt.Errorf("datasets: npy: %s: %s.npy: %s", src.path, file, fmt.Sprintf(format, args...))
}

// array reads and parses the header of the named array.
func (src *npySource) array(name string) (*npyArray, error) {
	raw, err := src.read(name)
	if err != nil {
		return nil, src.errorf(name, "%v", err)
	}
	a, err := parseNPYHeader(raw)
	if err != nil {
		return nil, src.errorf(name, "%v", err)
	}
	return a, nil
}

// load reads, checks and splits the arrays, and returns the dataset with the resolved spec.
// splitKeys are the split keys the spec string gave, an error when the data has a split array.
func (s NPYSpec) load(splitKeys []string) (*Dataset, NPYSpec, error) {
	src, err := openNPYSource(s.Path)
	if err != nil {
		return nil, s, err
	}
	res := NPYSpec{Path: src.path}
	has := func(name string) bool { return slices.Contains(src.names, name) }

	// Labels decide N and K.
	if !has(npyLabels) {
		return nil, s, fmt.Errorf("datasets: npy: %s: labels.npy missing (arrays: %s); want labels.npy plus one <modality>.npy per modality",
			src.path, npyList(src.names))
	}
	labels, err := src.intArray(npyLabels, "labels", 0)
	if err != nil {
		return nil, s, err
	}
	n := len(labels)
	maxLabel, maxAt := int64(-1), -1
	for i, y := range labels {
		switch {
		case y < 0:
			return nil, s, src.errorf(npyLabels, "sample %d has label %d; want class indices 0 ≤ label < K", i, y)
		case s.K > 0 && y >= int64(s.K):
			return nil, s, src.errorf(npyLabels, "sample %d has label %d, but k = %d; want 0 ≤ label < k", i, y, s.K)
		case y >= MaxNPYClasses:
			return nil, s, src.errorf(npyLabels, "sample %d has label %d; want labels < %d (at most %d classes)", i, y, MaxNPYClasses, MaxNPYClasses)
		}
		if y > maxLabel {
			maxLabel, maxAt = y, i
		}
	}
	if !slices.ContainsFunc(labels, func(y int64) bool { return y != labels[0] }) {
		return nil, s, src.errorf(npyLabels, "every one of the %d samples has label %d; want at least 2 classes", n, labels[0])
	}
	res.K = s.K
	if res.K == 0 {
		res.K = int(maxLabel) + 1
	}
	switch {
	case s.K > n:
		return nil, s, src.errorf(npyLabels, "k = %d classes, more than the %d samples; want k ≤ N", s.K, n)
	case res.K > n:
		return nil, s, src.errorf(npyLabels, "sample %d has label %d, so K = max label + 1 = %d classes, more than the %d samples; want K ≤ N (a stray label is usually a mis-written file)",
			maxAt, maxLabel, res.K, n)
	}

	// Modalities.
	var available []string
	for _, name := range src.names {
		if name != npyLabels && name != npySplit && name != npyTags {
			available = append(available, name)
		}
	}
	res.Modalities = s.Modalities
	if res.Modalities == nil {
		res.Modalities = available
	}
	for _, name := range res.Modalities {
		if !slices.Contains(available, name) {
			return nil, s, fmt.Errorf("datasets: npy: %s: modalities: no modality array %q (modality arrays: %s)",
				src.path, name, npyList(available))
		}
		if strings.ContainsAny(name, ",+") || strings.TrimSpace(name) != name {
			return nil, s, src.errorf(name, "modality names go into spec strings: rename it without ',', '+' or surrounding spaces")
		}
	}
	switch len(res.Modalities) {
	case 0:
		return nil, s, fmt.Errorf("datasets: npy: %s: no modality arrays beside labels.npy; want one <modality>.npy per modality, at least 2", src.path)
	case 1:
		return nil, s, fmt.Errorf("datasets: npy: %s: only one modality (%s.npy); want at least 2", src.path, res.Modalities[0])
	}
	full := &Split{Labels: make([]int32, n)}
	for i, y := range labels {
		full.Labels[i] = int32(y)
	}
	var mods []Modality
	total := int64(0) // float32 values so far, against MaxDatasetBytes
	for _, name := range res.Modalities {
		shape, values, err := src.features(name, n)
		if err != nil {
			return nil, s, err
		}
		if total += int64(len(values)); total > MaxDatasetBytes/4 {
			return nil, s, src.errorf(name, "the modalities up to this one hold %d float32 values (%.3g GiB), more than the %.3g GiB ceiling (MaxDatasetBytes)",
				total, float64(total)*4/(1<<30), float64(MaxDatasetBytes)/(1<<30))
		}
		mods = append(mods, Modality{Name: name, Shape: shape})
		full.Features = append(full.Features, values)
	}

	// Tags.
	if has(npyTags) {
		tags, err := src.intArray(npyTags, "tags", n)
		if err != nil {
			return nil, s, err
		}
		full.Tags = make([]Tag, n)
		for i, t := range tags {
			if t < 0 || t > math.MaxUint32 {
				return nil, s, src.errorf(npyTags, "sample %d has tags %d; want a uint32 bit mask (see datasets.Tag)", i, t)
			}
			full.Tags[i] = Tag(t)
		}
	}

	// The split.
	var parts [3][]int
	if has(npySplit) {
		if len(splitKeys) > 0 {
			return nil, s, fmt.Errorf("datasets: npy: %s: split.npy gives the split, so the spec's split keys (%s) would be ignored; remove them or split.npy",
				src.path, strings.Join(splitKeys, ", "))
		}
		codes, err := src.intArray(npySplit, "split", n)
		if err != nil {
			return nil, s, err
		}
		for i, c := range codes {
			if c < npyTrain || c > npyTest {
				return nil, s, src.errorf(npySplit, "sample %d has value %d; want 0 (train), 1 (val) or 2 (test)", i, c)
			}
			parts[c] = append(parts[c], i)
		}
		for c, idx := range parts {
			if len(idx) == 0 {
				return nil, s, src.errorf(npySplit, "no sample has value %d (%s); every split needs samples", c, SplitNames[c])
			}
		}
		res.SplitArray = true
	} else {
		res.Val, res.Test, res.Seed = cmp.Or(s.Val, DefaultNPYVal), cmp.Or(s.Test, DefaultNPYTest), s.Seed
		if !(res.Val > 0 && res.Test > 0 && res.Val+res.Test < 1) {
			return nil, s, fmt.Errorf("datasets: npy: val = %v, test = %v; want 0 < val, 0 < test, val + test < 1", res.Val, res.Test)
		}
		parts = stratifiedSplit(labels, res.K, res.Val, res.Test, res.Seed)
		for c, idx := range parts {
			if len(idx) == 0 {
				return nil, s, fmt.Errorf("datasets: npy: %s: the drawn split left %s empty (%d samples, val = %v, test = %v; each class gives round(fraction × its count)); use larger fractions or a split.npy",
					src.path, SplitNames[c], n, res.Val, res.Test)
			}
		}
	}
	res.Checksum = src.checksum()

	d := &Dataset{Spec: res.String(), NumClasses: res.K, Modalities: mods,
		Train: full.Select(parts[npyTrain]), Val: full.Select(parts[npyVal]), Test: full.Select(parts[npyTest])}
	if err := d.Validate(); err != nil {
		return nil, s, fmt.Errorf("datasets: npy: %s: %w", src.path, err)
	}
	return d, res, nil
}

// npyList names arrays as their files, for errors.
func npyList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = n + ".npy"
	}
	return strings.Join(files, ", ")
}

// intArray reads a per-sample integer array (labels, split, tags) of shape (N,) or (N, 1); with
// n > 0 its length must be n, the length of labels.npy.
func (src *npySource) intArray(name, field string, n int) ([]int64, error) {
	a, err := src.array(name)
	if err != nil {
		return nil, err
	}
	if a.kind != 'i' && a.kind != 'u' {
		return nil, src.errorf(name, "%s: dtype %s; want integers (int8 … int64 or uint8 … uint64), e.g. np.save(%q, y.astype(np.int64))",
			field, a.dtypeName(), name+".npy")
	}
	if !(len(a.shape) == 1 || len(a.shape) == 2 && a.shape[1] == 1) {
		hint := ""
		if name == npyLabels && len(a.shape) == 2 {
			hint = " (one-hot labels? save labels.argmax(1))"
		}
		return nil, src.errorf(name, "%s: shape %s; want (N,) or (N, 1), one value per sample%s", field, pyShape(a.shape), hint)
	}
	if len(a.shape) > 0 && a.shape[0] == 0 {
		return nil, src.errorf(name, "%s: shape %s has no samples", field, pyShape(a.shape))
	}
	if n > 0 && a.shape[0] != n {
		return nil, src.errorf(name, "%s: %d samples (shape %s), but labels.npy has %d; want one value per sample",
			field, a.shape[0], pyShape(a.shape), n)
	}
	data, err := a.values()
	if err != nil {
		return nil, src.errorf(name, "%v", err)
	}
	vals, overflow := intValues(data)
	if overflow >= 0 {
		return nil, src.errorf(name, "%s: sample %d has value %d, out of range", field, overflow, data.([]uint64)[overflow])
	}
	return vals, nil
}

// intValues converts any integer slice values returns to int64. overflow is the index of the
// first uint64 above math.MaxInt64 (its int64 is then meaningless), or -1.
func intValues(data any) (vals []int64, overflow int) {
	overflow = -1
	switch x := data.(type) {
	case []int8:
		vals = convertInts(x)
	case []int16:
		vals = convertInts(x)
	case []int32:
		vals = convertInts(x)
	case []int64:
		vals = x
	case []uint8:
		vals = convertInts(x)
	case []uint16:
		vals = convertInts(x)
	case []uint32:
		vals = convertInts(x)
	case []uint64:
		vals = convertInts(x)
		for i, v := range x {
			if v > math.MaxInt64 {
				overflow = i
				break
			}
		}
	}
	return vals, overflow
}

func convertInts[T int8 | int16 | int32 | uint8 | uint16 | uint32 | uint64](x []T) []int64 {
	vals := make([]int64, len(x))
	for i, v := range x {
		vals[i] = int64(v)
	}
	return vals
}

// reflectIndex returns element j of an integer slice, for error messages.
func reflectIndex(data any, j int) any {
	switch x := data.(type) {
	case []int32:
		return x[j]
	case []uint32:
		return x[j]
	case []int64:
		return x[j]
	case []uint64:
		return x[j]
	}
	return nil
}

// maxExactInt is the largest integer magnitude up to which every integer is a float32 (2^24).
const maxExactInt = 1 << 24

// features reads a modality array of shape (n, ...) as float32, checking every value.
func (src *npySource) features(name string, n int) (shape []int, values []float32, err error) {
	a, err := src.array(name)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case a.kind == 'f' && (a.size == 2 || a.size == 4 || a.size == 8), a.kind == 'i', a.kind == 'u':
	default:
		return nil, nil, src.errorf(name, "features: dtype %s is not supported; want float16, float32, float64 or an integer type", a.dtypeName())
	}
	if len(a.shape) < 2 {
		return nil, nil, src.errorf(name, "features: shape %s; want samples first and at least one feature axis, e.g. (N, d) (for one value per sample save x[:, None])",
			pyShape(a.shape))
	}
	if a.shape[0] != n {
		return nil, nil, src.errorf(name, "features: %d samples (shape %s), but labels.npy has %d; the first axis must be samples in both",
			a.shape[0], pyShape(a.shape), n)
	}
	shape = slices.Clone(a.shape[1:])
	size := 1
	for _, d := range shape {
		size *= d
	}
	if size == 0 {
		return nil, nil, src.errorf(name, "features: shape %s has no values per sample", pyShape(a.shape))
	}
	if a.len() > maxValuesPerSplit {
		return nil, nil, src.errorf(name, "features: shape %s has %d values, more than the %d this loader holds", pyShape(a.shape), a.len(), maxValuesPerSplit)
	}
	data, err := a.values()
	if err != nil {
		return nil, nil, src.errorf(name, "%v", err)
	}
	// where names the sample and feature of flat index j, with the feature's index in the
	// per-sample shape when that has more than one axis.
	where := func(j int) string {
		s := fmt.Sprintf("sample %d, feature %d", j/size, j%size)
		if len(shape) > 1 {
			idx := make([]string, len(shape))
			rem := j % size
			for k := len(shape) - 1; k >= 0; k-- {
				idx[k] = strconv.Itoa(rem % shape[k])
				rem /= shape[k]
			}
			s += fmt.Sprintf(" (index (%s) of per-sample shape %s)", strings.Join(idx, ", "), pyShape(shape))
		}
		return s
	}
	notFinite := func(j int, v float64) error {
		return src.errorf(name, "features: %s is %v; want finite values", where(j), v)
	}
	switch x := data.(type) {
	case []float32:
		for j, v := range x {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, nil, notFinite(j, f)
			}
		}
		return shape, x, nil
	case []float64:
		values = make([]float32, len(x))
		for j, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, notFinite(j, v)
			}
			if math.Abs(v) > math.MaxFloat32 {
				return nil, nil, src.errorf(name, "features: %s is %g, beyond float32's range (±3.4e38)", where(j), v)
			}
			values[j] = float32(v)
		}
		return shape, values, nil
	case []float16Bits:
		values = make([]float32, len(x))
		for j, v := range x {
			f := float16ToFloat32(uint16(v))
			if g := float64(f); math.IsNaN(g) || math.IsInf(g, 0) {
				return nil, nil, notFinite(j, g)
			}
			values[j] = f
		}
		return shape, values, nil
	}
	ints, overflow := intValues(data)
	values = make([]float32, len(ints))
	for j, v := range ints {
		if j == overflow || v > maxExactInt || v < -maxExactInt {
			return nil, nil, src.errorf(name, "features: %s is %s, which float32 cannot hold exactly (|v| > 2^24); save the features as floats",
				where(j), fmt.Sprint(reflectIndex(data, j)))
		}
		values[j] = float32(v)
	}
	return shape, values, nil
}

// stratifiedSplit draws the split: per class c in increasing order, the indices of class c (in
// file order) are shuffled by one PCG(seed, streamNPYSplit) generator, the first
// round(test·n_c) go to test, the next round(val·n_c) to val and the rest to train. Each part
// is returned in increasing index order.
func stratifiedSplit(labels []int64, k int, val, test float64, seed int64) [3][]int {
	byClass := make([][]int, k)
	for i, y := range labels {
		byClass[y] = append(byClass[y], i)
	}
	r := rand.New(rand.NewPCG(uint64(seed), streamNPYSplit))
	var parts [3][]int
	for _, idx := range byClass {
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		nTest := int(math.Round(test * float64(len(idx))))
		nVal := min(int(math.Round(val*float64(len(idx)))), len(idx)-nTest)
		parts[npyTest] = append(parts[npyTest], idx[:nTest]...)
		parts[npyVal] = append(parts[npyVal], idx[nTest:nTest+nVal]...)
		parts[npyTrain] = append(parts[npyTrain], idx[nTest+nVal:]...)
	}
	for i := range parts {
		slices.Sort(parts[i])
	}
	return parts
}

// naturalCompare orders names as a person would: digit runs compare as numbers, so "m2" comes
// before "m10"; names equal in that order (e.g. "m01" and "m1") fall back to byte order.
func naturalCompare(a, b string) int {
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			x, y := strings.TrimLeft(a[si:i], "0"), strings.TrimLeft(b[sj:j], "0")
			if c := cmp.Compare(len(x), len(y)); c != 0 {
				return c
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
			continue
		}
		if c := cmp.Compare(a[i], b[j]); c != 0 {
			return c
		}
		i, j = i+1, j+1
	}
	if c := cmp.Compare(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// The NumPy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// the magic "\x93NUMPY", a major and minor version byte, the header length (uint16 little-endian
// for version 1, uint32 for 2 and 3), the header — a Python dict literal with 'descr',
// 'fortran_order' and 'shape', padded with spaces and ended by '\n' — then the raw values.

// npyArray is a parsed .npy file: its header, checked, and a reader positioned at the data.
type npyArray struct {
	dtype   string // the header's descr, e.g. "<f4"
	kind    byte   // NumPy's kind character: 'f', 'i', 'u', 'b', 'c', 'O', 'S', 'U', …; 0 if not a simple dtype
	size    int    // bytes per value (0 if unknown)
	order   binary.ByteOrder
	shape   []int
	fortran bool
	data    []byte      // the bytes after the header
	reader  *npy.Reader // npyio's reader, positioned at data
}

var simpleDtype = regexp.MustCompile(`^([<>|=]?)([a-zA-Z])(\d*)$`)

// parseNPYHeader checks the preamble and header of a .npy file and parses the header with
// npyio. npyio itself panics on a header without its final newline and on truncated data, so
// those are checked here first; its panics on other malformed headers become errors.
func parseNPYHeader(raw []byte) (a *npyArray, err error) {
	magic := npy.Magic[:]
	if !bytes.HasPrefix(raw, magic[:min(len(raw), len(magic))]) {
		return nil, fmt.Errorf("not a .npy file: it starts with %q, a .npy file with %q", raw[:min(len(raw), len(magic))], magic)
	}
	if len(raw) < 10 {
		return nil, fmt.Errorf("truncated: %d bytes, shorter than the 10-byte .npy preamble", len(raw))
	}
	var hdrLen, offset int
	switch major := raw[6]; major {
	case 1:
		hdrLen, offset = int(binary.LittleEndian.Uint16(raw[8:10])), 10
	case 2:
		if len(raw) < 12 {
			return nil, fmt.Errorf("truncated: %d bytes, shorter than the 12-byte .npy 2.0 preamble", len(raw))
		}
		hdrLen, offset = int(binary.LittleEndian.Uint32(raw[8:12])), 12
	default:
		return nil, fmt.Errorf(".npy format version %d.%d is not supported; want 1.0 or 2.0 (what np.save writes)", major, raw[7])
	}
	if offset+hdrLen > len(raw) {
		return nil, fmt.Errorf("truncated header: the preamble announces %d header bytes, the file has %d after it", hdrLen, len(raw)-offset)
	}
	header := raw[offset : offset+hdrLen]
	if hdrLen == 0 || header[hdrLen-1] != '\n' {
		return nil, fmt.Errorf("malformed header %q: it does not end with a newline", bytes.TrimSpace(header))
	}
	defer func() {
		if p := recover(); p != nil {
			a, err = nil, fmt.Errorf("malformed header %q: %v", bytes.TrimSpace(header), p)
		}
	}()
	rr, err := npy.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("malformed header %q: %v", bytes.TrimSpace(header), err)
	}
	a = &npyArray{dtype: rr.Header.Descr.Type, shape: rr.Header.Descr.Shape, fortran: rr.Header.Descr.Fortran,
		data: raw[offset+hdrLen:], reader: rr, order: binary.LittleEndian}
	if len(a.shape) == 0 {
		return nil, fmt.Errorf("shape (): a single value; want an array with samples first")
	}
	for _, d := range a.shape {
		if d < 0 {
			return nil, fmt.Errorf("malformed header: shape %s has a negative dimension", pyShape(a.shape))
		}
	}
	if m := simpleDtype.FindStringSubmatch(a.dtype); m != nil {
		a.kind = m[2][0]
		a.size, _ = strconv.Atoi(m[3])
		if m[1] == ">" {
			a.order = binary.BigEndian
		}
		if m[1] == "=" || m[1] == "" {
			a.order = binary.NativeEndian
		}
	}
	return a, nil
}

// len is the number of values the shape announces, saturating at math.MaxInt.
func (a *npyArray) len() int {
	n := 1
	for _, d := range a.shape {
		if d != 0 && n > math.MaxInt/d {
			return math.MaxInt
		}
		n *= d
	}
	return n
}

// dtypeName says the dtype as NumPy users name it, e.g. "float32 (<f4)".
func (a *npyArray) dtypeName() string {
	names := map[byte]string{'f': "float", 'i': "int", 'u': "uint", 'c': "complex"}
	switch {
	case a.kind == 'b':
		return fmt.Sprintf("bool (%s)", a.dtype)
	case a.kind == 'O':
		return fmt.Sprintf("object (%s)", a.dtype)
	case a.kind == 'S' || a.kind == 'U':
		return fmt.Sprintf("string (%s)", a.dtype)
	case names[a.kind] != "" && a.size > 0:
		return fmt.Sprintf("%s%d (%s)", names[a.kind], 8*a.size, a.dtype)
	}
	return fmt.Sprintf("%q", a.dtype)
}

// float16Bits holds the raw bits of a float16 value; float16ToFloat32 converts them.
type float16Bits uint16

// values decodes the data, in C order, as the Go slice of the dtype: []float32, []float64,
// []float16Bits, []int8 … []int64 or []uint8 … []uint64. The data must be exactly what the
// shape announces: a shorter file is truncated, a longer one corrupt.
func (a *npyArray) values() (any, error) {
	n := a.len()
	if a.size == 0 || n > math.MaxInt/a.size {
		return nil, fmt.Errorf("shape %s of %s is too large", pyShape(a.shape), a.dtypeName())
	}
	switch want := n * a.size; {
	case len(a.data) < want:
		return nil, fmt.Errorf("truncated: shape %s of %s needs %d data bytes, the file has %d",
			pyShape(a.shape), a.dtypeName(), want, len(a.data))
	case len(a.data) > want:
		return nil, fmt.Errorf("%d bytes beyond the %d that shape %s of %s needs (corrupt or mis-written file)",
			len(a.data)-want, want, pyShape(a.shape), a.dtypeName())
	}
	var data any
	var err error
	switch {
	case a.kind == 'f' && a.size == 2:
		// npyio's Reader rejects '<f2' (its dtype table lacks float16), so float16 is decoded here.
		bits := make([]float16Bits, n)
		for i := range bits {
			bits[i] = float16Bits(a.order.Uint16(a.data[2*i:]))
		}
		data = bits
	case a.kind == 'f' && a.size == 4:
		data, err = readAs[float32](a.reader)
	case a.kind == 'f' && a.size == 8:
		data, err = readAs[float64](a.reader)
	case a.kind == 'i' && a.size == 1:
		data, err = readAs[int8](a.reader)
	case a.kind == 'i' && a.size == 2:
		data, err = readAs[int16](a.reader)
	case a.kind == 'i' && a.size == 4:
		data, err = readAs[int32](a.reader)
	case a.kind == 'i' && a.size == 8:
		data, err = readAs[int64](a.reader)
	case a.kind == 'u' && a.size == 1:
		data, err = readAs[uint8](a.reader)
	case a.kind == 'u' && a.size == 2:
		data, err = readAs[uint16](a.reader)
	case a.kind == 'u' && a.size == 4:
		data, err = readAs[uint32](a.reader)
	case a.kind == 'u' && a.size == 8:
		data, err = readAs[uint64](a.reader)
	default:
		return nil, fmt.Errorf("dtype %s is not supported", a.dtypeName())
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s values: %v", a.dtypeName(), err)
	}
	if a.fortran {
		switch x := data.(type) {
		case []float16Bits:
			data = fortranToC(x, a.shape)
		case []float32:
			data = fortranToC(x, a.shape)
		case []float64:
			data = fortranToC(x, a.shape)
		case []int8:
			data = fortranToC(x, a.shape)
		case []int16:
			data = fortranToC(x, a.shape)
		case []int32:
			data = fortranToC(x, a.shape)
		case []int64:
			data = fortranToC(x, a.shape)
		case []uint8:
			data = fortranToC(x, a.shape)
		case []uint16:
			data = fortranToC(x, a.shape)
		case []uint32:
			data = fortranToC(x, a.shape)
		case []uint64:
			data = fortranToC(x, a.shape)
		}
	}
	return data, nil
}

// readAs reads the data with npyio into a []T (npyio checks that T is the file's dtype).
func readAs[T any](r *npy.Reader) ([]T, error) {
	var x []T
	err := r.Read(&x)
	return x, err
}

// fortranToC reorders values stored in Fortran (column-major) order into C (row-major) order.
// npyio returns the file's order and ignores fortran_order; np.save writes Fortran order for
// Fortran-contiguous arrays, e.g. a transposed matrix.
func fortranToC[T any](data []T, shape []int) []T {
	if len(shape) < 2 || len(data) == 0 {
		return data
	}
	stride := make([]int, len(shape)) // Fortran strides: axis 0 varies fastest
	stride[0] = 1
	for k := 1; k < len(shape); k++ {
		stride[k] = stride[k-1] * shape[k-1]
	}
	out := make([]T, len(data))
	idx := make([]int, len(shape))
	off := 0
	for p := range out {
		out[p] = data[off]
		for k := len(shape) - 1; k >= 0; k-- { // next C-order index: the last axis varies fastest
			idx[k]++
			off += stride[k]
			if idx[k] < shape[k] {
				break
			}
			off -= idx[k] * stride[k]
			idx[k] = 0
		}
	}
	return out
}

// float16ToFloat32 converts IEEE 754 half-precision bits to float32, exactly (every float16
// value is a float32). npyio's float16.Num.Float32 turns subnormals (|x| < 2^-14) into
// values ~2^-112 times too small, hence this function.
func float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch exp {
	case 0x1f: // Inf (frac = 0) or NaN, payload kept
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case 0: // zero or subnormal: frac · 2^-24
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	// normal: rebias the exponent from 15 to 127
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// pyShape formats a shape as NumPy prints it: "(3,)", "(3, 4)".
func pyShape(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// npyHeader returns the preamble and header of a version 1.0 .npy file, padded so the data
// starts at a multiple of 64 bytes as the format asks. (npyio's writer infers the shape from the
// Go value, so it cannot write an (N, d) or (N, 1, 32, 32) float32 array from a flat slice.)
func npyHeader(descr string, fortran bool, shape []int) ([]byte, error) {
	order := "False"
	if fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, pyShape(shape))
	const preamble = 10
	pad := (64 - (preamble+len(dict)+1)%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"
	if len(header) > math.MaxUint16 {
		return nil, fmt.Errorf("shape %s: header of %d bytes is too long for .npy 1.0", pyShape(shape), len(header))
	}
	out := append([]byte{}, npy.Magic[:]...)
	out = append(out, 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(header)))
	return append(out, header...), nil
}

// SaveNPY writes d to dir in the layout NPYSpec reads: <modality>.npy (float32, shape
// (N, Shape...)), labels.npy (int32), split.npy (int8: 0 train, 1 val, 2 test) with train, val
// and test concatenated in that order, and tags.npy (uint32) when every split has tags. It
// creates dir if needed, replaces files of those names, and refuses to write beside any other
// .npy file, which would be read back as a modality. Each file is written to a temporary name
// and renamed, so a reader never sees half a file.
//
// ParseSpec("npy:"+dir) then gives the same modalities (names, shapes, values), labels, splits
// and tags. Not kept: d.Spec (the reloaded spec is the npy one); NumClasses when the largest
// classes have no samples (give k= then); the modality order, when it is not file-name order
// (give modalities=a+b then). Modality names must be usable as file names and spec values.
func SaveNPY(dir string, d *Dataset) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("datasets.SaveNPY: %w", err)
	}
	for _, m := range d.Modalities {
		switch {
		case m.Name == npyLabels || m.Name == npySplit || m.Name == npyTags:
			return fmt.Errorf("datasets.SaveNPY: modality %q: the name is reserved for %s.npy", m.Name, m.Name)
		case strings.ContainsAny(m.Name, `,+/\`) || strings.HasPrefix(m.Name, ".") || strings.TrimSpace(m.Name) != m.Name:
			return fmt.Errorf("datasets.SaveNPY: modality %q: the name becomes a file name and a spec value; want no ',', '+', '/', '\\', leading '.' or surrounding spaces", m.Name)
		case len(m.Shape) == 0:
			return fmt.Errorf("datasets.SaveNPY: modality %s has a scalar per sample (Shape []); NPYSpec reads shape (N, ...) with at least one feature axis: use Shape [1]", m.Name)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("datasets.SaveNPY: %w", err)
	}
	splits := d.splits()
	tagged := !slices.ContainsFunc(splits, func(s *Split) bool { return s.Tags == nil })
	writing := []string{npyLabels + ".npy", npySplit + ".npy"}
	if tagged {
		writing = append(writing, npyTags+".npy")
	}
	for _, m := range d.Modalities {
		writing = append(writing, m.Name+".npy")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("datasets.SaveNPY: %w", err)
	}
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, ".npy") && !strings.HasPrefix(name, ".") && !slices.Contains(writing, name) {
			return fmt.Errorf("datasets.SaveNPY: %s already holds %s, which this dataset does not write but npy:DIR would read with it; remove it or use another directory",
				dir, name)
		}
	}
	n := 0
	for _, s := range splits {
		n += s.Len()
	}
	for m, mod := range d.Modalities {
		shape := append([]int{n}, mod.Shape...)
		err := writeNPYFile(dir, mod.Name, "<f4", shape, func(w io.Writer) error {
			for _, s := range splits {
				if err := writeLE(w, s.Features[m]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	err = writeNPYFile(dir, npyLabels, "<i4", []int{n}, func(w io.Writer) error {
		for _, s := range splits {
			if err := writeLE(w, s.Labels); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = writeNPYFile(dir, npySplit, "|i1", []int{n}, func(w io.Writer) error {
		for code, s := range splits {
			if _, err := w.Write(bytes.Repeat([]byte{byte(code)}, s.Len())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if tagged {
		return writeNPYFile(dir, npyTags, "<u4", []int{n}, func(w io.Writer) error {
			for _, s := range splits {
				if err := writeLE(w, s.Tags); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return nil
}

// writeLE writes fixed-size values little-endian, in chunks so that a large array is not
// copied whole.
func writeLE[T float32 | int32 | Tag](w io.Writer, values []T) error {
	const chunk = 1 << 16
	for len(values) > 0 {
		k := min(chunk, len(values))
		if err := binary.Write(w, binary.LittleEndian, values[:k]); err != nil {
			return err
		}
		values = values[k:]
	}
	return nil
}

// writeNPYFile writes dir/name.npy through a temporary file renamed into place.
func writeNPYFile(dir, name, descr string, shape []int, data func(w io.Writer) error) (err error) {
	header, err := npyHeader(descr, false, shape)
	if err != nil {
		return fmt.Errorf("datasets.SaveNPY: %s.npy: %w", name, err)
	}
	f, err := fsutil.CreateTemp(dir, "."+name+".npy.tmp", "", 0o644) // 0644 as reduced by the umask
	if err != nil {
		return fmt.Errorf("datasets.SaveNPY: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err = w.Write(header); err == nil {
		if err = data(w); err == nil {
			err = w.Flush()
		}
	}
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, name+".npy"))
	}
	if err != nil {
		return fmt.Errorf("datasets.SaveNPY: %s.npy: %w", name, err)
	}
	return nil
}

// checkNPYEntry checks that a directory's .npy entry is a regular file, following symbolic
// links, without opening it (so that a FIFO cannot block): a dangling link, a link loop, a
// FIFO, a device, a socket or a directory named *.npy is an error naming what it is.
func checkNPYEntry(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		if target, lerr := os.Readlink(path); lerr == nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("a symbolic link to %s, which does not exist", target)
			}
			return fmt.Errorf("a symbolic link to %s that cannot be followed (a link loop?): %w", target, err)
		}
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s); want a .npy file", fileKind(fi.Mode()))
	}
	return nil
}

// fileKind names the type of a file that is not regular.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// readNPYFile reads a .npy file of a directory. It opens it non-blocking and checks, on the
// open file, that it is regular and within maxNPYBytes, so a file swapped for a FIFO or a
// device after the listing neither blocks nor streams without end.
func readNPYFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s); want a .npy file", fileKind(fi.Mode()))
	}
	if fi.Size() > maxNPYBytes() {
		return nil, fmt.Errorf("%d bytes, more than the %d this loader reads (MaxDatasetBytes)", fi.Size(), maxNPYBytes())
	}
	return readNPYBounded(f, fi.Size())
}

// readNPYBounded reads one .npy array of size bytes (the file's or the zip entry's declared
// size) from r, header first: the preamble, then a header of at most maxNPYHeaderBytes, then
// no more data than the header's shape and dtype announce. An array whose header announces
// more float32 bytes than MaxDatasetBytes, or whose announced size differs from size, is an
// error before its data is read, so a small compressed entry cannot expand into gigabytes.
// A preamble or header that does not parse is returned as read, for parseNPYHeader to report.
func readNPYBounded(r io.Reader, size int64) ([]byte, error) {
	buf := make([]byte, 12)
	n, err := io.ReadFull(r, buf[:10])
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return buf[:n], nil
		}
		return nil, err
	}
	if magic := npy.Magic; !bytes.HasPrefix(buf, magic[:]) || buf[6] < 1 || buf[6] > 2 {
		return buf[:10], nil // not a .npy file, or a version parseNPYHeader rejects
	}
	offset, hdrLen := 10, int64(binary.LittleEndian.Uint16(buf[8:10]))
	if buf[6] == 2 {
		if _, err := io.ReadFull(r, buf[10:12]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return buf[:10], nil
			}
			return nil, err
		}
		offset, hdrLen = 12, int64(binary.LittleEndian.Uint32(buf[8:12]))
	}
	buf = buf[:offset]
	if hdrLen > maxNPYHeaderBytes {
		return nil, fmt.Errorf("the preamble announces a %d-byte header, more than the %d this loader reads", hdrLen, maxNPYHeaderBytes)
	}
	header, err := io.ReadAll(io.LimitReader(r, hdrLen))
	if err != nil {
		return nil, err
	}
	buf = append(buf, header...)
	a, err := parseNPYHeader(buf)
	if err != nil || !strings.ContainsRune("fiu", rune(a.kind)) || a.size == 0 {
		return buf, nil // parseNPYHeader, or the dtype check of the caller, reports it
	}
	values := a.len()
	if int64(values) > MaxDatasetBytes/4 {
		return nil, fmt.Errorf("header announces shape %s of %s: %d values, more than the %d float32 values of MaxDatasetBytes (%d bytes)",
			pyShape(a.shape), a.dtypeName(), values, MaxDatasetBytes/4, MaxDatasetBytes)
	}
	want := int64(values) * int64(a.size)
	switch has := size - int64(len(buf)); {
	case has < want:
		return nil, fmt.Errorf("truncated: shape %s of %s needs %d data bytes, the file has %d",
			pyShape(a.shape), a.dtypeName(), want, has)
	case has > want:
		return nil, fmt.Errorf("%d bytes beyond the %d that shape %s of %s needs (corrupt or mis-written file)",
			has-want, want, pyShape(a.shape), a.dtypeName())
	}
	data, err := io.ReadAll(io.LimitReader(r, want+1))
	if err != nil {
		return nil, err
	}
	return append(buf, data...), nil
}
