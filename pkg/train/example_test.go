package train_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/train"
)

// Three seeds of a small model trained together in one graph, saved as
// three ordinary model directories.
func ExampleTrainSeeds() {
	dir, _ := os.MkdirTemp("", "seeds")
	defer os.RemoveAll(dir)
	cfg := config.Default()
	if err := cfg.Set("p=7;d_model=8;n_heads=2;d_head=4;d_mlp=16;eval_every=10"); err != nil {
		panic(err)
	}
	cfg.Epochs = 20
	seeds := []uint64{0, 1, 2}
	if _, err := train.TrainSeeds(cfg, seeds, train.Options{Dirs: train.SeedDirs(dir, seeds)}); err != nil {
		panic(err)
	}
	for _, d := range train.SeedDirs(dir, seeds) {
		ck, err := checkpoint.Load(d)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: seed %d, epoch %d, trained in a batch of %d\n", filepath.Base(d), ck.Config.Seed, ck.Epoch, ck.Meta.SeedBatch)
	}
	// Output:
	// seed0: seed 0, epoch 20, trained in a batch of 3
	// seed1: seed 1, epoch 20, trained in a batch of 3
	// seed2: seed 2, epoch 20, trained in a batch of 3
}
