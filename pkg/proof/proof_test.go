package proof

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/model"
)

// checked is Strategies and the compact variants of arc-signed, the ones
// that leave minor clusters out (a random or trained model may have some).
func checked() []Strategy {
	return append(Strategies(), ArcSigned{Without: MinorClusters}, ArcSigned{Tiers: 2, Without: InputKappa | MinorClusters})
}

// checkSound runs every strategy (checked) on a model and fails if a bound
// is below the measured error or a certified input is not correct.
func checkSound(t *testing.T, name string, cfg config.Config, w checkpoint.Tensors) []*Certificate {
	t.Helper()
	m, err := NewModel(cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	ev := m.evaluate()
	p := cfg.P
	var out []*Certificate
	for _, s := range checked() {
		c, err := s.Prove(m)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Sound {
			t.Fatalf("%s %s: bound %v below the measured error %v", name, c.Strategy, c.Bound, c.ActualMaxError)
		}
		for k, ok := range c.Certified {
			if ok != (c.Slack[k] > 0) && p > 1 {
				t.Fatalf("%s %s: input (%d,%d) certified %v with slack %v", name, c.Strategy, k/p, k%p, ok, c.Slack[k])
			}
			if !ok {
				continue
			}
			row := ev.logits[k*p : (k+1)*p]
			cs := (k/p + k%p) % p
			// Certified means correct with a margin above the brute-force
			// rounding bound: the exact logits are correct too.
			if margin(row, cs) <= 2*ev.delta[k] {
				t.Fatalf("%s %s: input (%d,%d) certified but its margin is %v", name, c.Strategy, k/p, k%p, margin(row, cs))
			}
		}
		if c.CertifiedAccuracy > c.TrueAccuracy {
			t.Fatalf("%s %s: certified %v > true %v", name, c.Strategy, c.CertifiedAccuracy, c.TrueAccuracy)
		}
		out = append(out, c)
	}
	return out
}

func randomConfig(rng *rand.Rand) config.Config {
	cfg := config.Default()
	ps := []int{5, 7, 11, 13}
	cfg.P = ps[rng.IntN(len(ps))]
	cfg.DModel, cfg.NHeads, cfg.DHead = 8, 2, 4
	cfg.DMLP = 8 + rng.IntN(24)
	if rng.IntN(2) == 0 {
		cfg.AttnMix, cfg.TrainBiases = "sum", "all"
	}
	return cfg
}

// TestSoundRandom: 1000 random weight sets (Gaussian, all biases non-zero,
// scales from 0.01 to 10 so that rounding and large values are both
// exercised): no strategy may claim more than holds.
func TestSoundRandom(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < n; trial++ {
		cfg := randomConfig(rng)
		w := model.Init(cfg)
		scale := math.Pow(10, -2+3*rng.Float64())
		for i := range w {
			for j := range w[i].Data {
				w[i].Data[j] = scale * rng.NormFloat64()
			}
		}
		checkSound(t, "random", cfg, w)
	}
}

// TestPlantedPizzaCertified: a pizza written into the weights by hand is
// certified by the cheap strategies, and stays sound under noise.
func TestPlantedPizzaCertified(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	cfg, w := PlantedPizza(31, 32, 0, rng)
	certs := checkSound(t, "planted", cfg, w)
	for _, c := range certs {
		t.Logf("%-14s bound %.3g certified %.3f true %.3f", c.Strategy, c.Bound, c.CertifiedAccuracy, c.TrueAccuracy)
		if c.Strategy == "fourier-U/2" && c.CertifiedAccuracy < c.TrueAccuracy {
			t.Errorf("exact planted pizza: fourier-U/2 certifies %v of %v", c.CertifiedAccuracy, c.TrueAccuracy)
		}
	}
	for _, noise := range []float64{1e-3, 1e-2, 0.1} {
		cfg, w := PlantedPizza(31, 32, noise, rng)
		checkSound(t, "planted+noise", cfg, w)
	}
}

// TestAdversarialShipped perturbs the shipped models where it hurts: it
// pushes chosen inputs just across the decision boundary through b_U (the
// direct path), and adds perturbations to W_out along the sign of the
// strategies' own residual directions. Nothing may be certified wrongly.
func TestAdversarialShipped(t *testing.T) {
	dirs := shippedModels(t)
	rng := rand.New(rand.NewPCG(9, 9))
	for _, dir := range dirs {
		ck, err := checkpoint.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		cfg := ck.Config
		if cfg.Alpha != 1 || cfg.Act != config.ReLU {
			continue
		}
		certs := checkSound(t, filepath.Base(dir), cfg, ck.Params)
		for _, c := range certs {
			t.Logf("%s %-14s bound %.4g actual %.4g certified %.4f", filepath.Base(dir), c.Strategy, c.Bound, c.ActualMaxError, c.CertifiedAccuracy)
		}
		m, _ := NewModel(cfg, ck.Params)
		ev := m.evaluate()
		p := cfg.P
		for trial := 0; trial < 3; trial++ {
			// Flip input (a, b) by the smallest change of b_U that makes the
			// runner-up win by 1e-9.
			w := ck.Params.Clone()
			k := rng.IntN(p * p)
			flipInput(w, ev, p, k, 1e-9)
			m2, _ := NewModel(cfg, w)
			for _, s := range checked() {
				c, err := s.Prove(m2)
				if err != nil {
					t.Fatal(err)
				}
				if c.Certified[k] {
					t.Fatalf("%s: input (%d,%d) pushed across the boundary is certified by %s", dir, k/p, k%p, s.Name())
				}
			}
			checkSound(t, "flipped", cfg, w)
		}
		// W_out perturbed by ±η in a random sign pattern, η at 1% of its scale.
		w := ck.Params.Clone()
		for i := range w {
			if w[i].Name == "W_out" {
				for j := range w[i].Data {
					w[i].Data[j] += 0.01 * math.Abs(w[i].Data[j]) * float64(1-2*rng.IntN(2))
				}
			}
		}
		checkSound(t, "W_out perturbed", cfg, w)
	}
}

// FuzzProofSound draws a small model from the fuzzer's seed and weight
// scale: every strategy must stay sound (go test -fuzz FuzzProofSound).
func FuzzProofSound(f *testing.F) {
	f.Add(uint64(1), 1.0)
	f.Add(uint64(2), 1e-3)
	f.Add(uint64(3), 50.0)
	f.Fuzz(func(t *testing.T, seed uint64, scale float64) {
		if !(scale > 1e-6 && scale < 1e3) {
			t.Skip()
		}
		rng := rand.New(rand.NewPCG(seed, 77))
		cfg := randomConfig(rng)
		w := model.Init(cfg)
		for i := range w {
			for j := range w[i].Data {
				w[i].Data[j] = scale * rng.NormFloat64()
			}
		}
		checkSound(t, "fuzz", cfg, w)
	})
}

// TestNonFinite: a model with a NaN or Inf weight, or weights so large that
// folding overflows, is refused, never "proven"; a certificate whose ε is
// NaN certifies nothing and is not sound.
func TestNonFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cfg, w := PlantedPizza(7, 6, 0.01, rng)
	for _, c := range []struct {
		name string
		v    float64
		want string
	}{{"NaN", math.NaN(), "holds NaN"}, {"Inf", math.Inf(1), "holds +Inf"}, {"huge", 1e300, "too large"}} {
		bad := w.Clone()
		for i := range bad {
			if bad[i].Name == "W_in" || (c.name == "huge" && bad[i].Name == "W_E") {
				bad[i].Data[3] = c.v
			}
		}
		if _, err := NewModel(cfg, bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s weight: NewModel error %v, want %q", c.name, err, c.want)
		}
	}
	m, err := NewModel(cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	ev := m.evaluate()
	eps := make([]float64, len(ev.delta))
	eps[0] = math.NaN()
	c := m.certify("nan", eps, ev.logits, 0)
	m.check(c, ev.logits)
	if c.Certified[0] || c.Sound || !math.IsNaN(c.Bound) {
		t.Errorf("NaN ε: certified %v sound %v bound %v", c.Certified[0], c.Sound, c.Bound)
	}
}

// TestForwardPass: the plain forward pass agrees with the GoMLX model
// (float64) on every input for constant, mixed and softmax attention and
// both attention conventions, and its FLOP count is the per-input sum of
// its products.
func TestForwardPass(t *testing.T) {
	be, err := model.Backend()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, alpha := range []float64{1, 0.5, 0} {
		cfg := randomConfig(rng)
		cfg.Alpha = alpha
		w := model.Init(cfg)
		for i := range w {
			for j := range w[i].Data {
				w[i].Data[j] = 0.5 * rng.NormFloat64()
			}
		}
		got, flops, err := ForwardPass(cfg, w)
		if err != nil {
			t.Fatal(err)
		}
		want, err := model.AllLogits(be, cfg, w, "float64")
		if err != nil {
			t.Fatal(err)
		}
		for k := range want {
			if math.Abs(got[k]-want[k]) > 1e-9*(1+math.Abs(want[k])) {
				t.Fatalf("alpha %v %s: logit %d = %v, model %v", alpha, cfg.AttnMix, k, got[k], want[k])
			}
		}
		d, h, dh, m, p := int64(cfg.DModel), int64(cfg.NHeads), int64(cfg.DHead), int64(cfg.DMLP), int64(cfg.P)
		// The products alone: 12 d·dh per head (5 projections, W_O), 2d·m
		// twice, 2d·p; the rest is O(dh + d + m) per head and input.
		products := p * p * (h*12*d*dh + 4*d*m + 2*d*p)
		if flops < products || flops > products+p*p*(h*(7*dh+22+d)+3*d+m+d) {
			t.Fatalf("FLOPs %d, products %d", flops, products)
		}
	}
}

// TestDamagedColumn: one unembedding column damaged by another
// (W_U[:,3] += β·W_U[:,4], the model stays accurate) costs the strategies
// that bound residuals per class only the inputs it touches: class 3 is
// detected as damaged and explained exactly, and most inputs stay
// certified. Every certificate stays sound.
func TestDamagedColumn(t *testing.T) {
	ck, err := checkpoint.Load(filepath.Join("..", "..", "models", "p59-pizza-seed0"))
	if err != nil {
		t.Skip("no shipped model")
	}
	w, err := Perturbation{Kind: "column", Size: 0.25, From: 4, To: 3}.Apply(ck.Config, ck.Params)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(ck.Config, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Strategy{Arc{}, FourierU{T: 1}, FourierU{T: 2}} {
		c, err := s.Prove(m)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Sound || fmt.Sprint(c.DamagedClasses) != "[3]" || c.CertifiedAccuracy < 0.95 {
			t.Errorf("%s: sound %v, damaged %v, certified %.4f (want >= 0.95)", s.Name(), c.Sound, c.DamagedClasses, c.CertifiedAccuracy)
		}
	}
	// arc-signed/4 certifies 66% of the undamaged model and nothing of this
	// one when class 3's residual spoils every input's bound; with the
	// class bounded on its own it keeps a third.
	c, err := ArcSigned{Tiers: 4}.Prove(m)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Sound || fmt.Sprint(c.DamagedClasses) != "[3]" || c.CertifiedAccuracy < 0.25 {
		t.Errorf("%s: sound %v, damaged %v, certified %.4f (want >= 0.25)", c.Strategy, c.Sound, c.DamagedClasses, c.CertifiedAccuracy)
	}
	checkSound(t, "damaged column", ck.Config, w)
	if _, err := (Perturbation{Kind: "column", From: 3, To: 3}).Apply(ck.Config, w); err == nil {
		t.Error("a column mixed into itself accepted")
	}
}

// TestArcDegenerateNeurons: a neuron whose fit has no amplitude (its
// pre-activation is its bias alone) has no certain gate and must be
// evaluated, not assumed linear; neurons missing from the clusters are
// loose; a neuron in two clusters is refused. (Counterexamples found in
// review: the first made arc certify wrongly.)
func TestArcDegenerateNeurons(t *testing.T) {
	for _, bias := range []float64{1, -1} {
		rng := rand.New(rand.NewPCG(7, 7))
		cfg, w := PlantedPizza(31, 32, 0, rng)
		d, m := cfg.DModel, cfg.DMLP
		for i := range w {
			switch w[i].Name {
			case "W_in":
				for k := 0; k < d; k++ {
					w[i].Data[k*m+0] = 0
				}
			case "b_in":
				w[i].Data[0] = bias
			}
		}
		checkSound(t, fmt.Sprintf("zero-amplitude neuron, bias %v", bias), cfg, w)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	cfg, w := PlantedPizza(31, 32, 0, rng)
	full, err := NewModel(cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	partial := append([]mechanism.Cluster(nil), full.Clusters...)
	partial[0].Neurons = partial[0].Neurons[1:]
	pm, err := Explained(cfg, w, full.T, 0, full.Fits, partial)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Strategy{Arc{}, ArcSigned{}, ArcSigned{Tiers: 2}} {
		c, err := s.Prove(pm)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Sound {
			t.Errorf("%s with a neuron in no cluster: bound %v below the actual error %v", s.Name(), c.Bound, c.ActualMaxError)
		}
	}
	twice := append([]mechanism.Cluster(nil), full.Clusters...)
	twice[0].Neurons = append(append([]int(nil), twice[0].Neurons...), twice[0].Neurons[0])
	pm2, err := Explained(cfg, w, full.T, 0, full.Fits, twice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Arc{}).Prove(pm2); err == nil {
		t.Error("a neuron listed twice was accepted")
	}
}

// shippedModels lists the model directories under models/.
func shippedModels(t *testing.T) []string {
	dirs, err := checkpoint.Dirs(filepath.Join("..", "..", "models"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no shipped models under models/ (%v)", err)
	}
	return dirs
}

// flipInput raises the runner-up's unembedding bias b_U so that it beats
// the answer of input k by the given amount: the model becomes wrong on k.
func flipInput(w checkpoint.Tensors, ev *evaluation, p, k int, by float64) {
	row := ev.logits[k*p : (k+1)*p]
	cs := (k/p + k%p) % p
	best, runner := math.Inf(-1), 0
	for c, v := range row {
		if c != cs && v > best {
			best, runner = v, c
		}
	}
	for i := range w {
		if w[i].Name == "b_U" {
			w[i].Data[runner] += row[cs] - best + by
		}
	}
}

// TestCompressU: the paired sums give the DFT's coefficients, written out
// per class, to 1e-12 of their scale; the residual is bit for bit u minus
// the terms as the explanation evaluates them, cosT[kc]·re − sinT[kc]·im
// at each class (the tables are exactly even and odd, so the pairs share
// their products without changing one operation), so compressU's rounding
// bound is the direct evaluation's; compressFLOPs counts at
// least the 5 operations per term and class the pairs leave, fewer than the
// direct sums' 8 (odd and even p, k = p/2).
func TestCompressU(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		p  int
		ks []int
	}{{7, nil}, {7, []int{1}}, {8, []int{4, 1, 3}}, {23, []int{5, 2, 11}}, {59, []int{1, 17, 29, 30, 58}}, {227, []int{3, 100, 226}}} {
		p := tc.p
		cosT, sinT := fourier.Tables(p)
		u := make([]float64, p)
		for c := range u {
			u[c] = 10 * rng.NormFloat64()
		}
		res := make([]float64, p)
		terms, amp, slack := compressU(u, tc.ks, cosT, sinT, nil, res)
		if len(terms) != len(tc.ks) || !(slack > 0) || (len(tc.ks) == 0 && !slices.Equal(res, u)) {
			t.Fatalf("p = %d: %d terms, slack %g", p, len(terms), slack)
		}
		var want float64
		for j, k := range tc.ks {
			var re, im float64
			for c, v := range u {
				re += v * math.Cos(2*math.Pi*float64(k*c)/float64(p))
				im -= v * math.Sin(2*math.Pi*float64(k*c)/float64(p))
			}
			norm := 2 / float64(p)
			if 2*k == p {
				norm = 1 / float64(p)
			}
			tm := terms[j]
			if tm.f != k || math.Abs(tm.re-re*norm) > 1e-12*(1+amp) || math.Abs(tm.im-im*norm) > 1e-12*(1+amp) {
				t.Errorf("p = %d, k = %d: term (%g, %g), want (%g, %g)", p, k, tm.re, tm.im, re*norm, im*norm)
			}
			want += math.Abs(tm.re) + math.Abs(tm.im)
		}
		if math.Abs(amp-want) > 1e-12*want {
			t.Errorf("p = %d: amp %g, want %g", p, amp, want)
		}
		for c := range u {
			exact := u[c]
			for _, tm := range terms {
				kc := (tm.f * c) % p
				exact -= tm.re*cosT[kc] - tm.im*sinT[kc]
			}
			if res[c] != exact {
				t.Errorf("p = %d, c = %d: residual %v, as the explanation evaluates it %v", p, c, res[c], exact)
			}
		}
		if got, direct := compressFLOPs(p, len(tc.ks)), int64(p*8*len(tc.ks)); len(tc.ks) > 0 && (got >= direct || got < int64(5*p*len(tc.ks))) {
			t.Errorf("p = %d: %d FLOPs counted, direct sums %d", p, got, direct)
		}
	}
}

// TestDamagedClassesFloor: residuals within their rounding slack name no
// damaged class, though one class stands out twentyfold against the
// others; the same pattern far above the slack names it.
func TestDamagedClassesFloor(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	const p, m = 31, 40
	for _, scale := range []float64{1e-17, 1e-10} {
		res, slack := make([][]float64, m), make([]float64, m)
		for i := range res {
			res[i] = make([]float64, p)
			for c := range res[i] {
				res[i][c] = scale * rng.NormFloat64()
			}
			res[i][7] += 20 * scale // class 7 stands out
			slack[i] = 1e-15
		}
		K := damagedClasses(res, slack, p)
		switch {
		case scale < 1e-16 && len(K) != 0:
			t.Errorf("residuals of size %g, slack 1e-15: damaged classes %v, want none", scale, K)
		case scale > 1e-16 && (len(K) != 1 || K[0] != 7):
			t.Errorf("residuals of size %g: damaged classes %v, want [7]", scale, K)
		}
	}
}
