package train

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
)

// maxRelDiff is max |a−b| / max |b| over every tensor of a list.
func maxRelDiff(a, b checkpoint.Tensors) float64 {
	worst := 0.0
	for i := range b {
		scale := 1e-300
		for _, v := range b[i].Data {
			scale = math.Max(scale, math.Abs(v))
		}
		for j, v := range b[i].Data {
			worst = math.Max(worst, math.Abs(a[i].Data[j]-v)/scale)
		}
	}
	return worst
}

// TestSeedsMatchAlone trains three seeds in one graph and each seed alone:
// every model must follow its own trajectory (same init rule, same data
// split), the weights agreeing to a relative tolerance of 1e-9 in float64
// and 1e-4 in float32 after 30 AdamW steps (a backend may sum batched
// products in another order), and the metrics' accuracies exactly. On the
// pure-Go backend the two agree bit for bit, and the test demands it.
// The batch is saved as three ordinary model directories.
func TestSeedsMatchAlone(t *testing.T) {
	seeds := []uint64{0, 1, 5}
	for _, v := range []struct {
		set string
		tol float64
	}{
		{"dtype=float64", 1e-9},
		{"dtype=float64;alpha=0", 1e-9},
		{"dtype=float64;alpha=0.5;act=gelu", 1e-9},
		{"", 1e-4},
	} {
		cfg := tiny(t, v.set)
		cfg.Epochs = 30
		tol := v.tol
		if strings.HasPrefix(model.BackendConfig(), "go") {
			tol = 0 // simplego's batched products sum each model in the same order as alone (measured)
		}
		dir := t.TempDir()
		cks, err := TrainSeeds(cfg, seeds, Options{Dirs: SeedDirs(dir, seeds)})
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			c := cfg
			c.Seed = s
			alone, err := Train(c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			saved, err := checkpoint.Load(SeedDirs(dir, seeds)[i])
			if err != nil {
				t.Fatal(err)
			}
			if saved.Config.Seed != s || saved.Epoch != 30 || saved.Meta.SeedBatch != len(seeds) || saved.WeightsOnly() {
				t.Fatalf("%q seed %d: saved seed %d epoch %d batch %d", v.set, s, saved.Config.Seed, saved.Epoch, saved.Meta.SeedBatch)
			}
			sameTensors(t, "saved vs returned", saved.Params, cks[i].Params)
			for what, pair := range map[string][2]checkpoint.Tensors{
				"params": {cks[i].Params, alone.Params}, "adam m": {cks[i].AdamM, alone.AdamM}, "adam v": {cks[i].AdamV, alone.AdamV},
			} {
				if d := maxRelDiff(pair[0], pair[1]); d > tol {
					t.Errorf("%q seed %d: %s differ from training alone by %.3g relative (tolerance %g)", v.set, s, what, d, v.tol)
				}
			}
			if len(cks[i].History) != len(alone.History) {
				t.Fatalf("history lengths %d vs %d", len(cks[i].History), len(alone.History))
			}
			for k, m := range alone.History {
				o := cks[i].History[k]
				if m.Epoch != o.Epoch || m.TrainAcc != o.TrainAcc || m.HeldoutAcc != o.HeldoutAcc || math.Abs(m.Loss-o.Loss) > 1e3*tol*m.Loss {
					t.Errorf("%q seed %d: metrics at epoch %d: batch %+v, alone %+v", v.set, s, m.Epoch, o, m)
				}
			}
		}
		// Different seeds must give different models (the seed axis is not
		// one model copied S times).
		if maxRelDiff(cks[0].Params, cks[1].Params) < 0.1 {
			t.Fatalf("%q: seeds 0 and 1 trained to nearly the same weights", v.set)
		}
		if v.set != "" {
			continue
		}
		// The finished batch given WeightsOnly drops its optimiser state.
		if _, err := TrainSeeds(cfg, seeds, Options{Dirs: SeedDirs(dir, seeds), WeightsOnly: true}); err != nil {
			t.Fatal(err)
		}
		for i, d := range SeedDirs(dir, seeds) {
			slim, err := checkpoint.Load(d)
			if err != nil || !slim.WeightsOnly() || slim.Epoch != 30 {
				t.Fatalf("seed %d after WeightsOnly: err %v, weights only %v", seeds[i], err, err == nil && slim.WeightsOnly())
			}
			sameTensors(t, "weights-only vs trained", slim.Params, cks[i].Params)
		}
	}
}

