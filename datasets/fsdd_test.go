package datasets

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// encodeWAV builds a RIFF/WAVE file: a fmt chunk with the given fields, optional extra chunks
// before it, then a data chunk of 16-bit samples (or zero bytes of the frame size when bits ≠ 16).
func encodeWAV(rate, channels, bits int, samples []int16, extra ...string) []byte {
	le := binary.LittleEndian
	var body []byte
	chunk := func(id string, data []byte) {
		body = append(body, id...)
		body = le.AppendUint32(body, uint32(len(data)))
		body = append(body, data...)
		if len(data)%2 == 1 {
			body = append(body, 0)
		}
	}
	for _, id := range extra {
		chunk(id, []byte("abc"))
	}
	var fmtc []byte
	fmtc = le.AppendUint16(fmtc, 1)
	fmtc = le.AppendUint16(fmtc, uint16(channels))
	fmtc = le.AppendUint32(fmtc, uint32(rate))
	fmtc = le.AppendUint32(fmtc, uint32(rate*channels*bits/8))
	fmtc = le.AppendUint16(fmtc, uint16(channels*bits/8))
	fmtc = le.AppendUint16(fmtc, uint16(bits))
	chunk("fmt ", fmtc)
	var data []byte
	if bits == 16 {
		for _, v := range samples {
			data = le.AppendUint16(data, uint16(v))
		}
	} else {
		data = make([]byte, len(samples)*channels*bits/8)
	}
	chunk("data", data)
	out := append([]byte("RIFF"), le.AppendUint32(nil, uint32(4+len(body)))...)
	return append(append(out, "WAVE"...), body...)
}

// toneSamples is n samples of a sine at freq Hz (8 kHz) with amplitude 0.5.
func toneSamples(freq float64, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(16384 * math.Sin(2*math.Pi*freq*float64(i)/FSDDSampleRate))
	}
	return out
}

// writeSyntheticFSDD writes a tiny FSDD-like folder (ours, no FSDD data): digits 0–9, speakers
// "ann" and "bob", repetitions 0–7 (0–4 test, 5–7 train), each a 0.3 s tone whose pitch codes the
// digit, speaker and repetition. It returns the folder.
func writeSyntheticFSDD(t *testing.T) string { return writeFSDDTones(t, []string{"ann", "bob"}, 8) }

