package fastdot

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
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

// operands draws an [m×n] matrix of ordinary values (half zeros, like a
// ReLU's output) with special values in its first row only: signed zeros,
// overflowing products, subnormals, infinities. Most outputs stay finite,
// so the comparison compares numbers, not NaNs.
func operands(rng *rand.Rand, m, n int, scale float64) []float32 {
	x := make([]float32, m*n)
	for i := range x {
		if rng.IntN(2) == 0 {
			x[i] = float32(scale * rng.NormFloat64())
		}
	}
	special := []float32{float32(math.Copysign(0, -1)), 3e30, 1e-40, float32(math.Inf(1)), float32(math.Inf(-1))}
	for j := 0; j < n && j < 3*len(special); j += 3 {
		x[j] = special[(j/3)%len(special)]
	}
	return x
}

// withKernels installs the kernels (skipping the test without AVX2) and
// returns a pure-Go backend.
func withKernels(t *testing.T) backends.Backend {
	t.Helper()
	if !available() {
		t.Skip("no AVX2")
	}
	if ok, err := Install(); err != nil || !ok {
		t.Fatalf("Install: %v, %v", ok, err)
	}
	be, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	return be
}

// TestProductSameBits multiplies through simplego itself with the AVX2
// kernels off and on, at the training step's sizes and others (large
// products split into blocks, with padding; small ones with column and
// contraction remainders, one lhs row left over, a single row; a batched
// product as a seed batch makes): the same bits, and both kernels ran.
func TestProductSameBits(t *testing.T) {
	be := withKernels(t)
	defer Enable(true)
	type size struct{ s, m, k, n int } // s > 0: batched over s
	sizes := []size{{0, 3481, 512, 59}, {0, 512, 3481, 59}, {0, 3481, 59, 512}, {0, 200, 130, 97},
		{0, 59, 512, 128}, {0, 59, 128, 512}, {0, 7, 13, 21}, {0, 1, 9, 8}, {0, 6, 100, 3}, {3, 600, 70, 59}, {4, 59, 40, 17}}
	run := func() [][]float32 {
		rng := rand.New(rand.NewPCG(3, 4)) // the same operands both times
		var out [][]float32
		for _, sz := range sizes {
			var x, y *tensors.Tensor
			var e *Exec
			if sz.s == 0 {
				x = tensors.FromFlatDataAndDimensions(operands(rng, sz.m, sz.k, 1), sz.m, sz.k)
				y = tensors.FromFlatDataAndDimensions(operands(rng, sz.k, sz.n, 0.1), sz.k, sz.n)
				e = MustNewExec(be, func(x, y *Node) *Node { return Dot(x, y) })
			} else {
				x = tensors.FromFlatDataAndDimensions(operands(rng, sz.s*sz.m, sz.k, 1), sz.s, sz.m, sz.k)
				y = tensors.FromFlatDataAndDimensions(operands(rng, sz.s*sz.k, sz.n, 0.1), sz.s, sz.k, sz.n)
				e = MustNewExec(be, func(x, y *Node) *Node { return DotGeneral(x, []int{2}, []int{0}, y, []int{1}, []int{0}) })
			}
			res := e.MustExec(x, y)[0]
			out = append(out, tensors.MustCopyFlatData[float32](res))
			e.Finalize()
		}
		return out
	}
	Enable(false)
	b0, s0, r0 := products.Load(), smallProducts.Load(), repacks.Load()
	before := run()
	if products.Load() != b0 || smallProducts.Load() != s0 || repacks.Load() != r0 {
		t.Fatal("the AVX2 kernels ran while switched off")
	}
	Enable(true)
	after := run()
	if products.Load() == b0 || smallProducts.Load() == s0 || repacks.Load() == r0 {
		t.Fatalf("simplego used the AVX2 block kernel %d times, the small one %d times, the repacking %d times",
			products.Load()-b0, smallProducts.Load()-s0, repacks.Load()-r0)
	}
	for i := range before {
		finite := 0
		for j := range before[i] {
			if !sameBits(before[i][j], after[i][j]) {
				t.Fatalf("%v element %d: %v (simplego) vs %v (with the AVX2 kernels)", sizes[i], j, before[i][j], after[i][j])
			}
			if !math.IsNaN(float64(before[i][j])) && !math.IsInf(float64(before[i][j]), 0) {
				finite++
			}
		}
		if finite < len(before[i])/2 {
			t.Fatalf("%v: only %d of %d outputs finite: the test would compare NaNs", sizes[i], finite, len(before[i]))
		}
	}
}

// TestWhereSameBits selects through simplego with the branch-free Where
// off and on: the same bits (NaN payloads, signed zeros and infinities
// included), and it ran.
func TestWhereSameBits(t *testing.T) {
	be := withKernels(t)
	defer Enable(true)
	const n = 10007
	rng := rand.New(rand.NewPCG(7, 7))
	x, y := operands(rng, 1, n, 1), operands(rng, 1, n, 1)
	x[5] = math.Float32frombits(0x7fc00123) // a NaN with a payload
	run := func() []float32 {
		e := MustNewExec(be, func(x, y *Node) *Node { return Where(GreaterThan(x, y), x, y) })
		defer e.Finalize()
		res := e.MustExec(tensors.FromFlatDataAndDimensions(x, n), tensors.FromFlatDataAndDimensions(y, n))[0]
		return tensors.MustCopyFlatData[float32](res)
	}
	Enable(false)
	w0 := wheres.Load()
	before := run()
	Enable(true)
	after := run()
	if wheres.Load() == w0 {
		t.Fatal("simplego did not use the branch-free Where")
	}
	for i := range before {
		if math.Float32bits(before[i]) != math.Float32bits(after[i]) {
			t.Fatalf("element %d: %v vs %v", i, before[i], after[i])
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
