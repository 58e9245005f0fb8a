// Package model builds the one-layer transformer of package config as a GoMLX
// graph: the logits used for training and evaluation, the named intermediate
// activations for analysis (in the spirit of TransformerLens'
// run_with_cache), and the conversion of weights between checkpoint tensors
// and GoMLX tensors.
//
// Training uses a folded form of the network that is exact algebra, not an
// approximation. Every token is one of p values, so every linear map applied
// to an embedding can be applied once to the p-row table and then gathered:
//
//	x W_in = (R_1 W_in)[b] + Σ_h Σ_j A_hj(a,b) (V_j[h] W_O[h] W_in)[t_j] + b_O W_in
//
// with R_j = W_E + W_pos[j] and V_j = R_j W_V + b_V, and the same for x W_U;
// the MLP output enters the logits through M = W_out W_U. With constant
// attention (Alpha = 1) the pre-activation is then additively separable,
// A[a] + B[b] (MECHANISM.md §2), and a training step costs a few small table
// products, two gathers and one [N, d_mlp]×[d_mlp, p] product instead of
// three [N, d]×[d, d_mlp]-sized ones. Activations computes the network the
// plain way, and the tests check that the two agree.
package model

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/modadd/modadd/pkg/config"
)

// Params maps parameter names (config.Params) to graph nodes.
type Params map[string]*Node

// constant is the constant part C of the attention pattern (package config).
func constant(cfg config.Config) float64 { return cfg.AttnMix.Constant() }

// graphActs are the activations' graph forms (their float64 forms and math
// are config.Activation's); a test checks that every activation has one.
var graphActs = map[config.Activation]func(x *Node) *Node{
	// Where rather than Max: its gradient is one select, where Max's builds
	// a sign indicator and a gradient for the zero side too.
	config.ReLU: func(x *Node) *Node { return Where(GreaterThan(x, ZerosLike(x)), x, ZerosLike(x)) },
	// Exact GELU, x·Φ(x) = x/2·(1 + erf(x/√2)) (PyTorch's default).
	config.GELU:   func(x *Node) *Node { return Mul(MulScalar(x, 0.5), OnePlus(Erf(MulScalar(x, 1/math.Sqrt2)))) },
	config.Abs:    Abs,
	config.Square: Square,
}

// Act applies the configured activation. An activation without a graph
// form is a programming error (Config.Validate refuses unknown names): it
// panics, as GoMLX graph building does.
func Act(cfg config.Config, x *Node) *Node {
	f, ok := graphActs[cfg.Act]
	if !ok {
		panic(fmt.Sprintf("model: activation %q has no graph form", string(cfg.Act)))
	}
	return f(x)
}

// ops holds the linear algebra of the folded network for parameters without
// (seeds == false) or with (seeds == true) a leading seed axis S: with it,
// every product is batched over S, so S independent models train as one
// graph. The unbatched forms are the plain ones (and their rounding is what
// the shipped models were trained with).
type ops struct{ seeds bool }

// plain is ops without a seed axis, for the plain forward pass.
var plain ops

// lead is the number of leading batch axes (0 or 1).
func (o ops) lead() int {
	if o.seeds {
		return 1
	}
	return 0
}

// batch lists the batch axes of a DotGeneral operand.
func (o ops) batch() []int {
	if o.seeds {
		return []int{0}
	}
	return nil
}

// row returns row i of a [S?, n, d] node as [S?, 1, d]. It gathers (or,
// batched, selects by an exact 0/1 mask) rather than slices: the gradient of
// Slice needs Pad, which simplego v0.26.0 lacks.
func (o ops) row(x *Node, i int) *Node {
	if !o.seeds {
		return Gather(x, Const(x.Graph(), [][]int32{{int32(i)}}))
	}
	n := x.Shape().Dimensions[1]
	mask := make([]float64, n)
	mask[i] = 1
	m := ConvertDType(Const(x.Graph(), mask), x.DType())
	return ReduceAndKeep(Mul(x, Reshape(m, 1, n, 1)), ReduceSum, 1)
}

// vec turns a bias [S?, n] into a row [S?, 1, n].
func (o ops) vec(b *Node) *Node { return InsertAxes(b, o.lead()) }

// matmul is x·y for x [S?, .., k] and y [S?, k, ..], contracting x's last
// axis with y's first non-batch axis.
func (o ops) matmul(x, y *Node) *Node {
	return DotGeneral(x, []int{x.Rank() - 1}, o.batch(), y, []int{o.lead()}, o.batch())
}

// project applies a per-head projection W [S?, h, d, dh] (+ bias [S?, h, dh])
// to a table or batch R [S?, n, d], giving [S?, n, h, dh].
func (o ops) project(R, W, bias *Node) *Node {
	l := o.lead()
	return Add(DotGeneral(R, []int{l + 1}, o.batch(), W, []int{l + 1}, o.batch()), InsertAxes(bias, l))
}

