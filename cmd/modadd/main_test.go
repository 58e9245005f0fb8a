package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modadd/modadd/pkg/checkpoint"
)

// capture runs f with stdout redirected and returns what it printed.
func capture(t *testing.T, f func() error) (string, error) {
	t.Helper()
	r, w, _ := os.Pipe()
	old := os.Stdout
	os.Stdout = w
	err := f()
	w.Close()
	os.Stdout = old
	var buf bytes.Buffer
	io.Copy(&buf, r)
	return buf.String(), err
}

const small = "d_model=16;n_heads=2;d_head=8;d_mlp=32;eval_every=5;checkpoint_every=5"

func TestTrainResumeEval(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	args := func(epochs string) []string {
		return []string{"-p", "11", "-seed", "1", "-epochs", epochs, "-set", small, "-out", dir, "-q"}
	}
	if _, err := capture(t, func() error { return runTrain(args("10")) }); err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.Load(dir)
	if err != nil || ck.Epoch != 10 {
		t.Fatalf("after 10 epochs: epoch %v err %v", ck, err)
	}
	if _, err := capture(t, func() error { return runTrain(args("20")) }); err != nil {
		t.Fatal(err)
	}
	ck, _ = checkpoint.Load(dir)
	if ck.Epoch != 20 || ck.History[len(ck.History)-1].Epoch != 20 || !strings.Contains(ck.Meta.Command, "-epochs 20") {
		t.Fatalf("resume did not reach epoch 20: %d, %q", ck.Epoch, ck.Meta.Command)
	}
	out, err := capture(t, func() error { return runEval([]string{"-model", dir, "-json"}) })
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("eval -json printed %q: %v", out, err)
	}
	for _, k := range []string{"p", "accuracy", "train_accuracy", "heldout_accuracy", "loss"} {
		if _, ok := r[k]; !ok {
			t.Errorf("eval -json lacks %q", k)
		}
	}
	// eval recomputes what training recorded at the last epoch.
	last := ck.History[len(ck.History)-1]
	if r["accuracy"].(float64) != last.Acc || r["train_accuracy"].(float64) != last.TrainAcc || r["p"].(float64) != 11 {
		t.Fatalf("eval %v disagrees with the training record %+v", r, last)
	}
	if out, err := capture(t, func() error { return runInfo([]string{"-model", dir}) }); err != nil || !strings.Contains(out, "epochs trained: 20") {
		t.Fatalf("info: %q %v", out, err)
	}
	// A different config for the same directory is refused with a clear message.
	bad := append(args("30"), "-config", "clock")
	if _, err := capture(t, func() error { return runTrain(bad) }); err == nil || !strings.Contains(err.Error(), "alpha") {
		t.Fatalf("mismatched config: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"p=1", func() error { return runTrain([]string{"-p", "1", "-out", dir}) }, "p must be an integer >= 2"},
		{"p<0", func() error { return runTrain([]string{"-p", "-7", "-out", dir}) }, "p must be"},
		{"no out", func() error { return runTrain([]string{"-epochs", "1"}) }, "-out"},
		{"bad preset", func() error { return runTrain([]string{"-config", "pie", "-out", dir}) }, "unknown preset"},
		{"bad set", func() error { return runTrain([]string{"-set", "width=3", "-out", dir}) }, "unknown key"},
		{"missing model", func() error { return runEval([]string{"-model", filepath.Join(dir, "none")}) }, "does not exist"},
		{"not a model", func() error { return runEval([]string{"-model", dir}) }, "not a model directory"},
		// A stray word ends Go's flag parsing: every command refuses it.
		{"stray train arg", func() error { return runTrain([]string{"-out", dir, "typo", "-p", "13"}) }, `unexpected argument "typo"`},
		{"stray eval arg", func() error { return runEval([]string{"-model", dir, "x"}) }, `unexpected argument "x"`},
		{"stray sweep arg", func() error { return runSweep([]string{"-out", dir, "x"}) }, `unexpected argument "x"`},
		{"stray prove arg", func() error { return runProve([]string{"-model", dir, "x"}) }, `unexpected argument "x"`},
		{"stray figures arg", func() error { return runFigures([]string{"-model", dir, "x"}) }, `unexpected argument "x"`},
		{"stray import arg", func() error { return runImport([]string{"-from", "f.npz", "x"}) }, `unexpected argument "x"`},
		{"stray export arg", func() error { return runExport([]string{"-model", dir, "x"}) }, `unexpected argument "x"`},
		{"epochs 0", func() error { return runTrain([]string{"-epochs", "0", "-out", dir}) }, "-epochs 0: give a number of epochs >= 1"},
		{"epochs -5", func() error { return runTrain([]string{"-epochs", "-5", "-out", dir}) }, ">= 1"},
		{"seed -2", func() error { return runTrain([]string{"-seed", "-2", "-out", dir}) }, "is negative"},
		{"seed too big", func() error { return runTrain([]string{"-seed", "18446744073709551616", "-out", dir}) }, "larger than the largest seed"},
		{"seeds repeated", func() error { return runTrain([]string{"-seeds", "1,2,1", "-out", dir}) }, "listed twice"},
		{"seeds too many", func() error { return runTrain([]string{"-seeds", "0-200000", "-out", dir}) }, "more than 100000"},
		{"seeds too much memory", func() error { return runTrain([]string{"-seeds", "0-99999", "-out", dir}) }, "GB of memory is available"},
		{"p too large", func() error { return runTrain([]string{"-p", "3000", "-out", dir}) }, "GB of memory is available"},
		{"preset by -set", func() error { return runTrain([]string{"-set", "preset=clock", "-out", dir}) }, "-config clock"},
		{"eps 0", func() error { return runTrain([]string{"-set", "eps=0", "-out", dir}) }, "eps = 0"},
		{"sweep p twice", func() error { return runSweep([]string{"-p", "13,13", "-out", dir}) }, "13 is listed twice"},
		{"sweep alpha twice", func() error { return runSweep([]string{"-alpha", "1,1", "-out", dir}) }, "listed twice"},
	}
	for _, c := range cases {
		_, err := capture(t, c.run)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// A corrupted state file: an error naming the file, not a panic.
	m := filepath.Join(dir, "m")
	if _, err := capture(t, func() error {
		return runTrain([]string{"-p", "7", "-epochs", "2", "-set", small, "-out", m, "-q"})
	}); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(m, checkpoint.StateFile)
	b, _ := os.ReadFile(state)
	os.WriteFile(state, b[:len(b)-20], 0o644)
	_, err := capture(t, func() error { return runEval([]string{"-model", m}) })
	if err == nil || !strings.Contains(err.Error(), state) || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupted checkpoint: %v", err)
	}
}

