package config

import (
	"fmt"
	"math"
	"strings"
)

// Activation is the MLP's activation function. Each value carries its math
// here, in one place: the function, and the Fourier profile the mechanism
// predicts from (A2, Kappa2). Adding an activation means adding a constant,
// its cases below and its graph form (model.Act); the tests check that
// every activation listed in Activations has all of them.
type Activation string

// The activations.
const (
	ReLU   Activation = "relu"   // max(x, 0)
	GELU   Activation = "gelu"   // x·Φ(x), the exact (erf) form, PyTorch's default
	Abs    Activation = "abs"    // |x|
	Square Activation = "square" // x²
)

// Activations lists every known activation.
var Activations = []Activation{ReLU, GELU, Abs, Square}

// Validate reports an unknown activation.
func (a Activation) Validate() error {
	for _, k := range Activations {
		if a == k {
			return nil
		}
	}
	return fmt.Errorf("config: act = %q is not known: use %s", string(a), joinNames(Activations))
}

// Func is the activation as a float64 function. It panics on an unknown
// activation (Validate first).
func (a Activation) Func() func(float64) float64 {
	switch a {
	case ReLU:
		return func(u float64) float64 { return math.Max(u, 0) }
	case GELU:
		return func(u float64) float64 { return u / 2 * (1 + math.Erf(u/math.Sqrt2)) }
	case Abs:
		return math.Abs
	case Square:
		return func(u float64) float64 { return u * u }
	}
	panic(fmt.Sprintf("config: activation %q has no function", string(a)))
}

// Homogeneous reports whether act(λx) = λ·act(x) for λ > 0, which lets the
// |cos δ| factor of a cluster's integral come out of the activation.
func (a Activation) Homogeneous() bool { return a == ReLU || a == Abs }

// Kappa2 is the cos 2u Fourier coefficient of act(cos u),
// (1/π) ∫ act(cos u) cos 2u du, for the homogeneous activations: ReLU
// 2/(3π), |x| 4/(3π). ok is false for the others.
func (a Activation) Kappa2() (kappa float64, ok bool) {
	switch a {
	case ReLU:
		return 2 / (3 * math.Pi), true
	case Abs:
		return 4 / (3 * math.Pi), true
	}
	return 0, false
}

// A2 is the cos 2u coefficient of u ↦ act(A cos u) at amplitude A >= 0,
// a₂(A) = (1/π) ∫ act(A cos u) cos 2u du: closed forms for ReLU (2A/(3π)),
// |x| (4A/(3π)) and x² (A²/2); GELU by the trapezoidal rule on 4,096
// points (spectrally accurate for a smooth periodic integrand).
func (a Activation) A2(A float64) float64 {
	if k, ok := a.Kappa2(); ok {
		return k * A
	}
	if a == Square {
		return A * A / 2
	}
	f := a.Func()
	const n = 4096
	var s float64
	for j := 0; j < n; j++ {
		u := 2 * math.Pi * float64(j) / n
		s += f(A*math.Cos(u)) * math.Cos(2*u)
	}
	return s * 2 / n
}

// AttnMix is the convention of the attention mix (Config's doc).
type AttnMix string

// The conventions.
const (
	Mean AttnMix = "mean" // constant part 1/n_ctx (the pizza paper)
	Sum  AttnMix = "sum"  // constant part 1 (Zhong et al.)
)

// Constant is C, the weight of each position in the constant part of the
// attention pattern: 1/n_ctx for Mean, 1 for Sum.
func (m AttnMix) Constant() float64 {
	if m == Sum {
		return 1
	}
	return 1 / float64(NCtx)
}

// Validate reports an unknown convention.
func (m AttnMix) Validate() error {
	if m != Mean && m != Sum {
		return fmt.Errorf("config: attn_mix = %q: use mean (pizza paper) or sum (Zhong et al.)", string(m))
	}
	return nil
}

// DType is a floating-point precision.
type DType string

// The precisions.
const (
	Float32 DType = "float32"
	Float64 DType = "float64"
)

// Bytes is the size of one value.
func (d DType) Bytes() int {
	if d == Float64 {
		return 8
	}
	return 4
}

// Validate reports an unknown precision.
func (d DType) Validate() error {
	if d != Float32 && d != Float64 {
		return fmt.Errorf("config: dtype = %q: use float32 or float64", string(d))
	}
	return nil
}

func joinNames(as []Activation) string {
	var s []string
	for _, a := range as {
		s = append(s, string(a))
	}
	return strings.Join(s, ", ")
}
