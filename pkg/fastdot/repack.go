package fastdot

import (
	"errors"
	"reflect"
	"sync/atomic"
	_ "unsafe" // go:linkname

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// repackers holds simplego's copies of an operand into blocks
// (dgCopyFlatToBlockShape per dtype).
//
//go:linkname repackers github.com/gomlx/gomlx/backends/simplego.dotGeneralFlatToBlockDTypeMap
var repackers *simplego.DTypeMap

// repacks counts the operands repackFloat32 copied.
var repacks atomic.Int64

// installRepack registers repackFloat32 for float32 matrices (rank 2, one
// contracting axis, no batch axis: every operand of the training step's
// large products) in place of dgCopyFlatToBlockShape[float32], which
// computes a block index per element; others go to simplego's.
func installRepack() error {
	ints := reflect.TypeOf([]int(nil))
	check := func(typ reflect.Type) error {
		if typ.NumIn() != 8 || typ.NumOut() != 0 || typ.In(2) != ints || typ.In(3) != ints || typ.In(7).Kind() != reflect.Int {
			return errors.New("want func(*Buffer, *Buffer, []int, []int, int, int, int, int)")
		}
		if f, ok := typ.In(0).Elem().FieldByName("shape"); !ok || f.Type != reflect.TypeOf(shapes.Shape{}) {
			return errors.New("its Buffer has no shapes.Shape field shape")
		}
		return nil
	}
	return override(repackers, "DotGeneralFlatToBlock", check, func(args []reflect.Value, orig reflect.Value) []reflect.Value {
		contracting, batch := args[2].Interface().([]int), args[3].Interface().([]int)
		batchSize, cross, contract, log2 := int(args[4].Int()), int(args[5].Int()), int(args[6].Int()), int(args[7].Int())
		src, dst := flat(args[0]), flat(args[1])
		shape, _ := field(args[0], "shape").(shapes.Shape)
		dims := shape.Dimensions
		if len(dims) != 2 || len(batch) != 0 || len(contracting) != 1 || batchSize != 1 || src == nil || dst == nil ||
			len(src) != cross*contract {
			return orig.Call(args)
		}
		blk := 1 << log2
		cb := (contract + blk - 1) / blk
		if len(dst) < ((cross+blk-1)/blk)*cb*blk*blk {
			return orig.Call(args)
		}
		repacks.Add(1)
		repackFloat32(src, dst, contracting[0] == 1, cross, contract, blk)
		return nil
	})
}

// repackFloat32 copies a [cross, contract] matrix (rowMajor: contract is
// the source's last axis; else the source is [contract, cross]) into
// blk×blk blocks laid out [crossBlock][contractBlock][blk][blk], as
// dgCopyFlatToBlockShape does; the padding is left as it is (zero).
func repackFloat32(src, dst []float32, rowMajor bool, cross, contract, blk int) {
	cb := (contract + blk - 1) / blk
	bs := blk * blk
	if rowMajor {
		for r := 0; r < cross; r++ {
			row := src[r*contract : (r+1)*contract]
			base := (r/blk)*cb*bs + (r%blk)*blk
			for k0 := 0; k0 < contract; k0 += blk {
				copy(dst[base+(k0/blk)*bs:], row[k0:min(k0+blk, contract)])
			}
		}
		return
	}
	for k := 0; k < contract; k++ {
		row := src[k*cross : (k+1)*cross] // element r is (cross r, contract k)
		off := (k/blk)*bs + k%blk
		for r, v := range row {
			dst[(r/blk)*cb*bs+off+(r%blk)*blk] = v
		}
	}
}
