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

// topFrequencies returns the frequencies of u's t largest Fourier terms,
// those fourier.Analyze ranks first (a full DFT from the cosine tables:
// about 2p² FLOPs).
func topFrequencies(u []float64, t int) []int {
	waves := append([]fourier.Wave(nil), fourier.Analyze(u).Waves...)
	sort.SliceStable(waves, func(x, y int) bool { return waves[x].R > waves[y].R })
	var ks []int
	for _, w := range waves[:min(t, len(waves))] {
		ks = append(ks, w.K)
	}
	return ks
}

// compressU writes u ≈ Σ_k Re[(re + i·im) e^{2πikc/p}] over the frequencies
// ks and returns the terms (f = k), the residual u − Σ terms evaluated as
// the explanation evaluates them (cosine tables), Σ |re| + |im|, and a
// bound on the residual's own rounding (3 operations per term and class,
// on values of size ≤ amp + |u|). The terms are appended to terms; res
// (length p) receives the residual. cos is even and sin odd in c, so the
// classes c and p − c share their products: each coefficient is a sum over
// the (p−1)/2 pairs of u_c + u_{p−c} and u_c − u_{p−c}, and each term's
// products cos, sin at c serve both classes (compressFLOPs counts it). The
// tables (fourier.Tables) are exactly even and odd, so the residual is bit
// for bit the direct evaluation's, class by class.
func compressU(u []float64, ks []int, cosT, sinT []float64, terms []term, res []float64) ([]term, float64, float64) {
	p := len(u)
	h := (p - 1) / 2 // the pairs (c, p − c), c = 1..h; for even p, c = p/2 pairs with itself
	// res holds the pairs' sums and differences until the terms are known.
	for c := 1; c <= h; c++ {
		res[c], res[p-c] = u[c]+u[p-c], u[c]-u[p-c]
	}
	first := len(terms)
	var amp float64
	for _, k := range ks {
		re, im := u[0], 0.0
		kc := 0 // k·c mod p
		for c := 1; c <= h; c++ {
			if kc += k; kc >= p {
				kc -= p
			}
			re += res[c] * cosT[kc]
			im -= res[p-c] * sinT[kc]
		}
		if p%2 == 0 { // sin(πk) = 0
			re += u[p/2] * cosT[(k*(p/2))%p]
		}
		norm := 2 / float64(p)
		if 2*k == p || k == 0 {
			norm = 1 / float64(p)
		}
		re, im = re*norm, im*norm
		terms = append(terms, term{k, re, im})
		amp += math.Abs(re) + math.Abs(im)
	}
	copy(res, u)
	for _, tm := range terms[first:] {
		k, re, im := tm.f, tm.re, tm.im
		res[0] -= re
		kc := 0
		for c := 1; c <= h; c++ {
			if kc += k; kc >= p {
				kc -= p
			}
			ca, sb := re*cosT[kc], im*sinT[kc]
			res[c] -= ca - sb
			res[p-c] -= ca + sb // cos(k(p−c)) = cos(kc), sin(k(p−c)) = −sin(kc)
		}
		if p%2 == 0 {
			res[p/2] -= re * cosT[(k*(p/2))%p]
		}
	}
	return terms, amp, 2 * circuit.Gamma(3*len(ks)+4) * (amp + maxAbs(u))
}

// compressFLOPs is what compressU does for nk frequencies: per class, one
// operation for the pairs' sums and differences, two per frequency for
// the coefficient and three for the residual (the pairs' products halve
// both), and the normalisation.
func compressFLOPs(p, nk int) int64 {
	return int64(p)*int64(1+5*nk) + 4*int64(nk)
}

// fourierPlan is what FourierU prepares from the tables once, before the
// loop over inputs. The neurons are reordered by the frequency of their
// first term (order), so that each Z_f's first-term sum runs over a
// contiguous block (seg) of the reordered tables A, B, C; further terms
// are gathered from the hidden activations, grouped by frequency (xseg).
type fourierPlan struct {
	freqs      []int       // the frequencies used, one slot each
	cosF, sinF [][]float64 // [F][p]: cos(2π f c/p), the values of cosT[(f·c) mod p]
	order      []int       // order[k] = the neuron in position k
	// AC[a][k] = A(a, i) + C_i and B[b][k] = B(b, i) for i = order[k]: the
	// pre-activation is AC + B, within γ₂(|A| + |B| + |C|) of the exact sum
	// in either order.
	AC, B [][]float64
	// LaL0[a][c] = La(a, c) + L0(c): the direct paths are LaL0 + Lb.
	LaL0 [][]float64
	seg  []int // [F+1]: positions whose first term has slot j
	// rho[k], re[k], im[k]: the residual weight 2q_i (classes.go) and the
	// first term's s·cos ψ, s·sin ψ of the neuron in position k.
	rho, re, im []float64
	xseg        []int // [F+1]: the further terms (T > 1), by slot
	xpos        []int // their neuron's position
	xre, xim    []float64
	K           []int     // damaged classes, explained exactly
	exact       []float64 // [m·len(K)] by position: r_i(K[j])
	cr          *classResiduals
	// Separable bounds: Σ_i Δ_i(a, b)·spread_i = dA[a] + dB[b] + dC, with
	// Δ_i = errA + errB + γ₂(|A| + |B| + |C|) the pre-activation's rounding,
	// and Σ_i h_i·amp_i ≤ zA[a] + zB[b] + zC (h_i ≤ |A| + |B| + |C|), the
	// size of the Z sums that only their rounding needs.
	dA, dB, zA, zB []float64
	dC, zC         float64
	// dir[x], dir[p+x], dir[2p]: max over c of |La(x, c)| and of its
	// rounding bound, of Lb's, of L0's.
	dir   []struct{ size, err float64 }
	flops int64
}

