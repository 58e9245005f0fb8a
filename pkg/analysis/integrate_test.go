package analysis

import (
	"math"
	"testing"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/quadrature"
)

// idealPizza builds folded tables whose neurons are exactly idealised:
// A_i(a) = r cos(wa + φ_i), B_i(b) = r cos(wb + φ_i), c_i = 0,
// U_i(c) = s cos(wc + 2φ_i), with n phases per cluster from phases(n).
func idealPizza(p int, ks []int, n int, phases func(j, n int) float64) *circuit.Tables {
	m := len(ks) * n
	mat := func(r, c int) [][]float64 {
		x := make([][]float64, r)
		for i := range x {
			x[i] = make([]float64, c)
		}
		return x
	}
	t := &circuit.Tables{P: p, M: m, Act: "relu", C: make([]float64, m), L0: make([]float64, p),
		A: mat(p, m), B: mat(p, m), U: mat(m, p), La: mat(p, p), Lb: mat(p, p)}
	i := 0
	for _, k := range ks {
		for j := 0; j < n; j++ {
			phi := mechanism.Wrap(phases(j, n))
			r, s := 1.0+0.01*float64(j%3), 0.7
			for x := 0; x < p; x++ {
				t.A[x][i] = fourier.Wave{K: k, R: r, Phase: phi}.Eval(x, p)
				t.B[x][i] = fourier.Wave{K: k, R: r, Phase: phi}.Eval(x, p)
				t.U[i][x] = fourier.Wave{K: k, R: s, Phase: mechanism.Wrap(2 * phi)}.Eval(x, p)
			}
			i++
		}
	}
	return t
}

// With exactly idealised neurons the MLP *is* the quadrature, so "actual vs
// quadrature" must vanish (up to rounding), and the quadrature error must
// equal that of the same rule computed directly.
func TestIntegrateIdealisedNeurons(t *testing.T) {
	p := 59
	for _, c := range []struct {
		name   string
		phases func(j, n int) float64
	}{
		{"equispaced", func(j, n int) float64 { return 2*math.Pi*float64(j)/float64(n) + 0.05 }},
		{"clumped", func(j, n int) float64 { return 3 * math.Sin(float64(j)) }},
	} {
		tb := idealPizza(p, []int{3, 17}, 24, c.phases)
		fits := mechanism.FitNeurons(tb)
		cl := mechanism.Clusters(tb, fits)
		in, err := Integrate(tb, fits, cl, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Clusters) != 2 {
			t.Fatalf("%s: %d clusters", c.name, len(in.Clusters))
		}
		if in.MLPvsQuadrature > 1e-10 {
			t.Fatalf("%s: idealised neurons differ from their quadrature by %v", c.name, in.MLPvsQuadrature)
		}
		for _, cr := range in.Clusters {
			rule := quadrature.Rule{}
			for j := 0; j < 24; j++ {
				rule.Nodes = append(rule.Nodes, mechanism.Wrap(c.phases(j, 24)))
				rule.Weights = append(rule.Weights, (1+0.01*float64(j%3))*0.7)
			}
			want := rule.Error(config.ReLU.Func(), 2/(3*math.Pi), p)
			if math.Abs(cr.QuadratureError-want) > 1e-9 {
				t.Fatalf("%s k=%d: quadrature error %v, direct %v", c.name, cr.K, cr.QuadratureError, want)
			}
		}
		t.Logf("%s: quadrature error %.3g, quadrature vs integral %.3g", c.name, in.Clusters[0].QuadratureError, in.QuadratureVsIntegral)
	}
}

// For exactly idealised neurons every link of the chain but the last is
// zero, and the last is the quadrature's own error; adding an offset to
// every pre-activation moves exactly that into the offset link.
func TestSecondaryParts(t *testing.T) {
	p := 31
	tb := idealPizza(p, []int{3, 7}, 16, func(j, n int) float64 { return 2*math.Pi*float64(j)/float64(n) + 0.3*math.Sin(float64(j)) })
	fits := mechanism.FitNeurons(tb)
	cl := mechanism.Clusters(tb, fits)
	sec := SecondaryParts(tb, fits, cl)
	in, _ := Integrate(tb, fits, cl, 2, 1)
	for l := 0; l < 3; l++ {
		if sec.Parts[l].Total > 1e-10 {
			t.Fatalf("idealised neurons: part %q = %v", sec.Parts[l].Name, sec.Parts[l].Total)
		}
	}
	if math.Abs(sec.Parts[3].Total-in.QuadratureVsIntegral) > 1e-9 || sec.Parts[3].Total < 1e-3 {
		t.Fatalf("quadrature link %v, quadrature vs integral %v", sec.Parts[3].Total, in.QuadratureVsIntegral)
	}
	for i := range tb.C {
		tb.C[i] = 0.3
	}
	fits = mechanism.FitNeurons(tb)
	sec = SecondaryParts(tb, fits, mechanism.Clusters(tb, fits))
	if sec.Parts[0].Total > 1e-10 || sec.Parts[1].Total < 0.05 || sec.Parts[2].Total > 1e-10 {
		t.Fatalf("with offset 0.3: parts %v %v %v", sec.Parts[0].Total, sec.Parts[1].Total, sec.Parts[2].Total)
	}
}
