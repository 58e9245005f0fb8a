// Package bench holds the project's benchmarks. Run them with
//
//	go test -run XXX -bench . -benchtime 20x ./bench/
//
// and, for XLA, a binary built with -tags xla (see README.md here).
package bench

import (
	"testing"

	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/dotgrad"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/train"
)

func trainer(b *testing.B, cfg config.Config) *train.Trainer {
	b.Helper()
	be, err := model.Backend()
	if err != nil {
		b.Fatal(err)
	}
	ck, err := train.Begin(cfg, "")
	if err != nil {
		b.Fatal(err)
	}
	tr, err := train.NewTrainer(ck, be)
	if err != nil {
		b.Fatal(err)
	}
	// Compile outside the timed loop.
	if _, err := tr.Step(); err != nil {
		b.Fatal(err)
	}
	if _, err := tr.Logits(); err != nil {
		b.Fatal(err)
	}
	return tr
}

var variants = []struct{ name, set string }{
	{"pizza", ""},
	{"clock", "alpha=0"},
	{"pizza-float64", "dtype=float64"},
}

// timeTrainer times op on a freshly compiled trainer of cfg.
func timeTrainer(b *testing.B, cfg config.Config, op func(*train.Trainer) error) {
	tr := trainer(b, cfg)
	defer tr.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := op(tr); err != nil {
			b.Fatal(err)
		}
	}
}

// overVariants runs timeTrainer for every variant of the default model.
func overVariants(b *testing.B, op func(*train.Trainer) error) {
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			cfg := config.Default()
			if err := cfg.Set(v.set); err != nil {
				b.Fatal(err)
			}
			timeTrainer(b, cfg, op)
		})
	}
}

func step(tr *train.Trainer) error { _, err := tr.Step(); return err }

// BenchmarkTrainStep times one full-batch AdamW step (forward, backward,
// update) of the default model on 2,784 training pairs.
func BenchmarkTrainStep(b *testing.B) { overVariants(b, step) }

// BenchmarkTrainStepStockGradient is BenchmarkTrainStep/pizza with GoMLX
// v0.26.0's own gradients of Dot and DotGeneral instead of pkg/dotgrad's.
func BenchmarkTrainStepStockGradient(b *testing.B) {
	dotgrad.Uninstall()
	defer dotgrad.Install()
	timeTrainer(b, config.Default(), step)
}

// BenchmarkForward times the logits of all 3,481 pairs (the folded forward
// pass used in training, in the training precision).
func BenchmarkForward(b *testing.B) {
	overVariants(b, func(tr *train.Trainer) error { _, err := tr.Logits(); return err })
}

// BenchmarkPlainForward times the plain (unfolded) float64 forward pass with
// every named activation, as analysis code runs it; it includes building
// and compiling the graph, which analysis pays once per model.
func BenchmarkPlainForward(b *testing.B) {
	cfg := config.Default()
	be, err := model.Backend()
	if err != nil {
		b.Fatal(err)
	}
	w := model.Init(cfg)
	for i := 0; i < b.N; i++ {
		if _, err := model.RunWithCache(be, cfg, w); err != nil {
			b.Fatal(err)
		}
	}
}
