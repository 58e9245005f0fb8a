package proof

import (
	"math"
	"math/cmplx"
	"time"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/quadrature"
)

// Linear is the paper's linear-time bound (MECHANISM.md §5). The
// explanation is the infinite-width integral of each main cluster,
//
//	E(a, b, c) = Σ_k κ₂ W_k |cos(w_k d/2)| cos(w_k(s − c)),  d = a − b, s = a + b,
//
// whose margin depends on d only. Per input, ε(a, b) adds
//   - per neuron, the pre-activation's distance from its idealisation
//     2r cos δ cos(θ + φ) (fit residuals of A and B, offset, rounding) times
//     the spread of U_i, plus 2r|cos δ| times the spread of U_i's residual
//     from s cos(wc + 2φ);
//   - per cluster, 4|cos δ|·|G(θ') − G_ideal(θ')|, the quadrature error at
//     the input's half-angle (G evaluated exactly at the 2p values);
//   - neurons outside the main clusters (< 2% of the neurons each), their
//     largest possible output spread;
//   - the direct paths' spread over c (they are not in the explanation).
type Linear struct{}

// Name implements Strategy.
func (Linear) Name() string { return "linear" }

// Prove implements Strategy.
func (Linear) Prove(m *Model) (*Certificate, error) {
	m.evaluate() // the brute-force logits, for check only: not part of the proof's time
	t0 := time.Now()
	{
		t, e, p := m.T, m.Err, m.P
		kappa, _ := config.ReLU.Kappa2()
		relu := config.ReLU.Func()
		var main []mechanism.Cluster
		inMain := make([]bool, m.M)
		for _, c := range m.Clusters {
			if c.IsMain(m.M) {
				main = append(main, c)
				for _, i := range c.Neurons {
					inMain[i] = true
				}
			}
		}
		var flops int64 = m.FoldFLOPs + int64(3*m.M*p*p*2) // fits: three naive DFTs per neuron
		// Per-neuron constants.
		var term1 float64 // Σ over main neurons, input-independent
		term2 := make([]float64, len(main))
		var stray float64
		for i := 0; i < m.M; i++ {
			f := m.Fits[i]
			uErr := 2 * maxAbs(e.U[i])
			if !inMain[i] {
				hi := 0.0
				for a := 0; a < p; a++ {
					hi = max(hi, t.A[a][i]+e.A[a][i])
				}
				hb := math.Inf(-1)
				for b := 0; b < p; b++ {
					hb = max(hb, t.B[b][i]+e.B[b][i])
				}
				stray += roundUp(max(0, hi+hb+t.C[i])*(spread(t.U[i])+uErr), 8)
				continue
			}
			wave := fourier.Wave{K: f.K, R: f.R, Phase: f.Phi}
			var ra, rb float64
			for x := 0; x < p; x++ {
				ra = max(ra, math.Abs(t.A[x][i]-f.Alpha-wave.Eval(x, p))+e.A[x][i])
				rb = max(rb, math.Abs(t.B[x][i]-f.Beta-wave.Eval(x, p))+e.B[x][i])
			}
			epsPre := roundUp(ra+rb+math.Abs(f.Alpha+f.Beta+t.C[i]), 8)
			ures := make([]float64, p)
			uw := fourier.Wave{K: f.K, R: f.S, Phase: mechanism.Wrap(2 * f.Phi)}
			for c := 0; c < p; c++ {
				ures[c] = t.U[i][c] - uw.Eval(c, p)
			}
			term1 += epsPre * (spread(t.U[i]) + uErr)
			for ci, cl := range main {
				if cl.K == f.K {
					term2[ci] += roundUp(2*f.R*(spread(ures)+uErr), 8)
				}
			}
		}
		flops += int64(m.M * p * 12)
		// Quadrature errors |G − G_ideal| at the 2p half-angles, per cluster.
		dG := make([][]float64, len(main))
		g := make([][]float64, len(main)) // ideal amplitude κ₂ W |cos(w d/2)| by d
		for ci, cl := range main {
			rule := quadrature.Rule{}
			for _, i := range cl.Neurons {
				rule.Nodes = append(rule.Nodes, m.Fits[i].Phi)
				rule.Weights = append(rule.Weights, m.Fits[i].R*m.Fits[i].S)
			}
			W := rule.Total()
			dG[ci] = make([]float64, 2*p)
			for j := range dG[ci] {
				x := math.Pi * float64(j) / float64(p)
				// |G| ≤ Σ w_i, so the rounding of the sum is within γ_{2N+8}·Σ|w_i|.
				dG[ci][j] = roundUp(cmplx.Abs(rule.G(relu, x)-quadrature.Ideal(W, kappa, x))+circuit.Gamma(2*len(cl.Neurons)+8)*W, 4)
			}
			flops += int64(2 * p * len(cl.Neurons) * 10)
			g[ci] = make([]float64, p)
			for d := 0; d < p; d++ {
				g[ci][d] = kappa * W * mechanism.HalfAngle(cl.K, d, p)
			}
		}
		// Direct paths' spread over c, per a and per b.
		spA, spB := make([]float64, p), make([]float64, p)
		for x := 0; x < p; x++ {
			spA[x] = spread(t.La[x]) + 2*maxAbs(e.La[x])
			spB[x] = spread(t.Lb[x]) + 2*maxAbs(e.Lb[x])
		}
		sp0 := spread(t.L0) + 2*maxAbs(e.L0)
		flops += int64(3 * p * p * 2)
		// The explanation's margin depends on d only: min over Δ = c* − c ≠ 0.
		mg := make([]float64, p)
		for d := 0; d < p; d++ {
			mg[d] = math.Inf(1)
			for delta := 1; delta < p; delta++ {
				var s float64
				for ci, cl := range main {
					s += g[ci][d] * (1 - fourier.Cos(cl.K, delta, p))
				}
				mg[d] = min(mg[d], s)
			}
		}
		flops += int64(p * p * len(main) * 3)
		eps := make([]float64, p*p)
		budget := newBudget(
			"fit residuals and offset of A, B (× spread of U)",
			"U beyond s·cos(wc + 2φ) (× 2r|cos δ|, δ = w(a−b)/2)",
			"quadrature error of the rule G, 4|cos δ|·|G − G_ideal|",
			"neurons outside the main clusters",
			"direct paths' spread over c",
			"rounding of the explanation's margin")
		for a := 0; a < p; a++ {
			for b := 0; b < p; b++ {
				var neur, quad float64
				for ci, cl := range main {
					cd := mechanism.HalfAngle(cl.K, a-b, p)
					j := (cl.K * (a + b)) % (2 * p)
					if math.Cos(math.Pi*float64(cl.K*(a-b))/float64(p)) < 0 {
						j = (j + p) % (2 * p)
					}
					neur += cd * term2[ci]
					quad += 4 * cd * dG[ci][j]
				}
				direct := spA[a] + spB[b] + sp0
				// The explanation's margin is rounded too: γ over its K terms.
				var scale float64
				for ci := range main {
					scale += 2 * g[ci][((a-b)%p+p)%p]
				}
				round := circuit.Gamma(4*len(main)+8) * scale
				eps[a*p+b] = roundUp(term1+neur+quad+stray+direct+round, 8)
				budget.add(term1, neur, quad, stray, direct, round)
			}
		}
		flops += int64(p * p * (len(main)*8 + 10))
		eps0 := eps
		seconds := time.Since(t0).Seconds()
		// The explanation's logits E(a, b, c) = Σ_k g_k(d) cos(w_k(s − c)),
		// only to measure the actual error (not part of the proof).
		cosT, _ := fourier.Tables(p)
		expl := m.logits()
		for a := 0; a < p; a++ {
			for b := 0; b < p; b++ {
				d := ((a-b)%p + p) % p
				row := expl[(a*p+b)*p : (a*p+b+1)*p]
				for ci, cl := range main {
					gd := g[ci][d]
					for c := 0; c < p; c++ {
						row[c] += gd * cosT[((cl.K*(a+b-c))%p+p)%p]
					}
				}
			}
		}
		cert := m.certify("linear", eps0, expl, flops)
		// The proof certified by the d-only margin, which equals E's margin
		// by shift invariance (up to rounding, covered in ε).
		for k := range cert.Certified {
			cert.Certified[k] = mg[((k/p-k%p)%p+p)%p] > eps0[k]
		}
		cert.CertifiedAccuracy = fraction(cert.Certified)
		cert.Seconds = seconds
		cert.Budget = budget.terms()
		m.check(cert, expl)
		return cert, nil
	}
}

func fraction(x []bool) float64 {
	n := 0
	for _, v := range x {
		if v {
			n++
		}
	}
	return float64(n) / float64(len(x))
}
