package analysis

import (
	"fmt"
	"math"
	"strings"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/measures"
	"github.com/modadd/modadd/pkg/mechanism"
)

// Secondary splits the gap between the MLP's actual output and the ideal
// pizza logits into its parts, by a chain of models of every neuron, each
// one idealising one more thing (all outputs centred over c, relative RMS
// over all (a, b, c), per cluster and in total):
//
//	actual      the network's A, B, c, U
//	fitted      A, B, U replaced by their single-frequency fits (mean + one
//	            wave): the difference is the secondary Fourier components
//	unshifted   fitted, with the constant offset c + α + β removed from the
//	            pre-activation: the difference is the shifted ReLU threshold
//	symmetric   rA = rB = r, φA = φB = φ, ψ = 2φ: the difference is the
//	            amplitude and phase mismatch; this is the quadrature
//	integral    infinite width: the difference is the harmonics 4, 6, ... of
//	            act(cos u) leaking through the uneven phases
//
// The four differences telescope to actual − integral.
type Secondary struct {
	Parts []SecondaryPart `json:"parts"`
	// CorrectLogitSpread is, for the correct class, the standard deviation
	// over the distance d = a − b of the total (all clusters) output
	// averaged over a + b: the ideal's |cos(w_k d/2)| factors make it vary
	// with d, the actual clusters compensate each other.
	CorrectLogitSpreadIdeal  float64 `json:"correct_logit_spread_ideal"`
	CorrectLogitSpreadActual float64 `json:"correct_logit_spread_actual"`
}

// SecondaryPart is one link of the chain.
type SecondaryPart struct {
	Name       string    `json:"name"`
	PerCluster []float64 `json:"per_cluster"` // relative RMS, in the order of Integration.Clusters
	Total      float64   `json:"total"`
}

// neuronModel returns the pre-activation and output weights of neuron i
// under one idealisation level (0 actual ... 3 symmetric).
func neuronModel(t *circuit.Tables, f mechanism.NeuronFit, level int) (pre func(a, b int) float64, u func(c int) float64) {
	p, i := t.P, f.Index
	if level == 0 {
		return func(a, b int) float64 { return t.A[a][i] + t.B[b][i] + t.C[i] }, func(c int) float64 { return t.U[i][c] }
	}
	wa := fourier.Wave{K: f.K, R: f.RA, Phase: f.PhiA}
	wb := fourier.Wave{K: f.K, R: f.RB, Phase: f.PhiB}
	wu := fourier.Wave{K: f.K, R: f.S, Phase: f.Psi}
	off := f.Offset
	if level >= 2 {
		off = 0
	}
	if level >= 3 {
		wa = fourier.Wave{K: f.K, R: f.R, Phase: f.Phi}
		wb = wa
		wu = fourier.Wave{K: f.K, R: f.S, Phase: mechanism.Wrap(2 * f.Phi)}
	}
	return func(a, b int) float64 { return off + wa.Eval(a, p) + wb.Eval(b, p) },
		func(c int) float64 { return f.U0 + wu.Eval(c, p) }
}

