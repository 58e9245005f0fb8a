package figures

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/modadd/modadd/pkg/proof"
)

// StrategyColor is a proof strategy's colour in every figure: its place
// among proof.Strategies(), so that a strategy keeps its colour from figure
// to figure; strategies outside that list are grey.
func StrategyColor(name string) color.Color {
	all := proof.Strategies()
	cols := Palette(len(all))
	for i, s := range all {
		if s.Name() == name {
			return cols[i]
		}
	}
	return color.Gray{Y: 0x70}
}

// legendPanel is an empty plot for a figure's legend alone, placed beside
// the plots in a Row (its legend starts at the top left).
func legendPanel() *plot.Plot {
	key := plot.New()
	key.HideAxes()
	key.X.Min, key.X.Max, key.Y.Min, key.Y.Max = 0, 1, 0, 1
	key.Legend.Top, key.Legend.Left = true, true
	return key
}

// Frontier plots each strategy's certified accuracy against its cost in
// FLOPs (log scale; folding the weights included), one marker per strategy
// named in the legend, with brute force's cost and a tenth of it marked.
func Frontier(title string, r *proof.Report) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "cost of the proof (FLOPs, folding included)"
	p.Y.Label.Text = "certified accuracy"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = ticks125{}
	p.Y.Min, p.Y.Max = -0.03, 1.08
	// The legend gets a panel of its own: the strategies crowd the plot's
	// top edge and the dashed lines cross its left half.
	key := legendPanel()
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, draw.RingGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}
	for i, c := range r.Strategies {
		s := NewScatter(p, c.Strategy, plotter.XYs{{X: float64(c.FLOPs), Y: c.CertifiedAccuracy}})
		s.GlyphStyle.Color = StrategyColor(c.Strategy)
		s.GlyphStyle.Radius = vg.Points(4.5)
		s.GlyphStyle.Shape = shapes[i%len(shapes)]
		p.Add(s)
		key.Legend.Add(c.Strategy, s)
	}
	bf := float64(r.BruteForceFLOPs)
	for i, v := range []struct {
		x    float64
		name string
	}{{bf, "brute force's cost"}, {bf / 10, "a tenth of it"}} {
		line := NewLine(p, v.name, plotter.XYs{{X: v.x, Y: -0.03}, {X: v.x, Y: 1.08}})
		line.Dashes = []vg.Length{vg.Points(4 - 2*float64(i)), vg.Points(3)}
		line.Color = AllColor
		p.Add(line)
		key.Legend.Add(v.name, line)
	}
	lo, hi := bf, bf
	for _, c := range r.Strategies {
		lo, hi = math.Min(lo, float64(c.FLOPs)), math.Max(hi, float64(c.FLOPs))
	}
	p.X.Min, p.X.Max = math.Min(lo, bf/10)/2, hi*2
	p.Add(plotter.NewGrid())
	f := Row("proof-frontier", p, key)
	f.Width, f.Height = 9*vg.Inch, 4.5*vg.Inch
	return f
}

// Budget shows one certificate's error budget as horizontal bars (largest
// value of each term over the inputs, log scale) against the median margin
// of the explanation: a proof certifies the inputs where the sum of the
// terms stays below the margin.
func Budget(c *proof.Certificate) *Figure {
	p := plot.New()
	// The margin is named in the title: a legend entry would sit on the
	// line it describes.
	p.Title.Text = fmt.Sprintf("%s: error budget (bound %.3g; dashed: the median margin, %.3g)", c.Strategy, c.Bound, c.MedianMargin)
	p.X.Label.Text = "largest value over the inputs (log scale)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = powerTicks{}
	// Bars as thick lines from a floor below the smallest term (a log axis
	// has no zero to start bars from).
	floor, top := c.MedianMargin, c.MedianMargin
	for _, t := range c.Budget {
		if t.Value > 0 {
			floor = math.Min(floor, t.Value)
			top = math.Max(top, t.Value)
		}
	}
	floor /= 10
	n := len(c.Budget)
	names := make([]string, n)
	for i, t := range c.Budget {
		y := n - 1 - i // largest term on top
		l := NewLine(p, t.Name, plotter.XYs{{X: floor, Y: float64(y)}, {X: math.Max(t.Value, floor), Y: float64(y)}})
		l.Color = TrainColor
		l.Width = vg.Points(12)
		p.Add(l)
		names[y] = t.Name
		if t.Value == 0 { // no bar on a log axis: say so
			names[y] += " (0)"
		}
	}
	p.NominalY(names...)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4+0.6
	m := NewLine(p, "median margin", plotter.XYs{{X: c.MedianMargin, Y: -0.6}, {X: c.MedianMargin, Y: float64(n) + 0.2}})
	m.Color = HeldoutColor
	m.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(m)
	p.X.Min, p.X.Max = floor, top*3
	p.Add(plotter.NewGrid())
	return &Figure{Name: "proof-budget", Plots: [][]*plot.Plot{{p}}, Width: 8 * vg.Inch, Height: vg.Length(1.4+0.45*float64(n)) * vg.Inch}
}

