package proof

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strings"
	"time"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/mechanism"
)

// ArcSigned proves without evaluating any neuron on any input: from each
// cluster's geometry, and from the signs of the errors. A neuron i of a
// cluster of frequency w = 2πk/p is explained, with its offset kept inside
// the ReLU, by
//
//	p̂_i(a, b) = 2r_i (|cos(w d/2)| cos u_i + t̄),  u_i = θ' + φ_i,
//
// d = a − b, θ' = w(a + b)/2 (+π when cos(w d/2) < 0) and t̄ the median
// offset ratio o_i/(2r_i) of the neuron's tier (arc-signed/T splits each
// cluster into T tiers by that ratio). The true pre-activation differs by
// at most E_i(a, b) = ẽA_i(a) + ẽB_i(b): the fit residuals of A at a and
// of B at b, the offset's deviation |o_i − 2r_i t̄| and the tables'
// rounding. The explanation takes ĥ_i = pre_i on the arc p̂_i > 0 and 0 off
// it, so that Σ ĥ_i U_i is, per frequency slot, a difference of prefix
// sums over the tier's neurons sorted by phase (U_i compressed onto the
// K frequency slots, the clusters' then any extra waves, z_ik; ρ_i the
// spread of the rest). Only the
// neurons of two windows, where |p̂_i| ≤ 2r_iκ (κ(a, b) ≥ every E_i/(2r_i)
// of the tier), can have the wrong gate; there h_i − ĥ_i lies in
// [0, (E_i − σp̂_i)⁺] (σ = +1 on the arc, −1 off it: ReLU(pre) ≥ pre and
// ≥ 0), which the chord E_i(1 − σp̂_i/(2r_iκ)) bounds linearly, so that the
// window sums are prefix sums of ẽA_i(a)|z_i|(1, cos φ_i, sin φ_i) and the
// same for b. That sign, and the windows' place at the arc's ends, where
// phase doubling puts the own term z_i e^{iwc*} at v_i = 2u_i + (ψ_i − 2φ_i)
// ≈ π (the neuron votes against c*), bound the gate errors against the
// competitor c = c* − Δ one-sidedly,
//
//	Σ_win (h_i − ĥ_i)(û_i(c*) − û_i(c)) ≥ −Σ_win chord_i |z_i| ((1 − cos wΔ) + s̄|sin wΔ|),
//
// s̄ ≥ max |sin v_i| over the window (|sin v| ≤ |v − π|): the gate errors
// scale like the margin itself, (1 − cos wΔ), not like a spread. The other
// clusters' terms of a window neuron add 2·E_i·Σ|z_ik|, its residual E_iρ_i.
// With Z_k the explanation's sum at frequency k (the direct paths' terms
// there included), Y_k = Z_k e^{iw_k c*} = x_k + i y_k and the residuals
// (U beyond the clusters' terms, Σ h_i ρ_i by prefix sums; the direct paths
// beyond them; neurons outside every cluster, separably) in ε₀(a, b),
//
//	logit(c*) − logit(c) ≥ Σ_k [X_k(1 − cos w_kΔ) − y_k sin w_kΔ − H_k|sin w_kΔ|] − ε₀,
//
// X_k = x_k − Σ_win chord·|z|, H_k = Σ_win s̄·chord·|z|: O(K) numbers per
// input, each O(T) from prefix sums. The minimum over Δ is taken once per
// distance d = a − b from the smallest X_k and largest |y_k| + H_k over the
// p inputs sharing d (the explanation's amplitudes depend on d, hardly on
// a + b); where that group bound fails, once more for all of the inputs
// whose own bound at the group's worst Δ holds, then for the strongest
// half, quarter, ... of them, and per input only for those still left. Rounding is bounded with γ_n
// factors on each sum's absolute values; the fits are hints, soundness
// does not depend on them. Cost: O(p·m·K) to prepare, O(p²·K·T) after.
type ArcSigned struct {
	// Tiers splits each cluster by offset ratio into arcs of their own
	// (0 or 1: one arc per cluster).
	Tiers int
	// Without switches ideas off, to measure what each one buys (notebook
	// 04's ablation); zero keeps them all.
	Without Idea
	// Waves adds U's terms at up to that many more frequencies (fewer
	// where p has fewer left; Details["extra_waves"] says), those that
	// carry most of the cluster neurons' U beyond the clusters' own
	// (extraWaves), to every neuron's explanation: Z_k slots of their own,
	// summed exactly over the arcs like the cross terms, and no longer part
	// of the residual's spread ρ_i.
	Waves int
}

// An Idea is one of arc-signed's ideas. With one switched off the proof
// falls back to another bound, sound on its own and usually coarser (not
// always: without the cross terms a damaged class's spike is not spread
// over the other clusters' frequencies, which can certify more).
type Idea uint

const (
	// OffsetInside predicts gates with the tier's offset ratio t̄ (off:
	// t̄ = 0, the whole offset counted in E_i).
	OffsetInside Idea = 1 << iota
	// CrossTerms sums U_i's terms at the other clusters' frequencies
	// exactly (off: they join the residual's spread ρ_i).
	CrossTerms
	// InputKappa sizes the windows per input, κ(a, b) (off: one κ per
	// tier, from every neuron's largest residuals).
	InputKappa
	// Chords bounds a window neuron's gate error by the chord, linear in p̂
	// (off: by E_i itself).
	Chords
	// MarginShape charges gate errors to each cluster's margin coefficient
	// X_k (off: to ε, at 2|z_i| each, against any rival).
	MarginShape
	// DirectTerms puts the direct paths' terms at the clusters'
	// frequencies into Z_k (off: the direct paths count by their spread).
	DirectTerms
	// InputResiduals bounds a window neuron's gate error with its
	// residuals at the input, E_i(a, b) (off: with its largest over the
	// inputs, Ē_i, which also makes κ one number per tier: the window sums
	// then come from one prefix array per tier instead of one per value of
	// a and of b, the preparation's largest per-token cost after the arcs').
	InputResiduals
	// LooseOutliers bounds a cluster's outlier neurons (outlierRatio) as
	// loose, like the neurons outside every cluster: separably, against
	// any rival (off: they stay in their tier, whose windows κ sizes from
	// the largest residual ratio among its neurons).
	LooseOutliers
	// MinorClusters gives every cluster arcs and a frequency slot,
	// however few its neurons (off: a cluster with fewer than
	// 1/minorDivisor of the largest one's neurons is bounded loose, and
	// its frequency, whose terms in the other neurons' U and in the direct
	// paths are small, joins their residuals' spread; with +W it may come
	// back as an extra wave, if it is among the heaviest). A slot costs every
	// cluster neuron's U a term and every arc a complex prefix column; on
	// the trained p = 331 model four clusters of 10 to 68 neurons (of
	// 4,096) cost a third of the proof, for 0.3% of the inputs.
	MinorClusters
)

// minorDivisor: with MinorClusters off, a cluster with fewer than
// 1/minorDivisor of the largest cluster's neurons is minor. Every shipped
// trained ReLU model's clusters fall into a few large ones (129 neurons or
// more, at least 29% of the largest) and a tail of minor ones (1 to 68
// neurons, at most 9.2% of the largest): any cut from 10% to 29% splits
// them alike.
const minorDivisor = 10

// outlierRatio: a cluster's neuron whose fit residual ratio
// (max ẽA_i + max ẽB_i)/(2r_i) exceeds outlierRatio times the cluster's
// median ratio (and outlierFloor), or 1 (the residual exceeds the
// neuron's whole swing), is an outlier. Measured, not derived: the
// shipped models at p = 113 and p59-pizza-m2048 have a few (12 of 2,048
// to 33 of 512 neurons), and bounding them loose certifies far more there
// (p = 113 arc-signed/4 1.5% → 31%); p = 31 has 73 of 512 (nothing
// certified either way), the p = 59 models with 512 and 1,024 neurons
// none. On a hand-made exact pizza with one outlier it costs instead
// (TestArcSignedLooseOutliers): the loose bound does not scale with the
// margin's shape as the tier's does.
// Below outlierFloor no neuron is an outlier: where a cluster's residuals
// are at rounding level (an exact pizza) twice their median is no scale.
const (
	outlierRatio = 2
	outlierFloor = 0.05
)

