package figures

import (
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// layout places the figure's plots on c so that the data areas of a row
// share their top and bottom and those of a column their left and right
// edges (as plot.Align does), with column widths in proportion to
// f.Widths, and draws every panel title at the same height in its row
// (plot.Align puts each title at the top of a canvas that the alignment
// has moved, so titles of one row end up at different heights).
func (f *Figure) layout(c draw.Canvas) {
	rows, cols := len(f.Plots), len(f.Plots[0])
	weights := make([]float64, cols)
	for j := range weights {
		weights[j] = 1
		if j < len(f.Widths) && f.Widths[j] > 0 {
			weights[j] = f.Widths[j]
		}
	}
	// Titles are drawn here, not by the plots: take them out while the
	// plots draw, put them back afterwards (a figure renders more than once).
	titles := make([][]string, rows)
	var titleH vg.Length
	for i, row := range f.Plots {
		titles[i] = make([]string, cols)
		for j, p := range row {
			if p == nil || p.Title.Text == "" {
				continue
			}
			titles[i][j] = p.Title.Text
			// The padding and a little more: a curve at the top of its
			// range would touch the title.
			titleH = max(titleH, p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y+p.Title.Padding+1.5*vg.Millimeter)
			p.Title.Text = ""
		}
	}
	defer func() {
		for i, row := range f.Plots {
			for j, p := range row {
				if p != nil && titles[i][j] != "" {
					p.Title.Text = titles[i][j]
				}
			}
		}
	}()
	// Axis labels are drawn here too: gonum pads a data area so that the
	// label's glyph box fits, and places that box at the middle of the
	// axis range in data units, which on a log axis lies near its top or
	// right end: the data area shrank and titles floated high. Here each
	// label gets the strip gonum would give it beside its axis, centred on
	// the data area; one longer than its data area is wrapped onto two lines.
	type axisLabels struct {
		x, y   string
		xs, ys vg.Length // the strips below and left of the axes
	}
	orig := make([][]axisLabels, rows) // what to restore
	for i, row := range f.Plots {
		orig[i] = make([]axisLabels, cols)
		for j, p := range row {
			if p == nil {
				continue
			}
			orig[i][j] = axisLabels{x: p.X.Label.Text, y: p.Y.Label.Text}
			p.X.Label.Text, p.Y.Label.Text = "", ""
		}
	}
	defer func() {
		for i, row := range f.Plots {
			for j, p := range row {
				if p != nil {
					p.X.Label.Text, p.Y.Label.Text = orig[i][j].x, orig[i][j].y
				}
			}
		}
	}()
	const mm = vg.Millimeter
	padL, padR, padT, padB, gapX, gapY := 2*mm, 3*mm, 2*mm, 2*mm, 5*mm, 5*mm
	W, H := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
	// Margins of each plot around its data area, measured on a tile of the
	// plain grid (they depend on the axes' labels, not on the size).
	tileW := (W - padL - padR - gapX*vg.Length(cols-1)) / vg.Length(cols)
	tileH := (H - padT - padB - gapY*vg.Length(rows-1) - titleH*vg.Length(rows)) / vg.Length(rows)
	type margins struct{ l, r, b, t vg.Length }
	m := make([][]margins, rows)
	for i, row := range f.Plots {
		m[i] = make([]margins, cols)
		for j, p := range row {
			if p == nil {
				continue
			}
			tile := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: c.Min, Max: vg.Point{X: c.Min.X + tileW, Y: c.Min.Y + tileH}}}
			d := p.DataCanvas(tile)
			m[i][j] = margins{d.Min.X - tile.Min.X, tile.Max.X - d.Max.X, d.Min.Y - tile.Min.Y, tile.Max.Y - d.Max.Y}
		}
	}
	// A column of legend panels (legendPanel) gets its legend's width, not
	// a share: its data area is empty and the legend is drawn from its
	// left edge, so a share left blank space or clipped the legend.
	fixed := make([]vg.Length, cols)
	for j := range cols {
		var w vg.Length
		all := true
		for i := range rows {
			p := f.Plots[i][j]
			if p == nil {
				continue
			}
			if !isLegendPanel(p) {
				all = false
				break
			}
			r := p.Legend.Rectangle(c)
			w = max(w, r.Max.X-r.Min.X+p.Legend.XOffs+2*mm)
		}
		if all && w > 0 {
			fixed[j] = w
		}
	}
	// geometry places the data areas, the label strips (as gonum's axes
	// size them) added to the margins.
	drawn := make([][]axisLabels, rows)
	for i := range drawn {
		drawn[i] = append([]axisLabels(nil), orig[i]...)
	}
	var colL, colR, rowB, rowT, x0, dataW []vg.Length
	var dataH vg.Length
	geometry := func() {
		colL, colR = make([]vg.Length, cols), make([]vg.Length, cols)
		rowB, rowT = make([]vg.Length, rows), make([]vg.Length, rows)
		for i, row := range f.Plots {
			for j, p := range row {
				if p == nil {
					continue
				}
				lb := &drawn[i][j]
				lb.xs, lb.ys = 0, 0
				if lb.x != "" {
					lb.xs = p.X.Label.TextStyle.Height(lb.x) + p.X.Label.Padding
				}
				if lb.y != "" {
					lb.ys = p.Y.Label.TextStyle.FontExtents().Descent + p.Y.Label.TextStyle.Height(lb.y) + p.Y.Label.Padding
				}
				colL[j], colR[j] = max(colL[j], m[i][j].l+lb.ys), max(colR[j], m[i][j].r)
				rowB[i], rowT[i] = max(rowB[i], m[i][j].b+lb.xs), max(rowT[i], m[i][j].t)
			}
		}
		freeW := W - padL - padR - gapX*vg.Length(cols-1)
		var sum float64
		for j := range cols {
			freeW -= colL[j] + colR[j] + fixed[j]
			if fixed[j] == 0 {
				sum += weights[j]
			}
		}
		freeH := H - padT - padB - gapY*vg.Length(rows-1) - titleH*vg.Length(rows)
		for i := range rows {
			freeH -= rowB[i] + rowT[i]
		}
		dataH = vg.Length(math.Max(float64(freeH)/float64(rows), 1))
		// Data rectangles: columns from the left, rows from the top.
		x0, dataW = make([]vg.Length, cols), make([]vg.Length, cols)
		x := c.Min.X + padL
		for j := range cols {
			dataW[j] = vg.Length(math.Max(float64(freeW)*weights[j]/sum, 1))
			if fixed[j] > 0 {
				dataW[j] = fixed[j]
			}
			x0[j] = x + colL[j]
			x = x0[j] + dataW[j] + colR[j] + gapX
		}
	}
	geometry()
	// A label longer than its data area is wrapped onto two lines, and the
	// geometry redone once for the taller strips.
	again := false
	for i, row := range f.Plots {
		for j, p := range row {
			if p == nil {
				continue
			}
			lb := &drawn[i][j]
			if lb.x != "" && p.X.Label.TextStyle.Width(lb.x) > 0.95*dataW[j] {
				lb.x, again = wrapMiddle(lb.x), true
			}
			if lb.y != "" && p.Y.Label.TextStyle.Width(lb.y) > 0.95*dataH {
				lb.y, again = wrapMiddle(lb.y), true
			}
		}
	}
	if again {
		geometry()
	}
	y := c.Max.Y - padT
	for i, row := range f.Plots {
		top := y - titleH
		dataTop := top - rowT[i]
		dataBottom := dataTop - dataH
		for j, p := range row {
			if p == nil {
				continue
			}
			pm := m[i][j]
			pm.l += drawn[i][j].ys
			pm.b += drawn[i][j].xs
			pc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x0[j] - pm.l, Y: dataBottom - pm.b},
				Max: vg.Point{X: x0[j] + dataW[j] + pm.r, Y: dataTop + pm.t},
			}}
			lb := drawn[i][j]
			axes := pc // the plot without its label strips
			axes.Min.X += lb.ys
			axes.Min.Y += lb.xs
			p.Draw(axes)
			if lb.x != "" { // where gonum's horizontal axis puts it
				st := p.X.Label.TextStyle
				c.FillText(st, vg.Point{X: x0[j] + dataW[j]/2, Y: pc.Min.Y + st.FontExtents().Descent}, lb.x)
			}
			if lb.y != "" { // where gonum's vertical axis puts it
				st := p.Y.Label.TextStyle
				st.Rotation += math.Pi / 2
				x := pc.Min.X + p.Y.Label.TextStyle.Height(lb.y) - p.Y.Label.TextStyle.FontExtents().Descent
				c.FillText(st, vg.Point{X: x, Y: dataBottom + dataH/2}, lb.y)
			}
			if t := titles[i][j]; t != "" {
				st := p.Title.TextStyle
				st.XAlign, st.YAlign = draw.XCenter, draw.YTop
				// A title wider than its data area is centred on the
				// plot's whole canvas instead.
				cx := x0[j] + dataW[j]/2
				if st.Rectangle(t).Size().X > dataW[j] {
					cx = (pc.Min.X + pc.Max.X) / 2
				}
				c.FillText(st, vg.Point{X: cx, Y: y}, t)
			}
		}
		y = dataBottom - rowB[i] - gapY
	}
}

