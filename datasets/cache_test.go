package datasets

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingGenerator generates a small LazyPair dataset and counts its calls, so a test can tell
// a cache hit (no call) from a regeneration.
type countingGenerator struct {
	spec  LazyPairSpec
	calls int
}

func newCountingGenerator(seed int64) *countingGenerator {
	s := DefaultLazyPair()
	s.NTrain, s.NVal, s.NTest, s.Pi, s.Seed = 50, 20, 30, 0.5, seed
	return &countingGenerator{spec: s}
}

func (g *countingGenerator) get(t *testing.T, c Cache) *Dataset {
	t.Helper()
	d, err := c.Get(g.spec.String(), 100, func(advance func(int)) (*Dataset, error) {
		g.calls++
		advance(100)
		return g.spec.Generate()
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func sameDataset(a, b *Dataset) bool {
	if a.Spec != b.Spec || a.NumClasses != b.NumClasses || len(a.Modalities) != len(b.Modalities) {
		return false
	}
	for m := range a.Modalities {
		if a.Modalities[m].Name != b.Modalities[m].Name || !equalInts(a.Modalities[m].Shape, b.Modalities[m].Shape) {
			return false
		}
	}
	for i := range SplitNames {
		if !sameSplit(a.splits()[i], b.splits()[i]) {
			return false
		}
	}
	return true
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCacheRoundTrip(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	g := newCountingGenerator(1)
	first := g.get(t, c)
	second := g.get(t, c)
	if g.calls != 1 {
		t.Errorf("generator called %d times for two Gets, want 1 (the second must read the file)", g.calls)
	}
	if !sameDataset(first, second) {
		t.Error("dataset read back from the cache differs from the generated one")
	}
	path, _ := c.Path(g.spec.String())
	if !strings.HasPrefix(filepath.Base(path), "lazypair-") || filepath.Ext(path) != cacheExt {
		t.Errorf("cache file %s, want lazypair-<hash>%s", path, cacheExt)
	}
	// A tagless dataset (the tags flag) round-trips too.
	d := tinyDataset()
	d.Spec = "tiny:x=1"
	d.Train.Tags = nil
	got, err := decodeDataset(encodeDataset(d), d.Spec)
	if err != nil || !sameDataset(d, got) || got.Train.Tags != nil {
		t.Errorf("tiny dataset round trip: %v (same: %v)", err, err == nil && sameDataset(d, got))
	}
}

// TestCacheDamage checks that every kind of bad file is regenerated, overwritten, and never
// returned: each case damages the file of a valid cache entry, then Get must call the
// generator again and return (and store) the right data.
func TestCacheDamage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string, raw []byte)
	}{
		{"flipped byte in the data", func(t *testing.T, path string, raw []byte) {
			raw[len(raw)/2] ^= 0x40
			writeFile(t, path, raw)
		}},
		{"flipped byte in the checksum", func(t *testing.T, path string, raw []byte) {
			raw[len(raw)-1] ^= 1
			writeFile(t, path, raw)
		}},
		{"truncated", func(t *testing.T, path string, raw []byte) { writeFile(t, path, raw[:len(raw)-100]) }},
		{"truncated to the header", func(t *testing.T, path string, raw []byte) { writeFile(t, path, raw[:20]) }},
		{"empty", func(t *testing.T, path string, raw []byte) { writeFile(t, path, nil) }},
		{"another spec's file", func(t *testing.T, path string, raw []byte) {
			// a valid file (right checksum) of another spec, under this spec's name
			other := newCountingGenerator(2)
			c := Cache{Dir: filepath.Dir(path)}
			other.get(t, c)
			otherPath, _ := c.Path(other.spec.String())
			writeFile(t, path, readFile(t, otherPath))
		}},
		{"another format version", func(t *testing.T, path string, raw []byte) {
			d, err := decodeDataset(raw, newCountingGenerator(1).spec.String())
			if err != nil {
				t.Fatal(err)
			}
			b := encodeDataset(d)
			b[len(cacheMagic)] = CacheVersion + 1
			body := b[:len(b)-32]
			writeFile(t, path, append(bytes.Clone(body), checksum(body)...))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			c := Cache{Dir: t.TempDir(), Progress: &log}
			g := newCountingGenerator(1)
			want := g.get(t, c)
			path, _ := c.Path(g.spec.String())
			tc.damage(t, path, readFile(t, path))
			log.Reset()
			got := g.get(t, c)
			if g.calls != 2 {
				t.Errorf("generator called %d times, want 2 (the damaged file must be regenerated)", g.calls)
			}
			if !sameDataset(want, got) {
				t.Error("Get returned different data after regenerating")
			}
			if !strings.Contains(log.String(), "unusable") || !strings.Contains(log.String(), path) {
				t.Errorf("progress log %q, want a line naming %s as unusable", log.String(), path)
			}
			t.Logf("reported: %s", strings.TrimSpace(log.String()))
			if _, err := decodeDataset(readFile(t, path), g.spec.String()); err != nil {
				t.Errorf("the regenerated file is not valid: %v", err)
			}
			g.get(t, c)
			if g.calls != 2 {
				t.Errorf("the overwritten file was not used: %d generator calls", g.calls)
			}
		})
	}
}

func TestCacheUnwritable(t *testing.T) {
	// A directory below a regular file cannot be created, even by root.
	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, []byte("x"))
	c := Cache{Dir: filepath.Join(file, "datasets")}
	g := newCountingGenerator(1)
	_, err := c.Get(g.spec.String(), 1, func(func(int)) (*Dataset, error) { return g.spec.Generate() })
	if err == nil || !strings.Contains(err.Error(), c.Dir) {
		t.Errorf("Get into %s = %v, want an error naming the directory", c.Dir, err)
	}
	// A generator returning another spec's data is an error, not a cache entry.
	c = Cache{Dir: t.TempDir()}
	_, err = c.Get("lazypair:other", 1, func(func(int)) (*Dataset, error) { return g.spec.Generate() })
	if err == nil || !strings.Contains(err.Error(), "lazypair:other") {
		t.Errorf("mismatched generator: err = %v", err)
	}
}

