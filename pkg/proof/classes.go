package proof

import (
	"math"
	"sort"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/mechanism"
)

// Per-class residual bounds. A strategy that replaces U_i by an explanation
// Û_i bounds the error of the logit difference between c* and c by
// Σ_i h_i |r_i(c) − r_i(c*)|, r_i = U_i − Û_i. Bounding |r_i(c) − r_i(c*)|
// by the spread of r_i over all classes lets one damaged class (an
// unembedding column changed) spoil every input's certificate. Instead,
// with a centre m_i and the damaged classes K,
//
//	|r_i(c) − r_i(c*)| ≤ g_i(c) + g_i(c*),  g_i(c) = |r_i(c) − m_i| ≤ q_i + D_i(c),
//
// q_i = max_{c ∉ K} g_i(c) (m_i the mid-range over c ∉ K, so 2q_i is the
// spread of r_i there) and D_i(c) = (g_i(c) − q_i)⁺, zero outside K. The
// error for the pair (c*, c) is then at most
//
//	Σ_i h_i·2q_i + X(c) + X(c*),  X(c) = Σ_i h_i D_i(c) (zero for c ∉ K),
//
// so a damaged class costs only the inputs whose answer or competitor it
// is. K holds the classes whose residual stands out (damagedClasses).

// maxDamaged bounds |K|: each damaged class costs O(m) per input.
const maxDamaged = 8

// classResiduals holds, per neuron, the base weight 2q_i (with the
// rounding slack) and D_i(c) for c in K.
type classResiduals struct {
	K    []int
	base []float64   // [m] spread over c ∉ K, with slack: the weight of h_i
	D    [][]float64 // [m][len(K)]
}

// damagedClasses returns the classes whose total deviation
// T(c) = Σ_i |r_i(c) − mean_c' r_i(c')| exceeds four times the median of
// T and twice the rounding slack Σ_i slack_i that every class is charged anyway:
// at most maxDamaged of them (the largest). An ordinary model has none;
// the median class never is one, nor one of residuals at rounding level
// (an exact explanation's, where which class stands out is noise). (The
// mean, not the median, centres each neuron: one damaged class moves it by
// 1/p of its deviation, and it costs O(p) per neuron where a median costs
// a selection.)
func damagedClasses(res [][]float64, slack []float64, p int) []int {
	T := make([]float64, p)
	for _, r := range res {
		var mean float64
		for _, v := range r {
			mean += v
		}
		mean /= float64(len(r))
		for c, v := range r {
			T[c] += math.Abs(v - mean)
		}
	}
	medT := mechanism.Median(T)
	var floor float64
	for _, s := range slack {
		floor += s
	}
	var K []int
	for c, v := range T {
		if v > 4*medT && v > 2*floor { // |r − mean| ≤ 2·slack where r is rounding
			K = append(K, c)
		}
	}
	sort.Slice(K, func(i, j int) bool { return T[K[i]] > T[K[j]] })
	if len(K) > maxDamaged {
		K = K[:maxDamaged]
	}
	sort.Ints(K)
	return K
}

// newClassResiduals computes the per-class split of the residuals res[i]
// (U_i − Û_i as computed in float64); slack[i] covers their rounding and
// the tables' (added to the base weight and to every D_i).
func newClassResiduals(res [][]float64, slack []float64, p int) *classResiduals {
	K := damagedClasses(res, slack, p)
	inK := make([]bool, p)
	for _, c := range K {
		inK[c] = true
	}
	cr := &classResiduals{K: K, base: make([]float64, len(res)), D: make([][]float64, len(res))}
	for i, r := range res {
		lo, hi := math.Inf(1), math.Inf(-1)
		for c, v := range r {
			if !inK[c] {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		mid, q := (lo+hi)/2, (hi-lo)/2
		cr.base[i] = roundUp(2*q+slack[i], 4)
		cr.D[i] = make([]float64, len(K))
		for j, c := range K {
			cr.D[i][j] = roundUp(max(0, math.Abs(r[c]-mid)-q)+slack[i], 4)
		}
	}
	return cr
}

// classExtras carries, per input, X(c) for c in K.
type classExtras struct {
	K     []int
	slot  []int     // slot[c] = index of c in K, or −1
	extra []float64 // [p²][len(K)]
}

func newClassExtras(K []int, p int) *classExtras {
	ce := &classExtras{K: K, slot: make([]int, p), extra: make([]float64, p*p*len(K))}
	for c := range ce.slot {
		ce.slot[c] = -1
	}
	for j, c := range K {
		ce.slot[c] = j
	}
	return ce
}

// at is X(c) at input k (zero for c ∉ K); finish has rounded it up.
func (ce *classExtras) at(k, c int) float64 {
	if ce == nil || ce.slot[c] < 0 {
		return 0
	}
	return ce.extra[k*len(ce.K)+ce.slot[c]]
}

// finish inflates the accumulated sums for their rounding (n terms each).
func (ce *classExtras) finish(n int) {
	if ce == nil {
		return
	}
	g := 1 + circuit.Gamma(n+4)
	for i, v := range ce.extra {
		ce.extra[i] = max(v, 0)*g + 0x1p-1022
	}
}
