package datasets

import (
	"archive/zip"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// allocated returns the bytes f allocates on the heap (a bound on what it read into memory).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A small .npz whose entries expand into far more data than their headers announce, or whose
// headers announce more than MaxDatasetBytes, is rejected from the header and the zip entry's
// size, before the data is inflated.
func TestNPYZipBombRejectedFromHeader(t *testing.T) {
	const bombBytes = 64 << 20
	cases := []struct {
		name, entry, want string
		data              []byte
	}{
		// a.npy's header says (40, 3) float32 = 480 bytes; 64 MiB of zeros follow.
		{"data beyond the header's shape", "a.npy", "a.npy: 67108384 bytes beyond the 480 that shape (40, 3)",
			npyFile(t, "<f4", false, []int{baseN, 3}, make([]byte, bombBytes))},
		// b.npy's header says 2^40 float32 values.
		{"huge declared shape", "b.npy", "b.npy: header announces shape (1099511627776,) of float32 (<f4)",
			npyFile(t, "<f4", false, []int{1 << 40}, make([]byte, bombBytes))},
		// labels.npy's preamble announces a 4 GiB header (format 2.0).
		{"huge declared header", "labels.npy", "labels.npy: the preamble announces a 4294967295-byte header",
			append([]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"), make([]byte, bombBytes)...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bomb.npz")
			writeNPZ(t, path, zip.Deflate, with(t, map[string][]byte{c.entry: c.data}))
			if fi, err := os.Stat(path); err != nil || fi.Size() > 1<<20 {
				t.Fatalf("the bomb should compress to < 1 MiB: %v, %v", fi.Size(), err)
			}
			var err error
			start := time.Now()
			alloc := allocated(func() { _, err = ParseSpec("npy:" + path) })
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want it to name %s and contain %q", err, path, c.want)
			}
			if alloc > bombBytes/4 {
				t.Errorf("rejecting the bomb allocated %d bytes; want far less than its %d inflated bytes", alloc, bombBytes)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("rejecting the bomb took %v", d)
			}
		})
	}
}

// Every *.npy entry of a directory that is not a regular file (after following links) is an
// error naming it, never skipped; a FIFO is detected without opening it (no blocking).
func TestNPYDirNonRegularEntries(t *testing.T) {
	cases := []struct {
		name, file, want string
		make             func(path string) error
	}{
		{"dangling symlink", "c.npy", "c.npy: a symbolic link to", func(p string) error { return os.Symlink(p+".missing", p) }},
		{"dangling split", "split.npy", "split.npy: a symbolic link to", func(p string) error { return os.Symlink(p+".missing", p) }},
		{"symlink loop", "c.npy", "c.npy: a symbolic link to", func(p string) error { return os.Symlink(p, p) }},
		{"fifo", "c.npy", "c.npy: not a regular file (a named pipe (FIFO))", func(p string) error { return syscall.Mkfifo(p, 0o644) }},
		{"link to /dev/zero", "c.npy", "c.npy: not a regular file (a character device)", func(p string) error { return os.Symlink("/dev/zero", p) }},
		{"directory", "c.npy", "c.npy: not a regular file (a directory)", func(p string) error { return os.Mkdir(p, 0o755) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeDir(t, baseFiles(t))
			if err := c.make(filepath.Join(dir, c.file)); err != nil {
				t.Skipf("cannot make the entry: %v", err)
			}
			done := make(chan error, 1)
			go func() { _, err := ParseSpec("npy:" + dir); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), dir) {
					t.Errorf("error %v, want it to name %s and contain %q", err, dir, c.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("ParseSpec blocked")
			}
		})
	}
	// A regular file behind a symlink is fine.
	dir := writeDir(t, baseFiles(t))
	if err := os.Rename(filepath.Join(dir, "b.npy"), filepath.Join(dir, ".b-real")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".b-real", filepath.Join(dir, "b.npy")); err != nil {
		t.Fatal(err)
	}
	if d := mustGenerate(t, "npy:"+dir); len(d.Modalities) != 2 {
		t.Errorf("symlinked b.npy: modalities %v", d.Modalities)
	}
}

// K (max label + 1, or k=) larger than the number of samples is an error naming the file, the
// label and the sample holding it.
func TestNPYClassCountCeiling(t *testing.T) {
	labels := baseLabels()
	labels[7] = 65535
	dir := writeDir(t, with(t, map[string][]byte{"labels.npy": i64File(t, labels...)}))
	_, err := ParseSpec("npy:" + dir)
	if want := "labels.npy: sample 7 has label 65535, so K = max label + 1 = 65536 classes, more than the 40 samples"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("stray label: %v, want %q", err, want)
	}
	labels[7] = baseN - 1 // K = N is allowed
	dir = writeDir(t, with(t, map[string][]byte{"labels.npy": i64File(t, labels...)}))
	if got := mustParse(t, "npy:"+dir).(NPYSpec).K; got != baseN {
		t.Errorf("K = %d, want %d", got, baseN)
	}
	dir = writeDir(t, baseFiles(t))
	if _, err := ParseSpec("npy:" + dir + ",k=41"); err == nil || !strings.Contains(err.Error(), "k = 41 classes, more than the 40 samples") {
		t.Errorf("k=41 on 40 samples: %v", err)
	}
}

