// Package mechanism measures the pizza mechanism (MECHANISM.md §3–4) on a
// folded model: each neuron's single-frequency fit, the clusters of neurons
// sharing a frequency, the phase relation between input and output, and the
// ideal "pizza" logits that the clusters would compute with perfectly even
// phases.
//
// Neuron i is expected to be single-frequency at some k = k_i, w = 2πk/p:
//
//	A_i(a) ≈ α_i + r_i cos(w a + φA_i),  B_i(b) ≈ β_i + r'_i cos(w b + φB_i),
//	U_i(c) ≈ u_i + s_i cos(w c + ψ_i),
//
// so that, by sum-to-product with φ = (φA + φB)/2 and δ = w(a−b)/2,
// pre_i ≈ 2r cos δ cos(w(a+b)/2 + φ) + offset, and "phase doubling" says
// ψ_i ≈ 2φ_i. Summing the activations over a cluster whose phases spread
// evenly is a Riemann sum of ∫ act(A cos u) cos(2u + ψ) du = π a₂(A) cos ψ
// (a₂(A) the cos 2u coefficient of act(A cos u)), which gives the ideal
//
//	MLP_k(a, b, c) = g_k(a−b) cos(w(a+b−c)),  g_k(d) = Σ_{i∈k} s_i a₂(2 r_i |cos(wd/2)|)/2,
//
// for ReLU: κ₂ W_k |cos(w(a−b)/2)| cos(w(a+b−c)), κ₂ = 2/(3π), W_k = Σ r_i s_i.
package mechanism

import (
	"math"
	"sort"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/fourier"
)

// NeuronFit is the single-frequency description of one neuron.
type NeuronFit struct {
	Index int `json:"index"`
	// K is the neuron's frequency: the k maximising the energy of A_i and
	// B_i together. KA, KB, KU are each table's own dominant frequency.
	K          int `json:"k"`
	KA, KB, KU int `json:"-"`
	// Means and the waves at frequency K.
	Alpha, Beta, U0 float64 `json:"-"`
	RA, PhiA        float64 `json:"-"`
	RB, PhiB        float64 `json:"-"`
	S, Psi          float64 `json:"-"`
	// FVE of each table (variance about its mean) explained by frequency K.
	FVEA, FVEB, FVEU float64 `json:"-"`
	// ResA, ResB, ResU are the largest pointwise residuals of the fit
	// mean + wave at K.
	ResA, ResB, ResU float64 `json:"-"`
	// R = (RA+RB)/2 and Phi the circular mean of PhiA and PhiB.
	R, Phi float64 `json:"-"`
	// Offset is c_i + α_i + β_i: the constant part of the pre-activation.
	Offset float64 `json:"-"`
	// PhaseDoubling is ψ − 2φ wrapped to (−π, π].
	PhaseDoubling float64 `json:"-"`
}

// Cluster is a set of neurons sharing a frequency.
type Cluster struct {
	K       int   `json:"frequency"`
	Neurons []int `json:"neurons"`
	// FVE is the fraction of the cluster's A and B variance at frequency K.
	FVE float64 `json:"fve"`
	// W is Σ r_i s_i, the weight of the cluster's ideal output.
	W float64 `json:"weight"`
	// MedianPhaseDoubling is the median |ψ − 2φ| in the cluster (radians).
	MedianPhaseDoubling float64 `json:"median_phase_doubling_error"`
}

// MinMainSize is the smallest cluster of an m-neuron MLP that counts as a
// main cluster: 2% of the neurons, m/50 rounded down, at least 1. Smaller
// clusters are too few neurons to form a quadrature rule of their own; the
// analysis reports them apart and the proofs bound them as strays.
func MinMainSize(m int) int { return max(1, m/50) }

// IsMain reports whether c is a main cluster of an m-neuron MLP.
func (c Cluster) IsMain(m int) bool { return len(c.Neurons) >= MinMainSize(m) }

// Wrap maps an angle to (−π, π].
func Wrap(x float64) float64 {
	x = math.Mod(x+math.Pi, 2*math.Pi)
	if x <= 0 {
		x += 2 * math.Pi
	}
	return x - math.Pi
}

func column(m [][]float64, j int) []float64 {
	out := make([]float64, len(m))
	for i := range m {
		out[i] = m[i][j]
	}
	return out
}

// residual is the largest |f(x) − mean − wave(x)|.
func residual(f []float64, s fourier.Spectrum, w fourier.Wave) float64 {
	r := 0.0
	for x, v := range f {
		r = math.Max(r, math.Abs(v-s.Mean-w.Eval(x, len(f))))
	}
	return r
}

