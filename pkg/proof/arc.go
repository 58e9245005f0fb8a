package proof

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/fourier"
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
// window) and the loose neurons (not in a cluster, or without a fit) are
// evaluated exactly (ReLU of the table entries): cheap because the windows
// are narrow, but per-input work grows with the window, so the cost is not
// O(p·m) in the worst case (ArcSigned bounds the windows instead).
//
// ε(a, b) = Σ_i h_i ρ_i (U's residual, by prefix sums) + rounding (prefix
// sums, the tables' own rounding from circuit.Errors, the explanation's
// logits). Soundness does not depend on
// the fits being good: they only decide how much is certified.
type Arc struct {
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
	// ka[a], kb[b], kc: [(n+1)·|K|] prefix sums of A_i(a)·r_i(c), ... for
	// the damaged classes c in K.
	ka, kb [][]float64
	kc     []float64
}

type arcNeuron struct {
	terms []term  // û_i: Fourier terms of U_i, f their global slots
	amp   float64 // Σ |re| + |im| over the terms
	rho   float64 // spread of U_i − û_i e^{iw c} (with rounding)
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

	cosT, sinT := fourier.Tables(p)
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
		neur[i] = arcNeuron{terms: terms, amp: amp}
		var dmax, hmax float64
		for x := 0; x < p; x++ {
			dmax = max(dmax, e.A[x][i]+g2*math.Abs(t.A[x][i]))
		}
		dB := 0.0
		for x := 0; x < p; x++ {
			dB = max(dB, e.B[x][i]+g2*math.Abs(t.B[x][i]))
		}
		hmax = max(0, maxOf(column(t.A, i))+maxOf(column(t.B, i))+t.C[i])
		kRound += (dmax + dB + e.C[i] + g2*math.Abs(t.C[i])) * (spread(t.U[i]) + 2*uErr)
		kRound += hmax * uErr
	}
	kRound = roundUp(kRound, 4*M)
	// Damaged classes are explained exactly (classes.go): their residuals
	// move into the explanation through prefix sums of their own; the
	// others' spread is each neuron's weight ρ_i (with 2·max D_i, the
	// damaged classes' remainder, folded in).
	K := damagedClasses(resAll, slack, p)
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
	// compressU, and per token the rounding scans (4 + 4), the largest
	// pre-activations (2), U's spread and rounding (2 + 2)
	flops += int64(M) * (14*int64(p) + compressFLOPs(p, T))
	F := len(freqs)

	// Clusters: phases, τ_i, the cut-off, and the prefix sums. Neurons in
	// no cluster, and neurons whose gate is never certain (r_i = 0 or a
	// non-finite τ_i), are loose: evaluated exactly on every input.
	var loose []int
	var clusters []*arcCluster
	tauMin, tauMax := math.Inf(1), 0.0
	clusterOf, err := m.clusterOf()
	if err != nil {
		return nil, err
	}
	for i, ci := range clusterOf {
		if ci < 0 {
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
		// window is the whole circle).
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
		"rounding (tables, prefix sums, explanation)")
	var arc, win []rng
	arcBuf, winBuf := make([]rng, 0, 2), make([]rng, 0, 4)
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
			var resid float64
			var ops int64
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
			for _, i := range loose {
				resid += addNeuron(neur[i], max(t.A[a][i]+t.B[b][i]+t.C[i], 0))
			}
			ops += int64(len(loose)) * 9
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
			// Rounding: Z and the ε sums are sums of at most 2M + 8 terms
			// whose absolute values are bounded by zscale and rscale; each
			// logit adds 2F + 3 terms; the tables' own rounding is kRound.
			gm := circuit.Gamma(2*M + 16)
			round := 2*(gm*zscale+circuit.Gamma(2*F+8)*(zabs+dsA[a]+dsB[b]+ds0)+derrA[a]+derrB[b]+derr0) + gm*rscale + kRound
			resid = max(resid, 0) // a sum of non-negative terms, up to rounding (in round)
			eps[a*p+b] = roundUp(resid+round, 8+F)
			budget.add(resid, round)
			perInput += ops + 12
		}
	}
	flops += perInput
	cert := m.certify(s.Name(), eps, expl, flops)
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
