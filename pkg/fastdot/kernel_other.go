//go:build !amd64

package fastdot

func available() bool { return false }

func blockAVX2(l, r, o *float32) { panic("fastdot: no AVX2 kernel on this architecture") }

func rows4AVX2(l *float32, lstride int, r *float32, rstride int, o *float32, ostride int, n int) {
	panic("fastdot: no AVX2 kernel on this architecture")
}

func rows1AVX2(l *float32, lstride int, r *float32, rstride int, o *float32, ostride int, n int) {
	panic("fastdot: no AVX2 kernel on this architecture")
}
