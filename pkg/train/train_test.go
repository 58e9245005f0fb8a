package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/metrics"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/zp"
)

func tiny(t *testing.T, set string) config.Config {
	t.Helper()
	c := config.Default()
	if err := c.Set("p=11;d_model=16;n_heads=2;d_head=8;d_mlp=32;eval_every=5;checkpoint_every=10;" + set); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func sameTensors(t *testing.T, what string, a, b checkpoint.Tensors) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d vs %d tensors", what, len(a), len(b))
	}
	for i := range a {
		for j := range a[i].Data {
			if a[i].Data[j] != b[i].Data[j] {
				t.Fatalf("%s: %s[%d] = %v vs %v", what, a[i].Name, j, a[i].Data[j], b[i].Data[j])
			}
		}
	}
}

// TestResumeIsExact trains 20 epochs in one go, in two runs of 10, and with
// an interruption at epoch 5: all three must give the same weights, moments
// and metrics, bit for bit.
func TestResumeIsExact(t *testing.T) {
	for _, preset := range []string{"pizza", "clock"} {
		cfg := tiny(t, "")
		cfg.Preset = preset
		if preset == "clock" {
			cfg.Alpha = 0
		}
		cfg.Epochs = 20
		straight, err := Train(cfg, Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		half := cfg
		half.Epochs = 10
		if _, err := Train(half, Options{Dir: dir}); err != nil {
			t.Fatal(err)
		}
		resumed, err := Train(cfg, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		idir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		_, err = Train(cfg, Options{Dir: idir, Context: ctx, OnMetrics: func(m checkpoint.Metrics, _ checkpoint.Tensors) {
			if m.Epoch == 5 {
				cancel()
			}
		}})
		if err != context.Canceled {
			t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
		}
		if ck, err := checkpoint.Load(idir); err != nil || ck.Epoch != 5 {
			t.Fatalf("interrupted run saved epoch %v (err %v), want 5", ck.Epoch, err)
		}
		interrupted, err := Train(cfg, Options{Dir: idir})
		if err != nil {
			t.Fatal(err)
		}
		for _, other := range []*checkpoint.Checkpoint{resumed, interrupted} {
			sameTensors(t, preset+" params", straight.Params, other.Params)
			sameTensors(t, preset+" adam m", straight.AdamM, other.AdamM)
			sameTensors(t, preset+" adam v", straight.AdamV, other.AdamV)
			if len(other.History) != len(straight.History) {
				t.Fatalf("history lengths %d vs %d", len(other.History), len(straight.History))
			}
			for i, m := range straight.History {
				o := other.History[i]
				m.Seconds, o.Seconds = 0, 0
				if m != o {
					t.Fatalf("metrics at %d differ: %+v vs %+v", m.Epoch, m, o)
				}
			}
		}
		if straight.Epoch != 20 || straight.History[len(straight.History)-1].Epoch != 20 {
			t.Fatalf("ended at epoch %d", straight.Epoch)
		}
	}
}

func TestResumeRejectsOtherConfig(t *testing.T) {
	cfg := tiny(t, "")
	cfg.Epochs = 2
	dir := t.TempDir()
	if _, err := Train(cfg, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	cfg.DMLP = 48
	_, err := Train(cfg, Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "d_mlp") {
		t.Fatalf("err = %v, want a config mismatch naming d_mlp", err)
	}
	cfg.DMLP = 32
	cfg.Epochs = 4
	if _, err := Train(cfg, Options{Dir: dir, WeightsOnly: true}); err != nil {
		t.Fatal(err)
	}
	// A finished run given -weights-only again, or for the first time,
	// drops its optimiser state and keeps its weights.
	other := t.TempDir()
	full, err := Train(cfg, Options{Dir: other})
	if err != nil || full.WeightsOnly() {
		t.Fatalf("err %v, weights only %v: want the optimiser state kept", err, full != nil && full.WeightsOnly())
	}
	cfgBefore, err := os.ReadFile(filepath.Join(other, checkpoint.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	asked := cfg // fewer epochs and other intervals: the stored config stays
	asked.Epochs, asked.EvalEvery, asked.CheckpointEvery = 3, 1, 1
	if _, err := Train(asked, Options{Dir: other, WeightsOnly: true}); err != nil {
		t.Fatal(err)
	}
	slim, err := checkpoint.Load(other)
	if err != nil || !slim.WeightsOnly() || slim.Epoch != 4 || slim.Meta.Command != full.Meta.Command {
		t.Fatalf("after -weights-only on a finished run: err %v, %+v", err, slim)
	}
	if cfgAfter, _ := os.ReadFile(filepath.Join(other, checkpoint.ConfigFile)); string(cfgAfter) != string(cfgBefore) {
		t.Errorf("config.json changed when the optimiser state was dropped:\n%s\nwas\n%s", cfgAfter, cfgBefore)
	}
	for j, w := range full.Params {
		if !slices.Equal(w.Data, slim.Params[j].Data) {
			t.Fatalf("%s changed when the optimiser state was dropped", w.Name)
		}
	}
	cfg.Epochs = 6
	if _, err := Train(cfg, Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "weights-only") {
		t.Fatalf("resuming a weights-only model: err = %v", err)
	}
}

// TestAdamWFirstSteps checks the optimiser against AdamW written out by hand
// (PyTorch's update rule) for three steps in float64, using gradients of
// the plain forward pass: at step t,
//
//	m ← β1 m + (1−β1) g,  v ← β2 v + (1−β2) g²
//	θ ← θ(1 − lr_t·wd) − lr_t/(1−β1^t) · m / (√v/√(1−β2^t) + ε)
//
// with lr_t = LR·min(t−1, W)/W. Tolerance 1e-12 relative.
func TestAdamWFirstSteps(t *testing.T) {
	cfg := tiny(t, "dtype=float64;warmup=2;lr=0.01;weight_decay=0.5")
	be, err := model.Backend()
	if err != nil {
		t.Fatal(err)
	}
	split, _ := metrics.SplitOf(cfg)
	d := zp.Select(cfg.P, split.Train)
	theta := model.Init(cfg)
	var m, v checkpoint.Tensors
	for _, p := range theta {
		m, v = append(m, checkpoint.Tensor{Data: make([]float64, len(p.Data))}), append(v, checkpoint.Tensor{Data: make([]float64, len(p.Data))})
	}
	params := cfg.Params()
	for step := 1; step <= 3; step++ {
		// Gradient of the plain network's loss at theta.
		var in []any
		in = append(in, tensors.FromValue(d.A), tensors.FromValue(d.B), tensors.FromValue(d.Label))
		for _, p := range theta {
			in = append(in, model.ToTensor(p, model.DType("float64")))
		}
		gs := MustExecOnceN(be, func(x []*Node) []*Node {
			w := model.Params{}
			for i, p := range params {
				w[p.Name] = x[3+i]
			}
			return Gradient(model.CrossEntropy(model.Activations(cfg, w, x[0], x[1])[model.LogitsName], x[2]), x[3:]...)
		}, in...)
		lr := cfg.LR * math.Min(float64(step-1)/float64(cfg.Warmup), 1)
		bc1, bc2 := 1-math.Pow(cfg.Beta1, float64(step)), 1-math.Pow(cfg.Beta2, float64(step))
		for i, p := range params {
			if !p.Trainable {
				continue
			}
			g := tensors.MustCopyFlatData[float64](gs[i])
			for j := range g {
				m[i].Data[j] = cfg.Beta1*m[i].Data[j] + (1-cfg.Beta1)*g[j]
				v[i].Data[j] = cfg.Beta2*v[i].Data[j] + (1-cfg.Beta2)*g[j]*g[j]
				theta[i].Data[j] = theta[i].Data[j]*(1-lr*cfg.WeightDecay) - lr/bc1*m[i].Data[j]/(math.Sqrt(v[i].Data[j])/math.Sqrt(bc2)+cfg.Eps)
			}
		}
		c := cfg
		c.Epochs = step
		ck, err := Train(c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range params {
			for j, want := range theta[i].Data {
				if got := ck.Params[i].Data[j]; math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
					t.Fatalf("step %d: %s[%d] = %v, hand-written AdamW gives %v", step, p.Name, j, got, want)
				}
			}
		}
	}
}

// TestLearns trains a small pizza model: it must fit its training set and
// generalise, which fails if the gradients, the optimiser or the data
// pipeline are wrong.
func TestLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	cfg := tiny(t, "p=13;d_model=32;d_mlp=64;lr=0.003;weight_decay=1;eval_every=50;checkpoint_every=1000")
	cfg.Epochs = 1500
	ck, err := Train(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first, last := ck.History[0], ck.History[len(ck.History)-1]
	t.Logf("epoch 0: %+v\nepoch %d: %+v", first, last.Epoch, last)
	if last.TrainAcc < 0.99 || last.TrainLoss > first.TrainLoss/10 {
		t.Fatalf("did not learn: %+v", last)
	}
	if last.HeldoutAcc < 0.9 {
		t.Fatalf("did not generalise: held-out accuracy %v", last.HeldoutAcc)
	}
}

// TestDirectorySafety: training never replaces weights that do not belong
// to the run (a state.gz whose config.json is missing), a second writer of
// one directory is refused while the first holds it, and an unwritable
// directory is found before any training work.
func TestDirectorySafety(t *testing.T) {
	cfg := tiny(t, "")
	cfg.Epochs = 2
	dir := t.TempDir()
	if _, err := Train(cfg, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, checkpoint.ConfigFile))
	before, _ := os.ReadFile(filepath.Join(dir, checkpoint.StateFile))
	_, err := Train(cfg, Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "no config.json") {
		t.Fatalf("training over a config-less state: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, checkpoint.StateFile)); string(after) != string(before) {
		t.Fatal("the stray state.gz was overwritten")
	}

	held := t.TempDir()
	unlock, err := checkpoint.Lock(held)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(cfg, Options{Dir: held}); !errors.Is(err, checkpoint.ErrLocked) {
		t.Fatalf("second writer: %v, want ErrLocked", err)
	}
	if _, err := TrainSeeds(cfg, []uint64{0, 1}, Options{Dirs: []string{t.TempDir(), held}}); !errors.Is(err, checkpoint.ErrLocked) {
		t.Fatalf("second writer (seeds): %v, want ErrLocked", err)
	}
	unlock()
	if _, err := Train(cfg, Options{Dir: held}); err != nil {
		t.Fatalf("after unlock: %v", err)
	}

	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := Train(cfg, Options{Dir: filepath.Join(file, "m")}); err == nil || !strings.Contains(err.Error(), "cannot create") {
		t.Fatalf("unwritable directory: %v", err)
	}
}

// TestMemoryEstimate checks the estimate against the measured peaks it is
// calibrated on (within 25%) and that a run far beyond any machine is
// refused before allocating.
func TestMemoryEstimate(t *testing.T) {
	cfg := config.Default()
	for _, c := range []struct {
		S        int
		measured float64
	}{{1, 139e6}, {152, 10.8e9}} {
		if e := MemoryEstimate(cfg, c.S); math.Abs(e/c.measured-1) > 0.25 {
			t.Errorf("S = %d: estimate %.3g, measured %.3g", c.S, e, c.measured)
		}
	}
	if _, ok := availableMemory(); !ok {
		t.Skip("available memory unknown on this system")
	}
	big := cfg
	big.P = 5000
	if _, err := Train(big, Options{}); err == nil || !strings.Contains(err.Error(), "GB of memory is available") {
		t.Fatalf("p = 5000: %v", err)
	}
}
