package datasets

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mmlab-go/mmlab/internal/fsutil"
	"github.com/mmlab-go/mmlab/internal/lease"
	"github.com/schollz/progressbar/v3"
)

// Cache keeps generated datasets on disk (ours, docs/DESIGN.md §2.2), so that a notebook cell — a
// new process under GoNB — reads a procedural dataset back instead of rendering it again.
// A generated dataset is a deterministic function of its canonical spec, so the spec alone
// names it: the file is <Dir>/<kind>-<first 32 hex digits of SHA-256(spec)>.mmds.
//
// File format (version 1, little-endian):
//
//	"mmlabds\x00"  magic (8 bytes)
//	uint32         format version (CacheVersion)
//	string         the canonical spec (uint32 length, then the bytes)
//	uint32         number of classes
//	uint32         number of modalities, then per modality: string name, uint32 rank, rank × uint32 dims
//	3 × split      train, val, test: uint64 n, uint8 has-tags, n × int32 labels,
//	               n × uint32 tags if has-tags, then per modality n × size float32 values
//	[32]byte       SHA-256 of every byte before it
//
// Get trusts a file only if its checksum, magic, version, spec and structure are all right and
// the decoded dataset passes Validate; anything else (a truncated or damaged file, another
// format version, a file holding another spec) is regenerated and overwritten, never returned.
// Files are written atomically (a temporary file in the same directory, synced, then renamed),
// so a concurrent reader sees the old file or the new one, never half of one.
type Cache struct {
	// Dir is the cache directory; empty means CacheDir(), i.e. <Home()>/datasets.
	Dir string
	// Progress receives a progress bar while a dataset is generated, once generation has taken
	// longer than a moment (half a second), and a line when a damaged file is regenerated;
	// nil shows nothing (tests).
	Progress io.Writer
	// NoBar keeps Progress for the messages only: no progress bar (for --quiet, or a log file,
	// where a bar would be a stream of carriage returns).
	NoBar bool
	// ReadOnly uses a valid cache file if there is one but never writes one (nor a lease file):
	// for a program told not to write under the home directory (mmlab --no-store).
	ReadOnly bool
}

// DefaultCache is the cache that Generate of the generated kinds (avsynth, twoview) uses:
// <Home()>/datasets with a progress bar on stderr. Set DefaultCache.Progress = nil to silence
// it; use a spec's GenerateWith to pass another Cache.
var DefaultCache = Cache{Progress: os.Stderr}

// CacheVersion is the version of the cache file format; files of another version are
// regenerated.
const CacheVersion = 1

// cacheMagic starts every cache file.
const cacheMagic = "mmlabds\x00"

// cacheExt is the extension of cache files.
const cacheExt = ".mmds"

// progressDelay is how long generation runs before the progress bar appears.
const progressDelay = 500 * time.Millisecond

// Path returns the file that holds the dataset of the canonical spec.
func (c Cache) Path(spec string) (string, error) {
	dir := c.Dir
	if dir == "" {
		var err error
		if dir, err = CacheDir(); err != nil {
			return "", err
		}
	}
	kind, _, _ := strings.Cut(spec, ":")
	sum := sha256.Sum256([]byte(spec))
	return filepath.Join(dir, kind+"-"+hex.EncodeToString(sum[:16])+cacheExt), nil
}

// Get returns the dataset of the canonical spec: read from the cache if a valid file for
// exactly that spec is there, else made by generate, written to the cache and returned.
// generate receives a function to report progress in units of work (of total units; it may be
// called from several goroutines) and must return a dataset whose Spec is spec.
// An error names the cache file when it cannot be written.
func (c Cache) Get(spec string, total int, generate func(advance func(units int)) (*Dataset, error)) (*Dataset, error) {
	path, err := c.Path(spec)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		d, err := decodeDataset(raw, spec)
		if err == nil {
			return d, nil
		}
		if c.Progress != nil {
			fmt.Fprintf(c.Progress, "datasets: cache file %s is unusable (%v); regenerating it\n", path, err)
		}
	case !errors.Is(err, os.ErrNotExist) && c.Progress != nil:
		fmt.Fprintf(c.Progress, "datasets: cannot read cache file %s (%v); regenerating it\n", path, err)
	}

	// Another process (or goroutine) may be generating the same dataset: wait for its file
	// rather than generate it twice (see internal/lease).
	if !c.ReadOnly {
		held, waited := c.claim(path, spec)
		if waited != nil {
			return waited, nil
		}
		if held != nil {
			defer held.Release()
		}
	}

	bar := c.Progress
	if c.NoBar {
		bar = nil
	}
	p := &genProgress{w: bar, total: total, desc: progressLabel(spec), start: time.Now()}
	d, err := generate(p.add)
	p.finish()
	if err != nil {
		return nil, err
	}
	if d.Spec != spec {
		return nil, fmt.Errorf("datasets: cache: generator returned spec %q for %q", d.Spec, spec)
	}
	if c.ReadOnly {
		return d, nil
	}
	if err := writeAtomic(path, encodeDataset(d)); err != nil {
		return nil, err
	}
	return d, nil
}

