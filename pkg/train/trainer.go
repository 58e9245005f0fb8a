package train

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/metrics"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/zp"
)

// Trainer holds models being trained: the compiled step and evaluation
// graphs and the live weights and optimiser state on the backend. It trains
// one model (NewTrainer) or S models of one configuration with different
// seeds in one graph with a leading seed axis (NewSeedTrainer). Train and
// TrainSeeds drive one; notebooks and benchmarks can drive one step by step.
type Trainer struct {
	be     backends.Backend
	cks    []*checkpoint.Checkpoint // one per model
	cfg    config.Config            // the shared configuration (the first model's seed)
	layout layout                   // one model, or S with a leading seed axis
	dtype  dtypes.DType
	splits []zp.Split
	// Indices into cfg.Params() of the trainable and frozen parameters.
	trainIdx, frozenIdx []int
	step, eval          *Exec
	// Live state on the backend: trainable params, m, v (same order), frozen
	// params; [S, ...] for a seed batch.
	params, m, v, frozen []*tensors.Tensor
	losses               []float64 // per model, from the last step
	epoch                int
}

// NewTrainer compiles the training step for the checkpoint's config and
// loads its state (see Begin); ck must hold the optimiser state.
func NewTrainer(ck *checkpoint.Checkpoint, be backends.Backend) (*Trainer, error) {
	return newTrainer([]*checkpoint.Checkpoint{ck}, be, oneModel{})
}

