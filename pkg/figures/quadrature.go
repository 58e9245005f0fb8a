package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/modadd/modadd/pkg/quadrature"
)

// QuadratureRectangles draws one cluster's rule as rectangles under the
// curve it integrates, h(φ) = act(cos(x + φ))·cos(2φ) (the real part of the
// integrand of G at half-angle x). The circle is cut into equal bins, and
// the rectangle over a bin has for area the sum of its neurons' terms
// 2π·(w_i/W)·h(φ_i): the rectangles add up to the rule's value exactly,
// as the curve's area is the integral. (One rectangle per neuron, of width
// its weight, would pile up where the phases crowd.) Where the neurons'
// weight is spread evenly over the circle the tops follow the curve; an
// empty bin, or one holding more than its share of the weight, shows where
// the rule deviates — and deviations of opposite sign cancel in the sum.
func QuadratureRectangles(title string, r quadrature.Rule, act func(float64) float64, x float64) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "phase φ"
	p.Y.Label.Text = fmt.Sprintf("act(cos(%.2f + φ)) · cos 2φ", x)
	h := func(phi float64) float64 { return act(math.Cos(x+phi)) * math.Cos(2*phi) }
	total := r.Total()
	const bins = 48
	width := 2 * math.Pi / bins
	area := make([]float64, bins)
	var ticks plotter.XYs
	for i, phi := range r.Nodes {
		phi = math.Mod(math.Mod(phi+math.Pi, 2*math.Pi)+2*math.Pi, 2*math.Pi) - math.Pi
		b := min(int((phi+math.Pi)/width), bins-1)
		area[b] += 2 * math.Pi * r.Weights[i] / total * h(phi)
		ticks = append(ticks, plotter.XY{X: phi, Y: 0})
	}
	p.Add(plotter.NewGrid())
	var rect *plotter.Polygon
	for b, a := range area {
		if a == 0 {
			continue
		}
		lo := -math.Pi + float64(b)*width
		y := a / width
		poly, err := plotter.NewPolygon(plotter.XYs{{X: lo, Y: 0}, {X: lo + width, Y: 0}, {X: lo + width, Y: y}, {X: lo, Y: y}})
		if err != nil {
			refuse(p, fmt.Sprintf("rectangle %d", b), err)
			continue
		}
		poly.Color = color.NRGBA{R: TrainColor.R, G: TrainColor.G, B: TrainColor.B, A: 0x70}
		poly.LineStyle.Width = vg.Points(0.5)
		poly.LineStyle.Color = TrainColor
		p.Add(poly)
		rect = poly
	}
	s := NewScatter(p, "nodes", ticks)
	s.GlyphStyle.Shape = draw.PlusGlyph{}
	s.GlyphStyle.Radius = vg.Points(3)
	s.GlyphStyle.Color = color.Black
	p.Add(s)
	curve := plotter.NewFunction(h)
	curve.Samples = 400
	curve.Color = HeldoutColor
	curve.Width = vg.Points(1.5)
	p.Add(curve)
	lg := NewInset(true, true)
	lg.Add("integrand h(φ)", curve)
	if rect != nil {
		lg.Add(fmt.Sprintf("rule, per 1/%d of the circle: area = Σ 2π·(w_i/W)·h(φ_i)", bins), rect)
	}
	lg.Add(fmt.Sprintf("the %d neurons' phases φ_i", len(r.Nodes)), s)
	p.Add(lg)
	p.X.Min, p.X.Max = -math.Pi, math.Pi
	p.X.Tick.Marker = piTicks{}
	p.Y.Tick.Marker = niceTicks{n: 5}
	lo, hi := 0.0, 0.0
	for _, a := range area {
		lo, hi = math.Min(lo, a/width), math.Max(hi, a/width)
	}
	lo, hi = math.Min(lo, -0.5), math.Max(hi, 1)
	p.Y.Min, p.Y.Max = lo-0.05*(hi-lo), hi+0.45*(hi-lo) // room for the legend
	return &Figure{Name: "quadrature-rectangles", Plots: [][]*plot.Plot{{p}}, Width: 8 * vg.Inch, Height: 4.2 * vg.Inch}
}

// NodeErrors is one cluster's rule error against the number of nodes N:
// random subsets of its neurons (Model), equispaced nodes and uniform
// random nodes (analysis.ClusterRule.ErrorVsN); Full is the whole
// cluster's error at its own size N[len(N)-1].
type NodeErrors struct {
	K                   int
	N                   []int
	Model, Equi, Random []float64
	Full                float64
}

