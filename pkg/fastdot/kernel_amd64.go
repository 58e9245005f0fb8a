package fastdot

import "golang.org/x/sys/cpu"

func available() bool { return cpu.X86.HasAVX2 && cpu.X86.HasAVX }

// blockAVX2 is o += l·r for one 32×32 block triple: l row-major [row][k],
// r transposed [k][column], o row-major [row][column] (kernel_amd64.s).
//
//go:noescape
func blockAVX2(l, r, o *float32)
