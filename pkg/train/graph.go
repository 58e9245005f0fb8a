// The step graph: AdamW over the loss, its named inputs, and the layout
// of the models in it.

package train

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/zp"
)

// stepGraph builds one AdamW step (PyTorch's, with decoupled weight decay)
// on the layout's loss: inputs as stepInputs, outputs the loss (a scalar,
// or [S]) and then the new params, m and v (Step reads them back in this
// order).
func (r *Trainer) stepGraph() func(flat []*Node) []*Node {
	cfg, lay := r.cfg, r.layout
	loss := r.lossFunc()
	nT, nF := len(r.trainIdx), len(r.frozenIdx)
	return func(flat []*Node) []*Node {
		in := splitStep(flat, nT, nF)
		g := in.decay.Graph()
		decay, stepSize, invSqrtBC2 := in.decay, in.stepSize, in.invSqrtBC2
		ps := in.params
		loss := loss(r.assemble(ps, in.frozen)) // scalar, or [S]
		grads := Gradient(lay.total(loss), ps...)
		out := []*Node{loss}
		var newP, newM, newV []*Node
		eps := Scalar(g, r.dtype, cfg.Eps)
		for k, p := range ps {
			gr := grads[k]
			m := Add(MulScalar(in.m[k], cfg.Beta1), MulScalar(gr, 1-cfg.Beta1))
			v := Add(MulScalar(in.v[k], cfg.Beta2), MulScalar(Square(gr), 1-cfg.Beta2))
			// PyTorch's AdamW: p ← p(1 − lr·wd) − (lr/bc1)·m / (√v/√bc2 + eps).
			upd := Div(m, Add(Mul(Sqrt(v), invSqrtBC2), eps))
			newP = append(newP, Sub(Mul(p, decay), Mul(upd, stepSize)))
			newM, newV = append(newM, m), append(newV, v)
		}
		// Outputs: the loss, then the new params, m and v (Step reads them
		// back in this order).
		out = append(out, newP...)
		out = append(out, newM...)
		return append(out, newV...)
	}
}

// stepInputs names the inputs of the step graph. Step passes them flat, in
// this order: the three scalars, then the trainable params, the frozen
// ones, and AdamW's m and v (one per trainable param).
type stepInputs struct {
	decay, stepSize, invSqrtBC2 *Node
	params, frozen, m, v        []*Node
}

// splitStep names the flat inputs of the step graph (nT trainable, nF
// frozen parameters).
func splitStep(in []*Node, nT, nF int) stepInputs {
	if len(in) != 3+3*nT+nF {
		panic(fmt.Sprintf("train: the step graph has %d inputs, want %d", len(in), 3+3*nT+nF))
	}
	at := 3
	next := func(n int) []*Node { at += n; return in[at-n : at] }
	return stepInputs{decay: in[0], stepSize: in[1], invSqrtBC2: in[2],
		params: next(nT), frozen: next(nF), m: next(nT), v: next(nT)}
}

// lossFunc returns the training loss of the weights: a scalar for one model,
// the S per-model losses [S] for a seed batch.
func (r *Trainer) lossFunc() func(w model.Params) *Node {
	cfg, S, p := r.cfg, len(r.splits), r.cfg.P // S = 1 for one model
	all, err := zp.All(p)
	if err != nil {
		panic(err) // p was validated with the config
	}
	if cfg.Alpha == 1 {
		// Constant attention: the logits of all p² pairs cost no gathers;
		// the held-out rows get weight 0 in the loss.
		weights := make([]float64, S*p*p)
		for s, split := range r.splits {
			for _, i := range split.Train {
				weights[s*p*p+i] = 1 / float64(len(split.Train))
			}
		}
		return func(w model.Params) *Node {
			g := w["W_E"].Graph()
			return r.layout.weightedLoss(r.layout.pairLogits(cfg, w), Const(g, all.Label), Const(g, weights))
		}
	}
	var a, b, labels []int32
	for _, split := range r.splits {
		tr := zp.Select(p, split.Train)
		a, b, labels = append(a, tr.A...), append(b, tr.B...), append(labels, tr.Label...)
	}
	return func(w model.Params) *Node {
		return r.layout.sampleLoss(cfg, w, a, b, labels)
	}
}

