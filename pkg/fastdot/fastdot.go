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
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

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
	for _, f := range []func() error{installBlock, installSmall, installWhere, installRepack} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// override puts a function of fn in place of the float32 entry of
// simplego's table (named name, as GoMLX v0.26.0 names it) after check has
// accepted the entry's type; while the kernels are switched off (Enable),
// and whenever fn hands over, the original runs.
func override(table *simplego.DTypeMap, name string, check func(reflect.Type) error,
	fn func(args []reflect.Value, orig reflect.Value) []reflect.Value) error {
	if table == nil || table.Name != name || table.Map[dtypes.Float32] == nil {
		return fmt.Errorf("fastdot: simplego's %s table is not where GoMLX v0.26.0 keeps it", name)
	}
	orig := reflect.ValueOf(table.Map[dtypes.Float32])
	typ := orig.Type()
	if typ.Kind() != reflect.Func || !hasFlat(typ.In(0)) {
		return fmt.Errorf("fastdot: simplego's %s entry has type %v, not the one of GoMLX v0.26.0", name, typ)
	}
	if err := check(typ); err != nil {
		return fmt.Errorf("fastdot: simplego's %s entry has type %v, not the one of GoMLX v0.26.0: %w", name, typ, err)
	}
	f := reflect.MakeFunc(typ, func(args []reflect.Value) []reflect.Value {
		if !enabled.Load() {
			return orig.Call(args)
		}
		return fn(args, orig)
	})
	table.Register(dtypes.Float32, priorityUser, f.Interface())
	return nil
}

// installBlock registers the AVX2 block kernel's builder for float32 in
// place of buildDotGeneralKernel[float32] (func(lhs, rhs, output *Buffer,
// blockDim int) kernelFuncType).
func installBlock() error {
	if d := 1 << simplego.DotGeneralTargetBlockLog2Dim[dtypes.Float32]; d != blockDim {
		return fmt.Errorf("fastdot: simplego uses %d×%d float32 blocks; the kernel is written for %d×%d", d, d, blockDim, blockDim)
	}
	var kernelType reflect.Type
	check := func(typ reflect.Type) error {
		if typ.NumIn() != 4 || typ.NumOut() != 1 || typ.In(3).Kind() != reflect.Int || typ.Out(0).Kind() != reflect.Func {
			return errors.New("want func(*Buffer, *Buffer, *Buffer, int) kernelFuncType")
		}
		if kernelType = typ.Out(0); !reflect.TypeOf((*kernel)(nil).apply).ConvertibleTo(kernelType) {
			return fmt.Errorf("its kernel has type %v", kernelType)
		}
		return nil
	}
	return override(kernels, "DotGeneralKernel", check, func(args []reflect.Value, orig reflect.Value) []reflect.Value {
		lhs, rhs, out := flat(args[0]), flat(args[1]), flat(args[2])
		if int(args[3].Int()) != blockDim || lhs == nil || rhs == nil || out == nil {
			return orig.Call(args)
		}
		k := newKernel(lhs, rhs, out)
		products.Add(1)
		return []reflect.Value{reflect.ValueOf(k.apply).Convert(kernelType)}
	})
}

// installSmall registers smallProduct for float32 in place of
// execNormalizedDotGeneralGeneric[float32] (func(lhs, rhs, output *Buffer,
// params *dotGeneralNodeData, batchStart, batchEnd int)).
func installSmall() error {
	check := func(typ reflect.Type) error {
		if typ.NumIn() != 6 || typ.NumOut() != 0 || typ.In(3).Kind() != reflect.Pointer ||
			typ.In(4).Kind() != reflect.Int || typ.In(5).Kind() != reflect.Int {
			return errors.New("want func(*Buffer, *Buffer, *Buffer, *dotGeneralNodeData, int, int)")
		}
		for _, name := range []string{"lhsCrossSize", "rhsCrossSize", "contractingSize"} {
			if f, ok := typ.In(3).Elem().FieldByName(name); !ok || f.Type.Kind() != reflect.Int {
				return fmt.Errorf("its parameters have no int field %s", name)
			}
		}
		return nil
	}
	return override(smallKernels, "DotGeneralNormalized", check, func(args []reflect.Value, orig reflect.Value) []reflect.Value {
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
	x, _ := field(buf, "flat").([]float32)
	return x
}

// field is the value of an unexported field of a *simplego.Buffer (nil
// if buf is nil or has no such field).
func field(buf reflect.Value, name string) any {
	if buf.Kind() != reflect.Pointer || buf.IsNil() {
		return nil
	}
	f := buf.Elem().FieldByName(name)
	if !f.IsValid() {
		return nil
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface()
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
