package measures

import (
	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/fourier"
)

// Point holds the progress measures at one epoch.
type Point struct {
	Epoch                int     `json:"epoch"`
	TrainLoss            float64 `json:"train_loss"`
	HeldoutLoss          float64 `json:"heldout_loss"`
	Restricted           float64 `json:"restricted_loss"`
	Excluded             float64 `json:"excluded_loss"`
	GradientSymmetricity float64 `json:"gradient_symmetricity"`
	DistanceIrrelevance  float64 `json:"distance_irrelevance"`
	// KeyEnergy is the share of W_E's energy in the key frequencies: the
	// Fourier sparsity of the embedding.
	KeyEnergy float64 `json:"key_energy"`
}

// ProgressPoint computes the measures of one evaluation that need no
// gradients (all but GradientSymmetricity) from the metrics m, the float64
// logits of all p² pairs (row-major [p²][p]), the embedding W_E [p,
// d_model] and the training pairs. key are the key frequencies of the
// restricted and excluded losses; if empty, those of the embedding itself
// (share >= 5%).
func ProgressPoint(m checkpoint.Metrics, logits []float64, WE checkpoint.Tensor, train, key []int) Point {
	p := WE.Shape[0]
	all := fourier.KeyFrequencies(WE.Columns(), 0)
	ks := key
	if len(ks) == 0 {
		for _, k := range all {
			if k.Fraction >= 0.05 {
				ks = append(ks, k.K)
			}
		}
	}
	pt := Point{Epoch: m.Epoch, TrainLoss: m.TrainLoss, HeldoutLoss: m.HeldoutLoss}
	for _, k := range all {
		for _, kk := range ks {
			if k.K == kk {
				pt.KeyEnergy += k.Fraction
			}
		}
	}
	pl := ProgressLosses(logits, p, ks, train)
	pt.Restricted, pt.Excluded = pl.Restricted, pl.Excluded
	pt.DistanceIrrelevance = DistanceIrrelevance(logits, p)
	return pt
}
