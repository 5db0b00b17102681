package datasets

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Log-magnitude spectrograms of recordings (avmnist's audio modality; ours, with gonum's
// dsp/fourier): a Hann-windowed short-time Fourier transform, log(1 + |X|), and an area
// resampling of the (frequency, time) plane to a fixed size.

// STFT parameters of avmnist's spectrograms, at FSDD's 8 kHz.
const (
	avmWindow = 256 // Hann window and FFT size: 32 ms, 31.25 Hz per bin, bins 0 … 128 (0–4 kHz)
	avmHop    = 64  // hop between frames: 8 ms (FSDD's mean recording, 0.44 s, gives 51 frames)
)

// stft computes the magnitude |X| of the short-time Fourier transform of wave: frame f holds
// samples [f·hop, f·hop + window), multiplied by a periodic Hann window, transformed by a real
// FFT of size window. The result is frames × (window/2 + 1) magnitudes, frame-major; frames is
// 1 + ⌊(len(wave) − window)/hop⌋, and 0 when wave is shorter than one window.
type stft struct {
	window, hop int
	fft         *fourier.FFT
	hann        []float64
	frame       []float64
	coeffs      []complex128
}

func newSTFT(window, hop int) *stft {
	s := &stft{window: window, hop: hop, fft: fourier.NewFFT(window),
		hann: make([]float64, window), frame: make([]float64, window), coeffs: make([]complex128, window/2+1)}
	for i := range s.hann {
		s.hann[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(window))
	}
	return s
}

// bins is the number of frequency bins, window/2 + 1.
func (s *stft) bins() int { return s.window/2 + 1 }

// magnitude returns |X| (frames × bins, frame-major) and the number of frames.
func (s *stft) magnitude(wave []float64) ([]float64, int) {
	if len(wave) < s.window {
		return nil, 0
	}
	frames := 1 + (len(wave)-s.window)/s.hop
	bins := s.bins()
	out := make([]float64, frames*bins)
	for f := range frames {
		start := f * s.hop
		for i := range s.frame {
			s.frame[i] = wave[start+i] * s.hann[i]
		}
		s.fft.Coefficients(s.coeffs, s.frame)
		for k, c := range s.coeffs {
			out[f*bins+k] = math.Hypot(real(c), imag(c))
		}
	}
	return out, frames
}

// logSpectrogram writes log(1 + |X|) of wave, resampled to rows × cols, into out (row-major
// [rows, cols]): rows are frequency (row 0 the lowest bins), columns time (column 0 the first
// frame), so a whole recording, however long, fills the width.
func (s *stft) logSpectrogram(out []float32, wave []float64, rows, cols int) {
	mag, frames := s.magnitude(wave)
	bins := s.bins()
	// transpose to [bins, frames] while taking the logarithm
	plane := make([]float64, bins*frames)
	for f := range frames {
		for k := range bins {
			plane[k*frames+f] = math.Log1p(mag[f*bins+k])
		}
	}
	res := resampleArea(plane, bins, frames, rows, cols)
	for i, v := range res {
		out[i] = float32(v)
	}
}

// resampleArea resamples the row-major [rows, cols] plane src to [outRows, outCols]: output cell
// (i, j) is the average of src over the rectangle [i·rows/outRows, (i+1)·rows/outRows) ×
// [j·cols/outCols, (j+1)·cols/outCols), partial input cells weighted by their overlap (box
// filtering, which neither aliases when shrinking nor leaves gaps when stretching). It is
// separable: columns first, then rows.
func resampleArea(src []float64, rows, cols, outRows, outCols int) []float64 {
	tmp := make([]float64, rows*outCols)
	for r := range rows {
		resample1D(tmp[r*outCols:(r+1)*outCols], src[r*cols:(r+1)*cols])
	}
	out := make([]float64, outRows*outCols)
	col := make([]float64, rows)
	res := make([]float64, outRows)
	for c := range outCols {
		for r := range rows {
			col[r] = tmp[r*outCols+c]
		}
		resample1D(res, col)
		for r := range outRows {
			out[r*outCols+c] = res[r]
		}
	}
	return out
}

// resample1D sets every dst[j] to the overlap-weighted mean of src over
// [j·len(src)/len(dst), (j+1)·len(src)/len(dst)).
func resample1D(dst, src []float64) {
	n, m := float64(len(src)), float64(len(dst))
	for j := range dst {
		lo, hi := float64(j)*n/m, float64(j+1)*n/m
		sum, weight := 0.0, 0.0
		for i := int(lo); i < len(src) && float64(i) < hi; i++ {
			w := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i))
			if w > 0 {
				sum += w * src[i]
				weight += w
			}
		}
		dst[j] = sum / weight
	}
}
