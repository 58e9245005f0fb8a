package proof

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
)

// Perturbation changes a model's weights in a way that keeps it accurate
// (or nearly): how gracefully a strategy's certificate degrades under it
// measures how much the proof relies on the model being exactly a pizza.
type Perturbation struct {
	// Kind is "noise" (Gaussian noise on W_in and W_out, Size times the
	// mean absolute weight of each) or "column" (W_U[:, To] += Size ·
	// W_U[:, From]: one class's unembedding damaged by another's).
	Kind     string
	Size     float64
	From, To int
	Seed     uint64
}

// String names the perturbation for tables and legends.
func (q Perturbation) String() string {
	switch q.Kind {
	case "noise":
		return fmt.Sprintf("noise %.3g×", q.Size)
	case "column":
		return fmt.Sprintf("W_U[:,%d] += %.3g·W_U[:,%d]", q.To, q.Size, q.From)
	}
	return q.Kind
}

// Apply returns perturbed copies of the weights.
func (q Perturbation) Apply(cfg config.Config, w checkpoint.Tensors) (checkpoint.Tensors, error) {
	out := w.Clone()
	switch q.Kind {
	case "noise":
		rng := rand.New(rand.NewPCG(q.Seed, 0x5eed))
		for i := range out {
			if out[i].Name != "W_in" && out[i].Name != "W_out" {
				continue
			}
			var mean float64
			for _, v := range out[i].Data {
				mean += math.Abs(v)
			}
			mean /= float64(len(out[i].Data))
			for j := range out[i].Data {
				out[i].Data[j] += q.Size * mean * rng.NormFloat64()
			}
		}
	case "column":
		p := cfg.P
		if q.From < 0 || q.From >= p || q.To < 0 || q.To >= p || q.From == q.To {
			return nil, fmt.Errorf("proof: column perturbation %d → %d: both must be different classes in [0, %d)", q.From, q.To, p)
		}
		for i := range out {
			if out[i].Name == "W_U" {
				rows := out[i].Matrix() // [d_model][p]
				for _, r := range rows {
					r[q.To] += q.Size * r[q.From]
				}
			}
		}
	default:
		return nil, fmt.Errorf("proof: unknown perturbation %q: use noise or column", q.Kind)
	}
	return out, nil
}

// RobustnessRow is every strategy's result on one perturbed model.
type RobustnessRow struct {
	Perturbation Perturbation `json:"perturbation"`
	Name         string       `json:"name"`
	TrueAccuracy float64      `json:"true_accuracy"`
	// Certified[i] is strategy i's certified accuracy (in Strategies order).
	Strategies []string  `json:"strategies"`
	Certified  []float64 `json:"certified_accuracy"`
	Bound      []float64 `json:"bound"`
}

// Robustness proves every perturbed model with each strategy (all of
// Strategies() when none is given). A certificate found unsound by the
// brute-force check (a bug, never expected) is an error, not a row.
func Robustness(cfg config.Config, w checkpoint.Tensors, perts []Perturbation, strategies ...Strategy) ([]RobustnessRow, error) {
	if len(strategies) == 0 {
		strategies = Strategies()
	}
	var rows []RobustnessRow
	for _, q := range perts {
		pw, err := q.Apply(cfg, w)
		if err != nil {
			return nil, err
		}
		m, err := NewModel(cfg, pw)
		if err != nil {
			return nil, err
		}
		row := RobustnessRow{Perturbation: q, Name: q.String()}
		for _, s := range strategies {
			c, err := s.Prove(m)
			if err != nil {
				return nil, err
			}
			if !c.Sound {
				return nil, fmt.Errorf("proof: %s is unsound on the model perturbed by %s (bound %v, actual error %v): please report this", c.Strategy, q, c.Bound, c.ActualMaxError)
			}
			row.Strategies = append(row.Strategies, c.Strategy)
			row.Certified = append(row.Certified, c.CertifiedAccuracy)
			row.Bound = append(row.Bound, c.Bound)
			row.TrueAccuracy = c.TrueAccuracy
		}
		rows = append(rows, row)
	}
	return rows, nil
}
