package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/mechanism"
)

// activation is the folded model's activation function.
func activation(t *circuit.Tables) func(float64) float64 { return t.Act.Func() }

// fold maps a frequency to its representative in 0..p/2 (k and p − k are
// the same real frequency).
func fold(k, p int) int {
	k = ((k % p) + p) % p
	return min(k, p-k)
}

// EmbeddingSpectrum shows the share of the embedding's energy at each
// frequency (summed over the d_model directions): a handful of key
// frequencies carry it. Given the clusters' frequencies, it colours them and
// their doubles 2k (folded to 0..p/2) apart from the rest.
func EmbeddingSpectrum(WE checkpoint.Tensor, clusters ...int) *Figure {
	p := WE.Shape[0]
	cols := WE.Columns()
	share := make([]float64, p/2+1)
	for _, k := range fourier.KeyFrequencies(cols, 0) {
		share[k.K] = k.Fraction
	}
	kind := make([]int, p/2+1) // 0 other, 1 a cluster's k, 2 a cluster's 2k
	for _, k := range clusters {
		if k2 := fold(2*k, p); kind[k2] == 0 {
			kind[k2] = 2
		}
	}
	for _, k := range clusters {
		kind[fold(k, p)] = 1
	}
	var ks []int
	var vs []float64
	for k := 1; k <= p/2; k++ {
		ks, vs = append(ks, k), append(vs, share[k])
	}
	pl := Bars("Fourier energy of the token embedding", "frequency k", "share of the embedding's energy", ks, vs, AllColor)
	if len(clusters) > 0 {
		var lines [3]*plotter.Line
		for k := 1; k <= p/2; k++ {
			if kind[k] == 0 {
				continue
			}
			col := TrainColor
			if kind[k] == 2 {
				col = HeldoutColor
			}
			lines[kind[k]] = addBar(pl, float64(k), share[k], col)
		}
		lg := NewInset(true, true)
		for i, name := range []string{"", "a cluster's frequency k", "2k mod p (folded) of a cluster's k"} {
			if lines[i] != nil {
				lg.Add(name, lines[i])
			}
		}
		pl.Add(lg)
		pl.Y.Max *= 1.3 // room for the legend above the bars
	}
	return Row("embedding-spectrum", pl)
}

// NeuronFrequencies is the histogram of the neurons' frequencies.
func NeuronFrequencies(p int, fits []mechanism.NeuronFit) *Figure {
	count := make([]float64, p/2+1)
	for _, f := range fits {
		count[f.K]++
	}
	var ks []int
	var vs []float64
	for k := 1; k <= p/2; k++ {
		ks, vs = append(ks, k), append(vs, count[k])
	}
	return Row("neuron-frequencies", Bars("neurons by frequency", "frequency k", "neurons", ks, vs, HeldoutColor))
}

// PreActivation shows neuron i's pre-activation over (a, b), its
// single-frequency fit α + β + c + rA cos(wa + φA) + rB cos(wb + φB), and
// the difference, with both axes ordered by k·x mod p (ByFrequency): in the
// natural order a wave of frequency k is a moiré, in this order the fit is
// a smooth plaid of two cosines.
func PreActivation(t *circuit.Tables, f mechanism.NeuronFit) *Figure {
	p := t.P
	order := ByFrequency(p, f.K)
	actual, fit, diff := make([][]float64, p), make([][]float64, p), make([][]float64, p)
	wa := fourier.Wave{K: f.K, R: f.RA, Phase: f.PhiA}
	wb := fourier.Wave{K: f.K, R: f.RB, Phase: f.PhiB}
	for jb := 0; jb < p; jb++ { // rows: b, columns: a
		b := order[jb]
		actual[jb], fit[jb], diff[jb] = make([]float64, p), make([]float64, p), make([]float64, p)
		for ja := 0; ja < p; ja++ {
			a := order[ja]
			actual[jb][ja] = t.A[a][f.Index] + t.B[b][f.Index] + t.C[f.Index]
			fit[jb][ja] = f.Offset + wa.Eval(a, p) + wb.Eval(b, p)
			diff[jb][ja] = actual[jb][ja] - fit[jb][ja]
		}
	}
	lim, dlim := absMax(actual, fit), absMax(diff)
	xl, yl := fmt.Sprintf("%d·a mod %d", f.K, p), fmt.Sprintf("%d·b mod %d", f.K, p)
	return &Figure{Name: fmt.Sprintf("neuron-%d-preactivation", f.Index), Plots: [][]*plot.Plot{{
		heat(fmt.Sprintf("neuron %d (k = %d): pre-activation", f.Index, f.K), xl, yl, actual, Diverging(), -lim, lim),
		heat("its single-frequency fit", xl, yl, fit, Diverging(), -lim, lim),
		ColorBar(Diverging(), -lim, lim, "pre-activation"),
		heat("actual − fit (own scale)", xl, yl, diff, Diverging(), -dlim, dlim),
		ColorBar(Diverging(), -dlim, dlim, "actual − fit"),
	}}, Widths: []float64{1, 1, 0.06, 1, 0.06}, Width: 14 * vg.Inch, Height: 4.4 * vg.Inch}
}

// mainClusters keeps the clusters of at least minSize neurons.
func mainClusters(clusters []mechanism.Cluster, minSize int) []mechanism.Cluster {
	var out []mechanism.Cluster
	for _, c := range clusters {
		if len(c.Neurons) >= minSize {
			out = append(out, c)
		}
	}
	return out
}

