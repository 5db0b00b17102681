package datasets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/sbinet/npyio/npy"
)

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
