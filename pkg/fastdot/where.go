package fastdot

import (
	"errors"
	"math"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends/simplego"
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
	check := func(typ reflect.Type) error {
		if typ.NumIn() != 4 || typ.NumOut() != 0 {
			return errors.New("want func(*Buffer, *Buffer, *Buffer, *Buffer)")
		}
		return nil
	}
	return override(whereKernels, "Where", check, func(args []reflect.Value, orig reflect.Value) []reflect.Value {
		cond, _ := field(args[0], "flat").([]bool)
		t, f, out := flat(args[1]), flat(args[2]), flat(args[3])
		if n := len(out); n < 2 || len(cond) != n || len(t) != n || len(f) != n {
			return orig.Call(args) // scalars and broadcasts
		}
		wheres.Add(1)
		whereFloat32(cond, t, f, out)
		return nil
	})
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
