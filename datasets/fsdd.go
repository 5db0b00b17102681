package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The Free Spoken Digit Dataset (FSDD; Jackson et al., github.com/Jakobovski/free-spoken-digit-dataset,
// CC BY-SA 4.0): 3,000 recordings of the digits 0–9, 6 speakers × 10 digits × 50 repetitions,
// 8 kHz mono 16-bit PCM WAV files named {digit}_{speaker}_{index}.wav. Repetitions 0–4 of every
// speaker and digit are its official test split, 5–49 its training split. mmlab never ships or
// downloads it: FSDDEnv (or avmnist's fsdd key) names the user's copy of the recordings/ folder.

// FSDDEnv is the environment variable that names the folder of FSDD recordings (the recordings/
// folder of a clone of FSDDRepo). Besides HomeEnv it is the only environment variable the library
// reads, and only when an avmnist spec is parsed without the fsdd key.
const FSDDEnv = "MMLAB_FSDD"

// FSDDRepo is where the Free Spoken Digit Dataset is published.
const FSDDRepo = "https://github.com/Jakobovski/free-spoken-digit-dataset"

// FSDD's recording format and its test split.
const (
	FSDDSampleRate = 8000 // Hz
	FSDDTestIndex  = 5    // repetitions 0 … FSDDTestIndex−1 are the official test split
	fsddDigits     = 10
)

// fsddHowTo says how to get the recordings; every error about a missing folder ends with it.
var fsddHowTo = fmt.Sprintf("get the Free Spoken Digit Dataset with `git clone %s` and point %s "+
	"(or the avmnist spec key fsdd=DIR) at its recordings/ folder (3,000 .wav files)", FSDDRepo, FSDDEnv)

// FSDDRecording is one FSDD recording: the spoken digit, the speaker, the repetition index (0–4:
// test split), the file name and the samples scaled to [−1, 1) (int16 / 32768).
type FSDDRecording struct {
	Digit   int
	Speaker string
	Index   int
	File    string // base name, e.g. "3_jackson_12.wav"
	Samples []float64
}

// Test reports whether the recording is in FSDD's official test split (index < FSDDTestIndex).
func (r *FSDDRecording) Test() bool { return r.Index < FSDDTestIndex }

// FSDD is a loaded folder of FSDD recordings, sorted by file name, with the checksum of their
// files (FSDDChecksum).
type FSDD struct {
	Dir        string
	Recordings []FSDDRecording
	Sum        string
}

// ResolveFSDDDir returns the FSDD folder: dir if not empty, else $MMLAB_FSDD. It is an error,
// saying what to get and where to point MMLAB_FSDD, when neither is set or the folder does not
// exist.
func ResolveFSDDDir(dir string) (string, error) {
	from := "the fsdd key"
	if dir == "" {
		dir, from = os.Getenv(FSDDEnv), "$"+FSDDEnv
	}
	if dir == "" {
		return "", fmt.Errorf("datasets: avmnist needs the FSDD recordings and %s is not set: %s", FSDDEnv, fsddHowTo)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("datasets: FSDD folder %s (from %s) is not there (%v): %s", dir, from, err, fsddHowTo)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("datasets: FSDD folder %s (from %s) is not a folder: %s", dir, from, fsddHowTo)
	}
	return dir, nil
}

// fsddFiles lists the .wav files of dir (case-insensitive extension), sorted. Other files are
// ignored; a folder without .wav files is an error that names it.
func fsddFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: cannot read FSDD folder %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(e.Name()), ".wav") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("datasets: FSDD folder %s has no .wav files (is it the clone itself rather than its recordings/ folder?): %s", dir, fsddHowTo)
	}
	slices.Sort(names)
	return names, nil
}

// fsddSumLen is the number of hex digits of the checksum that an avmnist spec records.
const fsddSumLen = 16

// fsddHasher accumulates the checksum of a folder's .wav files: for each file in name order, its
// name, a zero byte, its length (uint64, little-endian) and its bytes, all hashed with SHA-256.
type fsddHasher struct{ h hash.Hash }

func (f fsddHasher) add(name string, data []byte) {
	_, _ = f.h.Write([]byte(name))
	_, _ = f.h.Write([]byte{0})
	_, _ = f.h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(data))))
	_, _ = f.h.Write(data)
}

var fsddSums struct {
	sync.Mutex
	byDir map[string]string // signature of the folder (names, sizes, times) → checksum
}

