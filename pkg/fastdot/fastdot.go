// Package fastdot gives GoMLX's pure-Go backend (simplego, v0.26.0) a
// faster float32 matrix-product block kernel that computes the same bits.
//
// simplego multiplies large matrices block by block (32×32 float32
// blocks); its kernel computes, for each output element,
//
//	o ← o + (((l₀r₀ + l₁r₁) + l₂r₂) + … + l₇r₇)
//
// eight rounded products added left to right, then added to the
// accumulator, over the contraction in groups of eight. The AVX2 kernel here
// performs exactly that sequence in each of eight lanes (one output column
// per lane, four lhs rows per pass; separate multiply and add, never a
// fused multiply-add), so models train to the same bits with or without it
// (TestProductSameBits through simplego itself, and TestTrainSameBits
// for a training run; with the default GOAMD64=v1 or v2: at v3 the
// compiler fuses simplego's scalar code into FMA instructions, and this
// package then builds no kernel). It is about 10 times faster per block
// (bench/README.md). The products too small to be split into blocks get
// the same treatment (small.go): eight output columns per lane group, in
// the order of simplego's execNormalizedDotGeneralGeneric; and float32
// Where (the ReLU and its gradient) selects bits by a mask instead of
// branching (where.go), and matrices are copied into blocks row by row
// (repack.go).
//
// Install registers it in simplego's kernel table, which is unexported: a
// go:linkname reaches the table and reflection builds a function of the
// table's (unexported) kernel type. Install does nothing on CPUs without
// AVX2, on other architectures, or when MODADD_FASTDOT=0; the kernel
// builder then stays simplego's own. model.NewBackend calls it.
package fastdot