func newTrainer(cks []*checkpoint.Checkpoint, be backends.Backend, lay layout) (*Trainer, error) {
	for _, ck := range cks {
		if ck.WeightsOnly() {
			return nil, fmt.Errorf("train: the weights-only checkpoint of seed %d has no optimiser state to train from", ck.Config.Seed)
		}
	}
	cfg := cks[0].Config
	r := &Trainer{be: be, cks: cks, cfg: cfg, layout: lay, dtype: model.DType(cfg.DType), epoch: cks[0].Epoch}
	for _, ck := range cks {
		split, err := metrics.SplitOf(ck.Config)
		if err != nil {
			return nil, err
		}
		r.splits = append(r.splits, split)
	}
	for i, p := range cfg.Params() {
		if p.Trainable {
			r.trainIdx = append(r.trainIdx, i)
		} else {
			r.frozenIdx = append(r.frozenIdx, i)
		}
	}
	// load puts one list of tensors of every model on the backend: a model's
	// own, or for a seed batch the models' stacked along a leading axis.
	load := func(of func(ck *checkpoint.Checkpoint) checkpoint.Tensors) ([]*tensors.Tensor, error) {
		first := of(cks[0])
		out := make([]*tensors.Tensor, len(first))
		for k := range first {
			parts := make([]checkpoint.Tensor, len(cks))
			for s, ck := range cks {
				parts[s] = of(ck)[k]
			}
			t, err := lay.stack(parts)
			if err != nil {
				return nil, err
			}
			out[k] = model.ToTensor(t, r.dtype)
		}
		return out, nil
	}
	pick := func(ts checkpoint.Tensors, idx []int) checkpoint.Tensors {
		out := make(checkpoint.Tensors, len(idx))
		for k, i := range idx {
			out[k] = ts[i]
		}
		return out
	}
	var errs [4]error
	r.params, errs[0] = load(func(ck *checkpoint.Checkpoint) checkpoint.Tensors { return pick(ck.Params, r.trainIdx) })
	r.frozen, errs[1] = load(func(ck *checkpoint.Checkpoint) checkpoint.Tensors { return pick(ck.Params, r.frozenIdx) })
	r.m, errs[2] = load(func(ck *checkpoint.Checkpoint) checkpoint.Tensors { return ck.AdamM })
	r.v, errs[3] = load(func(ck *checkpoint.Checkpoint) checkpoint.Tensors { return ck.AdamV })
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	nT := len(r.trainIdx)
	err := model.Try(func() {
		r.step = MustNewExec(be, r.stepGraph())
		r.eval = MustNewExec(be, func(in []*Node) []*Node {
			return []*Node{ConvertDType(lay.pairLogits(cfg, r.assemble(in[:nT], in[nT:])), dtypes.Float64)}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("train: building the training graph: %w", err)
	}
	return r, nil
}

// Close releases the compiled graphs.
func (r *Trainer) Close() {
	for _, e := range []*Exec{r.step, r.eval} {
		if e != nil {
			e.Finalize()
		}
	}
}

// Epoch is the number of steps taken.
func (r *Trainer) Epoch() int { return r.epoch }

// Losses are the models' training losses before the last step.
func (r *Trainer) Losses() []float64 { return r.losses }

// Step runs one AdamW step (one epoch) and returns the training loss before
// it (the mean over the models of a seed batch; see Losses).
func (r *Trainer) Step() (float64, error) {
	cfg, e := r.cfg, r.epoch
	lr := cfg.LR
	if cfg.Warmup > 0 {
		lr *= math.Min(float64(e)/float64(cfg.Warmup), 1)
	}
	t := float64(e + 1) // Adam's step count
	bc1, bc2 := 1-math.Pow(cfg.Beta1, t), 1-math.Pow(cfg.Beta2, t)
	scalar := func(x float64) *tensors.Tensor {
		if r.dtype == dtypes.Float64 {
			return tensors.FromValue(x)
		}
		return tensors.FromValue(float32(x))
	}
	// The order of stepInputs.
	args := []any{scalar(1 - lr*cfg.WeightDecay), scalar(lr / bc1), scalar(1 / math.Sqrt(bc2))}
	for _, group := range [][]*tensors.Tensor{r.params, r.frozen, r.m, r.v} {
		for _, x := range group {
			args = append(args, x)
		}
	}
	var out []*tensors.Tensor
	err := model.Try(func() {
		out = r.step.MustExec(args...)
		r.losses = tensors.MustCopyFlatData[float64](out[0])
	})
	if err != nil {
		return 0, fmt.Errorf("train: step %d: %w", e, err)
	}
	out[0].FinalizeAll()
	nT := len(r.params)
	for k := 0; k < nT; k++ {
		r.params[k].FinalizeAll()
		r.m[k].FinalizeAll()
		r.v[k].FinalizeAll()
		r.params[k], r.m[k], r.v[k] = out[1+k], out[1+nT+k], out[1+2*nT+k]
	}
	r.epoch++
	var mean float64
	for s, loss := range r.losses {
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return loss, fmt.Errorf("train: the loss of seed %d became %v at epoch %d: lower the learning rate or use dtype=float64", r.cks[s].Config.Seed, loss, e)
		}
		mean += loss / float64(len(r.losses))
	}
	return mean, nil
}

// Logits evaluates the live parameters on all p² pairs: for each model a
// row-major [p², p] slice in float64.
func (r *Trainer) Logits() ([][]float64, error) {
	var args []any
	for _, x := range r.params {
		args = append(args, x)
	}
	for _, x := range r.frozen {
		args = append(args, x)
	}
	var flat []float64
	err := model.Try(func() {
		res := r.eval.MustExec(args...)
		flat = tensors.MustCopyFlatData[float64](res[0])
		res[0].FinalizeAll()
	})
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(r.cks))
	n := len(flat) / len(out)
	for s := range out {
		out[s] = flat[s*n : (s+1)*n : (s+1)*n]
	}
	return out, nil
}

// Checkpoints copies the live state into the models' checkpoints and returns
// them (in the order given to NewSeedTrainer).
func (r *Trainer) Checkpoints() []*checkpoint.Checkpoint {
	ps := r.cfg.Params()
	// unstack splits a live tensor into the models' checkpoint tensors.
	unstack := func(name string, t *tensors.Tensor) []checkpoint.Tensor {
		return r.layout.unstack(model.FromTensor(name, t))
	}
	for k, i := range r.trainIdx {
		p, m, v := unstack(ps[i].Name, r.params[k]), unstack(ps[i].Name, r.m[k]), unstack(ps[i].Name, r.v[k])
		for s, ck := range r.cks {
			ck.Params[i], ck.AdamM[k], ck.AdamV[k] = p[s], m[s], v[s]
		}
	}
	for _, ck := range r.cks {
		ck.Epoch = r.epoch
	}
	return r.cks
}

// Checkpoint is the checkpoint of a trainer of one model. A seed batch has
// several: it panics there (use Checkpoints) rather than pick one.
func (r *Trainer) Checkpoint() *checkpoint.Checkpoint {
	cks := r.Checkpoints()
	if len(cks) != 1 {
		panic(fmt.Sprintf("train: Checkpoint on a batch of %d models: use Checkpoints", len(cks)))
	}
	return cks[0]
}

// Metrics measures the live parameters of each model on its train and
// held-out pairs and on all pairs.
func (r *Trainer) Metrics() ([]checkpoint.Metrics, error) {
	lg, err := r.Logits()
	if err != nil {
		return nil, err
	}
	out := make([]checkpoint.Metrics, len(lg))
	err = parallel(len(lg), func(s int) (err error) {
		out[s], err = metrics.Measure(lg[s], r.splits[s], r.epoch)
		return err
	})
	return out, err
}
