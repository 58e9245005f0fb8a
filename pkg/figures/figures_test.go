package figures

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/proof"
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

func TestShortenCutsRunes(t *testing.T) {
	for _, s := range []string{
		"short",
		strings.Repeat("a", 34),
		strings.Repeat("a", 31) + "εδ tail that is long enough",
		strings.Repeat("δ", 40),
		"interval arithmetic on |A−B| for ε(a, b) and δ terms",
	} {
		got := shorten(s)
		if !utf8.ValidString(got) {
			t.Errorf("shorten(%q) = %q is not valid UTF-8", s, got)
		}
		if n := utf8.RuneCountInString(got); n > 34 {
			t.Errorf("shorten(%q) has %d runes", s, n)
		}
		if utf8.RuneCountInString(s) <= 34 && got != s {
			t.Errorf("shorten(%q) = %q, want it unchanged", s, got)
		}
	}
}

// validSVG fails t unless svg is valid UTF-8 and well-formed XML.
func validSVG(t *testing.T, name string, svg []byte) {
	t.Helper()
	if !utf8.Valid(svg) {
		t.Errorf("%s: SVG is not valid UTF-8", name)
	}
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("%s: SVG is not well-formed XML: %v", name, err)
			return
		}
	}
}

func TestBudgetSVGValid(t *testing.T) {
	c := &proof.Certificate{Strategy: "fourier ε", MedianMargin: 3, Budget: []proof.Term{
		{Name: strings.Repeat("x", 31) + "ε(a, b) from the secondary terms", Value: 1},
		{Name: strings.Repeat("y", 32) + "δ the angle bound, long label", Value: 0.1},
		{Name: "short", Value: 0},
	}}
	svg, err := Budget(c).SVG()
	if err != nil {
		t.Fatal(err)
	}
	validSVG(t, "budget", svg)
}
