// Package quadrature reads the MLP as numerical integration (MECHANISM.md
// §4): the integral identity behind the pizza logits, the Fourier series of
// act(cos u), and each frequency cluster of neurons as a quadrature rule —
// nodes at the neurons' phases φ_i, weights w_i = r_i·s_i — for
//
//	G(x) = Σ_i w_i act(cos(x + φ_i)) e^{2iφ_i} ≈ (W/2π) ∫ act(cos(x+φ)) e^{2iφ} dφ = (W a₂/2) e^{−2ix},
//
// W = Σ w_i, a₂ the cos 2u coefficient of act(cos u) (2/(3π) for ReLU, so
// the ideal is W/(3π)·e^{−2ix}). The cluster's output at (a, b, c) is, for
// idealised neurons, 2|cos δ| Re[e^{iwc} G(θ')] with θ' = w(a+b)/2 (+π when
// cos δ < 0): θ' takes only the 2p values πj/p, so the rule's error can be
// evaluated exactly at every one of them.
package quadrature

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/integrate/quad"
)

// Integrate computes ∫_a^b f(u) du to an absolute tolerance tol by adaptive
// bisection: on each piece gonum's 24- and 48-node Gauss–Legendre rules are
// compared, and pieces where they differ by more than their share of tol are
// split (at most 40 levels deep).
func Integrate(f func(float64) float64, a, b, tol float64) (float64, error) {
	var rec func(a, b, tol float64, depth int) (float64, error)
	rec = func(a, b, tol float64, depth int) (float64, error) {
		lo := quad.Fixed(f, a, b, 24, quad.Legendre{}, 0)
		hi := quad.Fixed(f, a, b, 48, quad.Legendre{}, 0)
		if math.Abs(hi-lo) <= tol {
			return hi, nil
		}
		if depth >= 40 {
			return hi, fmt.Errorf("quadrature: no convergence on [%g, %g] (difference %g, tolerance %g)", a, b, math.Abs(hi-lo), tol)
		}
		m := (a + b) / 2
		l, err := rec(a, m, tol/2, depth+1)
		if err != nil {
			return 0, err
		}
		r, err := rec(m, b, tol/2, depth+1)
		return l + r, err
	}
	return rec(a, b, tol, 0)
}

// Coefficient is the n-th Fourier cosine coefficient of u ↦ act(A cos u)
// on (−π, π]: (1/π) ∫ act(A cos u) cos(nu) du for n >= 1, and the mean
// (1/2π) ∫ act(A cos u) du for n = 0.
func Coefficient(act func(float64) float64, amplitude float64, n int) (float64, error) {
	s, err := overCircle(func(u float64) float64 { return act(amplitude*math.Cos(u)) * math.Cos(float64(n)*u) })
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return s / (2 * math.Pi), nil
	}
	return s / math.Pi, nil
}

// ReLUCoefficient is the closed form of Coefficient for ReLU at amplitude 1:
//
//	ReLU(cos u) = 1/π + (1/2) cos u + Σ_{n even ≥ 2} (2/π)·(−1)^{n/2+1}/(n²−1) · cos nu
//
// (2/(3π) at n = 2, −2/(15π) at n = 4; 0 for odd n >= 3).
func ReLUCoefficient(n int) float64 {
	switch {
	case n == 0:
		return 1 / math.Pi
	case n == 1:
		return 0.5
	case n%2 == 1:
		return 0
	}
	sign := 1.0
	if (n/2)%2 == 0 {
		sign = -1
	}
	return sign * 2 / (math.Pi * float64(n*n-1))
}

// Identity is ∫_{−π}^{π} act(cos u) cos(2u + ψ) du, which equals
// π·a₂·cos ψ (the sin 2u part of act(cos u) vanishes since act(cos u) is
// even): (2/3) cos ψ for ReLU.
func Identity(act func(float64) float64, psi float64) (float64, error) {
	return overCircle(func(u float64) float64 { return act(math.Cos(u)) * math.Cos(2*u+psi) })
}

// overCircle integrates f over (−π, π] in three pieces split at ±π/2,
// where act(cos u) has its kinks for ReLU and |x|.
func overCircle(f func(float64) float64) (float64, error) {
	var s float64
	for _, piece := range [][2]float64{{-math.Pi, -math.Pi / 2}, {-math.Pi / 2, math.Pi / 2}, {math.Pi / 2, math.Pi}} {
		v, err := Integrate(f, piece[0], piece[1], 1e-14)
		if err != nil {
			return 0, err
		}
		s += v
	}
	return s, nil
}

// Rule is a quadrature rule on the circle: nodes (phases) and weights.
type Rule struct {
	Nodes, Weights []float64
}

// Total is Σ w_i.
func (r Rule) Total() float64 {
	var s float64
	for _, w := range r.Weights {
		s += w
	}
	return s
}

// G is Σ_i w_i act(cos(x + φ_i)) e^{2iφ_i}.
func (r Rule) G(act func(float64) float64, x float64) complex128 {
	var g complex128
	for i, phi := range r.Nodes {
		if v := act(math.Cos(x + phi)); v != 0 {
			g += complex(r.Weights[i]*v, 0) * cmplx.Exp(complex(0, 2*phi))
		}
	}
	return g
}

// Ideal is the infinite-width value (W a₂/2) e^{−2ix}.
func Ideal(total, a2, x float64) complex128 {
	return complex(total*a2/2, 0) * cmplx.Exp(complex(0, -2*x))
}

// Error is the rule's worst error over the 2p half-angles x = πj/p,
// relative to the ideal's modulus W·a₂/2: max_j |G(x_j) − ideal(x_j)| / (W a₂/2).
func (r Rule) Error(act func(float64) float64, a2 float64, p int) float64 {
	total := r.Total()
	scale := math.Abs(total * a2 / 2)
	if scale == 0 {
		return math.NaN()
	}
	worst := 0.0
	for j := 0; j < 2*p; j++ {
		x := math.Pi * float64(j) / float64(p)
		worst = math.Max(worst, cmplx.Abs(r.G(act, x)-Ideal(total, a2, x)))
	}
	return worst / scale
}

// Equispaced returns n nodes 2πj/n + offset with equal weights total/n.
func Equispaced(n int, total, offset float64) Rule {
	r := Rule{Nodes: make([]float64, n), Weights: make([]float64, n)}
	for j := range r.Nodes {
		r.Nodes[j] = 2*math.Pi*float64(j)/float64(n) + offset
		r.Weights[j] = total / float64(n)
	}
	return r
}

// Random returns n uniform random nodes with equal weights total/n.
func Random(n int, total float64, uniform func() float64) Rule {
	r := Rule{Nodes: make([]float64, n), Weights: make([]float64, n)}
	for j := range r.Nodes {
		r.Nodes[j] = 2 * math.Pi * uniform()
		r.Weights[j] = total / float64(n)
	}
	return r
}

// ErrNoCoefficient reports an activation whose a₂ cannot be pulled out of
// the amplitude (not positively homogeneous).
var ErrNoCoefficient = errors.New("quadrature: the activation is not positively homogeneous, so the integral depends on the amplitude")
