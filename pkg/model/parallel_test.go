package model_test

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/train"
)

func TestSafeConfig(t *testing.T) {
	for in, want := range map[string]string{
		"go":                                model.DefaultBackend,
		"go:":                               model.DefaultBackend,
		"go:ops_sequential":                 "go:ops_sequential",
		"go:ops_sequential,parallelism=4":   "go:ops_sequential,parallelism=4",
		"go:ops_parallel":                   "go:ops_parallel,parallelism=-1",
		"go:ops_parallel,parallelism=2":     "go:ops_parallel,parallelism=-1",
		"go:parallelism=8,dotgeneral_large": "go:dotgeneral_large,parallelism=-1",
		"go:dotgeneral_large":               "go:dotgeneral_large,parallelism=-1",
		"go:ops_parallel,parallelism=0":     "go:ops_parallel,parallelism=0",
		"go:ops_parallel,parallelism=-1":    "go:ops_parallel,parallelism=-1",
		"xla:/some/plugin.so":               "xla:/some/plugin.so",
	} {
		if got := model.SafeConfig(in); got != want {
			t.Errorf("SafeConfig(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNewBackendQuiet: simplego prints "parallelism set to -1" when created;
// NewBackend keeps it off standard output (commands write JSON there).
func TestNewBackendQuiet(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	be, err := model.NewBackend(model.ParallelBackend)
	os.Stdout = saved
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	buf := make([]byte, 256)
	if n, _ := r.Read(buf); n > 0 {
		t.Errorf("NewBackend wrote %q to standard output", buf[:n])
	}
	if os.Stdout != saved {
		t.Error("os.Stdout not restored")
	}
}

// stepBoth trains two copies of cfg's initial state, one per backend, for
// steps steps and demands the same losses, weights, AdamW moments and
// logits, bit for bit.
func stepBoth(t *testing.T, cfg config.Config, seeds []uint64, steps int, a, b backends.Backend) {
	t.Helper()
	newTrainer := func(be backends.Backend) *train.Trainer {
		var cks []*checkpoint.Checkpoint
		for _, s := range seeds {
			c := cfg
			c.Seed = s
			ck, err := train.Begin(c, "")
			if err != nil {
				t.Fatal(err)
			}
			cks = append(cks, ck)
		}
		var tr *train.Trainer
		var err error
		if len(seeds) == 1 {
			tr, err = train.NewTrainer(cks[0], be)
		} else {
			tr, err = train.NewSeedTrainer(cks, be)
		}
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	ta, tb := newTrainer(a), newTrainer(b)
	defer ta.Close()
	defer tb.Close()
	for e := 0; e < steps; e++ {
		if _, err := ta.Step(); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.Step(); err != nil {
			t.Fatal(err)
		}
		for s := range ta.Losses() {
			if x, y := ta.Losses()[s], tb.Losses()[s]; math.Float64bits(x) != math.Float64bits(y) {
				t.Fatalf("step %d model %d: loss %v (sequential) vs %v (parallel)", e, s, x, y)
			}
		}
	}
	la, err := ta.Logits()
	if err != nil {
		t.Fatal(err)
	}
	lb, err := tb.Logits()
	if err != nil {
		t.Fatal(err)
	}
	for s := range la {
		bitsEqual(t, fmt.Sprintf("logits of model %d", s), la[s], lb[s])
	}
	ca, cb := ta.Checkpoints(), tb.Checkpoints()
	for s := range ca {
		for what, pair := range map[string][2]checkpoint.Tensors{
			"weights": {ca[s].Params, cb[s].Params}, "AdamW m": {ca[s].AdamM, cb[s].AdamM}, "AdamW v": {ca[s].AdamV, cb[s].AdamV},
		} {
			for k := range pair[0] {
				bitsEqual(t, fmt.Sprintf("model %d %s %s", s, what, pair[0][k].Name), pair[0][k].Data, pair[1][k].Data)
			}
		}
	}
}

func bitsEqual(t *testing.T, what string, x, y []float64) {
	t.Helper()
	if len(x) != len(y) {
		t.Fatalf("%s: lengths %d and %d", what, len(x), len(y))
	}
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			t.Fatalf("%s: element %d is %v (sequential) vs %v (parallel)", what, i, x[i], y[i])
		}
	}
}

// TestParallelIsExact: the parallel pure-Go backend (model.ParallelBackend)
// trains bit for bit like the sequential one, for the default model and for
// the variants that use other operations (softmax attention with gathers,
// float64, GELU's Erf, a seed batch with batched products).
func TestParallelIsExact(t *testing.T) {
	seq, err := model.NewBackend(model.SequentialBackend)
	if err != nil {
		t.Fatal(err)
	}
	par, err := model.NewBackend(model.ParallelBackend)
	if err != nil {
		t.Fatal(err)
	}
	steps := 5
	if testing.Short() {
		steps = 2
	}
	for _, v := range []struct {
		name, set string
		seeds     []uint64
	}{
		{"default p=59", "", []uint64{0}},
		{"clock", "p=23;d_mlp=128;alpha=0", []uint64{1}},
		{"float64 gelu alpha=0.5", "p=23;d_mlp=128;dtype=float64;act=gelu;alpha=0.5", []uint64{2}},
		{"seed batch", "p=23;d_mlp=128", []uint64{0, 3, 4}},
	} {
		t.Run(v.name, func(t *testing.T) {
			cfg := config.Default()
			if err := cfg.Set(v.set); err != nil {
				t.Fatal(err)
			}
			// Past the warm-up, so that the learning rate is not 0.
			cfg.Warmup = 1
			stepBoth(t, cfg, v.seeds, steps, seq, par)
		})
	}
}

// TestParallelNoDeadlock runs many steps of small models on the parallel
// backend, where a bounded worker pool deadlocks (see ParallelBackend),
// under a watchdog. MODADD_STRESS_STEPS sets the number of steps (default
// 300 per model).
func TestParallelNoDeadlock(t *testing.T) {
	steps := 300
	if s := os.Getenv("MODADD_STRESS_STEPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("MODADD_STRESS_STEPS=%q", s)
		}
		steps = n
	} else if testing.Short() {
		steps = 30
	}
	be, err := model.NewBackend(model.ParallelBackend)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			for _, set := range []string{"", "alpha=0", "act=gelu;alpha=0.5;dtype=float64"} {
				cfg := config.Default()
				if err := cfg.Set("p=11;d_model=16;n_heads=2;d_head=8;d_mlp=32;" + set); err != nil {
					return err
				}
				ck, err := train.Begin(cfg, "")
				if err != nil {
					return err
				}
				tr, err := train.NewTrainer(ck, be)
				if err != nil {
					return err
				}
				for e := 0; e < steps; e++ {
					if _, err := tr.Step(); err != nil {
						tr.Close()
						return err
					}
					if e%50 == 0 {
						if _, err := tr.Logits(); err != nil {
							tr.Close()
							return err
						}
					}
				}
				tr.Close()
			}
			return nil
		}()
	}()
	limit := 5 * time.Minute
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(limit):
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("no progress after %v: deadlocked? goroutines:\n%s", limit, buf[:n])
	}
}
