package datasets

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mmlab-go/mmlab/internal/fsutil"
	"github.com/sbinet/npyio/npy"
)

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
	if err := checkNPYModalities(d.Modalities); err != nil {
		return err
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
	if err := checkNPYDir(dir, writing); err != nil {
		return err
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
	err := writeNPYFile(dir, npyLabels, "<i4", []int{n}, func(w io.Writer) error {
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

// checkNPYModalities checks that each modality's name can be a file name and a spec value, is
// not reserved, and that each has at least one feature axis.
func checkNPYModalities(modalities []Modality) error {
	for _, m := range modalities {
		switch {
		case m.Name == npyLabels || m.Name == npySplit || m.Name == npyTags:
			return fmt.Errorf("datasets.SaveNPY: modality %q: the name is reserved for %s.npy", m.Name, m.Name)
		case strings.ContainsAny(m.Name, `,+/\`) || strings.HasPrefix(m.Name, ".") || strings.TrimSpace(m.Name) != m.Name:
			return fmt.Errorf("datasets.SaveNPY: modality %q: the name becomes a file name and a spec value; want no ',', '+', '/', '\\', leading '.' or surrounding spaces", m.Name)
		case len(m.Shape) == 0:
			return fmt.Errorf("datasets.SaveNPY: modality %s has a scalar per sample (Shape []); NPYSpec reads shape (N, ...) with at least one feature axis: use Shape [1]", m.Name)
		}
	}
	return nil
}

// checkNPYDir checks that dir holds no .npy file besides those SaveNPY is writing, which
// npy:DIR would read with them.
func checkNPYDir(dir string, writing []string) error {
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
