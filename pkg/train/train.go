// Package train trains the model of package config with full-batch AdamW, as
// the pizza paper's authors did: one step per epoch on the whole training
// split, the learning rate warmed up linearly over the first epochs, the
// cross-entropy computed in float64. It records metrics, writes checkpoints
// atomically, and resumes a stopped run exactly where it stopped (the same
// seed and backend give the same model, bit for bit, interrupted or not).
package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/progress"
	"github.com/modadd/modadd/pkg/zp"
)

// Options control a training run; the zero value trains in memory, silently,
// on the default backend.
type Options struct {
	// Dir is the model directory. If it holds a checkpoint, training resumes
	// from it (the configs must agree on everything but the epoch count and
	// the intervals); checkpoints and the final model are written there. If
	// empty, nothing is written.
	Dir string
	// Backend to train on; nil means model.Backend().
	Backend backends.Backend
	// BackendName is recorded in the metadata; default model.BackendConfig().
	BackendName string
	// Command is recorded in the metadata (how the model was made).
	Command string
	// Progress shows a progress bar (terminal or notebook) when true.
	Progress bool
	// OnMetrics, if set, is called after every evaluation with the weights
	// of that epoch (for example to compute progress measures).
	OnMetrics func(m checkpoint.Metrics, params checkpoint.Tensors)
	// Context stops training early when cancelled; the state reached is
	// checkpointed (if Dir is set) and Train returns the context's error.
	Context context.Context
	// WeightsOnly drops the optimiser state from the final checkpoint (for
	// shipping a finished model; it can then no longer be resumed).
	WeightsOnly bool
}

