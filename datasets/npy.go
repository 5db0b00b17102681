package datasets

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mmlab-go/mmlab/internal/keyval"
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
// resolves it by reading every file in full, checking it, computing its checksum and splitting
// it; Generate returns that dataset. Each file is read once per process: parsing the same data
// again (e.g. the canonical spec) while its files are unchanged reads nothing (see
// NPYFilesRead; a file counts as changed when its size, mtime, ctime or inode differ, and files
// changed less than a second before they were read are always read again).
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

	loaded *npyHeld // the dataset ParseSpec read, which Generate returns (not a key)
}

// npyHeld is the dataset read for a spec whose canonical form was spec.
type npyHeld struct {
	spec string
	data *Dataset
}

// npyKeys are npy's spec-string keys (internal/keyval, the mechanism of every dataset kind and
// of mmlab's options), in canonical order, with DefaultNPYVal, DefaultNPYTest and DefaultNPYSeed
// as defaults. Which keys apply (val, test and seed only without split.npy) and their ranges
// are checked by parseNPYKeys; NPYKeys and DescribeKeys both come from these tags.
type npyKeys struct {
	Path       string  `opt:"path" help:"the directory of .npy files or the .npz file, given first without path= (absolute in the canonical string)"`
	Modalities string  `opt:"modalities" help:"the modality arrays in order, joined by '+' (default every array, file-name order)"`
	K          int     `opt:"k" help:"number of classes, 2 ≤ k ≤ 65536 (MaxNPYClasses; default max label + 1)"`
	Val        float64 `opt:"val" help:"fraction of each class drawn into validation (without split.npy)"`
	Test       float64 `opt:"test" help:"fraction of each class drawn into test (without split.npy)"`
	Seed       int64   `opt:"seed" help:"draws the split (without split.npy); run seeds leave it alone"`
	Sha256     string  `opt:"sha256" help:"first 16 hex digits of the SHA-256 of the files read; ParseSpec fills it in and checks a given one"`
}

// defaultNPYKeys are npyKeys' defaults; k's 0 and the empty strings mean "not given".
func defaultNPYKeys() npyKeys {
	return npyKeys{Val: DefaultNPYVal, Test: DefaultNPYTest, Seed: DefaultNPYSeed}
}

func init() {
	describeKeys(NPYName, func() []KeyDoc {
		d := defaultNPYKeys()
		docs := keyval.Describe(&d, "", keyval.AnyFloats)
		for i := range docs {
			if docs[i].Key == "k" {
				docs[i].Default = "" // max label + 1, not a value
			}
		}
		return docs
	})
}

// NPYKeys returns the spec-string keys of npy in canonical order; "path" is given as the first
// item, without "path=".
func NPYKeys() []string { return keyval.Keys(&npyKeys{}) }

// npyUsage ends the errors about the spec's shape: what a valid npy spec looks like.
const npyUsage = "want npy:DIR or npy:FILE.npz, then optional keys modalities=a+b, k, val, test, seed, sha256 (go doc datasets.NPYSpec)"

var hexChecksum = regexp.MustCompile(`^[0-9a-f]{16}$`)

