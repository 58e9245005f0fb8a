package fastdot

// smallProduct is simplego's execNormalizedDotGeneralGeneric for float32
// with the AVX2 kernels: for each batch b in [start, end), out[b] +=
// lhs[b]·rhs[b]ᵀ with lhs [lhsCross][n], rhs [rhsCross][n] and out
// [lhsCross][rhsCross], row-major. Every output takes simplego's sequence:
// groups of eight rounded products added left to right, each added to the
// accumulator, then the remaining products one at a time (simplego's
// 64-wide contraction blocks are multiples of eight, so only the last has a
// remainder). The columns beyond the last multiple of eight are computed
// by the same sequence in Go.
func smallProduct(lhs, rhs, out []float32, start, end, lhsCross, rhsCross, n int) {
	rt := make([]float32, rhsCross*n) // rhs[b] transposed: [n][rhsCross]
	wide := rhsCross / 8 * 8
	for b := start; b < end; b++ {
		L := lhs[b*lhsCross*n : (b+1)*lhsCross*n]
		R := rhs[b*rhsCross*n : (b+1)*rhsCross*n]
		O := out[b*lhsCross*rhsCross : (b+1)*lhsCross*rhsCross]
		if wide > 0 && n > 0 {
			for c := 0; c < rhsCross; c++ {
				for k, v := range R[c*n : (c+1)*n] {
					rt[k*rhsCross+c] = v
				}
			}
			i := 0
			for ; i+4 <= lhsCross; i += 4 {
				for j := 0; j < wide; j += 8 {
					rows4AVX2(&L[i*n], 4*n, &rt[j], 4*rhsCross, &O[i*rhsCross+j], 4*rhsCross, n)
				}
			}
			for ; i < lhsCross; i++ {
				for j := 0; j < wide; j += 8 {
					rows1AVX2(&L[i*n], 4*n, &rt[j], 4*rhsCross, &O[i*rhsCross+j], 4*rhsCross, n)
				}
			}
		}
		for i := 0; i < lhsCross; i++ {
			l := L[i*n : (i+1)*n]
			for j := wide; j < rhsCross; j++ {
				r := R[j*n : (j+1)*n]
				sum := O[i*rhsCross+j]
				k := 0
				for ; k+8 <= n; k += 8 {
					sum += l[k]*r[k] + l[k+1]*r[k+1] + l[k+2]*r[k+2] + l[k+3]*r[k+3] +
						l[k+4]*r[k+4] + l[k+5]*r[k+5] + l[k+6]*r[k+6] + l[k+7]*r[k+7]
				}
				for ; k < n; k++ {
					sum += l[k] * r[k]
				}
				O[i*rhsCross+j] = sum
			}
		}
	}
}