// Ideas lists arc-signed's ideas, in the order of Idea's bits.
var Ideas = []Idea{OffsetInside, CrossTerms, InputKappa, Chords, MarginShape, DirectTerms, InputResiduals, LooseOutliers, MinorClusters}

// String names an idea (several: joined by "+").
func (x Idea) String() string {
	names := []string{"offset inside", "cross terms", "per-input κ", "chords", "margin shape", "direct terms", "per-input residuals", "loose outliers", "minor clusters"}
	var out []string
	for j, n := range names {
		if x&(1<<j) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, "+")
}

// Name implements Strategy.
func (s ArcSigned) Name() string {
	name := "arc-signed"
	if s.Tiers > 1 {
		name = fmt.Sprintf("arc-signed/%d", s.Tiers)
	}
	if s.Waves > 0 {
		name += fmt.Sprintf("+%d", s.Waves)
	}
	if s.Without != 0 {
		name += " without " + s.Without.String()
	}
	return name
}

// sgTier is one tier of a cluster: its neurons sorted by phase, with
// prefix sums. Complex prefix arrays hold re, im per slot; all have n+1
// slots; virtual indices above n wrap around (addDiff).
type sgTier struct {
	slot int // the cluster's index among the frequencies
	k    int
	n    int
	phi  []float64 // sorted phases in [0, 2π)
	rank []int     // rank[g]: the first j with phi[j] ≥ 2πg/G, G = len(rank) − 1
	tbar float64   // the tier's offset ratio inside p̂
	// pa[a]: [(n+1)·2kc] prefix sums of (A_i(a) + C_i)·z_ik, one complex
	// column per frequency slot k = k0..k0+kc−1 (every slot, or
	// only the tier's own without the cross terms); pb[b]: of B_i(b)·z_ik.
	pa, pb [][]float64
	k0, kc int
	// qa[a], qb[b]: [(n+1)·(1+|K|)] prefix sums of (A_i(a) + C_i)·ρ_i and
	// B_i(b)·ρ_i, then times D_i(c) for each damaged class c in K.
	qa, qb [][]float64
	// ea[a], eb[b]: [(n+1)·(4+|K|)] prefix sums of the parts of E_i(a, b) =
	// ẽA_i(a) + ẽB_i(b) (the a part carries the offset's deviation and the
	// slack) times |z_i|, |z_i| cos φ_i, |z_i| sin φ_i (the chords), what a
	// wrong gate can cost beyond the own term, ρ_i + 2Σ|z_ik|₁ (the
	// residual's spread and twice the other clusters' terms' size), and
	// D_i(c) for each damaged class c.
	ea, eb [][]float64
	// ew: the same columns of Ē_i, each neuron's largest E_i over the
	// inputs, when the per-input residuals are off (ea, eb are then nil).
	ew []float64
	// kap: κ valid at every input, when it is one per tier (cutA, cutB,
	// sepA, sepB are then nil); uHi[jd], cosHi[jd], uLo[jd], cosLo[jd]:
	// the windows' acos bounds per distance half-angle, sized by it.
	kap                    float64
	uHi, cosHi, uLo, cosLo []float64
	// cutA[a], cutB[b]: κ valid at every input with that a (b).
	cutA, cutB []float64
	// sepA[a] + sepB[b] + eo is another such κ: the largest residual ratios
	// of a and of b added (the cut-offs above take one side's largest).
	sepA, sepB []float64
	eo         float64
	pdLo, pdHi float64 // range of ψ_i − 2φ_i, the short way round
	uMid       []float64
}

// search returns the first j with phi[j] ≥ x (x in [0, 2π)) and the
// operations it took.
func (c *sgTier) search(x float64) (int, int64) {
	G := len(c.rank) - 1
	g := min(max(int(x*(float64(G)/(2*math.Pi))), 0), G)
	j := c.rank[g]
	ops := int64(3)
	for j > 0 && c.phi[j-1] >= x {
		j--
		ops++
	}
	for j < c.n && c.phi[j] < x {
		j++
		ops++
	}
	return j, ops + 1
}

// edge is one boundary angle reduced to [0, 2π) and the index of the
// first phase at or after it.
type edge struct {
	r float64
	j int
}

// edge locates angle x (any real).
func (c *sgTier) edge(x float64) (edge, int64) {
	// The angles are within a few turns of [0, 2π): steps of 2π reduce them
	// (the same x always gives the same r, which is what the spans need).
	r := x
	for r < 0 {
		r += 2 * math.Pi
	}
	for r >= 2*math.Pi {
		r -= 2 * math.Pi
	}
	j, o := c.search(r)
	return edge{r, j}, o + 3
}

// span is the virtual index range [lo, hi) of the phases from edge e0 to
// edge e1 going round by length (≥ 0): hi may exceed n (wrapping). The
// same edge gives the same index in every span, so that adjacent spans
// count each neuron exactly once.
func (c *sgTier) span(e0, e1 edge, length float64) (int, int) {
	if length >= 2*math.Pi {
		return 0, c.n
	}
	wraps := e1.r < e0.r-1e-9 || (math.Abs(e1.r-e0.r) <= 1e-9 && length > math.Pi)
	lo, hi := e0.j, e1.j
	if wraps {
		hi += c.n
	} else if hi < lo {
		hi = lo // an empty span whose ends rounded past each other
	}
	return lo, hi
}

// addDiff adds to dst[c], for every column c < len(dst) of a prefix array
// with w columns, the sum over the virtual range [lo, hi): one pass for all
// the columns a window or an arc needs.
func addDiff(dst, P []float64, w, n, lo, hi int) {
	o1 := w * hi
	var wrap1 []float64
	if hi > n {
		o1, wrap1 = w*(hi-n), P[w*n:w*n+w]
	}
	o0 := w * lo
	var wrap0 []float64
	if lo > n {
		o0, wrap0 = w*(lo-n), P[w*n:w*n+w]
	}
	for c := range dst {
		v1, v0 := P[o1+c], P[o0+c]
		if wrap1 != nil {
			v1 = wrap1[c] + v1
		}
		if wrap0 != nil {
			v0 = wrap0[c] + v0
		}
		dst[c] += v1 - v0
	}
}

// sinBound bounds |sin v| over v in [lo, hi]: |sin v| ≤ |v − π|, and ≤ 1.
func sinBound(lo, hi float64) float64 {
	return min(1, max(math.Abs(lo-math.Pi), math.Abs(hi-math.Pi)))
}

// sgInput is what the proof keeps per input: the K cluster numbers of the
// bound (the check rebuilds every competitor's bound from them).
type sgInput struct {
	y, X, H []float64 // [p²·K]
	zr, zi  []float64 // [p²·K]: Z_k, for the explanation's logits
	eps0    []float64 // [p²]
	xd      []float64 // [p²·|K|]: Σ h_i D_i(c) for each damaged class c
}

// Clusters returns the clusters of m that the proof gives arcs and
// frequency slots (with MinorClusters off, the minor ones left out).
func (s ArcSigned) Clusters(m *Model) ([]mechanism.Cluster, error) {
	cls, _, err := s.arcClusters(m)
	return cls, err
}

