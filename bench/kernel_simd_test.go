//go:build goexperiment.simd && amd64

// A measured option, not used by modadd: a bit-exact AVX2 version of the
// pure-Go backend's matrix-product kernel. Run with
//
//	GOEXPERIMENT=simd go test -run KernelSIMD -bench KernelSIMD ./bench/
//
// (bench/README.md, "What remains").
package bench

import (
	"math"
	"math/rand/v2"
	"simd/archsimd"
	"testing"
)

// kernelBlock is simplego's float32 block dimension (16 KiB blocks).
const kernelBlock = 64

// kernelSimplego is the block kernel of GoMLX v0.26.0's pure-Go backend
// (backends/simplego/dotgeneral_large.go, buildDotGeneralKernel, Apache-2.0),
// copied for float32: output[r][c] += Σ_k lhs[r][k]·rhs[c][k] over one block
// triple, the contraction summed 8 products at a time, left to right, each
// group then added to the accumulator.
func kernelSimplego(lhsFlat, rhsFlat, outputFlat []float32, lhsBlockIdx, rhsBlockIdx, outputBlockIdx int) {
	const blockDim = kernelBlock
	const blockSize = blockDim * blockDim
	baseLhsIdx := lhsBlockIdx * blockSize
	baseRhsIdx := rhsBlockIdx * blockSize
	outputIdx := outputBlockIdx * blockSize
	for range blockDim {
		rhsIdx := baseRhsIdx
		for rhsRow := 0; rhsRow < blockDim; rhsRow += 4 {
			lhsIdx := baseLhsIdx
			sum0 := outputFlat[outputIdx]
			sum1 := outputFlat[outputIdx+1]
			sum2 := outputFlat[outputIdx+2]
			sum3 := outputFlat[outputIdx+3]
			for contractingIdx := 0; contractingIdx+7 < blockDim; contractingIdx += 8 {
				rhsIdx1 := rhsIdx + blockDim
				rhsIdx2 := rhsIdx + 2*blockDim
				rhsIdx3 := rhsIdx + 3*blockDim
				sum0 += lhsFlat[lhsIdx]*rhsFlat[rhsIdx] + lhsFlat[lhsIdx+1]*rhsFlat[rhsIdx+1] + lhsFlat[lhsIdx+2]*rhsFlat[rhsIdx+2] + lhsFlat[lhsIdx+3]*rhsFlat[rhsIdx+3] +
					lhsFlat[lhsIdx+4]*rhsFlat[rhsIdx+4] + lhsFlat[lhsIdx+5]*rhsFlat[rhsIdx+5] + lhsFlat[lhsIdx+6]*rhsFlat[rhsIdx+6] + lhsFlat[lhsIdx+7]*rhsFlat[rhsIdx+7]
				sum1 += lhsFlat[lhsIdx]*rhsFlat[rhsIdx1] + lhsFlat[lhsIdx+1]*rhsFlat[rhsIdx1+1] + lhsFlat[lhsIdx+2]*rhsFlat[rhsIdx1+2] + lhsFlat[lhsIdx+3]*rhsFlat[rhsIdx1+3] +
					lhsFlat[lhsIdx+4]*rhsFlat[rhsIdx1+4] + lhsFlat[lhsIdx+5]*rhsFlat[rhsIdx1+5] + lhsFlat[lhsIdx+6]*rhsFlat[rhsIdx1+6] + lhsFlat[lhsIdx+7]*rhsFlat[rhsIdx1+7]
				sum2 += lhsFlat[lhsIdx]*rhsFlat[rhsIdx2] + lhsFlat[lhsIdx+1]*rhsFlat[rhsIdx2+1] + lhsFlat[lhsIdx+2]*rhsFlat[rhsIdx2+2] + lhsFlat[lhsIdx+3]*rhsFlat[rhsIdx2+3] +
					lhsFlat[lhsIdx+4]*rhsFlat[rhsIdx2+4] + lhsFlat[lhsIdx+5]*rhsFlat[rhsIdx2+5] + lhsFlat[lhsIdx+6]*rhsFlat[rhsIdx2+6] + lhsFlat[lhsIdx+7]*rhsFlat[rhsIdx2+7]
				sum3 += lhsFlat[lhsIdx]*rhsFlat[rhsIdx3] + lhsFlat[lhsIdx+1]*rhsFlat[rhsIdx3+1] + lhsFlat[lhsIdx+2]*rhsFlat[rhsIdx3+2] + lhsFlat[lhsIdx+3]*rhsFlat[rhsIdx3+3] +
					lhsFlat[lhsIdx+4]*rhsFlat[rhsIdx3+4] + lhsFlat[lhsIdx+5]*rhsFlat[rhsIdx3+5] + lhsFlat[lhsIdx+6]*rhsFlat[rhsIdx3+6] + lhsFlat[lhsIdx+7]*rhsFlat[rhsIdx3+7]
				lhsIdx += 8
				rhsIdx += 8
			}
			outputFlat[outputIdx] = sum0
			outputFlat[outputIdx+1] = sum1
			outputFlat[outputIdx+2] = sum2
			outputFlat[outputIdx+3] = sum3
			outputIdx += 4
			rhsIdx += 3 * blockDim
		}
		baseLhsIdx += blockDim
	}
}

