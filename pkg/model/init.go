package model

import (
	"math"
	"math/rand/v2"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
)

// Init draws the initial parameters of cfg from cfg.Seed: every weight
// matrix from N(0, σ²) with σ = InitScale/√d_model ("pizza" rule) or
// σ = 1/√fan ("fan" rule), every bias 0. The numbers come from a PCG-DXSM
// stream and a Box–Muller transform written here, so they are the same on
// every machine, Go release and backend; values are rounded to the training
// precision so that the stored checkpoint and the live model agree.
func Init(cfg config.Config) checkpoint.Tensors {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6d6f64656c2d696e)) // "model-in"
	var spare float64
	haveSpare := false
	normal := func() float64 {
		if haveSpare {
			haveSpare = false
			return spare
		}
		// u1 in (0, 1] so the log is finite.
		u1 := float64(rng.Uint64()>>11+1) / (1 << 53)
		u2 := float64(rng.Uint64()>>11) / (1 << 53)
		r := math.Sqrt(-2 * math.Log(u1))
		spare, haveSpare = r*math.Sin(2*math.Pi*u2), true
		return r * math.Cos(2*math.Pi*u2)
	}
	var out checkpoint.Tensors
	for _, p := range cfg.Params() {
		t := checkpoint.Tensor{Name: p.Name, Shape: p.Shape, Data: make([]float64, p.Size())}
		if !p.Bias {
			sigma := cfg.InitScale / math.Sqrt(float64(cfg.DModel))
			if cfg.Init == "fan" {
				sigma = 1 / math.Sqrt(float64(p.Fan))
			}
			for i := range t.Data {
				t.Data[i] = ToPrecision(cfg, sigma*normal())
			}
		}
		out = append(out, t)
	}
	return out
}

// ToPrecision rounds x to the training precision of cfg.
func ToPrecision(cfg config.Config, x float64) float64 {
	if cfg.DType == config.Float32 {
		return float64(float32(x))
	}
	return x
}
