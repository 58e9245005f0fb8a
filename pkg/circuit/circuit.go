// Package circuit folds a constant-attention model into the tables that the
// mechanism and the proofs work on (MECHANISM.md §2). With the attention
// pattern fixed at C per position, the residual stream at the last position
// is additively separable,
//
//	x(a, b) = Xa[a] + Xb[b],  Xa = C·OV_0,  Xb = R_1 + C·OV_1 + b_O,
//
// where R_j = W_E + W_pos[j] and OV_j = Σ_h (R_j W_V[h] + b_V[h]) W_O[h], so
//
//	pre_i(a, b)  = A[a][i] + B[b][i] + c[i],   A = Xa W_in,  B = Xb W_in,  c = b_in
//	logit(a,b,c) = La[a][c] + Lb[b][c] + L0[c] + Σ_i act(pre_i(a,b)) U[i][c]
//	U = W_out W_U,  La = Xa W_U,  Lb = Xb W_U,  L0 = b_out W_U + b_U.
//
// La, Lb and L0 are the direct paths: separately linear in a and b, they
// cannot compute a + b. Building the tables costs O(p·d·(d_mlp + p)); all
// later analysis works on them in float64, without GoMLX.
package circuit

import (
	"errors"
	"fmt"
	"math"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
)

// Tables is a folded model. Matrices are row-major slices of rows.
type Tables struct {
	P, M int
	Act  config.Activation
	A, B [][]float64 // [p][m]
	C    []float64   // [m]
	U    [][]float64 // [m][p]
	La   [][]float64 // [p][p]: La[a][c]
	Lb   [][]float64 // [p][p]
	L0   []float64   // [p]
}

// ErrNotSeparable is returned for models whose attention depends on the
// input (Alpha < 1): their pre-activations are not a sum of a term in a and
// a term in b.
var ErrNotSeparable = errors.New("circuit: the model's attention is not constant (alpha < 1), so it does not fold into A[a] + B[b] tables")

// Fold computes the tables of a constant-attention model.
func Fold(cfg config.Config, w checkpoint.Tensors) (*Tables, error) {
	if cfg.Alpha != 1 {
		return nil, ErrNotSeparable
	}
	names, shapes := checkpoint.ParamShapes(cfg)
	if err := w.CheckShapes(names, shapes); err != nil {
		return nil, err
	}
	p, d, h, dh, m := cfg.P, cfg.DModel, cfg.NHeads, cfg.DHead, cfg.DMLP
	C := cfg.AttnMix.Constant()
	g := func(n string) []float64 { return w.Must(n).Data }
	WE, Wpos, WV, bV, WO, bO := g("W_E"), g("W_pos"), g("W_V"), g("b_V"), g("W_O"), g("b_O")
	R := [2][][]float64{newMat(p, d), newMat(p, d)}
	for j := 0; j < 2; j++ {
		for t := 0; t < p; t++ {
			for i := 0; i < d; i++ {
				R[j][t][i] = WE[t*d+i] + Wpos[j*d+i]
			}
		}
	}
	// OV_j[t] = Σ_h (R_j[t] W_V[h] + b_V[h]) W_O[h].
	ov := func(Rj [][]float64) [][]float64 {
		out := newMat(p, d)
		v := make([]float64, dh)
		for t := 0; t < p; t++ {
			for hh := 0; hh < h; hh++ {
				for k := 0; k < dh; k++ {
					s := bV[hh*dh+k]
					for i := 0; i < d; i++ {
						s += Rj[t][i] * WV[(hh*d+i)*dh+k]
					}
					v[k] = s
				}
				for i := 0; i < d; i++ {
					var s float64
					for k := 0; k < dh; k++ {
						s += v[k] * WO[(hh*dh+k)*d+i]
					}
					out[t][i] += s
				}
			}
		}
		return out
	}
	ov0, ov1 := ov(R[0]), ov(R[1])
	Xa, Xb := newMat(p, d), newMat(p, d)
	for t := 0; t < p; t++ {
		for i := 0; i < d; i++ {
			Xa[t][i] = C * ov0[t][i]
			Xb[t][i] = R[1][t][i] + C*ov1[t][i] + bO[i]
		}
	}
	Win, Wout, WU := matOf(w.Must("W_in")), matOf(w.Must("W_out")), matOf(w.Must("W_U"))
	tb := &Tables{P: p, M: m, Act: cfg.Act,
		A: mul(Xa, Win), B: mul(Xb, Win), C: append([]float64(nil), g("b_in")...),
		U: mul(Wout, WU), La: mul(Xa, WU), Lb: mul(Xb, WU),
	}
	tb.L0 = mul([][]float64{g("b_out")}, WU)[0]
	for c, v := range g("b_U") {
		tb.L0[c] += v
	}
	return tb, nil
}

