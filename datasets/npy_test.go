package datasets

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"log"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sbinet/npyio"
	"github.com/sbinet/npyio/npy/float16"
)

// Fixtures are written by hand in t.TempDir(): npyFile builds a .npy file from a dtype, a shape
// and raw little-endian bytes, so any dtype, order or corruption can be made.

func npyFile(t *testing.T, descr string, fortran bool, shape []int, payload []byte) []byte {
	t.Helper()
	h, err := npyHeader(descr, fortran, shape)
	if err != nil {
		t.Fatal(err)
	}
	return append(h, payload...)
}

// le encodes fixed-size values little-endian.
func le[T any](values ...T) []byte {
	b, err := binary.Append(nil, binary.LittleEndian, values)
	if err != nil {
		panic(err)
	}
	return b
}

func f32File(t *testing.T, shape []int, values []float32) []byte {
	return npyFile(t, "<f4", false, shape, le(values...))
}

func i64File(t *testing.T, values ...int64) []byte {
	return npyFile(t, "<i8", false, []int{len(values)}, le(values...))
}

// Base data: 40 samples of 4 classes (label i mod 4); a.npy is (40, 3) and b.npy is
// (40, 2, 2), value 100·i + j for sample i and flat feature j (exact in float32).
const baseN = 40

func baseValues(size int) []float32 {
	v := make([]float32, baseN*size)
	for i := range baseN {
		for j := range size {
			v[i*size+j] = float32(100*i + j)
		}
	}
	return v
}

func baseLabels() []int64 {
	y := make([]int64, baseN)
	for i := range y {
		y[i] = int64(i % 4)
	}
	return y
}

func baseFiles(t *testing.T) map[string][]byte {
	return map[string][]byte{
		"labels.npy": i64File(t, baseLabels()...),
		"a.npy":      f32File(t, []int{baseN, 3}, baseValues(3)),
		"b.npy":      f32File(t, []int{baseN, 2, 2}, baseValues(4)),
	}
}

// writeDir writes files (a nil value means "leave this file out") into a new temporary directory.
func writeDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if data == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// with returns the base files with some replaced (nil removes one).
func with(t *testing.T, changes map[string][]byte) map[string][]byte {
	files := baseFiles(t)
	for name, data := range changes {
		files[name] = data
	}
	return files
}

func mustParse(t *testing.T, spec string) Spec {
	t.Helper()
	s, err := ParseSpec(spec)
	if err != nil {
		t.Fatalf("ParseSpec(%q): %v", spec, err)
	}
	return s
}

func mustGenerate(t *testing.T, spec string) *Dataset {
	t.Helper()
	d, err := mustParse(t, spec).Generate()
	if err != nil {
		t.Fatalf("Generate(%q): %v", spec, err)
	}
	return d
}

// sameData reports how two datasets differ in what the files hold (not their Spec), or "".
func sameData(got, want *Dataset) string {
	if got.NumClasses != want.NumClasses {
		return fmt.Sprintf("NumClasses %d, want %d", got.NumClasses, want.NumClasses)
	}
	if !reflect.DeepEqual(got.Modalities, want.Modalities) {
		return fmt.Sprintf("Modalities %v, want %v", got.Modalities, want.Modalities)
	}
	for i, name := range SplitNames {
		g, w := got.splits()[i], want.splits()[i]
		switch {
		case !reflect.DeepEqual(g.Labels, w.Labels):
			return name + ": labels differ"
		case !reflect.DeepEqual(g.Features, w.Features):
			return name + ": features differ"
		case !reflect.DeepEqual(g.Tags, w.Tags):
			return name + ": tags differ"
		}
	}
	return ""
}

func TestNPYLoadsBase(t *testing.T) {
	dir := writeDir(t, baseFiles(t))
	d := mustGenerate(t, "npy:"+dir)
	if d.NumClasses != 4 {
		t.Errorf("NumClasses = %d, want 4 (max label + 1)", d.NumClasses)
	}
	want := []Modality{{"a", []int{3}}, {"b", []int{2, 2}}}
	if !reflect.DeepEqual(d.Modalities, want) {
		t.Errorf("Modalities = %v, want %v", d.Modalities, want)
	}
	// Every sample lands in exactly one split with its own features: b's first value of sample
	// i is 100·i, and its label is i mod 4.
	seen := map[int]bool{}
	for _, s := range d.splits() {
		for r, y := range s.Labels {
			i := int(s.Features[1][4*r]) / 100
			if seen[i] || int(y) != i%4 || s.Features[0][3*r+2] != float32(100*i+2) {
				t.Fatalf("sample %d: duplicated or mismatched (label %d)", i, y)
			}
			seen[i] = true
		}
	}
	if len(seen) != baseN {
		t.Errorf("%d of %d samples in the splits", len(seen), baseN)
	}
	// 10 per class: round(0.2·10) = 2 test, round(0.1·10) = 1 val, 7 train.
	if got := []int{d.Train.Len(), d.Val.Len(), d.Test.Len()}; !slices.Equal(got, []int{28, 4, 8}) {
		t.Errorf("split sizes %v, want [28 4 8]", got)
	}
	for i, s := range d.splits() {
		for c, count := range s.ClassCounts(4) {
			if want := []int{7, 1, 2}[i]; count != want {
				t.Errorf("%s: class %d has %d samples, want %d (stratified)", SplitNames[i], c, count, want)
			}
		}
	}
}

