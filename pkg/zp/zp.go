// Package zp holds the modular-addition task on Z_p: every ordered pair
// (a, b) with 0 <= a, b < p, labelled (a + b) mod p, and the seeded split of
// those p² pairs into a training set and a held-out set.
//
// Pairs are indexed in row-major order, idx = a*p + b, everywhere in the
// project, so a table over all inputs is a p×p matrix with a on the rows.
package zp

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// DefaultTrainFrac is the fraction of the p² pairs used for training by the
// authors of the pizza paper (and by Zhong et al.).
const DefaultTrainFrac = 0.8

// Pairs is a list of inputs (A[i], B[i]) with labels Label[i] = (A[i]+B[i]) mod P.
type Pairs struct {
	P     int
	A     []int32
	B     []int32
	Label []int32
}

// Len is the number of pairs.
func (d Pairs) Len() int { return len(d.A) }

// CheckP returns an error unless p is a usable modulus (p >= 2).
func CheckP(p int) error {
	if p < 2 {
		return fmt.Errorf("zp: modulus p = %d is not valid: p must be an integer >= 2 (the paper uses p = 59)", p)
	}
	if p > 1<<15 {
		return fmt.Errorf("zp: modulus p = %d is too large: p² inputs would not fit in memory (use p <= 32768)", p)
	}
	return nil
}

// All returns the p² pairs in row-major order (index a*p + b).
func All(p int) (Pairs, error) {
	if err := CheckP(p); err != nil {
		return Pairs{}, err
	}
	idx := make([]int, p*p)
	for i := range idx {
		idx[i] = i
	}
	return Select(p, idx), nil
}

// Select returns the pairs with the given row-major indices, in that order.
func Select(p int, idx []int) Pairs {
	d := Pairs{P: p, A: make([]int32, len(idx)), B: make([]int32, len(idx)), Label: make([]int32, len(idx))}
	for i, k := range idx {
		a, b := k/p, k%p
		d.A[i], d.B[i], d.Label[i] = int32(a), int32(b), int32((a+b)%p)
	}
	return d
}

// Split is a partition of the p² row-major pair indices into a training set
// and a held-out set.
type Split struct {
	P       int
	Train   []int
	Heldout []int
}

// NewSplit shuffles the p² pairs with a generator seeded by seed and keeps the
// first floor(frac·p²) of them for training, the rest held out (the authors'
// rule: 2784 of 3481 pairs for p = 59, frac = 0.8). The same (p, frac, seed)
// always gives the same split: the shuffle is a Fisher–Yates pass driven by
// PCG-DXSM, whose output sequence is fixed by its specification.
func NewSplit(p int, frac float64, seed uint64) (Split, error) {
	if err := CheckP(p); err != nil {
		return Split{}, err
	}
	if !(frac > 0 && frac <= 1) {
		return Split{}, fmt.Errorf("zp: train fraction %v is not in (0, 1]: use for example 0.8", frac)
	}
	n := p * p
	nTrain := int(math.Floor(frac * float64(n)))
	if nTrain < 1 {
		return Split{}, fmt.Errorf("zp: train fraction %v of %d pairs leaves no training data: raise the fraction or p", frac, n)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x7a702d73706c6974)) // "zp-split"
	for i := n - 1; i > 0; i-- {
		j := int(boundedUint64(rng, uint64(i+1)))
		perm[i], perm[j] = perm[j], perm[i]
	}
	return Split{P: p, Train: perm[:nTrain:nTrain], Heldout: perm[nTrain:]}, nil
}

// boundedUint64 draws uniformly from [0, n) by rejection, written out here so
// the split never depends on the standard library's choice of algorithm.
func boundedUint64(rng *rand.Rand, n uint64) uint64 {
	limit := math.MaxUint64 - math.MaxUint64%n
	for {
		v := rng.Uint64()
		if v < limit {
			return v % n
		}
	}
}
