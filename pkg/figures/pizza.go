package figures

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/mechanism"
)

// EmbeddingSpectrum shows the share of the embedding's energy at each
// frequency (summed over the d_model directions): a handful of key
// frequencies carry it.
func EmbeddingSpectrum(WE checkpoint.Tensor) *Figure {
	p, d := WE.Shape[0], WE.Shape[1]
	cols := make([][]float64, d)
	for j := range cols {
		cols[j] = make([]float64, p)
		for i := range cols[j] {
			cols[j][i] = WE.Data[i*d+j]
		}
	}
	var ks []int
	var vs []float64
	for _, k := range fourier.KeyFrequencies(cols, 0) {
		ks, vs = append(ks, k.K), append(vs, k.Fraction)
	}
	return Row("embedding-spectrum", Bars("Fourier energy of the embedding W_E", "frequency k", "share of energy", ks, vs, TrainColor))
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
// the difference.
func PreActivation(t *circuit.Tables, f mechanism.NeuronFit) *Figure {
	p := t.P
	actual, fit, diff := make([][]float64, p), make([][]float64, p), make([][]float64, p)
	wa := fourier.Wave{K: f.K, R: f.RA, Phase: f.PhiA}
	wb := fourier.Wave{K: f.K, R: f.RB, Phase: f.PhiB}
	for b := 0; b < p; b++ { // rows: b, columns: a
		actual[b], fit[b], diff[b] = make([]float64, p), make([]float64, p), make([]float64, p)
		for a := 0; a < p; a++ {
			actual[b][a] = t.A[a][f.Index] + t.B[b][f.Index] + t.C[f.Index]
			fit[b][a] = f.Offset + wa.Eval(a, p) + wb.Eval(b, p)
			diff[b][a] = actual[b][a] - fit[b][a]
		}
	}
	lim := 0.0
	for _, r := range actual {
		for _, v := range r {
			lim = math.Max(lim, math.Abs(v))
		}
	}
	return Row(fmt.Sprintf("neuron-%d-preactivation", f.Index),
		Heatmap(fmt.Sprintf("neuron %d (k = %d): pre-activation", f.Index, f.K), "a", "b", actual, lim),
		Heatmap("single-frequency fit", "a", "b", fit, lim),
		Heatmap("actual − fit", "a", "b", diff, 0))
}

// PhaseDoubling plots each neuron's output phase ψ against its input phase
// φ, one colour per main cluster; phase doubling puts them on ψ = 2φ
// (wrapped to (−π, π], drawn in grey).
func PhaseDoubling(fits []mechanism.NeuronFit, clusters []mechanism.Cluster, minSize int) *Figure {
	var names []string
	var groups []plotter.XYs
	var ideal plotter.XYs
	for x := -math.Pi; x <= math.Pi; x += math.Pi / 200 {
		ideal = append(ideal, plotter.XY{X: x, Y: mechanism.Wrap(2 * x)})
	}
	names, groups = append(names, "ψ = 2φ"), append(groups, ideal)
	for _, c := range clusters {
		if len(c.Neurons) < minSize {
			continue
		}
		var g plotter.XYs
		for _, i := range c.Neurons {
			g = append(g, plotter.XY{X: fits[i].Phi, Y: fits[i].Psi})
		}
		names, groups = append(names, fmt.Sprintf("k = %d", c.K)), append(groups, g)
	}
	p := Scatter("phase doubling: output phase against input phase", "input phase φ = (φA + φB)/2", "output phase ψ", names, groups)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -math.Pi, math.Pi, -math.Pi, math.Pi
	p.Legend.Top = true
	return Row("phase-doubling", p)
}

// IdealVsActual shows the MLP's logit for the correct class (centred over
// the classes) against the ideal pizza logits, on the grid s = a + b,
// d = a − b (mod p; p must be odd so that (s, d) determines (a, b)).
func IdealVsActual(t *circuit.Tables, fits []mechanism.NeuronFit, clusters []mechanism.Cluster) (*Figure, error) {
	p := t.P
	if p%2 == 0 {
		return nil, fmt.Errorf("figures: the (a+b, a−b) grid needs an odd p, got %d", p)
	}
	act := circuit.Activation(t.Act)
	profiles := make([][]float64, len(clusters))
	for ci, c := range clusters {
		profiles[ci] = mechanism.Profile(t.Act, p, c, fits)
	}
	inv2 := (p + 1) / 2
	actual, ideal := make([][]float64, p), make([][]float64, p)
	row := make([]float64, p)
	for d := 0; d < p; d++ { // rows: d, columns: s
		actual[d], ideal[d] = make([]float64, p), make([]float64, p)
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
			actual[d][s] = row[s] - mean/float64(p)
			for ci, c := range clusters {
				ideal[d][s] += mechanism.IdealCluster(p, c.K, profiles[ci], a, b, s)
			}
		}
	}
	lim := 0.0
	for d := range actual {
		for s := range actual[d] {
			lim = math.Max(lim, math.Max(math.Abs(actual[d][s]), math.Abs(ideal[d][s])))
		}
	}
	return Row("ideal-vs-actual",
		Heatmap("MLP logit of the correct class", "a + b (mod p)", "a − b (mod p)", actual, lim),
		Heatmap("ideal pizza logit", "a + b (mod p)", "a − b (mod p)", ideal, lim)), nil
}