// arcClusters returns the clusters that get arcs and frequency slots
// (m.Clusters, less the minor ones with MinorClusters off) and each
// neuron's index among them, −1 for a neuron in none; an error for a
// cluster (minor or not) whose frequency is outside 1..p−1, or clusters
// that list a neuron twice.
func (s ArcSigned) arcClusters(m *Model) ([]mechanism.Cluster, []int, error) {
	of, err := m.clusterOf()
	if err != nil {
		return nil, nil, err
	}
	largest := 0
	for ci, cl := range m.Clusters {
		if cl.K < 1 || cl.K >= m.P {
			return nil, nil, fmt.Errorf("proof: cluster %d has frequency %d, outside 1..p−1 = %d", ci, cl.K, m.P-1)
		}
		largest = max(largest, len(cl.Neurons))
	}
	if s.Without&MinorClusters == 0 {
		return m.Clusters, of, nil
	}
	var kept []mechanism.Cluster
	slot := make([]int, len(m.Clusters)) // old index → new, −1 for a minor cluster
	for ci, cl := range m.Clusters {
		slot[ci] = -1
		if minorDivisor*len(cl.Neurons) >= largest { // integers: the cut is exact
			slot[ci] = len(kept)
			kept = append(kept, cl)
		}
	}
	for i, ci := range of {
		if ci >= 0 {
			of[i] = slot[ci]
		}
	}
	return kept, of, nil
}

