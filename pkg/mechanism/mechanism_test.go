package mechanism

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/quadrature"
)

type synthNeuron struct {
	k          int
	r, phi     float64 // A and B: r cos(w x + phi)
	s, psi     float64 // U: s cos(w c + psi)
	alpha, off float64
}

// synthetic builds folded tables of an ideal pizza: each neuron has
// A_i(a) = α + r cos(w a + φ), B_i(b) = −α + r cos(w b + φ), c_i = off,
// U_i(c) = s cos(w c + ψ), and no direct paths.
func synthetic(p int, ns []synthNeuron) *circuit.Tables {
	m := len(ns)
	t := &circuit.Tables{P: p, M: m, Act: "relu", C: make([]float64, m), L0: make([]float64, p)}
	mat := func(r, c int) [][]float64 {
		x := make([][]float64, r)
		for i := range x {
			x[i] = make([]float64, c)
		}
		return x
	}
	t.A, t.B, t.U, t.La, t.Lb = mat(p, m), mat(p, m), mat(m, p), mat(p, p), mat(p, p)
	for i, n := range ns {
		w := fourier.Wave{K: n.k, R: n.r, Phase: n.phi}
		u := fourier.Wave{K: n.k, R: n.s, Phase: n.psi}
		for x := 0; x < p; x++ {
			t.A[x][i] = n.alpha + w.Eval(x, p)
			t.B[x][i] = -n.alpha + w.Eval(x, p)
			t.U[i][x] = u.Eval(x, p)
		}
		t.C[i] = n.off
	}
	return t
}

// evenPizza has two clusters (k = 2 and 9) of n neurons with equispaced
// phases, amplitudes varying by neuron, and exact phase doubling.
func evenPizza(p, n int) []synthNeuron {
	var ns []synthNeuron
	for _, k := range []int{2, 9} {
		for j := 0; j < n; j++ {
			phi := Wrap(2*math.Pi*float64(j)/float64(n) + 0.1)
			ns = append(ns, synthNeuron{k: k, r: 1 + 0.1*float64(k), phi: phi, s: 0.5, psi: Wrap(2 * phi), alpha: 0.3})
		}
	}
	return ns
}

func TestFitsRecoverSyntheticPizza(t *testing.T) {
	p := 59
	ns := evenPizza(p, 40)
	tb := synthetic(p, ns)
	fits := FitNeurons(tb)
	for i, f := range fits {
		n := ns[i]
		if f.K != n.k || f.KA != n.k || f.KU != n.k {
			t.Fatalf("neuron %d: frequency %d (A %d, U %d), want %d", i, f.K, f.KA, f.KU, n.k)
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"r", f.R, n.r}, {"s", f.S, n.s}, {"alpha", f.Alpha, n.alpha}, {"beta", f.Beta, -n.alpha},
			{"phi", Wrap(f.Phi - n.phi), 0}, {"psi", Wrap(f.Psi - n.psi), 0}, {"phase doubling", f.PhaseDoubling, 0},
			{"FVE A", f.FVEA, 1}, {"FVE U", f.FVEU, 1}, {"residual A", f.ResA, 0}, {"offset", f.Offset, 0}} {
			if math.Abs(c.got-c.want) > 1e-12 {
				t.Fatalf("neuron %d: %s = %v, want %v", i, c.name, c.got, c.want)
			}
		}
	}
	cl := Clusters(tb, fits)
	if len(cl) != 2 || len(cl[0].Neurons) != 40 || len(cl[1].Neurons) != 40 || cl[0].K != 2 || cl[1].K != 9 {
		t.Fatalf("clusters %+v", cl)
	}
	if math.Abs(cl[0].W-40*1.2*0.5) > 1e-10 || math.Abs(cl[0].FVE-1) > 1e-12 {
		t.Fatalf("cluster 0: W %v FVE %v", cl[0].W, cl[0].FVE)
	}
}

