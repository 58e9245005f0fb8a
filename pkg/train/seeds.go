// Seed batches: many models of one configuration trained in one graph.

package train

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/gomlx/gomlx/backends"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
)

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
// (opts.Dirs; SeedDirs names them under a parent). It resumes like Train: models
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
	if opts.Dir != "" {
		return nil, fmt.Errorf("train: TrainSeeds writes one model directory per seed: give them in Options.Dirs (train.SeedDirs(%q, seeds) names them %s/seed<s>), not Options.Dir", opts.Dir, opts.Dir)
	}
	dirs := opts.Dirs
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
		} else if opts.WeightsOnly && dir != "" && !ck.WeightsOnly() {
			if err := dropState(dir); err != nil {
				return nil, err
			}
			ck.AdamM, ck.AdamV = nil, nil
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
	return newTrainer(cks, be, seedBatch{len(cks)})
}
