// Package train trains the model of package config with full-batch AdamW, as
// the pizza paper's authors did: one step per epoch on the whole training
// split, the learning rate warmed up linearly over the first epochs, the
// cross-entropy computed in float64. It records metrics, writes checkpoints
// atomically, and resumes a stopped run exactly where it stopped (the same
// seed and backend give the same model, bit for bit, interrupted or not).
//
// Why this package owns the optimiser, the loop and the checkpoints rather
// than using GoMLX's train.Trainer, optimizers.AdamW and checkpoints:
//   - Bit-exact resume and reproducibility: the AdamW moments, the step
//     count and the data split are plain float64 tensors in our own
//     checkpoint format (package checkpoint, GoMLX-free so the analysis and
//     the proofs read models without a backend), saved atomically and
//     compared bit for bit in the tests (TestResumeIsExact, and S seeds in
//     one graph against each alone, TestSeedsMatchAlone).
//   - The authors' exact recipe: frozen biases, a warm-up from 0, decoupled
//     weight decay, a float64 cross-entropy over all p² logits masked to the
//     training split, evaluation of all three splits every EvalEvery epochs.
//   - Speed: one graph per step with the folded forward pass and pkg/dotgrad's
//     gradients (10.8x faster than GoMLX v0.26.0's stock gradients of the
//     same graph, bench/README.md), and a leading seed axis to train many
//     models in one graph.
package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/metrics"
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
	// empty, nothing is written. For TrainSeeds, Dir is the parent of the
	// models' directories (see SeedDirs) unless Dirs is set.
	Dir string
	// Dirs are TrainSeeds' model directories, one per seed (default
	// SeedDirs(Dir, seeds)).
	Dirs []string
	// Backend to train on; nil means model.Backend().
	Backend backends.Backend
	// BackendName is recorded in the metadata; default model.BackendConfig().
	BackendName string
	// Command is recorded in the metadata (how the model was made).
	Command string
	// Progress shows a progress bar (terminal or notebook) when true.
	Progress bool
	// OnMetrics, if set, is called after every evaluation with the weights
	// of that epoch (for example to compute progress measures); TrainSeeds
	// calls it once per model, in the order of the seeds.
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
	if err := checkMemory(cfg, 1); err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		unlock, err := checkpoint.Lock(opts.Dir)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	ck, err := Begin(cfg, opts.Dir)
	if err != nil {
		return nil, err
	}
	if ck.Epoch >= ck.Config.Epochs {
		return ck, nil // already trained that far
	}
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	r, err := NewTrainer(ck, opts.Backend)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var dirs []string
	if opts.Dir != "" {
		dirs = []string{opts.Dir}
	}
	cks, err := r.run(opts, dirs)
	if len(cks) == 0 {
		return nil, err
	}
	return cks[0], err
}