// heads sums per-head vectors V [S?, n, h, dh] through W_O [S?, h, dh, d],
// giving [S?, n, d].
func (o ops) heads(V, WO *Node) *Node {
	l := o.lead()
	return DotGeneral(V, []int{l + 1, l + 2}, o.batch(), WO, []int{l, l + 1}, o.batch())
}

// gather picks rows idx ([S?, N] int32) of table [S?, n, ..]; batched, each
// seed gathers from its own table (one gather from the flattened tables).
func (o ops) gather(table, idx *Node) *Node {
	if !o.seeds {
		return Gather(table, InsertAxes(idx, -1))
	}
	dims := table.Shape().Dimensions
	S, n, N := dims[0], dims[1], idx.Shape().Dimensions[1]
	offset := make([]int32, S)
	for s := range offset {
		offset[s] = int32(s * n)
	}
	flatIdx := Add(idx, Reshape(Const(idx.Graph(), offset), S, 1))
	flat := Reshape(table, append([]int{S * n}, dims[2:]...)...)
	out := Gather(flat, Reshape(flatIdx, S*N, 1))
	return Reshape(out, append([]int{S, N}, dims[2:]...)...)
}

// outer returns x[a] + y[b] for all pairs in row-major order: [S?, p², n]
// from x, y [S?, p, n], by broadcasting (no gather, and no scatter in the
// gradient).
func (o ops) outer(x, y *Node) *Node {
	l := o.lead()
	dims := x.Shape().Dimensions
	p, n := dims[l], dims[l+1]
	sum := Add(InsertAxes(x, l+1), InsertAxes(y, l))
	if o.seeds {
		return Reshape(sum, dims[0], p*p, n)
	}
	return Reshape(sum, p*p, n)
}

// Logits returns the logits [N, p] for the token pairs (a[i], b[i]) (int32
// [N]), computed in the parameters' dtype by the folded form of the network.
func Logits(cfg config.Config, w Params, a, b *Node) *Node {
	return ops{}.logits(cfg, w, a, b)
}

// PairLogits returns the logits of all p² pairs [p², p] (row a·p + b). With
// constant attention the pre-activation A[a] + B[b] is built as an outer sum
// by broadcasting, which needs no gather (and no scatter in the gradient);
// training on a subset of the pairs then masks the loss instead.
func PairLogits(cfg config.Config, w Params) *Node {
	return ops{}.logits(cfg, w, nil, nil)
}

// SeedLogits is Logits for S models at once: every parameter has a leading
// seed axis S (W_E is [S, p, d_model], ...), a and b are [S, N] (each model
// its own pairs) and the logits are [S, N, p]. Model s computes exactly what
// Logits computes for its own parameters, up to rounding.
func SeedLogits(cfg config.Config, w Params, a, b *Node) *Node {
	return ops{seeds: true}.logits(cfg, w, a, b)
}

// SeedPairLogits is PairLogits for S models with a leading seed axis:
// [S, p², p].
func SeedPairLogits(cfg config.Config, w Params) *Node {
	return ops{seeds: true}.logits(cfg, w, nil, nil)
}

func (o ops) logits(cfg config.Config, w Params, a, b *Node) *Node {
	pre, direct := o.folded(cfg, w, a, b)
	M := o.matmul(w["W_out"], w["W_U"]) // [S?, m, p]
	return Add(direct, o.matmul(Act(cfg, pre), M))
}

// allPairs returns the int32 indices a, b of all pairs in row-major order,
// [p²] or, for S seeds, [S, p²].
func (o ops) allPairs(g *Graph, p, S int) (a, b *Node) {
	n := p * p
	if !o.seeds {
		S = 1
	}
	av, bv := make([]int32, S*n), make([]int32, S*n)
	for i := range av {
		k := i % n
		av[i], bv[i] = int32(k/p), int32(k%p)
	}
	if !o.seeds {
		return Const(g, av), Const(g, bv)
	}
	return Reshape(Const(g, av), S, n), Reshape(Const(g, bv), S, n)
}