// -0 and 0 are one key in every float spec key: parsed or set by hand, they print as 0.
func TestFloatKeysCanonicaliseNegativeZero(t *testing.T) {
	for _, pair := range [][2]string{
		{"lazypair:rho=-0,pi=-0.0,sigma=-0e0", "lazypair:rho=0,pi=0,sigma=0"},
		{"avsynth:rho=-0,c=-0", "avsynth:rho=0,c=0"},
		{"twoview:rho=-0,sigma=-0", "twoview:rho=0,sigma=0"},
	} {
		neg, pos := mustParse(t, pair[0]), mustParse(t, pair[1])
		if neg.String() != pos.String() || strings.Contains(neg.String(), "-0") {
			t.Errorf("%s → %s, %s → %s; want the same key without -0", pair[0], neg, pair[1], pos)
		}
	}
	s := DefaultLazyPair()
	s.Rho = math.Copysign(0, -1)
	if got := s.String(); !strings.Contains(got, ",rho=0,") {
		t.Errorf("hand-made rho = -0 prints as %s", got)
	}
}

// Specs whose features would exceed MaxDatasetBytes are rejected by ParseSpec, before
// generation, naming the size keys.
func TestSpecMemoryCeiling(t *testing.T) {
	for _, c := range []struct{ spec, keys string }{
		{"lazypair:n_train=22369621", "(dim, m)"},
		{"lazypair:m=24,dim=3000,n_train=10000", "(dim, m)"},
		{"avsynth:size=64,n_train=100000", "(size, freq, frames)"},
		{"twoview:size=64,n_train=100000,n_test=100000", "(size)"},
	} {
		_, err := ParseSpec(c.spec)
		if err == nil || !strings.Contains(err.Error(), "n_train + n_val + n_test") || !strings.Contains(err.Error(), c.keys) ||
			!strings.Contains(err.Error(), "MaxDatasetBytes") {
			t.Errorf("%s: %v, want the memory ceiling naming n_train and %s", c.spec, err, c.keys)
		}
	}
	// Below the ceiling: 2^31 bytes = 40000 samples × 2 × 6710 values × 4 bytes, just.
	mustParse(t, "lazypair:dim=6710,n_train=20000,n_val=10000,n_test=10000")
	if _, err := ParseSpec("lazypair:dim=6711,n_train=20000,n_val=10000,n_test=10000"); err == nil {
		t.Error("dim=6711 on 40000 samples: no error, want the ceiling")
	}
}

// A user's arrays together may not exceed MaxDatasetBytes as float32 either: each one fits, the
// second one does not.
func TestNPYMemoryCeiling(t *testing.T) {
	defer func(old int64) { MaxDatasetBytes = old }(MaxDatasetBytes)
	MaxDatasetBytes = 4 * (baseN*3 + baseN*2) // a.npy (40×3) fits, a.npy + b.npy (40×4 more) do not
	dir := writeDir(t, baseFiles(t))
	_, err := ParseSpec("npy:" + dir)
	if want := "b.npy: the modalities up to this one hold 280 float32 values"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
	MaxDatasetBytes = 4 * baseN * 7
	mustParse(t, "npy:"+dir)
}

// TestLazyPairClassCeiling: a generated spec (lazypair, avsynth, twoview) may not have more
// classes than training samples, nor lazypair directions that take minutes to draw (k=1000,
// dim=3000 ran for minutes).
func TestLazyPairClassCeiling(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"lazypair:k=1000,dim=3000,n_train=600,n_val=100,n_test=100", "MaxLazyPairBasisWork"},
		{"lazypair:k=1000,dim=3000,n_train=600,n_val=100,n_test=100", "k ≤ n_train = 600"},
		{"lazypair:k=20,n_train=10", "k ≤ n_train = 10"},
		{"lazypair:k=600,dim=3000,n_train=1000", "MaxLazyPairBasisWork"}, // 2·1800²·3000 = 1.9e10
		{"avsynth:k=8,n_train=5", "k ≤ n_train = 5"},
		{"twoview:k=8,n_train=5", "k ≤ n_train = 5"},
	} {
		_, err := ParseSpec(c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.spec, err, c.want)
		}
	}
	mustParse(t, "lazypair:k=300,dim=3000,n_train=600,n_val=100,n_test=100") // 2·900²·3000 = 4.9e9
	mustParse(t, "lazypair:k=10,n_train=10")
	mustParse(t, "avsynth:k=8,n_train=8")
	mustParse(t, "twoview:k=8,n_train=8")
}
