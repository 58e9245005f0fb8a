package fastdot

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// scalarBlock is simplego's float32 block kernel (GoMLX v0.26.0,
// backends/simplego/dotgeneral_large.go, buildDotGeneralKernel,
// Apache-2.0) for one block triple: o[i][c] += Σ_k l[i][k]·r[c][k], eight
// rounded products added left to right, each group then added.
func scalarBlock(l, r, o []float32) {
	const b = blockDim
	for i := 0; i < b; i++ {
		for c := 0; c < b; c++ {
			sum := o[i*b+c]
			for k := 0; k < b; k += 8 {
				L, R := l[i*b+k:i*b+k+8], r[c*b+k:c*b+k+8]
				sum += L[0]*R[0] + L[1]*R[1] + L[2]*R[2] + L[3]*R[3] + L[4]*R[4] + L[5]*R[5] + L[6]*R[6] + L[7]*R[7]
			}
			o[i*b+c] = sum
		}
	}
}

// data draws n floats like a training step's operands: half zeros (ReLU),
// the rest normal, and a few signed zeros, huge, tiny and subnormal values
// and infinities.
func data(rng *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch rng.IntN(1000) {
		case 0:
			x[i] = float32(math.Copysign(0, -1))
		case 1:
			x[i] = 3e30 // overflows when multiplied
		case 2:
			x[i] = 1e-40 // subnormal
		case 3:
			x[i] = float32(math.Inf(1 - 2*rng.IntN(2)))
		default:
			if rng.IntN(2) == 0 {
				x[i] = float32(scale * rng.NormFloat64())
			}
		}
	}
	return x
}

func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// TestBlockSameBits: the AVX2 kernel gives simplego's kernel's bits, block
// by block, accumulating over several contraction blocks.
func TestBlockSameBits(t *testing.T) {
	if !available() {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		want := data(rng, blockSize, 1)
		got := append([]float32(nil), want...)
		for c := 0; c < 4; c++ {
			l, r := data(rng, blockSize, 1), data(rng, blockSize, 0.1)
			scalarBlock(l, r, want)
			k := newKernel(l, r, got)
			k.apply(0, 0, 0)
		}
		for i := range want {
			if !sameBits(want[i], got[i]) {
				t.Fatalf("trial %d element %d: %v (simplego) vs %v (AVX2)", trial, i, want[i], got[i])
			}
		}
	}
}

// TestProductSameBits multiplies through simplego itself, before and after
// Install, at the training step's sizes ([3481×512]·[512×59] and the
// gradients' transposes): the same bits, and the kernel was used.
func TestProductSameBits(t *testing.T) {
	if !available() {
		t.Skip("no AVX2")
	}
	be, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	type pair struct{ m, k, n int }
	// Large products (split into blocks) and small ones (with column and
	// contraction remainders, one lhs row left over, a single row).
	sizes := []pair{{3481, 512, 59}, {512, 3481, 59}, {3481, 59, 512}, {70, 130, 65}, {59, 512, 128}, {59, 128, 512}, {7, 13, 21}, {1, 9, 8}, {6, 100, 3}}
	var xs, ys []*tensors.Tensor
	for _, s := range sizes {
		xs = append(xs, tensors.FromFlatDataAndDimensions(data(rng, s.m*s.k, 1), s.m, s.k))
		ys = append(ys, tensors.FromFlatDataAndDimensions(data(rng, s.k*s.n, 0.1), s.k, s.n))
	}
	run := func() [][]float32 {
		var out [][]float32
		for i := range sizes {
			e := MustNewExec(be, func(x, y *Node) *Node { return Dot(x, y) })
			res := e.MustExec(xs[i], ys[i])[0]
			out = append(out, tensors.MustCopyFlatData[float32](res))
			e.Finalize()
		}
		return out
	}
	before := run()
	if ok, err := Install(); err != nil || !ok {
		t.Fatalf("Install: %v, %v", ok, err)
	}
	n0, s0 := products.Load(), smallProducts.Load()
	after := run()
	if products.Load() == n0 || smallProducts.Load() == s0 {
		t.Fatalf("simplego used the AVX2 block kernel %d times and the small one %d times", products.Load()-n0, smallProducts.Load()-s0)
	}
	for i := range before {
		for j := range before[i] {
			if !sameBits(before[i][j], after[i][j]) {
				t.Fatalf("%v element %d: %v (simplego) vs %v (with the AVX2 kernel)", sizes[i], j, before[i][j], after[i][j])
			}
		}
	}
}

// BenchmarkBlock times one [3481×512]·[512×59] product's block kernels
// (109 lhs row blocks × 16 contraction blocks × 2 rhs blocks), scalar and
// AVX2, on one core.
func BenchmarkBlock(b *testing.B) {
	if !available() {
		b.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	const nl, nc = 109, 16
	lhs, rhs := data(rng, nl*nc*blockSize, 1), data(rng, nc*blockSize, 0.1)
	out := make([]float32, nl*blockSize)
	b.Run("simplego", func(b *testing.B) {
		for b.Loop() {
			for i := 0; i < nl; i++ {
				for c := 0; c < nc; c++ {
					scalarBlock(lhs[(i*nc+c)*blockSize:(i*nc+c+1)*blockSize], rhs[c*blockSize:(c+1)*blockSize], out[i*blockSize:(i+1)*blockSize])
				}
			}
		}
	})
	k := newKernel(lhs, rhs, out)
	b.Run("avx2", func(b *testing.B) {
		for b.Loop() {
			for i := 0; i < nl; i++ {
				for c := 0; c < nc; c++ {
					k.apply(i*nc+c, c, i)
				}
			}
		}
	})
}