// Prove implements Strategy.
func (s ArcSigned) Prove(m *Model) (*Certificate, error) {
	m.evaluate() // for check only: not part of the proof's time
	t0 := time.Now()
	t, e, p, M := m.T, m.Err, m.P, m.M
	var flops int64 = m.FoldFLOPs
	g2 := circuit.Gamma(2)
	cosT, sinT := fourier.Tables(p)
	T := max(s.Tiers, 1)
	off := func(x Idea) bool { return s.Without&x != 0 }
	inputRes := !off(InputResiduals)         // windows from E_i(a, b), per token
	inputKap := !off(InputKappa) && inputRes // κ(a, b) per input; else one per tier

	clusters, slotOf, err := s.arcClusters(m) // each neuron's cluster among them, −1 for none
	if err != nil {
		return nil, err
	}
	// The frequencies U is compressed onto: the clusters', then the extra
	// waves (slots without neurons of their own).
	if s.Waves < 0 {
		return nil, fmt.Errorf("proof: %d waves of U: want 0 or more", s.Waves)
	}
	ks := make([]int, 0, len(clusters)+min(s.Waves, p/2))
	for _, cl := range clusters {
		ks = append(ks, cl.K)
	}
	if s.Waves > 0 {
		extra, f := extraWaves(m, clusters, s.Waves)
		ks = append(ks, extra...)
		flops += f
	}
	K := len(ks)
	// Per neuron: the term z_i of U_i at its cluster's frequency, the
	// residual's spread ρ_i (with the rounding of the term and of U), U's
	// spread (for neurons outside the clusters) and 2·max|rounding of U_i|.
	// zre[i·K + k], zim[i·K + k]: U_i's term at cluster k's frequency;
	// zabs[i] is the size of its own cluster's term, zoff[i] of the others'.
	zre, zim := make([]float64, M*K), make([]float64, M*K)
	zabs, zoff := make([]float64, M), make([]float64, M)
	rho, spr, uErr := make([]float64, M), make([]float64, M), make([]float64, M)
	res := make([]float64, p)
	var tb []term
	var resAll [][]float64
	var slackU []float64
	var owner []int
	for i := 0; i < M; i++ {
		uErr[i] = 2 * maxAbs(e.U[i])
		if ci := slotOf[i]; ci >= 0 {
			fs, first := ks, 0   // the frequencies compressed onto; tb[0]'s cluster
			if off(CrossTerms) { // the own term only; the others join res
				fs, first = ks[ci:ci+1], ci
			}
			var sl float64
			tb, _, sl = compressU(t.U[i], fs, cosT, sinT, tb[:0], res)
			for j, tm := range tb {
				k := first + j
				zre[i*K+k], zim[i*K+k] = tm.re, tm.im
				if k == ci {
					zabs[i] = math.Hypot(tm.re, tm.im) * (1 + 1e-15)
				} else {
					zoff[i] += (math.Abs(tm.re) + math.Abs(tm.im)) * (1 + 1e-15)
				}
			}
			resAll = append(resAll, append([]float64(nil), res...))
			slackU = append(slackU, uErr[i]+2*sl)
			owner = append(owner, i)
		} else {
			spr[i] = spread(t.U[i]) + uErr[i]
		}
	}
	// The residuals bounded per class pair (classes.go): ρ_i is their
	// spread over the ordinary classes; a damaged class c (one whose
	// residual stands out, at most maxDamaged) adds D_i(c) only against
	// itself, so it costs only the inputs it is the answer or a rival of.
	cr := newClassResiduals(resAll, slackU, p)
	nd := len(cr.K)
	dmg := make([][]float64, M) // dmg[i][j] = D_i(K[j])
	for x, i := range owner {
		rho[i], dmg[i] = cr.base[x], cr.D[x]
	}
	dmgSlot := make([]int, p) // the class's index in K, or −1
	for c := range dmgSlot {
		dmgSlot[c] = -1
	}
	for j, c := range cr.K {
		dmgSlot[c] = j
	}
	flops += int64(len(owner)) * int64(p) * 6
	kU := K // the frequencies each cluster neuron's U is compressed onto
	if off(CrossTerms) {
		kU = 1
	}
	flops += int64(M) * (4*int64(p) + compressFLOPs(p, kU)) // with U's rounding and spread

	// Each cluster's neurons: the fit's residuals per a and b (with the
	// tables' rounding), split into tiers by offset ratio.
	type nt struct {
		i            int
		r, phi, o    float64
		ea, eb, sl   float64 // largest residuals; their rounding slack
		ratio        float64
		pd           float64
		resA, resB   []float64
		dA, dB, hmax float64 // for the tables' rounding
		amax, bmax   float64 // |A_i| ≤ amax, |B_i| ≤ bmax (from the proof's own residuals)
	}
	var loose []int
	var tiers []*sgTier
	var kRound, zScale float64
	for ci, cl := range clusters {
		var ns []nt
		for _, i := range cl.Neurons {
			f := m.Fits[i]
			if !(f.R > 0) || !isFinite(f.R) || !isFinite(f.Phi) || !isFinite(f.Alpha+f.Beta) {
				loose = append(loose, i)
				continue
			}
			n := nt{i: i, r: f.R, phi: math.Mod(mechanism.Wrap(f.Phi)+2*math.Pi, 2*math.Pi), o: f.Alpha + f.Beta + t.C[i]}
			rc, rs := f.R*math.Cos(n.phi), f.R*math.Sin(n.phi)
			n.resA, n.resB = make([]float64, p), make([]float64, p)
			var eAmax, eBmax float64
			for x := 0; x < p; x++ {
				kx := (cl.K * x) % p
				ideal := rc*cosT[kx] - rs*sinT[kx] // r cos(wx + φ)
				n.resA[x] = math.Abs(t.A[x][i]-f.Alpha-ideal) + e.A[x][i]
				n.resB[x] = math.Abs(t.B[x][i]-f.Beta-ideal) + e.B[x][i]
				n.ea, n.eb = max(n.ea, n.resA[x]), max(n.eb, n.resB[x])
				eAmax, eBmax = max(eAmax, e.A[x][i]), max(eBmax, e.B[x][i])
			}
			// |A_i| ≤ |α| + r + ea bounds the entries for the rounding
			// of the residuals (4 operations, γ₄) and of the pre-activation.
			amax, bmax := math.Abs(f.Alpha)+f.R+n.ea, math.Abs(f.Beta)+f.R+n.eb
			n.sl = circuit.Gamma(6)*(amax+bmax+math.Abs(f.Alpha)+math.Abs(f.Beta)+2*f.R)*2 + 1e-9*f.R
			n.dA, n.dB = eAmax+g2*amax, eBmax+g2*bmax
			n.hmax = max(0, amax+bmax+t.C[i])
			n.amax, n.bmax = amax, bmax
			n.ratio = n.o / (2 * f.R)
			n.pd = mechanism.Wrap(math.Atan2(zim[i*K+ci], zre[i*K+ci]) - 2*n.phi)
			if !isFinite(n.ea + n.eb + n.ratio + n.pd) {
				loose = append(loose, i)
				continue
			}
			ns = append(ns, n)
		}
		flops += int64(len(cl.Neurons)) * int64(p) * 18
		if !off(LooseOutliers) && len(ns) > 0 {
			rr := make([]float64, len(ns))
			for j, nn := range ns {
				rr[j] = (nn.ea + nn.eb) / (2 * nn.r)
			}
			cut := min(max(outlierRatio*mechanism.Median(rr), outlierFloor), 1)
			kept := ns[:0]
			for j, nn := range ns {
				if rr[j] > cut {
					loose = append(loose, nn.i)
				} else {
					kept = append(kept, nn)
				}
			}
			ns = kept
			// the ratios, the median (a sort) and the comparisons
			flops += int64(len(rr)) * int64(5+bits.Len(uint(len(rr))))
		}
		sort.Slice(ns, func(x, y int) bool { return ns[x].ratio < ns[y].ratio })
		var parts [][]nt
		for q := 0; q < T; q++ {
			parts = append(parts, ns[q*len(ns)/T:(q+1)*len(ns)/T])
		}
		for _, part := range parts {
			if len(part) == 0 {
				continue
			}
			tr := &sgTier{slot: ci, k: cl.K, n: len(part)}
			rs := make([]float64, len(part))
			for j, nn := range part {
				rs[j] = nn.ratio
			}
			tr.tbar = mechanism.Median(rs)
			if off(OffsetInside) {
				tr.tbar = 0
			}
			part = append([]nt(nil), part...)
			sort.Slice(part, func(x, y int) bool { return part[x].phi < part[y].phi })
			n := len(part)
			tr.phi = make([]float64, n)
			pds := make([]float64, n)
			for j, nn := range part {
				tr.phi[j], pds[j] = nn.phi, nn.pd
			}
			tr.pdLo, tr.pdHi = circularRange(pds)
			G := 2 * n
			tr.rank = make([]int, G+1)
			for g, j := 0, 0; g <= G; g++ {
				x := 2 * math.Pi * float64(g) / float64(G)
				for j < n && tr.phi[j] < x {
					j++
				}
				tr.rank[g] = j
			}
			// eos[j]: the offset's deviation from 2r t̄, with the rounding
			// of o and of c's table entry; the cut-offs and the chords
			// must use the same value.
			eos := make([]float64, n)
			for j, nn := range part {
				f := m.Fits[nn.i]
				eos[j] = math.Abs(nn.o-2*nn.r*tr.tbar) + e.C[nn.i] + circuit.Gamma(4)*(math.Abs(f.Alpha)+math.Abs(f.Beta)+math.Abs(t.C[nn.i])+2*nn.r)
				if !isFinite(eos[j]) { // a NaN would size no window: refuse rather than guess
					return nil, fmt.Errorf("proof: neuron %d's offset or its rounding is not finite (%g)", nn.i, eos[j])
				}
			}
			// κ per a (per b): E_i(a, b)/(2r_i) ≤ (resA_i(a) + max resB_i +
			// |o_i − 2r_i t̄| + slack)/(2r_i), and the same with a, b swapped;
			// or one κ for the tier, its largest Ē_i/(2r_i).
			if inputKap {
				tr.cutA, tr.cutB = make([]float64, p), make([]float64, p)
				tr.sepA, tr.sepB = make([]float64, p), make([]float64, p)
			}
			for j, nn := range part {
				eo := eos[j]
				inv := (1 + 1e-9) / (2 * nn.r)
				if inputKap {
					for x := 0; x < p; x++ {
						tr.cutA[x] = max(tr.cutA[x], (nn.resA[x]+nn.eb+eo+nn.sl)*inv)
						tr.cutB[x] = max(tr.cutB[x], (nn.ea+nn.resB[x]+eo+nn.sl)*inv)
						tr.sepA[x] = max(tr.sepA[x], (nn.resA[x]+nn.sl)*inv)
						tr.sepB[x] = max(tr.sepB[x], nn.resB[x]*inv)
					}
				}
				tr.eo = max(tr.eo, eo*inv)
				tr.kap = max(tr.kap, (nn.ea+nn.eb+eo+nn.sl)*inv)
				w := rho[nn.i] + sum(dmg[nn.i])
				for k := 0; k < K; k++ {
					w += math.Abs(zre[nn.i*K+k]) + math.Abs(zim[nn.i*K+k])
				}
				zScale += (nn.amax + nn.bmax + math.Abs(t.C[nn.i])) * w
				kRound += (nn.dA+nn.dB+e.C[nn.i]+g2*math.Abs(t.C[nn.i]))*(2*zabs[nn.i]+2*zoff[nn.i]+rho[nn.i]+2*sum(dmg[nn.i])+uErr[nn.i]) + nn.hmax*uErr[nn.i]
			}
			flops += int64(n) * int64(30+2*K+2*nd)
			if inputKap {
				flops += int64(n) * int64(p) * 15
			}
			tr.pa, tr.pb = make([][]float64, p), make([][]float64, p)
			tr.qa, tr.qb = make([][]float64, p), make([][]float64, p)
			tr.k0, tr.kc = 0, K
			if off(CrossTerms) { // the other clusters' terms are zero: one column
				tr.k0, tr.kc = ci, 1
			}
			kc, k0 := tr.kc, tr.k0
			w2, Q := 2*kc, 1+nd
			// One allocation per kind for all a (b): p small slices each
			// cost more in the allocator than their sums.
			blockP, blockQ := make([]float64, 2*p*w2*(n+1)), make([]float64, 2*p*Q*(n+1))
			for x := 0; x < p; x++ {
				pa, pb := blockP[2*x*w2*(n+1):(2*x+1)*w2*(n+1)], blockP[(2*x+1)*w2*(n+1):(2*x+2)*w2*(n+1)]
				qa, qb := blockQ[2*x*Q*(n+1):(2*x+1)*Q*(n+1)], blockQ[(2*x+1)*Q*(n+1):(2*x+2)*Q*(n+1)]
				rowA, rowB := t.A[x], t.B[x]
				for j, nn := range part {
					i := nn.i
					va, vb := rowA[i]+t.C[i], rowB[i]
					o0, o1 := w2*j, w2*(j+1)
					for k := 0; k < kc; k++ {
						zr, zi := zre[i*K+k0+k], zim[i*K+k0+k]
						pa[o1+2*k] = pa[o0+2*k] + va*zr
						pa[o1+2*k+1] = pa[o0+2*k+1] + va*zi
						pb[o1+2*k] = pb[o0+2*k] + vb*zr
						pb[o1+2*k+1] = pb[o0+2*k+1] + vb*zi
					}
					qa[Q*j+Q] = qa[Q*j] + va*rho[i]
					qb[Q*j+Q] = qb[Q*j] + vb*rho[i]
					for d, v := range dmg[i] {
						qa[Q*j+Q+1+d] = qa[Q*j+1+d] + va*v
						qb[Q*j+Q+1+d] = qb[Q*j+1+d] + vb*v
					}
				}
				tr.pa[x], tr.pb[x], tr.qa[x], tr.qb[x] = pa, pb, qa, qb
			}
			flops += int64(p) * int64(n) * int64(1+8*kc+4*Q)
			W := 4 + nd
			// |z_i| (cos φ_i, sin φ_i) and what a wrong gate costs beyond the
			// own term, ρ_i + 2Σ|z_ik|, once per neuron.
			zc, zsn, zo := make([]float64, n), make([]float64, n), make([]float64, n)
			for j, nn := range part {
				zc[j], zsn[j] = zabs[nn.i]*math.Cos(nn.phi), zabs[nn.i]*math.Sin(nn.phi)
				zo[j] = rho[nn.i] + 2*zoff[nn.i]
			}
			if !inputRes { // Ē_i = ea_i + eb_i + the offset's deviation and slack
				tr.ew = make([]float64, W*(n+1))
				ew := tr.ew
				for j, nn := range part {
					v := (nn.ea+eos[j]+nn.sl)*(1+1e-9) + nn.eb*(1+1e-9)
					o0, o1 := W*j, W*(j+1)
					ew[o1] = ew[o0] + v*zabs[nn.i]
					ew[o1+1] = ew[o0+1] + v*zc[j]
					ew[o1+2] = ew[o0+2] + v*zsn[j]
					ew[o1+3] = ew[o0+3] + v*zo[j]
					for d, dv := range dmg[nn.i] {
						ew[o1+4+d] = ew[o0+4+d] + v*dv
					}
				}
				flops += int64(n) * int64(51+2*W)
				tiers = append(tiers, tr)
				continue
			}
			tr.ea, tr.eb = make([][]float64, p), make([][]float64, p)
			blockE := make([]float64, 2*p*W*(n+1))
			for x := 0; x < p; x++ {
				ea, eb := blockE[2*x*W*(n+1):(2*x+1)*W*(n+1)], blockE[(2*x+1)*W*(n+1):(2*x+2)*W*(n+1)]
				for j, nn := range part {
					va := (nn.resA[x] + eos[j] + nn.sl) * (1 + 1e-9)
					vb := nn.resB[x] * (1 + 1e-9)
					za, zoj := zabs[nn.i], zo[j]
					o0, o1 := W*j, W*(j+1)
					ea[o1] = ea[o0] + va*za
					ea[o1+1] = ea[o0+1] + va*zc[j]
					ea[o1+2] = ea[o0+2] + va*zsn[j]
					ea[o1+3] = ea[o0+3] + va*zoj
					eb[o1] = eb[o0] + vb*za
					eb[o1+1] = eb[o0+1] + vb*zc[j]
					eb[o1+2] = eb[o0+2] + vb*zsn[j]
					eb[o1+3] = eb[o0+3] + vb*zoj
					for d, v := range dmg[nn.i] {
						ea[o1+4+d] = ea[o0+4+d] + va*v
						eb[o1+4+d] = eb[o0+4+d] + vb*v
					}
				}
				tr.ea[x], tr.eb[x] = ea, eb
			}
			flops += int64(p)*int64(n)*int64(5+4*W) + int64(n)*44
			tiers = append(tiers, tr)
		}
	}
	for i, ci := range slotOf {
		if ci < 0 {
			loose = append(loose, i)
		}
	}
	sort.Ints(loose)
	for _, i := range loose {
		if spr[i] == 0 && slotOf[i] >= 0 { // a cluster's neuron made loose
			spr[i] = spread(t.U[i]) + uErr[i]
		}
	}
	kRound = roundUp(kRound, 4*M)

	// The direct paths: their terms at the K frequency slots join Z_k;
	// the rest is bounded by its spread over c, per a, per b and for L0.
	dirA, dirB := make([]float64, p), make([]float64, p)
	dA, dB := make([][]term, p), make([][]term, p)
	var dscale float64 // the largest Σ |re| + |im| of a row's terms, for rounding
	direct := func(row []float64, derr float64) ([]term, float64) {
		if off(DirectTerms) { // no terms: the whole row, exact, counts by its spread
			return make([]term, K), roundUp(spread(row)+2*derr, 4)
		}
		terms, amp, sl := compressU(row, ks, cosT, sinT, nil, res)
		dscale = max(dscale, amp)
		return terms, roundUp(spread(res)+2*derr+2*sl, 4)
	}
	for x := 0; x < p; x++ {
		dA[x], dirA[x] = direct(t.La[x], maxAbs(e.La[x]))
		dB[x], dirB[x] = direct(t.Lb[x], maxAbs(e.Lb[x]))
	}
	d0, dir0 := direct(t.L0, maxAbs(e.L0))
	kD := K // the frequencies the direct paths are compressed onto
	if off(DirectTerms) {
		kD = 0
	}
	perRow := 4 * int64(p) // the spread and the rounding's largest entry
	if kD > 0 {
		perRow += compressFLOPs(p, kD)
	}
	flops += int64(2*p+1) * perRow

	// Neurons outside the clusters: Σ h_i·spread U_i, separably bounded.
	looseA, looseB := make([]float64, p), make([]float64, p)
	for _, i := range loose {
		ma, mb := maxOf(column(t.A, i)), maxOf(column(t.B, i))
		for x := 0; x < p; x++ {
			looseA[x] += max(0, t.A[x][i]+mb+t.C[i]) * spr[i]
			looseB[x] += max(0, ma+t.B[x][i]+t.C[i]) * spr[i]
		}
		kRound += roundUp((maxOf(column(e.A, i))+maxOf(column(e.B, i))+e.C[i]+g2*(maxAbs(column(t.A, i))+maxAbs(column(t.B, i))+math.Abs(t.C[i])))*spr[i], 8)
	}
	flops += int64(len(loose)) * int64(p) * 16

	// Rounding scales: every prefix sum and difference of them is within γ
	// of the sums of absolute values, zScale for the pre-activation sums
	// (bounded once from |A_i| ≤ |α_i| + r_i + ea_i, in the tiers' loop),
	// wScale for the window sums (each tier's largest a part plus its
	// largest b part: an input pairs any a with any b; or its one array
	// of Ē_i sums).
	var wScale, tbarMax float64
	for _, tr := range tiers {
		var topA, topB float64
		o := (4 + nd) * tr.n
		col := func(P []float64) float64 {
			v := 3*P[o] + P[o+3]
			for d := 0; d < nd; d++ {
				v += P[o+4+d]
			}
			return v
		}
		if tr.ew != nil {
			topA = col(tr.ew)
		}
		for x := range tr.ea {
			topA, topB = max(topA, col(tr.ea[x])), max(topB, col(tr.eb[x]))
		}
		wScale += topA + topB
		tbarMax = max(tbarMax, math.Abs(tr.tbar))
	}
	flops += int64(M) * int64(12+2*K)

	// Half-angle cosines, and the arc's half-width per tier and distance.
	half, sinHalf := make([]float64, 2*p), make([]float64, 2*p) // cos(πj/p), sin(πj/p)
	for j := range half {
		half[j], sinHalf[j] = math.Cos(math.Pi*float64(j)/float64(p)), math.Sin(math.Pi*float64(j)/float64(p))
	}
	for _, tr := range tiers {
		tr.uMid = make([]float64, 2*p)
		for jd := range tr.uMid {
			tr.uMid[jd] = math.Acos(clip1(-tr.tbar / math.Abs(half[jd])))
		}
		if !inputKap { // one κ: the windows' edges depend on d alone
			tr.uHi, tr.cosHi, tr.uLo, tr.cosLo = make([]float64, 2*p), make([]float64, 2*p), make([]float64, 2*p), make([]float64, 2*p)
			for jd := range tr.uHi {
				acd := math.Abs(half[jd])
				tr.uHi[jd], tr.cosHi[jd] = acosTab.below((tr.kap - tr.tbar) / acd)
				tr.uLo[jd], tr.cosLo[jd] = acosTab.above((-tr.kap - tr.tbar) / acd)
			}
			flops += int64(2*p) * 26
		}
	}
	flops += int64(len(tiers)) * int64(2*p) * 22

	const eta = 1e-7 // the windows' widening (radians), for the angles' rounding
	in := &sgInput{y: make([]float64, p*p*K), X: make([]float64, p*p*K), H: make([]float64, p*p*K),
		zr: make([]float64, p*p*K), zi: make([]float64, p*p*K), eps0: make([]float64, p*p)}
	budget := newBudget(
		"gate errors in the windows (against the farthest rival)",
		"U residuals beyond the cluster's term (Σ h_i ρ_i)",
		"direct paths beyond the frequency slots (spread)",
		"neurons outside the clusters",
		"rounding (tables, prefix sums, bound)",
		"damaged classes (Σ h_i D_i(c))")
	var perInput, windowed int64
	segOps := int64(46 + 7*nd) // one window segment's FLOPs
	if !inputRes {
		segOps -= 2 * int64(4+nd) // one window array read, not two
	}
	gZ := circuit.Gamma(2*M + 32)
	zr, zi := make([]float64, K), make([]float64, K)
	zab, qbuf, wbuf := make([]float64, 2*K), make([]float64, 1+nd), make([]float64, 4+nd) // per-arc sums
	xd := make([]float64, nd)                                                             // Σ h_i D_i(c) for the damaged classes, at one input
	in.xd = make([]float64, p*p*nd)                                                       // the same, rounded up, for every input
	sw, swS := make([]float64, K), make([]float64, K)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			k0 := (a*p + b) * K
			cs := (a + b) % p
			var resid, gateEps float64
			clear(xd)
			kapMin := math.Inf(1)
			var ops int64
			for j := 0; j < K; j++ {
				ta, tb, t0 := dA[a][j], dB[b][j], d0[j] // compressU gives one term per frequency
				zr[j], zi[j] = ta.re+tb.re+t0.re, ta.im+tb.im+t0.im
				sw[j], swS[j] = 0, 0
			}
			// The half angles depend on the cluster only: once for its tiers
			// (which follow one another in tiers).
			lastSlot := -1
			var jd int
			var acd, theta, ct, st float64
			for _, tr := range tiers {
				n := tr.n
				if tr.slot != lastSlot {
					lastSlot = tr.slot
					jd = ((tr.k*(a-b))%(2*p) + 2*p) % (2 * p)
					cd := half[jd]
					js := (tr.k * (a + b)) % (2 * p)
					if cd < 0 {
						js = (js + p) % (2 * p)
					}
					acd = math.Abs(cd)
					theta = math.Pi * float64(js) / float64(p)
					ct, st = half[js], sinHalf[js] // cos θ', sin θ'
					ops += 16
				}
				var kap, uHi, cosHi, uLo, cosLo float64
				if inputKap {
					kap = min(tr.cutA[a], tr.cutB[b], (tr.sepA[a]+tr.sepB[b]+tr.eo)*(1+1e-15))
					uHi, cosHi = acosTab.below((kap - tr.tbar) / acd)
					uLo, cosLo = acosTab.above((-kap - tr.tbar) / acd)
					ops += 2*10 + 14
				} else {
					kap, uHi, cosHi, uLo, cosLo = tr.kap, tr.uHi[jd], tr.cosHi[jd], tr.uLo[jd], tr.cosLo[jd]
					ops += 4 + 10
				}
				kapMin = min(kapMin, kap)
				uMid := tr.uMid[jd]
				// Edges: e1 = −θ' − uLo − η, e2 = −θ' − uMid, e3 = −θ' − uHi + η,
				// e4 = −θ' + uHi − η, e5 = −θ' + uMid, e6 = −θ' + uLo + η.
				e2, o2 := tr.edge(-theta - uMid)
				e5, o5 := tr.edge(-theta + uMid)
				ops += o2 + o5
				lo, hi := tr.span(e2, e5, 2*uMid)
				zk := zab[:2*tr.kc]
				clear(zk)
				addDiff(zk, tr.pa[a], 2*tr.kc, n, lo, hi)
				addDiff(zk, tr.pb[b], 2*tr.kc, n, lo, hi)
				for k := 0; k < tr.kc; k++ {
					zr[tr.k0+k] += zk[2*k]
					zi[tr.k0+k] += zk[2*k+1]
				}
				ops += int64(tr.kc) * 14
				Q, W := 1+nd, 4+nd
				qq := qbuf[:Q]
				clear(qq)
				addDiff(qq, tr.qa[a], Q, n, lo, hi)
				addDiff(qq, tr.qb[b], Q, n, lo, hi)
				resid += qq[0]
				for d := 0; d < nd; d++ {
					xd[d] += qq[1+d]
				}
				ops += 7 + int64(nd)*7
				// The windows, split at the arc's ends: σ = +1 inside the
				// arc, −1 outside. A window neuron's gate error is at most
				// (E_i − σp̂_i)⁺, p̂_i = 2r_i(|cos(wd/2)| cos(θ' + φ_i) + t̄),
				// which the chord E_i(1 − σp̂_i/(2r_iκs)) bounds wherever
				// 0 ≤ σp̂_i ≤ 2r_iκs and E_i ≤ 2r_iκs (E_i is Ē_i without the
				// per-input residuals, with κ ≥ every Ē_i/(2r_i)): κs is κ or, where the
				// segment reaches farther (the η widening, the acos table's
				// steps, a merged window), the largest σp̂_i/(2r_i) in it.
				// A neuron beyond κ has no gate error; a chord that reached
				// below zero there would cancel others' (found by review).
				seg := func(l, h int, sigma, sbar, reach float64) {
					if h <= l {
						return
					}
					ks := max(kap, reach) * (1 + 1e-12)
					q := wbuf[:W]
					clear(q)
					if !inputRes {
						addDiff(q, tr.ew, W, n, l, h)
					} else {
						addDiff(q, tr.ea[a], W, n, l, h)
						addDiff(q, tr.eb[b], W, n, l, h)
					}
					for d := 0; d < nd; d++ {
						xd[d] += q[4+d]
					}
					v := q[0] - sigma/ks*(acd*(ct*q[1]-st*q[2])+tr.tbar*q[0])
					v = max(v, 0)
					if off(Chords) { // E_i itself, or the chord where rounding lifts it above
						v = max(v, q[0])
					}
					if off(MarginShape) { // |û_i(c*) − û_i(c)| ≤ 2|z_i| against any rival
						gateEps += 2 * v
					} else {
						sw[tr.slot] += v
						swS[tr.slot] += sbar * v
					}
					// The other clusters' terms have no sign to lean on,
					// |û'_i(c*) − û'_i(c)| ≤ 2Σ|z_ik|, nor the residual's
					// spread: q[3] sums E_i(ρ_i + 2Σ|z_ik|).
					resid += q[3]
					windowed += int64(h - l)
					ops += segOps
				}
				// How far σp̂/(2r) reaches in each kind of segment.
				inReach, outReach := acd*(cosHi+eta)+tr.tbar, -acd*(cosLo-eta)-tr.tbar
				if uHi-eta <= 0 { // the whole arc is window
					seg(lo, hi, 1, 1, acd+tr.tbar)
				} else {
					e3, o3 := tr.edge(-theta - uHi + eta)
					e4, o4 := tr.edge(-theta + uHi - eta)
					ops += o3 + o4
					l, h := tr.span(e2, e3, uMid-uHi+eta)
					seg(l, h, 1, sinBound(2*math.Pi-2*uMid+tr.pdLo, 2*math.Pi-2*uHi+2*eta+tr.pdHi), inReach)
					l, h = tr.span(e4, e5, uMid-uHi+eta)
					seg(l, h, 1, sinBound(2*uHi-2*eta+tr.pdLo, 2*uMid+tr.pdHi), inReach)
				}
				if uLo+eta >= math.Pi { // the whole rest is window
					l, h := tr.span(e5, e2, 2*math.Pi-2*uMid)
					seg(l, h, -1, 1, acd-tr.tbar)
				} else {
					e1, o1 := tr.edge(-theta - uLo - eta)
					e6, o6 := tr.edge(-theta + uLo + eta)
					ops += o1 + o6
					l, h := tr.span(e5, e6, uLo+eta-uMid)
					seg(l, h, -1, sinBound(2*uMid+tr.pdLo, 2*uLo+2*eta+tr.pdHi), outReach)
					l, h = tr.span(e1, e2, uLo+eta-uMid)
					seg(l, h, -1, sinBound(2*math.Pi-2*uLo-2*eta+tr.pdLo, 2*math.Pi-2*uMid+tr.pdHi), outReach)
				}
			}
			var xs, gate float64
			for j, k := range ks {
				kc := (k * cs) % p
				x := zr[j]*cosT[kc] - zi[j]*sinT[kc]
				y := zr[j]*sinT[kc] + zi[j]*cosT[kc]
				in.zr[k0+j], in.zi[k0+j] = zr[j], zi[j]
				in.y[k0+j] = y
				in.X[k0+j] = x - sw[j]
				in.H[k0+j] = swS[j]
				xs += 2*math.Abs(in.X[k0+j]) + math.Abs(y) + swS[j]
				gate += 2*sw[j] + swS[j]
			}
			ops += int64(K) * 20 // the slots' setup and the bound's numbers
			lo := min(looseA[a], looseB[b])
			dres := dirA[a] + dirB[b] + dir0
			// Rounding: the Z sums and the window and residual sums (γ on
			// their absolute values), the bound's own evaluation, the
			// tables' rounding.
			round := gZ*(16*(zScale+3*dscale)+8*wScale*(2+(2+tbarMax)/kapMin)) + circuit.Gamma(4*K+8)*xs + kRound
			resid = max(resid, 0)
			for d := range xd {
				in.xd[(a*p+b)*nd+d] = roundUp(max(xd[d], 0)+round, 8)
			}
			// A damaged answer costs every rival; a damaged rival only
			// itself (certification below).
			var own float64
			if j := dmgSlot[cs]; j >= 0 {
				own = in.xd[(a*p+b)*nd+j]
			}
			in.eps0[a*p+b] = roundUp(resid+gateEps+lo+dres+round+own, 8)
			budget.add(gate+gateEps, resid, dres, lo, round, max(own, maxOf(in.xd[(a*p+b)*nd:(a*p+b+1)*nd])))
			perInput += ops + 20
		}
	}
	flops += perInput

	// Certification: per distance d, the smallest X_k and largest |y_k| + H_k
	// over the inputs sharing d bound every one of them; where that fails,
	// the same over smaller sets of them (profiles); an input no profile
	// certifies is checked on its own.
	cwk, swk := make([][]float64, K), make([][]float64, K) // 1 − cos(w_k Δ), sin(w_k Δ)
	for j, k := range ks {
		cwk[j], swk[j] = make([]float64, p), make([]float64, p)
		for D := 0; D < p; D++ {
			kd := (k * D) % p
			cwk[j][D], swk[j][D] = 1-cosT[kd], sinT[kd]
		}
	}
	flops += int64(K) * int64(p) * 2
	certified := make([]bool, p*p)
	Xg, Yg := make([]float64, K), make([]float64, K)
	gK := circuit.Gamma(4*K + 8)
	var groupOps, singleOps int64
	var byGroup, byProfile, bySelf int
	// offOf(k) is what an input's bound at any Δ loses besides the Δ terms:
	// its ε₀ and the bound's own rounding.
	offOf := func(k int) float64 {
		k0 := k * K
		var sc float64
		for j := 0; j < K; j++ {
			sc += 2*math.Abs(in.X[k0+j]) + math.Abs(in.y[k0+j]) + in.H[k0+j]
		}
		return gK*sc + in.eps0[k]
	}
	lbAt := func(k, D int) float64 {
		k0 := k * K
		var v float64
		for j := 0; j < K; j++ {
			sn := swk[j][D]
			v += in.X[k0+j]*cwk[j][D] - in.y[k0+j]*sn - in.H[k0+j]*math.Abs(sn)
		}
		return v - offOf(k)
	}
	// lbPair is the smaller of the bounds at Δ and −Δ (the y terms change
	// sign, the others do not), less sub = offOf(k), computed once per input.
	lbPair := func(k, D int, sub float64) float64 {
		k0 := k * K
		var v, u float64
		for j := 0; j < K; j++ {
			sn := swk[j][D]
			v += in.X[k0+j]*cwk[j][D] - in.H[k0+j]*math.Abs(sn)
			u += in.y[k0+j] * sn
		}
		return v - math.Abs(u) - sub
	}
	// refMin is the smallest over Δ of Σ_k Xg(1 − cos) − Yg|sin| (symmetric
	// in ±Δ) for the profile Xg = min X_k, Yg = max |y_k| + H_k over the
	// inputs members, less its rounding, and the Δ where it is reached: a bound
	// on every one of those inputs' own, which lie above it pointwise.
	refMin := func(members []int) (float64, int) {
		for j := range Xg {
			Xg[j], Yg[j] = math.Inf(1), 0
		}
		for _, k := range members {
			k0 := k * K
			for j := 0; j < K; j++ {
				Xg[j] = min(Xg[j], in.X[k0+j])
				Yg[j] = max(Yg[j], math.Abs(in.y[k0+j])+in.H[k0+j])
			}
		}
		gmin, arg := math.Inf(1), 1
		var scale float64
		for j := 0; j < K; j++ {
			scale += 2*math.Abs(Xg[j]) + Yg[j]
		}
		for D := 1; D <= p/2; D++ {
			var v float64
			for j := 0; j < K; j++ {
				v += Xg[j]*cwk[j][D] - Yg[j]*math.Abs(swk[j][D])
			}
			if v < gmin || v != v {
				gmin, arg = v, D
			}
		}
		groupOps += int64(len(members))*int64(K)*4 + int64(p/2)*int64(K*5+1) + int64(3*K+2)
		return gmin - gK*scale, arg
	}
	group := make([]int, 0, p)
	type cand struct {
		k       int
		lb, sub float64 // the input's own bound at the group's worst Δ; offOf(k)
	}
	var cands []cand
	var refs []int
	for d := 0; d < p; d++ {
		group = group[:0]
		for a := 0; a < p; a++ {
			b := ((a-d)%p + p) % p
			if k := a*p + b; isFinite(in.eps0[k]) && p >= 2 {
				group = append(group, k)
			}
		}
		if len(group) == 0 {
			continue
		}
		gmin, arg := refMin(group)
		cands = cands[:0]
		for _, k := range group {
			groupOps++
			if gmin > in.eps0[k] && isFinite(gmin) {
				certified[k] = true
				byGroup++
				continue
			}
			// The input's own bound at the group's worst Δ (both signs): an
			// input it does not clear cannot be certified.
			sub := offOf(k)
			singleOps += int64(K)*13 + 5 // offOf (6K+2, |·| counted) and lbPair (7K+3)
			if lb := lbPair(k, arg, sub); lb > 0 {
				cands = append(cands, cand{k, lb, sub})
			}
		}
		// Profiles of the inputs that are left: all of them, then the
		// strongest half, quarter, ...: one scan over Δ each, instead of one
		// per input.
		sort.Slice(cands, func(x, y int) bool { return cands[x].lb > cands[y].lb })
		singleOps += int64(len(cands)) * int64(bits.Len(uint(len(cands)))) * 2
		for n := len(cands); n >= 2; n /= 2 {
			refs = refs[:0]
			for _, c := range cands[:n] {
				if !certified[c.k] {
					refs = append(refs, c.k)
				}
			}
			if len(refs) < 2 {
				break
			}
			rmin, _ := refMin(refs)
			for _, k := range refs {
				groupOps++
				if rmin > in.eps0[k] && isFinite(rmin) {
					certified[k] = true
					byProfile++
				}
			}
		}
		// The rest one by one, at every Δ.
		for _, c := range cands {
			if certified[c.k] {
				continue
			}
			ok := true
			for D := 1; D <= p/2 && ok; D++ {
				ok = lbPair(c.k, D, c.sub) > 0
				singleOps += int64(K)*7 + 3
			}
			if ok {
				certified[c.k] = true
				bySelf++
			}
		}
	}
	// A damaged rival c needs its own extra Σ h_i D_i(c) on top.
	rivalOK := func(k int) bool {
		cs := (k/p + k%p) % p
		for j, c := range cr.K {
			if c != cs && !(lbAt(k, (cs-c+p)%p)-in.xd[k*nd+j] > 0) {
				return false
			}
		}
		return true
	}
	for k, ok := range certified {
		if ok && nd > 0 {
			certified[k] = rivalOK(k)
			singleOps += int64(nd) * int64(K*13+4)
		}
	}
	flops += groupOps + singleOps
	seconds := time.Since(t0).Seconds()

	// For the report and the check (not timed): the explanation's logits,
	// each competitor's bound and the slack.
	cert := &Certificate{Strategy: s.Name(), FLOPs: flops, Sound: true, Certified: certified,
		Eps: make([]float64, p*p), Margin: make([]float64, p*p), Slack: make([]float64, p*p), perClass: make([]float64, p*p*p)}
	expl := m.logits()
	var revoked int
	for k := 0; k < p*p; k++ {
		cs := (k/p + k%p) % p
		row := expl[k*p : (k+1)*p]
		for j, kj := range ks {
			zr, zi := in.zr[k*K+j], in.zi[k*K+j]
			for c := range row {
				kc := (kj * c) % p
				row[c] += zr*cosT[kc] - zi*sinT[kc]
			}
		}
		cert.Margin[k] = margin(row, cs)
		cert.Slack[k] = math.Inf(1)
		for c := range row {
			if c == cs {
				continue
			}
			lb := lbAt(k, (cs-c+p)%p)
			if j := dmgSlot[c]; j >= 0 {
				lb -= in.xd[k*nd+j]
				cert.Slack[k] = min(cert.Slack[k], lb)
			}
			eps := (row[cs] - row[c]) - lb
			cert.perClass[k*p+c] = eps
			cert.Eps[k] = max(cert.Eps[k], eps)
		}
		// The slack is what certification compared with zero. The group's
		// and the profiles' bounds lie below it in exact arithmetic; a
		// certification its own evaluation does not confirm (a tie within
		// rounding, or an error) is revoked and counted, and tests require
		// none.
		sub := offOf(k)
		for D := 1; D <= p/2; D++ {
			cert.Slack[k] = min(cert.Slack[k], lbPair(k, D, sub))
		}
		if p < 2 || !isFinite(in.eps0[k]) {
			cert.Slack[k] = math.Inf(-1)
		}
		if certified[k] && !(cert.Slack[k] > 0) {
			revoked++ // the timed certification erred (tests require none)
			certified[k] = false
		}
		cert.Bound = max(cert.Bound, cert.Eps[k])
		if !isFinite(in.eps0[k]) || !isFinite(cert.Eps[k]) {
			cert.Sound = false
		}
	}
	cert.CertifiedAccuracy = fraction(certified)
	cert.DamagedClasses = cr.K
	cert.MedianMargin = mechanism.Median(append([]float64(nil), cert.Margin...))
	cert.Seconds = seconds
	cert.Budget = budget.terms()
	cert.Details = map[string]float64{"window_share": float64(windowed) / float64(p*p*M), "loose_share": float64(len(loose)) / float64(M),
		"certified_by_distance_groups": float64(byGroup+byProfile) / float64(p*p), "certified_by_profiles": float64(byProfile) / float64(p*p),
		"certified_one_by_one": float64(bySelf) / float64(p*p),
		"group_flops":          float64(groupOps), "single_flops": float64(singleOps), "per_input_flops": float64(perInput),
		"prep_flops": float64(flops - m.FoldFLOPs - perInput - groupOps - singleOps), "arcs": float64(len(tiers)),
		"revoked_by_check": float64(revoked), "extra_waves": float64(K - len(clusters))}
	m.check(cert, expl)
	return cert, nil
}