// phaseLine is ψ = 2φ wrapped to (−π, π] as line segments, broken at the
// wraps (one polyline would draw the jumps as vertical lines).
func phaseLine(p *plot.Plot) *plotter.Line {
	var first *plotter.Line
	// Each piece with its own shift of 2φ back into (−π, π].
	for _, seg := range [][3]float64{{-math.Pi, -math.Pi / 2, 2 * math.Pi}, {-math.Pi / 2, math.Pi / 2, 0}, {math.Pi / 2, math.Pi, -2 * math.Pi}} {
		var xy plotter.XYs
		for i := 0; i <= 50; i++ {
			x := seg[0] + (seg[1]-seg[0])*float64(i)/50
			xy = append(xy, plotter.XY{X: x, Y: 2*x + seg[2]})
		}
		l := NewLine(p, "ψ = 2φ", xy)
		l.Color = AllColor
		l.Width = vg.Points(1)
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		p.Add(l)
		if first == nil {
			first = l
		}
	}
	return first
}

// PhaseDoubling plots each neuron's output phase ψ against its input phase
// φ, one panel per main cluster (they would hide each other on one); phase
// doubling puts them on the dashed line ψ = 2φ (wrapped to (−π, π]).
func PhaseDoubling(fits []mechanism.NeuronFit, clusters []mechanism.Cluster, minSize int) *Figure {
	main := mainClusters(clusters, minSize)
	if len(main) == 0 {
		main = clusters
	}
	if len(main) > 4 {
		main = main[:4]
	}
	cols := Palette(len(main))
	var row []*plot.Plot
	for ci, c := range main {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("cluster k = %d (%d neurons)", c.K, len(c.Neurons))
		p.X.Label.Text = "input phase φ = (φA + φB)/2"
		if ci == 0 {
			p.Y.Label.Text = "output phase ψ"
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -math.Pi, math.Pi, -math.Pi, math.Pi
		p.X.Tick.Marker, p.Y.Tick.Marker = piTicks{}, piTicks{}
		p.Add(plotter.NewGrid())
		line := phaseLine(p)
		var g plotter.XYs
		for _, i := range c.Neurons {
			g = append(g, plotter.XY{X: fits[i].Phi, Y: fits[i].Psi})
		}
		s := NewScatter(p, fmt.Sprintf("cluster k = %d", c.K), g)
		s.GlyphStyle.Color = cols[ci]
		s.GlyphStyle.Radius = vg.Points(2)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
		if ci == 0 {
			lg := NewInset(true, true)
			lg.Add("ψ = 2φ", line)
			lg.Add("one neuron", s)
			p.Add(lg)
		}
		row = append(row, p)
	}
	return &Figure{Name: "phase-doubling", Plots: [][]*plot.Plot{row}, Width: vg.Length(3.6*float64(len(row))+0.4) * vg.Inch, Height: 3.9 * vg.Inch}
}

// IdealVsActual shows the MLP's logit for the correct class (centred over
// the classes) against the ideal pizza logits, on the grid s = a + b (mod
// p) and the signed distance d = a − b in (−p/2, p/2), on one sequential
// colour scale (both are positive: the correct class wins). p must be odd
// so that (s, d) determines (a, b).
func IdealVsActual(t *circuit.Tables, fits []mechanism.NeuronFit, clusters []mechanism.Cluster) (*Figure, error) {
	p := t.P
	if p%2 == 0 {
		return nil, fmt.Errorf("figures: the (a+b, a−b) grid needs an odd p, got %d", p)
	}
	act := activation(t)
	profiles := make([][]float64, len(clusters))
	for ci, c := range clusters {
		profiles[ci] = mechanism.Profile(t.Act, p, c, fits)
	}
	inv2 := (p + 1) / 2
	h := p / 2
	actual, ideal := make([][]float64, p), make([][]float64, p)
	row := make([]float64, p)
	for r := 0; r < p; r++ { // rows: d = r − h, columns: s
		d := ((r-h)%p + p) % p
		actual[r], ideal[r] = make([]float64, p), make([]float64, p)
		for s := 0; s < p; s++ {
			a := (s + d) * inv2 % p
			b := ((s-d)%p + p) * inv2 % p
			clear(row)
			for i, u := range t.Pre(a, b) {
				if v := act(u); v != 0 {
					for c, uc := range t.U[i] {
						row[c] += v * uc
					}
				}
			}
			var mean float64
			for _, v := range row {
				mean += v
			}
			actual[r][s] = row[s] - mean/float64(p)
			for ci, c := range clusters {
				ideal[r][s] += mechanism.IdealCluster(p, c.K, profiles[ci], a, b, s)
			}
		}
	}
	lo, hi := span(actual, ideal)
	cm := Sequential
	if lo < 0 {
		lim := math.Max(-lo, hi)
		lo, hi, cm = -lim, lim, Diverging
	}
	hm := func(title string, z [][]float64) *plot.Plot {
		pl := heat(title, "a + b (mod p)", "a − b", z, cm(), lo, hi)
		pl.Y.Tick.Marker = offsetTicks{off: -float64(h)}
		return pl
	}
	return &Figure{Name: "ideal-vs-actual", Plots: [][]*plot.Plot{{
		hm("MLP logit of the correct class", actual),
		hm("ideal pizza logit", ideal),
		ColorBar(cm(), lo, hi, "logit (centred over the classes)"),
	}}, Widths: []float64{1, 1, 0.06}, Width: 11 * vg.Inch, Height: 4.8 * vg.Inch}, nil
}

// offsetTicks labels grid row r with r + off (integer steps as intTicks).
type offsetTicks struct{ off float64 }

// Ticks implements plot.Ticker.
func (o offsetTicks) Ticks(min, max float64) []plot.Tick {
	ts := intTicks{}.Ticks(min+o.off, max+o.off)
	for i := range ts {
		ts[i].Value -= o.off
	}
	return ts
}

// grey is a light grey for reference lines.
var grey = color.Gray{Y: 150}