// writeFSDDTones writes repetitions 0 … reps−1 of every digit for each speaker.
func writeFSDDTones(t *testing.T, speakers []string, reps int) string {
	t.Helper()
	dir := t.TempDir()
	for d := range 10 {
		for s, speaker := range speakers {
			for idx := range reps {
				freq := 300 + 150*float64(d) + 20*float64(s) + 3*float64(idx)
				name := fmt.Sprintf("%d_%s_%d.wav", d, speaker, idx)
				if err := os.WriteFile(filepath.Join(dir, name), encodeWAV(FSDDSampleRate, 1, 16, toneSamples(freq, 2400)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return dir
}

func TestDecodeWAV(t *testing.T) {
	samples := []int16{0, 1, -1, 32767, -32768}
	w, err := DecodeWAV(encodeWAV(8000, 1, 16, samples, "LIST", "fact"))
	if err != nil {
		t.Fatal(err)
	}
	if w.SampleRate != 8000 || w.Channels != 1 || w.BitsPerSample != 16 || w.Format != 1 {
		t.Errorf("format %+v", w)
	}
	if fmt.Sprint(w.Samples) != fmt.Sprint(samples) {
		t.Errorf("samples %v, want %v (odd-sized chunks before fmt must be skipped with their pad byte)", w.Samples, samples)
	}

	good := encodeWAV(8000, 1, 16, samples)
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"text file", []byte("hello, this is not a sound"), "not a WAV file"},
		{"empty", nil, "not a WAV file"},
		{"truncated data", good[:len(good)-3], "truncated"},
		{"no data chunk", good[:36], "no data chunk"},
		{"compressed", func() []byte { b := append([]byte(nil), good...); b[20] = 3; return b }(), "audio format 3"},
		{"bad block align", func() []byte { b := append([]byte(nil), good...); b[32] = 7; return b }(), "block align 7"},
	} {
		_, err := DecodeWAV(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestLoadFSDD(t *testing.T) {
	dir := writeSyntheticFSDD(t)
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("ignored"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFSDD(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Recordings) != 160 {
		t.Fatalf("%d recordings, want 160 (README.md is not a .wav and is ignored)", len(f.Recordings))
	}
	r := f.Recordings[0]
	if r.File != "0_ann_0.wav" || r.Digit != 0 || r.Speaker != "ann" || r.Index != 0 || !r.Test() || len(r.Samples) != 2400 {
		t.Errorf("first recording %s digit %d speaker %s index %d test %v, %d samples", r.File, r.Digit, r.Speaker, r.Index, r.Test(), len(r.Samples))
	}
	if peak := slicesMaxAbs(r.Samples); math.Abs(peak-0.5) > 0.01 {
		t.Errorf("peak %.3f, want 0.5 (samples scaled by 1/32768)", peak)
	}
	sum, err := FSDDChecksum(dir)
	if err != nil || sum != f.Sum || len(sum) != 16 {
		t.Errorf("FSDDChecksum = %q, %v; LoadFSDD's sum %q", sum, err, f.Sum)
	}
}

func slicesMaxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// TestFSDDErrors: a missing or malformed FSDD folder is an error that names the file and the
// field, and a missing one says what to get.
func TestFSDDErrors(t *testing.T) {
	t.Setenv(FSDDEnv, "")
	if _, err := ResolveFSDDDir(""); err == nil || !strings.Contains(err.Error(), "git clone "+FSDDRepo) || !strings.Contains(err.Error(), FSDDEnv) {
		t.Errorf("unset: %v, want the clone command and %s", err, FSDDEnv)
	}
	if _, err := ParseSpec("avmnist"); err == nil || !strings.Contains(err.Error(), "recordings/") {
		t.Errorf("ParseSpec without FSDD: %v, want what to get", err)
	}
	missing := filepath.Join(t.TempDir(), "nowhere")
	if _, err := ParseSpec("avmnist:fsdd=" + missing); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "git clone") {
		t.Errorf("missing folder: %v, want its path and the clone command", err)
	}
	empty := t.TempDir()
	if _, err := ParseSpec("avmnist:fsdd=" + empty); err == nil || !strings.Contains(err.Error(), "no .wav files") {
		t.Errorf("empty folder: %v", err)
	}

	tone := encodeWAV(FSDDSampleRate, 1, 16, toneSamples(440, 2400))
	for _, c := range []struct {
		name string
		file string
		data []byte
		want string
	}{
		{"non-WAV file", "3_ann_6.wav", []byte("I am a text file"), "3_ann_6.wav: not a WAV file"},
		{"wrong sample rate", "3_ann_6.wav", encodeWAV(16000, 1, 16, toneSamples(440, 2400)), "3_ann_6.wav: sample rate 16000 Hz, want 8000 Hz"},
		{"stereo", "3_ann_6.wav", encodeWAV(FSDDSampleRate, 2, 16, toneSamples(440, 2400)), "3_ann_6.wav: 2 channels, want 1"},
		{"8-bit", "3_ann_6.wav", encodeWAV(FSDDSampleRate, 1, 8, toneSamples(440, 2400)), "3_ann_6.wav: 8 bits per sample, want 16"},
		{"too short", "3_ann_6.wav", encodeWAV(FSDDSampleRate, 1, 16, toneSamples(440, 100)), "3_ann_6.wav: 100 samples"},
		{"unparsable name", "three_ann_6.wav", tone, `name "three_ann_6.wav"`},
		{"two parts", "3_6.wav", tone, `"3_6.wav" is not {digit}_{speaker}_{index}.wav`},
		{"digit out of range", "12_ann_6.wav", tone, `digit "12" is not one of 0–9`},
		{"bad index", "3_ann_x.wav", tone, `index "x"`},
	} {
		dir := writeFSDDTones(t, []string{"ann"}, 6)
		if err := os.WriteFile(filepath.Join(dir, c.file), c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadFSDD(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: error %v, want one naming the folder and containing %q", c.name, err, c.want)
		}
	}

	// a digit without test recordings
	dir := writeFSDDTones(t, []string{"ann"}, 6)
	for _, sp := range []string{"ann"} {
		for idx := range 5 {
			if err := os.Remove(filepath.Join(dir, fmt.Sprintf("7_%s_%d.wav", sp, idx))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := LoadFSDD(dir); err == nil || !strings.Contains(err.Error(), "digit 7 has no test (index 0–4) recording") {
		t.Errorf("missing test split: %v", err)
	}
}
