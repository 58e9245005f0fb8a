// Package figures draws the project's figures with gonum/plot, offline, as
// SVG or PNG: training curves now, and the mechanism and proof figures as
// the analysis packages arrive. A Figure is a grid of plots with a file
// name; notebooks display it and the command line writes it to disk.
package figures

import (
	"bytes"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure is a grid of plots (rows of columns) to be drawn on one canvas.
type Figure struct {
	// Name is the file name without extension, e.g. "training-curves".
	Name string
	// Plots holds the rows of the grid; every row has the same length.
	Plots [][]*plot.Plot
	// Width and Height of the whole canvas; default 5 in per column (a
	// column of relative width w takes 5w in) and 3.6 in per row.
	Width, Height vg.Length
	// Widths, if set, are the relative widths of the columns' data areas
	// (a heatmap beside a narrow colour bar); default 1 each.
	Widths []float64
}

func (f *Figure) size() (vg.Length, vg.Length) {
	w, h := f.Width, f.Height
	if w == 0 {
		for j := range f.Plots[0] {
			if j < len(f.Widths) && f.Widths[j] > 0 {
				w += vg.Length(f.Widths[j]) * 5 * vg.Inch
			} else {
				w += 5 * vg.Inch
			}
		}
	}
	if h == 0 {
		h = vg.Length(len(f.Plots)) * 3.6 * vg.Inch
	}
	return w, h
}

func (f *Figure) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	f.layout(c)
}

func (f *Figure) check() error {
	if len(f.Plots) == 0 || len(f.Plots[0]) == 0 {
		return fmt.Errorf("figures: figure %q has no plots", f.Name)
	}
	for _, r := range f.Plots {
		if len(r) != len(f.Plots[0]) {
			return fmt.Errorf("figures: figure %q has rows of different lengths", f.Name)
		}
		for _, p := range r {
			if err := refusedSeries(p); err != nil {
				return fmt.Errorf("figures: figure %q, plot %q: series with data that cannot be drawn (NaN or Inf): %w", f.Name, p.Title.Text, err)
			}
		}
	}
	return nil
}

// SVG renders the figure as an SVG document. Fonts are referenced, not
// embedded (embedding costs 0.5 MB per figure); viewers substitute a serif.
func (f *Figure) SVG() ([]byte, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	w, h := f.size()
	c := vgsvg.NewWith(vgsvg.UseWH(w, h), vgsvg.EmbedFonts(false))
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("figures: %w", err)
	}
	// gonum's SVG canvas labels its embedded PNG rasters (heatmaps) as
	// image/jpg, which strict renderers refuse; and a 59×59 raster should
	// show sharp cells, not be smoothed.
	out := bytes.ReplaceAll(buf.Bytes(), []byte("data:image/jpg;base64,iVBOR"), []byte("data:image/png;base64,iVBOR"))
	out = bytes.ReplaceAll(out, []byte("<image "), []byte(`<image preserveAspectRatio="none" style="image-rendering:pixelated" `))
	// Text is placed with Liberation Serif's metrics: name the fonts with the
	// same metrics (Times New Roman, Times) before a viewer's default, which
	// is usually wider and pushes labels out of their boxes.
	out = bytes.ReplaceAll(out, []byte("font-family:Liberation Serif;"), []byte("font-family:'Liberation Serif','Times New Roman',Times,serif;"))
	return out, nil
}

// PNG renders the figure as a PNG image at the given dots per inch.
func (f *Figure) PNG(dpi int) ([]byte, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	w, h := f.size()
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("figures: %w", err)
	}
	return buf.Bytes(), nil
}

// Save writes dir/Name.svg (format "svg") or dir/Name.png ("png", 150 dpi)
// atomically and returns the path.
func (f *Figure) Save(dir, format string) (string, error) {
	var data []byte
	var err error
	switch format {
	case "svg":
		data, err = f.SVG()
	case "png":
		data, err = f.PNG(150)
	default:
		return "", fmt.Errorf("figures: unknown format %q: use svg or png", format)
	}
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("figures: %w", err)
	}
	path := filepath.Join(dir, f.Name+"."+format)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", fmt.Errorf("figures: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("figures: %w", err)
	}
	return path, nil
}

// shorten cuts a label longer than 34 characters to its first 32 and "…".
// It counts runes, not bytes: a cut inside a multi-byte character such as ε
// or δ would write invalid UTF-8 into the SVG, which renderers refuse.
func shorten(s string) string {
	const max, keep = 34, 32
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == keep {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