// FitNeurons fits every neuron of the folded model.
func FitNeurons(t *circuit.Tables) []NeuronFit {
	fits := make([]NeuronFit, t.M)
	for i := range fits {
		a, b, u := column(t.A, i), column(t.B, i), t.U[i]
		sa, sb, su := fourier.Analyze(a), fourier.Analyze(b), fourier.Analyze(u)
		k, best := 1, -1.0
		for kk := 1; kk <= t.P/2; kk++ {
			if e := sa.Energy(kk) + sb.Energy(kk); e > best {
				k, best = kk, e
			}
		}
		wa, wb, wu := sa.Waves[k-1], sb.Waves[k-1], su.Waves[k-1]
		f := NeuronFit{Index: i, K: k, KA: sa.Dominant().K, KB: sb.Dominant().K, KU: su.Dominant().K,
			Alpha: sa.Mean, Beta: sb.Mean, U0: su.Mean,
			RA: wa.R, PhiA: wa.Phase, RB: wb.R, PhiB: wb.Phase, S: wu.R, Psi: wu.Phase,
			FVEA: sa.FVE(k), FVEB: sb.FVE(k), FVEU: su.FVE(k),
			ResA: residual(a, sa, wa), ResB: residual(b, sb, wb), ResU: residual(u, su, wu),
		}
		f.R = (f.RA + f.RB) / 2
		f.Phi = Wrap(f.PhiA + Wrap(f.PhiB-f.PhiA)/2)
		f.Offset = t.C[i] + f.Alpha + f.Beta
		f.PhaseDoubling = Wrap(f.Psi - 2*f.Phi)
		fits[i] = f
	}
	return fits
}

// Clusters groups the neurons by frequency, largest cluster first.
func Clusters(t *circuit.Tables, fits []NeuronFit) []Cluster {
	byK := map[int][]int{}
	for _, f := range fits {
		byK[f.K] = append(byK[f.K], f.Index)
	}
	var out []Cluster
	for k, ns := range byK {
		c := Cluster{K: k, Neurons: ns}
		var num, den float64
		var pd []float64
		for _, i := range ns {
			f := fits[i]
			sa, sb := fourier.Analyze(column(t.A, i)), fourier.Analyze(column(t.B, i))
			num += sa.Energy(k) + sb.Energy(k)
			den += sa.Var + sb.Var
			c.W += f.R * f.S
			pd = append(pd, math.Abs(f.PhaseDoubling))
		}
		if den > 0 {
			c.FVE = num / den
		}
		c.MedianPhaseDoubling = Median(pd)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Neurons) != len(out[j].Neurons) {
			return len(out[i].Neurons) > len(out[j].Neurons)
		}
		return out[i].K < out[j].K
	})
	return out
}

// Median is the median of x (NaN for an empty x).
func Median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return medianInPlace(append([]float64(nil), x...))
}

// medianInPlace is Median of y, reordering y.
func medianInPlace(y []float64) float64 {
	if len(y) == 0 {
		return math.NaN()
	}
	for _, v := range y {
		if v != v { // NaN: order as sort.Float64s does (first)
			sort.Float64s(y)
			if len(y)%2 == 1 {
				return y[len(y)/2]
			}
			return (y[len(y)/2-1] + y[len(y)/2]) / 2
		}
	}
	// Quickselect: the order statistics without sorting (proofs take a
	// median per neuron).
	n := len(y)
	hi := nthSmallest(y, n/2)
	if n%2 == 1 {
		return hi
	}
	lo := y[0] // y[:n/2] now holds the n/2 smallest
	for _, v := range y[1 : n/2] {
		lo = max(lo, v)
	}
	return (lo + hi) / 2
}