// plan compresses every U_i to T terms (the first the neuron's fitted
// U frequency, the hint; more from U_i's spectrum) and lays the terms out
// for the loop. The frequencies are advice: any choice is sound, because
// the residual U_i − Û_i is computed and bounded exactly.
func (s FourierU) plan(m *Model) *fourierPlan {
	t, e, p, M := m.T, m.Err, m.P, m.M
	cosT, sinT := fourier.Tables(p)
	g2 := circuit.Gamma(2)
	pl := &fourierPlan{}
	terms := make([][]term, M)
	spr, amp := make([]float64, M), make([]float64, M)
	resAll, slack := make([][]float64, M), make([]float64, M)
	resBuf, termBuf := make([]float64, M*p), make([]term, 0, M*s.T)
	slotOf := map[int]int{}
	ks := make([]int, 1)
	for i := 0; i < M; i++ {
		ks[0] = m.Fits[i].KU
		if s.T > 1 {
			ks = topFrequencies(t.U[i], s.T)
			pl.flops += int64(p) * int64(p) * 4
		}
		res := resBuf[i*p : (i+1)*p]
		var sl float64
		n := len(termBuf)
		termBuf, _, sl = compressU(t.U[i], ks, cosT, sinT, termBuf, res)
		terms[i] = termBuf[n:len(termBuf):len(termBuf)]
		for _, tm := range terms[i] {
			if _, ok := slotOf[tm.f]; !ok {
				slotOf[tm.f] = 0
				pl.freqs = append(pl.freqs, tm.f)
			}
			amp[i] += math.Hypot(tm.re, tm.im)
		}
		uErr := 2 * maxAbs(e.U[i])
		resAll[i], slack[i] = res, uErr+sl
		spr[i] = spread(t.U[i]) + uErr
	}
	pl.flops += int64(M) * (6*int64(p) + compressFLOPs(p, s.T)) // with U's rounding, spread and amplitudes
	// Damaged classes are explained exactly (Û_i(c) = U_i(c)): their
	// residual is moved into the explanation, at m operations per class
	// and input (classes.go).
	pl.K = damagedClasses(resAll, slack, p)
	exact := make([][]float64, M)
	for i := range resAll {
		exact[i] = make([]float64, len(pl.K))
		for j, c := range pl.K {
			exact[i][j] = resAll[i][c]
			resAll[i][c] = 0
		}
	}
	pl.cr = newClassResiduals(resAll, slack, p)
	pl.flops += int64(M) * int64(p) * 6

	sort.Ints(pl.freqs)
	F := len(pl.freqs)
	for j, f := range pl.freqs {
		slotOf[f] = j
		cf, sf := make([]float64, p), make([]float64, p)
		for c := range cf {
			cf[c], sf[c] = cosT[(f*c)%p], sinT[(f*c)%p]
		}
		pl.cosF, pl.sinF = append(pl.cosF, cf), append(pl.sinF, sf)
	}
	// Counting sorts: neurons by their first term's slot, further terms by
	// theirs.
	pl.seg, pl.xseg = make([]int, F+1), make([]int, F+1)
	for i := range terms {
		pl.seg[slotOf[terms[i][0].f]+1]++
		for _, tm := range terms[i][1:] {
			pl.xseg[slotOf[tm.f]+1]++
		}
	}
	for j := 0; j < F; j++ {
		pl.seg[j+1] += pl.seg[j]
		pl.xseg[j+1] += pl.xseg[j]
	}
	pos := make([]int, M)
	next := append([]int(nil), pl.seg[:F]...)
	pl.order = make([]int, M)
	for i := range terms {
		j := slotOf[terms[i][0].f]
		pos[i] = next[j]
		pl.order[next[j]] = i
		next[j]++
	}
	n := pl.xseg[F]
	pl.xpos, pl.xre, pl.xim = make([]int, n), make([]float64, n), make([]float64, n)
	next = append(next[:0], pl.xseg[:F]...)
	for i := range terms {
		for _, tm := range terms[i][1:] {
			j := slotOf[tm.f]
			k := next[j]
			next[j]++
			pl.xpos[k], pl.xre[k], pl.xim[k] = pos[i], tm.re, tm.im
		}
	}
	nK := len(pl.K)
	pl.rho, pl.re, pl.im = make([]float64, M), make([]float64, M), make([]float64, M)
	pl.exact = make([]float64, M*nK)
	for k, i := range pl.order {
		pl.rho[k], pl.re[k], pl.im[k] = pl.cr.base[i], terms[i][0].re, terms[i][0].im
		copy(pl.exact[k*nK:(k+1)*nK], exact[i])
	}
	pl.AC, pl.B, pl.LaL0 = make([][]float64, p), make([][]float64, p), make([][]float64, p)
	acBuf, bBuf, lBuf := make([]float64, p*M), make([]float64, p*M), make([]float64, p*p)
	pl.dA, pl.dB, pl.zA, pl.zB = make([]float64, p), make([]float64, p), make([]float64, p), make([]float64, p)
	for x := 0; x < p; x++ {
		pl.AC[x], pl.B[x], pl.LaL0[x] = acBuf[x*M:(x+1)*M], bBuf[x*M:(x+1)*M], lBuf[x*p:(x+1)*p]
		for c := range pl.LaL0[x] {
			pl.LaL0[x][c] = t.La[x][c] + t.L0[c]
		}
		var da, db, za, zb float64
		for k, i := range pl.order {
			pl.AC[x][k], pl.B[x][k] = t.A[x][i]+t.C[i], t.B[x][i]
			da += (e.A[x][i] + g2*math.Abs(t.A[x][i])) * spr[i]
			db += (e.B[x][i] + g2*math.Abs(t.B[x][i])) * spr[i]
			za += math.Abs(t.A[x][i]) * amp[i]
			zb += math.Abs(t.B[x][i]) * amp[i]
		}
		pl.dA[x], pl.dB[x], pl.zA[x], pl.zB[x] = da, db, za, zb
	}
	for i := 0; i < M; i++ {
		pl.dC += g2 * math.Abs(t.C[i]) * spr[i]
		pl.zC += math.Abs(t.C[i]) * amp[i]
	}
	pl.flops += int64(p) * int64(M) * 16
	pl.dir = make([]struct{ size, err float64 }, 2*p+1)
	for x := 0; x <= 2*p; x++ {
		row, er := t.L0, e.L0
		switch {
		case x < p:
			row, er = t.La[x], e.La[x]
		case x < 2*p:
			row, er = t.Lb[x-p], e.Lb[x-p]
		}
		pl.dir[x].size, pl.dir[x].err = maxAbs(row), maxOf(er)
	}
	pl.flops += int64(2*p+1) * int64(p) * 2
	return pl
}

