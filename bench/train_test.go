// Package bench holds the project's benchmarks. Run them with
//
//	go test -run XXX -bench . -benchtime 20x ./bench/
//
// and, for XLA, a binary built with -tags xla (see README.md here).
package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modadd/modadd/pkg/checkpoint"
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

// seedCounts are the batch sizes of BenchmarkTrainSeeds; MODADD_BENCH_SEEDS
// (e.g. "1,152") overrides them, for a GPU run.
func seedCounts(b *testing.B) []int {
	s := os.Getenv("MODADD_BENCH_SEEDS")
	if s == "" {
		return []int{1, 4, 16}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("MODADD_BENCH_SEEDS: %q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkTrainSeeds times one AdamW step of S default models trained
// together in one graph (train.NewSeedTrainer) and reports the training
// throughput in model-epochs per second (S steps of one model each per op).
func BenchmarkTrainSeeds(b *testing.B) {
	be, err := model.Backend()
	if err != nil {
		b.Fatal(err)
	}
	for _, S := range seedCounts(b) {
		b.Run(fmt.Sprintf("S=%d", S), func(b *testing.B) {
			var cks []*checkpoint.Checkpoint
			for s := 0; s < S; s++ {
				cfg := config.Default()
				cfg.Seed = uint64(s)
				ck, err := train.Begin(cfg, "")
				if err != nil {
					b.Fatal(err)
				}
				cks = append(cks, ck)
			}
			tr, err := train.NewSeedTrainer(cks, be)
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			if err := step(tr); err != nil { // compile outside the timed loop
				b.Fatal(err)
			}
			b.ResetTimer()
			t0 := time.Now()
			for i := 0; i < b.N; i++ {
				if err := step(tr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(S*b.N)/time.Since(t0).Seconds(), "model-epochs/s")
		})
	}
}
