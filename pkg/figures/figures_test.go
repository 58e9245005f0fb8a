package figures

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
)

func history() []checkpoint.Metrics {
	var h []checkpoint.Metrics
	for e := 0; e <= 1000; e += 100 {
		x := float64(e) / 1000
		h = append(h, checkpoint.Metrics{Epoch: e, TrainLoss: 4 * (1.001 - x), HeldoutLoss: 5 * (1.001 - x), TrainAcc: x, HeldoutAcc: x * x})
	}
	return h
}

func TestTrainingCurves(t *testing.T) {
	f := TrainingCurves("test", history())
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	for _, want := range []string{"<svg", "held-out", "accuracy", "epoch"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	b, err := f.PNG(50)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != 500 { // 10 in at 50 dpi
		t.Errorf("PNG is %d px wide, want 500", w)
	}
	dir := t.TempDir()
	path, err := f.Save(dir, "svg")
	if err != nil || !strings.HasSuffix(path, "training-curves.svg") {
		t.Fatalf("Save: %q %v", path, err)
	}
	if _, err := (&Figure{Name: "empty"}).SVG(); err == nil {
		t.Error("empty figure rendered without error")
	}
}
