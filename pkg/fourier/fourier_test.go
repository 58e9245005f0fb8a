package fourier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestBasisOrthonormal(t *testing.T) {
	for _, p := range []int{2, 3, 4, 7, 59, 60} {
		b, err := NewBasis(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Vec) != p {
			t.Fatalf("p=%d: %d basis vectors", p, len(b.Vec))
		}
		for i := range b.Vec {
			for j := range b.Vec {
				var s float64
				for x := 0; x < p; x++ {
					s += b.Vec[i][x] * b.Vec[j][x]
				}
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(s-want) > 1e-13 {
					t.Fatalf("p=%d: <%s, %s> = %v", p, b.Label(i), b.Label(j), s)
				}
			}
		}
	}
	if _, err := NewBasis(1); err == nil {
		t.Fatal("p=1 accepted")
	}
}

func TestRoundTripAndParseval(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, p := range []int{5, 59, 64} {
		b, _ := NewBasis(p)
		f := make([]float64, p)
		for i := range f {
			f[i] = rng.NormFloat64()
		}
		g := b.Inverse(b.Transform(f))
		for i := range f {
			if math.Abs(f[i]-g[i]) > 1e-13 {
				t.Fatalf("p=%d: round trip error %v", p, f[i]-g[i])
			}
		}
		s := Analyze(f)
		var sum2, energy float64
		for _, v := range f {
			sum2 += v * v
		}
		for k := 1; k <= p/2; k++ {
			energy += s.Energy(k)
		}
		if math.Abs(energy+float64(p)*s.Mean*s.Mean-sum2) > 1e-12*sum2 || math.Abs(energy-s.Var) > 1e-12*sum2 {
			t.Fatalf("p=%d: Parseval fails: %v + %v vs %v", p, energy, float64(p)*s.Mean*s.Mean, sum2)
		}
	}
}

// TestAnalyzeRecovers builds f = 3 + 2 cos(w_5 x + 0.7) + 0.5 cos(w_11 x − 2)
// and recovers every amplitude and phase to 1e-12.
func TestAnalyzeRecovers(t *testing.T) {
	p := 59
	f := make([]float64, p)
	waves := []Wave{{K: 5, R: 2, Phase: 0.7}, {K: 11, R: 0.5, Phase: -2}}
	for x := range f {
		f[x] = 3
		for _, w := range waves {
			f[x] += w.Eval(x, p)
		}
	}
	s := Analyze(f)
	if math.Abs(s.Mean-3) > 1e-12 {
		t.Fatalf("mean %v", s.Mean)
	}
	for _, w := range waves {
		got := s.Waves[w.K-1]
		if math.Abs(got.R-w.R) > 1e-12 || math.Abs(got.Phase-w.Phase) > 1e-12 {
			t.Fatalf("k=%d: got R=%v φ=%v, want %v %v", w.K, got.R, got.Phase, w.R, w.Phase)
		}
	}
	for k := 1; k <= p/2; k++ {
		if k != 5 && k != 11 && s.Waves[k-1].R > 1e-12 {
			t.Fatalf("spurious frequency %d: %v", k, s.Waves[k-1].R)
		}
	}
	if d := s.Dominant(); d.K != 5 {
		t.Fatalf("dominant %d", d.K)
	}
	// FVE: energies 59·4/2 and 59·0.25/2.
	if math.Abs(s.FVE(5)-4/4.25) > 1e-12 {
		t.Fatalf("FVE(5) = %v", s.FVE(5))
	}
	keys := KeyFrequencies([][]float64{f}, 0.01)
	if len(keys) != 2 || keys[0].K != 5 || keys[1].K != 11 {
		t.Fatalf("key frequencies %v", keys)
	}
}

// A product f(x)g(y) transforms to the outer product of the 1D transforms.
func TestTransform2DSeparable(t *testing.T) {
	p := 13
	b, _ := NewBasis(p)
	rng := rand.New(rand.NewPCG(2, 2))
	f, g := make([]float64, p), make([]float64, p)
	for i := range f {
		f[i], g[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	tab := make([][]float64, p)
	for x := range tab {
		tab[x] = make([]float64, p)
		for y := range tab[x] {
			tab[x][y] = f[x] * g[y]
		}
	}
	c := b.Transform2D(tab)
	cf, cg := b.Transform(f), b.Transform(g)
	for i := range c {
		for j := range c[i] {
			if math.Abs(c[i][j]-cf[i]*cg[j]) > 1e-12 {
				t.Fatalf("C[%d][%d] = %v, want %v", i, j, c[i][j], cf[i]*cg[j])
			}
		}
	}
}

func ExampleAnalyze() {
	p := 7
	f := make([]float64, p)
	for x := range f {
		f[x] = 1 + 2*math.Cos(2*math.Pi*3*float64(x)/float64(p)+0.5)
	}
	s := Analyze(f)
	d := s.Dominant()
	fmt.Printf("mean %.3f, k %d, R %.3f, phase %.3f, FVE %.3f\n", s.Mean, d.K, d.R, d.Phase, s.FVE(d.K))
	// Output: mean 1.000, k 3, R 2.000, phase 0.500, FVE 1.000
}

// TestTablesSymmetric: the tables are Cos and Sin bit for bit, even and
// odd in j exactly (cos at j and p − j the same bits, sin negated, sin 0 at
// j = 0 and p/2), within 2e-15 of math.Cos and math.Sin at the unreduced
// angle and on the unit circle to 4e-16.
func TestTablesSymmetric(t *testing.T) {
	for _, p := range []int{2, 3, 4, 7, 31, 59, 60, 113, 227} {
		cs, sn := Tables(p)
		for j := 0; j < p; j++ {
			if cs[j] != Cos(1, j, p) || sn[j] != Sin(1, j, p) || cs[j] != Cos(j, 1, p) {
				t.Fatalf("p = %d, j = %d: tables (%v, %v), Cos/Sin (%v, %v)", p, j, cs[j], sn[j], Cos(1, j, p), Sin(1, j, p))
			}
			q := (p - j) % p
			if cs[q] != cs[j] || sn[q] != -sn[j] {
				t.Errorf("p = %d, j = %d: cos %v vs %v at p − j, sin %v vs %v", p, j, cs[j], cs[q], sn[j], sn[q])
			}
			x := 2 * math.Pi * float64(j) / float64(p)
			if math.Abs(cs[j]-math.Cos(x)) > 2e-15 || math.Abs(sn[j]-math.Sin(x)) > 2e-15 || math.Abs(cs[j]*cs[j]+sn[j]*sn[j]-1) > 4e-16 {
				t.Errorf("p = %d, j = %d: (%v, %v) against cos, sin %v, %v", p, j, cs[j], sn[j], math.Cos(x), math.Sin(x))
			}
		}
		if sn[0] != 0 || cs[0] != 1 || (p%2 == 0 && (sn[p/2] != 0 || cs[p/2] != -1)) {
			t.Errorf("p = %d: sin 0 = %v, cos 0 = %v", p, sn[0], cs[0])
		}
	}
}