// Certified maps margin − ε over (a, b) for one certificate: positive (red)
// where the input is proven correct, negative (blue) where the bound is too
// loose; a colour bar gives the scale.
func Certified(c *proof.Certificate, p int) *Figure {
	z := make([][]float64, p)
	lim := 0.0
	for b := 0; b < p; b++ {
		z[b] = make([]float64, p)
		for a := 0; a < p; a++ {
			k := a*p + b
			z[b][a] = c.Slack[k]
			if !math.IsInf(z[b][a], 0) && !math.IsNaN(z[b][a]) {
				lim = math.Max(lim, math.Abs(z[b][a]))
			}
		}
	}
	if lim == 0 {
		lim = 1
	}
	h := Heatmap(fmt.Sprintf("%s: margin − ε (%.1f%% of inputs certified)", c.Strategy, 100*c.CertifiedAccuracy), "a", "b", z, lim)
	if c.CertifiedAccuracy > 0 && c.CertifiedAccuracy < 0.5 {
		// A few certified inputs with a thin slack would not show in the
		// colours: mark them.
		var pts plotter.XYs
		for k, ok := range c.Certified {
			if ok {
				pts = append(pts, plotter.XY{X: float64(k / p), Y: float64(k % p)})
			}
		}
		s := NewScatter(h, "certified inputs", pts)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		// About a third of a cell at large p (each cell is near 400/p
		// points wide), so that dense certified bands stay bands.
		s.GlyphStyle.Radius = vg.Points(math.Min(1.6, 120/float64(p)))
		s.GlyphStyle.Color = color.Black
		h.Add(s)
		h.Title.Text = fmt.Sprintf("%s: margin − ε (dots: the %.1f%% of inputs certified)", c.Strategy, 100*c.CertifiedAccuracy)
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(-lim)
	pal.SetMax(lim)
	cb := plot.New()
	bar := &plotter.ColorBar{ColorMap: pal, Vertical: true}
	cb.Add(bar)
	cb.HideX()
	cb.Y.Label.Text = "least margin − ε (> 0: certified)"
	cb.Y.Padding = 0
	f := &Figure{Name: "proof-certified", Plots: [][]*plot.Plot{{h, cb}}, Width: 7 * vg.Inch, Height: 5 * vg.Inch}
	f.Widths = []float64{1, 0.06}
	return f
}

// CertifiedByDistance plots, for each distance d = a − b, the share of the
// p inputs at that distance that c certifies, against the smallest
// |cos(w_k d/2)| over the frequencies ks (proof.ByDistance): where one
// cluster's factor is small, its vote is weak and its windows are wide.
// One point per distance; a map of p² inputs says the same less legibly
// at large p, where certification follows d almost alone.
func CertifiedByDistance(c *proof.Certificate, p int, ks []int) *Figure {
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("%s: %.1f%% of the inputs certified, by distance a − b", c.Strategy, 100*c.CertifiedAccuracy)
	pl.X.Label.Text = "smallest |cos(w_k d/2)| over the clusters (d = a − b)"
	pl.Y.Label.Text = "inputs at distance d certified (%)"
	pl.X.Min, pl.X.Max = 0, 1
	pl.Y.Min, pl.Y.Max = -3, 103
	s := NewScatter(pl, "one distance d", byDistance(c.Certified, p, ks))
	s.GlyphStyle.Shape = draw.CircleGlyph{}
	s.GlyphStyle.Radius = vg.Points(2.5)
	s.GlyphStyle.Color = StrategyColor("arc-signed")
	pl.Add(plotter.NewGrid(), s)
	return &Figure{Name: "proof-certified-by-distance", Plots: [][]*plot.Plot{{pl}}, Width: 7 * vg.Inch, Height: 4.5 * vg.Inch}
}

// byDistance is CertifiedByDistance's points (proof.ByDistance): for each
// d, the smallest |cos(w_k d/2)| over ks and the percentage of the inputs
// there certified.
func byDistance(certified []bool, p int, ks []int) plotter.XYs {
	var pts plotter.XYs
	for _, s := range proof.ByDistance(certified, p, ks) {
		pts = append(pts, plotter.XY{X: s.Least, Y: 100 * s.Share})
	}
	return pts
}

// ProofScaling shows, for models of several p, each strategy's proof cost
// after folding as a fraction of brute force's (left, log scale) and its
// certified accuracy (right).
func ProofScaling(ps []int, reports []*proof.Report) *Figure {
	cost := plot.New()
	cost.Title.Text = "cost after folding ÷ brute force's"
	cost.X.Label.Text, cost.Y.Label.Text = "p", "proof FLOPs ÷ brute-force proof FLOPs"
	cost.Y.Scale, cost.Y.Tick.Marker = plot.LogScale{}, ticks125{}
	cert := plot.New()
	cert.Title.Text = "certified accuracy"
	cert.X.Label.Text, cert.Y.Label.Text = "p", "certified inputs (%)"
	cert.Y.Min, cert.Y.Max = -3, 103
	var names []string
	for _, r := range reports {
		for _, c := range r.Strategies {
			if c.Strategy != "brute-force" && !slices.Contains(names, c.Strategy) {
				names = append(names, c.Strategy)
			}
		}
	}
	// The lines cross everywhere in both panels (a share jumps from 0 to
	// 100% and back as p grows): the legend gets a panel of its own.
	key := legendPanel()
	for j, n := range names {
		var xc, xa plotter.XYs
		for i, r := range reports {
			var bf int64
			for _, c := range r.Strategies {
				if c.Strategy == "brute-force" {
					bf = c.ProofFLOPs
				}
			}
			for _, c := range r.Strategies {
				if c.Strategy == n && bf > 0 {
					xc = append(xc, plotter.XY{X: float64(ps[i]), Y: float64(c.ProofFLOPs) / float64(bf)})
					xa = append(xa, plotter.XY{X: float64(ps[i]), Y: 100 * c.CertifiedAccuracy})
				}
			}
		}
		l, s := NewLinePoints(cost, n, xc)
		l.Color, s.Color = StrategyColor(n), StrategyColor(n)
		s.Shape = draw.CircleGlyph{}
		cost.Add(l, s)
		key.Legend.Add(n, l, s)
		// Certified shares: dots only (the three models are separate runs;
		// a line would suggest a trend), each strategy shifted a little so
		// that equal shares do not hide each other.
		for i := range xa {
			xa[i].X *= 1 + 0.012*(float64(j)-float64(len(names)-1)/2)
		}
		d := NewScatter(cert, n, xa)
		d.GlyphStyle.Color, d.GlyphStyle.Shape, d.GlyphStyle.Radius = StrategyColor(n), draw.CircleGlyph{}, vg.Points(3)
		cert.Add(d)
	}
	for _, pl := range []*plot.Plot{cost, cert} {
		pl.X.Tick.Marker = plot.ConstantTicks(intTickList(ps))
		pl.X.Min, pl.X.Max = float64(ps[0])*0.9, float64(ps[len(ps)-1])*1.05
		pl.Add(plotter.NewGrid())
	}
	f := Row("proof-scaling", cost, cert, key)
	f.Width, f.Height = 13*vg.Inch, 4.6*vg.Inch
	return f
}

func intTickList(xs []int) []plot.Tick {
	var ts []plot.Tick
	for _, x := range xs {
		ts = append(ts, plot.Tick{Value: float64(x), Label: fmt.Sprint(x)})
	}
	return ts
}

// Robustness shows each strategy's certified accuracy on perturbed models:
// against the size of Gaussian noise on the MLP weights (left) and against
// the size of a damage to one unembedding column (right). The first row of
// each kind should be the unperturbed model (size 0).
func Robustness(rows []proof.RobustnessRow) *Figure {
	var names []string
	for _, r := range rows {
		for _, s := range r.Strategies {
			if s != "brute-force" && !slices.Contains(names, s) {
				names = append(names, s)
			}
		}
	}
	mk := func(kind, title, xlabel string) *plot.Plot {
		p := plot.New()
		p.Title.Text = title
		p.X.Label.Text, p.Y.Label.Text = xlabel, "certified inputs (%)"
		p.Y.Min, p.Y.Max = -3, 115
		for j, n := range names {
			var xy plotter.XYs
			for _, r := range rows {
				if r.Perturbation.Kind != kind && r.Perturbation.Size != 0 {
					continue
				}
				for i, s := range r.Strategies {
					if s == n {
						xy = append(xy, plotter.XY{X: r.Perturbation.Size, Y: 100 * r.Certified[i]})
					}
				}
			}
			sort.Slice(xy, func(a, b int) bool { return xy[a].X < xy[b].X })
			l, s := NewLinePoints(p, n, xy)
			l.Color, s.Color = StrategyColor(n), StrategyColor(n)
			l.Dashes = []vg.Length{vg.Points(float64(2 + j%3)), vg.Points(float64(j % 2))}
			s.Shape = draw.CircleGlyph{}
			p.Add(l, s)
			p.Legend.Add(n, l, s)
		}
		p.Legend.Top = true
		p.Legend.Left = false
		p.Add(plotter.NewGrid())
		return p
	}
	var col string
	for _, r := range rows {
		if r.Perturbation.Kind == "column" {
			col = fmt.Sprintf("W_U[:, %d] += β · W_U[:, %d]", r.Perturbation.To, r.Perturbation.From)
		}
	}
	noise := mk("noise", "Gaussian noise on W_in and W_out", "noise (× mean |weight|)")
	column := mk("column", "one unembedding column damaged", "β in "+col)
	for _, pl := range []*plot.Plot{noise, column} {
		// Between the strategies near 100% and the vacuous ones at 0.
		pl.Legend.Top, pl.Legend.Left = false, true
		pl.Legend.YOffs = vg.Points(28)
		pl.Legend.XOffs = vg.Points(6)
	}
	return Row("proof-robustness", noise, column)
}

// ticks125 labels 1, 2 and 5 times powers of ten (a log axis spanning less
// than two decades gets readable ticks), as 2e+07.
type ticks125 struct{}

// Ticks implements plot.Ticker.
func (ticks125) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max >= min) || math.IsInf(max, 1) { // no decades to count (a refused series)
		return nil
	}
	var ts []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		for _, m := range []float64{1, 2, 5} {
			if v := m * math.Pow(10, e); v >= min && v <= max {
				ts = append(ts, plot.Tick{Value: v})
			}
		}
	}
	return labelLog(ts, func(v float64) float64 { return v })
}

