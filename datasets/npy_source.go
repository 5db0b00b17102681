package datasets

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/sbinet/npyio/npy"
)

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
		if err := src.openDir(); err != nil {
			return nil, err
		}
	case info.Mode().IsRegular() && strings.HasSuffix(abs, ".npz"):
		if err := src.openNPZ(info.Size()); err != nil {
			return nil, err
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

// openDir lists the arrays of the directory src.path (one <name>.npy each, hidden files
// skipped) and reads them from there, hashing each file read.
func (src *npySource) openDir() error {
	abs := src.path
	entries, err := os.ReadDir(abs)
	if err != nil {
		return fmt.Errorf("datasets: npy: %w", err)
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
				return fmt.Errorf("datasets: npy: %s: %s: %w", abs, name, err)
			}
			src.names = append(src.names, stem)
		}
	}
	if len(src.names) == 0 {
		hint := "want labels.npy plus one <modality>.npy per modality"
		if len(npzFiles) > 0 {
			hint = fmt.Sprintf("to read %s, name it: npy:%s", npzFiles[0], filepath.Join(abs, npzFiles[0]))
		}
		return fmt.Errorf("datasets: npy: %s: no .npy files; %s", abs, hint)
	}
	src.read = func(name string) ([]byte, error) {
		raw, err := readNPYFile(filepath.Join(abs, name+".npy"))
		if err != nil {
			return nil, err
		}
		src.hashes[name] = sha256.Sum256(raw)
		return raw, nil
	}
	return nil
}

// openNPZ reads the .npz (zip) file src.path of size bytes whole, hashes it, lists its <name>.npy
// entries and reads the arrays from them.
func (src *npySource) openNPZ(size int64) error {
	abs := src.path
	if size > maxNPYBytes() {
		return fmt.Errorf("datasets: npy: %s: %d bytes, more than the %d this loader reads (MaxDatasetBytes)", abs, size, maxNPYBytes())
	}
	raw, err := os.ReadFile(abs)
	npyFilesRead.Add(1)
	if err != nil {
		return fmt.Errorf("datasets: npy: %w", err)
	}
	sum := sha256.Sum256(raw)
	src.whole = sum[:]
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return fmt.Errorf("datasets: npy: %s: not a readable .npz (zip) file: %w", abs, err)
	}
	entryOf := map[string]*zip.File{}
	for _, f := range zr.File {
		if stem, ok := strings.CutSuffix(f.Name, ".npy"); ok && !strings.HasPrefix(stem, ".") {
			if _, dup := entryOf[stem]; dup {
				return fmt.Errorf("datasets: npy: %s: entry %s appears twice", abs, f.Name)
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
	return nil
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
	if mem := (*MemoryError)(nil); errors.As(err, &mem) {
		mem.What = filepath.Join(src.path, name+".npy")
		if strings.HasSuffix(src.path, ".npz") {
			mem.What = src.path + ": " + name + ".npy"
		}
		return nil, mem
	}
	if err != nil {
		return nil, src.errorf(name, "%v", err)
	}
	a, err := parseNPYHeader(raw)
	if err != nil {
		return nil, src.errorf(name, "%v", err)
	}
	return a, nil
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
	npyFilesRead.Add(1)
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
	// The data, its decoded float32 values and their copy in the splits.
	if err := checkMemory("", float64(want)+8*float64(values)); err != nil {
		return nil, err
	}
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
