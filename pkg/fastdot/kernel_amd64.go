//go:build amd64 && !amd64.v3

package fastdot

import "golang.org/x/sys/cpu"

func available() bool { return cpu.X86.HasAVX2 && cpu.X86.HasAVX }

// blockAVX2 is o += l·r for one 32×32 block triple: l row-major [row][k],
// r transposed [k][column], o row-major [row][column] (kernel_amd64.s).
//
//go:noescape
func blockAVX2(l, r, o *float32)

// rows4AVX2 is o[q][0:8] += Σ_k l[q][k]·r[k][0:8] for the four rows q of
// l (rows lstride bytes apart) and of o (ostride apart), r's rows rstride
// apart, over k < n, in simplego's small-product order (small_amd64.s).
//
//go:noescape
func rows4AVX2(l *float32, lstride int, r *float32, rstride int, o *float32, ostride int, n int)

// rows1AVX2 is rows4AVX2 for one row.
//
//go:noescape
func rows1AVX2(l *float32, lstride int, r *float32, rstride int, o *float32, ostride int, n int)