// blockSums returns Σ_k h_k rho[k], Σ_k h_k re[k] and Σ_k h_k im[k] with
// h_k = max(ac[k] + b[k], 0): the residual weight and the first Fourier
// term of a block of neurons sharing a frequency. Without a branch per
// neuron (half of them are zero): g = x + |x| is 2·max(x, 0) exactly, and
// halving the sums of g·w is exact too except for underflow, which the
// absolute 2⁻¹⁰²² of roundUp covers (NaN stays NaN; an overflow gives Inf
// and so a bound that certifies nothing). Two neurons a step, into
// separate sums: the additions' latency bounds this loop.
func blockSums(ac, b, rho, re, im []float64) (r, sr, si float64) {
	n := len(ac)
	b, rho, re, im = b[:n], rho[:n], re[:n], im[:n]
	var r2, sr2, si2 float64
	k := 1
	for ; k < n; k += 2 {
		x0, x1 := ac[k-1]+b[k-1], ac[k]+b[k]
		g0, g1 := x0+math.Abs(x0), x1+math.Abs(x1)
		r += g0 * rho[k-1]
		sr += g0 * re[k-1]
		si += g0 * im[k-1]
		r2 += g1 * rho[k]
		sr2 += g1 * re[k]
		si2 += g1 * im[k]
	}
	if k == n { // n odd: the last neuron
		x0 := ac[n-1] + b[n-1]
		g0 := x0 + math.Abs(x0)
		r += g0 * rho[n-1]
		sr += g0 * re[n-1]
		si += g0 * im[n-1]
	}
	return (r + r2) / 2, (sr + sr2) / 2, (si + si2) / 2
}

