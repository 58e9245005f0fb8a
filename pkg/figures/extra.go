package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/quadrature"
)

// PizzaLogits maps each main cluster's contribution to the logit of class c
// over all inputs (a, b): Σ_{i∈k} act(pre_i(a, b)) U[i][c], centred over the
// classes, with both axes ordered by k·x mod p (ByFrequency). The ideal is
// |cos(w(a−b)/2)|·cos(w(a+b−c)): stripes along the anti-diagonals k(a+b) ≡
// const, largest on k(a+b) ≡ kc, fading towards a − b = p/2 — the "pizza".
func PizzaLogits(t *circuit.Tables, clusters []mechanism.Cluster, minSize, c int) *Figure {
	p := t.P
	act := activation(t)
	main := mainClusters(clusters, minSize)
	if len(main) > 4 {
		main = main[:4]
	}
	maps := make([][][]float64, len(main))
	row := make([]float64, p)
	for ci, cl := range main {
		order := ByFrequency(p, cl.K)
		z := make([][]float64, p)
		for jb := range z {
			z[jb] = make([]float64, p)
			for ja := range z[jb] {
				a, b := order[ja], order[jb]
				clear(row)
				for _, i := range cl.Neurons {
					v := act(t.A[a][i] + t.B[b][i] + t.C[i])
					if v == 0 {
						continue
					}
					for cc, u := range t.U[i] {
						row[cc] += v * u
					}
				}
				var mean float64
				for _, v := range row {
					mean += v
				}
				z[jb][ja] = row[c] - mean/float64(p)
			}
		}
		maps[ci] = z
	}
	lim := absMax(maps...)
	var plots []*plot.Plot
	var widths []float64
	for ci, cl := range main {
		pl := heat(fmt.Sprintf("cluster k = %d: logit of c = %d", cl.K, c), fmt.Sprintf("%d·a mod %d", cl.K, p), fmt.Sprintf("%d·b mod %d", cl.K, p), maps[ci], Diverging(), -lim, lim)
		plots, widths = append(plots, pl), append(widths, 1)
	}
	plots, widths = append(plots, ColorBar(Diverging(), -lim, lim, "contribution to the logit")), append(widths, 0.06)
	return &Figure{Name: "pizza-logits", Plots: [][]*plot.Plot{plots}, Widths: widths,
		Width: vg.Length(3.7*float64(len(main))+1.2) * vg.Inch, Height: 4.2 * vg.Inch}
}

// PhaseCircles draws each main cluster's neurons on the circle as spokes:
// neuron i at its input phase φ_i, of length its weight w_i = r_i·s_i
// (relative to the cluster's largest). These are the nodes and weights of
// the cluster's quadrature rule (notebook 3): an even spread makes a good
// rule.
func PhaseCircles(fits []mechanism.NeuronFit, clusters []mechanism.Cluster, minSize int) *Figure {
	main := mainClusters(clusters, minSize)
	if len(main) > 4 {
		main = main[:4]
	}
	cols := Palette(len(main))
	var row []*plot.Plot
	for ci, c := range main {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("cluster k = %d: %d neurons", c.K, len(c.Neurons))
		p.HideAxes()
		var circle plotter.XYs
		for i := 0; i <= 200; i++ {
			a := 2 * math.Pi * float64(i) / 200
			circle = append(circle, plotter.XY{X: math.Cos(a), Y: math.Sin(a)})
		}
		cl := NewLine(p, "unit circle", circle)
		cl.Color = grey
		p.Add(cl)
		for _, a := range []float64{0, math.Pi / 2} {
			ax := NewLine(p, "axis", plotter.XYs{{X: -1.1 * math.Cos(a), Y: -1.1 * math.Sin(a)}, {X: 1.1 * math.Cos(a), Y: 1.1 * math.Sin(a)}})
			ax.Color = color.Gray{Y: 220}
			p.Add(ax)
		}
		wmax := 0.0
		for _, i := range c.Neurons {
			wmax = math.Max(wmax, math.Abs(fits[i].R*fits[i].S))
		}
		if wmax == 0 {
			wmax = 1
		}
		spoke := color.NRGBA{}
		if rgba, ok := cols[ci].(color.RGBA); ok {
			spoke = color.NRGBA{R: rgba.R, G: rgba.G, B: rgba.B, A: 0x90}
		}
		var tips plotter.XYs
		for _, i := range c.Neurons {
			f := fits[i]
			w := f.R * f.S / wmax
			tip := plotter.XY{X: w * math.Cos(f.Phi), Y: w * math.Sin(f.Phi)}
			l := NewLine(p, fmt.Sprintf("neuron %d", i), plotter.XYs{{}, tip})
			l.Color = spoke
			l.Width = vg.Points(0.8)
			p.Add(l)
			tips = append(tips, tip)
		}
		s := NewScatter(p, "neuron tips", tips)
		s.GlyphStyle.Color = cols[ci]
		s.GlyphStyle.Radius = vg.Points(1.5)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
		labels, err := plotter.NewLabels(plotter.XYLabels{
			XYs:    []plotter.XY{{X: 1.12, Y: 0}, {X: 0, Y: 1.12}, {X: -1.12, Y: 0}, {X: 0, Y: -1.12}},
			Labels: []string{"0", "π/2", "π", "−π/2"},
		})
		if err != nil { // constant positions: cannot happen
			panic(err)
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].XAlign, labels.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
			labels.TextStyle[i].Font.Size = vg.Points(10)
		}
		labels.TextStyle[0].XAlign, labels.TextStyle[2].XAlign = draw.XLeft, draw.XRight
		p.Add(labels)
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -1.3, 1.3, -1.3, 1.3
		row = append(row, p)
	}
	// Square data areas, so that the circles are round: the height less
	// the title and the padding is each panel's width.
	const h = 3.9
	side := h - 0.36
	return &Figure{Name: "phase-circles", Plots: [][]*plot.Plot{row}, Width: vg.Length(side*float64(len(row))+0.2*float64(len(row)-1)+0.2) * vg.Inch, Height: h * vg.Inch}
}

