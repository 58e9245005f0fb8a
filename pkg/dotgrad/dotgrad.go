// Package dotgrad replaces GoMLX v0.26.0's reverse-mode gradients of Dot and
// DotGeneral with gradients that are themselves DotGeneral products.
//
// The stock rule builds each gradient as a broadcast Mul followed by a
// ReduceSum, which materialises a [batch, cross_lhs, cross_rhs, contracting]
// tensor: for the p = 59 model on the pure-Go backend that is about 4 s and
// 7 GB per training step. For C = DotGeneral(L, R) with batch axes B,
// contracting axes K and free ("cross") axes X_L, X_R, so that
// C[B, X_L, X_R] = Σ_K L[B, X_L, K] R[B, X_R, K], the adjoints are
//
//	∂/∂L = DotGeneral(V, contract X_R; R, contract X_R; batch B)  → [B, X_L, K]
//	∂/∂R = DotGeneral(V, contract X_L; L, contract X_L; batch B)  → [B, X_R, K]
//
// each followed by a transpose back to the operand's axis order: two matrix
// products, the same cost as the forward pass. Install puts the rules in
// graph.VJPRegistration, GoMLX's process-wide table: model.Backend calls it,
// so every graph of this project built on a backend from there uses them.
// GoMLX fixed this upstream after v0.26.0.
package dotgrad

import (
	"fmt"
	"reflect"
	"sort"
	"sync"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Stock holds the registrations this package replaces, for comparison in
// tests and benchmarks.
var Stock = map[NodeType]VJP{
	NodeTypeDot:        VJPRegistration[NodeTypeDot],
	NodeTypeDotGeneral: VJPRegistration[NodeTypeDotGeneral],
}

var mu sync.Mutex

// Install registers this package's gradients. Graphs built afterwards use
// them. It may be called any number of times (model.Backend calls it), but
// not while graphs are being built.
func Install() {
	mu.Lock()
	defer mu.Unlock()
	VJPRegistration[NodeTypeDot] = single(dotVJP)
	VJPRegistration[NodeTypeDotGeneral] = single(dotGeneralVJP)
}

// Uninstall restores GoMLX's stock gradients, for comparison.
func Uninstall() {
	mu.Lock()
	defer mu.Unlock()
	for k, v := range Stock {
		VJPRegistration[k] = v
	}
}

func single(f func(node, v *Node) []*Node) VJP {
	return func(node *Node, vjps []*Node, _ shapes.Shape) []*Node { return f(node, vjps[0]) }
}

// Axes are the contracting and batch axes of a DotGeneral node.
type Axes struct {
	LhsContracting, LhsBatch, RhsContracting, RhsBatch []int
}

// AxesOf reads the axes of a DotGeneral node. v0.26.0 keeps them in an
// unexported struct; reflection reads them without unsafe code, and a change
// of that struct makes this panic loudly (and the tests fail) rather than
// compute a wrong gradient.
func AxesOf(node *Node) Axes {
	in := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !in.IsValid() || in.IsNil() {
		panic("dotgrad: cannot read DotGeneral inputs: GoMLX internals changed")
	}
	s := in.Elem().Elem()
	get := func(name string) []int {
		f := s.FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Slice {
			panic(fmt.Sprintf("dotgrad: DotGeneral inputs have no field %s: GoMLX internals changed", name))
		}
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		return out
	}
	return Axes{get("lhsContractingAxes"), get("lhsBatchAxes"), get("rhsContractingAxes"), get("rhsBatchAxes")}
}

// crossAxes lists the axes of an operand of rank r that are neither
// contracting nor batch, in order.
func crossAxes(r int, contracting, batch []int) []int {
	used := make([]bool, r)
	for _, a := range contracting {
		used[a] = true
	}
	for _, a := range batch {
		used[a] = true
	}
	var out []int
	for a := 0; a < r; a++ {
		if !used[a] {
			out = append(out, a)
		}
	}
	return out
}

func iota(start, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i
	}
	return out
}

func dotGeneralVJP(node, v *Node) []*Node {
	ax := AxesOf(node)
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	nb := len(ax.LhsBatch)
	xl := crossAxes(lhs.Rank(), ax.LhsContracting, ax.LhsBatch)
	xr := crossAxes(rhs.Rank(), ax.RhsContracting, ax.RhsBatch)
	// V's axes are [batch..., xl..., xr...].
	vBatch := iota(0, nb)
	vXL := iota(nb, len(xl))
	vXR := iota(nb+len(xl), len(xr))

	// [B, X_L, K in R's axis order]: contract V's X_R with R's X_R.
	gl := DotGeneral(v, vXR, vBatch, rhs, xr, ax.RhsBatch)
	gl = backTo(gl, lhs.Rank(), ax.LhsBatch, xl, paired(ax.RhsContracting, ax.LhsContracting))
	// [B, X_R, K in L's axis order]: contract V's X_L with L's X_L.
	gr := DotGeneral(v, vXL, vBatch, lhs, xl, ax.LhsBatch)
	gr = backTo(gr, rhs.Rank(), ax.RhsBatch, xr, paired(ax.LhsContracting, ax.RhsContracting))
	if gl.DType() != lhs.DType() {
		gl = ConvertDType(gl, lhs.DType())
	}
	if gr.DType() != rhs.DType() {
		gr = ConvertDType(gr, rhs.DType())
	}
	return []*Node{gl, gr}
}

// paired lists, for the contracting axes of the other operand in ascending
// order (the order DotGeneral leaves them in), the paired axes of this one.
func paired(other, this []int) []int {
	idx := make([]int, len(other))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(x, y int) bool { return other[idx[x]] < other[idx[y]] })
	out := make([]int, len(idx))
	for i, k := range idx {
		out[i] = this[k]
	}
	return out
}

// backTo transposes g, laid out [batch..., cross..., contracting...], to the
// operand's own axis order.
func backTo(g *Node, rank int, batch, cross, contracting []int) *Node {
	perm := make([]int, rank)
	pos := 0
	for _, group := range [][]int{batch, cross, contracting} {
		for _, a := range group {
			perm[a] = pos
			pos++
		}
	}
	identity := true
	for i, a := range perm {
		identity = identity && i == a
	}
	if identity {
		return g
	}
	return TransposeAllAxes(g, perm...)
}

// dotVJP covers Dot's three cases: vector·vector, matrix·vector and
// matrix·matrix.
func dotVJP(node, v *Node) []*Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	switch {
	case lhs.Rank() == 1 && rhs.Rank() == 1: // scalar v
		return []*Node{Mul(v, rhs), Mul(v, lhs)}
	case lhs.Rank() == 2 && rhs.Rank() == 1: // v [i]
		return []*Node{
			DotGeneral(v, nil, nil, rhs, nil, nil), // outer product [i, j]
			DotGeneral(lhs, []int{0}, nil, v, []int{0}, nil),
		}
	case lhs.Rank() == 2 && rhs.Rank() == 2: // v [i, k]
		return []*Node{
			DotGeneral(v, []int{1}, nil, rhs, []int{1}, nil), // [i, j]
			DotGeneral(lhs, []int{0}, nil, v, []int{0}, nil), // [j, k]
		}
	}
	panic(fmt.Sprintf("dotgrad: Dot of ranks %d and %d is not supported", lhs.Rank(), rhs.Rank()))
}
