package measures

import (
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/metrics"
)

// Losses are Nanda et al.'s progress measures at one point of training.
type Losses struct {
	// Restricted keeps, for every output c, only the key-frequency
	// components of the logits as a function of a + b (plus their mean
	// over the inputs); Excluded removes those components. Both are mean
	// cross-entropies over the given pairs.
	Restricted, Excluded float64
}

// KeyComponents splits the logits [p²][p] into their components along
// cos(w_k(a+b)) and sin(w_k(a+b)) for the key frequencies ks (for each
// output c separately, over the p² inputs) and the rest. It returns the
// restricted logits (mean over inputs + key components) and the excluded
// ones (logits − key components).
func KeyComponents(logits []float64, p int, ks []int) (restricted, excluded []float64) {
	restricted = make([]float64, len(logits))
	excluded = append([]float64(nil), logits...)
	n := float64(p * p)
	for c := 0; c < p; c++ {
		var mean float64
		for i := 0; i < p*p; i++ {
			mean += logits[i*p+c]
		}
		mean /= n
		for i := 0; i < p*p; i++ {
			restricted[i*p+c] = mean
		}
		for _, k := range ks {
			// Over the p² pairs, cos(w_k(a+b)) and sin(w_k(a+b)) are
			// orthogonal with squared norm p²/2 (k ≠ 0, 2k ≠ p).
			var cc, ss float64
			for a := 0; a < p; a++ {
				for b := 0; b < p; b++ {
					v := logits[(a*p+b)*p+c]
					cc += v * fourier.Cos(k, a+b, p)
					ss += v * fourier.Sin(k, a+b, p)
				}
			}
			cc, ss = cc/(n/2), ss/(n/2)
			for a := 0; a < p; a++ {
				for b := 0; b < p; b++ {
					comp := cc*fourier.Cos(k, a+b, p) + ss*fourier.Sin(k, a+b, p)
					restricted[(a*p+b)*p+c] += comp
					excluded[(a*p+b)*p+c] -= comp
				}
			}
		}
	}
	return restricted, excluded
}

// ProgressLosses computes the restricted and excluded losses over the pairs
// idx (row-major pair indices).
func ProgressLosses(logits []float64, p int, ks []int, idx []int) Losses {
	r, e := KeyComponents(logits, p, ks)
	return Losses{Restricted: crossEntropy(r, p, idx), Excluded: crossEntropy(e, p, idx)}
}

func crossEntropy(logits []float64, p int, idx []int) float64 {
	return metrics.ScoreRows(logits, p, idx).Loss
}
