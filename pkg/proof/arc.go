package proof

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/mechanism"
)

// Arc proves without evaluating every neuron on every input, by the
// geometry of a cluster. A neuron i of a cluster of frequency w = 2πk/p has
// the idealised pre-activation (cos x + cos y = 2 cos((x−y)/2) cos((x+y)/2))
//
//	p̂_i(a, b) = r_i cos(wa + φ_i) + r_i cos(wb + φ_i) = 2 r_i cos(w d/2) cos(θ + φ_i),
//
// d = a − b, θ = w(a + b)/2, and the true one is pre_i = p̂_i + e_i with
// |e_i| ≤ E_i = max|A_i − r_i cos(w·+φ_i)| + max|B_i − r_i cos(w·+φ_i)| + |c_i|
// (offset and fit residuals, measured once per neuron). Sorted by φ, the
// neurons with p̂_i > 0 form an arc S(a, b) of the circle, centred on −θ
// (or −θ + π when cos(w d/2) < 0). A neuron whose phase lies farther than
// δ = asin(τ/|cos(w d/2)|) from both ends of the arc has |p̂_i| > 2 r_i τ ≥ E_i
// when τ ≥ τ_i = E_i/(2 r_i): its gate is certain, so ReLU(pre_i) is pre_i
// inside the arc and 0 outside. Hence, with U_i compressed to one Fourier
// term û_i e^{iw'c} (its residual's spread ρ_i),
//
//	Σ_{i ∈ S} pre_i û_i = Σ_{i∈S} A_i(a) û_i + Σ_{i∈S} B_i(b) û_i + Σ_{i∈S} c_i û_i
//
// is three differences of prefix sums over the sorted neurons: O(1) per
// input after O(p·m) preparation. The neurons within δ of an end (the
// window) and the loose neurons (τ_i above the cluster's cut-off τ, or not
// in a cluster) are handled in one of two ways:
//
//	arc          evaluated exactly (ReLU of the table entries): cheap
//	             because the windows are narrow, but per-input work grows
//	             with the window, so the cost is not O(p·m) in the worst case;
//	arc-compact  never evaluated: each window neuron adds its worst case
//	             E_i·(spread U_i + 2ρ_i) (a prefix sum over the window) and
//	             the loose neurons min(Σ ReLU(A_i(a) + max B_i + c_i)·spread,
//	             Σ ReLU(max A_i + B_i(b) + c_i)·spread) (separable): O(1)
//	             per input and cluster. Without exactly explained classes
//	             the windows are bounded per competitor c instead, the
//	             smallest of three bounds: the one above; spread U_i
//	             replaced by Σ_t 2|z_t|·|sin(w_t (c* − c)/2)| + ρ_i + uerr_i
//	             (the one-term change of U between the two classes); and
//	             that with E_i replaced by 2r_iκ − |p̂_i| (κ the input's
//	             cut-off: a neuron's gate error shrinks towards the arc's
//	             inner edge), from prefix sums of r_i cos φ_i and r_i sin φ_i
//	             on each side of each end. O(1) per input, cluster and slot,
//	             then O(F) per competitor.
//
// ε(a, b) = Σ_i h_i ρ_i (U's residual, by prefix sums) + the window and
// loose terms + rounding (prefix sums, the tables' own rounding from
// circuit.Errors, the explanation's logits). Soundness does not depend on
// the fits being good: they only decide how much is certified.
type Arc struct {
	// Compact selects arc-compact.
	Compact bool
	// T is the number of Fourier terms of U_i kept per neuron (0 or 1: one,
	// at the fit's frequency; more: the T largest).
	T int
	// Tiers are increasing quantiles of τ_i, ending at 1, that split each
	// cluster into arcs of its own (nil: 0.5, 0.75, 0.9, 1).
	Tiers []float64
}

// Name implements Strategy.
func (s Arc) Name() string {
	name := "arc"
	if s.Compact {
		name = "arc-compact"
	}
	if s.T > 1 {
		name += fmt.Sprintf("-U/%d", s.T)
	}
	return name
}

