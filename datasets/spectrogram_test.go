package datasets

import (
	"math"
	"testing"
)

// TestSTFTSine: the STFT of a sine peaks in the bin of its frequency in every frame, with the
// frame count 1 + ⌊(n − window)/hop⌋.
func TestSTFTSine(t *testing.T) {
	s := newSTFT(avmWindow, avmHop)
	binHz := float64(FSDDSampleRate) / avmWindow // 31.25 Hz
	for _, bin := range []int{5, 32, 77, 120} {
		freq := (float64(bin) + 0.3) * binHz // off the bin centre: the nearest bin must still win
		wave := make([]float64, 3000)
		for i := range wave {
			wave[i] = math.Sin(2*math.Pi*freq*float64(i)/FSDDSampleRate + 0.7)
		}
		mag, frames := s.magnitude(wave)
		if want := 1 + (3000-avmWindow)/avmHop; frames != want || len(mag) != frames*s.bins() {
			t.Fatalf("%d frames (%d values), want %d × %d", frames, len(mag), want, s.bins())
		}
		for f := range frames {
			row := mag[f*s.bins() : (f+1)*s.bins()]
			best := 0
			for k := range row {
				if row[k] > row[best] {
					best = k
				}
			}
			if best != bin {
				t.Fatalf("%.1f Hz, frame %d: peak in bin %d, want %d", freq, f, best, bin)
			}
			// a unit sine under a Hann window of length N has |X| ≈ N/4 at its bin (less off-centre)
			if row[best] < 0.8*avmWindow/4*0.8 || row[best] > avmWindow/4*1.01 {
				t.Fatalf("%.1f Hz: peak magnitude %.1f, want about %d", freq, row[best], avmWindow/4)
			}
		}
	}
	if _, frames := s.magnitude(make([]float64, avmWindow-1)); frames != 0 {
		t.Errorf("a wave shorter than a window gives %d frames, want 0", frames)
	}
}

// TestLogSpectrogramRows: after resampling, a low tone lights the low rows and a high tone the
// high rows (row 0 is the lowest frequency), across every column.
func TestLogSpectrogramRows(t *testing.T) {
	s := newSTFT(avmWindow, avmHop)
	const size = 16
	for _, c := range []struct{ freq, wantRow float64 }{{500, 500.0 / 4000 * size}, {3000, 3000.0 / 4000 * size}} {
		wave := make([]float64, 4000)
		for i := range wave {
			wave[i] = math.Sin(2 * math.Pi * c.freq * float64(i) / FSDDSampleRate)
		}
		out := make([]float32, size*size)
		s.logSpectrogram(out, wave, size, size)
		for col := range size {
			best := 0
			for r := range size {
				if out[r*size+col] > out[best*size+col] {
					best = r
				}
			}
			if math.Abs(float64(best)+0.5-c.wantRow) > 1 {
				t.Fatalf("%.0f Hz, column %d: brightest row %d, want about %.1f", c.freq, col, best, c.wantRow-0.5)
			}
		}
	}
}

func TestResampleArea(t *testing.T) {
	// shrinking by 2 averages pairs; stretching by 2 repeats; a constant stays constant
	src := []float64{1, 3, 5, 7, 2, 4, 6, 8} // [2, 4]
	got := resampleArea(src, 2, 4, 1, 2)
	if want := []float64{2.5, 6.5}; !closeAll(got, want) {
		t.Errorf("shrink: %v, want %v", got, want)
	}
	got = resampleArea([]float64{1, 2}, 1, 2, 1, 4)
	if want := []float64{1, 1, 2, 2}; !closeAll(got, want) {
		t.Errorf("stretch: %v, want %v", got, want)
	}
	got = resampleArea([]float64{1, 2, 3}, 1, 3, 1, 2) // cells [0, 1.5) and [1.5, 3)
	if want := []float64{(1 + 0.5*2) / 1.5, (0.5*2 + 3) / 1.5}; !closeAll(got, want) {
		t.Errorf("fractional: %v, want %v", got, want)
	}
	const n = 7
	con := make([]float64, n*n)
	for i := range con {
		con[i] = 4
	}
	if got := resampleArea(con, n, n, 3, 11); !closeAll(got, filled(33, 4)) {
		t.Errorf("constant: %v", got)
	}
}

func filled(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func closeAll(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}