// folded returns the MLP pre-activation [S?, N, m] and the direct-path
// logits [S?, N, p] (everything but the MLP's contribution); a == nil means
// all p² pairs in row-major order.
func (o ops) folded(cfg config.Config, w Params, a, b *Node) (pre, direct *Node) {
	WE, Wpos := w["W_E"], w["W_pos"]
	R0 := Add(WE, o.row(Wpos, 0)) // [S?, p, d]
	R1 := Add(WE, o.row(Wpos, 1))
	Win, WU := w["W_in"], w["W_U"]
	both := func(x *Node) [2]*Node { return [2]*Node{o.matmul(x, Win), o.matmul(x, WU)} } // x read by the MLP and by the unembedding
	add := func(x, y [2]*Node) [2]*Node { return [2]*Node{Add(x[0], y[0]), Add(x[1], y[1])} }
	scale := func(x [2]*Node, c float64) [2]*Node { return [2]*Node{MulScalar(x[0], c), MulScalar(x[1], c)} }
	// Residual stream terms that do not depend on attention: r_1 and the biases
	// (b_out reaches the logits only; b_in the MLP only).
	bO := o.vec(w["b_O"])
	base := add(both(R1), [2]*Node{
		Add(o.matmul(bO, Win), o.vec(w["b_in"])),
		Add(o.matmul(Add(bO, o.vec(w["b_out"])), WU), o.vec(w["b_U"])),
	}) // [S?, p, m], [S?, p, p]
	// Per-head value tables V_j [S?, p, h, dh].
	V0 := o.project(R0, w["W_V"], w["b_V"])
	V1 := o.project(R1, w["W_V"], w["b_V"])
	C := constant(cfg)
	if cfg.Alpha == 1 {
		// Constant pattern: sum the heads into the tables.
		ta := scale(both(o.heads(V0, w["W_O"])), C)            // indexed by a
		tb := add(base, scale(both(o.heads(V1, w["W_O"])), C)) // indexed by b
		if a == nil {                                          // all p² pairs: outer sums, no gathers
			return o.outer(ta[0], tb[0]), o.outer(ta[1], tb[1])
		}
		return Add(o.gather(ta[0], a), o.gather(tb[0], b)), Add(o.gather(ta[1], a), o.gather(tb[1], b))
	}
	if a == nil {
		a, b = o.allPairs(WE.Graph(), cfg.P, WE.Shape().Dimensions[0])
	}
	// Softmax attention from the last position (query at t_1 = b).
	sc := 1 / math.Sqrt(float64(cfg.DHead))
	q := o.gather(o.project(R1, w["W_Q"], w["b_Q"]), b)  // [S?, N, h, dh]
	k0 := o.gather(o.project(R0, w["W_K"], w["b_K"]), a) // [S?, N, h, dh]
	k1 := o.gather(o.project(R1, w["W_K"], w["b_K"]), b)
	s0 := MulScalar(ReduceSum(Mul(q, k0), -1), sc) // [S?, N, h]
	s1 := MulScalar(ReduceSum(Mul(q, k1), -1), sc)
	pat0, pat1 := mix(cfg, C, s0, s1)
	// The attention output is formed per input, [S?, N, d], then read by W_in
	// and W_U (per-head tables through W_in would need batched 1×h
	// products, which are slow on simplego).
	v0, v1 := o.gather(V0, a), o.gather(V1, b)                             // [S?, N, h, dh]
	z := Add(Mul(InsertAxes(pat0, -1), v0), Mul(InsertAxes(pat1, -1), v1)) // [S?, N, h, dh]
	x := both(o.heads(z, w["W_O"]))                                        // [S?, N, m], [S?, N, p]
	return Add(o.gather(base[0], b), x[0]), Add(o.gather(base[1], b), x[1])
}

// mix turns the attention scores of the two positions into the pattern
// Alpha·C + (1 − Alpha)·softmax.
func mix(cfg config.Config, C float64, s0, s1 *Node) (*Node, *Node) {
	mx := Max(s0, s1)
	e0, e1 := Exp(Sub(s0, mx)), Exp(Sub(s1, mx))
	z := Add(e0, e1)
	sm0, sm1 := Div(e0, z), Div(e1, z)
	f := func(sm *Node) *Node { return AddScalar(MulScalar(sm, 1-cfg.Alpha), cfg.Alpha*C) }
	return f(sm0), f(sm1)
}

// Activation names returned by Activations, with their shapes for N inputs.
const (
	Embed       = "embed"        // [N, 2, d_model]: W_E[t_j] + W_pos[j]
	AttnPattern = "attn_pattern" // [N, heads, 2]: last query's pattern
	AttnOut     = "attn_out"     // [N, d_model]: attention output at the last position (b_O included)
	ResidMid    = "resid_mid"    // [N, d_model]: r_1 + attn_out, the MLP's input
	MLPPre      = "mlp_pre"      // [N, d_mlp]
	MLPPost     = "mlp_post"     // [N, d_mlp]
	MLPOut      = "mlp_out"      // [N, d_model] (b_out included)
	ResidPost   = "resid_post"   // [N, d_model]
	LogitsName  = "logits"       // [N, p]
)

// ActivationNames lists the names in the order of the forward pass.
var ActivationNames = []string{Embed, AttnPattern, AttnOut, ResidMid, MLPPre, MLPPost, MLPOut, ResidPost, LogitsName}

