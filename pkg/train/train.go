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
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
)

// Options control a training run; the zero value trains in memory, silently,
// on the default backend.
type Options struct {
	// Dir is Train's model directory. If it holds a checkpoint, training
	// resumes from it (the configs must agree on everything but the epoch
	// count and the intervals); checkpoints and the final model are written
	// there. If empty, nothing is written. TrainSeeds refuses it: see Dirs.
	Dir string
	// Dirs are TrainSeeds' model directories, one per seed, each used as
	// Train uses Dir (SeedDirs names them under a parent); if nil, nothing
	// is written.
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
	if ck.Epoch >= ck.Config.Epochs { // already trained that far
		if opts.WeightsOnly && opts.Dir != "" && !ck.WeightsOnly() {
			if err := dropState(opts.Dir); err != nil {
				return nil, err
			}
			ck.AdamM, ck.AdamV = nil, nil
		}
		return ck, nil
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

// dropState saves dir's finished checkpoint without its optimiser state,
// what WeightsOnly promises, also for a run finished without it: from the
// stored files (Begin gives the checkpoint the caller's epochs and
// intervals), so that its config and metadata stay as they were.
func dropState(dir string) error {
	ck, err := checkpoint.Load(dir)
	if err != nil || ck.WeightsOnly() {
		return err
	}
	ck.AdamM, ck.AdamV = nil, nil
	return checkpoint.Save(dir, ck)
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
