package figures

import (
	"image/color"
	"strings"
	"testing"

	"github.com/mmlab-go/mmlab/datasets"
)

// sampleData is a 2-class dataset of a 3×2×2 colour image and a 1×2×2 "audio" spectrogram. Every
// image is black but one pixel: red at (0, 0) for class 0, blue at (1, 1) for class 1; every
// spectrogram has one bright value in its first row (the lowest frequency).
func sampleData() *datasets.Dataset {
	split := func() *datasets.Split {
		s := &datasets.Split{Features: [][]float32{nil, nil}}
		for i := range 6 {
			y := int32(i % 2)
			img := make([]float32, 12)
			if y == 0 {
				img[0*4+0] = 1 // red channel, row 0, column 0
			} else {
				img[2*4+3] = 1 // blue channel, row 1, column 1
			}
			spec := []float32{1, 0, 0, 0}
			s.Features[0] = append(s.Features[0], img...)
			s.Features[1] = append(s.Features[1], spec...)
			s.Labels = append(s.Labels, y)
			s.Tags = append(s.Tags, datasets.TagHard(0))
		}
		return s
	}
	return &datasets.Dataset{Spec: "test:samples", NumClasses: 2,
		Modalities: []datasets.Modality{{Name: "image", Shape: []int{3, 2, 2}}, {Name: "audio", Shape: []int{1, 2, 2}}},
		Train:      split(), Val: split(), Test: split()}
}

func TestSamplesDrawsEachClassInColour(t *testing.T) {
	g, err := Samples(sampleData(), SampleOptions{PerClass: 2, Scale: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Tiles) != 2 || len(g.Tiles[0]) != 2 || len(g.Tiles[0][0]) != 2 {
		t.Fatalf("want 2 classes × 2 samples × 2 modalities, got %d × %d × %d", len(g.Tiles), len(g.Tiles[0]), len(g.Tiles[0][0]))
	}
	img0, img1 := g.Tiles[0][0][0], g.Tiles[1][0][0]
	if b := img0.Bounds(); b.Dx() != 6 || b.Dy() != 6 {
		t.Fatalf("a 2×2 image at scale 3 should be 6×6 pixels, got %v", b)
	}
	red, blue, black := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{0, 0, 0, 255}
	for _, tc := range []struct {
		name string
		got  color.Color
		want color.RGBA
	}{
		{"class 0 pixel (0,0) (scaled block corner)", img0.At(2, 2), red},
		{"class 0 pixel (1,1)", img0.At(5, 5), black},
		{"class 1 pixel (1,1)", img1.At(3, 3), blue},
		{"class 1 pixel (0,0)", img1.At(0, 0), black},
	} {
		if color.RGBAModel.Convert(tc.got) != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	// The audio modality's first row (lowest frequency) is drawn at the bottom.
	spec := g.Tiles[0][0][1]
	if c := color.GrayModel.Convert(spec.At(0, 5)).(color.Gray); c.Y != 255 {
		t.Errorf("spectrogram's lowest-frequency row should be drawn at the bottom, bottom-left is %v", c)
	}
	if g.Tags[0][0] != "m0_hard" {
		t.Errorf("tags: got %q, want m0_hard", g.Tags[0][0])
	}
	h, err := g.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(h, "data:image/png;base64,"); n != 8 {
		t.Errorf("HTML has %d inline PNGs, want 2 classes × 2 samples × 2 modalities = 8", n)
	}
	for _, want := range []string{"class 0", "class 1", "image | audio", `title="m0_hard"`} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestSamplesErrors(t *testing.T) {
	vec := sampleData()
	vec.Modalities[1] = datasets.Modality{Name: "m1", Shape: []int{4}}
	for _, tc := range []struct {
		name string
		ds   *datasets.Dataset
		opts SampleOptions
		want string
	}{
		{"nil dataset", nil, SampleOptions{}, "nil dataset"},
		{"vector modality", vec, SampleOptions{}, `modality "m1" has per-sample shape [4]`},
		{"unknown split", sampleData(), SampleOptions{Split: "dev"}, `unknown split "dev"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Samples(tc.ds, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