// TestSeedsResume: a batch trained in two halves, or interrupted and
// resumed, equals the batch trained straight (bit for bit); models left at
// different epochs are trained in groups and all finish.
func TestSeedsResume(t *testing.T) {
	cfg := tiny(t, "")
	cfg.Epochs = 20
	seeds := []uint64{2, 3}
	straight, err := TrainSeeds(cfg, seeds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	half := cfg
	half.Epochs = 10
	if _, err := TrainSeeds(half, seeds, Options{Dirs: SeedDirs(dir, seeds)}); err != nil {
		t.Fatal(err)
	}
	resumed, err := TrainSeeds(cfg, seeds, Options{Dirs: SeedDirs(dir, seeds)})
	if err != nil {
		t.Fatal(err)
	}
	idir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, err = TrainSeeds(cfg, seeds, Options{Dirs: SeedDirs(idir, seeds), Context: ctx, OnMetrics: func(m checkpoint.Metrics, _ checkpoint.Tensors) {
		if m.Epoch == 5 {
			cancel()
		}
	}})
	if err != context.Canceled {
		t.Fatalf("interrupted batch: err = %v, want context.Canceled", err)
	}
	for _, d := range SeedDirs(idir, seeds) {
		if ck, err := checkpoint.Load(d); err != nil || ck.Epoch != 5 {
			t.Fatalf("interrupted batch saved %s at epoch %v (err %v), want 5", d, ck.Epoch, err)
		}
	}
	interrupted, err := TrainSeeds(cfg, seeds, Options{Dirs: SeedDirs(idir, seeds)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range seeds {
		for _, other := range [][]*checkpoint.Checkpoint{resumed, interrupted} {
			sameTensors(t, "params", straight[i].Params, other[i].Params)
			sameTensors(t, "adam v", straight[i].AdamV, other[i].AdamV)
		}
	}
	// Seed 2 alone to epoch 10, then seeds 2 and 3 to 20: two groups.
	gdir := t.TempDir()
	if _, err := TrainSeeds(half, seeds[:1], Options{Dirs: SeedDirs(gdir, seeds[:1])}); err != nil {
		t.Fatal(err)
	}
	grouped, err := TrainSeeds(cfg, seeds, Options{Dirs: SeedDirs(gdir, seeds)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range seeds {
		if grouped[i].Epoch != 20 {
			t.Fatalf("seed %d ended at epoch %d", seeds[i], grouped[i].Epoch)
		}
		if d := maxRelDiff(grouped[i].Params, straight[i].Params); d > 1e-4 {
			t.Fatalf("seed %d trained in groups differs from the straight batch by %.3g", seeds[i], d)
		}
	}
}

func TestSeedsErrors(t *testing.T) {
	cfg := tiny(t, "")
	cfg.Epochs = 2
	for _, c := range []struct {
		seeds []uint64
		opts  Options
		want  string
	}{
		{nil, Options{}, "at least one seed"},
		{[]uint64{1, 1}, Options{}, "twice"},
		{[]uint64{1, 2}, Options{Dirs: []string{t.TempDir()}}, "1 directories for 2 seeds"},
		{[]uint64{1, 2}, Options{Dirs: []string{"x/m", "x/./m"}}, "given to two seeds"},
		{[]uint64{1, 2}, Options{Dir: "x"}, "give them in Options.Dirs"},
	} {
		if _, err := TrainSeeds(cfg, c.seeds, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("seeds %v: err = %v, want %q", c.seeds, err, c.want)
		}
	}
	a, _ := Begin(cfg, "")
	other := cfg
	other.Seed, other.DMLP = 1, 48
	b, _ := Begin(other, "")
	if _, err := NewSeedTrainer([]*checkpoint.Checkpoint{a, b}, nil); err == nil || !strings.Contains(err.Error(), "d_mlp") {
		t.Errorf("models with different widths: err = %v", err)
	}
	b, _ = Begin(config.Config(cfg), "")
	b.Epoch = 3
	if _, err := NewSeedTrainer([]*checkpoint.Checkpoint{a, b}, nil); err == nil || !strings.Contains(err.Error(), "same epoch") {
		t.Errorf("models at different epochs: err = %v", err)
	}
}
