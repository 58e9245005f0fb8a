package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// grid is a p×q table for heatmaps: Z[row][col], X = col, Y = row.
type grid struct{ z [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.z[0]), len(g.z) }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// Heatmap plots z[row][col] with a diverging palette symmetric about 0
// (limit ±max|z| unless lim > 0), rasterised (a vector heatmap of 59×59
// cells is 60 times larger). It draws no colour bar: put ColorBar(Diverging(),
// −lim, lim, label) beside it.
func Heatmap(title, xlabel, ylabel string, z [][]float64, lim float64) *plot.Plot {
	if lim <= 0 {
		for _, r := range z {
			for _, v := range r {
				lim = math.Max(lim, math.Abs(v))
			}
		}
		if lim == 0 {
			lim = 1
		}
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(-lim)
	pal.SetMax(lim)
	h := plotter.NewHeatMap(grid{z}, pal.Palette(255))
	h.Min, h.Max = -lim, lim
	h.Rasterized = true
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	p.X.Tick.Marker, p.Y.Tick.Marker = intTicks{}, intTicks{}
	p.Add(h)
	return p
}

// intTicks labels multiples of a round step with integers.
type intTicks struct{}

// Ticks implements plot.Ticker.
func (intTicks) Ticks(min, max float64) []plot.Tick {
	span := max - min
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 20, 25, 50, 100, 200, 500} {
		step = s
		if span/s <= 8 {
			break
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(min/step) * step; v <= max; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprintf("%d", int(v))})
	}
	return ts
}

// Bars plots values[i] at x = xs[i] as a bar chart, with room for the
// bars at both ends and above the tallest one, every y tick labelled.
func Bars(title, xlabel, ylabel string, xs []int, values []float64, col color.Color) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	p.Add(plotter.NewGrid())
	top := 0.0
	for i := range xs {
		addBar(p, float64(xs[i]), values[i], col)
		top = math.Max(top, values[i])
	}
	p.Y.Min = 0
	if top > 0 {
		p.Y.Max = 1.08 * top
	}
	p.Y.Tick.Marker = niceTicks{n: 5}
	if len(xs) > 0 {
		lo, hi := xs[0], xs[0]
		for _, x := range xs {
			lo, hi = min(lo, x), max(hi, x)
		}
		p.X.Min, p.X.Max = float64(lo)-1, float64(hi)+1
	}
	return p
}

// addBar draws one bar from 0 to y at x as a thick line with a flat top
// (exact x positions, any number of bars); it returns the line for a legend.
func addBar(p *plot.Plot, x, y float64, col color.Color) *plotter.Line {
	l := NewLine(p, fmt.Sprintf("bar at %g", x), plotter.XYs{{X: x, Y: 0}, {X: x, Y: y}})
	l.Color = col
	l.Width = vg.Points(4)
	p.Add(l)
	return l
}

// Scatter plots groups of points, one colour per group, with a legend.
func Scatter(title, xlabel, ylabel string, names []string, groups []plotter.XYs) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	cols := Palette(len(groups))
	for i, g := range groups {
		s := NewScatter(p, fmt.Sprintf("group %d", i), g)
		s.GlyphStyle.Color = cols[i]
		s.GlyphStyle.Radius = vg.Points(1.6)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
		if i < len(names) {
			p.Legend.Add(names[i], s)
		}
	}
	p.Add(plotter.NewGrid())
	return p
}

// Palette returns n distinguishable colours.
func Palette(n int) []color.Color {
	base := []color.Color{
		TrainColor, HeldoutColor,
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
		color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
		color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, color.RGBA{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff},
	}
	out := make([]color.Color, n)
	for i := range out {
		if i < len(base) {
			out[i] = base[i]
		} else {
			out[i] = palette.Heat(n, 1).Colors()[i]
		}
	}
	return out
}

// Row makes a one-row figure of the plots.
func Row(name string, plots ...*plot.Plot) *Figure {
	return &Figure{Name: name, Plots: [][]*plot.Plot{plots}}
}

// heat plots z[row][col] (x = col, y = row) with the colour map cm over
// [lo, hi], rasterised (a vector heatmap of 59×59 cells is 60 times
// larger); show its scale with ColorBar(cm, lo, hi, ...).
func heat(title, xlabel, ylabel string, z [][]float64, cm palette.ColorMap, lo, hi float64) *plot.Plot {
	if !(hi > lo) {
		hi = lo + 1
	}
	cm.SetMin(lo)
	cm.SetMax(hi)
	h := plotter.NewHeatMap(grid{z}, cm.Palette(255))
	h.Min, h.Max = lo, hi
	h.Rasterized = true
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	p.X.Tick.Marker, p.Y.Tick.Marker = intTicks{}, intTicks{}
	p.Add(h)
	return p
}

// absMax is the largest |v| over the tables (1 if they are all 0).
func absMax(zs ...[][]float64) float64 {
	lim := 0.0
	for _, z := range zs {
		for _, r := range z {
			for _, v := range r {
				lim = math.Max(lim, math.Abs(v))
			}
		}
	}
	if lim == 0 {
		return 1
	}
	return lim
}

// span is the smallest and largest value over the tables.
func span(zs ...[][]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, z := range zs {
		for _, r := range z {
			for _, v := range r {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	return lo, hi
}

// Diverging is the colour map for signed data (blue, white at 0, red).
func Diverging() palette.ColorMap { return moreland.SmoothBlueRed() }

// Sequential is the colour map for data of one sign (dark to light).
func Sequential() palette.ColorMap { return moreland.Kindlmann() }

// ByFrequency returns the order of Z_p that lines up a wave of frequency
// k: position j holds x = j·k⁻¹ mod p, where k·x ≡ j, so that cos(2πkx/p + φ)
// becomes the smooth cos(2πj/p + φ) along the axis (p prime, k ≠ 0 mod p).
func ByFrequency(p, k int) []int {
	inv := 1
	for ; inv < p && (inv*k)%p != 1; inv++ {
	}
	order := make([]int, p)
	for j := range order {
		order[j] = j * inv % p
	}
	return order
}