// CostSplit shows where the proof FLOPs of strategies that evaluate no
// neuron go, in units of p²·m (every neuron once on every input), stacked
// per strategy: preparing the tables' prefix sums (O(p·m) per term), the
// work per input (O(1) per cluster and arc), and the margins against every
// class. The dashed line is p²·m; below it a proof would be compact. Each
// certificate's Details must hold prep_flops, per_input_flops, group_flops
// and single_flops (arc-signed's).
func CostSplit(title string, certs []*proof.Certificate, pm int64) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "proof FLOPs ÷ p²·m"
	g := plotter.NewGrid()
	g.Vertical.Color = nil // bars at categories: horizontal lines only
	p.Add(g)
	parts := []struct {
		name string
		keys []string
		col  color.Color
	}{
		{"preparation: prefix sums over the neurons, per a and per b", []string{"prep_flops"}, TrainColor},
		{"per input: arcs, windows and the clusters' sums", []string{"per_input_flops"}, HeldoutColor},
		{"margins against every class", []string{"group_flops", "single_flops"}, AllColor},
	}
	var names []string
	top := 1.0
	for i, c := range certs {
		y := 0.0
		for _, part := range parts {
			v := 0.0
			for _, k := range part.keys {
				v += c.Details[k]
			}
			v /= float64(pm)
			l := NewLine(p, part.name, plotter.XYs{{X: float64(i), Y: y}, {X: float64(i), Y: y + v}})
			l.Color = part.col
			l.Width = vg.Points(28)
			p.Add(l)
			if i == 0 { // a thinner swatch for the legend
				sw := *l
				sw.Width = vg.Points(7)
				p.Legend.Add(part.name, &sw)
			}
			y += v
		}
		top = math.Max(top, y)
		names = append(names, fmt.Sprintf("%s\n%.0f%% certified", c.Strategy, 100*c.CertifiedAccuracy))
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(certs))-0.4
	line := NewLine(p, "p²·m", plotter.XYs{{X: -0.6, Y: 1}, {X: float64(len(certs)) - 0.4, Y: 1}})
	line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(line)
	p.Legend.Add("p²·m: every neuron once on every input", line)
	p.Y.Min, p.Y.Max = 0, top*1.45
	p.Y.Tick.Marker = niceTicks{n: 6}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.YOffs, p.Legend.XOffs = -vg.Points(8), vg.Points(8)
	p.Legend.Padding = vg.Points(3) // the swatches are as tall as the text
	f := Row("proof-cost-split", p)
	f.Width, f.Height = 8*vg.Inch, 5*vg.Inch
	return f
}