// Activations computes the network the plain way, position by position, and
// returns every named intermediate (see ActivationNames).
func Activations(cfg config.Config, w Params, a, b *Node) map[string]*Node {
	e0, e1 := embed(w, a, b)
	return FromEmbeddings(cfg, w, e0, e1)
}

// embed returns the embeddings [N, d_model] of the two positions: token plus
// position embedding.
func embed(w Params, a, b *Node) (e0, e1 *Node) {
	return Add(plain.gather(w["W_E"], a), plain.row(w["W_pos"], 0)), Add(plain.gather(w["W_E"], b), plain.row(w["W_pos"], 1))
}

// FromEmbeddings runs the plain forward pass from the embeddings e0, e1
// [N, d_model] of the two positions (token plus position embedding), for
// gradients with respect to the embeddings.
func FromEmbeddings(cfg config.Config, w Params, e0, e1 *Node) map[string]*Node {
	q := plain.project(e1, w["W_Q"], w["b_Q"]) // [N, h, dh]
	k0, k1 := plain.project(e0, w["W_K"], w["b_K"]), plain.project(e1, w["W_K"], w["b_K"])
	v0, v1 := plain.project(e0, w["W_V"], w["b_V"]), plain.project(e1, w["W_V"], w["b_V"])
	scale := 1 / math.Sqrt(float64(cfg.DHead))
	s0 := MulScalar(ReduceSum(Mul(q, k0), -1), scale)
	s1 := MulScalar(ReduceSum(Mul(q, k1), -1), scale)
	pat0, pat1 := mix(cfg, constant(cfg), s0, s1)                                                     // [N, h]
	z := Add(Mul(InsertAxes(pat0, -1), v0), Mul(InsertAxes(pat1, -1), v1))                            // [N, h, dh]
	attn := Add(DotGeneral(z, []int{1, 2}, nil, w["W_O"], []int{0, 1}, nil), InsertAxes(w["b_O"], 0)) // [N, d]
	mid := Add(e1, attn)
	pre := Add(plain.matmul(mid, w["W_in"]), InsertAxes(w["b_in"], 0))
	post := Act(cfg, pre)
	out := Add(plain.matmul(post, w["W_out"]), InsertAxes(w["b_out"], 0))
	resid := Add(mid, out)
	logits := Add(plain.matmul(resid, w["W_U"]), InsertAxes(w["b_U"], 0))
	return map[string]*Node{
		Embed:       Stack([]*Node{e0, e1}, 1),
		AttnPattern: Stack([]*Node{pat0, pat1}, 2),
		AttnOut:     attn,
		ResidMid:    mid,
		MLPPre:      pre,
		MLPPost:     post,
		MLPOut:      out,
		ResidPost:   resid,
		LogitsName:  logits,
	}
}

// CrossEntropy is the mean cross-entropy of logits [N, p] against labels
// (int32 [N]), computed in float64 whatever the logits' dtype.
func CrossEntropy(logits, labels *Node) *Node {
	return ReduceAllMean(rowCrossEntropy(logits, labels))
}

// WeightedCrossEntropy is Σ_n weights[n]·CE_n for float64 weights [N]: with
// weights 1/|S| on a subset S of the rows and 0 elsewhere, the mean
// cross-entropy over S.
func WeightedCrossEntropy(logits, labels, weights *Node) *Node {
	return ReduceAllSum(Mul(rowCrossEntropy(logits, labels), weights))
}

// SeedCrossEntropy is CrossEntropy for S models: logits [S, N, p] and labels
// [S, N] give the S mean cross-entropies [S].
func SeedCrossEntropy(logits, labels *Node) *Node {
	return ReduceMean(rowCrossEntropy(logits, labels), -1)
}

// SeedWeightedCrossEntropy is WeightedCrossEntropy for S models: logits
// [S, N, p], labels [N] shared by all models, weights [S, N] (each model its
// own subset); the result is [S].
func SeedWeightedCrossEntropy(logits, labels, weights *Node) *Node {
	return ReduceSum(Mul(rowCrossEntropy(logits, labels), weights), -1)
}

// rowCrossEntropy returns the cross-entropy of each row of logits [.., N, p]
// against labels [N] or [.., N] (missing leading axes broadcast).
func rowCrossEntropy(logits, labels *Node) *Node {
	if logits.DType() != dtypes.Float64 {
		logits = ConvertDType(logits, dtypes.Float64)
	}
	p := logits.Shape().Dimensions[logits.Rank()-1]
	logp := LogSoftmax(logits, -1)
	onehot := OneHot(labels, p, dtypes.Float64)
	for onehot.Rank() < logp.Rank() {
		onehot = InsertAxes(onehot, 0)
	}
	return Neg(ReduceSum(Mul(logp, onehot), -1))
}
