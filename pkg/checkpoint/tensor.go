package checkpoint

import (
	"fmt"
	"math"
	"strings"
)

// Tensor is a named dense array in row-major order. Values are held in
// float64 whatever the precision they were trained in: a float32 value
// converts to float64 and back exactly.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float64
}

// Size is the number of elements the shape holds.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Matrix returns the tensor as rows of its last axis: a [r, c] tensor gives r
// slices of length c that share the tensor's storage; higher ranks are
// flattened over the leading axes.
func (t Tensor) Matrix() [][]float64 {
	if len(t.Shape) == 0 {
		return [][]float64{t.Data}
	}
	c := t.Shape[len(t.Shape)-1]
	if c == 0 {
		return nil
	}
	rows := make([][]float64, len(t.Data)/c)
	for i := range rows {
		rows[i] = t.Data[i*c : (i+1)*c : (i+1)*c]
	}
	return rows
}

// Columns returns a [r, c] tensor's columns: c new slices of length r
// (the embedding's directions as functions of the token, for a Fourier
// analysis over the tokens).
func (t Tensor) Columns() [][]float64 {
	rows := t.Matrix()
	if len(rows) == 0 {
		return nil
	}
	cols := make([][]float64, len(rows[0]))
	for j := range cols {
		cols[j] = make([]float64, len(rows))
		for i, r := range rows {
			cols[j][i] = r[j]
		}
	}
	return cols
}

// Clone returns a deep copy.
func (t Tensor) Clone() Tensor {
	return Tensor{Name: t.Name, Shape: append([]int(nil), t.Shape...), Data: append([]float64(nil), t.Data...)}
}

// Tensors is an ordered list of named tensors.
type Tensors []Tensor

// Get returns the tensor with the given name.
func (ts Tensors) Get(name string) (Tensor, bool) {
	for _, t := range ts {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Must returns the tensor with the given name or panics: for code that has
// already checked the list against a config (see CheckShapes).
func (ts Tensors) Must(name string) Tensor {
	t, ok := ts.Get(name)
	if !ok {
		panic(fmt.Sprintf("checkpoint: no tensor %q", name))
	}
	return t
}

// Clone returns a deep copy.
func (ts Tensors) Clone() Tensors {
	out := make(Tensors, len(ts))
	for i, t := range ts {
		out[i] = t.Clone()
	}
	return out
}

// CheckShapes verifies that ts holds exactly the given names with the given
// shapes, in any order, and says which differ.
func (ts Tensors) CheckShapes(names []string, shapes [][]int) error {
	var problems []string
	for i, n := range names {
		t, ok := ts.Get(n)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s missing", n))
			continue
		}
		if fmt.Sprint(t.Shape) != fmt.Sprint(shapes[i]) {
			problems = append(problems, fmt.Sprintf("%s has shape %v, expected %v", n, t.Shape, shapes[i]))
		}
		if len(t.Data) != Size(t.Shape) {
			problems = append(problems, fmt.Sprintf("%s holds %d values for shape %v", n, len(t.Data), t.Shape))
		}
	}
	if len(ts) != len(names) {
		problems = append(problems, fmt.Sprintf("%d tensors, expected %d", len(ts), len(names)))
	}
	if len(problems) > 0 {
		return fmt.Errorf("checkpoint: tensors do not match the config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Stack joins tensors of one shape (the same parameter of S models) into one
// tensor with a leading axis of length S, named like the first.
func Stack(ts []Tensor) (Tensor, error) {
	if len(ts) == 0 {
		return Tensor{}, fmt.Errorf("checkpoint: nothing to stack")
	}
	shape := ts[0].Shape
	out := Tensor{Name: ts[0].Name, Shape: append([]int{len(ts)}, shape...), Data: make([]float64, 0, len(ts)*Size(shape))}
	for _, t := range ts {
		if fmt.Sprint(t.Shape) != fmt.Sprint(shape) || len(t.Data) != Size(shape) {
			return Tensor{}, fmt.Errorf("checkpoint: cannot stack %s %v with %s %v", t.Name, t.Shape, ts[0].Name, shape)
		}
		out.Data = append(out.Data, t.Data...)
	}
	return out, nil
}

// Unstack splits a tensor along its leading axis (the inverse of Stack):
// [S, ...] gives S tensors of shape [...], with copies of the data.
func (t Tensor) Unstack() []Tensor {
	if len(t.Shape) == 0 {
		return nil
	}
	S, shape := t.Shape[0], t.Shape[1:]
	n := Size(shape)
	out := make([]Tensor, S)
	for s := range out {
		out[s] = Tensor{Name: t.Name, Shape: append([]int(nil), shape...), Data: append([]float64(nil), t.Data[s*n:(s+1)*n]...)}
	}
	return out
}

// CheckFinite returns an error naming the first tensor that holds NaN or
// ±Inf and the index of its first such value: such weights are a broken
// model, and every comparison with NaN is false, so it would pass checks
// such as "margin > bound" by accident.
func (ts Tensors) CheckFinite() error {
	for _, t := range ts {
		for i, v := range t.Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("checkpoint: %s holds %v at index %v (of shape %v): the weights are broken (a diverged training or a damaged file); retrain or re-import the model", t.Name, v, unravel(i, t.Shape), t.Shape)
			}
		}
	}
	return nil
}

// unravel turns a flat row-major index into one index per axis.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k] = i % shape[k]
			i /= shape[k]
		}
	}
	return idx
}