func clip1(v float64) float64 { return min(1, max(-1, v)) }

func sum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

// acosTable brackets acos by a table of its values at 2G+1 points of
// [−1, 1]: below(v) ≤ acos(v) ≤ above(v), at most two steps apart (about
// 1/G radians in the middle of the range). It spares the proof's inner
// loop two arc-cosines per arc; the windows it sizes only get wider.
type acosTable struct {
	g   float64
	tab []float64 // tab[j] = acos(−1 + j/g) rounded, decreasing in j
}

const acosSteps = 2048

var acosTab = newAcosTable(acosSteps)

func newAcosTable(g int) acosTable {
	t := acosTable{g: float64(g), tab: make([]float64, 2*g+1)}
	for j := range t.tab {
		t.tab[j] = math.Acos(clip1(-1 + float64(j)/float64(g)))
	}
	return t
}

// index returns j with −1 + j/g ≤ v ≤ −1 + (j+1)/g, or one step wider
// (the index's own rounding), clipped to the table.
func (t acosTable) index(v float64) int {
	return int(math.Floor((clip1(v) + 1) * t.g))
}

// below returns a lower bound u on acos(v) (v is clipped to [−1, 1]) and
// an upper bound on cos u: the grid point the table entry came from (the
// windows it sizes are wider than asked, and their neurons' p̂ reaches
// that far).
func (t acosTable) below(v float64) (u, cosMax float64) {
	j := min(t.index(v)+2, len(t.tab)-1)
	return max(t.tab[j]-1e-15, 0), min(1, -1+float64(j)/t.g+1e-14)
}

