package circuit

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
)

func randomModel(t *testing.T, preset, set string, seed uint64) (config.Config, checkpoint.Tensors) {
	t.Helper()
	cfg, _ := config.Preset(preset)
	if err := cfg.Set("p=13;d_model=16;n_heads=2;d_head=8;d_mlp=24;" + set); err != nil {
		t.Fatal(err)
	}
	w := model.Init(cfg)
	rng := rand.New(rand.NewPCG(seed, 5))
	for i := range w {
		for j := range w[i].Data {
			w[i].Data[j] = 0.5 * rng.NormFloat64()
		}
	}
	return cfg, w
}

// checkFold compares the logits rebuilt from the tables with the network's
// own (plain, float64) forward pass on all p² inputs; the tolerance is
// 1e-11 of the largest logit, float64 rounding of sums of a few hundred terms.
func checkFold(t *testing.T, name string, cfg config.Config, w checkpoint.Tensors) {
	t.Helper()
	tb, err := Fold(cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	be, err := model.Backend()
	if err != nil {
		t.Fatal(err)
	}
	acts, err := model.RunWithCache(be, cfg, w, model.MLPPre, model.LogitsName)
	if err != nil {
		t.Fatal(err)
	}
	want, pre := acts[model.LogitsName].Data, acts[model.MLPPre].Data
	got := tb.AllLogits()
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	maxErr := 0.0
	for i := range want {
		maxErr = math.Max(maxErr, math.Abs(got[i]-want[i]))
	}
	if maxErr > 1e-11*scale {
		t.Fatalf("%s: folded logits differ from the forward pass by %v (scale %v)", name, maxErr, scale)
	}
	p, m := cfg.P, cfg.DMLP
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			for i, u := range tb.Pre(a, b) {
				if d := math.Abs(u - pre[(a*p+b)*m+i]); d > 1e-11*(1+math.Abs(u)) {
					t.Fatalf("%s: pre-activation (%d,%d,%d) differs by %v", name, a, b, i, d)
				}
			}
		}
	}
	t.Logf("%s: max |folded − network| = %.2g (largest logit %.3g)", name, maxErr, scale)
}

func TestFoldRandom(t *testing.T) {
	for i, v := range []struct{ preset, set string }{{"pizza", ""}, {"zhong", ""}, {"pizza", "act=gelu"}, {"pizza", "act=square"}} {
		cfg, w := randomModel(t, v.preset, v.set, uint64(i))
		checkFold(t, v.preset+" "+v.set, cfg, w)
	}
}

func TestFoldShipped(t *testing.T) {
	dirs, _ := checkpoint.Dirs(filepath.Join("..", "..", "models"))
	for _, dir := range dirs {
		ck, err := checkpoint.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if ck.Config.Alpha != 1 {
			continue
		}
		checkFold(t, filepath.Base(dir), ck.Config, ck.Params)
	}
}

func TestFoldRejectsClock(t *testing.T) {
	cfg, w := randomModel(t, "clock", "", 1)
	if _, err := Fold(cfg, w); !errors.Is(err, ErrNotSeparable) {
		t.Fatalf("err = %v", err)
	}
}