// wrapMiddle breaks s onto two lines at the space nearest its middle.
func wrapMiddle(s string) string {
	r := []rune(s)
	best := -1
	for i, ch := range r {
		if ch == ' ' && (best < 0 || abs(i-len(r)/2) < abs(best-len(r)/2)) {
			best = i
		}
	}
	if best < 0 {
		return s
	}
	return string(r[:best]) + "\n" + string(r[best+1:])
}

func abs(x int) int { return max(x, -x) }

// isLegendPanel reports whether p is a panel for a legend alone (as
// legendPanel makes it): both axes hidden, the legend on its left.
func isLegendPanel(p *plot.Plot) bool {
	return p.X.Width == 0 && p.Y.Width == 0 && p.X.Tick.Length == 0 && p.Y.Tick.Length == 0 && p.Legend.Left
}

// Inset is a legend drawn inside a plot's data area, in one corner, on a
// white box, so that it neither leaves the plot nor depends on the title
// or the alignment of the figure's plots. Add it to the plot last.
type Inset struct {
	plot.Legend
	n int
}

// NewInset returns an empty legend for the corner given by top and left.
func NewInset(top, left bool) *Inset {
	l := &Inset{Legend: plot.NewLegend()}
	l.Top, l.Left = top, left
	l.XOffs, l.YOffs = vg.Millimeter*2, -vg.Millimeter*2
	if !left {
		l.XOffs = -vg.Millimeter * 2
	}
	if !top {
		l.YOffs = vg.Millimeter * 2
	}
	l.TextStyle.Font.Size = vg.Points(10)
	l.ThumbnailWidth = vg.Points(18)
	return l
}