// kernelSIMD computes the same bits as kernelSimplego with AVX2 lanes across
// 8 output columns and 4 lhs rows per pass: every lane performs exactly the
// scalar sequence of one output (8 rounded products added left to right,
// then added to the accumulator; Mul and Add, never a fused multiply-add).
// rhsT holds each rhs block transposed, [contraction][rhs row], which
// simplego's repacking could produce at the same cost.
func kernelSIMD(lhsFlat, rhsT, outputFlat []float32, lhsBlockIdx, rhsBlockIdx, outputBlockIdx int) {
	const b, bs = kernelBlock, kernelBlock * kernelBlock
	L := lhsFlat[lhsBlockIdx*bs : (lhsBlockIdx+1)*bs]
	R := rhsT[rhsBlockIdx*bs : (rhsBlockIdx+1)*bs]
	O := outputFlat[outputBlockIdx*bs : (outputBlockIdx+1)*bs]
	for r := 0; r < b; r += 4 {
		l0, l1, l2, l3 := L[r*b:r*b+b], L[(r+1)*b:(r+1)*b+b], L[(r+2)*b:(r+2)*b+b], L[(r+3)*b:(r+3)*b+b]
		for c := 0; c < b; c += 8 {
			a0 := archsimd.LoadFloat32x8Slice(O[r*b+c:])
			a1 := archsimd.LoadFloat32x8Slice(O[(r+1)*b+c:])
			a2 := archsimd.LoadFloat32x8Slice(O[(r+2)*b+c:])
			a3 := archsimd.LoadFloat32x8Slice(O[(r+3)*b+c:])
			for k := 0; k < b; k += 8 {
				rv := archsimd.LoadFloat32x8Slice(R[k*b+c:])
				s0 := archsimd.BroadcastFloat32x8(l0[k]).Mul(rv)
				s1 := archsimd.BroadcastFloat32x8(l1[k]).Mul(rv)
				s2 := archsimd.BroadcastFloat32x8(l2[k]).Mul(rv)
				s3 := archsimd.BroadcastFloat32x8(l3[k]).Mul(rv)
				for j := 1; j < 8; j++ {
					rv = archsimd.LoadFloat32x8Slice(R[(k+j)*b+c:])
					s0 = s0.Add(archsimd.BroadcastFloat32x8(l0[k+j]).Mul(rv))
					s1 = s1.Add(archsimd.BroadcastFloat32x8(l1[k+j]).Mul(rv))
					s2 = s2.Add(archsimd.BroadcastFloat32x8(l2[k+j]).Mul(rv))
					s3 = s3.Add(archsimd.BroadcastFloat32x8(l3[k+j]).Mul(rv))
				}
				a0, a1, a2, a3 = a0.Add(s0), a1.Add(s1), a2.Add(s2), a3.Add(s3)
			}
			a0.StoreSlice(O[r*b+c:])
			a1.StoreSlice(O[(r+1)*b+c:])
			a2.StoreSlice(O[(r+2)*b+c:])
			a3.StoreSlice(O[(r+3)*b+c:])
		}
	}
}