func newMat(r, c int) [][]float64 {
	m := make([][]float64, r)
	for i := range m {
		m[i] = make([]float64, c)
	}
	return m
}

func matOf(t checkpoint.Tensor) [][]float64 { return t.Matrix() }

// mul is the matrix product x·y.
func mul(x, y [][]float64) [][]float64 {
	out := newMat(len(x), len(y[0]))
	for i, xi := range x {
		oi := out[i]
		for k, v := range xi {
			if v == 0 {
				continue
			}
			for j, yv := range y[k] {
				oi[j] += v * yv
			}
		}
	}
	return out
}

// Pre returns the pre-activations of all neurons at (a, b).
func (t *Tables) Pre(a, b int) []float64 {
	out := make([]float64, t.M)
	for i := range out {
		out[i] = t.A[a][i] + t.B[b][i] + t.C[i]
	}
	return out
}

// Logits rebuilds the logits at (a, b) from the tables.
func (t *Tables) Logits(a, b int) []float64 {
	act := t.Act.Func()
	out := make([]float64, t.P)
	for c := range out {
		out[c] = t.La[a][c] + t.Lb[b][c] + t.L0[c]
	}
	for i, u := range t.Pre(a, b) {
		if v := act(u); v != 0 {
			for c, uc := range t.U[i] {
				out[c] += v * uc
			}
		}
	}
	return out
}

// AllLogits rebuilds the logits of all p² pairs, row-major [p²][p] (row a·p + b).
func (t *Tables) AllLogits() []float64 {
	p := t.P
	out := make([]float64, 0, p*p*p)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			out = append(out, t.Logits(a, b)...)
		}
	}
	return out
}

// Unit is the unit roundoff of float64, 2⁻⁵³.
const Unit = 0x1p-53

// Gamma is γ_n = n·u/(1 − n·u), the classic bound on the relative rounding
// error of an n-term float64 dot product: |fl(x·y) − x·y| ≤ γ_n Σ|x_i||y_i|.
func Gamma(n int) float64 {
	nu := float64(n) * Unit
	return nu / (1 - nu)
}

// Errors bounds, entry by entry, how far the float64 tables of Fold can be
// from the tables computed in exact arithmetic from the same weights. Fold
// is a chain of products; by the standard forward error analysis each entry
// is within γ_N of the same chain evaluated on the absolute values of every
// weight, where N is the total length of the inner products along the chain
// (plus a few additions). Errors has the shape of Tables and holds those
// bounds.
func Errors(cfg config.Config, w checkpoint.Tensors) (*Tables, error) {
	abs := w.Clone()
	for i := range abs {
		for j, v := range abs[i].Data {
			abs[i].Data[j] = math.Abs(v)
		}
	}
	t, err := Fold(cfg, abs)
	if err != nil {
		return nil, err
	}
	// R: 1 add; V: d + 1; OV: h·dh; X: 2 adds; A, La: d; L0: d + 1.
	chain := Gamma(1+cfg.DModel+1+cfg.NHeads*cfg.DHead+2+cfg.DModel+1) * (1 + 1e-6)
	scale := func(m [][]float64, g float64) {
		for _, r := range m {
			for j := range r {
				r[j] *= g
			}
		}
	}
	scale(t.A, chain)
	scale(t.B, chain)
	scale(t.La, chain)
	scale(t.Lb, chain)
	scale(t.U, Gamma(cfg.DModel)*(1+1e-6))
	for j := range t.L0 {
		t.L0[j] *= Gamma(cfg.DModel+2) * (1 + 1e-6)
	}
	for j := range t.C {
		t.C[j] = 0 // b_in is used as stored
	}
	return t, nil
}

// CheckFinite returns an error naming the first table holding NaN or ±Inf
// (weights so large that folding overflows, or non-finite weights).
func (t *Tables) CheckFinite() error {
	for _, tab := range []struct {
		name string
		rows [][]float64
	}{{"A", t.A}, {"B", t.B}, {"C", [][]float64{t.C}}, {"U", t.U}, {"La", t.La}, {"Lb", t.Lb}, {"L0", [][]float64{t.L0}}} {
		for i, row := range tab.rows {
			for j, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("circuit: table %s holds %v at [%d %d]: the weights are too large to fold in float64 or not finite", tab.name, v, i, j)
				}
			}
		}
	}
	return nil
}