// defaults fills in the backend, its name and the context.
func (o *Options) defaults() error {
	if o.Backend == nil {
		be, err := model.Backend()
		if err != nil {
			return err
		}
		o.Backend = be
	}
	if o.BackendName == "" {
		o.BackendName = model.BackendConfig()
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	return nil
}

// SeedDirs names the model directories of TrainSeeds under dir: dir/seed0,
// dir/seed1, ...
func SeedDirs(dir string, seeds []uint64) []string {
	out := make([]string, len(seeds))
	for i, s := range seeds {
		out[i] = filepath.Join(dir, fmt.Sprintf("seed%d", s))
	}
	return out
}

// TrainSeeds trains one model of cfg per seed (cfg.Seed is replaced by each
// seed: its initial weights and data split), all in one graph with a leading
// seed axis (NewSeedTrainer), and saves them as ordinary model directories
// (opts.Dirs, or SeedDirs(opts.Dir, seeds)). It resumes like Train: models
// already trained are loaded, not retrained, and models stopped at different
// epochs are trained in groups by epoch. It returns the models' checkpoints
// in the order of seeds.
func TrainSeeds(cfg config.Config, seeds []uint64, opts Options) ([]*checkpoint.Checkpoint, error) {
	if len(seeds) == 0 {
		return nil, errors.New("train: TrainSeeds needs at least one seed")
	}
	seen := map[uint64]bool{}
	for _, s := range seeds {
		if seen[s] {
			return nil, fmt.Errorf("train: seed %d is listed twice", s)
		}
		seen[s] = true
	}
	dirs := opts.Dirs
	if dirs == nil && opts.Dir != "" {
		dirs = SeedDirs(opts.Dir, seeds)
	}
	if dirs != nil && len(dirs) != len(seeds) {
		return nil, fmt.Errorf("train: %d directories for %d seeds", len(dirs), len(seeds))
	}
	used := map[string]bool{}
	for _, d := range dirs {
		c := filepath.Clean(d)
		if used[c] {
			return nil, fmt.Errorf("train: directory %s is given to two seeds: each model needs its own", d)
		}
		used[c] = true
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkMemory(cfg, len(seeds)); err != nil {
		return nil, err
	}
	for _, d := range dirs {
		unlock, err := checkpoint.Lock(d)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	cks := make([]*checkpoint.Checkpoint, len(seeds))
	groups := map[int][]int{} // epoch → indices of the models to train from it
	for i, s := range seeds {
		c := cfg
		c.Seed = s
		dir := ""
		if dirs != nil {
			dir = dirs[i]
		}
		ck, err := Begin(c, dir)
		if err != nil {
			return nil, err
		}
		cks[i] = ck
		if ck.Epoch < cfg.Epochs {
			groups[ck.Epoch] = append(groups[ck.Epoch], i)
		}
	}
	if len(groups) == 0 {
		return cks, nil
	}
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	epochs := make([]int, 0, len(groups))
	for e := range groups {
		epochs = append(epochs, e)
	}
	sort.Ints(epochs)
	for _, e := range epochs {
		var group []*checkpoint.Checkpoint
		var gdirs []string
		for _, i := range groups[e] {
			group = append(group, cks[i])
			if dirs != nil {
				gdirs = append(gdirs, dirs[i])
			}
		}
		r, err := NewSeedTrainer(group, opts.Backend)
		if err != nil {
			return nil, err
		}
		_, err = r.run(opts, gdirs)
		r.Close()
		if err != nil {
			return cks, err
		}
	}
	return cks, nil
}

// Begin loads the checkpoint in dir, checking that it was trained with cfg
// (up to the epoch count and intervals), or initialises a new run of cfg
// when dir is empty or holds no model.
//
// Weights that do not belong to a run are never overwritten: a directory
// holding a state file or metadata without its config is refused.
func Begin(cfg config.Config, dir string) (*checkpoint.Checkpoint, error) {
	if dir != "" && !checkpoint.Exists(dir) {
		for _, f := range []string{checkpoint.StateFile, checkpoint.MetaFile} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				return nil, fmt.Errorf("train: %s holds %s but no %s: it may be a model whose config was lost, and training would replace its weights; restore %s, or train into another directory", dir, f, checkpoint.ConfigFile, checkpoint.ConfigFile)
			}
		}
	}
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

// Trainer holds models being trained: the compiled step and evaluation
// graphs and the live weights and optimiser state on the backend. It trains
// one model (NewTrainer) or S models of one configuration with different
// seeds in one graph with a leading seed axis (NewSeedTrainer). Train and
// TrainSeeds drive one; notebooks and benchmarks can drive one step by step.
type Trainer struct {
	be     backends.Backend
	cks    []*checkpoint.Checkpoint // one per model
	cfg    config.Config            // the shared configuration (the first model's seed)
	seeds  bool                     // parameters carry a leading seed axis
	dtype  dtypes.DType
	splits []zp.Split
	// Indices into cfg.Params() of the trainable and frozen parameters.
	trainIdx, frozenIdx []int
	step, eval          *Exec
	// Live state on the backend: trainable params, m, v (same order), frozen
	// params; [S, ...] when seeds is set.
	params, m, v, frozen []*tensors.Tensor
	losses               []float64 // per model, from the last step
	epoch                int
}

// NewTrainer compiles the training step for the checkpoint's config and
// loads its state (see Begin); ck must hold the optimiser state.
func NewTrainer(ck *checkpoint.Checkpoint, be backends.Backend) (*Trainer, error) {
	return newTrainer([]*checkpoint.Checkpoint{ck}, be, false)
}

// NewSeedTrainer compiles one training step for S models that differ only in
// their seed (initial weights and data split) and are at the same epoch: the
// parameters are stacked along a leading seed axis and every product is
// batched over it (model.SeedPairLogits). The loss minimised is the sum of
// the models' losses, whose gradient with respect to model s's parameters is
// model s's own gradient, and AdamW acts elementwise: each model follows the
// trajectory it would follow alone, up to floating-point rounding.
func NewSeedTrainer(cks []*checkpoint.Checkpoint, be backends.Backend) (*Trainer, error) {
	if len(cks) == 0 {
		return nil, errors.New("train: no models to train")
	}
	for _, ck := range cks[1:] {
		c := ck.Config
		c.Seed = cks[0].Config.Seed
		if err := c.SameModel(cks[0].Config); err != nil {
			return nil, fmt.Errorf("train: models trained together must differ only in the seed: %w", err)
		}
		if ck.Epoch != cks[0].Epoch {
			return nil, fmt.Errorf("train: models trained together must be at the same epoch (seed %d at %d, seed %d at %d)", cks[0].Config.Seed, cks[0].Epoch, ck.Config.Seed, ck.Epoch)
		}
	}
	return newTrainer(cks, be, true)
}

func newTrainer(cks []*checkpoint.Checkpoint, be backends.Backend, seeds bool) (*Trainer, error) {
	for _, ck := range cks {
		if ck.WeightsOnly() {
			return nil, fmt.Errorf("train: the weights-only checkpoint of seed %d has no optimiser state to train from", ck.Config.Seed)
		}
	}
	cfg := cks[0].Config
	r := &Trainer{be: be, cks: cks, cfg: cfg, seeds: seeds, dtype: model.DType(cfg.DType), epoch: cks[0].Epoch}
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
		for k, t := range first {
			if seeds {
				parts := make([]checkpoint.Tensor, len(cks))
				for s, ck := range cks {
					parts[s] = of(ck)[k]
				}
				var err error
				if t, err = checkpoint.Stack(parts); err != nil {
					return nil, err
				}
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
	loss := r.lossFunc()
	nT, nF := len(r.trainIdx), len(r.frozenIdx)
	err := model.Try(func() {
		r.step = MustNewExec(be, func(flat []*Node) []*Node {
			in := splitStep(flat, nT, nF)
			g := in.decay.Graph()
			decay, stepSize, invSqrtBC2 := in.decay, in.stepSize, in.invSqrtBC2
			ps := in.params
			loss := loss(r.assemble(ps, in.frozen)) // scalar, or [S]
			total := loss
			if seeds {
				total = ReduceAllSum(loss)
			}
			grads := Gradient(total, ps...)
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
		})
		r.eval = MustNewExec(be, func(in []*Node) []*Node {
			return []*Node{ConvertDType(r.pairLogits(r.assemble(in[:nT], in[nT:])), dtypes.Float64)}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("train: building the training graph: %w", err)
	}
	return r, nil
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
	cfg, S, p := r.cfg, len(r.splits), r.cfg.P
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
			labels := Const(g, all.Label)
			if !r.seeds {
				return model.WeightedCrossEntropy(r.pairLogits(w), labels, Const(g, weights))
			}
			return model.SeedWeightedCrossEntropy(r.pairLogits(w), labels, Reshape(Const(g, weights), S, p*p))
		}
	}
	var a, b, labels []int32
	for _, split := range r.splits {
		tr := zp.Select(p, split.Train)
		a, b, labels = append(a, tr.A...), append(b, tr.B...), append(labels, tr.Label...)
	}
	return func(w model.Params) *Node {
		g := w["W_E"].Graph()
		if !r.seeds {
			return model.CrossEntropy(model.Logits(cfg, w, Const(g, a), Const(g, b)), Const(g, labels))
		}
		N := len(a) / S
		c := func(x []int32) *Node { return Reshape(Const(g, x), S, N) }
		return model.SeedCrossEntropy(model.SeedLogits(cfg, w, c(a), c(b)), c(labels))
	}
}

// pairLogits are the logits of all p² pairs: [p², p], or [S, p², p] for a
// seed batch.
func (r *Trainer) pairLogits(w model.Params) *Node {
	if r.seeds {
		return model.SeedPairLogits(r.cfg, w)
	}
	return model.PairLogits(r.cfg, w)
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
		ct := model.FromTensor(name, t)
		if !r.seeds {
			return []checkpoint.Tensor{ct}
		}
		return ct.Unstack()
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

// parallel runs f(0), ..., f(n−1) on up to GOMAXPROCS goroutines (the
// per-model metrics and checkpoint files of a seed batch) and joins their
// errors.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// run trains to cfg.Epochs, saving model s into dirs[s] (none if dirs is nil).
func (r *Trainer) run(opts Options, dirs []string) ([]*checkpoint.Checkpoint, error) {
	cfg, cks := r.cfg, r.cks
	startWall := cks[0].Meta.WallSeconds
	t0 := time.Now()
	elapsed := func() float64 { return startWall + time.Since(t0).Seconds() }
	for _, ck := range cks {
		ck.Meta.Backend = opts.BackendName
		if opts.Command != "" {
			ck.Meta.Command = opts.Command
		}
		if r.seeds {
			ck.Meta.SeedBatch = len(cks)
		}
	}
	record := func() error {
		ms, err := r.Metrics()
		if err != nil {
			return err
		}
		if opts.OnMetrics != nil {
			r.Checkpoints() // the weights of this epoch, for the callback
		}
		for s, ck := range cks {
			ms[s].Seconds = elapsed()
			ck.History = append(ck.History, ms[s])
			if opts.OnMetrics != nil {
				opts.OnMetrics(ms[s], ck.Params)
			}
		}
		return nil
	}
	save := func(final bool) error {
		r.Checkpoints()
		wall := elapsed()
		for _, ck := range cks {
			ck.Meta.WallSeconds = wall
			if final && opts.WeightsOnly && dirs != nil {
				ck.AdamM, ck.AdamV = nil, nil
			}
		}
		if dirs == nil {
			return nil
		}
		return parallel(len(cks), func(s int) error { return checkpoint.Save(dirs[s], cks[s]) })
	}
	if cks[0].Epoch == 0 && len(cks[0].History) == 0 {
		if err := record(); err != nil {
			return nil, err
		}
	}
	var bar *progress.Bar
	if opts.Progress {
		what := "train"
		if len(cks) > 1 {
			what = fmt.Sprintf("train %d seeds", len(cks))
		}
		bar = progress.New(what, r.epoch, cfg.Epochs, nil)
		if r.epoch > 0 {
			bar.Log(fmt.Sprintf("resuming at epoch %d of %d", r.epoch, cfg.Epochs))
		}
	}
	for r.epoch < cfg.Epochs {
		if err := opts.Context.Err(); err != nil {
			if serr := save(false); serr != nil {
				return nil, serr
			}
			if bar != nil {
				bar.Log(fmt.Sprintf("stopped at epoch %d: run the same command again to resume", r.epoch))
			}
			return cks, err
		}
		loss, err := r.Step()
		if err != nil {
			return nil, err
		}
		done := r.epoch
		if done%cfg.EvalEvery == 0 || done == cfg.Epochs {
			if err := record(); err != nil {
				return nil, err
			}
		}
		if bar != nil {
			bar.Update(done, status(cks, loss))
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
	return cks, nil
}

// status is the progress line: the loss and the last evaluation, or for a
// seed batch the mean loss and how many models generalise.
func status(cks []*checkpoint.Checkpoint, loss float64) string {
	m, ok := cks[0].Last()
	if len(cks) == 1 {
		s := fmt.Sprintf("loss %.3g", loss)
		if ok {
			s += fmt.Sprintf(" | epoch %d: train acc %.3f held-out acc %.3f", m.Epoch, m.TrainAcc, m.HeldoutAcc)
		}
		return s
	}
	s := fmt.Sprintf("mean loss %.3g", loss)
	if ok {
		n := 0
		for _, ck := range cks {
			if l, _ := ck.Last(); l.HeldoutAcc == 1 {
				n++
			}
		}
		s += fmt.Sprintf(" | epoch %d: %d of %d at held-out acc 1", m.Epoch, n, len(cks))
	}
	return s
}