// FSDDChecksum returns the checksum of the .wav files of dir (their names and bytes; the folder's
// path does not enter it), as the first 16 hex digits of a SHA-256. It is what an avmnist spec
// records of its recordings, so two copies of FSDD give the same spec. Results are remembered per
// process for as long as the files' names, sizes and modification times stay the same.
func FSDDChecksum(dir string) (string, error) {
	names, err := fsddFiles(dir)
	if err != nil {
		return "", err
	}
	sig := sha256.New()
	abs, _ := filepath.Abs(dir)
	fmt.Fprintf(sig, "%s\x00", abs)
	for _, name := range names {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("datasets: FSDD file %s: %w", filepath.Join(dir, name), err)
		}
		fmt.Fprintf(sig, "%s\x00%d\x00%d\x00", name, info.Size(), info.ModTime().UnixNano())
	}
	key := hex.EncodeToString(sig.Sum(nil))
	fsddSums.Lock()
	sum, ok := fsddSums.byDir[key]
	fsddSums.Unlock()
	if ok {
		return sum, nil
	}
	h := sha256.New()
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("datasets: cannot read FSDD file %s: %w", filepath.Join(dir, name), err)
		}
		fsddHasher{h}.add(name, data)
	}
	sum = hex.EncodeToString(h.Sum(nil))[:fsddSumLen]
	fsddSums.Lock()
	if fsddSums.byDir == nil {
		fsddSums.byDir = map[string]string{}
	}
	fsddSums.byDir[key] = sum
	fsddSums.Unlock()
	return sum, nil
}

