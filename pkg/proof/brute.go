package proof

import (
	"math"
	"time"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/mechanism"
)

// evaluation holds the float64 logits of every input and the bound δ(a, b)
// on their distance from the exact logits (for every c).
type evaluation struct {
	logits []float64 // [p²][p]
	delta  []float64 // [p²]
	flops  int64
}

// evaluate computes every logit from the tables with its rounding bound:
// the pre-activation A + B + c is within Δ = errA + errB + γ₂(|A|+|B|+|c|)
// of the exact one, ReLU is 1-Lipschitz, and the m-term sum Σ h_i U_ic adds
// Σ (Δ_i |U_i| + h_i errU_i) + γ_m Σ h_i |U_i| (maxima over c).
func (m *Model) evaluate() *evaluation {
	if m.eval != nil {
		return m.eval
	}
	t, e := m.T, m.Err
	p, M := m.P, m.M
	umax, uerr := make([]float64, M), make([]float64, M)
	for i := 0; i < M; i++ {
		umax[i], uerr[i] = maxAbs(t.U[i]), maxAbs(e.U[i])
	}
	ev := m.evalBuf
	if ev == nil || len(ev.logits) != p*p*p {
		ev = &evaluation{logits: make([]float64, p*p*p), delta: make([]float64, p*p)}
	}
	clear(ev.logits)
	m.evalBuf = ev
	g2, gm := circuit.Gamma(2), circuit.Gamma(M)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			row := ev.logits[(a*p+b)*p : (a*p+b+1)*p]
			var dMLP, scale float64
			for i := 0; i < M; i++ {
				pre := t.A[a][i] + t.B[b][i] + t.C[i]
				dpre := e.A[a][i] + e.B[b][i] + g2*(math.Abs(t.A[a][i])+math.Abs(t.B[b][i])+math.Abs(t.C[i]))
				h := max(pre, 0)
				dMLP += dpre*umax[i] + h*uerr[i]
				scale += h * umax[i]
				if h != 0 {
					for c, u := range t.U[i] {
						row[c] += h * u
					}
				}
			}
			var dDirect, top float64
			for c := range row {
				d := t.La[a][c] + t.Lb[b][c] + t.L0[c]
				row[c] += d
				dDirect = max(dDirect, e.La[a][c]+e.Lb[b][c]+e.L0[c]+circuit.Gamma(3)*(math.Abs(t.La[a][c])+math.Abs(t.Lb[b][c])+math.Abs(t.L0[c])))
				top = max(top, math.Abs(row[c]))
			}
			ev.delta[a*p+b] = roundUp(dMLP+gm*scale+dDirect+circuit.Gamma(2)*(top+scale), M+8)
		}
	}
	P, MM := int64(p), int64(M)
	ev.flops = P * P * (MM*(2+2*P) + 3*P + 8*MM)
	m.eval = ev
	return ev
}

// margins returns, for input (a, b), the smallest E(c*) − E(c) over c ≠ c*.
func margin(row []float64, cstar int) float64 {
	mg := math.Inf(1)
	for c, v := range row {
		if c != cstar {
			mg = min(mg, row[cstar]-v)
		}
	}
	return mg
}

// BruteForce evaluates every logit; only rounding separates the computed
// logits from the exact ones.
type BruteForce struct{}

// Name implements Strategy.
func (BruteForce) Name() string { return "brute-force" }