// Add adds an entry.
func (l *Inset) Add(name string, thumbs ...plot.Thumbnailer) {
	l.Legend.Add(name, thumbs...)
	l.n++
}

// Plot implements plot.Plotter: it draws the legend in the data area c.
func (l *Inset) Plot(c draw.Canvas, _ *plot.Plot) {
	if l.n == 0 {
		return
	}
	// The box around the entries as Legend.Draw places them (its Rectangle
	// ignores the offsets and mirrors Left).
	r := l.Legend.Rectangle(c)
	width, height := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
	var box vg.Rectangle
	if l.Left {
		box.Min.X = c.Min.X + l.XOffs
	} else {
		box.Min.X = c.Max.X + l.XOffs - width
	}
	box.Max.X = box.Min.X + width
	if l.Top {
		box.Max.Y = c.Max.Y - l.TextStyle.FontExtents().Descent + l.YOffs
		box.Min.Y = box.Max.Y - height
	} else {
		box.Min.Y = c.Min.Y + l.YOffs
		box.Max.Y = box.Min.Y + height
	}
	pad := vg.Millimeter
	pts := []vg.Point{{X: box.Min.X - pad, Y: box.Min.Y - pad}, {X: box.Max.X + pad, Y: box.Min.Y - pad},
		{X: box.Max.X + pad, Y: box.Max.Y + pad}, {X: box.Min.X - pad, Y: box.Max.Y + pad}}
	c.FillPolygon(color.NRGBA{R: 255, G: 255, B: 255, A: 220}, pts)
	c.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 200}, Width: vg.Points(0.5)}, append(pts, pts[0]))
	l.Draw(c)
}