// parseNPY is npy's ParseSpec hook: it reads the keys, then loads and checks the files, and
// returns the resolved spec.
func parseNPY(kv map[string]string) (Spec, error) {
	s, err := parseNPYKeys(kv)
	if err != nil {
		return nil, err
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
	abs, files, stable := npyFingerprint(s.Path)
	if stable {
		if r, d, ok := rememberedNPY(abs, files, func(l *npyLoaded) bool { return l.sameResolution(s, len(splitKeys) > 0, want) }); ok {
			if d != nil {
				r.loaded = &npyHeld{spec: r.String(), data: d}
			}
			return r, nil
		}
	}
	d, resolved, err := s.load(splitKeys)
	if err != nil {
		return nil, err
	}
	if checkSum && resolved.Checksum != want {
		return nil, fmt.Errorf("datasets: npy: %s: the files changed since this spec was recorded: their sha256 is now %s, the spec says %s",
			resolved.Path, resolved.Checksum, want)
	}
	if stable {
		rememberNPY(files, s, len(splitKeys) > 0, resolved, d)
	}
	resolved.loaded = &npyHeld{spec: resolved.String(), data: d}
	return resolved, nil
}

// parseNPYKeys checks kv's keys and parses the path, modalities, k, val, test and seed, with
// the defaults for those not given.
func parseNPYKeys(kv map[string]string) (NPYSpec, error) {
	keys := defaultNPYKeys()
	err := keyval.SetAll(&keys, kv, keyval.AnyFloats)
	var unknown *keyval.UnknownKeyError
	switch {
	case errors.As(err, &unknown):
		return NPYSpec{}, fmt.Errorf("datasets: npy: unknown key %q; valid keys: %s (path given first, without path=)",
			unknown.Key, strings.Join(slices.DeleteFunc(unknown.Valid, func(k string) bool { return k == "path" }), ", "))
	case err != nil:
		return NPYSpec{}, fmt.Errorf("datasets: npy: key %w", err)
	}
	if _, ok := kv["path"]; !ok {
		return NPYSpec{}, fmt.Errorf("datasets: npy: no data path; %s", npyUsage)
	}
	s := NPYSpec{Path: keys.Path, Val: keys.Val, Test: keys.Test, Seed: keys.Seed}
	if v, ok := kv["modalities"]; ok {
		for name := range strings.SplitSeq(v, "+") {
			name = strings.TrimSpace(name)
			if name == "" {
				return NPYSpec{}, fmt.Errorf("datasets: npy: key modalities: %q has an empty name; want names joined by '+', e.g. audio+video", v)
			}
			if slices.Contains(s.Modalities, name) {
				return NPYSpec{}, fmt.Errorf("datasets: npy: key modalities: %q names %s twice", v, name)
			}
			s.Modalities = append(s.Modalities, name)
		}
	}
	if _, ok := kv["k"]; ok {
		if keys.K < 2 || keys.K > MaxNPYClasses {
			return NPYSpec{}, fmt.Errorf("datasets: npy: k = %d, want 2 ≤ k ≤ %d", keys.K, MaxNPYClasses)
		}
		s.K = keys.K
	}
	for _, f := range []struct {
		key string
		x   float64
	}{{"val", s.Val}, {"test", s.Test}} {
		if !(f.x > 0 && f.x < 1) {
			return NPYSpec{}, fmt.Errorf("datasets: npy: %s = %v, want 0 < %s < 1", f.key, f.x, f.key)
		}
	}
	if !(s.Val+s.Test < 1) {
		return NPYSpec{}, fmt.Errorf("datasets: npy: val + test = %v + %v ≥ 1 leaves no training samples", s.Val, s.Test)
	}
	return s, nil
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

// Generate returns the dataset: the one ParseSpec read for s, or one read by an earlier parse
// of the same data while its files are unchanged (see NPYFilesRead), else the files read and
// split now. It fails if they no longer match s.Checksum. The dataset may be shared with other
// callers of Generate: do not modify it.
func (s NPYSpec) Generate() (*Dataset, error) {
	canonical := s.String()
	if s.loaded != nil && s.loaded.spec == canonical {
		return s.loaded.data, nil
	}
	abs, files, stable := npyFingerprint(s.Path)
	if stable && s.Checksum != "" {
		if _, d, ok := rememberedNPY(abs, files, func(l *npyLoaded) bool { return l.canonical == canonical }); ok && d != nil {
			return d, nil
		}
	}
	d, resolved, err := s.load(nil)
	if err != nil {
		return nil, err
	}
	if s.Checksum != "" && resolved.Checksum != s.Checksum {
		return nil, fmt.Errorf("datasets: npy: %s: the files changed since the spec was resolved: their sha256 is now %s, the spec says %s",
			resolved.Path, resolved.Checksum, s.Checksum)
	}
	if stable && resolved.String() == canonical {
		rememberNPY(files, s, false, resolved, d)
	}
	return d, nil
}

// LoadNPY reads a user's dataset from path (a directory or an .npz file, see NPYSpec) with the
// default keys. It is ParseSpec("npy:"+path) followed by Generate, reading the files once.
func LoadNPY(path string) (*Dataset, error) {
	d, _, err := NPYSpec{Path: path, Seed: DefaultNPYSeed}.load(nil)
	return d, err
}