// Prove implements Strategy.
func (BruteForce) Prove(m *Model) (*Certificate, error) {
	t0 := time.Now()
	m.eval = nil // time the whole evaluation
	ev := m.evaluate()
	eps := make([]float64, len(ev.delta))
	for i, d := range ev.delta {
		eps[i] = 2 * d
	}
	c := m.certify("brute-force", eps, ev.logits, m.FoldFLOPs+ev.flops)
	c.Seconds = time.Since(t0).Seconds()
	c.Budget = []Term{{"rounding of the evaluation and the folding", maxOf(eps)}}
	m.check(c, ev.logits)
	return c, nil
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func maxOf(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

// certify fills a certificate from ε(a, b) and the explanation's logits E
// ([p²][p]; only differences matter): the margins and the certified inputs.
// This is the last step of every proof.
func (m *Model) certify(name string, eps, expl []float64, flops int64) *Certificate {
	return m.certifyClasses(name, eps, nil, expl, flops)
}

// certifyClasses is certify with per-class extras: the pair (c*, c) is
// bounded by ε(a, b) + X(c) + X(c*) (classes.go); Eps records the largest
// over c.
func (m *Model) certifyClasses(name string, eps []float64, ce *classExtras, expl []float64, flops int64) *Certificate {
	p := m.P
	c := &Certificate{Strategy: name, Eps: make([]float64, p*p), Certified: make([]bool, p*p), Margin: make([]float64, p*p), Slack: make([]float64, p*p), FLOPs: flops, Sound: true, extras: ce, base: eps}
	for k := 0; k < p*p; k++ {
		cs := (k/p + k%p) % p
		row := expl[k*p : (k+1)*p]
		if ce == nil {
			// One ε for every competitor: certified when the margin exceeds
			// it and every difference is finite (d − d ≠ 0 for ±Inf and NaN;
			// NaN compares false both ways).
			e, top := eps[k], row[cs]
			ok, mg := isFinite(e) && e >= 0, math.Inf(1)
			for cc, v := range row {
				if cc == cs {
					continue
				}
				d := top - v
				if !(d > e) || d-d != 0 {
					ok = false
				}
				if d < mg || d != d {
					mg = d
				}
			}
			c.Margin[k], c.Eps[k], c.Certified[k], c.Slack[k] = mg, e, ok && p > 1, mg-e
			if !isFinite(e) || !(e >= 0) {
				c.Sound = false
			}
			if c.Bound < e || math.IsNaN(e) {
				c.Bound = e
			}
			continue
		}
		c.Margin[k] = margin(row, cs)
		// Certified when every competitor's margin exceeds its own ε.
		ok := eps[k] >= 0
		worst := eps[k]
		c.Slack[k] = math.Inf(1)
		for cc, v := range row {
			if cc == cs {
				continue
			}
			e := eps[k] + ce.at(k, cc) + ce.at(k, cs)
			worst = max(worst, e)
			c.Slack[k] = min(c.Slack[k], row[cs]-v-e)
			// A non-finite ε or margin proves nothing (and NaN compares
			// false both ways).
			if !(row[cs]-v > e) || !isFinite(e) || !isFinite(row[cs]-v) {
				ok = false
			}
		}
		if math.IsNaN(eps[k]) {
			worst = eps[k]
		}
		c.Eps[k] = worst
		c.Certified[k] = ok && p > 1
		if !isFinite(worst) || !(eps[k] >= 0) {
			c.Sound = false
		}
		if c.Bound < worst || math.IsNaN(worst) {
			c.Bound = worst
		}
	}
	c.CertifiedAccuracy = fraction(c.Certified)
	c.MedianMargin = mechanism.Median(c.Margin)
	return c
}

// check measures, outside the proof, how the certificate compares with the
// brute-force logits: the true accuracy and the actual largest error of
// the explanation's logit differences, and whether every bound held. It
// also fills ProofFLOPs, so that a certificate from Prove itself (not only
// from RunModel) carries it.
func (m *Model) check(c *Certificate, expl []float64) {
	c.ProofFLOPs = c.FLOPs - m.FoldFLOPs
	ev := m.evaluate()
	p := m.P
	correct := 0
	for k := 0; k < p*p; k++ {
		cs := (k/p + k%p) % p
		row, er := ev.logits[k*p:(k+1)*p], expl[k*p:(k+1)*p]
		if margin(row, cs) > 0 {
			correct++
		} else if c.Certified != nil && c.Certified[k] {
			c.Sound = false // certified but wrong
		}
		base := row[cs] - er[cs]
		for cc := range row {
			if c.perClass != nil {
				if cc == cs {
					continue
				}
				// The margin may be larger than the explanation's, never
				// smaller by more than ε(c) (plus the evaluation's rounding).
				over := (row[cc] - er[cc]) - base
				c.ActualMaxError = max(c.ActualMaxError, over)
				if !(over <= c.perClass[k*p+cc]+2*ev.delta[k]) {
					c.Sound = false
				}
				continue
			}
			d := math.Abs((row[cc] - er[cc]) - base)
			c.ActualMaxError = max(c.ActualMaxError, d)
			bound := c.Eps[k]
			if c.base != nil && cc != cs {
				bound = c.base[k] + c.extras.at(k, cc) + c.extras.at(k, cs)
			}
			if !(d <= bound) { // NaN on either side is a failure
				c.Sound = false
			}
		}
	}
	c.TrueAccuracy = float64(correct) / float64(p*p)
}