// assemble maps trainable and frozen nodes back to parameter names.
func (r *Trainer) assemble(trainable, frozen []*Node) model.Params {
	ps := r.cfg.Params()
	w := model.Params{}
	for k, i := range r.trainIdx {
		w[ps[i].Name] = trainable[k]
	}
	for k, i := range r.frozenIdx {
		w[ps[i].Name] = frozen[k]
	}
	return w
}

// layout is how the step and evaluation graphs hold their models: one
// model (oneModel), or S models of one configuration stacked along a
// leading seed axis (seedBatch). Everything that differs between the two is
// a method here; the rest of the trainer is shared.
type layout interface {
	// stack puts the models' values of one tensor on the graph's axes.
	stack(parts []checkpoint.Tensor) (checkpoint.Tensor, error)
	// unstack splits a live tensor back into the models' values.
	unstack(t checkpoint.Tensor) []checkpoint.Tensor
	// pairLogits are the logits of all p² pairs: [p², p] or [S, p², p].
	pairLogits(cfg config.Config, w model.Params) *Node
	// weightedLoss is the cross-entropy of the pair logits with per-pair
	// weights (S·p² of them, model s's first), a scalar or [S].
	weightedLoss(logits, labels, weights *Node) *Node
	// sampleLoss is the mean cross-entropy over the models' training pairs
	// (the same number for each; model s's a, b, labels first).
	sampleLoss(cfg config.Config, w model.Params, a, b, labels []int32) *Node
	// total is what the step minimises: the loss, or the sum over the
	// models (whose gradient with respect to model s is model s's own).
	total(loss *Node) *Node
	// batch is the number of models trained together, 0 for one model
	// without a seed axis (checkpoint.Meta.SeedBatch).
	batch() int
}

// oneModel is the layout of one model: no seed axis.
type oneModel struct{}

func (oneModel) stack(parts []checkpoint.Tensor) (checkpoint.Tensor, error) { return parts[0], nil }
func (oneModel) unstack(t checkpoint.Tensor) []checkpoint.Tensor            { return []checkpoint.Tensor{t} }
func (oneModel) pairLogits(cfg config.Config, w model.Params) *Node {
	return model.PairLogits(cfg, w)
}
func (oneModel) weightedLoss(logits, labels, weights *Node) *Node {
	return model.WeightedCrossEntropy(logits, labels, weights)
}
func (oneModel) sampleLoss(cfg config.Config, w model.Params, a, b, labels []int32) *Node {
	g := w["W_E"].Graph()
	return model.CrossEntropy(model.Logits(cfg, w, Const(g, a), Const(g, b)), Const(g, labels))
}
func (oneModel) total(loss *Node) *Node { return loss }
func (oneModel) batch() int             { return 0 }

// seedBatch is the layout of S models with a leading seed axis: every
// product is batched over it (model.SeedPairLogits).
type seedBatch struct{ S int }

func (seedBatch) stack(parts []checkpoint.Tensor) (checkpoint.Tensor, error) {
	return checkpoint.Stack(parts)
}
func (seedBatch) unstack(t checkpoint.Tensor) []checkpoint.Tensor { return t.Unstack() }
func (seedBatch) pairLogits(cfg config.Config, w model.Params) *Node {
	return model.SeedPairLogits(cfg, w)
}
func (l seedBatch) weightedLoss(logits, labels, weights *Node) *Node {
	return model.SeedWeightedCrossEntropy(logits, labels, Reshape(weights, l.S, weights.Shape().Size()/l.S))
}
func (l seedBatch) sampleLoss(cfg config.Config, w model.Params, a, b, labels []int32) *Node {
	g := w["W_E"].Graph()
	N := len(a) / l.S
	c := func(x []int32) *Node { return Reshape(Const(g, x), l.S, N) }
	return model.SeedCrossEntropy(model.SeedLogits(cfg, w, c(a), c(b)), c(labels))
}
func (seedBatch) total(loss *Node) *Node { return ReduceAllSum(loss) }
func (l seedBatch) batch() int           { return l.S }