// QuadratureErrorByAngle plots each cluster's rule error |G(x) − ideal(x)|
// relative to |ideal| = W·a₂/2 against the half-angle x over the circle,
// with the 2p half-angles πj/p that the inputs reach marked: the rule's
// error is not uniform, and its worst value (the table's "model's rule")
// is the highest mark.
func QuadratureErrorByAngle(ks []int, rules []quadrature.Rule, act func(float64) float64, a2 float64, p int) *Figure {
	pl := plot.New()
	pl.Title.Text = "each cluster's rule: error over the half-angle"
	pl.X.Label.Text = "half-angle x = w(a+b)/2 (+π when cos δ < 0)"
	pl.Y.Label.Text = "|G(x) − ideal(x)| / |ideal|"
	pl.X.Min, pl.X.Max = -math.Pi, math.Pi
	pl.X.Tick.Marker = piTicks{}
	pl.Y.Min = 0
	pl.Y.Tick.Marker = niceTicks{n: 5}
	pl.Add(plotter.NewGrid())
	cols := Palette(len(rules))
	lg := NewInset(true, true)
	top := 0.0
	for i, r := range rules {
		total := r.Total()
		rel := func(x float64) float64 {
			id := quadrature.Ideal(total, a2, x)
			d := r.G(act, x) - id
			return math.Hypot(real(d), imag(d)) / math.Hypot(real(id), imag(id))
		}
		var curve, marks plotter.XYs
		for j := 0; j <= 600; j++ {
			x := -math.Pi + 2*math.Pi*float64(j)/600
			curve = append(curve, plotter.XY{X: x, Y: rel(x)})
			top = math.Max(top, curve[len(curve)-1].Y)
		}
		for j := -p; j < p; j++ {
			x := math.Pi * float64(j) / float64(p)
			marks = append(marks, plotter.XY{X: x, Y: rel(x)})
		}
		l := NewLine(pl, fmt.Sprintf("cluster k = %d", ks[i]), curve)
		l.Color = cols[i]
		l.Width = vg.Points(1.2)
		s := NewScatter(pl, fmt.Sprintf("cluster k = %d nodes", ks[i]), marks)
		s.GlyphStyle.Color = cols[i]
		s.GlyphStyle.Radius = vg.Points(1.8)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		pl.Add(l, s)
		lg.Add(fmt.Sprintf("cluster k = %d (%d neurons)", ks[i], len(r.Nodes)), l, s)
	}
	pl.Y.Max = 1.35 * top // room for the legend
	pl.Add(lg)
	return &Figure{Name: "quadrature-error-by-angle", Plots: [][]*plot.Plot{{pl}}, Width: 8 * vg.Inch, Height: 4 * vg.Inch}
}

