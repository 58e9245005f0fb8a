//go:build !amd64

package fastdot

func available() bool { return false }

func blockAVX2(l, r, o *float32) { panic("fastdot: no AVX2 kernel on this architecture") }