func TestAnalyzeJSON(t *testing.T) {
	dir := filepath.Join("..", "..", "models", "p59-pizza-seed0")
	if !checkpoint.Exists(dir) {
		t.Skip("no shipped model")
	}
	out, err := capture(t, func() error { return runAnalyze([]string{"-model", dir, "-json"}) })
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"gradient_symmetricity", "distance_irrelevance", "circularity", "phase_doubling_error", "ideal_logit_fve"} {
		v, ok := r[k].(float64)
		if !ok || math.IsNaN(v) {
			t.Errorf("analyze -json: %q is %v", k, r[k])
		}
	}
	cl, ok := r["clusters"].([]any)
	if !ok || len(cl) == 0 {
		t.Fatalf("no clusters: %v", r["clusters"])
	}
	c0 := cl[0].(map[string]any)
	for _, k := range []string{"frequency", "neurons", "fve"} {
		if _, ok := c0[k]; !ok {
			t.Errorf("cluster lacks %q: %v", k, c0)
		}
	}
}

func TestIntegrateJSON(t *testing.T) {
	dir := filepath.Join("..", "..", "models", "p59-pizza-seed0")
	if !checkpoint.Exists(dir) {
		t.Skip("no shipped model")
	}
	out, err := capture(t, func() error { return runIntegrate([]string{"-model", dir, "-json"}) })
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Clusters []map[string]any `json:"clusters"`
		Overall  *float64         `json:"mlp_vs_integral_relative_error"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Overall == nil || math.IsNaN(*r.Overall) || len(r.Clusters) == 0 {
		t.Fatalf("integrate -json: %s", out)
	}
	for _, c := range r.Clusters {
		for _, k := range []string{"frequency", "neurons", "quadrature_error", "equispaced_error", "random_error"} {
			if v, ok := c[k].(float64); !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("cluster field %q = %v", k, c[k])
			}
		}
	}
}

func TestFiguresCommand(t *testing.T) {
	dir := filepath.Join("..", "..", "models", "p59-pizza-seed0")
	if !checkpoint.Exists(dir) {
		t.Skip("no shipped model")
	}
	out := t.TempDir()
	printed, err := capture(t, func() error { return runFigures([]string{"-model", dir, "-out", out}) })
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.svg"))
	if len(files) < 8 || strings.Count(printed, "\n") != len(files) {
		t.Fatalf("%d figures written, printed:\n%s", len(files), printed)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if !strings.Contains(string(b), "<svg") {
			t.Errorf("%s is not an SVG", f)
		}
	}
}

func TestProveJSON(t *testing.T) {
	dir := filepath.Join("..", "..", "models", "p59-pizza-seed0")
	if !checkpoint.Exists(dir) {
		t.Skip("no shipped model")
	}
	out, err := capture(t, func() error { return runProve([]string{"-model", dir, "-json"}) })
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"brute_force_flops", "brute_force_seconds"} {
		if v, ok := r[k].(float64); !ok || !(v > 0) {
			t.Errorf("%s = %v", k, r[k])
		}
	}
	ss, _ := r["strategies"].([]any)
	if len(ss) < 3 {
		t.Fatalf("%d strategies", len(ss))
	}
	for _, s := range ss {
		c := s.(map[string]any)
		for _, k := range []string{"name", "bound", "actual_max_error", "sound", "certified_accuracy", "true_accuracy", "flops", "seconds", "error_budget"} {
			if _, ok := c[k]; !ok {
				t.Errorf("strategy %v lacks %q", c["name"], k)
			}
		}
		if c["sound"] != true {
			t.Errorf("strategy %v not sound", c["name"])
		}
	}
	if _, err := capture(t, func() error { return runProve([]string{"-model", dir, "-strategy", "magic"}) }); err == nil {
		t.Error("unknown strategy accepted")
	}
	// Several strategies, one run: each once, in the order given.
	out, err = capture(t, func() error {
		return runProve([]string{"-model", dir, "-json", "-strategy", "arc-signed without chords, linear"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var two struct{ Strategies []struct{ Name string } }
	if err := json.Unmarshal([]byte(out), &two); err != nil || len(two.Strategies) != 2 ||
		two.Strategies[0].Name != "arc-signed without chords" || two.Strategies[1].Name != "linear" {
		t.Errorf("two strategies: %+v, %v", two, err)
	}
	for _, bad := range []string{"linear,linear", "linear,", "linear,magic"} {
		if _, err := capture(t, func() error { return runProve([]string{"-model", dir, "-strategy", bad}) }); err == nil {
			t.Errorf("-strategy %q accepted", bad)
		}
	}
}

func TestImportExport(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m")
	if _, err := capture(t, func() error {
		return runTrain([]string{"-p", "7", "-epochs", "3", "-set", small, "-out", m, "-q"})
	}); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".npz", ".safetensors"} {
		file := filepath.Join(dir, "w"+ext)
		if _, err := capture(t, func() error { return runExport([]string{"-model", m, "-to", file}) }); err != nil {
			t.Fatal(err)
		}
		back := filepath.Join(dir, "back"+ext)
		if _, err := capture(t, func() error { return runImport([]string{"-from", file, "-out", back}) }); err != nil {
			t.Fatal(err)
		}
		a, _ := capture(t, func() error { return runEval([]string{"-model", m, "-json"}) })
		b, _ := capture(t, func() error { return runEval([]string{"-model", back, "-json"}) })
		var ra, rb map[string]any
		json.Unmarshal([]byte(a), &ra)
		json.Unmarshal([]byte(b), &rb)
		if ra["loss"] != rb["loss"] || ra["accuracy"] != rb["accuracy"] {
			t.Fatalf("%s: eval before %v, after import %v", ext, ra, rb)
		}
		if _, err := capture(t, func() error { return runImport([]string{"-from", file, "-out", back}) }); err == nil {
			t.Fatal("import over an existing model was accepted")
		}
	}
	np := filepath.Join("..", "..", "pkg", "interop", "testdata", "short-names.npz")
	if _, err := capture(t, func() error { return runImport([]string{"-from", np, "-p", "5", "-out", filepath.Join(dir, "np")}) }); err != nil {
		t.Fatal(err)
	}
	if _, err := capture(t, func() error { return runEval([]string{"-model", filepath.Join(dir, "np")}) }); err != nil {
		t.Fatal(err)
	}
}

func TestSweepCommand(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-out", dir, "-p", "7", "-set", "d_model=8;n_heads=2;d_head=4;d_mlp=12;eval_every=10", "-epochs", "20", "-seeds", "0-1", "-q"}
	for _, sh := range []string{"0/2", "1/2"} {
		if _, err := capture(t, func() error { return runSweep(append(args, "-shard", sh)) }); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "all")
	if _, err := capture(t, func() error {
		return runMerge([]string{"-out", out, filepath.Join(dir, "results-0-of-2.json"), filepath.Join(dir, "results-1-of-2.json")})
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out + ".csv")
	if err != nil || strings.Count(string(b), "\n") != 3 {
		t.Fatalf("merged csv: %q %v", b, err)
	}
	if _, err := os.Stat(out + "-gs-di.svg"); err != nil {
		t.Fatal(err)
	}
	if v, err := parseInts("0-2,5"); err != nil || len(v) != 4 || v[3] != 5 {
		t.Fatalf("parseInts: %v %v", v, err)
	}
	bdir := t.TempDir()
	if _, err := capture(t, func() error { return runSweep(append(args, "-batch", "2", "-out", bdir)) }); err != nil {
		t.Fatal(err)
	}
	if ck, err := checkpoint.Load(filepath.Join(bdir, "runs", "p7-w12-alpha1-relu-seed1")); err != nil || ck.Meta.SeedBatch != 2 {
		t.Fatalf("-batch 2: %v %v", ck, err)
	}
	if _, err := capture(t, func() error { return runSweep(append(args, "-shard", "2/2")) }); err == nil {
		t.Fatal("shard 2/2 accepted")
	}
}

func TestTrainSeedsCommand(t *testing.T) {
	dir := t.TempDir()
	args := func(epochs string) []string {
		return []string{"-p", "7", "-seeds", "0-2", "-epochs", epochs, "-set", small, "-out", dir, "-q"}
	}
	out, err := capture(t, func() error { return runTrain(args("10")) })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "seed2: epoch 10") || !strings.Contains(out, "of 3 models") {
		t.Fatalf("output:\n%s", out)
	}
	if _, err := capture(t, func() error { return runTrain(args("15")) }); err != nil {
		t.Fatal(err)
	}
	for s := 0; s < 3; s++ {
		ck, err := checkpoint.Load(filepath.Join(dir, fmt.Sprintf("seed%d", s)))
		if err != nil || ck.Epoch != 15 || ck.Config.Seed != uint64(s) || ck.Meta.SeedBatch != 3 {
			t.Fatalf("seed %d: %v %v", s, ck, err)
		}
	}
	if _, err := capture(t, func() error { return runEval([]string{"-model", filepath.Join(dir, "seed1")}) }); err != nil {
		t.Fatal(err)
	}
	info, err := capture(t, func() error { return runInfo([]string{"-model", filepath.Join(dir, "seed1")}) })
	if err != nil || !strings.Contains(info, "seed=1") || !strings.Contains(info, "with 2 other seeds") {
		t.Fatalf("info: %v\n%s", err, info)
	}
	for _, bad := range [][]string{{"-seeds", "0-1", "-seed", "3"}, {"-seeds", "x"}, {"-seeds", "2-1"}} {
		if _, err := capture(t, func() error { return runTrain(append(bad, "-out", t.TempDir(), "-q")) }); err == nil {
			t.Errorf("train %v accepted", bad)
		}
	}
}

// TestSIGTERMCheckpoints: SIGTERM (how Slurm and Kubernetes stop a job)
// stops training with a checkpoint, like Ctrl-C, and the same command
// resumes it.
func TestSIGTERMCheckpoints(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	args := []string{"-p", "7", "-epochs", "100000", "-set", small + ";checkpoint_every=100000", "-out", dir, "-q"}
	done := make(chan error, 1)
	go func() {
		_, err := capture(t, func() error { return runTrain(args) })
		done <- err
	}()
	// The lock file exists once the signal handler is installed.
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, checkpoint.LockFile)); err == nil {
			break
		}
		if i > 600 {
			t.Fatal("training did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "interrupted at epoch") {
		t.Fatalf("after SIGTERM: %v", err)
	}
	ck, err := checkpoint.Load(dir)
	if err != nil || ck.Epoch == 0 || ck.WeightsOnly() {
		t.Fatalf("no resumable checkpoint after SIGTERM: %v", err)
	}
}