// above returns an upper bound u on acos(v) and a lower bound on cos u.
func (t acosTable) above(v float64) (u, cosMin float64) {
	j := max(t.index(v)-1, 0)
	return min(t.tab[j]+1e-15, math.Pi), max(-1, -1+float64(j)/t.g-1e-14)
}

// circularRange returns an interval [lo, hi] (lo ≤ hi, hi − lo < 2π)
// containing every angle of x (each in (−π, π]) modulo 2π: the complement
// of the largest gap between the sorted angles.
func circularRange(x []float64) (lo, hi float64) {
	if len(x) == 0 {
		return 0, 0
	}
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	gap, at := s[0]+2*math.Pi-s[len(s)-1], 0 // the wrap-around gap
	for j := 1; j < len(s); j++ {
		if g := s[j] - s[j-1]; g > gap {
			gap, at = g, j
		}
	}
	if at == 0 {
		return s[0] - 1e-12, s[len(s)-1] + 1e-12
	}
	return s[at] - 1e-12, s[at-1] + 2*math.Pi + 1e-12
}

// extraWaves picks up to w frequencies beyond the given clusters' own (f ≡ ±k) that
// carry most of the cluster neurons' unembedding, Σ_i |Û_i(f)|·(2r_i +
// |o_i|), over up to extraSample neurons of each cluster evenly spread in
// its list (a hint: every bound holds whichever frequencies it picks), and
// the FLOPs it took (a full DFT per sampled neuron).
func extraWaves(m *Model, clusters []mechanism.Cluster, w int) ([]int, int64) {
	p := m.P
	taken := make([]bool, p)
	for _, cl := range clusters {
		taken[cl.K%p], taken[(p-cl.K%p)%p] = true, true
	}
	weight := make([]float64, p)
	var flops int64
	for _, cl := range clusters {
		n := len(cl.Neurons)
		step := (n + extraSample - 1) / extraSample
		for j := 0; j < n; j += step {
			i := cl.Neurons[j]
			f := m.Fits[i]
			size := 2*math.Abs(f.R) + math.Abs(f.Alpha+f.Beta+m.T.C[i])
			if !isFinite(size) {
				continue
			}
			for _, wv := range fourier.Analyze(m.T.U[i]).Waves {
				if k := wv.K % p; k > 0 && !taken[k] {
					weight[k] += wv.R * size
				}
			}
			flops += 4 * int64(p) * int64(p) // Analyze's DFT and amplitudes, as FourierU counts it
		}
	}
	var fs []int
	for k := 1; k <= p/2; k++ {
		if !taken[k] && weight[k] > 0 {
			fs = append(fs, k)
		}
	}
	sort.SliceStable(fs, func(a, b int) bool { return weight[fs[a]] > weight[fs[b]] })
	flops += int64(len(fs)) * int64(bits.Len(uint(len(fs)))) * 2
	return fs[:min(w, len(fs))], flops
}

// extraSample is how many neurons per cluster extraWaves looks at.
const extraSample = 32
