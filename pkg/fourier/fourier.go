// Package fourier is the Fourier analysis of functions on Z_p used
// throughout the project: the real DFT in amplitude–phase form, the
// orthonormal real basis, 1D and 2D transforms of tables, and the key
// frequencies of a set of functions.
//
// A function f: Z_p → R is written, with w_k = 2πk/p and K = ⌊(p−1)/2⌋,
//
//	f(x) = f_0 + Σ_{k=1..K} R_k cos(w_k x + φ_k)   [+ R_{p/2} cos(πx) when p is even]
//
// where f_0 is the mean, R_k ≥ 0 the amplitude and φ_k ∈ (−π, π] the phase.
// The orthonormal basis is ordered constant, cos 1, sin 1, cos 2, sin 2, ...
// (then cos p/2 for even p):
//
//	e_0(x) = 1/√p,  c_k(x) = √(2/p) cos(w_k x),  s_k(x) = √(2/p) sin(w_k x).
//
// Everything is float64 and direct O(p²) sums: p is at most a few hundred
// here, and the direct sum has a simple, exact error analysis.
package fourier

import (
	"fmt"
	"math"
	"sync"
)

// Basis holds the orthonormal real Fourier basis of Z_p.
type Basis struct {
	P int
	// Vec[j] is the j-th basis vector, in the order documented above.
	Vec [][]float64
	// Freq[j] is the frequency k of Vec[j] (0 for the constant); Sin[j]
	// tells a sine from a cosine.
	Freq []int
	Sin  []bool
}

// NewBasis builds the basis for p >= 2.
func NewBasis(p int) (*Basis, error) {
	if p < 2 {
		return nil, fmt.Errorf("fourier: p = %d must be >= 2", p)
	}
	b := &Basis{P: p}
	add := func(k int, sin bool, f func(x int) float64) {
		v := make([]float64, p)
		for x := range v {
			v[x] = f(x)
		}
		b.Vec, b.Freq, b.Sin = append(b.Vec, v), append(b.Freq, k), append(b.Sin, sin)
	}
	fp := float64(p)
	add(0, false, func(int) float64 { return 1 / math.Sqrt(fp) })
	for k := 1; k <= (p-1)/2; k++ {
		add(k, false, func(x int) float64 { return math.Sqrt(2/fp) * Cos(k, x, p) })
		add(k, true, func(x int) float64 { return math.Sqrt(2/fp) * Sin(k, x, p) })
	}
	if p%2 == 0 {
		add(p/2, false, func(x int) float64 { return float64(1-2*(x%2)) / math.Sqrt(fp) })
	}
	return b, nil
}

// Cos is cos(2πkx/p), with j = kx reduced mod p first so that large
// arguments lose no accuracy, then to min(j, p − j): cos is even, so the
// values at j and p − j are the same bits (code that pairs the classes c
// and p − c relies on it), and exactly −1 at j = p/2.
func Cos(k, x, p int) float64 {
	j := mod(k*x, p)
	if 2*j == p {
		return -1
	}
	return math.Cos(2 * math.Pi * float64(min(j, p-j)) / float64(p))
}

// Sin is sin(2πkx/p), reduced like Cos: odd, so the values at j and p − j
// are each other's negatives, and exactly 0 at j = 0 and j = p/2.
func Sin(k, x, p int) float64 {
	j := mod(k*x, p)
	if j == 0 || 2*j == p {
		return 0
	}
	if 2*j > p {
		return -math.Sin(2 * math.Pi * float64(p-j) / float64(p))
	}
	return math.Sin(2 * math.Pi * float64(j) / float64(p))
}

// tables caches Tables by p.
var tables sync.Map // int -> [2][]float64

// Tables returns cos(2πj/p) and sin(2πj/p) for j = 0..p−1, bit for bit
// the values of Cos(k, x, p) and Sin(k, x, p) at j = kx mod p: a loop over
// k and x reads them instead of calling math.Cos p² times. The slices are
// shared: do not modify them.
func Tables(p int) (cos, sin []float64) {
	if t, ok := tables.Load(p); ok {
		cs := t.([2][]float64)
		return cs[0], cs[1]
	}
	cos, sin = make([]float64, p), make([]float64, p)
	for j := range cos {
		cos[j], sin[j] = Cos(1, j, p), Sin(1, j, p)
	}
	tables.Store(p, [2][]float64{cos, sin})
	return cos, sin
}

func mod(a, p int) int {
	a %= p
	if a < 0 {
		a += p
	}
	return a
}

// Label names basis vector j: "const", "cos 3", "sin 3".
func (b *Basis) Label(j int) string {
	switch {
	case j == 0:
		return "const"
	case b.Sin[j]:
		return fmt.Sprintf("sin %d", b.Freq[j])
	default:
		return fmt.Sprintf("cos %d", b.Freq[j])
	}
}

// Transform returns the coefficients of f in the basis: c[j] = <f, Vec[j]>.
func (b *Basis) Transform(f []float64) []float64 {
	c := make([]float64, len(b.Vec))
	for j, v := range b.Vec {
		var s float64
		for x, fx := range f {
			s += fx * v[x]
		}
		c[j] = s
	}
	return c
}