// CorrectLogitMaps shows, for several models, the logit of the correct
// class (centred over the classes) on the grid s = a + b (mod p) by the
// signed distance d = a − b in (−p/2, p/2), each on its own sequential
// scale with a colour bar. logits[m] is model m's row-major [p², p] table
// (row a·p + b), p odd. A pizza's correct logit varies with a − b (its
// clusters are modulated by |cos(w(a−b)/2)|); a clock's does not.
func CorrectLogitMaps(titles []string, p int, logits [][]float64) (*Figure, error) {
	if p%2 == 0 {
		return nil, fmt.Errorf("figures: the (a+b, a−b) grid needs an odd p, got %d", p)
	}
	inv2, h := (p+1)/2, p/2
	var plots []*plot.Plot
	var widths []float64
	for m, lg := range logits {
		if len(lg) != p*p*p {
			return nil, fmt.Errorf("figures: model %d has %d logits, want p³ = %d", m, len(lg), p*p*p)
		}
		z := make([][]float64, p)
		for r := range z {
			d := ((r-h)%p + p) % p
			z[r] = make([]float64, p)
			for s := range z[r] {
				a := (s + d) * inv2 % p
				b := ((s-d)%p + p) * inv2 % p
				row := lg[(a*p+b)*p : (a*p+b+1)*p]
				var mean float64
				for _, v := range row {
					mean += v
				}
				z[r][s] = row[s] - mean/float64(p)
			}
		}
		lo, hi := span(z)
		cm := Sequential
		if lo < 0 {
			lim := math.Max(-lo, hi)
			lo, hi, cm = -lim, lim, Diverging
		}
		pl := heat(titles[m], "a + b (mod p)", "a − b", z, cm(), lo, hi)
		pl.Y.Tick.Marker = offsetTicks{off: -float64(h)}
		plots = append(plots, pl, ColorBar(cm(), lo, hi, "logit of a + b − mean logit"))
		widths = append(widths, 1, 0.06)
	}
	return &Figure{Name: "correct-logit-maps", Plots: [][]*plot.Plot{plots}, Widths: widths,
		Width: vg.Length(5.2*float64(len(logits))) * vg.Inch, Height: 4.6 * vg.Inch}, nil
}

// FourierEnergy is the 2D Fourier spectrum of the logits over the inputs:
// for each class c the table logit(a, b, c) (centred over the classes) is
// expanded in the products basis_i(a)·basis_j(b) of the real Fourier basis
// of Z_p, and the energy is summed over c and over the cos/sin pairs of each
// frequency pair: share[k_b][k_a] is the share of the total energy at
// frequency k_a in a and k_b in b (0 the constant). logits is the row-major
// [p², p] table (row a·p + b).
func FourierEnergy(p int, logits []float64) ([][]float64, error) {
	if len(logits) != p*p*p {
		return nil, fmt.Errorf("figures: %d logits, want p³ = %d", len(logits), p*p*p)
	}
	basis, err := fourier.NewBasis(p)
	if err != nil {
		return nil, err
	}
	nk := p/2 + 1
	energy := make([][]float64, nk) // [k_b][k_a]
	for i := range energy {
		energy[i] = make([]float64, nk)
	}
	t := make([][]float64, p)
	for a := range t {
		t[a] = make([]float64, p)
	}
	var total float64
	for c := 0; c < p; c++ {
		for a := 0; a < p; a++ {
			for b := 0; b < p; b++ {
				row := logits[(a*p+b)*p : (a*p+b+1)*p]
				var mean float64
				for _, v := range row {
					mean += v
				}
				t[a][b] = row[c] - mean/float64(p)
			}
		}
		for i, r := range basis.Transform2D(t) {
			for j, v := range r {
				energy[basis.Freq[j]][basis.Freq[i]] += v * v
				total += v * v
			}
		}
	}
	if total > 0 {
		for _, r := range energy {
			for i := range r {
				r[i] /= total
			}
		}
	}
	return energy, nil
}

// FourierLogits shows FourierEnergy on a log colour scale. A model that
// adds with a few frequencies puts its energy on a few diagonal cells
// (k, k), the products cos(w a)cos(w b) ± sin(w a)sin(w b) of cos(w(a+b−c)).
func FourierLogits(title string, p int, logits []float64) (*Figure, error) {
	energy, err := FourierEnergy(p, logits)
	if err != nil {
		return nil, err
	}
	nk := len(energy)
	const floor = -6
	z := make([][]float64, nk)
	for kb := range z {
		z[kb] = make([]float64, nk)
		for ka := range z[kb] {
			z[kb][ka] = floor
			if energy[kb][ka] > 0 {
				z[kb][ka] = math.Max(floor, math.Log10(energy[kb][ka]))
			}
		}
	}
	pl := heat(title, "frequency of a (0: constant)", "frequency of b (0: constant)", z, Sequential(), floor, 0)
	return &Figure{Name: "fourier-logits", Plots: [][]*plot.Plot{{pl, ColorBar(Sequential(), floor, 0, "log₁₀ share of the energy")}},
		Widths: []float64{1, 0.06}, Width: 6.6 * vg.Inch, Height: 5.6 * vg.Inch}, nil
}