// ErrorVsNodes plots the rule error against the number of nodes N on log
// scales, one panel per cluster on a shared y range: random subsets of a
// cluster's neurons, equispaced nodes and uniform random nodes, with the
// reference slopes 1/N² and 1/√N.
func ErrorVsNodes(title string, ns []int, model, equi, random []float64) *Figure {
	return ErrorVsNodesClusters(title, []NodeErrors{{N: ns, Model: model, Equi: equi, Random: random}})
}

// ErrorVsNodesClusters is ErrorVsNodes for several clusters side by side
// (titles "cluster k = K"; with one cluster, title).
func ErrorVsNodesClusters(title string, clusters []NodeErrors) *Figure {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range clusters {
		for _, ys := range [][]float64{c.Model, c.Equi, c.Random} {
			for _, y := range ys {
				if y > 0 {
					lo, hi = math.Min(lo, y), math.Max(hi, y)
				}
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1e-3, 1
	}
	lo, hi = math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi)) // in log10 units
	cols := Palette(3)
	var row []*plot.Plot
	for ci, c := range clusters {
		p := plot.New()
		p.Title.Text = title
		if len(clusters) > 1 || title == "" {
			p.Title.Text = fmt.Sprintf("cluster k = %d (%d neurons)", c.K, c.N[len(c.N)-1])
		}
		p.X.Label.Text = "nodes N (log scale)"
		if ci == 0 {
			p.Y.Label.Text = "worst relative error of G"
		}
		p.X.Tick.Marker, p.Y.Tick.Marker = log10Ticks{}, log10Ticks{}
		p.Y.Min, p.Y.Max = lo, hi
		p.Add(plotter.NewGrid())
		lg := NewInset(false, true)
		if len(c.N) > 0 {
			n0, n1 := float64(c.N[0]), float64(c.N[len(c.N)-1])
			// Reference slopes through the first equispaced and random points.
			for _, ref := range []struct {
				name   string
				y0     float64
				pow    float64
				dashes []vg.Length
			}{{"∝ 1/N²", c.Equi[0], -2, []vg.Length{vg.Points(5), vg.Points(3)}},
				{"∝ 1/√N", c.Random[0], -0.5, []vg.Length{vg.Points(1.5), vg.Points(2)}}} {
				if ref.y0 <= 0 {
					continue
				}
				l := NewLine(p, ref.name, plotter.XYs{{X: logv(n0), Y: logv(ref.y0 * 1.6)}, {X: logv(n1), Y: logv(ref.y0 * 1.6 * math.Pow(n1/n0, ref.pow))}})
				l.Color = grey
				l.Width = vg.Points(1.2)
				l.Dashes = ref.dashes
				p.Add(l)
				if ci == 0 {
					lg.Add(ref.name, l)
				}
			}
			p.X.Min, p.X.Max = logv(n0/1.3), logv(n1*1.3)
		}
		for i, s := range []struct {
			name string
			ys   []float64
		}{{"subsets of the cluster's neurons", c.Model}, {"equispaced nodes", c.Equi}, {"uniform random nodes", c.Random}} {
			var xy plotter.XYs
			for j, n := range c.N {
				if j < len(s.ys) && s.ys[j] > 0 {
					xy = append(xy, plotter.XY{X: logv(float64(n)), Y: math.Max(logv(s.ys[j]), lo)})
				}
			}
			l, pts := NewLinePoints(p, s.name, xy)
			l.Color, pts.Color = cols[i], cols[i]
			l.Width = vg.Points(1.5)
			p.Add(l, pts)
			if ci == 0 {
				lg.Add(s.name, l, pts)
			}
		}
		if c.Full > 0 && len(c.N) > 0 {
			s := NewScatter(p, "all neurons", plotter.XYs{{X: logv(float64(c.N[len(c.N)-1])), Y: logv(c.Full)}})
			s.GlyphStyle.Shape = draw.BoxGlyph{}
			s.GlyphStyle.Radius = vg.Points(4)
			s.GlyphStyle.Color = color.Black
			p.Add(s)
			if ci == 0 {
				lg.Add("the whole cluster", s)
			}
		}
		p.Add(lg)
		row = append(row, p)
	}
	return &Figure{Name: "error-vs-nodes", Plots: [][]*plot.Plot{row}, Width: vg.Length(math.Max(6, 4.2*float64(len(row)))) * vg.Inch, Height: 4.2 * vg.Inch}
}