// cachePoll is how often a process waiting for another one's dataset looks for its file.
var cachePoll = 200 * time.Millisecond

// claim takes the lease on generating the dataset at path (<path>.lease), after which the caller
// generates it, or waits while another live process holds that lease and returns the dataset
// that process wrote. It returns (nil, nil) when no lease can be taken (e.g. a read-only cache
// directory): the caller then generates without one. A holder's lease is taken over when it
// dies (internal/lease), so the wait ends.
func (c Cache) claim(path, spec string) (*lease.Lease, *Dataset) {
	told := false
	var seen os.FileInfo // the cache file last decoded (and found unusable)
	for {
		l, err := lease.Acquire(path + ".lease")
		if err != nil && !errors.Is(err, lease.ErrHeld) {
			return nil, nil
		}
		// A holder writes the file before it releases its lease, so look after claiming too.
		if info, serr := os.Stat(path); serr == nil && (seen == nil || !os.SameFile(info, seen) ||
			info.ModTime() != seen.ModTime() || info.Size() != seen.Size()) {
			seen = info
			if raw, rerr := os.ReadFile(path); rerr == nil {
				if d, derr := decodeDataset(raw, spec); derr == nil {
					if l != nil {
						_ = l.Release()
					}
					return nil, d
				}
			}
		}
		if l != nil {
			return l, nil
		}
		if !told && c.Progress != nil {
			fmt.Fprintf(c.Progress, "datasets: waiting for another process to generate %s (%v)\n", progressLabel(spec), err)
		}
		told = true
		time.Sleep(cachePoll)
	}
}

