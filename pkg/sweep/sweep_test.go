package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/proof"
)

func tinyGrid(t *testing.T) Grid {
	t.Helper()
	base := config.Default()
	if err := base.Set("p=7;d_model=8;n_heads=2;d_head=4;eval_every=10;checkpoint_every=10"); err != nil {
		t.Fatal(err)
	}
	base.Epochs = 20
	return Grid{Base: base, Seeds: []uint64{0, 1}, Widths: []int{12}, Alphas: []float64{1, 0}}
}

func TestRunsAndShards(t *testing.T) {
	runs, err := tinyGrid(t).Runs()
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 || runs[0].Name != "p7-w12-alpha1-relu-seed0" || runs[3].Name != "p7-w12-alpha0-relu-seed1" {
		t.Fatalf("runs %+v", runs)
	}
	seen := map[string]int{}
	for i := 0; i < 3; i++ {
		sh, err := Shard(runs, i, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sh {
			seen[r.Name]++
		}
	}
	if len(seen) != 4 {
		t.Fatalf("shards cover %d of 4 runs", len(seen))
	}
	for n, c := range seen {
		if c != 1 {
			t.Fatalf("%s in %d shards", n, c)
		}
	}
	for _, bad := range []string{"3/3", "-1/2", "1", "a/b", "0/0"} {
		if _, _, err := ParseShard(bad); err == nil {
			t.Errorf("shard %q accepted", bad)
		}
	}
	g := tinyGrid(t)
	g.Ps = []int{1}
	if _, err := g.Runs(); err == nil {
		t.Error("p = 1 accepted")
	}
}

// TestExecuteResumeMerge runs the grid as two shards, reruns one (nothing is
// retrained), and merges: the table equals a single unsharded sweep's.
func TestExecuteResumeMerge(t *testing.T) {
	be, err := model.Backend()
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := tinyGrid(t).Runs()
	dir := t.TempDir()
	var files []string
	for i := 0; i < 2; i++ {
		sh, _ := Shard(runs, i, 2)
		if _, err := Execute(sh, dir, Options{Backend: be, Shard: i, Shards: 2}); err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.Join(dir, "results-"+string(rune('0'+i))+"-of-2.json"))
	}
	var log bytes.Buffer
	sh, _ := Shard(runs, 0, 2)
	again, err := Execute(sh, dir, Options{Backend: be, Shard: 0, Shards: 2, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), "trained already") != len(sh) {
		t.Fatalf("rerun retrained:\n%s", log.String())
	}
	merged, err := Merge(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged) != 4 {
		t.Fatalf("%d merged rows", len(merged))
	}
	for _, r := range again {
		for _, m := range merged {
			if m.Name == r.Name && !m.sameResults(r) {
				t.Fatalf("rerun of %s gave %+v, first run %+v", r.Name, r, m)
			}
		}
	}
	for _, r := range merged {
		if r.Epochs != 20 || r.Accuracy < 0 || r.GradientSymmetricity == 0 {
			t.Fatalf("row %+v", r)
		}
		if (r.Alpha == 1) != (len(r.Proofs) == len(proof.Strategies())) {
			t.Fatalf("proof results for alpha %v: %v", r.Alpha, r.Proofs)
		}
		if (r.Alpha == 1) != (r.Clusters >= 0 && r.MedianFVEA >= 0 && r.IdealMaxError >= 0) {
			t.Fatalf("mechanism columns for alpha %v: %+v", r.Alpha, r)
		}
		if r.MinMargin > r.MedianMargin || (r.Accuracy == 1) != (r.MinMargin > 0) {
			t.Fatalf("margins %v, %v with accuracy %v", r.MinMargin, r.MedianMargin, r.Accuracy)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "results-1-of-2.csv"))
	if !strings.HasPrefix(string(csv), "name,p,width,alpha") || strings.Count(string(csv), "\n") != 3 || !strings.Contains(string(csv), ",arc_certified_accuracy,") {
		t.Fatalf("csv:\n%s", csv)
	}
	// Conflicting duplicates are refused.
	bad := filepath.Join(dir, "bad.json")
	merged[0].Accuracy = -5
	if err := Write(strings.TrimSuffix(bad, ".json"), merged[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(append(files, bad)); err == nil {
		t.Fatal("conflicting rows merged")
	}
	// Tables that are not sweep tables are refused, not read as zero rows.
	for name, content := range map[string]string{
		"unknown keys": `[{"nom": "x", "acc": 1}]`,
		"no name":      `[{"p": 7, "width": 12}]`,
	} {
		f := filepath.Join(dir, "other.json")
		os.WriteFile(f, []byte(content), 0o644)
		if _, err := Merge([]string{f}); err == nil {
			t.Errorf("%s: merged", name)
		}
	}
	// A rerun with another grid into the same directory is refused before
	// it overwrites the table; the table is unchanged.
	before, _ := os.ReadFile(files[0])
	other := tinyGrid(t)
	other.Seeds = []uint64{5}
	oruns, _ := other.Runs()
	if _, err := Execute(oruns, dir, Options{Backend: be, Shard: 0, Shards: 2}); err == nil || !strings.Contains(err.Error(), "another sweep") {
		t.Fatalf("another grid: %v", err)
	}
	if after, _ := os.ReadFile(files[0]); !bytes.Equal(before, after) {
		t.Fatal("the table of the first grid was overwritten")
	}
	// Two writers of one shard: the second is refused.
	unlock, err := checkpoint.LockNamed(dir, "results-0-of-2.lock")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := Execute(sh, dir, Options{Backend: be, Shard: 0, Shards: 2}); !errors.Is(err, checkpoint.ErrLocked) {
		t.Fatalf("second writer: %v", err)
	}
}

// TestExecuteBatched trains the grid with the seeds of each grid point
// together: the table equals the one-at-a-time sweep's (the pure-Go backend
// trains a seed batch bit for bit like its models alone), and the models
// say they were trained in a batch of two.
func TestExecuteBatched(t *testing.T) {
	runs, _ := tinyGrid(t).Runs()
	one, err := Execute(runs, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var log bytes.Buffer
	batched, err := Execute(runs, dir, Options{Batch: 8, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "training in a batch of 2 seeds"); n != len(runs) {
		t.Fatalf("%d of %d runs trained in a batch:\n%s", n, len(runs), log.String())
	}
	if len(batched) != len(one) {
		t.Fatalf("%d rows vs %d", len(batched), len(one))
	}
	for i := range one {
		a, b := one[i], batched[i]
		if a.SeedBatch != 1 || b.SeedBatch != 2 {
			t.Fatalf("seed_batch column: %d alone, %d batched", a.SeedBatch, b.SeedBatch)
		}
		a.TrainSeconds, b.TrainSeconds, a.SeedBatch, b.SeedBatch = 0, 0, 0, 0
		if !a.sameResults(b) {
			t.Fatalf("run %s: batched %+v, alone %+v", a.Name, b, a)
		}
	}
	ck, err := checkpoint.Load(filepath.Join(dir, "runs", runs[0].Name))
	if err != nil || ck.Meta.SeedBatch != 2 {
		t.Fatalf("seed batch recorded as %d (err %v)", ck.Meta.SeedBatch, err)
	}
}

// TestExecuteInterrupted: a cancelled sweep returns context.Canceled with
// its run checkpointed; a sweep stopped half-way (every run at epoch 10 of
// 20) resumes each run, batched, and ends with the table of a sweep run
// straight through.
func TestExecuteInterrupted(t *testing.T) {
	runs, _ := tinyGrid(t).Runs()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rows, err := Execute(runs, dir, Options{Context: ctx, Batch: 2})
	if !errors.Is(err, context.Canceled) || len(rows) != 0 {
		t.Fatalf("cancelled sweep: %d rows, err %v", len(rows), err)
	}
	if ck, err := checkpoint.Load(filepath.Join(dir, "runs", runs[0].Name)); err != nil || ck.Epoch != 0 {
		t.Fatalf("cancelled run not checkpointed: %v", err)
	}
	half := make([]Run, len(runs))
	for i, r := range runs {
		half[i] = r
		half[i].Config.Epochs = 10
	}
	if rows, err := Execute(half, dir, Options{Batch: 2}); err != nil || rows[0].Epochs != 10 {
		t.Fatalf("half sweep: %v", err)
	}
	resumed, err := Execute(runs, dir, Options{Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	straight, err := Execute(runs, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range straight {
		a, b := straight[i], resumed[i]
		a.TrainSeconds, b.TrainSeconds, a.SeedBatch, b.SeedBatch = 0, 0, 0, 0
		if !a.sameResults(b) || b.Epochs != 20 {
			t.Fatalf("run %s: resumed %+v, straight %+v", a.Name, b, a)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "results-0-of-1.csv"))
	if err != nil || strings.Count(string(b), "\n") != len(runs)+1 {
		t.Fatalf("table after resuming: %q %v", b, err)
	}
}

// TestFigures draws every sweep figure from a small table and checks that
// the SVG is written; figures without their data are errors, not panics.
func TestFigures(t *testing.T) {
	rows := []Row{
		{Name: "a", P: 31, Width: 8, Alpha: 1, Clusters: 3, ClusterSizes: "4:10 7:9 12:8", GradientSymmetricity: 0.99, DistanceIrrelevance: 0.3, MedianMargin: 10,
			Proofs: []ProofResult{{Strategy: "brute-force", Bound: 1e-9}, {Strategy: "arc", Bound: 5, ActualMaxError: 2, CertifiedAccuracy: 1}}},
		{Name: "b", P: 31, Width: 8, Alpha: 0, Clusters: -1, GradientSymmetricity: 0.5, DistanceIrrelevance: 0.8},
		{Name: "c", P: 31, Width: 8, Alpha: 1, Clusters: 2, ClusterSizes: "4:12 9:15", GradientSymmetricity: 0.98, DistanceIrrelevance: 0.4, MedianMargin: 12,
			Proofs: []ProofResult{{Strategy: "arc", Bound: 8, ActualMaxError: 3, CertifiedAccuracy: 0.5}}},
	}
	dir := t.TempDir()
	c, err := ClustersFigure("clusters", rows)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := ProofsFigure("proofs", rows)
	if err != nil {
		t.Fatal(err)
	}
	am, err := AlphaMapFigure("alpha", rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*figures.Figure{c, pf, am, GSDIFigure("gsdi", rows)} {
		if _, err := f.Save(dir, "svg"); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
	}
	if _, err := ClustersFigure("x", rows[1:2]); err == nil {
		t.Fatal("clusters figure of clock runs only")
	}
	if _, err := ProofsFigure("x", rows[1:2]); err == nil {
		t.Fatal("proofs figure without proofs")
	}
	if _, err := AlphaMapFigure("x", rows[:1]); err == nil {
		t.Fatal("alpha map with one alpha")
	}
	ks, sizes := rows[0].clusterFreqs()
	if fmt.Sprint(ks, sizes) != "[4 7 12] [10 9 8]" {
		t.Fatalf("cluster sizes parsed as %v %v", ks, sizes)
	}
}

// TestSummaries: medians, the ≥ 90% share and the cost ratios of
// ProofStats on a hand-made table, and Deviations finding the planted
// outliers (a run with another cluster count, one with a poor fit).
func TestSummaries(t *testing.T) {
	var rows []Row
	for s := 0; s < 7; s++ {
		r := Row{Name: fmt.Sprint(s), Seed: uint64(s), P: 59, Width: 512, Alpha: 1, Accuracy: 1, Clusters: 3,
			MedianFVEA: 0.98 + 0.001*float64(s), MedianFVEU: 0.99, PhaseDoublingError: 0.01, IdealLogitFVE: 0.8, DistanceIrrelevance: 0.2,
			Proofs: []ProofResult{{Strategy: "brute-force", ProofFLOPs: 100, Seconds: 1, CertifiedAccuracy: 1},
				{Strategy: "arc", Bound: float64(10 + s), ActualMaxError: 3, CertifiedAccuracy: float64(s) / 6, ProofFLOPs: 10, Seconds: 0.25}}}
		rows = append(rows, r)
	}
	rows[2].Clusters = 4
	rows[5].MedianFVEA = 0.7
	st := ProofStats(rows)
	if len(st) != 2 || st[1].Strategy != "arc" || st[1].Bound != 13 || st[1].CertifiedAccuracy != 0.5 ||
		math.Abs(st[1].Certified90-1.0/7) > 1e-12 || st[1].ProofFLOPsOverBrute != 0.1 || st[1].SecondsOverBrute != 0.25 {
		t.Fatalf("stats %+v", st)
	}
	dev := Deviations(rows)
	if len(dev) != 2 || dev[0].Row.Seed != 2 || dev[1].Row.Seed != 5 {
		t.Fatalf("deviations %+v", dev)
	}
	h, cells := SeedTable(rows)
	if len(cells) != 7 || len(cells[0]) != len(h) {
		t.Fatalf("seed table %v %v", h, cells)
	}
	h, cells = ProofTable(st)
	if len(cells) != 2 || len(cells[0]) != len(h) || cells[1][5] != "14%" {
		t.Fatalf("proof table %v %v", h, cells)
	}
}

// TestMeasureOnly: -measure-only trains nothing; it tabulates the runs
// already trained and skips the others. WeightsOnly saves finished runs
// without optimiser state.
func TestMeasureOnly(t *testing.T) {
	runs, _ := tinyGrid(t).Runs()
	runs = runs[:2]
	dir := t.TempDir()
	var log bytes.Buffer
	rows, err := Execute(runs, dir, Options{MeasureOnly: true, Log: &log})
	if err != nil || len(rows) != 0 || strings.Count(log.String(), "skipped") != 2 {
		t.Fatalf("nothing trained: %d rows, %v\n%s", len(rows), err, log.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "runs")); err == nil {
		t.Fatal("measure-only created runs")
	}
	if _, err := Execute(runs[:1], t.TempDir(), Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Execute(runs[:1], dir, Options{WeightsOnly: true}); err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.Load(filepath.Join(dir, "runs", runs[0].Name))
	if err != nil || !ck.WeightsOnly() {
		t.Fatalf("weights-only run: %v", err)
	}
	log.Reset()
	rows, err = Execute(runs, dir, Options{MeasureOnly: true, Log: &log, Shard: 1, Shards: 3})
	if err != nil || len(rows) != 1 || rows[0].Name != runs[0].Name || !strings.Contains(log.String(), runs[1].Name+" skipped") {
		t.Fatalf("one trained: %d rows, %v\n%s", len(rows), err, log.String())
	}
}

// TestLookup finds a trained run of the same model, and nothing for
// another seed or more epochs than it was trained.
func TestLookup(t *testing.T) {
	runs, _ := tinyGrid(t).Runs()
	root := t.TempDir()
	if _, err := Execute(runs[:1], filepath.Join(root, "s1"), Options{}); err != nil {
		t.Fatal(err)
	}
	cfg := runs[0].Config
	cfg.EvalEvery = 3 // intervals do not make another model
	if d, ok := Lookup(root, cfg); !ok || filepath.Base(d) != runs[0].Name {
		t.Fatalf("lookup: %q %v", d, ok)
	}
	other := cfg
	other.Seed = 99
	longer := cfg
	longer.Epochs++
	for _, c := range []config.Config{other, longer} {
		if d, ok := Lookup(root, c); ok {
			t.Fatalf("found %s for %+v", d, c)
		}
	}
}
