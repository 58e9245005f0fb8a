package proof

import (
	"fmt"
	"math"
	"time"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
)

// ForwardPass evaluates the network on every input (a, b) in float64, the
// plain way, without folding: embeddings, the query at the last position,
// keys and values at both positions, the attention pattern
// Alpha·C + (1 − Alpha)·softmax, the output projection, the MLP at the
// last position and the unembedding. It is Gross et al.'s brute force, the
// scale against which a proof's cost is measured, and it returns the
// logits [p²][p] and the FLOPs it spent (ForwardPassFLOPs).
func ForwardPass(cfg config.Config, w checkpoint.Tensors) ([]float64, int64, error) {
	names, shapes := checkpoint.ParamShapes(cfg)
	if err := w.CheckShapes(names, shapes); err != nil {
		return nil, 0, err
	}
	if cfg.Act != config.ReLU {
		return nil, 0, fmt.Errorf("proof: the forward pass is written for ReLU; this model uses %q", cfg.Act)
	}
	p, d, h, dh, m := cfg.P, cfg.DModel, cfg.NHeads, cfg.DHead, cfg.DMLP
	g := func(n string) []float64 { return w.Must(n).Data }
	WE, Wpos := g("W_E"), g("W_pos")
	WQ, bQ, WK, bK, WV, bV := g("W_Q"), g("b_Q"), g("W_K"), g("b_K"), g("W_V"), g("b_V")
	WO, bO, Win, bin, Wout, bout, WU, bU := g("W_O"), g("b_O"), g("W_in"), g("b_in"), g("W_out"), g("b_out"), g("W_U"), g("b_U")
	C := cfg.AttnMix.Constant()
	scale := 1 / math.Sqrt(float64(dh))
	logits := make([]float64, p*p*p)
	r := [2][]float64{make([]float64, d), make([]float64, d)}
	q, k, v := make([]float64, dh), [2][]float64{make([]float64, dh), make([]float64, dh)}, [2][]float64{make([]float64, dh), make([]float64, dh)}
	x, hid, y, z := make([]float64, d), make([]float64, m), make([]float64, d), make([]float64, dh)
	// proj computes out = in·W[hh] + bias[hh] for a [h, d, dh] weight.
	proj := func(out, in, W, bias []float64, hh int) {
		for j := 0; j < dh; j++ {
			s := bias[hh*dh+j]
			for i := 0; i < d; i++ {
				s += in[i] * W[(hh*d+i)*dh+j]
			}
			out[j] = s
		}
	}
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			for i := 0; i < d; i++ {
				r[0][i] = WE[a*d+i] + Wpos[i]
				r[1][i] = WE[b*d+i] + Wpos[d+i]
			}
			copy(x, r[1])
			for i := 0; i < d; i++ {
				x[i] += bO[i]
			}
			for hh := 0; hh < h; hh++ {
				proj(q, r[1], WQ, bQ, hh)
				var sc [2]float64
				for j := 0; j < 2; j++ {
					proj(k[j], r[j], WK, bK, hh)
					proj(v[j], r[j], WV, bV, hh)
					for t := 0; t < dh; t++ {
						sc[j] += q[t] * k[j][t]
					}
					sc[j] *= scale
				}
				mx := max(sc[0], sc[1])
				e0, e1 := math.Exp(sc[0]-mx), math.Exp(sc[1]-mx)
				pat := [2]float64{cfg.Alpha*C + (1-cfg.Alpha)*e0/(e0+e1), cfg.Alpha*C + (1-cfg.Alpha)*e1/(e0+e1)}
				for t := 0; t < dh; t++ {
					z[t] = pat[0]*v[0][t] + pat[1]*v[1][t]
				}
				for i := 0; i < d; i++ {
					var s float64
					for t := 0; t < dh; t++ {
						s += z[t] * WO[(hh*dh+t)*d+i]
					}
					x[i] += s
				}
			}
			for j := 0; j < m; j++ {
				s := bin[j]
				for i := 0; i < d; i++ {
					s += x[i] * Win[i*m+j]
				}
				hid[j] = max(s, 0)
			}
			for i := 0; i < d; i++ {
				s := bout[i]
				for j := 0; j < m; j++ {
					s += hid[j] * Wout[j*d+i]
				}
				y[i] = x[i] + s
			}
			row := logits[(a*p+b)*p : (a*p+b+1)*p]
			for c := 0; c < p; c++ {
				s := bU[c]
				for i := 0; i < d; i++ {
					s += y[i] * WU[i*p+c]
				}
				row[c] = s
			}
		}
	}
	return logits, ForwardPassFLOPs(cfg), nil
}

// ForwardPassFLOPs counts the multiply-adds of ForwardPass (2 FLOPs each)
// and its other arithmetic: per input, five [d × d_head] projections per
// head (q at the last position, k and v at both), the scores and softmax,
// the pattern-weighted values through W_O, the MLP at the last position
// and the unembedding.
func ForwardPassFLOPs(cfg config.Config) int64 {
	d, h, dh, m, p := int64(cfg.DModel), int64(cfg.NHeads), int64(cfg.DHead), int64(cfg.DMLP), int64(cfg.P)
	// Per head: 5 projections (2·d·dh), 2 scores (2·dh + 1), softmax and
	// pattern (18), the pattern-weighted value (3·dh), through W_O (2·d·dh)
	// and d additions into x.
	perHead := 10*d*dh + 2*(2*dh+1) + 18 + 3*dh + 2*d*dh + d
	per := 3*d + h*perHead + m*(2*d+1) + d*(2*m+1) + p*2*d
	return p * p * per
}

// timeForwardPass runs ForwardPass and returns its wall time in seconds.
func timeForwardPass(cfg config.Config, w checkpoint.Tensors) (float64, []float64, error) {
	t0 := time.Now()
	lg, _, err := ForwardPass(cfg, w)
	return time.Since(t0).Seconds(), lg, err
}