// SecondaryParts computes the chain for the given clusters.
func SecondaryParts(t *circuit.Tables, fits []mechanism.NeuronFit, clusters []mechanism.Cluster) *Secondary {
	p := t.P
	act := t.Act.Func()
	nc := len(clusters)
	const levels = 5 // actual, fitted, unshifted, symmetric, integral
	// out[level][cluster] is the centred output for the current (a, b).
	out := make([][][]float64, levels)
	for l := range out {
		out[l] = make([][]float64, nc+1)
		for ci := range out[l] {
			out[l][ci] = make([]float64, p)
		}
	}
	type neuron struct {
		pre func(a, b int) float64
		u   []float64
	}
	models := make([][][]neuron, levels-1) // [level][cluster][neuron]
	for l := 0; l < levels-1; l++ {
		models[l] = make([][]neuron, nc)
		for ci, c := range clusters {
			for _, i := range c.Neurons {
				pre, u := neuronModel(t, fits[i], l)
				us := make([]float64, p)
				for cc := range us {
					us[cc] = u(cc)
				}
				models[l][ci] = append(models[l][ci], neuron{pre, us})
			}
		}
	}
	profiles := make([][]float64, nc)
	for ci, c := range clusters {
		profiles[ci] = mechanism.Profile(t.Act, p, c, fits)
	}
	diff2 := make([][]float64, levels-1) // [link][cluster or total]
	for l := range diff2 {
		diff2[l] = make([]float64, nc+1)
	}
	norm2 := make([]float64, nc+1)
	// Correct-class totals by distance d, summed over s = a + b.
	byD := [2][]float64{make([]float64, p), make([]float64, p)}
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			for l := 0; l < levels; l++ {
				for ci := range out[l] {
					clear(out[l][ci])
				}
				for ci, cl := range clusters {
					row := out[l][ci]
					if l == levels-1 {
						for c := 0; c < p; c++ {
							row[c] = mechanism.IdealCluster(p, cl.K, profiles[ci], a, b, c)
						}
					} else {
						for _, n := range models[l][ci] {
							if v := act(n.pre(a, b)); v != 0 {
								for c, uc := range n.u {
									row[c] += v * uc
								}
							}
						}
						mechanism.Centre(row)
					}
					for c := 0; c < p; c++ {
						out[l][nc][c] += row[c]
					}
				}
			}
			for ci := 0; ci <= nc; ci++ {
				for c := 0; c < p; c++ {
					norm2[ci] += out[0][ci][c] * out[0][ci][c]
					for l := 0; l < levels-1; l++ {
						d := out[l][ci][c] - out[l+1][ci][c]
						diff2[l][ci] += d * d
					}
				}
			}
			d := ((a-b)%p + p) % p
			s := (a + b) % p
			byD[0][d] += out[0][nc][s] / float64(p)
			byD[1][d] += out[levels-1][nc][s] / float64(p)
		}
	}
	names := []string{"secondary Fourier components of A, B, U", "offset inside the activation", "amplitude and phase mismatch (rA≠rB, φA≠φB, ψ≠2φ)", "harmonics leaking through uneven phases (quadrature error)"}
	sec := &Secondary{CorrectLogitSpreadActual: measures.Std(byD[0]), CorrectLogitSpreadIdeal: measures.Std(byD[1])}
	for l, name := range names {
		part := SecondaryPart{Name: name, Total: math.Sqrt(diff2[l][nc] / norm2[nc])}
		for ci := 0; ci < nc; ci++ {
			part.PerCluster = append(part.PerCluster, math.Sqrt(diff2[l][ci]/norm2[ci]))
		}
		sec.Parts = append(sec.Parts, part)
	}
	return sec
}

// Text renders the decomposition.
func (s *Secondary) Text(ks []int) string {
	var b strings.Builder
	b.WriteString("what the ideal misses, link by link (relative RMS of the difference, over the actual output)\n")
	fmt.Fprintf(&b, "  %-70s", "")
	for _, k := range ks {
		fmt.Fprintf(&b, "  k=%-5d", k)
	}
	b.WriteString("  total\n")
	for _, p := range s.Parts {
		fmt.Fprintf(&b, "  %-70s", p.Name)
		for _, v := range p.PerCluster {
			fmt.Fprintf(&b, "  %7.4f", v)
		}
		fmt.Fprintf(&b, "  %7.4f\n", p.Total)
	}
	fmt.Fprintf(&b, "correct-class output averaged over a+b, spread (std) over a−b: ideal %.3f, actual %.3f (the clusters compensate each other's |cos(w(a−b)/2)|)\n",
		s.CorrectLogitSpreadIdeal, s.CorrectLogitSpreadActual)
	return b.String()
}