// TierReach shows what a proof certifies against its FLOPs after folding
// in units of p²·m (log scale), one line per model (its p), one point per
// number of tiers T: the title names the order of T when it is the same
// on every line, each point is labelled otherwise. The dashed line is p²·m;
// the dotted ones, in each model's colour, its brute force (brute[p], in
// the same units): a proof right of that costs more than checking every
// input. The legend has a panel of its own.
func TierReach(title string, pts []proof.SignedRun, brute map[int]float64) *Figure {
	pl := plot.New()
	pl.Title.Text = title
	pl.Y.Label.Text = "certified inputs (%)"
	pl.X.Scale, pl.X.Tick.Marker = plot.LogScale{}, ticks125{}
	pl.Y.Min, pl.Y.Max = -3, 105
	key := legendPanel() // the p²·m line and the brute-force lines would cross a legend inside
	var ps []int
	for _, q := range pts {
		if !slices.Contains(ps, q.P) {
			ps = append(ps, q.P)
		}
	}
	sort.Ints(ps)
	cols := Palette(len(ps))
	lo, hi := 1.0, 1.0
	for _, v := range brute {
		hi = math.Max(hi, v)
	}
	type point struct {
		xy plotter.XY
		t  int
	}
	lines := make([][]point, len(ps))
	for j, p := range ps {
		for _, q := range pts {
			if q.P != p {
				continue
			}
			r, ok := perPM(pl, q)
			if !ok {
				continue
			}
			lines[j] = append(lines[j], point{plotter.XY{X: r, Y: 100 * q.Certified}, max(q.Tiers, 1)})
			lo, hi = math.Min(lo, r), math.Max(hi, r)
		}
		sort.Slice(lines[j], func(a, b int) bool { return lines[j][a].xy.X < lines[j][b].xy.X })
	}
	// One order of T, left to right, on every line?
	var order []int
	same := true
	for j, l := range lines {
		var ts []int
		for _, q := range l {
			ts = append(ts, q.t)
		}
		if j == 0 || len(order) == 0 {
			order = ts
		} else if len(ts) > 0 && !slices.Equal(ts, order) {
			same = false
		}
	}
	pl.X.Label.Text = "proof FLOPs ÷ p²·m"
	if same && len(order) > 0 {
		var names []string
		for _, t := range order {
			names = append(names, fmt.Sprint(t))
		}
		pl.Title.Text += " (points, left to right: T = " + strings.Join(names, ", ") + ")"
	}
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.RingGlyph{}}
	for j, p := range ps {
		var xy plotter.XYs
		var names []string
		for _, q := range lines[j] {
			xy = append(xy, q.xy)
			names = append(names, fmt.Sprintf("T=%d", q.t))
		}
		name := fmt.Sprintf("p = %d", p)
		l, sc := NewLinePoints(pl, name, xy)
		// A shape per model: lines at 0% lie on top of each other.
		l.Color, sc.Color, sc.Shape, sc.Radius = cols[j], cols[j], shapes[j%len(shapes)], vg.Points(3)
		pl.Add(l, sc)
		key.Legend.Add(name, l, sc)
		if !same && len(xy) > 0 {
			labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: names})
			if err != nil {
				refuse(pl, name+" labels", err)
			} else {
				for i := range labels.TextStyle {
					labels.TextStyle[i].Font.Size = vg.Points(8)
					labels.TextStyle[i].Color = cols[j]
					labels.TextStyle[i].XAlign, labels.TextStyle[i].YAlign = draw.XRight, draw.YBottom
				}
				labels.Offset = vg.Point{X: -vg.Points(3), Y: vg.Points(3)}
				pl.Add(labels)
			}
		}
		if b, ok := brute[p]; ok && b > 0 {
			bl := NewLine(pl, "brute force "+name, plotter.XYs{{X: b, Y: -3}, {X: b, Y: 105}})
			bl.Color, bl.Dashes = cols[j], []vg.Length{vg.Points(1), vg.Points(2)}
			pl.Add(bl)
			key.Legend.Add("brute force, "+name, bl)
		}
	}
	one := NewLine(pl, "p²·m", plotter.XYs{{X: 1, Y: -3}, {X: 1, Y: 105}})
	one.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	pl.Add(one)
	key.Legend.Add("p²·m: every neuron", one)
	key.Legend.Add("once on every input")
	pl.X.Min, pl.X.Max = lo/1.5, hi*1.5
	pl.Add(plotter.NewGrid())
	f := Row("proof-tier-reach", pl, key)
	f.Width, f.Height = 9*vg.Inch, 4.8*vg.Inch
	return f
}