// writeAtomic writes data to path through a synced temporary file in the same directory and a
// rename, creating the directory if needed. Errors name the path.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("datasets: cannot create dataset cache directory %s: %w", dir, err)
	}
	// Hidden, and with permissions 0644 as reduced by the umask, like any file the user creates.
	tmp, err := fsutil.CreateTemp(dir, "."+filepath.Base(path)+".tmp", "", 0o644)
	if err != nil {
		return fmt.Errorf("datasets: cannot write dataset cache file %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("datasets: cannot write dataset cache file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("datasets: cannot write dataset cache file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("datasets: cannot write dataset cache file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("datasets: cannot write dataset cache file %s: %w", path, err)
	}
	return nil
}

// encodeDataset serialises d in the cache format, checksum included.
func encodeDataset(d *Dataset) []byte {
	size := len(cacheMagic) + 64 + len(d.Spec)
	for _, s := range d.splits() {
		size += 16 + 8*s.Len()
		for _, f := range s.Features {
			size += 4 * len(f)
		}
	}
	b := bytes.NewBuffer(make([]byte, 0, size+sha256.Size))
	le := binary.LittleEndian
	u32 := func(v uint32) { b.Write(le.AppendUint32(nil, v)) }
	str := func(s string) { u32(uint32(len(s))); b.WriteString(s) }
	b.WriteString(cacheMagic)
	u32(CacheVersion)
	str(d.Spec)
	u32(uint32(d.NumClasses))
	u32(uint32(len(d.Modalities)))
	for _, m := range d.Modalities {
		str(m.Name)
		u32(uint32(len(m.Shape)))
		for _, dim := range m.Shape {
			u32(uint32(dim))
		}
	}
	buf := make([]byte, 0, 1<<16)
	for _, s := range d.splits() {
		b.Write(le.AppendUint64(nil, uint64(s.Len())))
		if s.Tags != nil {
			b.WriteByte(1)
		} else {
			b.WriteByte(0)
		}
		buf = buf[:0]
		for _, y := range s.Labels {
			buf = le.AppendUint32(buf, uint32(y))
		}
		for _, t := range s.Tags {
			buf = le.AppendUint32(buf, uint32(t))
		}
		b.Write(buf)
		for _, f := range s.Features {
			for start := 0; start < len(f); start += 1 << 14 {
				buf = buf[:0]
				for _, v := range f[start:min(start+1<<14, len(f))] {
					buf = le.AppendUint32(buf, math.Float32bits(v))
				}
				b.Write(buf)
			}
		}
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// cacheReader reads the fields of a cache file, remembering the first error.
type cacheReader struct {
	b   []byte
	err error
}

func (r *cacheReader) take(n uint64, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("truncated: %s needs %d bytes, %d left", what, n, len(r.b))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *cacheReader) u32(what string) uint32 {
	if b := r.take(4, what); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *cacheReader) str(what string) string { return string(r.take(uint64(r.u32(what)), what)) }

// decodeDataset parses a cache file and checks that it holds a valid dataset of spec.
func decodeDataset(raw []byte, spec string) (*Dataset, error) {
	if len(raw) < len(cacheMagic)+sha256.Size {
		return nil, fmt.Errorf("truncated: %d bytes", len(raw))
	}
	body, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("SHA-256 checksum mismatch (damaged or truncated file)")
	}
	r := &cacheReader{b: body}
	d, err := decodeCacheHeader(r, spec)
	if err != nil {
		return nil, err
	}
	splits := make([]*Split, len(SplitNames))
	for i, name := range SplitNames {
		if splits[i], err = decodeCacheSplit(r, name, d.Modalities); err != nil {
			return nil, err
		}
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d unexpected bytes after the data", len(r.b))
	}
	d.Train, d.Val, d.Test = splits[0], splits[1], splits[2]
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// decodeCacheHeader reads a cache file's magic, version, spec (which must be spec) and
// modalities, checking each modality's shape.
func decodeCacheHeader(r *cacheReader, spec string) (d *Dataset, err error) {
	if magic := string(r.take(uint64(len(cacheMagic)), "magic")); magic != cacheMagic {
		return nil, fmt.Errorf("not a dataset cache file (magic %q)", magic)
	}
	if v := r.u32("version"); r.err == nil && v != CacheVersion {
		return nil, fmt.Errorf("format version %d, want %d", v, CacheVersion)
	}
	d = &Dataset{Spec: r.str("spec")}
	if r.err == nil && d.Spec != spec {
		return nil, fmt.Errorf("holds spec %q, want %q", d.Spec, spec)
	}
	d.NumClasses = int(r.u32("classes"))
	numModalities := r.u32("modalities")
	if r.err == nil && numModalities > MaxTaggedModalities {
		return nil, fmt.Errorf("%d modalities", numModalities)
	}
	for range numModalities {
		m := Modality{Name: r.str("modality name")}
		rank := r.u32("rank")
		if r.err == nil && rank > 8 {
			return nil, fmt.Errorf("modality %s has rank %d", m.Name, rank)
		}
		for range rank {
			m.Shape = append(m.Shape, int(r.u32("shape")))
		}
		d.Modalities = append(d.Modalities, m)
	}
	if r.err != nil {
		return nil, r.err
	}
	for _, m := range d.Modalities {
		if size := m.Size(); size <= 0 || size > maxValuesPerSplit {
			return nil, fmt.Errorf("modality %s has shape %v", m.Name, m.Shape)
		}
	}
	return d, nil
}

// decodeCacheSplit reads the split name: its labels, its tags if it has them, and the
// features of each modality.
func decodeCacheSplit(r *cacheReader, name string, modalities []Modality) (*Split, error) {
	le := binary.LittleEndian
	nb := r.take(8, name+" size")
	hasTags := r.take(1, name+" tags flag")
	if r.err != nil {
		return nil, r.err
	}
	n := le.Uint64(nb)
	if n > uint64(len(r.b))/4 {
		return nil, fmt.Errorf("truncated: %s claims %d samples", name, n)
	}
	s := &Split{Labels: make([]int32, n)}
	labels := r.take(4*n, name+" labels")
	if r.err != nil {
		return nil, r.err
	}
	for j := range s.Labels {
		s.Labels[j] = int32(le.Uint32(labels[4*j:]))
	}
	if hasTags[0] == 1 {
		s.Tags = make([]Tag, n)
		tags := r.take(4*n, name+" tags")
		if r.err != nil {
			return nil, r.err
		}
		for j := range s.Tags {
			s.Tags[j] = Tag(le.Uint32(tags[4*j:]))
		}
	}
	for _, m := range modalities {
		count := n * uint64(m.Size())
		if count > uint64(len(r.b))/4 {
			return nil, fmt.Errorf("truncated: %s %s needs %d values", name, m.Name, count)
		}
		vals := r.take(4*count, name+" "+m.Name)
		f := make([]float32, count)
		for j := range f {
			f[j] = math.Float32frombits(le.Uint32(vals[4*j:]))
		}
		s.Features = append(s.Features, f)
	}
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

// genProgress is the progress bar of one generation: it appears only once generation has run
// for progressDelay, and is safe for concurrent use. A nil writer shows nothing.
type genProgress struct {
	mu          sync.Mutex
	w           io.Writer
	total, done int
	desc        string
	start       time.Time
	bar         *progressbar.ProgressBar
}

func (p *genProgress) add(units int) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += units
	if p.bar == nil {
		if time.Since(p.start) < progressDelay {
			return
		}
		p.bar = progressbar.NewOptions(max(p.total, 1),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetDescription("generating "+p.desc),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
	}
	_ = p.bar.Set(min(p.done, p.total))
}

// progressLabel names a spec in one short line, its kind and seed ("avsynth seed=3"): the full
// canonical spec is longer than a terminal line, and a progress bar wider than its line is
// redrawn on a new line at every update.
func progressLabel(spec string) string {
	kind, rest, _ := strings.Cut(spec, ":")
	for _, item := range strings.Split(rest, ",") {
		if strings.HasPrefix(item, "seed=") {
			return kind + " " + item
		}
	}
	return kind
}

func (p *genProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}

// checkedSpec is a rendered spec that GenerateWith validates and checks for memory first.
type checkedSpec interface {
	Validate() error
	checkMemory() error
	String() string
}

// getChecked is GenerateWith of a rendered spec: s is validated and checked for memory before
// c.Get renders (or loads) its total samples with render.
func getChecked(c Cache, s checkedSpec, total int, render func(advance func(units int)) (*Dataset, error)) (*Dataset, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkMemory(); err != nil {
		return nil, err
	}
	return c.Get(s.String(), total, render)
}