// ColorBar is a thin plot showing the colour scale of a heatmap from min
// to max, labelled label: put it in the column right of the heatmap, with
// a small width (Figure.Widths).
func ColorBar(cm palette.ColorMap, min, max float64, label string) *plot.Plot {
	cm.SetMin(min)
	cm.SetMax(max)
	p := plot.New()
	p.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	p.HideX()
	p.Y.Label.Text = label
	p.Y.Tick.Marker = niceTicks{n: 5}
	p.Y.Min, p.Y.Max = min, max
	return p
}

// niceTicks labels about n round values: steps of 1, 2 or 5 times a power
// of ten, every one labelled (gonum's default labels only some).
type niceTicks struct{ n int }

// Ticks implements plot.Ticker.
func (t niceTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return []plot.Tick{{Value: min, Label: formatTick(min, 1)}}
	}
	n := t.n
	if n < 2 {
		n = 5
	}
	raw := (max - min) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, s := range []float64{1, 2, 2.5, 5, 10} {
		step = s * mag
		if step >= raw {
			break
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(min/step-1e-9) * step; v <= max+step*1e-9; v += step {
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ts = append(ts, plot.Tick{Value: v, Label: formatTick(v, step)})
	}
	return ts
}

// formatTick prints v with as many decimals as the step needs.
func formatTick(v, step float64) string {
	d := 0
	for s := step; d < 6 && math.Abs(s-math.Round(s)) > 1e-9*math.Max(1, math.Abs(step)); s *= 10 {
		d++
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

// piTicks labels −π, −π/2, 0, π/2, π.
type piTicks struct{}

// Ticks implements plot.Ticker.
func (piTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for i, l := range []string{"−π", "−π/2", "0", "π/2", "π"} {
		v := float64(i-2) * math.Pi / 2
		if v >= min-1e-9 && v <= max+1e-9 {
			ts = append(ts, plot.Tick{Value: v, Label: l})
		}
	}
	return ts
}

// Log axes. gonum places the glyph box of a log axis's label at the
// arithmetic midpoint of the range, which on a log scale lies near one end:
// the plot then reserves a wide blank band for a label that is not there.
// So log axes here are linear axes of log₁₀ of the data, labelled in powers
// of ten by log10Ticks; plot log10(v) (logv floors at a small value).

// logv is log₁₀ v, floored at 1e-300 (a log axis cannot show 0).
func logv(v float64) float64 { return math.Log10(math.Max(v, 1e-300)) }

// log10Ticks labels the integers e of an axis in log₁₀ units as 10^e
// (labelLog's style), at most about 8 of them, with unlabelled minor
// ticks at 2…9 × 10^e when the axis spans at most 4 decades.
type log10Ticks struct{}

// Ticks implements plot.Ticker.
func (t log10Ticks) Ticks(min, max float64) []plot.Tick {
	var major, minor []plot.Tick
	lo, hi := math.Floor(min), math.Ceil(max)
	step := math.Max(1, math.Ceil((hi-lo)/8))
	for e := lo; e <= hi; e++ {
		if e >= min-1e-9 && e <= max+1e-9 && math.Mod(e-lo, step) == 0 {
			major = append(major, plot.Tick{Value: e})
		}
		if hi-lo <= 4 {
			for m := 2.0; m < 10; m++ {
				if v := e + math.Log10(m); v >= min && v <= max {
					minor = append(minor, plot.Tick{Value: v})
				}
			}
		}
	}
	return append(labelLog(major, func(e float64) float64 { return math.Pow(10, e) }), minor...)
}

// labelLog labels the ticks of one log axis (value(t.Value) is the number
// shown) in one style: plain numbers (0.01, 0.5, 20, 1000) when every one
// lies in [0.001, 10000], mantissa and power of ten (1e-6, 2e7) otherwise.
func labelLog(ts []plot.Tick, value func(float64) float64) []plot.Tick {
	plain := true
	for _, t := range ts {
		if v := value(t.Value); !(v >= 1e-3 && v <= 1e4) {
			plain = false
		}
	}
	for i, t := range ts {
		v := value(t.Value)
		if plain {
			ts[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
			continue
		}
		e := math.Floor(math.Log10(v) + 1e-9)
		ts[i].Label = strconv.FormatFloat(v/math.Pow(10, e), 'g', 2, 64) + "e" + strconv.Itoa(int(e))
	}
	return ts
}
