package proof

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/fourier"
)

// FourierU keeps the hidden activations exact and compresses the
// unembedding: U_i is replaced by its T largest Fourier terms Û_i, so that
// the MLP's explanation is
//
//	E(a, b, c) = La + Lb + L0 + Σ_f Re[e^{i w_f c} Z_f(a, b)],  Z_f = Σ_{i,t: f_it = f} h_i s_it e^{iψ_it},
//
// which costs O(m·T) per input for the Z_f and O(p·F) for the logits
// instead of O(m·p). Per input, ε(a, b) = Σ_i h_i ρ_i + Σ_i Δh_i (spread U_i
// + 2 errU_i) + rounding, with ρ_i the spread over c of U_i − Û_i: the
// residuals are weighted by the input's own activations instead of their
// worst case.
type FourierU struct{ T int }

// Name implements Strategy.
func (s FourierU) Name() string { return fmt.Sprintf("fourier-U/%d", s.T) }

type term struct {
	f      int     // frequency, then its slot among the frequencies used
	re, im float64 // s·cos ψ, s·sin ψ
}

// topFrequencies returns the frequencies of u's t largest Fourier terms (a
// full DFT: about 4p² FLOPs).
func topFrequencies(u []float64, t int) []int {
	waves := append([]fourier.Wave(nil), fourier.Analyze(u).Waves...)
	sort.Slice(waves, func(x, y int) bool { return waves[x].R > waves[y].R })
	var ks []int
	for _, w := range waves[:min(t, len(waves))] {
		ks = append(ks, w.K)
	}
	return ks
}

// compressU writes u ≈ Σ_k Re[(re + i·im) e^{2πikc/p}] over the frequencies
// ks (each coefficient a direct sum, about 4p FLOPs) and returns the terms
// (f = k), the residual u − Σ terms evaluated as the explanation evaluates
// them (cosine tables), Σ |re| + |im|, and a bound on the residual's own
// rounding (3 operations per term and class, on values of size ≤ amp + |u|).
func compressU(u []float64, ks []int, cosT, sinT []float64) (terms []term, res []float64, amp, slack float64) {
	p := len(u)
	res = append([]float64(nil), u...)
	for _, k := range ks {
		var re, im float64
		for c := 0; c < p; c++ {
			kc := (k * c) % p
			re += u[c] * cosT[kc]
			im -= u[c] * sinT[kc]
		}
		norm := 2 / float64(p)
		if 2*k == p || k == 0 {
			norm = 1 / float64(p)
		}
		re, im = re*norm, im*norm
		for c := 0; c < p; c++ {
			kc := (k * c) % p
			res[c] -= re*cosT[kc] - im*sinT[kc]
		}
		terms = append(terms, term{k, re, im})
		amp += math.Abs(re) + math.Abs(im)
	}
	return terms, res, amp, 2 * circuit.Gamma(3*len(ks)+4) * (amp + maxAbs(u))
}