func transposeBlocks(rhs []float32) []float32 {
	const b = kernelBlock
	out := make([]float32, len(rhs))
	for blk := 0; blk < len(rhs)/(b*b); blk++ {
		for i := 0; i < b; i++ {
			for k := 0; k < b; k++ {
				out[blk*b*b+k*b+i] = rhs[blk*b*b+i*b+k]
			}
		}
	}
	return out
}

// The blocks of the step's forward product [3481×512]·[512×59]: 55 lhs
// row blocks, 1 rhs block, 8 contraction blocks.
const kLhsBlocks, kRhsBlocks, kContractBlocks = 55, 1, 8

// kernelData draws operands like the step's: half the lhs entries 0 (ReLU),
// the rest normal, a few signed zeros, huge, tiny and subnormal values.
func kernelData(seed uint64) (lhs, rhs []float32) {
	rng := rand.New(rand.NewPCG(seed, 2))
	draw := func(n int, scale float64) []float32 {
		x := make([]float32, n)
		for i := range x {
			switch rng.IntN(1000) {
			case 0:
				x[i] = float32(math.Copysign(0, -1))
			case 1:
				x[i] = 3e30
			case 2:
				x[i] = 1e-40 // subnormal
			default:
				if rng.IntN(2) == 0 {
					x[i] = float32(scale * rng.NormFloat64())
				}
			}
		}
		return x
	}
	const bs = kernelBlock * kernelBlock
	return draw(kLhsBlocks*kContractBlocks*bs, 1), draw(kRhsBlocks*kContractBlocks*bs, 0.1)
}

func kernelProduct(k func(l, r, o []float32, li, ri, oi int), lhs, rhs, out []float32) {
	clear(out)
	for i := 0; i < kLhsBlocks; i++ {
		for j := 0; j < kRhsBlocks; j++ {
			for c := 0; c < kContractBlocks; c++ {
				k(lhs, rhs, out, i*kContractBlocks+c, j*kContractBlocks+c, i*kRhsBlocks+j)
			}
		}
	}
}

// TestKernelSIMDSameBits: the AVX2 kernel gives simplego's kernel's bits.
// (Both built with the default GOAMD64=v1: with GOAMD64=v3 the compiler
// fuses simplego's multiply-adds into FMA instructions, and its bits
// change.)
func TestKernelSIMDSameBits(t *testing.T) {
	if !archsimd.X86.AVX2() {
		t.Skip("no AVX2")
	}
	for seed := uint64(1); seed <= 5; seed++ {
		lhs, rhs := kernelData(seed)
		a := make([]float32, kLhsBlocks*kRhsBlocks*kernelBlock*kernelBlock)
		b := make([]float32, len(a))
		kernelProduct(kernelSimplego, lhs, rhs, a)
		kernelProduct(kernelSIMD, lhs, transposeBlocks(rhs), b)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
				t.Fatalf("seed %d element %d: %v (simplego) vs %v (AVX2)", seed, i, a[i], b[i])
			}
		}
	}
}

// BenchmarkKernelSIMD times one [3481×512]·[512×59] product's block kernels
// (the repacking excluded), on one core, both ways.
func BenchmarkKernelSIMD(b *testing.B) {
	if !archsimd.X86.AVX2() {
		b.Skip("no AVX2")
	}
	lhs, rhs := kernelData(1)
	out := make([]float32, kLhsBlocks*kRhsBlocks*kernelBlock*kernelBlock)
	b.Run("simplego", func(b *testing.B) {
		for b.Loop() {
			kernelProduct(kernelSimplego, lhs, rhs, out)
		}
	})
	rt := transposeBlocks(rhs)
	b.Run("avx2", func(b *testing.B) {
		for b.Loop() {
			kernelProduct(kernelSIMD, lhs, rt, out)
		}
	})
}
