//go:build !amd64 || amd64.v3

// With GOAMD64=v3 the compiler fuses simplego's scalar multiply-adds into
// FMA instructions, which round once where the AVX2 kernels round twice:
// their bits would differ, so they are not built (simplego's kernels run).

package fastdot

func available() bool { return false }

func blockAVX2(l, r, o *float32) { panic("fastdot: no AVX2 kernel on this architecture") }

func rows4AVX2(l *float32, lstride int, r *float32, rstride int, o *float32, ostride int, n int) {
	panic("fastdot: no AVX2 kernel on this architecture")
}

func rows1AVX2(l *float32, lstride int, r *float32, rstride int, o *float32, ostride int, n int) {
	panic("fastdot: no AVX2 kernel on this architecture")
}
