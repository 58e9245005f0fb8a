package fastdot

import (
	"fmt"
	"math"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// whereKernels holds simplego's Where kernels (execWhereGeneric per
// dtype): the ReLU and its gradient select through them.
//
//go:linkname whereKernels github.com/gomlx/gomlx/backends/simplego.whereDTypeMap
var whereKernels *simplego.DTypeMap

// installWhere registers whereFloat32 for float32 in place of
// execWhereGeneric[float32] (func(condition, onTrue, onFalse, output
// *Buffer)) for same-shaped operands; scalars go to simplego's.
func installWhere() error {
	if whereKernels == nil || whereKernels.Name != "Where" || whereKernels.Map[dtypes.Float32] == nil {
		return fmt.Errorf("fastdot: simplego's Where table is not where GoMLX v0.26.0 keeps it")
	}
	orig := reflect.ValueOf(whereKernels.Map[dtypes.Float32])
	typ := orig.Type()
	if typ.Kind() != reflect.Func || typ.NumIn() != 4 || typ.NumOut() != 0 || !hasFlat(typ.In(0)) {
		return fmt.Errorf("fastdot: simplego's Where kernel has type %v, not the one of GoMLX v0.26.0", typ)
	}
	fn := reflect.MakeFunc(typ, func(args []reflect.Value) []reflect.Value {
		if !enabled.Load() {
			return orig.Call(args)
		}
		cond, _ := flatAny(args[0]).([]bool)
		t, f, out := flat(args[1]), flat(args[2]), flat(args[3])
		if n := len(out); n < 2 || len(cond) != n || len(t) != n || len(f) != n {
			return orig.Call(args) // scalars and broadcasts
		}
		wheres.Add(1)
		whereFloat32(cond, t, f, out)
		return nil
	})
	whereKernels.Register(dtypes.Float32, priorityUser, fn.Interface())
	return installRepack()
}

// wheres counts the selections whereFloat32 made.
var wheres atomic.Int64

// whereFloat32 is out[i] = t[i] if cond[i] else f[i], selecting bits with
// a mask instead of branching (a ReLU's pattern defeats branch
// prediction); the same values as simplego's loop.
func whereFloat32(cond []bool, t, f, out []float32) {
	n := len(out)
	cond, t, f = cond[:n], t[:n], f[:n]
	for i := range out {
		c := *(*uint8)(unsafe.Pointer(&cond[i])) // 0 or 1
		m := -uint32(c)
		out[i] = math.Float32frombits(math.Float32bits(t[i])&m | math.Float32bits(f[i])&^m)
	}
}

// flatAny is a *simplego.Buffer's data, whatever its type.
func flatAny(buf reflect.Value) any {
	if buf.Kind() != reflect.Pointer || buf.IsNil() {
		return nil
	}
	fl := buf.Elem().FieldByName("flat")
	if !fl.IsValid() {
		return nil
	}
	return reflect.NewAt(fl.Type(), unsafe.Pointer(fl.UnsafeAddr())).Elem().Interface()
}