// perPM is q's proof FLOPs ÷ p²·m for pl's log axis; a value that is not
// positive and finite is refused by name (not hung on, not dropped silently).
func perPM(pl *plot.Plot, q proof.SignedRun) (float64, bool) {
	r := q.PerPM()
	if !(r > 0) || math.IsInf(r, 1) {
		refuse(pl, fmt.Sprintf("p = %d, m = %d, T = %d", q.P, q.M, q.Tiers), fmt.Errorf("proof FLOPs ÷ p²·m = %g: not positive and finite (ProofFLOPs %d)", r, q.ProofFLOPs))
		return 0, false
	}
	return r, true
}

// CompactScaling shows, against the width m, a proof's FLOPs after folding
// in units of p²·m (left, log scales; the dashed line is p²·m, below it the
// proof does not touch every neuron on every input) and its certified share
// (right): one colour per p and, where pts hold several strategies, one
// line style and marker per strategy.
func CompactScaling(title string, pts []proof.SignedRun) *Figure {
	cost := plot.New()
	cost.Title.Text = title + ": proof FLOPs ÷ p²·m"
	cost.X.Label.Text, cost.Y.Label.Text = "width m (neurons)", "proof FLOPs ÷ p²·m"
	cost.X.Scale, cost.Y.Scale = plot.LogScale{}, plot.LogScale{}
	cost.Y.Tick.Marker = ticks125{}
	cert := plot.New()
	cert.Title.Text = title + ": certified inputs"
	cert.X.Label.Text, cert.Y.Label.Text = "width m (neurons)", "certified inputs (%)"
	cert.X.Scale = plot.LogScale{}
	cert.Y.Min, cert.Y.Max = -3, 105
	var ps, ms []int
	var names []string
	for _, q := range pts {
		if !slices.Contains(ps, q.P) {
			ps = append(ps, q.P)
		}
		if !slices.Contains(ms, q.M) {
			ms = append(ms, q.M)
		}
		if n := q.Strategy().Name(); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	sort.Ints(ps)
	sort.Ints(ms)
	// Legends on white boxes (the grid lines would cross their text), at
	// the top of each panel, in room of their own above the data (below).
	costKey, certKey := NewInset(true, false), NewInset(true, false)
	cols := Palette(len(ps))
	glyphs := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}}
	dashes := [][]vg.Length{nil, {vg.Points(2), vg.Points(2)}, {vg.Points(6), vg.Points(4)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}, {vg.Points(12), vg.Points(3)}}
	lo, hi := 1.0, 1.0
	for si, sname := range names {
		for j, p := range ps {
			var xc, xa plotter.XYs
			for _, q := range pts {
				if q.P != p || q.Strategy().Name() != sname {
					continue
				}
				if r, ok := perPM(cost, q); ok {
					xc = append(xc, plotter.XY{X: float64(q.M), Y: r})
					xa = append(xa, plotter.XY{X: float64(q.M), Y: 100 * q.Certified})
					lo, hi = math.Min(lo, r), math.Max(hi, r)
				}
			}
			if len(xc) == 0 {
				continue
			}
			sort.Slice(xc, func(a, b int) bool { return xc[a].X < xc[b].X })
			sort.Slice(xa, func(a, b int) bool { return xa[a].X < xa[b].X })
			name := fmt.Sprintf("p = %d", p)
			if len(names) > 1 {
				name += ", " + sname
			}
			g, d := glyphs[si%len(glyphs)], dashes[si%len(dashes)]
			l, s := NewLinePoints(cost, name, xc)
			l.Color, l.Dashes, s.Color, s.Shape = cols[j], d, cols[j], g
			cost.Add(l, s)
			l2, s2 := NewLinePoints(cert, name, xa)
			l2.Color, l2.Dashes, s2.Color, s2.Shape = cols[j], d, cols[j], g
			cert.Add(l2, s2)
			if si == 0 { // the colours name p once: a swatch where the styles name strategies
				if len(names) > 1 {
					costKey.Add(fmt.Sprintf("p = %d", p), swatch{cols[j]})
					certKey.Add(fmt.Sprintf("p = %d", p), swatch{cols[j]})
				} else {
					costKey.Add(fmt.Sprintf("p = %d", p), l, s)
					certKey.Add(fmt.Sprintf("p = %d", p), l2, s2)
				}
			}
		}
	}
	if len(names) > 1 { // and the styles name the strategies, in grey, on both panels
		for si, sname := range names {
			l, s := NewLinePoints(cost, sname, plotter.XYs{{X: 1, Y: 1}})
			l.Color, l.Dashes, s.Color, s.Shape = color.Gray{Y: 90}, dashes[si%len(dashes)], color.Gray{Y: 90}, glyphs[si%len(glyphs)]
			costKey.Add(sname, l, s)
			certKey.Add(sname, l, s)
		}
	}
	xmin, xmax := float64(ms[0])/1.3, float64(ms[len(ms)-1])*1.3
	one := NewLine(cost, "p²·m", plotter.XYs{{X: xmin, Y: 1}, {X: xmax, Y: 1}})
	one.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	cost.Add(one)
	costKey.Add("p²·m: every neuron once on every input", one)
	// Room above the data for the legend, about 5.5% of the panel's height
	// per entry: on the log axis, the data's span stretched by 1/(1 − f);
	// on the certified axis, ticks up to 100% only.
	room := func(n int) float64 { return min(0.6, 0.055*float64(n)+0.04) }
	entries := len(ps) // the legend's: one per p, one per strategy if several
	if len(names) > 1 {
		entries += len(names)
	}
	cost.Y.Min = lo / 1.5
	cost.Y.Max = cost.Y.Min * math.Pow(hi*1.5/cost.Y.Min, 1/(1-room(entries+1)))
	cert.Y.Max = 100 + 103*room(entries)/(1-room(entries))
	cert.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"}, {Value: 75, Label: "75"}, {Value: 100, Label: "100"}})
	ticks := intTickList(ms)
	for _, pl := range []*plot.Plot{cost, cert} {
		pl.X.Min, pl.X.Max = xmin, xmax
		pl.X.Tick.Marker = plot.ConstantTicks(ticks)
		pl.Add(plotter.NewGrid())
	}
	cost.Add(costKey)
	cert.Add(certKey)
	f := Row("proof-compact-scaling", cost, cert)
	f.Width, f.Height = 12*vg.Inch, 4.6*vg.Inch
	return f
}

// swatch is a legend entry of one colour alone (a filled box), for a
// colour that names something other than a line style does.
type swatch struct{ c color.Color }

// Thumbnail implements plot.Thumbnailer.
func (w swatch) Thumbnail(c *draw.Canvas) {
	h := (c.Max.Y - c.Min.Y) / 4
	mid := (c.Max.Y + c.Min.Y) / 2
	c.FillPolygon(w.c, []vg.Point{{X: c.Min.X, Y: mid - h}, {X: c.Max.X, Y: mid - h}, {X: c.Max.X, Y: mid + h}, {X: c.Min.X, Y: mid + h}})
}
