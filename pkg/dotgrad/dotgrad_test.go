package dotgrad

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// dgCase is one DotGeneral configuration: operand shapes and axes.
type dgCase struct {
	name           string
	lShape, rShape []int
	lC, lB, rC, rB []int
}

var cases = []dgCase{
	{"matmul", []int{5, 7}, []int{7, 3}, []int{1}, nil, []int{0}, nil},
	{"matmul-transposed-rhs", []int{5, 7}, []int{3, 7}, []int{1}, nil, []int{1}, nil},
	{"batched", []int{4, 5, 6}, []int{4, 6, 3}, []int{2}, []int{0}, []int{1}, []int{0}},
	{"batch-in-middle", []int{5, 4, 6}, []int{6, 3, 4}, []int{2}, []int{1}, []int{0}, []int{2}},
	{"two-contracting-swapped", []int{3, 4, 5, 2}, []int{5, 6, 4}, []int{1, 2}, nil, []int{2, 0}, nil},
	{"two-batch-multi-cross", []int{2, 3, 4, 5, 6}, []int{3, 2, 6, 7}, []int{4}, []int{0, 1}, []int{2}, []int{1, 0}},
	{"outer-product", []int{3, 2}, []int{4}, nil, nil, nil, nil},
	{"full-contraction", []int{3, 4}, []int{4, 3}, []int{0, 1}, nil, []int{1, 0}, nil},
}

func randSlice(rng *rand.Rand, shape []int) *tensors.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(x, shape...)
}

// objective is Σ W ⊙ DotGeneral(L, R): a scalar whose gradient exercises
// every entry of the adjoint V = W.
func objective(c dgCase) func(l, r, w *Node) *Node {
	return func(l, r, w *Node) *Node {
		return ReduceAllSum(Mul(DotGeneral(l, c.lC, c.lB, r, c.rC, c.rB), w))
	}
}

func grads(t *testing.T, b backends.Backend, c dgCase, l, r, w *tensors.Tensor) (gl, gr []float64) {
	t.Helper()
	f := objective(c)
	out := MustExecOnceN(b, func(l, r, w *Node) []*Node {
		g := Gradient(f(l, r, w), l, r)
		return []*Node{g[0], g[1]}
	}, l, r, w)
	return tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
}

func value(b backends.Backend, c dgCase, l, r, w *tensors.Tensor) float64 {
	return MustExecOnce(b, objective(c), l, r, w).Value().(float64)
}

func outShape(b backends.Backend, c dgCase, l, r *tensors.Tensor) []int {
	return MustExecOnce(b, func(l, r *Node) *Node { return DotGeneral(l, c.lC, c.lB, r, c.rC, c.rB) }, l, r).Shape().Dimensions
}

func withStock(f func()) {
	Uninstall()
	defer Install()
	f()
}

// TestInstallSwaps: Install and Uninstall change the registry (so the
// comparisons above compare two different rules).
func TestInstallSwaps(t *testing.T) {
	Install()
	ours := reflect.ValueOf(VJPRegistration[NodeTypeDotGeneral]).Pointer()
	withStock(func() {
		if reflect.ValueOf(VJPRegistration[NodeTypeDotGeneral]).Pointer() == ours {
			t.Fatal("Uninstall left this package's gradient in place")
		}
	})
	if reflect.ValueOf(VJPRegistration[NodeTypeDotGeneral]).Pointer() != ours {
		t.Fatal("Install did not restore this package's gradient")
	}
}

// TestDotGeneralGradient compares the gradients with GoMLX's stock rule
// (agreement to 1e-12 relative, float64) and with central finite differences
// (step 1e-6 on a bilinear objective, so the difference quotient is exact up
// to rounding: tolerance 1e-6).
func TestDotGeneralGradient(t *testing.T) {
	b := newBackend(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, r := randSlice(rng, c.lShape), randSlice(rng, c.rShape)
			w := randSlice(rng, outShape(b, c, l, r))
			gl, gr := grads(t, b, c, l, r, w)
			var sl, sr []float64
			withStock(func() { sl, sr = grads(t, b, c, l, r, w) })
			for _, pair := range [][2][]float64{{gl, sl}, {gr, sr}} {
				for i := range pair[0] {
					if d := math.Abs(pair[0][i] - pair[1][i]); d > 1e-12*(1+math.Abs(pair[1][i])) {
						t.Fatalf("entry %d: %v, stock rule %v", i, pair[0][i], pair[1][i])
					}
				}
			}
			const h = 1e-6
			for k, op := range []*tensors.Tensor{l, r} {
				g := [][]float64{gl, gr}[k]
				base := tensors.MustCopyFlatData[float64](op)
				for i := range base {
					fd := 0.0
					for _, s := range []float64{1, -1} {
						x := append([]float64(nil), base...)
						x[i] += s * h
						pt := tensors.FromFlatDataAndDimensions(x, op.Shape().Dimensions...)
						args := []*tensors.Tensor{l, r}
						args[k] = pt
						fd += s * value(b, c, args[0], args[1], w)
					}
					fd /= 2 * h
					if math.Abs(fd-g[i]) > 1e-6*(1+math.Abs(fd)) {
						t.Fatalf("operand %d entry %d: gradient %v, finite difference %v", k, i, g[i], fd)
					}
				}
			}
		})
	}
}

// TestDotGradient covers graph.Dot's three rank cases against the stock rule.
func TestDotGradient(t *testing.T) {
	b := newBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, shapes := range [][2][]int{{{6}, {6}}, {{4, 6}, {6}}, {{4, 6}, {6, 3}}} {
		l, r := randSlice(rng, shapes[0]), randSlice(rng, shapes[1])
		out := MustExecOnce(b, func(l, r *Node) *Node { return Dot(l, r) }, l, r)
		w := randSlice(rng, out.Shape().Dimensions)
		run := func() []*tensors.Tensor {
			return MustExecOnceN(b, func(l, r, w *Node) []*Node {
				return Gradient(ReduceAllSum(Mul(Dot(l, r), w)), l, r)
			}, l, r, w)
		}
		mine := run()
		var stock []*tensors.Tensor
		withStock(func() { stock = run() })
		for k := range mine {
			a, s := tensors.MustCopyFlatData[float64](mine[k]), tensors.MustCopyFlatData[float64](stock[k])
			if len(a) != len(s) {
				t.Fatalf("shapes %v: gradient %d has %d entries, stock %d", shapes, k, len(a), len(s))
			}
			for i := range a {
				if math.Abs(a[i]-s[i]) > 1e-12*(1+math.Abs(s[i])) {
					t.Fatalf("shapes %v operand %d entry %d: %v, stock %v", shapes, k, i, a[i], s[i])
				}
			}
		}
	}
}

func newBackend(t *testing.T) backends.Backend {
	Install() // this package's gradients; withStock swaps GoMLX's in
	// Sequential ops: a bounded parallel pool can deadlock (model.SafeConfig).
	b, err := backends.NewWithConfig("go:ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
