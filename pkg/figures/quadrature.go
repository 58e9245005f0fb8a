package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/modadd/modadd/pkg/quadrature"
)

// QuadratureRectangles draws one cluster's rule as rectangles under the
// curve it integrates: h(φ) = act(cos(x + φ))·cos(2φ), the real part of the
// integrand of G at half-angle x, with one rectangle per neuron at its phase
// φ_i, of width 2π·w_i/W (so that the rectangles' total area is the rule's
// value scaled to the integral's) and height h(φ_i).
func QuadratureRectangles(title string, r quadrature.Rule, act func(float64) float64, x float64) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "phase φ"
	p.Y.Label.Text = fmt.Sprintf("act(cos(%.2f + φ)) · cos 2φ", x)
	h := func(phi float64) float64 { return act(math.Cos(x+phi)) * math.Cos(2*phi) }
	total := r.Total()
	for i, phi := range r.Nodes {
		phi = math.Mod(phi+3*math.Pi, 2*math.Pi) - math.Pi
		w := 2 * math.Pi * r.Weights[i] / total
		y := h(phi)
		poly, err := plotter.NewPolygon(plotter.XYs{{X: phi - w/2, Y: 0}, {X: phi + w/2, Y: 0}, {X: phi + w/2, Y: y}, {X: phi - w/2, Y: y}})
		if err != nil {
			continue
		}
		poly.Color = color.NRGBA{R: TrainColor.R, G: TrainColor.G, B: TrainColor.B, A: 0x60}
		poly.LineStyle.Width = vg.Points(0.3)
		poly.LineStyle.Color = TrainColor
		p.Add(poly)
	}
	curve := plotter.NewFunction(h)
	curve.Samples = 400
	curve.Color = HeldoutColor
	curve.Width = vg.Points(1.5)
	p.Add(curve)
	p.Legend.Add("integrand", curve)
	p.X.Min, p.X.Max = -math.Pi, math.Pi
	p.Add(plotter.NewGrid())
	return Row("quadrature-rectangles", p)
}

// ErrorVsNodes plots the rule error against the number of nodes N on log
// scales: random subsets of a cluster's neurons, equispaced nodes and
// uniform random nodes, with the full cluster as the last model point.
func ErrorVsNodes(title string, ns []int, model, equi, random []float64) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "nodes N"
	p.Y.Label.Text = "worst relative error of G"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, powerTicks{}
	cols := Palette(3)
	for i, s := range []struct {
		name string
		ys   []float64
	}{{"model (subsets of the cluster)", model}, {"equispaced", equi}, {"random nodes", random}} {
		var xy plotter.XYs
		for j, n := range ns {
			if s.ys[j] > 0 {
				xy = append(xy, plotter.XY{X: float64(n), Y: s.ys[j]})
			}
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			continue
		}
		l.Color, pts.Color = cols[i], cols[i]
		p.Add(l, pts)
		p.Legend.Add(s.name, l, pts)
	}
	p.Legend.Top = false
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return Row("error-vs-nodes", p)
}