// TestIdealMatchesEvenPizza: with N equispaced phases the cluster output is
// a quadrature of the integral identity whose error is O(1/N²) relative
// (about 6.5/N² against the amplitude 2/3, MECHANISM.md §4), so the ideal
// logits must explain the actual ones to within that: FVE > 1 − (6.5/N²·1.5)².
// A mistaken sign of ψ or a wrong κ₂ gives FVE ≤ 0.
func TestIdealMatchesEvenPizza(t *testing.T) {
	p := 59
	for _, n := range []int{16, 64} {
		tb := synthetic(p, evenPizza(p, n))
		fits := FitNeurons(tb)
		per, total := CompareIdeal(tb, fits, Clusters(tb, fits))
		rel := 6.5 / float64(n*n) * 1.5
		if total.FVE < 1-rel*rel*4 || total.MaxErr > 2*rel*total.Scale {
			t.Fatalf("N=%d: total FVE %v, max error %v of %v (relative bound %v)", n, total.FVE, total.MaxErr, total.Scale, rel)
		}
		for _, a := range per {
			if a.FVE < 1-rel*rel*4 {
				t.Fatalf("N=%d cluster %d: FVE %v", n, a.K, a.FVE)
			}
		}
		t.Logf("N=%d: FVE %.8f, max error %.3g of %.3g", n, total.FVE, total.MaxErr, total.Scale)
	}
	// Reversed phase doubling (ψ = −2φ) puts the peak at c = −(a+b): the ideal
	// must then fail to explain the output.
	ns := evenPizza(p, 32)
	for i := range ns {
		ns[i].psi = Wrap(-2 * ns[i].phi)
	}
	tb := synthetic(p, ns)
	fits := FitNeurons(tb)
	_, total := CompareIdeal(tb, fits, Clusters(tb, fits))
	if total.FVE > 0.5 {
		t.Fatalf("ψ = −2φ still explained: FVE %v", total.FVE)
	}
}

func TestWrap(t *testing.T) {
	for _, c := range [][2]float64{{0, 0}, {math.Pi, math.Pi}, {-math.Pi, math.Pi}, {3 * math.Pi / 2, -math.Pi / 2}, {7, 7 - 2*math.Pi}} {
		if got := Wrap(c[0]); math.Abs(got-c[1]) > 1e-15 {
			t.Errorf("Wrap(%v) = %v, want %v", c[0], got, c[1])
		}
	}
}

// config.Activation's a₂ (closed forms, and the trapezoidal rule for GELU)
// agrees with adaptive integration (1e-10 relative), and κ₂ = a₂(1) for the
// homogeneous activations.
func TestA2(t *testing.T) {
	for _, act := range config.Activations {
		f := act.A2
		if k, ok := act.Kappa2(); ok != act.Homogeneous() || (ok && math.Abs(k-f(1)) > 1e-15) {
			t.Errorf("%s: κ₂ %v (%v) against a₂(1) %v", act, k, ok, f(1))
		}
		for _, amp := range []float64{0.1, 0.77, 1, 2.3, 5} {
			want, err := quadrature.Coefficient(act.Func(), amp, 2)
			if err != nil {
				t.Fatal(err)
			}
			if got := f(amp); math.Abs(got-want) > 1e-10*math.Abs(want)+1e-14 {
				t.Errorf("%s: a₂(%v) = %v, want %v", act, amp, got, want)
			}
		}
	}
}

// TestMedianSelect checks the quickselect median against sorting, on
// random lengths with ties, signed zeros and infinities.
func TestMedianSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := 0; trial < 2000; trial++ {
		n := 1 + rng.IntN(80)
		x := make([]float64, n)
		for i := range x {
			switch rng.IntN(6) {
			case 0:
				x[i] = float64(rng.IntN(3)) * float64(1-2*rng.IntN(2)) // ties, and −0
			case 1:
				x[i] = math.Inf(1 - 2*rng.IntN(2))
			default:
				x[i] = rng.NormFloat64()
			}
		}
		y := append([]float64(nil), x...)
		sort.Float64s(y)
		want := y[n/2]
		if n%2 == 0 {
			want = (y[n/2-1] + y[n/2]) / 2
		}
		got := Median(x)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("Median(%v) = %v, want %v", x, got, want)
		}
	}
	if got := Median([]float64{1, math.NaN(), 2}); got != 1 { // sorted: NaN, 1, 2
		t.Fatalf("Median with a NaN = %v, want 1 (as sort.Float64s orders it)", got)
	}
}

// TestHalfAngle: |cos(w d/2)| with w = 2πk/p, table values and its
// symmetries (d and −d, d and d + p), within 1e-12.
func TestHalfAngle(t *testing.T) {
	for _, tc := range []struct {
		k, d, p int
		want    float64
	}{
		{1, 0, 7, 1},
		{1, 2, 4, 0},   // w d/2 = π/2
		{2, 1, 6, 0.5}, // 2π/6 = π/3
		{3, 5, 7, math.Cos(15 * math.Pi / 7)},
	} {
		got := HalfAngle(tc.k, tc.d, tc.p)
		if math.Abs(got-math.Abs(tc.want)) > 1e-12 {
			t.Errorf("HalfAngle(%d, %d, %d) = %g, want %g", tc.k, tc.d, tc.p, got, math.Abs(tc.want))
		}
		if a, b, c := got, HalfAngle(tc.k, -tc.d, tc.p), HalfAngle(tc.k, tc.d+tc.p, tc.p); math.Abs(a-b) > 1e-12 || math.Abs(a-c) > 1e-12 {
			t.Errorf("HalfAngle(%d, ·, %d) at d, −d, d + p: %g, %g, %g", tc.k, tc.p, a, b, c)
		}
	}
}