// Prove implements Strategy.
func (s FourierU) Prove(m *Model) (*Certificate, error) {
	if s.T < 1 {
		return nil, fmt.Errorf("proof: fourier-U needs T >= 1 terms, got %d", s.T)
	}
	m.evaluate() // the brute-force logits, for check only: not part of the proof's time
	t0 := time.Now()
	t, p, M := m.T, m.P, m.M
	pl := s.plan(m)
	F, K, cr := len(pl.freqs), pl.K, pl.cr
	var ce *classExtras
	if len(cr.K) > 0 {
		ce = newClassExtras(cr.K, p)
	}
	// The hidden activations are kept only when something besides the
	// first terms reads them.
	keepH := s.T > 1 || len(K) > 0 || ce != nil
	eps := make([]float64, p*p)
	expl := m.logits()
	h := make([]float64, M)
	zr, zi := make([]float64, F), make([]float64, F)
	kx := make([]float64, len(K))
	budget := newBudget(
		"U residuals beyond T Fourier terms (Σ h_i ρ_i)",
		"hidden-activation rounding (Σ Δh_i · spread U_i)",
		"explanation and direct-path rounding")
	rho, re, im := pl.rho[:M], pl.re[:M], pl.im[:M]
	gZ, gL, gK := circuit.Gamma(M*s.T+2*F+8), circuit.Gamma(2*F+8), circuit.Gamma(M+4)
	for a := 0; a < p; a++ {
		AC, LaL0 := pl.AC[a][:M], pl.LaL0[a][:p]
		for b := 0; b < p; b++ {
			B := pl.B[b][:M]
			// The hidden activations and the sums weighted by them, block by
			// block of neurons sharing a frequency, without a branch per
			// neuron (half of them are zero).
			var resid float64
			for j := 0; j < F; j++ {
				lo, hi := pl.seg[j], pl.seg[j+1]
				r, sr, si := blockSums(AC[lo:hi], B[lo:hi], rho[lo:hi], re[lo:hi], im[lo:hi])
				if keepH {
					for k := lo; k < hi; k++ {
						h[k] = max(AC[k]+B[k], 0)
					}
				}
				zr[j], zi[j], resid = sr, si, resid+r
			}
			for j := 0; j < F; j++ {
				var sr, si float64
				for k := pl.xseg[j]; k < pl.xseg[j+1]; k++ {
					hk := h[pl.xpos[k]]
					sr += hk * pl.xre[k]
					si += hk * pl.xim[k]
				}
				zr[j] += sr
				zi[j] += si
			}
			var kscale float64
			if len(K) > 0 {
				clear(kx)
				for k, hk := range h {
					for j := range K {
						kx[j] += hk * pl.exact[k*len(K)+j]
						kscale += hk * math.Abs(pl.exact[k*len(K)+j])
					}
				}
			}
			if ce != nil {
				x := ce.extra[(a*p+b)*len(cr.K):]
				for k, hk := range h {
					for j := range cr.K {
						x[j] += hk * cr.D[pl.order[k]][j]
					}
				}
			}
			dh := pl.dA[a] + pl.dB[b] + pl.dC
			zscale := pl.zA[a] + pl.zB[b] + pl.zC
			row := expl[(a*p+b)*p : (a*p+b+1)*p]
			Lb := t.Lb[b][:p]
			for c := range row {
				row[c] = LaL0[c] + Lb[c]
			}
			// The direct paths' size and rounding, bounded by the sums of
			// their maxima over c.
			dscale := pl.dir[a].size + pl.dir[p+b].size + pl.dir[2*p].size
			derr := pl.dir[a].err + pl.dir[p+b].err + pl.dir[2*p].err
			for j := 0; j < F; j++ {
				cf, sf, x, y := pl.cosF[j][:p], pl.sinF[j][:p], zr[j], zi[j]
				for c := range row {
					row[c] += cf[c]*x - sf[c]*y
				}
			}
			for j, c := range K {
				row[c] += kx[j]
			}
			// Rounding: Z accumulates m·T terms, each logit 2F + 3 more
			// (and one for a damaged class): γ over those on their sizes.
			round := 2 * (gZ*zscale + gL*(dscale+zscale+kscale) + derr + gK*kscale)
			// Each of the sums has up to m non-negative terms.
			eps[a*p+b] = roundUp(resid+dh+round, M+8)
			budget.add(resid, dh, round)
		}
	}
	P, MM := int64(p), int64(M)
	flops := m.FoldFLOPs + pl.flops + P*P*(MM*(9+4*int64(s.T-1))+P*(int64(F)*4+2)+16)
	if keepH {
		flops += P * P * MM * 3
	}
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
