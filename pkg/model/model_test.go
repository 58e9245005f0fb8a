package model

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/zp"
)

func smallConfig(t *testing.T, preset, set string) config.Config {
	t.Helper()
	c, err := config.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set("p=7;d_model=12;n_heads=3;d_head=4;d_mlp=20;dtype=float64;" + set); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// randomWeights fills every parameter, biases included, with N(0, 0.5²), so
// that every term of the network is exercised.
func randomWeights(cfg config.Config, seed uint64) checkpoint.Tensors {
	rng := rand.New(rand.NewPCG(seed, 99))
	w := Init(cfg)
	for i := range w {
		for j := range w[i].Data {
			w[i].Data[j] = 0.5 * rng.NormFloat64()
		}
	}
	return w
}

var variants = []struct{ preset, set string }{
	{"pizza", ""},
	{"pizza", "act=gelu"},
	{"clock", ""},
	{"zhong", ""},
	{"zhong", "alpha=0.3"},
	{"pizza", "alpha=0.5;act=abs"},
	{"pizza", "act=square"},
}

// naiveLogits is the network written out with loops, for one input.
func naiveLogits(cfg config.Config, w checkpoint.Tensors, a, b int) []float64 {
	d, h, dh, m, p := cfg.DModel, cfg.NHeads, cfg.DHead, cfg.DMLP, cfg.P
	g := func(n string) []float64 { return w.Must(n).Data }
	WE, Wpos := g("W_E"), g("W_pos")
	emb := [2][]float64{make([]float64, d), make([]float64, d)}
	for i := 0; i < d; i++ {
		emb[0][i] = WE[a*d+i] + Wpos[i]
		emb[1][i] = WE[b*d+i] + Wpos[d+i]
	}
	proj := func(x []float64, W, bias []float64, head int) []float64 {
		out := make([]float64, dh)
		for k := 0; k < dh; k++ {
			s := bias[head*dh+k]
			for i := 0; i < d; i++ {
				s += x[i] * W[(head*d+i)*dh+k]
			}
			out[k] = s
		}
		return out
	}
	C := 0.5
	if cfg.AttnMix == "sum" {
		C = 1
	}
	x := append([]float64(nil), emb[1]...)
	for i := 0; i < d; i++ {
		x[i] += g("b_O")[i]
	}
	for hh := 0; hh < h; hh++ {
		q := proj(emb[1], g("W_Q"), g("b_Q"), hh)
		var sc [2]float64
		var v [2][]float64
		for j := 0; j < 2; j++ {
			k := proj(emb[j], g("W_K"), g("b_K"), hh)
			v[j] = proj(emb[j], g("W_V"), g("b_V"), hh)
			for kk := range k {
				sc[j] += q[kk] * k[kk] / math.Sqrt(float64(dh))
			}
		}
		mx := math.Max(sc[0], sc[1])
		e0, e1 := math.Exp(sc[0]-mx), math.Exp(sc[1]-mx)
		pat := [2]float64{cfg.Alpha*C + (1-cfg.Alpha)*e0/(e0+e1), cfg.Alpha*C + (1-cfg.Alpha)*e1/(e0+e1)}
		for i := 0; i < d; i++ {
			for k := 0; k < dh; k++ {
				x[i] += (pat[0]*v[0][k] + pat[1]*v[1][k]) * g("W_O")[(hh*dh+k)*d+i]
			}
		}
	}
	act := func(u float64) float64 {
		switch cfg.Act {
		case "gelu":
			return u / 2 * (1 + math.Erf(u/math.Sqrt2))
		case "abs":
			return math.Abs(u)
		case "square":
			return u * u
		}
		return math.Max(u, 0)
	}
	resid := append([]float64(nil), x...)
	for n := 0; n < m; n++ {
		s := g("b_in")[n]
		for i := 0; i < d; i++ {
			s += x[i] * g("W_in")[i*m+n]
		}
		s = act(s)
		for i := 0; i < d; i++ {
			resid[i] += s * g("W_out")[n*d+i]
		}
	}
	for i := 0; i < d; i++ {
		resid[i] += g("b_out")[i]
	}
	out := make([]float64, p)
	for c := 0; c < p; c++ {
		out[c] = g("b_U")[c]
		for i := 0; i < d; i++ {
			out[c] += resid[i] * g("W_U")[i*p+c]
		}
	}
	return out
}

// TestFoldedMatchesPlain checks, in float64 on random weights with every
// bias non-zero, that the folded logits used in training, the plain forward
// pass of Activations and a loop-by-loop evaluation agree on all p² inputs
// to 1e-11 (relative to the largest logit).
func TestFoldedMatchesPlain(t *testing.T) {
	be, err := Backend()
	if err != nil {
		t.Fatal(err)
	}
	for vi, v := range variants {
		cfg := smallConfig(t, v.preset, v.set)
		w := randomWeights(cfg, uint64(vi))
		fold, err := AllLogits(be, cfg, w, "float64")
		if err != nil {
			t.Fatal(err)
		}
		acts, err := RunWithCache(be, cfg, w)
		if err != nil {
			t.Fatal(err)
		}
		plain := acts[LogitsName].Data
		scale := 0.0
		for _, x := range plain {
			scale = math.Max(scale, math.Abs(x))
		}
		p := cfg.P
		for a := 0; a < p; a++ {
			for b := 0; b < p; b++ {
				naive := naiveLogits(cfg, w, a, b)
				for c := 0; c < p; c++ {
					i := (a*p+b)*p + c
					if math.Abs(fold[i]-plain[i]) > 1e-11*scale || math.Abs(naive[c]-plain[i]) > 1e-11*scale {
						t.Fatalf("%s %s: logit (%d,%d,%d): folded %v, plain %v, loops %v", v.preset, v.set, a, b, c, fold[i], plain[i], naive[c])
					}
				}
			}
		}
		pat := acts[AttnPattern]
		if len(pat.Shape) != 3 || pat.Shape[2] != 2 {
			t.Fatalf("attention pattern shape %v", pat.Shape)
		}
	}
}

// TestFoldedGradients checks that the folded form has the gradients of the
// plain network (float64, 1e-10 relative to each parameter's largest
// gradient, plus 1e-14 absolute), for every parameter.
func TestFoldedGradients(t *testing.T) {
	be, err := Backend()
	if err != nil {
		t.Fatal(err)
	}
	for vi, v := range variants {
		cfg := smallConfig(t, v.preset, v.set)
		w := randomWeights(cfg, uint64(100+vi))
		in, err := paramInputs(cfg, w, DType("float64"))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := zp.All(cfg.P)
		a, b, labels := indexTensors(d)
		grads := func(folded bool) []*tensors.Tensor {
			return MustExecOnceN(be, func(inputs []*Node) []*Node {
				ps := paramsFrom(cfg, inputs[3:])
				var logits *Node
				if folded {
					logits = Logits(cfg, ps, inputs[0], inputs[1])
				} else {
					logits = Activations(cfg, ps, inputs[0], inputs[1])[LogitsName]
				}
				return Gradient(CrossEntropy(logits, inputs[2]), inputs[3:]...)
			}, append([]any{a, b, labels}, in...)...)
		}
		gf, gp := grads(true), grads(false)
		for k, p := range cfg.Params() {
			x, y := tensors.MustCopyFlatData[float64](gf[k]), tensors.MustCopyFlatData[float64](gp[k])
			scale := 1e-300
			for _, v := range y {
				scale = math.Max(scale, math.Abs(v))
			}
			for i := range x {
				if math.Abs(x[i]-y[i]) > 1e-10*scale+1e-14 { // b_K has an exactly zero gradient: absolute floor
					t.Fatalf("%s %s: d loss/d %s[%d]: folded %v, plain %v", v.preset, v.set, p.Name, i, x[i], y[i])
				}
			}
		}
	}
}

func TestInitStatistics(t *testing.T) {
	cfg := config.Default()
	w := Init(cfg)
	if n := len(w); n != len(cfg.Params()) {
		t.Fatalf("%d tensors", n)
	}
	again := Init(cfg)
	for i := range w {
		for j := range w[i].Data {
			if w[i].Data[j] != again[i].Data[j] {
				t.Fatal("Init is not deterministic")
			}
		}
	}
	// W_in has 65,536 draws from N(0, σ²), σ = 0.8/√128: the sample standard
	// deviation is within 1% of σ with overwhelming probability (sd of the
	// estimate ≈ σ/√(2n) = 0.28%).
	x := w.Must("W_in").Data
	var s, s2 float64
	for _, v := range x {
		s += v
		s2 += v * v
	}
	n := float64(len(x))
	sd := math.Sqrt(s2/n - (s/n)*(s/n))
	want := 0.8 / math.Sqrt(128)
	if math.Abs(sd/want-1) > 0.01 || math.Abs(s/n) > 4*want/math.Sqrt(n) {
		t.Fatalf("W_in: mean %v sd %v, want 0 and %v", s/n, sd, want)
	}
	for _, b := range []string{"b_in", "b_out", "b_U"} {
		for _, v := range w.Must(b).Data {
			if v != 0 {
				t.Fatalf("%s not zero at init", b)
			}
		}
	}
	cfg.Seed = 1
	if Init(cfg).Must("W_E").Data[0] == w.Must("W_E").Data[0] {
		t.Fatal("seeds 0 and 1 give the same weights")
	}
}

// TestEmbeddingGradients checks the gradients (and that GradientSymmetricity,
// their mean cosine, lies in [-1, 1]) against central finite
// differences: the embedding of position 0 is W_E[a] + W_pos[0], so moving
// W_pos[0] moves exactly that embedding (step 1e-6, tolerance 1e-6).
func TestEmbeddingGradients(t *testing.T) {
	for _, preset := range []string{"pizza", "clock"} {
		cfg, _ := config.Preset(preset)
		cfg.Set("p=7;d_model=6;n_heads=2;d_head=3;d_mlp=10;act=gelu")
		w := Init(cfg)
		rng := rand.New(rand.NewPCG(4, 4))
		for i := range w {
			for j := range w[i].Data {
				w[i].Data[j] = 0.7 * rng.NormFloat64()
			}
		}
		be, _ := Backend()
		a, b, c := []int32{3}, []int32{5}, []int32{1}
		g0, g1, err := EmbeddingGradients(be, cfg, w, a, b, c)
		if err != nil {
			t.Fatal(err)
		}
		logit := func(w checkpoint.Tensors) float64 {
			acts, err := RunWithCache(be, cfg, w, LogitsName)
			if err != nil {
				t.Fatal(err)
			}
			return acts[LogitsName].Data[(3*cfg.P+5)*cfg.P+1]
		}
		const h = 1e-6
		for pos, g := range [][]float64{g0[0], g1[0]} {
			for k := 0; k < cfg.DModel; k++ {
				var fd float64
				for _, s := range []float64{1, -1} {
					ww := w.Clone()
					for i := range ww {
						if ww[i].Name == "W_pos" {
							ww[i].Data[pos*cfg.DModel+k] += s * h
						}
					}
					fd += s * logit(ww)
				}
				fd /= 2 * h
				if math.Abs(fd-g[k]) > 1e-6*(1+math.Abs(fd)) {
					t.Fatalf("%s position %d component %d: gradient %v, finite difference %v", preset, pos, k, g[k], fd)
				}
			}
		}
		gs, err := GradientSymmetricity(be, cfg, w, 50, 1)
		if err != nil || gs < -1 || gs > 1 {
			t.Fatalf("GS = %v, %v", gs, err)
		}
	}
}