// Prove implements Strategy.
func (s FourierU) Prove(m *Model) (*Certificate, error) {
	if s.T < 1 {
		return nil, fmt.Errorf("proof: fourier-U needs T >= 1 terms, got %d", s.T)
	}
	m.evaluate() // the brute-force logits, for check only: not part of the proof's time
	t0 := time.Now()
	{
		t, e, p, M := m.T, m.Err, m.P, m.M
		cosT, sinT := cosTable(p), sinTable(p)
		terms := make([][]term, M)
		spr := make([]float64, M)
		resAll, slack := make([][]float64, M), make([]float64, M)
		used := map[int]bool{}
		var flops int64 = m.FoldFLOPs + int64(M*p*p*2)
		for i := 0; i < M; i++ {
			var res []float64
			var sl float64
			terms[i], res, _, sl = compressU(t.U[i], topFrequencies(t.U[i], s.T), cosT, sinT)
			for _, tm := range terms[i] {
				used[tm.f] = true
			}
			uErr := 2 * maxAbs(e.U[i])
			resAll[i], slack[i] = res, uErr+sl
			spr[i] = spread(t.U[i]) + uErr
		}
		// Damaged classes are explained exactly (Û_i(c) = U_i(c)): their
		// residual is moved into the explanation, at m operations per
		// class and input (classes.go).
		K := damagedClasses(resAll, p)
		exact := make([][]float64, M) // [m][len(K)]: r_i(c) for c in K
		for i := range resAll {
			exact[i] = make([]float64, len(K))
			for j, c := range K {
				exact[i][j] = resAll[i][c]
				resAll[i][c] = 0
			}
		}
		cr := newClassResiduals(resAll, slack, p)
		rho := cr.base
		var ce *classExtras
		if len(cr.K) > 0 {
			ce = newClassExtras(cr.K, p)
		}
		flops += int64(M * p * 6)
		flops += int64(M * p * s.T * 4)
		var freqs []int
		for f := range used {
			freqs = append(freqs, f)
		}
		sort.Ints(freqs)
		slot := map[int]int{}
		for j, f := range freqs {
			slot[f] = j
		}
		for i := range terms {
			for j := range terms[i] {
				terms[i][j].f = slot[terms[i][j].f]
			}
		}
		F := len(freqs)
		eps := make([]float64, p*p)
		expl := make([]float64, p*p*p)
		zr, zi := make([]float64, F), make([]float64, F)
		kx := make([]float64, len(K))
		g2 := circuit.Gamma(2)
		budget := newBudget(
			"U residuals beyond T Fourier terms (Σ h_i ρ_i)",
			"hidden-activation rounding (Σ Δh_i · spread U_i)",
			"explanation and direct-path rounding")
		for a := 0; a < p; a++ {
			for b := 0; b < p; b++ {
				clear(zr)
				clear(zi)
				clear(kx)
				var kscale float64
				var resid, dh, zscale float64
				for i := 0; i < M; i++ {
					pre := t.A[a][i] + t.B[b][i] + t.C[i]
					h := math.Max(pre, 0)
					dpre := e.A[a][i] + e.B[b][i] + g2*(math.Abs(t.A[a][i])+math.Abs(t.B[b][i])+math.Abs(t.C[i]))
					dh += dpre * spr[i]
					if h == 0 {
						continue
					}
					resid += h * rho[i]
					for j := range K {
						kx[j] += h * exact[i][j]
						kscale += h * math.Abs(exact[i][j])
					}
					if ce != nil {
						x := ce.extra[(a*p+b)*len(cr.K):]
						for j := range cr.K {
							x[j] += h * cr.D[i][j]
						}
					}
					for _, tm := range terms[i] {
						k := tm.f
						zr[k] += h * tm.re
						zi[k] += h * tm.im
						zscale += h * math.Hypot(tm.re, tm.im)
					}
				}
				row := expl[(a*p+b)*p : (a*p+b+1)*p]
				var dscale, derr float64
				for c := range row {
					v := t.La[a][c] + t.Lb[b][c] + t.L0[c]
					dscale = math.Max(dscale, math.Abs(t.La[a][c])+math.Abs(t.Lb[b][c])+math.Abs(t.L0[c]))
					derr = math.Max(derr, e.La[a][c]+e.Lb[b][c]+e.L0[c])
					for j, f := range freqs {
						fc := (f * c) % p
						v += cosT[fc]*zr[j] - sinT[fc]*zi[j]
					}
					row[c] = v
				}
				for j, c := range K {
					row[c] += kx[j]
				}
				// Rounding: Z accumulates m·T terms, each logit 2F + 3 more.
				// Each logit starts from the direct paths and adds 2F terms
				// (and one for a damaged class): γ over those on their sizes.
				round := 2 * (circuit.Gamma(M*s.T+2*F+8)*zscale + circuit.Gamma(2*F+8)*(dscale+zscale+kscale) + derr + circuit.Gamma(M+4)*kscale)
				eps[a*p+b] = roundUp(resid+dh+round, 8)
				budget.add(resid, dh, round)
			}
		}
		P := int64(p)
		flops += P * P * (int64(M)*(10+4*int64(s.T)) + P*(int64(F)*4+4))
		if ce != nil {
			ce.finish(M)
			flops += P * P * int64(M*len(cr.K)*2)
		}
		flops += P * P * int64(M*len(K)*4+len(K))
		cert := m.certifyClasses(s.Name(), eps, ce, expl, flops)
		cert.DamagedClasses = K
		cert.Seconds = time.Since(t0).Seconds()
		cert.Budget = budget.terms()
		m.check(cert, expl)
		return cert, nil
	}
}
