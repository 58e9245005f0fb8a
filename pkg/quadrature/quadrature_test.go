package quadrature

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func relu(x float64) float64 { return math.Max(x, 0) }
func gelu(x float64) float64 { return x / 2 * (1 + math.Erf(x/math.Sqrt2)) }

// TestIdentity checks ∫ ReLU(cos u) cos(2u + ψ) du = (2/3) cos ψ against
// gonum's Gauss–Legendre rules to 1e-12.
func TestIdentity(t *testing.T) {
	for _, psi := range []float64{0, 0.3, 1, math.Pi / 2, 2.5, -1.7} {
		got, err := Identity(relu, psi)
		if err != nil {
			t.Fatal(err)
		}
		if want := 2.0 / 3 * math.Cos(psi); math.Abs(got-want) > 1e-12 {
			t.Errorf("ψ = %v: integral %v, want (2/3) cos ψ = %v", psi, got, want)
		}
	}
}

// TestReLUSeries checks the closed-form Fourier series of ReLU(cos u)
// against numerical integration, n = 0..10, to 1e-12.
func TestReLUSeries(t *testing.T) {
	for n := 0; n <= 10; n++ {
		got, err := Coefficient(relu, 1, n)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-ReLUCoefficient(n)) > 1e-12 {
			t.Errorf("n = %d: integral %v, closed form %v", n, got, ReLUCoefficient(n))
		}
	}
	if math.Abs(ReLUCoefficient(2)-2/(3*math.Pi)) > 1e-16 || math.Abs(ReLUCoefficient(4)+2/(15*math.Pi)) > 1e-16 {
		t.Fatal("a₂ or a₄ differ from MECHANISM.md")
	}
}

// Other activations: |x| has a₂ = 4/(3π) at amplitude 1 and scales
// linearly; x² has a₂ = A²/2; GELU's a₂ depends on A non-linearly, and the
// identity ∫ act(cos u) cos(2u+ψ) du = π a₂ cos ψ holds for all of them.
func TestOtherActivations(t *testing.T) {
	abs := math.Abs
	sq := func(x float64) float64 { return x * x }
	for _, c := range []struct {
		name string
		act  func(float64) float64
		amp  float64
		want float64
	}{
		{"abs", abs, 1, 4 / (3 * math.Pi)},
		{"abs", abs, 2.5, 2.5 * 4 / (3 * math.Pi)},
		{"square", sq, 1, 0.5},
		{"square", sq, 3, 4.5},
		{"relu", relu, 2, 2 * 2 / (3 * math.Pi)},
	} {
		got, err := Coefficient(c.act, c.amp, 2)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s at amplitude %v: a₂ = %v, want %v", c.name, c.amp, got, c.want)
		}
	}
	for _, act := range []func(float64) float64{abs, sq, gelu} {
		a2, _ := Coefficient(act, 1, 2)
		id, _ := Identity(act, 0.7)
		if math.Abs(id-math.Pi*a2*math.Cos(0.7)) > 1e-12 {
			t.Errorf("identity π a₂ cos ψ fails: %v vs %v", id, math.Pi*a2*math.Cos(0.7))
		}
	}
	// GELU is not homogeneous: a₂(2)/a₂(1) is not 2.
	g1, _ := Coefficient(gelu, 1, 2)
	g2, _ := Coefficient(gelu, 2, 2)
	if math.Abs(g2/g1-2) < 0.01 {
		t.Errorf("GELU looks homogeneous: %v, %v", g1, g2)
	}
}

// TestEquispacedError: an N-node equispaced rule integrates every Fourier
// mode of ReLU(cos u)·e^{2iφ} exactly except the aliases n ≡ ±2 (mod N),
// so its relative error falls like 1/N²: Σ over aliases of 3/(n²−1), about
// 6.5/N² for large N and 10/N² at N = 16 (bound checked: 1/N² to 12/N²); N
// uniformly random nodes do far worse (like 1/√N).
func TestEquispacedError(t *testing.T) {
	a2 := ReLUCoefficient(2)
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{16, 32, 64, 128} {
		e := Equispaced(n, 1, 0.1).Error(relu, a2, 59)
		if e*float64(n*n) < 1 || e*float64(n*n) > 12 {
			t.Errorf("N = %d: equispaced error %v = %.2f/N²", n, e, e*float64(n*n))
		}
		r := Random(n, 1, rng.Float64).Error(relu, a2, 59)
		if r < 5*e {
			t.Errorf("N = %d: random nodes (%v) not clearly worse than equispaced (%v)", n, r, e)
		}
	}
	// Large N reaches the ideal.
	if e := Equispaced(4096, 3, 0.2).Error(relu, a2, 59); e > 1e-5 {
		t.Errorf("N = 4096: error %v", e)
	}
}

func TestIntegrateErrors(t *testing.T) {
	v, err := Integrate(math.Sin, 0, math.Pi, 1e-13)
	if err != nil || math.Abs(v-2) > 1e-13 {
		t.Fatalf("∫ sin = %v, %v", v, err)
	}
	// 1/√x has an integrable singularity: the adaptive rule must either
	// converge or say it did not, never return silently.
	_, err = Integrate(func(x float64) float64 { return 1 / math.Sqrt(x) }, 0, 1, 1e-15)
	if err == nil {
		t.Log("converged on 1/√x")
	}
}

func ExampleReLUCoefficient() {
	fmt.Printf("a0 = %.4f, a1 = %.4f, a2 = %.4f = 2/(3π), a4 = %.4f = −2/(15π)\n",
		ReLUCoefficient(0), ReLUCoefficient(1), ReLUCoefficient(2), ReLUCoefficient(4))
	// Output: a0 = 0.3183, a1 = 0.5000, a2 = 0.2122 = 2/(3π), a4 = -0.0424 = −2/(15π)
}