// arcCluster is one cluster's neurons sorted by phase with their prefix
// sums. Prefix arrays have n+1 entries; complex ones hold re, im per slot.
type arcCluster struct {
	k int
	// cutA[a], cutB[b]: cut-offs valid at every input with that a (b).
	cutA, cutB []float64
	idx        []int     // tight neurons, sorted by phase
	phi        []float64 // their phases in [0, 2π)
	slots      int       // distinct U frequencies among them
	gslot      []int     // local slot → global slot
	// pa[a], pb[b]: [(n+1)·2·slots] prefix sums of A_i(a)·û_i; pc of c_i·û_i.
	pa, pb [][]float64
	pc     []float64
	// qa[a], qb[b], qc: prefix sums of A_i(a)·ρ_i, B_i(b)·ρ_i, c_i·ρ_i.
	qa, qb [][]float64
	qc     []float64
	// ww: prefix sums of E_i·(spread U_i + 2ρ_i) (arc-compact).
	ww []float64
	// Per competitor (arc-compact, no exactly explained classes): a window
	// neuron's error against class c is at most E_i·(|U_i(c*) − U_i(c)| +
	// 2ρ_i), and with U_i = û_i + r_i, û_i = Σ_t Re[z_t e^{i w_t c}],
	// |U_i(c*) − U_i(c)| ≤ Σ_t 2|z_t|·|sin(w_t Δ/2)| + ρ_i + uerr_i, Δ = c* − c.
	// wk[sl]: prefix sums of E_i·2|z_t|(1+1e-9) over the terms in local
	// slot sl; w0: of E_i·(3ρ_i + uerr_i + 1e-12·Σ|z_t|).
	wk [][]float64
	w0 []float64
	// The window's error shrinks towards the arc's inner edge: a window
	// neuron's gate error is at most (2r_iκ − |p̂_i|)·W_i(c), κ the input's
	// cut-off (so 2r_iκ bounds its residual), and on each side of an arc's
	// end p̂_i = ±2r_i cos(wd/2)(cos θ cos φ_i − sin θ sin φ_i). sr, sc, ss
	// [slots+1]: prefix sums of r_i·ω, r_i cos φ_i·ω, r_i sin φ_i·ω with ω
	// the neuron's 2|z| in each slot and, last, its 3ρ_i + uerr_i + slack.
	sr, sc, ss [][]float64
	// abs: Σ over the tier of r_i(|ω|)(1 + |cos φ_i| + |sin φ_i|), for the
	// rounding of these sums.
	abs float64
	// ka[a], kb[b], kc: [(n+1)·|K|] prefix sums of A_i(a)·r_i(c), ... for
	// the damaged classes c in K.
	ka, kb [][]float64
	kc     []float64
}

type arcNeuron struct {
	terms []term  // û_i: Fourier terms of U_i, f their global slots
	amp   float64 // Σ |re| + |im| over the terms
	rho   float64 // spread of U_i − û_i e^{iw c} (with rounding)
	spr   float64 // spread of U_i (with the tables' rounding)
	uerr  float64 // 2·max|rounding of U_i|: U_i(c) − U_i(c') is within it of the tables'
	// per-class window weights: E_i's multipliers of |sin(π f Δ/p)| per
	// term (2|z_t|) and the rest (refinedRest), see arcCluster.wk.
	// exact[j] is the residual r_i(K[j]) of damaged class K[j], explained
	// exactly.
	exact []float64
}

