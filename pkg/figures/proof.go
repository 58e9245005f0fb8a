package figures

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/modadd/modadd/pkg/proof"
)

// Frontier plots each strategy's certified accuracy against its cost in
// FLOPs (log scale), with brute force's cost and a tenth of it marked.
func Frontier(title string, r *proof.Report) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "cost of the proof (FLOPs)"
	p.Y.Label.Text = "certified accuracy"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = powerTicks{}
	p.Y.Min, p.Y.Max = -0.02, 1.05
	var xy plotter.XYs
	var labels []string
	for _, c := range r.Strategies {
		xy = append(xy, plotter.XY{X: float64(c.FLOPs), Y: c.CertifiedAccuracy})
		labels = append(labels, c.Strategy)
	}
	s, _ := plotter.NewScatter(xy)
	s.GlyphStyle.Color = HeldoutColor
	s.GlyphStyle.Radius = vg.Points(4)
	s.GlyphStyle.Shape = draw.CircleGlyph{}
	p.Add(s)
	// Strategies often tie (all certify 100%): stagger the labels of
	// points at the same height.
	seen := map[float64]int{}
	for i := range xy {
		l, _ := plotter.NewLabels(plotter.XYLabels{XYs: xy[i : i+1], Labels: labels[i : i+1]})
		n := seen[xy[i].Y]
		seen[xy[i].Y]++
		l.TextStyle[0].XAlign = draw.XLeft
		l.TextStyle[0].Rotation = -0.6
		l.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(-4 - 2*float64(n%2))}
		p.Add(l)
	}
	bf := float64(r.BruteForceFLOPs)
	for _, v := range []struct {
		x    float64
		name string
	}{{bf, "brute force"}, {bf / 10, "brute force / 10"}} {
		line, _ := plotter.NewLine(plotter.XYs{{X: v.x, Y: -0.02}, {X: v.x, Y: 1.05}})
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		line.Color = AllColor
		p.Add(line)
	}
	lo, hi := bf, bf
	for _, c := range r.Strategies {
		lo, hi = math.Min(lo, float64(c.FLOPs)), math.Max(hi, float64(c.FLOPs))
	}
	p.X.Min, p.X.Max = math.Min(lo, bf/10)/2, hi*4
	p.Add(plotter.NewGrid())
	return Row("proof-frontier", p)
}

// Budget shows one certificate's error budget (largest value of each term
// over the inputs, log scale) against the median margin of the explanation:
// a proof certifies the inputs where the sum of the terms stays below the
// margin.
func Budget(c *proof.Certificate) *Figure {
	p := plot.New()
	p.Title.Text = c.Strategy + ": error budget"
	p.Y.Label.Text = "largest value over the inputs (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = powerTicks{}
	// Bars as thick lines from a floor below the smallest term (a log axis
	// has no zero to start bars from).
	floor := c.MedianMargin
	for _, t := range c.Budget {
		if t.Value > 0 {
			floor = math.Min(floor, t.Value)
		}
	}
	floor /= 10
	var names []string
	for i, t := range c.Budget {
		v := math.Max(t.Value, floor)
		l, _ := plotter.NewLine(plotter.XYs{{X: float64(i), Y: floor}, {X: float64(i), Y: v}})
		l.Color = TrainColor
		l.Width = vg.Points(14)
		p.Add(l)
		names = append(names, shorten(t.Name))
	}
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.5
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	vals := names
	m, _ := plotter.NewLine(plotter.XYs{{X: -0.5, Y: c.MedianMargin}, {X: float64(len(vals)) - 0.5, Y: c.MedianMargin}})
	m.Color = HeldoutColor
	m.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(m)
	p.Legend.Add("median margin", m)
	p.Legend.Top = true
	return &Figure{Name: "proof-budget", Plots: [][]*plot.Plot{{p}}, Height: 4.5 * vg.Inch}
}

// Certified maps margin − ε over (a, b) for one certificate: positive (red)
// where the input is proven correct, negative (blue) where the bound is too
// loose.
func Certified(c *proof.Certificate, p int) *Figure {
	z := make([][]float64, p)
	for b := 0; b < p; b++ {
		z[b] = make([]float64, p)
		for a := 0; a < p; a++ {
			k := a*p + b
			z[b][a] = c.Margin[k] - c.Eps[k]
		}
	}
	return Row("proof-certified", Heatmap(c.Strategy+": margin − ε (> 0: certified)", "a", "b", z, 0))
}

// BoundVsActual plots, for several models (seeds) and strategies, each
// certificate's bound against the actual largest error it bounds, on log
// scales: a sound bound lies above the diagonal, a tight one near it.
func BoundVsActual(title string, strategies []string, certs [][]*proof.Certificate) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "actual largest error"
	p.Y.Label.Text = "bound"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = powerTicks{}, powerTicks{}
	groups := make([]plotter.XYs, len(strategies))
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, model := range certs {
		for _, c := range model {
			for j, s := range strategies {
				if c.Strategy == s && c.ActualMaxError > 0 {
					groups[j] = append(groups[j], plotter.XY{X: c.ActualMaxError, Y: c.Bound})
					lo, hi = math.Min(lo, math.Min(c.ActualMaxError, c.Bound)), math.Max(hi, math.Max(c.ActualMaxError, c.Bound))
				}
			}
		}
	}
	cols := Palette(len(strategies))
	for j, g := range groups {
		s, err := plotter.NewScatter(g)
		if err != nil {
			continue
		}
		s.GlyphStyle.Color = cols[j]
		s.GlyphStyle.Radius = vg.Points(3.5)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
		p.Legend.Add(strategies[j], s)
	}
	if lo < hi {
		d, _ := plotter.NewLine(plotter.XYs{{X: lo / 2, Y: lo / 2}, {X: hi * 2, Y: hi * 2}})
		d.Color = AllColor
		d.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(d)
		p.Legend.Add("bound = actual", d)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	return Row("bound-vs-actual", p)
}
