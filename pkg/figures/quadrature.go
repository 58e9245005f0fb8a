package figures

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/modadd/modadd/pkg/quadrature"
)

// QuadratureRectangles draws one cluster's rule as rectangles under the
// curve it integrates, h(φ) = act(cos(x + φ))·cos(2φ) (the real part of the
// integrand of G at half-angle x). Each neuron owns the stretch of the
// circle nearer its phase φ_i than any other neuron's (so the rectangles
// tile the circle instead of piling up where the phases crowd), and its
// rectangle's area is its term of the rule, 2π·(w_i/W)·h(φ_i): the height
// is h(φ_i) times the neuron's weight share over its stretch's share of the
// circle. Where the phases are spread evenly with equal weights the tops
// follow the curve; a top above or below the curve is a neuron weighing
// more or less than its stretch, and the rule is the sum of the areas.
func QuadratureRectangles(title string, r quadrature.Rule, act func(float64) float64, x float64) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "phase φ"
	p.Y.Label.Text = fmt.Sprintf("act(cos(%.2f + φ)) · cos 2φ", x)
	h := func(phi float64) float64 { return act(math.Cos(x+phi)) * math.Cos(2*phi) }
	total := r.Total()
	type node struct{ phi, w float64 }
	nodes := make([]node, len(r.Nodes))
	for i, phi := range r.Nodes {
		nodes[i] = node{math.Mod(math.Mod(phi+math.Pi, 2*math.Pi)+2*math.Pi, 2*math.Pi) - math.Pi, r.Weights[i]}
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].phi < nodes[j].phi })
	p.Add(plotter.NewGrid())
	fill := color.NRGBA{R: TrainColor.R, G: TrainColor.G, B: TrainColor.B, A: 0x70}
	var rect *plotter.Polygon
	n := len(nodes)
	for i, nd := range nodes {
		// The stretch from the midpoint to the previous node to the
		// midpoint to the next one, around the circle.
		prev, next := nodes[(i+n-1)%n].phi, nodes[(i+1)%n].phi
		if i == 0 {
			prev -= 2 * math.Pi
		}
		if i == n-1 {
			next += 2 * math.Pi
		}
		lo, hi := (prev+nd.phi)/2, (nd.phi+next)/2
		if n == 1 {
			lo, hi = nd.phi-math.Pi, nd.phi+math.Pi
		}
		y := h(nd.phi) * (2 * math.Pi * nd.w / total) / (hi - lo)
		for _, piece := range wrapInterval(lo, hi) {
			poly, err := plotter.NewPolygon(plotter.XYs{{X: piece[0], Y: 0}, {X: piece[1], Y: 0}, {X: piece[1], Y: y}, {X: piece[0], Y: y}})
			if err != nil {
				continue
			}
			poly.Color = fill
			poly.LineStyle.Width = vg.Points(0.3)
			poly.LineStyle.Color = TrainColor
			p.Add(poly)
			rect = poly
		}
	}
	// The nodes themselves, as ticks on the axis.
	var ticks plotter.XYs
	for _, nd := range nodes {
		ticks = append(ticks, plotter.XY{X: nd.phi, Y: 0})
	}
	s, _ := plotter.NewScatter(ticks)
	s.GlyphStyle.Shape = draw.PlusGlyph{}
	s.GlyphStyle.Radius = vg.Points(2)
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
		lg.Add("one neuron: area 2π·(w_i/W)·h(φ_i)", rect)
	}
	lg.Add("neurons' phases φ_i", s)
	p.Add(lg)
	p.X.Min, p.X.Max = -math.Pi, math.Pi
	p.X.Tick.Marker = piTicks{}
	return &Figure{Name: "quadrature-rectangles", Plots: [][]*plot.Plot{{p}}, Width: 8 * vg.Inch, Height: 4.2 * vg.Inch}
}

// wrapInterval splits [lo, hi] (within (−3π, 3π)) into pieces inside
// [−π, π], wrapping around the circle.
func wrapInterval(lo, hi float64) [][2]float64 {
	switch {
	case lo < -math.Pi:
		return [][2]float64{{lo + 2*math.Pi, math.Pi}, {-math.Pi, hi}}
	case hi > math.Pi:
		return [][2]float64{{lo, math.Pi}, {-math.Pi, hi - 2*math.Pi}}
	}
	return [][2]float64{{lo, hi}}
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
	lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
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
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = logTicks{}, powerTicks{}
		p.Y.Min, p.Y.Max = lo, hi
		p.Add(plotter.NewGrid())
		lg := NewInset(false, true)
		if len(c.N) > 0 {
			n0, n1 := float64(c.N[0]), float64(c.N[len(c.N)-1])
			// Reference slopes through the first equispaced and random points.
			for _, ref := range []struct {
				name string
				y0   float64
				pow  float64
			}{{"∝ 1/N²", c.Equi[0], -2}, {"∝ 1/√N", c.Random[0], -0.5}} {
				if ref.y0 <= 0 {
					continue
				}
				l, _ := plotter.NewLine(plotter.XYs{{X: n0, Y: ref.y0 * 1.6}, {X: n1, Y: ref.y0 * 1.6 * math.Pow(n1/n0, ref.pow)}})
				l.Color = grey
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				p.Add(l)
				if ci == 0 {
					lg.Add(ref.name, l)
				}
			}
			p.X.Min, p.X.Max = n0/1.3, n1*1.3
		}
		for i, s := range []struct {
			name string
			ys   []float64
		}{{"subsets of the cluster's neurons", c.Model}, {"equispaced nodes", c.Equi}, {"uniform random nodes", c.Random}} {
			var xy plotter.XYs
			for j, n := range c.N {
				if j < len(s.ys) && s.ys[j] > 0 {
					xy = append(xy, plotter.XY{X: float64(n), Y: math.Max(s.ys[j], lo)})
				}
			}
			l, pts, err := plotter.NewLinePoints(xy)
			if err != nil {
				continue
			}
			l.Color, pts.Color = cols[i], cols[i]
			l.Width = vg.Points(1.5)
			p.Add(l, pts)
			if ci == 0 {
				lg.Add(s.name, l, pts)
			}
		}
		if c.Full > 0 && len(c.N) > 0 {
			s, _ := plotter.NewScatter(plotter.XYs{{X: float64(c.N[len(c.N)-1]), Y: c.Full}})
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