// Inverse rebuilds f from its coefficients.
func (b *Basis) Inverse(c []float64) []float64 {
	f := make([]float64, b.P)
	for j, v := range b.Vec {
		for x := range f {
			f[x] += c[j] * v[x]
		}
	}
	return f
}

// Transform2D returns C = Bᵀ T B for a p×p table T (rows indexed by the
// first variable): C[i][j] is the coefficient of Vec[i](x)·Vec[j](y).
func (b *Basis) Transform2D(t [][]float64) [][]float64 {
	p := b.P
	rows := make([][]float64, p) // transform each row along y
	for x := 0; x < p; x++ {
		rows[x] = b.Transform(t[x])
	}
	out := make([][]float64, p)
	for i := range out {
		out[i] = make([]float64, p)
	}
	col := make([]float64, p)
	for j := 0; j < p; j++ {
		for x := 0; x < p; x++ {
			col[x] = rows[x][j]
		}
		c := b.Transform(col)
		for i := 0; i < p; i++ {
			out[i][j] = c[i]
		}
	}
	return out
}

// Wave is one frequency of a function in amplitude–phase form:
// R·cos(2πk·x/p + Phase).
type Wave struct {
	K     int
	R     float64
	Phase float64
}

// Spectrum is the amplitude–phase form of a function on Z_p.
type Spectrum struct {
	P    int
	Mean float64
	// Waves[k-1] is frequency k, for k = 1..⌊p/2⌋.
	Waves []Wave
	// Var is Σ_x (f(x) − Mean)², the total non-constant energy.
	Var float64
}

// Analyze computes the amplitude–phase form of f: with
// A_k = (2/p) Σ f(x) cos(w_k x) and B_k = (2/p) Σ f(x) sin(w_k x),
// R_k = √(A_k² + B_k²) and φ_k = atan2(−B_k, A_k). (For k = p/2 the factor
// is 1/p and the phase 0 or π.)
func Analyze(f []float64) Spectrum {
	p := len(f)
	s := Spectrum{P: p}
	for _, v := range f {
		s.Mean += v
	}
	s.Mean /= float64(p)
	for _, v := range f {
		s.Var += (v - s.Mean) * (v - s.Mean)
	}
	cos, sin := Tables(p)
	for k := 1; k <= p/2; k++ {
		var a, bb float64
		j := 0 // k·x mod p
		for _, v := range f {
			a += v * cos[j]
			bb += v * sin[j]
			if j += k; j >= p {
				j -= p
			}
		}
		scale := 2 / float64(p)
		if 2*k == p {
			scale = 1 / float64(p)
		}
		a, bb = a*scale, bb*scale
		s.Waves = append(s.Waves, Wave{K: k, R: math.Hypot(a, bb), Phase: math.Atan2(-bb, a)})
	}
	return s
}

// Energy is Σ_x (R_k cos(w_k x + φ_k))² = p·R_k²/2 (p·R² for k = p/2).
func (s Spectrum) Energy(k int) float64 {
	w := s.Waves[k-1]
	if 2*k == s.P {
		return float64(s.P) * w.R * w.R
	}
	return float64(s.P) * w.R * w.R / 2
}

// FVE is the fraction of the non-constant variance explained by frequency k
// (0 for a constant function).
func (s Spectrum) FVE(k int) float64 {
	if s.Var == 0 {
		return 0
	}
	return s.Energy(k) / s.Var
}

// Dominant returns the frequency with the largest amplitude.
func (s Spectrum) Dominant() Wave {
	best := Wave{}
	for _, w := range s.Waves {
		if w.R > best.R {
			best = w
		}
	}
	return best
}

// Eval evaluates R cos(2πk x/p + Phase).
func (w Wave) Eval(x, p int) float64 {
	return w.R * math.Cos(2*math.Pi*float64(mod(w.K*x, p))/float64(p)+w.Phase)
}

// KeyFreq is a frequency with its share of the total energy of a set of
// functions.
type KeyFreq struct {
	K        int
	Fraction float64
}

// KeyFrequencies sums the energy of each frequency over a set of functions
// (each of length p) and returns the frequencies whose share of the total
// non-constant energy is at least minFraction, largest first.
func KeyFrequencies(fs [][]float64, minFraction float64) []KeyFreq {
	if len(fs) == 0 {
		return nil
	}
	p := len(fs[0])
	energy := make([]float64, p/2+1)
	var total float64
	for _, f := range fs {
		s := Analyze(f)
		for k := 1; k <= p/2; k++ {
			e := s.Energy(k)
			energy[k] += e
			total += e
		}
	}
	var out []KeyFreq
	if total == 0 {
		return nil
	}
	for k := 1; k <= p/2; k++ {
		if fr := energy[k] / total; fr >= minFraction {
			out = append(out, KeyFreq{K: k, Fraction: fr})
		}
	}
	for i := 1; i < len(out); i++ { // insertion sort, largest first (few entries)
		for j := i; j > 0 && out[j].Fraction > out[j-1].Fraction; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
