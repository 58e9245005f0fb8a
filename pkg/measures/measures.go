// Package measures computes the prior work's summary metrics of a modular
// addition model (MECHANISM.md §6) from float64 logits and weights: Zhong et
// al.'s distance irrelevance and circularity, which tell pizza from clock
// (their gradient symmetricity needs gradients: model.GradientSymmetricity),
// and Nanda et al.'s restricted and excluded losses, progress measures over
// training (Point; analysis.Tracker records them while a model trains). It
// needs no backend.
package measures

import (
	"fmt"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/mat"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/fourier"
)

// DistanceIrrelevance is Zhong et al.'s DI: with L[s][d] the correct-class
// logit at a + b ≡ s, a − b ≡ d (mod p),
//
//	DI = mean_d std_s L[s][d] / std L,
//
// (population standard deviations). A pizza's correct logit depends on the
// distance d through |cos(w d/2)|, so most of its variance is across d and
// DI is small; a clock's does not depend on d, and DI is near 1. logits is
// row-major [p²][p].
func DistanceIrrelevance(logits []float64, p int) float64 {
	L := make([][]float64, p) // L[d][s]
	for d := range L {
		L[d] = make([]float64, p)
	}
	var all []float64
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			s, d := (a+b)%p, ((a-b)%p+p)%p
			v := logits[(a*p+b)*p+s]
			L[d][s] = v
			all = append(all, v)
		}
	}
	total := Std(all)
	if total == 0 {
		return math.NaN()
	}
	var m float64
	for d := range L {
		m += Std(L[d])
	}
	return m / float64(p) / total
}

// Std is the population standard deviation of x.
func Std(x []float64) float64 {
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var s float64
	for _, v := range x {
		s += (v - mean) * (v - mean)
	}
	return math.Sqrt(s / float64(len(x)))
}

// Circularity is Zhong et al.'s measure of how circular the embedding is:
// for each of the first nPC principal components of W_E (tokens centred),
// the projection of the p tokens is a function on Z_p; its largest
// normalised DFT power, doubled (a real signal splits its power between k
// and −k) and clipped to 1, is 1 for a perfect circle. Averaged over the
// components.
func Circularity(WE checkpoint.Tensor, nPC int) (float64, error) {
	if len(WE.Shape) != 2 {
		return 0, fmt.Errorf("measures: W_E has shape %v, want [p, d]", WE.Shape)
	}
	p, d := WE.Shape[0], WE.Shape[1]
	X := mat.NewDense(p, d, append([]float64(nil), WE.Data...))
	for j := 0; j < d; j++ {
		var mean float64
		for i := 0; i < p; i++ {
			mean += X.At(i, j)
		}
		mean /= float64(p)
		for i := 0; i < p; i++ {
			X.Set(i, j, X.At(i, j)-mean)
		}
	}
	var cov mat.SymDense
	cov.SymOuterK(1, X.T())
	var eig mat.EigenSym
	if !eig.Factorize(&cov, true) {
		return 0, fmt.Errorf("measures: eigendecomposition of the embedding covariance failed")
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	vals := eig.Values(nil) // ascending
	nPC = min(nPC, d, p)
	var sum float64
	for j := 0; j < nPC; j++ {
		col := len(vals) - 1 - j
		proj := make([]float64, p)
		for i := 0; i < p; i++ {
			for k := 0; k < d; k++ {
				proj[i] += X.At(i, k) * vecs.At(k, col)
			}
		}
		sum += math.Min(1, 2*maxPowerShare(proj))
	}
	return sum / float64(nPC), nil
}

// maxPowerShare is max_k |F_k|² / Σ_k |F_k|² over the complex DFT of x.
func maxPowerShare(x []float64) float64 {
	p := len(x)
	var total, best float64
	for k := 0; k < p; k++ {
		var f complex128
		for t, v := range x {
			f += complex(v*fourier.Cos(k, t, p), -v*fourier.Sin(k, t, p))
		}
		pw := cmplx.Abs(f) * cmplx.Abs(f)
		total += pw
		best = math.Max(best, pw)
	}
	if total == 0 {
		return 0
	}
	return best / total
}

// Reference is a published value of the metrics.
type Reference struct {
	GradientSymmetricity, DistanceIrrelevance float64
}

// Zhong et al. ("The Clock and the Pizza", 2023): medians over their
// one-layer ReLU models with constant attention (pizza) and with softmax
// attention (clock).
var (
	ZhongPizza = Reference{GradientSymmetricity: 0.993, DistanceIrrelevance: 0.362}
	ZhongClock = Reference{GradientSymmetricity: 0.483, DistanceIrrelevance: 0.853}
)