// nthSmallest reorders y (no NaN) so that y[k] is its k-th smallest value,
// with no larger value before it and no smaller after, and returns y[k].
func nthSmallest(y []float64, k int) float64 {
	lo, hi := 0, len(y)-1
	for lo < hi {
		pivot := y[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for y[i] < pivot {
				i++
			}
			for y[j] > pivot {
				j--
			}
			if i <= j {
				y[i], y[j] = y[j], y[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return y[k]
		}
	}
	return y[k]
}

// HalfAngle is |cos(πkd/p)| = |cos(w d/2)|, w = 2πk/p: the factor by
// which the distance d = a − b scales the pre-activation amplitude of a
// cluster of frequency k (2r_i·HalfAngle), and so its vote (Profile).
func HalfAngle(k, d, p int) float64 {
	return math.Abs(math.Cos(math.Pi * float64(k*d) / float64(p)))
}

// Profile is a cluster's ideal output amplitude as a function of the
// distance d = a − b (mod p): with neuron i's pre-activation amplitude
// A_i(d) = 2 r_i |cos(πkd/p)| and the Riemann sum over its phase,
//
//	g[d] = Σ_{i∈k} s_i · a₂(A_i(d)) / 2,
//
// which for ReLU is κ₂ W |cos(πkd/p)| with κ₂ = 2/(3π) and W = Σ r_i s_i.
func Profile(act config.Activation, p int, c Cluster, fits []NeuronFit) []float64 {
	a2 := act.A2
	g := make([]float64, p)
	for d := range g {
		cd := HalfAngle(c.K, d, p)
		for _, i := range c.Neurons {
			g[d] += fits[i].S * a2(2*fits[i].R*cd) / 2
		}
	}
	return g
}

// IdealCluster is the cluster's ideal contribution to logit c at (a, b):
// g[(a − b) mod p] · cos(w(a + b − c)), g from Profile.
func IdealCluster(p, k int, g []float64, a, b, c int) float64 {
	d := ((a-b)%p + p) % p
	return g[d] * fourier.Cos(k, a+b-c, p)
}

// Agreement compares an actual logit contribution (centred over c) with its
// ideal over all p² inputs and p outputs.
type Agreement struct {
	K int `json:"frequency"` // 0 for the total over clusters
	// FVE is 1 − Σ(actual − ideal)² / Σ actual².
	FVE     float64 `json:"fve"`
	MaxErr  float64 `json:"max_error"`
	MeanErr float64 `json:"mean_abs_error"`
	// Scale is the largest |actual| value, for reading the errors.
	Scale float64 `json:"max_abs_actual"`
}

// CompareIdeal evaluates, for each cluster and for their total, the MLP's
// actual contribution to the logits (Σ_{i∈k} act(pre_i) U[i][c], centred
// over c) against the ideal pizza logits.
func CompareIdeal(t *circuit.Tables, fits []NeuronFit, clusters []Cluster) (per []Agreement, total Agreement) {
	p := t.P
	profiles := make([][]float64, len(clusters))
	for ci, c := range clusters {
		profiles[ci] = Profile(t.Act, p, c, fits)
	}
	act := t.Act.Func()
	accs := make([]tally, len(clusters)+1)
	clusterOf := make([]int, t.M)
	for ci, c := range clusters {
		for _, i := range c.Neurons {
			clusterOf[i] = ci
		}
	}
	actual := make([][]float64, len(clusters)+1)
	for i := range actual {
		actual[i] = make([]float64, p)
	}
	ideal := make([]float64, p)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			for i := range actual {
				clear(actual[i])
			}
			for i, u := range t.Pre(a, b) {
				v := act(u)
				if v == 0 {
					continue
				}
				row := actual[clusterOf[i]]
				for c, uc := range t.U[i] {
					row[c] += v * uc
				}
			}
			tot := actual[len(clusters)]
			for ci := range clusters {
				for c := range tot {
					tot[c] += actual[ci][c]
				}
			}
			for _, row := range actual {
				Centre(row)
			}
			clear(ideal)
			for ci, cl := range clusters {
				for c := 0; c < p; c++ {
					v := IdealCluster(p, cl.K, profiles[ci], a, b, c)
					ideal[c] += v
					accs[ci].add(actual[ci][c], v)
				}
			}
			for c := 0; c < p; c++ {
				accs[len(clusters)].add(tot[c], ideal[c])
			}
		}
	}
	n := float64(p * p * p)
	mk := func(k int, x tally) Agreement {
		return Agreement{K: k, FVE: 1 - x.res2/x.act2, MaxErr: x.maxErr, MeanErr: x.sumErr / n, Scale: x.scale}
	}
	for ci, cl := range clusters {
		per = append(per, mk(cl.K, accs[ci]))
	}
	return per, mk(0, accs[len(clusters)])
}

type tally struct{ res2, act2, maxErr, sumErr, scale float64 }

func (x *tally) add(actual, ideal float64) {
	d := math.Abs(actual - ideal)
	x.res2 += d * d
	x.act2 += actual * actual
	x.maxErr = math.Max(x.maxErr, d)
	x.sumErr += d
	x.scale = math.Max(x.scale, math.Abs(actual))
}

// Centre subtracts the mean of row from each entry.
func Centre(row []float64) {
	var mean float64
	for _, v := range row {
		mean += v
	}
	mean /= float64(len(row))
	for c := range row {
		row[c] -= mean
	}
}