import (
	"fmt"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	_ "unsafe" // go:linkname

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

//go:linkname kernels github.com/gomlx/gomlx/backends/simplego.dotGeneralKernelDTypeMap
var kernels *simplego.DTypeMap

// smallKernels holds simplego's kernels of the small products (those it
// does not split into blocks).
//
//go:linkname smallKernels github.com/gomlx/gomlx/backends/simplego.dotGeneralNormalizedDTypeMap
var smallKernels *simplego.DTypeMap

// priorityUser is simplego's registerPriority for user overrides.
const priorityUser = 100

// blockDim is the only block size the kernel handles (simplego's for
// float32 in GoMLX v0.26.0; Install checks it).
const blockDim = 32

var (
	once       sync.Once
	installed  bool
	installErr error
	// enabled switches the installed kernels on and off (Enable): the
	// builders then hand the work to simplego's own.
	enabled atomic.Bool
)

// Enable switches the installed kernels on or off (for comparisons: the
// results are the same bits either way; off, simplego's kernels run).
func Enable(on bool) { enabled.Store(on) }

// Install registers the AVX2 kernel for float32 products, once per
// process; it reports whether the kernel is in use. The kernel builders
// of other dtypes, and of float32 blocks of another size, are unchanged.
func Install() (bool, error) {
	once.Do(func() {
		if !available() || os.Getenv("MODADD_FASTDOT") == "0" {
			return
		}
		installErr = install()
		installed = installErr == nil
		enabled.Store(installed)
	})
	return installed, installErr
}

// products counts the products the AVX2 block kernel was built for,
// smallProducts the calls of the small-product kernel.
var products, smallProducts atomic.Int64

func install() error {
	if kernels == nil || kernels.Name != "DotGeneralKernel" || kernels.Map[dtypes.Float32] == nil {
		return fmt.Errorf("fastdot: simplego's kernel table is not where GoMLX v0.26.0 keeps it")
	}
	orig := reflect.ValueOf(kernels.Map[dtypes.Float32])
	typ := orig.Type() // func(lhs, rhs, output *Buffer, blockDim int) kernelFuncType
	if typ.Kind() != reflect.Func || typ.NumIn() != 4 || typ.NumOut() != 1 || typ.Out(0).Kind() != reflect.Func ||
		typ.In(3).Kind() != reflect.Int || !hasFlat(typ.In(0)) {
		return fmt.Errorf("fastdot: simplego's kernel builder has type %v, not the one of GoMLX v0.26.0", typ)
	}
	if d := 1 << simplego.DotGeneralTargetBlockLog2Dim[dtypes.Float32]; d != blockDim {
		return fmt.Errorf("fastdot: simplego uses %d×%d float32 blocks; the kernel is written for %d×%d", d, d, blockDim, blockDim)
	}
	kernelType := typ.Out(0)
	if !reflect.TypeOf((*kernel)(nil).apply).ConvertibleTo(kernelType) {
		return fmt.Errorf("fastdot: simplego's kernel has type %v, not the one of GoMLX v0.26.0", kernelType)
	}
	builder := reflect.MakeFunc(typ, func(args []reflect.Value) []reflect.Value {
		if !enabled.Load() {
			return orig.Call(args)
		}
		dim := int(args[3].Int())
		lhs, rhs, out := flat(args[0]), flat(args[1]), flat(args[2])
		if dim != blockDim || lhs == nil || rhs == nil || out == nil {
			return orig.Call(args)
		}
		k := newKernel(lhs, rhs, out)
		products.Add(1)
		return []reflect.Value{reflect.ValueOf(k.apply).Convert(kernelType)}
	})
	kernels.Register(dtypes.Float32, priorityUser, builder.Interface())
	return installSmall()
}

// installSmall registers smallProduct for float32 in place of
// execNormalizedDotGeneralGeneric[float32] (func(lhs, rhs, output *Buffer,
// params *dotGeneralNodeData, batchStart, batchEnd int)).
func installSmall() error {
	if smallKernels == nil || smallKernels.Name != "DotGeneralNormalized" || smallKernels.Map[dtypes.Float32] == nil {
		return fmt.Errorf("fastdot: simplego's small-product table is not where GoMLX v0.26.0 keeps it")
	}
	orig := reflect.ValueOf(smallKernels.Map[dtypes.Float32])
	typ := orig.Type()
	if typ.Kind() != reflect.Func || typ.NumIn() != 6 || typ.NumOut() != 0 || typ.In(3).Kind() != reflect.Pointer ||
		typ.In(4).Kind() != reflect.Int || typ.In(5).Kind() != reflect.Int || !hasFlat(typ.In(0)) {
		return fmt.Errorf("fastdot: simplego's small-product kernel has type %v, not the one of GoMLX v0.26.0", typ)
	}
	params := typ.In(3).Elem()
	for _, name := range []string{"lhsCrossSize", "rhsCrossSize", "contractingSize"} {
		if f, ok := params.FieldByName(name); !ok || f.Type.Kind() != reflect.Int {
			return fmt.Errorf("fastdot: simplego's product parameters have no int field %s", name)
		}
	}
	fn := reflect.MakeFunc(typ, func(args []reflect.Value) []reflect.Value {
		if !enabled.Load() {
			return orig.Call(args)
		}
		lhs, rhs, out := flat(args[0]), flat(args[1]), flat(args[2])
		p := args[3].Elem()
		lc, rc, n := int(p.FieldByName("lhsCrossSize").Int()), int(p.FieldByName("rhsCrossSize").Int()), int(p.FieldByName("contractingSize").Int())
		start, end := int(args[4].Int()), int(args[5].Int())
		if lhs == nil || rhs == nil || out == nil || len(lhs) < end*lc*n || len(rhs) < end*rc*n || len(out) < end*lc*rc {
			return orig.Call(args)
		}
		smallProducts.Add(1)
		smallProduct(lhs, rhs, out, start, end, lc, rc, n)
		return nil
	})
	smallKernels.Register(dtypes.Float32, priorityUser, fn.Interface())
	return installWhere()
}

// hasFlat reports whether t is a pointer to a struct with an interface
// field flat (simplego's *Buffer, whose flat holds the data).
func hasFlat(t reflect.Type) bool {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return false
	}
	f, ok := t.Elem().FieldByName("flat")
	return ok && f.Type.Kind() == reflect.Interface
}

// flat is a *simplego.Buffer's data as []float32 (nil if it holds another
// type): the field is unexported.
func flat(buf reflect.Value) []float32 {
	x, _ := flatAny(buf).([]float32)
	return x
}

// kernel multiplies blocks of one product: lhs and output blocks as
// simplego lays them out, the rhs blocks transposed (rt, [contraction][rhs
// row] per block) so that eight output columns are eight adjacent floats.
type kernel struct {
	lhs, rt, out []float32
}

const blockSize = blockDim * blockDim

func newKernel(lhs, rhs, out []float32) *kernel {
	rt := make([]float32, len(rhs))
	for b := 0; b+blockSize <= len(rhs); b += blockSize {
		src, dst := rhs[b:b+blockSize], rt[b:b+blockSize]
		for i := 0; i < blockDim; i++ {
			for k := 0; k < blockDim; k++ {
				dst[k*blockDim+i] = src[i*blockDim+k]
			}
		}
	}
	return &kernel{lhs: lhs, rt: rt, out: out}
}

// apply is output block o += lhs block l · (rhs block r)ᵀ.
func (k *kernel) apply(l, r, o int) {
	L := k.lhs[l*blockSize : (l+1)*blockSize]
	R := k.rt[r*blockSize : (r+1)*blockSize]
	O := k.out[o*blockSize : (o+1)*blockSize]
	blockAVX2(&L[0], &R[0], &O[0])
}