// LoadFSDD reads every .wav file of dir (other files are ignored) as an FSDD recording. It
// checks each name ({digit}_{speaker}_{index}.wav, digit 0–9, index ≥ 0), each file's format
// (ReadWAV; 8 kHz, mono, 16-bit PCM) and that every digit has recordings in both the training
// and the test split; errors name the file and what is wrong.
func LoadFSDD(dir string) (*FSDD, error) {
	names, err := fsddFiles(dir)
	if err != nil {
		return nil, err
	}
	out := &FSDD{Dir: dir}
	h := sha256.New()
	var counts [2][fsddDigits]int // [train/test][digit]
	for _, name := range names {
		path := filepath.Join(dir, name)
		digit, speaker, index, err := parseFSDDName(name)
		if err != nil {
			return nil, fmt.Errorf("datasets: FSDD file %s: %w", path, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("datasets: cannot read FSDD file %s: %w", path, err)
		}
		fsddHasher{h}.add(name, data)
		w, err := DecodeWAV(data)
		if err != nil {
			return nil, fmt.Errorf("datasets: FSDD file %s: %w", path, err)
		}
		switch {
		case w.SampleRate != FSDDSampleRate:
			return nil, fmt.Errorf("datasets: FSDD file %s: sample rate %d Hz, want %d Hz (FSDD's rate)", path, w.SampleRate, FSDDSampleRate)
		case w.Channels != 1:
			return nil, fmt.Errorf("datasets: FSDD file %s: %d channels, want 1 (mono)", path, w.Channels)
		case w.BitsPerSample != 16:
			return nil, fmt.Errorf("datasets: FSDD file %s: %d bits per sample, want 16", path, w.BitsPerSample)
		case len(w.Samples) < fsddMinSamples:
			return nil, fmt.Errorf("datasets: FSDD file %s: %d samples, want at least %d (%.0f ms)", path, len(w.Samples), fsddMinSamples, 1000*float64(fsddMinSamples)/FSDDSampleRate)
		}
		rec := FSDDRecording{Digit: digit, Speaker: speaker, Index: index, File: name, Samples: make([]float64, len(w.Samples))}
		for i, v := range w.Samples {
			rec.Samples[i] = float64(v) / 32768
		}
		if rec.Test() {
			counts[1][digit]++
		} else {
			counts[0][digit]++
		}
		out.Recordings = append(out.Recordings, rec)
	}
	var missing []string
	for s, split := range []string{"training (index ≥ 5)", "test (index 0–4)"} {
		for d, n := range counts[s] {
			if n == 0 {
				missing = append(missing, fmt.Sprintf("digit %d has no %s recording", d, split))
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("datasets: FSDD folder %s is incomplete (%d .wav files): %s; %s", dir, len(names), strings.Join(missing, ", "), fsddHowTo)
	}
	out.Sum = hex.EncodeToString(h.Sum(nil))[:fsddSumLen]
	return out, nil
}

// fsddMinSamples is the shortest recording accepted: one STFT window (FSDD's shortest is 1,148
// samples).
const fsddMinSamples = avmWindow

// parseFSDDName splits "{digit}_{speaker}_{index}.wav".
func parseFSDDName(name string) (digit int, speaker string, index int, err error) {
	stem := name[:len(name)-len(filepath.Ext(name))]
	parts := strings.Split(stem, "_")
	if len(parts) != 3 || parts[1] == "" {
		return 0, "", 0, fmt.Errorf("name %q is not {digit}_{speaker}_{index}.wav (FSDD's naming, e.g. 3_jackson_12.wav)", name)
	}
	digit, err1 := strconv.Atoi(parts[0])
	if err1 != nil || digit < 0 || digit >= fsddDigits || len(parts[0]) != 1 {
		return 0, "", 0, fmt.Errorf("name %q: digit %q is not one of 0–9", name, parts[0])
	}
	index, err2 := strconv.Atoi(parts[2])
	if err2 != nil || index < 0 {
		return 0, "", 0, fmt.Errorf("name %q: index %q is not a non-negative integer", name, parts[2])
	}
	return digit, parts[1], index, nil
}

// WAV is a decoded PCM WAV file: its format fields and its samples (interleaved when there are
// several channels).
type WAV struct {
	Format        int // fmt chunk's audio format: 1 = PCM
	Channels      int
	SampleRate    int // Hz
	BitsPerSample int
	Samples       []int16 // 16-bit PCM only; nil for other sample sizes
}

// ReadWAV reads and decodes a WAV file (DecodeWAV); errors name the file.
func ReadWAV(path string) (*WAV, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: cannot read WAV file %s: %w", path, err)
	}
	w, err := DecodeWAV(data)
	if err != nil {
		return nil, fmt.Errorf("datasets: WAV file %s: %w", path, err)
	}
	return w, nil
}

// errNotWAV is the error of data that does not start like a RIFF/WAVE file.
var errNotWAV = errors.New("not a WAV file (no RIFF/WAVE header)")

// DecodeWAV parses a RIFF/WAVE file (ours, from the format's chunk layout): a "RIFF" header with
// form type "WAVE", then chunks of a 4-byte id, a little-endian uint32 size and the data (padded
// to an even size). It needs one "fmt " chunk (audio format, channels, sample rate, byte rate,
// block align, bits per sample) before one "data" chunk and skips every other chunk (LIST, fact,
// …). Only uncompressed PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM subformat) is
// accepted; samples are decoded for 16-bit PCM. Errors say which chunk or field is wrong; a
// data chunk that runs past the end of the file is an error, not a short read.
func DecodeWAV(data []byte) (*WAV, error) {
	le := binary.LittleEndian
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return nil, errNotWAV
	}
	var w *WAV
	pos := 12
	for pos < len(data) {
		if len(data)-pos < 8 {
			return nil, fmt.Errorf("truncated chunk header at byte %d", pos)
		}
		id, size := string(data[pos:pos+4]), int64(le.Uint32(data[pos+4:pos+8]))
		body := pos + 8
		if size > int64(len(data)-body) {
			return nil, fmt.Errorf("chunk %q at byte %d declares %d bytes, only %d left (truncated file)", id, pos, size, len(data)-body)
		}
		chunk := data[body : body+int(size)]
		switch id {
		case "fmt ":
			if w != nil {
				return nil, fmt.Errorf("two fmt chunks")
			}
			if len(chunk) < 16 {
				return nil, fmt.Errorf("fmt chunk has %d bytes, want ≥ 16", len(chunk))
			}
			w = &WAV{Format: int(le.Uint16(chunk[0:])), Channels: int(le.Uint16(chunk[2:])),
				SampleRate: int(le.Uint32(chunk[4:])), BitsPerSample: int(le.Uint16(chunk[14:]))}
			blockAlign := int(le.Uint16(chunk[12:]))
			if w.Format == 0xFFFE && len(chunk) >= 26 { // WAVE_FORMAT_EXTENSIBLE: the subformat's first two bytes
				w.Format = int(le.Uint16(chunk[24:]))
			}
			switch {
			case w.Format != 1:
				return nil, fmt.Errorf("audio format %d, want 1 (uncompressed PCM)", w.Format)
			case w.Channels < 1:
				return nil, fmt.Errorf("%d channels", w.Channels)
			case w.SampleRate < 1:
				return nil, fmt.Errorf("sample rate %d Hz", w.SampleRate)
			case w.BitsPerSample < 1 || w.BitsPerSample%8 != 0 || w.BitsPerSample > 32:
				return nil, fmt.Errorf("%d bits per sample, want 8, 16, 24 or 32", w.BitsPerSample)
			case blockAlign != w.Channels*w.BitsPerSample/8:
				return nil, fmt.Errorf("block align %d, want channels × bytes per sample = %d", blockAlign, w.Channels*w.BitsPerSample/8)
			}
		case "data":
			if w == nil {
				return nil, fmt.Errorf("data chunk before the fmt chunk")
			}
			block := w.Channels * w.BitsPerSample / 8
			if len(chunk)%block != 0 {
				return nil, fmt.Errorf("data chunk has %d bytes, not a whole number of %d-byte frames", len(chunk), block)
			}
			if w.BitsPerSample == 16 {
				w.Samples = make([]int16, len(chunk)/2)
				for i := range w.Samples {
					w.Samples[i] = int16(le.Uint16(chunk[2*i:]))
				}
			}
			return w, nil
		}
		pos = body + int(size) + int(size&1)
	}
	if w == nil {
		return nil, fmt.Errorf("no fmt chunk")
	}
	return nil, fmt.Errorf("no data chunk")
}