// Prove implements Strategy.
func (s Arc) Prove(m *Model) (*Certificate, error) {
	tiers := s.Tiers
	if tiers == nil {
		tiers = []float64{0.5, 0.75, 0.9, 1}
	}
	for j, qq := range tiers {
		if !(qq > 0 && qq <= 1) || (j > 0 && qq <= tiers[j-1]) || (j == len(tiers)-1 && qq != 1) {
			return nil, fmt.Errorf("proof: arc tiers %v must increase in (0, 1] and end at 1", tiers)
		}
	}
	m.evaluate() // the brute-force logits, for check only: not part of the proof's time
	t0 := time.Now()
	t, e, p, M := m.T, m.Err, m.P, m.M
	var flops int64 = m.FoldFLOPs
	g2 := circuit.Gamma(2)

	cosT, sinT := cosTable(p), sinTable(p)
	// Per neuron: one Fourier term of U at the fit's frequency (the hint),
	// its residual's spread ρ_i, U's spread, and the worst pre-activation
	// rounding Δ_i of the tables.
	neur := make([]arcNeuron, M)
	slotOf := map[int]int{}
	var freqs []int
	var kRound float64 // the tables' rounding, as an input-independent bound
	resAll, slack := make([][]float64, M), make([]float64, M)
	T := max(s.T, 1)
	for i := 0; i < M; i++ {
		// The frequencies of û_i: the fit's (the hint) for one term, else the
		// T largest of U_i's spectrum (a full DFT per neuron, counted).
		ks := []int{m.Fits[i].KU}
		if T > 1 {
			ks = topFrequencies(t.U[i], T)
			flops += int64(p) * int64(p) * 4
		}
		res := make([]float64, p)
		terms, amp, sl := compressU(t.U[i], ks, cosT, sinT, nil, res)
		for j, tm := range terms {
			g, ok := slotOf[tm.f]
			if !ok {
				g = len(freqs)
				slotOf[tm.f] = g
				freqs = append(freqs, tm.f)
			}
			terms[j].f = g
		}
		uErr := 2 * maxAbs(e.U[i])
		resAll[i], slack[i] = res, uErr+sl
		neur[i] = arcNeuron{terms: terms, amp: amp, spr: spread(t.U[i]) + uErr, uerr: uErr}
		var dmax, hmax float64
		for x := 0; x < p; x++ {
			dmax = max(dmax, e.A[x][i]+g2*math.Abs(t.A[x][i]))
		}
		dB := 0.0
		for x := 0; x < p; x++ {
			dB = max(dB, e.B[x][i]+g2*math.Abs(t.B[x][i]))
		}
		hmax = max(0, maxOf(column(t.A, i))+maxOf(column(t.B, i))+t.C[i])
		kRound += (dmax + dB + e.C[i] + g2*math.Abs(t.C[i])) * (neur[i].spr + uErr)
		kRound += hmax * uErr
	}
	kRound = roundUp(kRound, 4*M)
	// Damaged classes are explained exactly (classes.go): their residuals
	// move into the explanation through prefix sums of their own; the
	// others' spread is each neuron's weight ρ_i (with 2·max D_i, the
	// damaged classes' remainder, folded in).
	K := damagedClasses(resAll, p)
	for i := range resAll {
		neur[i].exact = make([]float64, len(K))
		for j, c := range K {
			neur[i].exact[j] = resAll[i][c]
			resAll[i][c] = 0
		}
	}
	cr := newClassResiduals(resAll, slack, p)
	for i := range neur {
		neur[i].rho = cr.base[i]
		for _, d := range cr.D[i] {
			neur[i].rho = max(neur[i].rho, roundUp(cr.base[i]+2*d, 2))
		}
	}
	flops += int64(M) * int64(p) * 6
	flops += int64(M) * int64(p) * 16 * int64(T)
	F := len(freqs)

	// Clusters: phases, τ_i, the cut-off, and the prefix sums. Neurons in
	// no cluster, and neurons whose gate is never certain (r_i = 0 or a
	// non-finite τ_i), are loose: evaluated exactly (arc) or bounded
	// (arc-compact) on every input.
	var loose []int
	var clusters []*arcCluster
	tauMin, tauMax := math.Inf(1), 0.0
	covered := make([]bool, M)
	for _, cl := range m.Clusters {
		for _, i := range cl.Neurons {
			if i < 0 || i >= M || covered[i] {
				return nil, fmt.Errorf("proof: the clusters do not split the %d neurons (neuron %d listed twice or out of range)", M, i)
			}
			covered[i] = true
		}
	}
	for i, ok := range covered {
		if !ok {
			loose = append(loose, i)
		}
	}
	for _, cl := range m.Clusters {
		type nt struct {
			i          int
			phi, tau   float64
			E, r       float64
			ea, eb, ec float64   // largest residuals of A, B, and |c_i| (with slack)
			resA, resB []float64 // |A_i(x) − r cos(wx + φ)| with slack, by x
		}
		var ns []nt
		for _, i := range cl.Neurons {
			f := m.Fits[i]
			r, ph := f.R, f.Phi
			cph, sph := math.Cos(ph), math.Sin(ph)
			var ea, eb float64
			resA, resB := make([]float64, p), make([]float64, p)
			for x := 0; x < p; x++ {
				kx := (cl.K * x) % p
				ideal := r * (cosT[kx]*cph - sinT[kx]*sph) // r cos(wx + φ)
				resA[x] = (math.Abs(t.A[x][i]-ideal)+e.A[x][i]+1e-12*(math.Abs(t.A[x][i])+r))*(1+1e-9) + 1e-9*r
				resB[x] = (math.Abs(t.B[x][i]-ideal)+e.B[x][i]+1e-12*(math.Abs(t.B[x][i])+r))*(1+1e-9) + 1e-9*r
				ea, eb = max(ea, resA[x]), max(eb, resB[x])
			}
			// The slack 1e-9·r covers the rounding of the phases and of
			// the arc's ends (a neuron at an end has |p̂_i| ≈ 0).
			E := (ea+eb+math.Abs(t.C[i])+e.C[i])*(1+1e-9) + 1e-9*r
			tau := E / (2 * r) * (1 + 1e-9)
			if !(r > 0) || math.IsInf(tau, 0) || math.IsNaN(tau) {
				loose = append(loose, i)
				continue
			}
			ns = append(ns, nt{i: i, phi: math.Mod(mechanism.Wrap(ph)+2*math.Pi, 2*math.Pi), tau: tau, E: E, r: r,
				ea: ea, eb: eb, ec: (math.Abs(t.C[i])+e.C[i])*(1+1e-9) + 1e-9*r, resA: resA, resB: resB})
		}
		flops += int64(len(cl.Neurons)) * int64(p) * 14
		// Tiers by τ_i: each tier is an arc of its own whose windows are
		// sized by its largest τ, so that a few loose neurons do not widen
		// every window (at an input where the cut exceeds |cos(w d/2)| the
		// window is the whole circle). In arc-compact a tier whose largest
		// τ_i is 1 or more is loose: its windows would always be whole.
		sort.Slice(ns, func(x, y int) bool { return ns[x].tau < ns[y].tau })
		if len(ns) > 0 {
			tauMin, tauMax = min(tauMin, ns[0].tau), max(tauMax, ns[len(ns)-1].tau)
		}
		start := 0
		for _, qq := range tiers {
			end := int(math.Ceil(qq * float64(len(ns))))
			if end <= start {
				continue
			}
			tier := append([]nt(nil), ns[start:end]...)
			start = end
			cut := tier[len(tier)-1].tau
			if cut >= 1 && s.Compact {
				for _, n := range tier {
					loose = append(loose, n.i)
				}
				continue
			}
			ac := &arcCluster{k: cl.K}
			tight := tier
			// Per-input cut-offs: |e_i(a, b)| ≤ resA_i(a) + max resB_i + c_i
			// and ≤ max resA_i + resB_i(b) + c_i, so min(cutA[a], cutB[b])
			// is a valid τ at (a, b), often below the tier's worst case.
			ac.cutA, ac.cutB = make([]float64, p), make([]float64, p)
			for _, n := range tier {
				if n.r <= 0 {
					continue
				}
				for x := 0; x < p; x++ {
					ac.cutA[x] = max(ac.cutA[x], (n.resA[x]+n.eb+n.ec)/(2*n.r)*(1+1e-9))
					ac.cutB[x] = max(ac.cutB[x], (n.ea+n.resB[x]+n.ec)/(2*n.r)*(1+1e-9))
				}
			}
			flops += int64(len(tier)) * int64(p) * 8
			sort.Slice(tight, func(x, y int) bool { return tight[x].phi < tight[y].phi })
			local := map[int]int{}
			for _, n := range tight {
				ac.idx = append(ac.idx, n.i)
				ac.phi = append(ac.phi, n.phi)
				for _, tm := range neur[n.i].terms {
					if _, ok := local[tm.f]; !ok {
						local[tm.f] = len(ac.gslot)
						ac.gslot = append(ac.gslot, tm.f)
					}
				}
			}
			ac.slots = len(ac.gslot)
			n := len(tight)
			width := 2 * ac.slots
			cprefix := func(val func(i int) float64) []float64 {
				out := make([]float64, (n+1)*width)
				for j, i := range ac.idx {
					copy(out[(j+1)*width:(j+2)*width], out[j*width:(j+1)*width])
					v := val(i)
					for _, tm := range neur[i].terms {
						sl := local[tm.f]
						out[(j+1)*width+2*sl] += v * tm.re
						out[(j+1)*width+2*sl+1] += v * tm.im
					}
				}
				return out
			}
			rprefix := func(val func(i int) float64) []float64 {
				out := make([]float64, n+1)
				for j, i := range ac.idx {
					out[j+1] = out[j] + val(i)
				}
				return out
			}
			ac.pa, ac.pb = make([][]float64, p), make([][]float64, p)
			ac.qa, ac.qb = make([][]float64, p), make([][]float64, p)
			for x := 0; x < p; x++ {
				ac.pa[x] = cprefix(func(i int) float64 { return t.A[x][i] })
				ac.pb[x] = cprefix(func(i int) float64 { return t.B[x][i] })
				ac.qa[x] = rprefix(func(i int) float64 { return t.A[x][i] * neur[i].rho })
				ac.qb[x] = rprefix(func(i int) float64 { return t.B[x][i] * neur[i].rho })
			}
			ac.pc = cprefix(func(i int) float64 { return t.C[i] })
			ac.qc = rprefix(func(i int) float64 { return t.C[i] * neur[i].rho })
			if len(K) > 0 {
				kprefix := func(val func(i int) float64) []float64 {
					nk := len(K)
					out := make([]float64, (n+1)*nk)
					for j, i := range ac.idx {
						v := val(i)
						for jj := 0; jj < nk; jj++ {
							out[(j+1)*nk+jj] = out[j*nk+jj] + v*neur[i].exact[jj]
						}
					}
					return out
				}
				ac.ka, ac.kb = make([][]float64, p), make([][]float64, p)
				for x := 0; x < p; x++ {
					ac.ka[x] = kprefix(func(i int) float64 { return t.A[x][i] })
					ac.kb[x] = kprefix(func(i int) float64 { return t.B[x][i] })
				}
				ac.kc = kprefix(func(i int) float64 { return t.C[i] })
				flops += int64(2*p+1) * int64(n) * int64(2*len(K)+1)
			}
			Eof := map[int]float64{}
			for _, nn := range tight {
				Eof[nn.i] = nn.E
			}
			ac.ww = rprefix(func(i int) float64 { return Eof[i] * (neur[i].spr + 2*neur[i].rho) })
			if s.Compact && len(K) == 0 {
				ac.wk = make([][]float64, ac.slots)
				for sl := range ac.wk {
					g := ac.gslot[sl]
					ac.wk[sl] = rprefix(func(i int) float64 {
						var z float64
						for _, tm := range neur[i].terms {
							if tm.f == g {
								z += math.Hypot(tm.re, tm.im)
							}
						}
						return Eof[i] * 2 * z * (1 + 1e-9)
					})
				}
				ac.w0 = rprefix(func(i int) float64 {
					return Eof[i] * (3*neur[i].rho + neur[i].uerr + 1e-12*neur[i].amp)
				})
				rOf, phOf := map[int]float64{}, map[int]float64{}
				for j, nn := range tight {
					rOf[nn.i], phOf[nn.i] = nn.r, ac.phi[j]
				}
				omega := func(i, sl int) float64 { // ω of neuron i in slot sl (sl = slots: the rest)
					if sl == ac.slots {
						return 3*neur[i].rho + neur[i].uerr + 1e-12*neur[i].amp
					}
					var z float64
					for _, tm := range neur[i].terms {
						if tm.f == ac.gslot[sl] {
							z += math.Hypot(tm.re, tm.im)
						}
					}
					return 2 * z * (1 + 1e-9)
				}
				for sl := 0; sl <= ac.slots; sl++ {
					ac.sr = append(ac.sr, rprefix(func(i int) float64 { return rOf[i] * omega(i, sl) }))
					ac.sc = append(ac.sc, rprefix(func(i int) float64 { return rOf[i] * math.Cos(phOf[i]) * omega(i, sl) }))
					ac.ss = append(ac.ss, rprefix(func(i int) float64 { return rOf[i] * math.Sin(phOf[i]) * omega(i, sl) }))
					for _, i := range ac.idx {
						ac.abs += rOf[i] * math.Abs(omega(i, sl)) * (1 + math.Abs(math.Cos(phOf[i])) + math.Abs(math.Sin(phOf[i])))
					}
				}
				flops += int64(n) * int64(ac.slots+1) * 16
			}
			flops += int64(2*p+1) * int64(n) * int64(2*width+4)
			clusters = append(clusters, ac)
		}
	}
	sort.Ints(loose)

	// Input-independent pieces of the rounding bound: Σ_i |A_i(a)|·|û_i| etc.
	sa, sb, sra, srb := make([]float64, p), make([]float64, p), make([]float64, p), make([]float64, p)
	var sc, src float64
	for i := 0; i < M; i++ {
		amp := neur[i].amp
		for _, v := range neur[i].exact {
			amp += math.Abs(v) // covers the rounding of the damaged classes' sums
		}
		for x := 0; x < p; x++ {
			sa[x] += math.Abs(t.A[x][i]) * amp
			sb[x] += math.Abs(t.B[x][i]) * amp
			sra[x] += math.Abs(t.A[x][i]) * neur[i].rho
			srb[x] += math.Abs(t.B[x][i]) * neur[i].rho
		}
		sc += math.Abs(t.C[i]) * amp
		src += math.Abs(t.C[i]) * neur[i].rho
	}
	flops += int64(M) * int64(p) * 12
	// Loose neurons in arc-compact: separable bounds on Σ h_i·spread.
	var looseA, looseB []float64
	if s.Compact && len(loose) > 0 {
		looseA, looseB = make([]float64, p), make([]float64, p)
		for _, i := range loose {
			ma, mb := maxOf(column(t.A, i)), maxOf(column(t.B, i))
			sp := neur[i].spr + 2*neur[i].rho
			for x := 0; x < p; x++ {
				looseA[x] += max(0, t.A[x][i]+mb+t.C[i]) * sp
				looseB[x] += max(0, ma+t.B[x][i]+t.C[i]) * sp
			}
		}
		flops += int64(len(loose)) * int64(p) * 10
	}
	// Direct paths' rounding per a and per b.
	derrA, derrB := make([]float64, p), make([]float64, p)
	dsA, dsB := make([]float64, p), make([]float64, p)
	for x := 0; x < p; x++ {
		derrA[x], derrB[x] = maxAbs(e.La[x]), maxAbs(e.Lb[x])
		dsA[x], dsB[x] = maxAbs(t.La[x]), maxAbs(t.Lb[x])
	}
	derr0, ds0 := maxAbs(e.L0), maxAbs(t.L0)

	eps := make([]float64, p*p)
	expl := m.logits()
	zr, zi := make([]float64, F), make([]float64, F)
	nk := len(K)
	kx := make([]float64, nk)
	// addNeuron adds d times a neuron's explanation (its Fourier terms and
	// its damaged classes' residuals) to the input's sums and returns its
	// residual weight d·ρ_i.
	addNeuron := func(nn arcNeuron, d float64) float64 {
		for jj, v := range nn.exact {
			kx[jj] += d * v
		}
		for _, tm := range nn.terms {
			zr[tm.f] += d * tm.re
			zi[tm.f] += d * tm.im
		}
		return d * nn.rho
	}
	var perInput int64 // operations spent per input, summed
	var windowed int64 // window neurons, summed over the inputs
	budget := newBudget(
		"U residuals beyond one Fourier term (Σ h_i ρ_i)",
		"uncertain gates (windows and loose neurons)",
		"rounding (tables, prefix sums, explanation)")
	var arc, win []rng
	arcBuf, winBuf := make([]rng, 0, 2), make([]rng, 0, 4)
	// Per-competitor window bounds (arc-compact without exactly explained
	// classes): gk[f] collects the windows' E_i·2|z| of frequency slot f,
	// g0 the rest; absSin[j] = |sin(πj/p)|.
	refine := s.Compact && len(K) == 0
	gk, gateC := make([]float64, F), make([]float64, p)
	gk2 := make([]float64, F) // the same with the inner-edge refinement, g02 its rest
	var sideBuf [2][]rng
	absSin := make([]float64, p)
	for j := range absSin {
		absSin[j] = math.Abs(math.Sin(math.Pi * float64(j) / float64(p)))
	}
	certified, slackOf := make([]bool, p*p), make([]float64, p*p)
	var perClass []float64 // [p²][p]: each competitor's ε, for check
	if refine {
		perClass = make([]float64, p*p*p)
	}
	// Half-angle cosines cos(πj/p), j < 2p: cos(w d/2) and θ by table.
	half := make([]float64, 2*p)
	for j := range half {
		half[j] = math.Cos(math.Pi * float64(j) / float64(p))
	}
	cw, sw := make([][]float64, F), make([][]float64, F)
	for f, k := range freqs {
		cw[f], sw[f] = make([]float64, p), make([]float64, p)
		for c := 0; c < p; c++ {
			cw[f][c], sw[f][c] = cosT[(k*c)%p], sinT[(k*c)%p]
		}
	}
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			clear(zr)
			clear(zi)
			clear(kx)
			var resid, gate, gateScale, g0, g02 float64
			var ops int64
			clear(gk)
			clear(gk2)
			// Each prefix difference is within γ of twice the absolute sum
			// of all terms; up to two ranges per sum: a factor 8.
			zscale := 8 * (sa[a] + sb[b] + sc)
			rscale := 8 * (sra[a] + srb[b] + src)
			for _, ac := range clusters {
				n := len(ac.idx)
				jd := ((ac.k*(a-b))%(2*p) + 2*p) % (2 * p)
				cd := half[jd]
				js := (ac.k * (a + b)) % (2 * p)
				theta := math.Pi * float64(js) / float64(p)
				mu := -theta
				if cd < 0 {
					mu += math.Pi
				}
				arc = ranges(arcBuf[:0], ac.phi, mu-math.Pi/2, math.Pi)
				ratio := min(ac.cutA[a], ac.cutB[b]) / math.Abs(cd)
				if ratio > 1-1e-6 {
					win = append(winBuf[:0], rng{0, n})
				} else {
					delta := math.Asin(ratio) + 1e-7
					win = ranges(winBuf[:0], ac.phi, mu-math.Pi/2-delta, 2*delta)
					win = ranges(win, ac.phi, mu+math.Pi/2-delta, 2*delta)
				}
				ops += 60
				width := 2 * ac.slots
				pa, pb := ac.pa[a], ac.pb[b]
				for _, r := range arc {
					for sl := 0; sl < ac.slots; sl++ {
						g := ac.gslot[sl]
						for c := 0; c < 2; c++ {
							o := 2*sl + c
							v := pa[r.hi*width+o] - pa[r.lo*width+o] + pb[r.hi*width+o] - pb[r.lo*width+o] + ac.pc[r.hi*width+o] - ac.pc[r.lo*width+o]
							if c == 0 {
								zr[g] += v
							} else {
								zi[g] += v
							}
						}
					}
					resid += ac.qa[a][r.hi] - ac.qa[a][r.lo] + ac.qb[b][r.hi] - ac.qb[b][r.lo] + ac.qc[r.hi] - ac.qc[r.lo]
					for jj := 0; jj < nk; jj++ {
						hi, lo := r.hi*nk+jj, r.lo*nk+jj
						kx[jj] += ac.ka[a][hi] - ac.ka[a][lo] + ac.kb[b][hi] - ac.kb[b][lo] + ac.kc[hi] - ac.kc[lo]
					}
					ops += int64(nk) * 6
					ops += int64(ac.slots)*12 + 9
				}
				if s.Compact {
					for _, r := range win {
						gate += ac.ww[r.hi] - ac.ww[r.lo]
						gateScale += ac.ww[len(ac.ww)-1]
						windowed += int64(r.hi - r.lo)
						if refine {
							g0 += ac.w0[r.hi] - ac.w0[r.lo]
							gateScale += ac.w0[n]
							for sl, w := range ac.wk {
								gk[ac.gslot[sl]] += w[r.hi] - w[r.lo]
								gateScale += w[n]
							}
							ops += int64(ac.slots)*2 + 2
						}
					}
					if refine {
						// The window split by the arc's own index ranges (so
						// that every window neuron is in exactly one part):
						// σ = +1 inside the arc, −1 outside. σ need only agree
						// with the arc membership the explanation used: for
						// |p̂_i| ≤ 2r_iκ the gate error is at most 2r_iκ − σp̂_i
						// either way.
						kap := min(ac.cutA[a], ac.cutB[b])*(1+1e-5) + 1e-6
						var sides [2][]rng
						sides[0], sides[1] = splitByArc(sideBuf[0][:0], sideBuf[1][:0], win, arc)
						sign := [2]float64{1, -1}
						ct, st := math.Cos(theta), math.Sin(theta)
						for q, rs := range sides {
							for _, r := range rs {
								for sl := 0; sl <= ac.slots; sl++ {
									A := ac.sr[sl][r.hi] - ac.sr[sl][r.lo]
									C := ac.sc[sl][r.hi] - ac.sc[sl][r.lo]
									S := ac.ss[sl][r.hi] - ac.ss[sl][r.lo]
									// Σ (2r_iκ − σ p̂_i)ω_i ≥ 0 in exact arithmetic.
									v := max(2*kap*A-sign[q]*2*cd*(ct*C-st*S), 0)
									if sl == ac.slots {
										g02 += v
									} else {
										gk2[ac.gslot[sl]] += v
									}
								}
								gateScale += 2 * (kap + 1) * ac.abs
								ops += int64(ac.slots+1) * 12
							}
						}
					}
					ops += 4
					continue
				}
				for _, r := range win {
					for j := r.lo; j < r.hi; j++ {
						i := ac.idx[j]
						pre := t.A[a][i] + t.B[b][i] + t.C[i]
						h := max(pre, 0)
						d := h
						if inRanges(j, arc) {
							d = h - pre // replace the linear guess by the exact value
						}
						resid += addNeuron(neur[i], d)
					}
					ops += int64(r.hi-r.lo) * 12
					windowed += int64(r.hi - r.lo)
				}
			}
			var gateLoose float64
			if s.Compact {
				if looseA != nil {
					gateLoose = min(looseA[a], looseB[b])
				}
				gate += gateLoose
			} else {
				for _, i := range loose {
					resid += addNeuron(neur[i], max(t.A[a][i]+t.B[b][i]+t.C[i], 0))
				}
				ops += int64(len(loose)) * 9
			}
			row := expl[(a*p+b)*p : (a*p+b+1)*p]
			var zabs float64
			for f := 0; f < F; f++ {
				zabs += math.Abs(zr[f]) + math.Abs(zi[f])
			}
			la, lb := t.La[a], t.Lb[b]
			for c := range row {
				row[c] = la[c] + lb[c] + t.L0[c]
			}
			for jj, c := range K {
				row[c] += kx[jj]
			}
			for f := range freqs {
				x, y, cf, sf := zr[f], zi[f], cw[f], sw[f]
				for c := range row {
					row[c] += cf[c]*x - sf[c]*y
				}
			}
			ops += int64(p) * int64(3+4*F)
			cs := (a + b) % p
			gateWin := gate - gateLoose
			if refine {
				// Each competitor's own window bound, never above the
				// one for all classes.
				gate = 0
				for c := range gateC {
					if c == cs {
						continue
					}
					d := (cs - c + p) % p
					gw, gw2 := g0, g02
					for f, w := range gk {
						sn := absSin[(freqs[f]*d)%p]
						gw += w * sn
						gw2 += gk2[f] * sn
					}
					gateC[c] = min(gateWin, gw, gw2) + gateLoose
					gate = max(gate, gateC[c])
				}
				ops += int64(p) * int64(4*F+6)
			}
			// Rounding: Z and the ε sums are sums of at most 2M + 8 terms
			// whose absolute values are bounded by zscale and rscale; each
			// logit adds 2F + 3 terms; the tables' own rounding is kRound.
			gm := circuit.Gamma(2*M + 16)
			round := 2*(gm*zscale+circuit.Gamma(2*F+8)*(zabs+dsA[a]+dsB[b]+ds0)+derrA[a]+derrB[b]+derr0) + gm*(rscale+4*gate+4*gateScale) + kRound
			resid = max(resid, 0) // a sum of non-negative terms, up to rounding (in round)
			eps[a*p+b] = roundUp(resid+gate+round, 8+F)
			if refine {
				// Certified when every competitor's margin exceeds its own
				// bound (and all is finite).
				ok := isFinite(eps[a*p+b])
				binding, worst := gate, math.Inf(1)
				for c, v := range row {
					if c == cs {
						continue
					}
					e := roundUp(resid+gateC[c]+round, 8+F)
					perClass[(a*p+b)*p+c] = e
					d := row[cs] - v
					if !(d > e) || d-d != 0 {
						ok = false
					}
					if d-e < worst {
						worst, binding = d-e, gateC[c]
					}
				}
				certified[a*p+b] = ok && p > 1
				slackOf[a*p+b] = worst
				budget.add(resid, binding, round)
			} else {
				budget.add(resid, gate, round)
			}
			perInput += ops + 12
		}
	}
	flops += perInput
	cert := m.certify(s.Name(), eps, expl, flops)
	if refine {
		// ε(a, b) above is the largest over the competitors (what check
		// compares the actual errors with); certification used each one's.
		cert.Certified = certified
		cert.CertifiedAccuracy = fraction(certified)
		cert.Slack = slackOf
		cert.perClass = perClass
	}
	cert.DamagedClasses = K
	if math.IsInf(tauMin, 1) {
		tauMin = 0 // no tight neuron
	}
	cert.Details = map[string]float64{"tau_min": tauMin, "tau_max": tauMax,
		"window_share": float64(windowed) / float64(p*p*M), "loose_share": float64(len(loose)) / float64(M)}
	cert.Seconds = time.Since(t0).Seconds()
	cert.Budget = budget.terms()
	m.check(cert, expl)
	return cert, nil
}