// Train trains cfg for cfg.Epochs epochs (or resumes a run in opts.Dir) and
// returns the final checkpoint.
func Train(cfg config.Config, opts Options) (*checkpoint.Checkpoint, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ck, err := Begin(cfg, opts.Dir)
	if err != nil {
		return nil, err
	}
	if ck.Epoch >= ck.Config.Epochs {
		return ck, nil // already trained that far
	}
	be := opts.Backend
	if be == nil {
		if be, err = model.Backend(); err != nil {
			return nil, err
		}
	}
	if opts.BackendName == "" {
		opts.BackendName = model.BackendConfig()
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	r, err := NewTrainer(ck, be)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.run(opts)
}

// Begin loads the checkpoint in dir, checking that it was trained with cfg
// (up to the epoch count and intervals), or initialises a new run of cfg
// when dir is empty or holds no model.
func Begin(cfg config.Config, dir string) (*checkpoint.Checkpoint, error) {
	if dir != "" && checkpoint.Exists(dir) {
		ck, err := checkpoint.Load(dir)
		if err != nil {
			return nil, err
		}
		if err := ck.Config.SameModel(cfg); err != nil {
			return nil, fmt.Errorf("train: %s holds a model with another configuration (%v): train into a new directory, or pass the same config to resume", dir, err)
		}
		if ck.WeightsOnly() && ck.Epoch < cfg.Epochs {
			return nil, fmt.Errorf("train: %s holds a weights-only model (epoch %d) without optimiser state: it cannot be resumed to %d epochs; train into a new directory", dir, ck.Epoch, cfg.Epochs)
		}
		ck.Config.Epochs, ck.Config.EvalEvery, ck.Config.CheckpointEvery = cfg.Epochs, cfg.EvalEvery, cfg.CheckpointEvery
		return ck, nil
	}
	ck := &checkpoint.Checkpoint{Config: cfg, Params: model.Init(cfg)}
	ck.AdamM, ck.AdamV = zeroMoments(cfg), zeroMoments(cfg)
	return ck, nil
}

func zeroMoments(cfg config.Config) checkpoint.Tensors {
	var out checkpoint.Tensors
	for _, p := range cfg.Params() {
		if p.Trainable {
			out = append(out, checkpoint.Tensor{Name: p.Name, Shape: p.Shape, Data: make([]float64, p.Size())})
		}
	}
	return out
}

// Trainer holds a model being trained: the compiled step and evaluation
// graphs and the live weights and optimiser state on the backend. Train
// drives one; notebooks and benchmarks can drive one step by step.
type Trainer struct {
	be    backends.Backend
	ck    *checkpoint.Checkpoint
	cfg   config.Config
	dtype dtypes.DType
	split zp.Split
	// Indices into cfg.Params() of the trainable and frozen parameters.
	trainIdx, frozenIdx []int
	step, eval          *Exec
	// Live state on the backend: trainable params, m, v (same order), frozen params.
	params, m, v, frozen []*tensors.Tensor
	epoch                int
}

// NewTrainer compiles the training step for the checkpoint's config and
// loads its state (see Begin); ck must hold the optimiser state.
func NewTrainer(ck *checkpoint.Checkpoint, be backends.Backend) (*Trainer, error) {
	if ck.WeightsOnly() {
		return nil, errors.New("train: a weights-only checkpoint has no optimiser state to train from")
	}
	cfg := ck.Config
	split, err := SplitOf(cfg)
	if err != nil {
		return nil, err
	}
	r := &Trainer{be: be, ck: ck, cfg: cfg, dtype: model.DType(cfg.DType), split: split, epoch: ck.Epoch}
	for i, p := range cfg.Params() {
		if p.Trainable {
			r.trainIdx = append(r.trainIdx, i)
		} else {
			r.frozenIdx = append(r.frozenIdx, i)
		}
	}
	for k, i := range r.trainIdx {
		r.params = append(r.params, model.ToTensor(ck.Params[i], r.dtype))
		r.m = append(r.m, model.ToTensor(ck.AdamM[k], r.dtype))
		r.v = append(r.v, model.ToTensor(ck.AdamV[k], r.dtype))
	}
	for _, i := range r.frozenIdx {
		r.frozen = append(r.frozen, model.ToTensor(ck.Params[i], r.dtype))
	}
	train := zp.Select(cfg.P, split.Train)
	all, _ := zp.All(cfg.P)
	weights := make([]float64, cfg.P*cfg.P)
	for _, i := range split.Train {
		weights[i] = 1 / float64(len(split.Train))
	}
	nT, nF := len(r.trainIdx), len(r.frozenIdx)
	err = model.Try(func() {
		r.step = MustNewExec(be, func(in []*Node) []*Node {
			// in: decay, stepSize, invSqrtBC2, then params, frozen, m, v.
			g := in[0].Graph()
			decay, stepSize, invSqrtBC2 := in[0], in[1], in[2]
			ps := in[3 : 3+nT]
			w := r.assemble(ps, in[3+nT:3+nT+nF])
			var loss *Node
			if cfg.Alpha == 1 {
				// Constant attention: the logits of all p² pairs cost no
				// gathers; the held-out rows get weight 0 in the loss.
				loss = model.WeightedCrossEntropy(model.PairLogits(cfg, w), Const(g, all.Label), Const(g, weights))
			} else {
				a, b, labels := Const(g, train.A), Const(g, train.B), Const(g, train.Label)
				loss = model.CrossEntropy(model.Logits(cfg, w, a, b), labels)
			}
			grads := Gradient(loss, ps...)
			out := []*Node{loss}
			var newP, newM, newV []*Node
			eps := Scalar(g, r.dtype, cfg.Eps)
			for k, p := range ps {
				gr := grads[k]
				m := Add(MulScalar(in[3+nT+nF+k], cfg.Beta1), MulScalar(gr, 1-cfg.Beta1))
				v := Add(MulScalar(in[3+2*nT+nF+k], cfg.Beta2), MulScalar(Square(gr), 1-cfg.Beta2))
				// PyTorch's AdamW: p ← p(1 − lr·wd) − (lr/bc1)·m / (√v/√bc2 + eps).
				upd := Div(m, Add(Mul(Sqrt(v), invSqrtBC2), eps))
				newP = append(newP, Sub(Mul(p, decay), Mul(upd, stepSize)))
				newM, newV = append(newM, m), append(newV, v)
			}
			out = append(out, newP...)
			out = append(out, newM...)
			return append(out, newV...)
		})
		r.eval = MustNewExec(be, func(in []*Node) []*Node {
			w := r.assemble(in[:nT], in[nT:])
			return []*Node{ConvertDType(model.PairLogits(cfg, w), dtypes.Float64)}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("train: building the training graph: %w", err)
	}
	return r, nil
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

// Step runs one AdamW step (one epoch) and returns the training loss before it.
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
	args := []any{scalar(1 - lr*cfg.WeightDecay), scalar(lr / bc1), scalar(1 / math.Sqrt(bc2))}
	for _, group := range [][]*tensors.Tensor{r.params, r.frozen, r.m, r.v} {
		for _, x := range group {
			args = append(args, x)
		}
	}
	var out []*tensors.Tensor
	err := model.Try(func() { out = r.step.MustExec(args...) })
	if err != nil {
		return 0, fmt.Errorf("train: step %d: %w", e, err)
	}
	loss := out[0].Value().(float64)
	out[0].FinalizeAll()
	nT := len(r.params)
	for k := 0; k < nT; k++ {
		r.params[k].FinalizeAll()
		r.m[k].FinalizeAll()
		r.v[k].FinalizeAll()
		r.params[k], r.m[k], r.v[k] = out[1+k], out[1+nT+k], out[1+2*nT+k]
	}
	r.epoch++
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("train: the loss became %v at epoch %d: lower the learning rate or use dtype=float64", loss, e)
	}
	return loss, nil
}

// Logits evaluates the live parameters on all p² pairs: a row-major [p², p]
// slice in float64.
func (r *Trainer) Logits() ([]float64, error) {
	var args []any
	for _, x := range r.params {
		args = append(args, x)
	}
	for _, x := range r.frozen {
		args = append(args, x)
	}
	var out []float64
	err := model.Try(func() {
		res := r.eval.MustExec(args...)
		out = tensors.MustCopyFlatData[float64](res[0])
		res[0].FinalizeAll()
	})
	return out, err
}

// Checkpoint copies the live state into the checkpoint and returns it.
func (r *Trainer) Checkpoint() *checkpoint.Checkpoint {
	r.ck.Epoch = r.epoch
	ps := r.cfg.Params()
	for k, i := range r.trainIdx {
		r.ck.Params[i] = model.FromTensor(ps[i].Name, r.params[k])
		r.ck.AdamM[k] = model.FromTensor(ps[i].Name, r.m[k])
		r.ck.AdamV[k] = model.FromTensor(ps[i].Name, r.v[k])
	}
	return r.ck
}

// Metrics measures the live parameters on the train, held-out and all pairs.
func (r *Trainer) Metrics() (checkpoint.Metrics, error) {
	lg, err := r.Logits()
	if err != nil {
		return checkpoint.Metrics{}, err
	}
	return Measure(lg, r.split, r.epoch)
}

func (r *Trainer) run(opts Options) (*checkpoint.Checkpoint, error) {
	cfg, ck := r.cfg, r.ck
	startWall := ck.Meta.WallSeconds
	t0 := time.Now()
	elapsed := func() float64 { return startWall + time.Since(t0).Seconds() }
	ck.Meta.Backend = opts.BackendName
	if opts.Command != "" {
		ck.Meta.Command = opts.Command
	}
	record := func() error {
		m, err := r.Metrics()
		if err != nil {
			return err
		}
		m.Seconds = elapsed()
		ck.History = append(ck.History, m)
		if opts.OnMetrics != nil {
			opts.OnMetrics(m, r.Checkpoint().Params)
		}
		return nil
	}
	save := func(final bool) error {
		r.Checkpoint()
		ck.Meta.WallSeconds = elapsed()
		if opts.Dir == "" {
			return nil
		}
		if final && opts.WeightsOnly {
			ck.AdamM, ck.AdamV = nil, nil
		}
		return checkpoint.Save(opts.Dir, ck)
	}
	if ck.Epoch == 0 && len(ck.History) == 0 {
		if err := record(); err != nil {
			return nil, err
		}
	}
	var bar *progress.Bar
	if opts.Progress {
		bar = progress.New("train", ck.Epoch, cfg.Epochs, nil)
		if ck.Epoch > 0 {
			bar.Log(fmt.Sprintf("resuming at epoch %d of %d", ck.Epoch, cfg.Epochs))
		}
	}
	loss := math.NaN()
	for r.epoch < cfg.Epochs {
		if err := opts.Context.Err(); err != nil {
			if serr := save(false); serr != nil {
				return nil, serr
			}
			if bar != nil {
				bar.Log(fmt.Sprintf("stopped at epoch %d: run the same command again to resume", r.epoch))
			}
			return ck, err
		}
		var err error
		if loss, err = r.Step(); err != nil {
			return nil, err
		}
		done := r.epoch
		if done%cfg.EvalEvery == 0 || done == cfg.Epochs {
			if err := record(); err != nil {
				return nil, err
			}
		}
		if bar != nil {
			status := fmt.Sprintf("loss %.3g", loss)
			if m, ok := ck.Last(); ok {
				status += fmt.Sprintf(" | epoch %d: train acc %.3f held-out acc %.3f", m.Epoch, m.TrainAcc, m.HeldoutAcc)
			}
			bar.Update(done, status)
		}
		if done%cfg.CheckpointEvery == 0 && done < cfg.Epochs {
			if err := save(false); err != nil {
				return nil, err
			}
		}
	}
	if bar != nil {
		bar.Done(cfg.Epochs)
	}
	if err := save(true); err != nil {
		return nil, err
	}
	return ck, nil
}
