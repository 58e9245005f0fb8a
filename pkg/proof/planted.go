package proof

import (
	"math"
	"math/rand/v2"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
)

// PlantedPizza builds the weights of a pizza written by hand, through the
// model's real parameter list: two clusters (frequencies 1 and 3) of the
// given number of neurons each, with evenly spread phases; W_E is a circle
// per frequency, W_pos = 0, V·O copies it, W_in reads the two circles and
// W_out·W_U writes cos(wc + 2φ). Every weight gets Gaussian noise of the
// given size (rng may be nil when noise is 0). It is the mechanism without
// training's leftovers: the proofs' tests use it, and notebook 04 uses it
// to see how a proof's cost scales with p and the width.
func PlantedPizza(p, neurons int, noise float64, rng *rand.Rand) (config.Config, checkpoint.Tensors) {
	cfg := config.Default()
	ks := []int{1, 3}
	cfg.P, cfg.DModel, cfg.NHeads, cfg.DHead, cfg.DMLP = p, 8, 1, 8, neurons*len(ks)
	names, shapes := checkpoint.ParamShapes(cfg)
	w := make(checkpoint.Tensors, len(names))
	for i, n := range names {
		w[i] = checkpoint.Tensor{Name: n, Shape: shapes[i]}
		w[i].Data = make([]float64, checkpoint.Size(shapes[i]))
		if noise != 0 {
			for j := range w[i].Data {
				w[i].Data[j] = noise * rng.NormFloat64()
			}
		}
	}
	get := func(n string) []float64 { return w.Must(n).Data }
	d, m := cfg.DModel, cfg.DMLP
	WE, WV, WO, Win, Wout, WU := get("W_E"), get("W_V"), get("W_O"), get("W_in"), get("W_out"), get("W_U")
	for tk := 0; tk < p; tk++ {
		for j, k := range ks {
			WE[tk*d+2*j] += math.Cos(2 * math.Pi * float64(k*tk) / float64(p))
			WE[tk*d+2*j+1] += math.Sin(2 * math.Pi * float64(k*tk) / float64(p))
		}
	}
	// V·O = 2·I on the first 4 dimensions, written into dimensions 4..7
	// (the mean of the two positions, times 2 = their sum).
	for i := 0; i < 4; i++ {
		WV[i*cfg.DHead+i] += 1
		WO[i*d+4+i] += 2
	}
	for j := range ks {
		for n := 0; n < neurons; n++ {
			i := j*neurons + n
			phi := 2 * math.Pi * (float64(n) + 0.5) / float64(neurons)
			Win[(4+2*j)*m+i] += math.Cos(phi)
			Win[(4+2*j+1)*m+i] -= math.Sin(phi)
			// W_out·W_U = cos(w c + 2φ) through two residual directions.
			Wout[i*d+2*j] += math.Cos(2 * phi)
			Wout[i*d+2*j+1] -= math.Sin(2 * phi)
		}
	}
	for j, k := range ks {
		for c := 0; c < p; c++ {
			WU[(2*j)*p+c] += 3 * math.Cos(2*math.Pi*float64(k*c)/float64(p)) / float64(neurons)
			WU[(2*j+1)*p+c] += 3 * math.Sin(2*math.Pi*float64(k*c)/float64(p)) / float64(neurons)
		}
	}
	return cfg, w
}