func TestCacheProgress(t *testing.T) {
	var out bytes.Buffer
	c := Cache{Dir: t.TempDir(), Progress: &out}
	g := newCountingGenerator(1)
	_, err := c.Get(g.spec.String(), 4, func(advance func(int)) (*Dataset, error) {
		for range 4 {
			time.Sleep(progressDelay / 3)
			advance(1)
		}
		return g.spec.Generate()
	})
	if err != nil {
		t.Fatal(err)
	}
	// The bar names the kind and seed only: the whole spec would not fit on a terminal line.
	if want := "generating lazypair seed=1"; !strings.Contains(out.String(), want) || strings.Contains(out.String(), "n_train=") {
		t.Errorf("slow generation wrote %q, want a progress bar labelled %q", out.String(), want)
	}
	// A fast generation shows nothing, and a nil writer never does.
	out.Reset()
	g2 := newCountingGenerator(3)
	g2.get(t, c)
	if out.Len() != 0 {
		t.Errorf("fast generation wrote %q, want nothing", out.String())
	}
	// NoBar: a slow generation draws no bar either.
	c.NoBar = true
	g3 := newCountingGenerator(4)
	if _, err := c.Get(g3.spec.String(), 4, func(advance func(int)) (*Dataset, error) {
		for range 4 {
			time.Sleep(progressDelay / 3)
			advance(1)
		}
		return g3.spec.Generate()
	}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("slow generation with NoBar wrote %q, want nothing", out.String())
	}
}

// TestCacheReadOnly: a ReadOnly cache reads a valid file but writes none.
func TestCacheReadOnly(t *testing.T) {
	dir := t.TempDir()
	g := newCountingGenerator(5)
	g.get(t, Cache{Dir: dir, ReadOnly: true})
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a read-only cache wrote %d files", len(entries))
	}
	g.get(t, Cache{Dir: dir})
	g.get(t, Cache{Dir: dir, ReadOnly: true})
	if g.calls != 2 {
		t.Errorf("generated %d times, want 2 (the read-only cache reads the file the other wrote)", g.calls)
	}
}

func TestHome(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	t.Setenv(HomeEnv, dir)
	home, err := Home()
	cacheDir, err2 := CacheDir()
	if err != nil || err2 != nil || home != dir || cacheDir != filepath.Join(dir, "datasets") {
		t.Errorf("Home, CacheDir = %q, %q (%v, %v); want %q and its datasets/", home, cacheDir, err, err2, dir)
	}
	path, err := DefaultCache.Path("avsynth:k=4")
	if err != nil || filepath.Dir(path) != cacheDir {
		t.Errorf("DefaultCache.Path = %q, %v; want a file in %s", path, err, cacheDir)
	}
	t.Setenv(HomeEnv, "")
	home, err = Home()
	if cache, cacheErr := os.UserCacheDir(); cacheErr == nil && (err != nil || home != filepath.Join(cache, "mmlab")) {
		t.Errorf("Home() without %s = %q, %v; want %q", HomeEnv, home, err, filepath.Join(cache, "mmlab"))
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checksum(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

// TestDecodeMalformed cuts a valid file's body at many points and re-seals each cut with a
// correct checksum: the structure checks, not the checksum, must then reject it, without
// panicking or allocating for absurd sizes.
func TestDecodeMalformed(t *testing.T) {
	g := newCountingGenerator(1)
	d, err := g.spec.Generate()
	if err != nil {
		t.Fatal(err)
	}
	raw := encodeDataset(d)
	body := raw[:len(raw)-sha256.Size]
	for cut := 0; cut < len(body); cut += 1 + cut/8 {
		b := append(bytes.Clone(body[:cut]), checksum(body[:cut])...)
		if _, err := decodeDataset(b, d.Spec); err == nil {
			t.Fatalf("body cut at %d of %d bytes decoded without error", cut, len(body))
		}
	}
	// trailing bytes after the data
	b := append(bytes.Clone(body), 0)
	if _, err := decodeDataset(append(b, checksum(b)...), d.Spec); err == nil || !strings.Contains(err.Error(), "unexpected bytes") {
		t.Errorf("trailing byte: err = %v", err)
	}
}

// TestCacheGeneratesOnceForConcurrentCallers: callers that miss the cache together (other
// processes, or goroutines as here: the lease file is the same) generate the dataset once; the
// others wait for its file and read it.
func TestCacheGeneratesOnceForConcurrentCallers(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	g := newCountingGenerator(7)
	var mu sync.Mutex
	calls := 0
	var wg sync.WaitGroup
	got := make([]*Dataset, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := c.Get(g.spec.String(), 100, func(advance func(int)) (*Dataset, error) {
				mu.Lock()
				calls++
				mu.Unlock()
				time.Sleep(300 * time.Millisecond) // a slow generation, so the callers overlap
				return g.spec.Generate()
			})
			if err != nil {
				t.Error(err)
			}
			got[i] = d
		}()
	}
	wg.Wait()
	if calls != 1 {
		t.Errorf("%d concurrent callers generated the dataset %d times, want once", len(got), calls)
	}
	for i, d := range got {
		if d == nil || !sameDataset(d, got[0]) {
			t.Errorf("caller %d got another dataset", i)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(c.Dir, "*.lease")); len(left) > 0 {
		t.Errorf("lease files left: %v", left)
	}
}