func TestNPYSpecString(t *testing.T) {
	dir := writeDir(t, baseFiles(t))
	s := mustParse(t, "npy:"+dir)
	want := fmt.Sprintf("npy:%s,modalities=a+b,k=4,val=0.1,test=0.2,seed=1,sha256=", dir)
	if got := s.String(); !strings.HasPrefix(got, want) || len(got) != len(want)+checksumLen {
		t.Errorf("String() = %q, want %q + %d hex digits", got, want, checksumLen)
	}
	if again := mustParse(t, s.String()); again.String() != s.String() {
		t.Errorf("ParseSpec(String()) = %q, want %q", again, s)
	}
	if d := mustGenerate(t, s.String()); d.Spec != s.String() {
		t.Errorf("Dataset.Spec = %q, want %q", d.Spec, s)
	}
	// Relative paths resolve to absolute ones; paths may contain '='; spaces around items go.
	parent := t.TempDir()
	eqDir := filepath.Join(parent, "run=3")
	if err := os.Mkdir(eqDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range baseFiles(t) {
		if err := os.WriteFile(filepath.Join(eqDir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(parent)
	rel := mustParse(t, "npy: run=3 , seed=1").(NPYSpec)
	if rel.Path != eqDir {
		t.Errorf("Path = %q, want %q", rel.Path, eqDir)
	}
	if rel.Checksum != s.(NPYSpec).Checksum {
		t.Errorf("same files, different checksums %s and %s", rel.Checksum, s.(NPYSpec).Checksum)
	}
	if n := NPYName; mustParse(t, "npy:"+dir).Name() != n {
		t.Errorf("Name() != %q", n)
	}
}

func TestNPYChecksumTracksFiles(t *testing.T) {
	dir := writeDir(t, baseFiles(t))
	before := mustParse(t, "npy:"+dir)
	// Change one feature value of one sample.
	values := baseValues(3)
	values[7] = 0.5
	if err := os.WriteFile(filepath.Join(dir, "a.npy"), f32File(t, []int{baseN, 3}, values), 0o644); err != nil {
		t.Fatal(err)
	}
	after := mustParse(t, "npy:"+dir)
	if after.String() == before.String() {
		t.Fatalf("String() unchanged after a file changed: %q", after)
	}
	// The parsed spec holds the data it read (see TestNPYReadsChangedFilesAgain); the same spec
	// without it reads the files again and finds them changed.
	old := before.(NPYSpec)
	old.loaded = nil
	if _, err := old.Generate(); err == nil || !strings.Contains(err.Error(), "files changed") {
		t.Errorf("Generate of the old spec: %v, want a files-changed error", err)
	}
	if _, err := ParseSpec(before.String()); err == nil || !strings.Contains(err.Error(), "files changed") {
		t.Errorf("ParseSpec of the old canonical spec: %v, want a files-changed error", err)
	}
	// An extra file that is not read (a modality left out by the modalities key) is not hashed.
	sub := mustParse(t, "npy:"+dir+",modalities=a+b")
	if err := os.WriteFile(filepath.Join(dir, "c.npy"), f32File(t, []int{baseN, 1}, baseValues(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if again := mustParse(t, "npy:"+dir+",modalities=a+b"); again.String() != sub.String() {
		t.Errorf("adding an unused file changed the spec: %q → %q", sub, again)
	}
	if all := mustParse(t, "npy:"+dir).(NPYSpec); !slices.Equal(all.Modalities, []string{"a", "b", "c"}) {
		t.Errorf("Modalities = %v, want every array", all.Modalities)
	}
}

func TestNPYSeedOffsetKeepsData(t *testing.T) {
	dir := writeDir(t, baseFiles(t))
	s := mustParse(t, "npy:"+dir+",seed=5")
	d0, err := s.Generate()
	if err != nil {
		t.Fatal(err)
	}
	for _, offset := range []int{1, 3} {
		shifted := s.WithSeedOffset(offset)
		if shifted.String() != s.String() {
			t.Errorf("WithSeedOffset(%d).String() = %q, want %q", offset, shifted, s)
		}
		d, err := shifted.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameData(d, d0); diff != "" {
			t.Errorf("WithSeedOffset(%d) changed the data: %s", offset, diff)
		}
	}
}

func TestNPYSplits(t *testing.T) {
	dir := writeDir(t, baseFiles(t))
	d1 := mustGenerate(t, "npy:"+dir)
	if again := mustGenerate(t, "npy:"+dir); sameData(again, d1) != "" {
		t.Error("the drawn split is not deterministic")
	}
	if other := mustGenerate(t, "npy:"+dir+",seed=2"); sameData(other, d1) == "" {
		t.Error("seed=2 drew the same split as seed=1")
	}
	// 10 per class: round(0.3·10) = 3 test, round(0.25·10) = 3 (half away from zero) val.
	d := mustGenerate(t, "npy:"+dir+",val=0.25,test=0.3")
	if got := []int{d.Train.Len(), d.Val.Len(), d.Test.Len()}; !slices.Equal(got, []int{16, 12, 12}) {
		t.Errorf("val=0.25,test=0.3: split sizes %v, want [16 12 12]", got)
	}
	if !strings.Contains(d.Spec, ",val=0.25,test=0.3,seed=1,") {
		t.Errorf("Spec %q does not record the fractions", d.Spec)
	}

	// A split array decides membership; the spec then has no val, test or seed.
	codes := make([]int64, baseN)
	for i := range codes {
		codes[i] = int64([]int{0, 0, 1, 2}[i%4]) // classes 0, 1 → train, 2 → val, 3 → test
	}
	codes[3] = 0 // one class-3 sample in train too
	splitDir := writeDir(t, with(t, map[string][]byte{"split.npy": npyFile(t, "|u1", false, []int{baseN, 1}, le(convertSlice[uint8](codes)...))}))
	s := mustParse(t, "npy:"+splitDir).(NPYSpec)
	if !s.SplitArray || strings.Contains(s.String(), "val=") || strings.Contains(s.String(), "seed=") {
		t.Errorf("spec with split.npy: %q (SplitArray %v), want no val/test/seed", s, s.SplitArray)
	}
	d, err := s.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{d.Train.Len(), d.Val.Len(), d.Test.Len()}; !slices.Equal(got, []int{21, 10, 9}) {
		t.Errorf("split sizes %v, want [21 10 9]", got)
	}
	if d.Train.Features[0][3*2] != 300 { // train is samples 0, 1, 3, 4, …: the third is sample 3
		t.Errorf("train keeps file order: third train sample starts with %v, want 300", d.Train.Features[0][6])
	}
}

// convertSlice converts integer values, for fixtures of other dtypes.
func convertSlice[T ~int8 | ~int16 | ~int32 | ~uint8 | ~uint16 | ~uint32 | ~uint64](x []int64) []T {
	out := make([]T, len(x))
	for i, v := range x {
		out[i] = T(v)
	}
	return out
}

func TestNPYDtypes(t *testing.T) {
	shape := []int{baseN, 3}
	want := baseValues(3)
	f64 := make([]float64, len(want))
	f16 := make([]uint16, len(want))
	u8 := make([]uint8, len(want))
	i64 := make([]int64, len(want))
	for j, v := range want {
		f64[j] = float64(v)
		i64[j] = int64(v)
		u8[j] = uint8(j % 256)
	}
	// float16 holds integers exactly only up to 2048, so that case uses small values: j/8 for
	// flat index j < 40·3 = 120, plus a subnormal.
	want16 := make([]float32, len(want))
	for j := range f16 {
		want16[j] = float32(j) / 8
		f16[j] = float16.New(want16[j]).Uint16()
	}
	f16[5], want16[5] = 0x0001, 0x1p-24 // the smallest subnormal
	wantU8 := make([]float32, len(u8))
	for j, v := range u8 {
		wantU8[j] = float32(v)
	}
	bigEndian := make([]byte, 0, 4*len(want))
	for _, v := range want {
		bigEndian = binary.BigEndian.AppendUint32(bigEndian, math.Float32bits(v))
	}
	// Fortran order: the same values stored column by column.
	fortran := make([]float32, len(want))
	for i := range baseN {
		for j := range 3 {
			fortran[j*baseN+i] = want[3*i+j]
		}
	}
	for _, tc := range []struct {
		name string
		file []byte
		want []float32
	}{
		{"float32", f32File(t, shape, want), want},
		{"float64", npyFile(t, "<f8", false, shape, le(f64...)), want},
		{"float16 with a subnormal", npyFile(t, "<f2", false, shape, le(f16...)), want16},
		{"big-endian float32", npyFile(t, ">f4", false, shape, bigEndian), want},
		{"Fortran order", npyFile(t, "<f4", true, shape, le(fortran...)), want},
		{"uint8 pixels", npyFile(t, "|u1", false, shape, le(u8...)), wantU8},
		{"int64 below 2^24", npyFile(t, "<i8", false, shape, le(i64...)), want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustGenerate(t, "npy:"+writeDir(t, with(t, map[string][]byte{"a.npy": tc.file})))
			// Rebuild the file's order from the splits: b's first value is 100·sample.
			got := make([]float32, len(tc.want))
			for _, s := range d.splits() {
				for r := range s.Len() {
					i := int(s.Features[1][4*r]) / 100
					copy(got[3*i:3*i+3], s.Features[0][3*r:3*r+3])
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("values differ: got %v…, want %v…", got[:9], tc.want[:9])
			}
		})
	}
	// Labels of every integer dtype, and (N, 1) labels.
	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"int8", npyFile(t, "|i1", false, []int{baseN}, le(convertSlice[int8](baseLabels())...))},
		{"uint16 shaped (N 1)", npyFile(t, "<u2", false, []int{baseN, 1}, le(convertSlice[uint16](baseLabels())...))},
		{"int32 big-endian", npyFile(t, ">i4", false, []int{baseN}, func() []byte {
			b, _ := binary.Append(nil, binary.BigEndian, convertSlice[int32](baseLabels()))
			return b
		}())},
		{"uint64", npyFile(t, "<u8", false, []int{baseN}, le(convertSlice[uint64](baseLabels())...))},
	} {
		t.Run("labels "+tc.name, func(t *testing.T) {
			want := mustGenerate(t, "npy:"+writeDir(t, baseFiles(t)))
			got := mustGenerate(t, "npy:"+writeDir(t, with(t, map[string][]byte{"labels.npy": tc.file})))
			if diff := sameData(got, want); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestFloat16ToFloat32(t *testing.T) {
	for _, tc := range []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x3555, 0.333251953125},
		{0x7bff, 65504},          // largest finite
		{0x0400, 0x1p-14},        // smallest normal
		{0x0001, 0x1p-24},        // smallest subnormal
		{0x03ff, 1023 * 0x1p-24}, // largest subnormal
		{0x8001, -0x1p-24},       // negative subnormal
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	} {
		if got := float16ToFloat32(tc.bits); got != tc.want {
			t.Errorf("float16ToFloat32(%#04x) = %v, want %v", tc.bits, got, tc.want)
		}
	}
	if got := float16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("float16ToFloat32(0x8000) = %v, want -0", got)
	}
	if got := float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("float16ToFloat32(0x7e00) = %v, want NaN", got)
	}
	// Every normal, infinite and NaN pattern agrees with npyio's float16 package; subnormals
	// (exponent bits 0) are where npyio is wrong, and are checked above instead.
	for b := range 1 << 16 {
		h := uint16(b)
		if h&0x7c00 == 0 {
			continue
		}
		if got, ref := float16ToFloat32(h), float16.Float16Frombits(h).Float32(); math.Float32bits(got) != math.Float32bits(ref) {
			t.Fatalf("float16ToFloat32(%#04x) = %v, npyio says %v", h, got, ref)
		}
	}
}

func TestFortranToC(t *testing.T) {
	// A (2, 3, 2) array with value 100·i + 10·j + k, stored in Fortran order (i fastest).
	shape := []int{2, 3, 2}
	var fortran, want []int
	for k := range 2 {
		for j := range 3 {
			for i := range 2 {
				fortran = append(fortran, 100*i+10*j+k)
			}
		}
	}
	for i := range 2 {
		for j := range 3 {
			for k := range 2 {
				want = append(want, 100*i+10*j+k)
			}
		}
	}
	if got := fortranToC(fortran, shape); !slices.Equal(got, want) {
		t.Errorf("fortranToC = %v, want %v", got, want)
	}
}

func TestNaturalCompare(t *testing.T) {
	names := []string{"m10", "m2", "audio", "m1", "video", "m01", "b", "a10b", "a9b"}
	slices.SortFunc(names, naturalCompare)
	want := []string{"a9b", "a10b", "audio", "b", "m01", "m1", "m2", "m10", "video"}
	if !slices.Equal(names, want) {
		t.Errorf("natural order %v, want %v", names, want)
	}
}

func TestNPYModalityOrder(t *testing.T) {
	files := map[string][]byte{
		"labels.npy": i64File(t, baseLabels()...),
		"m10.npy":    f32File(t, []int{baseN, 1}, baseValues(1)),
		"m2.npy":     f32File(t, []int{baseN, 2}, baseValues(2)),
	}
	dir := writeDir(t, files)
	if got := mustParse(t, "npy:"+dir).(NPYSpec).Modalities; !slices.Equal(got, []string{"m2", "m10"}) {
		t.Errorf("default order %v, want [m2 m10] (digit runs as numbers)", got)
	}
	d := mustGenerate(t, "npy:"+dir+",modalities=m10+m2")
	if d.Modalities[0].Name != "m10" || d.Modalities[0].Size() != 1 {
		t.Errorf("modalities=m10+m2 gave %v", d.Modalities)
	}
}

func TestNPYNPZ(t *testing.T) {
	files := baseFiles(t)
	fromDir := mustGenerate(t, "npy:"+writeDir(t, files))
	for _, method := range []uint16{zip.Store, zip.Deflate} { // np.savez, np.savez_compressed
		path := filepath.Join(t.TempDir(), "feats.npz")
		writeNPZ(t, path, method, files)
		spec := mustParse(t, "npy:"+path)
		if !strings.HasPrefix(spec.String(), "npy:"+path+",modalities=a+b,k=4,") {
			t.Errorf("npz spec %q", spec)
		}
		d, err := spec.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameData(d, fromDir); diff != "" {
			t.Errorf("npz (method %d) differs from the directory: %s", method, diff)
		}
	}
	// A directory is not searched for an .npz file, but the error says how to name it.
	dir := t.TempDir()
	writeNPZ(t, filepath.Join(dir, "feats.npz"), zip.Store, files)
	if _, err := ParseSpec("npy:" + dir); err == nil || !strings.Contains(err.Error(), "npy:"+filepath.Join(dir, "feats.npz")) {
		t.Errorf("directory holding only an .npz: %v, want a hint naming the file", err)
	}
	// An npz without labels names what it has.
	noLabels := filepath.Join(t.TempDir(), "x.npz")
	writeNPZ(t, noLabels, zip.Store, map[string][]byte{"arr_0.npy": files["a.npy"], "arr_1.npy": files["b.npy"]})
	if _, err := ParseSpec("npy:" + noLabels); err == nil || !strings.Contains(err.Error(), "labels.npy missing (arrays: arr_0.npy, arr_1.npy)") {
		t.Errorf("npz without labels: %v", err)
	}
	// A broken npz.
	broken := filepath.Join(t.TempDir(), "broken.npz")
	if err := os.WriteFile(broken, []byte("PK\x03\x04 not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSpec("npy:" + broken); err == nil || !strings.Contains(err.Error(), "broken.npz: not a readable .npz") {
		t.Errorf("broken npz: %v", err)
	}
}

// writeNPZ writes files into a zip archive, as np.savez (Store) and np.savez_compressed (Deflate) do.
func writeNPZ(t *testing.T, path string, method uint16, files map[string][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNPYRoundTrip(t *testing.T) {
	lp, err := ParseSpec("lazypair:k=4,dim=12,m=3,pi=0.5,n_train=120,n_val=40,n_test=60,seed=7")
	if err != nil {
		t.Fatal(err)
	}
	want, err := lp.Generate()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "lazy")
	if err := SaveNPY(dir, want); err != nil {
		t.Fatal(err)
	}
	got := mustGenerate(t, "npy:"+dir)
	if diff := sameData(got, want); diff != "" {
		t.Fatalf("LazyPair → SaveNPY → ParseSpec: %s", diff)
	}
	if n, _ := got.Test.Subset("pair_only"); len(n) == 0 {
		t.Error("tags did not survive: no pair_only samples")
	}
	// The parsed spec knows its modalities without loading the data (study planning needs it).
	for _, spec := range []string{"npy:" + dir, "npy:" + dir + ",modalities=m2+m0"} {
		s, err := ParseSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		if want := len(mustGenerate(t, spec).Modalities); s.NumModalities() != want || lp.NumModalities() != 3 {
			t.Errorf("%s: NumModalities %d, want %d (lazypair: %d, want 3)", spec, s.NumModalities(), want, lp.NumModalities())
		}
	}
	// Saving again over the same files works and changes nothing.
	if err := SaveNPY(dir, got); err != nil {
		t.Fatal(err)
	}
	if again := mustGenerate(t, "npy:"+dir); again.Spec != got.Spec {
		t.Errorf("re-saving changed the spec: %q → %q", got.Spec, again.Spec)
	}
	// numpy reads what SaveNPY writes; so does npyio: the labels as int32, in split order.
	f, err := os.Open(filepath.Join(dir, "labels.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var labels []int32
	if err := npyio.Read(f, &labels); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(labels, slices.Concat(want.Train.Labels, want.Val.Labels, want.Test.Labels)) {
		t.Error("labels.npy is not train, val, test concatenated")
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, "m0.npy")); len(raw)%64 != (220*12*4)%64 {
		t.Errorf("m0.npy: header not padded to a multiple of 64 bytes")
	}
}

func TestSaveNPYOrderAndErrors(t *testing.T) {
	// A modality order that is not file-name order comes back with the modalities key.
	d := mustGenerate(t, "npy:"+writeDir(t, baseFiles(t)))
	d.Modalities[0].Name, d.Modalities[1].Name = "visual", "audio"
	dir := t.TempDir()
	if err := SaveNPY(dir, d); err != nil {
		t.Fatal(err)
	}
	if diff := sameData(mustGenerate(t, "npy:"+dir+",modalities=visual+audio"), d); diff != "" {
		t.Errorf("round trip with modalities=visual+audio: %s", diff)
	}
	if err := os.WriteFile(filepath.Join(dir, "old.npy"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SaveNPY(dir, d); err == nil || !strings.Contains(err.Error(), "old.npy") {
		t.Errorf("SaveNPY beside a stray .npy: %v, want an error naming it", err)
	}
	for _, tc := range []struct {
		name, modality, want string
	}{
		{"reserved name", "labels", `modality "labels": the name is reserved`},
		{"separator in name", "a+b", `modality "a+b"`},
		{"path in name", "../x", `modality "../x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := *d
			bad.Modalities = slices.Clone(d.Modalities)
			bad.Modalities[0].Name = tc.modality
			if err := SaveNPY(t.TempDir(), &bad); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SaveNPY: %v, want %q", err, tc.want)
			}
		})
	}
	if err := SaveNPY(t.TempDir(), &Dataset{}); err == nil {
		t.Error("SaveNPY of an invalid dataset succeeded")
	}
}

// TestNPYErrors has one case per kind of bad input; each error must name the file (or key)
// and the field or value that is wrong.
func TestNPYErrors(t *testing.T) {
	f32 := func(shape []int) []byte { // float32 zeros of a shape
		n := 1
		for _, d := range shape {
			n *= d
		}
		return f32File(t, shape, make([]float32, n))
	}
	good := baseFiles(t)["a.npy"]
	nanValues := baseValues(3)
	nanValues[3*7+2] = float32(math.NaN())
	infValues := baseValues(4)
	infValues[4*9+3] = float32(math.Inf(-1))
	negative := baseLabels()
	negative[5] = -1
	oneClass := make([]int64, baseN)
	huge := baseLabels()
	huge[2] = 1 << 20
	tooBig := make([]float64, baseN*3)
	tooBig[5] = 1e39
	splitCodes := func(change func(c []int64)) []byte {
		c := make([]int64, baseN)
		for i := range c {
			c[i] = int64(i % 3)
		}
		change(c)
		return i64File(t, c...)
	}
	for _, tc := range []struct {
		name  string
		files map[string][]byte // changes to the base files; nil removes one
		keys  string            // appended to the spec
		want  []string          // substrings of the error
	}{
		// Broken files.
		{"not a .npy file", map[string][]byte{"a.npy": []byte("hello, I am text")}, "", []string{"a.npy", "not a .npy file"}},
		{"empty file", map[string][]byte{"a.npy": {}}, "", []string{"a.npy", "truncated: 0 bytes"}},
		{"truncated preamble", map[string][]byte{"a.npy": good[:8]}, "", []string{"a.npy", "truncated: 8 bytes"}},
		{"truncated header", map[string][]byte{"labels.npy": good[:40]}, "", []string{"labels.npy", "truncated header"}},
		{"truncated data", map[string][]byte{"a.npy": good[:len(good)-5]}, "", []string{"a.npy", "truncated: shape (40, 3) of float32 (<f4) needs 480 data bytes, the file has 475"}},
		{"trailing bytes", map[string][]byte{"b.npy": append(f32([]int{baseN, 2, 2}), 0, 0, 0, 0)}, "", []string{"b.npy", "4 bytes beyond the 640"}},
		{"header without newline", map[string][]byte{"a.npy": func() []byte {
			b := slices.Clone(good)
			b[10+int(binary.LittleEndian.Uint16(b[8:10]))-1] = ' '
			return b
		}()}, "", []string{"a.npy", "malformed header", "newline"}},
		{"format version 3", map[string][]byte{"a.npy": func() []byte {
			b := slices.Clone(good)
			b[6] = 3
			return b
		}()}, "", []string{"a.npy", "format version 3.0 is not supported"}},
		{"scalar array", map[string][]byte{"a.npy": npyFile(t, "<f4", false, nil, le[float32](1))}, "", []string{"a.npy", "shape ()"}},

		// Unsupported dtypes.
		{"bool features", map[string][]byte{"a.npy": npyFile(t, "|b1", false, []int{baseN, 3}, make([]byte, baseN*3))}, "", []string{"a.npy", "features: dtype bool (|b1) is not supported"}},
		{"complex features", map[string][]byte{"a.npy": npyFile(t, "<c8", false, []int{baseN, 3}, make([]byte, baseN*3*8))}, "", []string{"a.npy", "dtype complex64 (<c8)"}},
		{"object features", map[string][]byte{"a.npy": npyFile(t, "|O", false, []int{baseN, 3}, make([]byte, 16))}, "", []string{"a.npy", "dtype object (|O)"}},
		{"string features", map[string][]byte{"b.npy": npyFile(t, "<U5", false, []int{baseN, 1}, make([]byte, baseN*20))}, "", []string{"b.npy", "dtype string (<U5)"}},
		{"float labels", map[string][]byte{"labels.npy": f32([]int{baseN})}, "", []string{"labels.npy", "labels: dtype float32 (<f4)", "want integers"}},
		{"one-hot labels", map[string][]byte{"labels.npy": npyFile(t, "<i8", false, []int{baseN, 4}, make([]byte, baseN*32))}, "", []string{"labels.npy", "labels: shape (40, 4)", "argmax"}},

		// Counts and shapes.
		{"fewer samples in a modality", map[string][]byte{"b.npy": f32([]int{baseN - 1, 2, 2})}, "", []string{"b.npy", "features: 39 samples (shape (39, 2, 2)), but labels.npy has 40"}},
		{"more samples in a modality", map[string][]byte{"a.npy": f32([]int{baseN + 1, 3})}, "", []string{"a.npy", "41 samples", "labels.npy has 40"}},
		{"1-D features", map[string][]byte{"a.npy": f32([]int{baseN})}, "", []string{"a.npy", "features: shape (40,)", "x[:, None]"}},
		{"no features per sample", map[string][]byte{"a.npy": f32([]int{baseN, 0})}, "", []string{"a.npy", "shape (40, 0) has no values per sample"}},
		{"no samples", map[string][]byte{"labels.npy": i64File(t)}, "", []string{"labels.npy", "shape (0,) has no samples"}},

		// Values.
		{"negative label", map[string][]byte{"labels.npy": i64File(t, negative...)}, "", []string{"labels.npy", "sample 5 has label -1"}},
		{"label not below k", nil, ",k=3", []string{"labels.npy", "sample 3 has label 3, but k = 3"}},
		{"absurd label", map[string][]byte{"labels.npy": i64File(t, huge...)}, "", []string{"labels.npy", "sample 2 has label 1048576", "at most 65536 classes"}},
		{"one class", map[string][]byte{"labels.npy": i64File(t, oneClass...)}, "", []string{"labels.npy", "every one of the 40 samples has label 0", "at least 2 classes"}},
		{"NaN feature", map[string][]byte{"a.npy": f32File(t, []int{baseN, 3}, nanValues)}, "", []string{"a.npy", "features: sample 7, feature 2 is NaN"}},
		{"Inf feature in an image", map[string][]byte{"b.npy": f32File(t, []int{baseN, 2, 2}, infValues)}, "", []string{"b.npy", "sample 9, feature 3 (index (1, 1) of per-sample shape (2, 2)) is -Inf"}},
		{"float64 beyond float32", map[string][]byte{"a.npy": npyFile(t, "<f8", false, []int{baseN, 3}, le(tooBig...))}, "", []string{"a.npy", "sample 1, feature 2 is 1e+39, beyond float32's range"}},
		{"integer feature not exact in float32", map[string][]byte{"a.npy": npyFile(t, "<i4", false, []int{baseN, 3}, func() []byte {
			v := make([]int32, baseN*3)
			v[4] = 1<<24 + 1
			return le(v...)
		}())}, "", []string{"a.npy", "sample 1, feature 1 is 16777217, which float32 cannot hold exactly"}},

		// Missing files.
		{"labels missing", map[string][]byte{"labels.npy": nil}, "", []string{"labels.npy missing (arrays: a.npy, b.npy)"}},
		{"no modalities", map[string][]byte{"a.npy": nil, "b.npy": nil}, "", []string{"no modality arrays beside labels.npy"}},
		{"one modality", map[string][]byte{"b.npy": nil}, "", []string{"only one modality (a.npy)", "at least 2"}},
		{"unknown modality in key", nil, ",modalities=a+c", []string{`modalities: no modality array "c" (modality arrays: a.npy, b.npy)`}},
		{"one modality in key", nil, ",modalities=a", []string{"only one modality (a.npy)"}},

		// The split array.
		{"split value out of range", map[string][]byte{"split.npy": splitCodes(func(c []int64) { c[4] = 3 })}, "", []string{"split.npy", "sample 4 has value 3; want 0 (train), 1 (val) or 2 (test)"}},
		{"negative split value", map[string][]byte{"split.npy": splitCodes(func(c []int64) { c[0] = -1 })}, "", []string{"split.npy", "sample 0 has value -1"}},
		{"split too short", map[string][]byte{"split.npy": i64File(t, make([]int64, baseN-1)...)}, "", []string{"split.npy", "split: 39 samples (shape (39,)), but labels.npy has 40"}},
		{"empty val split", map[string][]byte{"split.npy": splitCodes(func(c []int64) {
			for i := range c {
				c[i] = int64(i % 2 * 2) // 0 or 2, never 1
			}
		})}, "", []string{"split.npy", "no sample has value 1 (val)"}},
		{"split float", map[string][]byte{"split.npy": f32([]int{baseN})}, "", []string{"split.npy", "split: dtype float32"}},
		{"split with split keys", map[string][]byte{"split.npy": splitCodes(func([]int64) {})}, ",val=0.2,seed=3", []string{"split.npy gives the split, so the spec's split keys (val, seed) would be ignored"}},
		{"tags out of range", map[string][]byte{"tags.npy": i64File(t, append(make([]int64, baseN-1), -2)...)}, "", []string{"tags.npy", "sample 39 has tags -2"}},
		{"drawn split too small", map[string][]byte{
			"labels.npy": i64File(t, 0, 1, 0, 1),
			"a.npy":      f32([]int{4, 3}),
			"b.npy":      f32([]int{4, 1}),
		}, "", []string{"the drawn split left val empty (4 samples, val = 0.1"}},

		// The spec itself.
		{"unknown key", nil, ",kk=3", []string{`unknown key "kk"`, "valid keys: modalities, k, val, test, seed, sha256"}},
		{"path given twice", nil, ",path=/tmp", []string{`key "path" given twice`}},
		{"k not an integer", nil, ",k=three", []string{`key k="three": want an integer`}},
		{"k below 2", nil, ",k=1", []string{"k = 1", "2 ≤ k"}},
		{"k zero given", nil, ",k=0", []string{"k = 0", "2 ≤ k"}},
		{"val not a number", nil, ",val=tenth", []string{`key val="tenth": want a number`}},
		{"val NaN", nil, ",val=NaN", []string{"val = NaN", "0 < val < 1"}},
		{"val out of range", nil, ",val=1.5", []string{"val = 1.5", "0 < val < 1"}},
		{"test zero", nil, ",test=0", []string{"test = 0", "0 < test < 1"}},
		{"no training samples", nil, ",val=0.5,test=0.5", []string{"val + test = 0.5 + 0.5 ≥ 1"}},
		{"seed not an integer", nil, ",seed=x", []string{`key seed="x": want a 64-bit integer`}},
		{"malformed checksum", nil, ",sha256=XYZ", []string{`sha256 = "XYZ"`}},
		{"wrong checksum", nil, ",sha256=0123456789abcdef", []string{"files changed since this spec was recorded", "the spec says 0123456789abcdef"}},
		{"empty modality name", nil, ",modalities=a++b", []string{"key modalities", "empty name"}},
		{"modality twice", nil, ",modalities=a+a", []string{"names a twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeDir(t, with(t, tc.files))
			spec := "npy:" + dir + tc.keys
			s, err := ParseSpec(spec)
			if err == nil {
				t.Fatalf("ParseSpec(%q) = %v, want an error", spec, s)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n  %s\nwant it to contain %q", err, w)
				}
			}
		})
	}

	// Errors about the path.
	dir := writeDir(t, baseFiles(t))
	for _, tc := range []struct{ name, spec, want string }{
		{"no path", "npy", "no data path; want npy:DIR or npy:FILE.npz"},
		{"empty path", "npy:", "no data path"},
		{"missing directory", "npy:" + filepath.Join(dir, "nope"), "no such file or directory"},
		{"a single .npy file", "npy:" + filepath.Join(dir, "a.npy"), "is one array; give the directory that holds the arrays: npy:" + dir},
		{"empty directory", "npy:" + t.TempDir(), "no .npy files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseSpec(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseSpec(%q): %v, want %q", tc.spec, err, tc.want)
			}
		})
	}
	if _, err := LoadNPY(dir + ",x"); err == nil || !strings.Contains(err.Error(), "contains ','") {
		t.Errorf("LoadNPY of a path with a comma: %v", err)
	}
}

func TestLoadNPY(t *testing.T) {
	dir := writeDir(t, baseFiles(t))
	d, err := LoadNPY(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustGenerate(t, "npy:"+dir); d.Spec != want.Spec || sameData(d, want) != "" {
		t.Errorf("LoadNPY differs from ParseSpec+Generate: %q vs %q", d.Spec, want.Spec)
	}
}

func TestRegisterPositional(t *testing.T) {
	for _, key := range []string{"", "a=b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterPositional with key %q did not panic", key)
				}
			}()
			RegisterPositional("positionaltest", key, func(map[string]string) (Spec, error) { return nil, nil })
		}()
	}
	// lazypair has no positional item: a bare first item is still an error.
	if _, err := ParseSpec("lazypair:/some/dir"); err == nil || !strings.Contains(err.Error(), "is not key=value") {
		t.Errorf("lazypair with a path: %v", err)
	}
}

// A dataset written with SaveNPY (here a small LazyPair) is read back by the spec "npy:DIR";
// its canonical form pins the files by checksum. A user's own features in the same layout
// load the same way.
func ExampleSaveNPY() {
	lp, err := ParseSpec("lazypair:n_train=200,n_val=50,n_test=100")
	if err != nil {
		log.Fatal(err)
	}
	data, err := lp.Generate()
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "mmlab-npy")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := SaveNPY(dir, data); err != nil {
		log.Fatal(err)
	}

	spec, err := ParseSpec("npy:" + dir)
	if err != nil {
		log.Fatal(err)
	}
	sum := spec.(NPYSpec).Checksum // 16 hex digits of SHA-256: changes whenever a file does
	fmt.Println(strings.NewReplacer(dir, "DIR", sum, "<sha256>").Replace(spec.String()))
	back, err := spec.WithSeedOffset(3).Generate() // fixed data: every run seed sees the same
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Modalities, back.NumClasses, back.Train.Len(), back.Val.Len(), back.Test.Len())
	both, _ := back.Test.Subset("both_hard") // tags.npy keeps the diagnostic subsets
	fmt.Println(len(both) > 0)
	// Output:
	// npy:DIR,modalities=m0+m1,k=4,sha256=<sha256>
	// [{m0 [48]} {m1 [48]}] 4 200 50 100
	// true
}