type rng struct{ lo, hi int }

// ranges appends to dst the index ranges of the sorted phases in
// [lo, lo + length) mod 2π: one range, or two where it wraps past 2π.
func ranges(dst []rng, phi []float64, lo, length float64) []rng {
	n := len(phi)
	if length >= 2*math.Pi {
		return append(dst, rng{0, n})
	}
	lo = math.Mod(lo, 2*math.Pi)
	if lo < 0 {
		lo += 2 * math.Pi
	}
	hi := lo + length
	i := sort.SearchFloat64s(phi, lo)
	if hi <= 2*math.Pi {
		return append(dst, rng{i, sort.SearchFloat64s(phi, hi)})
	}
	return append(dst, rng{i, n}, rng{0, sort.SearchFloat64s(phi, hi-2*math.Pi)})
}

// splitByArc appends to in the parts of the ranges win that lie in the
// ranges arc, and to out the rest: each index of win in exactly one.
func splitByArc(in, out, win, arc []rng) ([]rng, []rng) {
	var cuts []rng
	for _, r := range win {
		cuts = cuts[:0]
		for _, a := range arc {
			if lo, hi := max(r.lo, a.lo), min(r.hi, a.hi); lo < hi {
				cuts = append(cuts, rng{lo, hi})
			}
		}
		sort.Slice(cuts, func(x, y int) bool { return cuts[x].lo < cuts[y].lo })
		at := r.lo
		for _, c := range cuts {
			if at < c.lo {
				out = append(out, rng{at, c.lo})
			}
			in = append(in, c)
			at = c.hi
		}
		if at < r.hi {
			out = append(out, rng{at, r.hi})
		}
	}
	return in, out
}

func inRanges(j int, rs []rng) bool {
	for _, r := range rs {
		if j >= r.lo && j < r.hi {
			return true
		}
	}
	return false
}

func column(m [][]float64, j int) []float64 {
	out := make([]float64, len(m))
	for i := range m {
		out[i] = m[i][j]
	}
	return out
}
