// Package sweep trains, analyses and proves a grid of models (seeds, p,
// width, attention alpha, activation) and tabulates the results. A sweep is
// resumable (each run is an ordinary model directory, trained runs are
// reloaded, not retrained) and splits into disjoint shards for an existing
// scheduler (a Slurm job array, a Kubernetes indexed Job): shard I of N
// takes the runs whose index is I modulo N, and Merge joins the tables.
package sweep

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"gonum.org/v1/plot/plotter"

	"github.com/modadd/modadd/pkg/analysis"
	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/proof"
	"github.com/modadd/modadd/pkg/train"
)

// Grid is the cartesian product of its lists over a base config. Empty
// lists keep the base config's value.
type Grid struct {
	Base   config.Config
	Seeds  []uint64
	Ps     []int
	Widths []int
	Alphas []float64
	Acts   []config.Activation
}

// Run is one point of the grid.
type Run struct {
	Index  int
	Name   string
	Config config.Config
}

// Runs lists the grid's points in a fixed order (seed varies fastest).
func (g Grid) Runs() ([]Run, error) {
	or := func(xs []config.Activation, base config.Activation) []config.Activation {
		if len(xs) == 0 {
			return []config.Activation{base}
		}
		return xs
	}
	seeds := g.Seeds
	if len(seeds) == 0 {
		seeds = []uint64{g.Base.Seed}
	}
	ps, widths, alphas := g.Ps, g.Widths, g.Alphas
	if len(ps) == 0 {
		ps = []int{g.Base.P}
	}
	if len(widths) == 0 {
		widths = []int{g.Base.DMLP}
	}
	if len(alphas) == 0 {
		alphas = []float64{g.Base.Alpha}
	}
	var runs []Run
	for _, act := range or(g.Acts, g.Base.Act) {
		for _, alpha := range alphas {
			for _, p := range ps {
				for _, w := range widths {
					for _, s := range seeds {
						c := g.Base
						c.Act, c.Alpha, c.P, c.DMLP, c.Seed = act, alpha, p, w, s
						if err := c.Validate(); err != nil {
							return nil, fmt.Errorf("sweep: %w", err)
						}
						name := fmt.Sprintf("p%d-w%d-alpha%s-%s-seed%d", p, w, strconv.FormatFloat(alpha, 'g', -1, 64), act, s)
						runs = append(runs, Run{Index: len(runs), Name: name, Config: c})
					}
				}
			}
		}
	}
	return runs, nil
}

// Shard keeps the runs whose index is i modulo n (0 <= i < n).
func Shard(runs []Run, i, n int) ([]Run, error) {
	if n < 1 || i < 0 || i >= n {
		return nil, fmt.Errorf("sweep: shard %d/%d: need 0 <= I < N", i, n)
	}
	var out []Run
	for _, r := range runs {
		if r.Index%n == i {
			out = append(out, r)
		}
	}
	return out, nil
}

// ParseShard reads "I/N".
func ParseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("sweep: shard %q: write I/N with 0 <= I < N (e.g. 3/8)", s)
	}
	return i, n, nil
}

// Row is the result of one run.
type Row struct {
	Name                 string            `json:"name"`
	P                    int               `json:"p"`
	Width                int               `json:"width"`
	Alpha                float64           `json:"alpha"`
	Act                  config.Activation `json:"act"`
	Seed                 uint64            `json:"seed"`
	Epochs               int               `json:"epochs"`
	Accuracy             float64           `json:"accuracy"`
	TrainLoss            float64           `json:"train_loss"`
	HeldoutAccuracy      float64           `json:"heldout_accuracy"`
	GradientSymmetricity float64           `json:"gradient_symmetricity"`
	DistanceIrrelevance  float64           `json:"distance_irrelevance"`
	Circularity          float64           `json:"circularity"`
	// The mechanism (constant attention only; else -1 and empty): the main
	// clusters (mechanism.MinMainSize) as "k:size" by size, the medians over
	// their neurons, and the ideal pizza logits' agreement.
	Clusters           int     `json:"clusters"`
	ClusterSizes       string  `json:"cluster_sizes"`
	MedianFVEA         float64 `json:"median_fve_a"`
	MedianFVEB         float64 `json:"median_fve_b"`
	MedianFVEU         float64 `json:"median_fve_u"`
	PhaseDoublingError float64 `json:"phase_doubling_error"`
	OffsetOver2R       float64 `json:"offset_over_2r"`
	IdealLogitFVE      float64 `json:"ideal_logit_fve"`
	IdealMaxError      float64 `json:"ideal_max_error"`
	// MinMargin and MedianMargin are the model's own logit margins
	// logit(c*) − max_{c≠c*} logit(c) over all inputs.
	MinMargin    float64 `json:"min_margin"`
	MedianMargin float64 `json:"median_margin"`
	// Proofs holds every proof strategy's result (constant attention and
	// ReLU only; else empty).
	Proofs       []ProofResult `json:"proofs"`
	TrainSeconds float64       `json:"train_seconds"`
	// SeedBatch is how many models trained together in one graph with this
	// one; TrainSeconds is then the whole batch's time.
	SeedBatch int `json:"seed_batch"`
}

// ProofResult is one proof strategy's certificate of a run.
type ProofResult struct {
	Strategy          string  `json:"strategy"`
	Bound             float64 `json:"bound"`
	ActualMaxError    float64 `json:"actual_max_error"`
	CertifiedAccuracy float64 `json:"certified_accuracy"`
	FLOPs             int64   `json:"flops"`
	ProofFLOPs        int64   `json:"proof_flops"`
	Seconds           float64 `json:"seconds"`
}

// sameResults compares two rows but for measured times.
func (r Row) sameResults(o Row) bool {
	strip := func(x Row) string {
		x.Proofs = append([]ProofResult(nil), x.Proofs...)
		for i := range x.Proofs {
			x.Proofs[i].Seconds = 0
		}
		b, _ := json.Marshal(x)
		return string(b)
	}
	return strip(r) == strip(o)
}

// Options control Execute; the zero value runs one unsharded sweep silently
// on the default backend, one model at a time.
type Options struct {
	// Backend to train and analyse on; nil means model.Backend().
	Backend backends.Backend
	// Shard and Shards name the tables: results-Shard-of-Shards (default 0 of 1).
	Shard, Shards int
	// Batch is how many runs that differ only in their seed are trained
	// together in one graph (train.TrainSeeds); 0 or 1 trains one at a time.
	// It pays on a GPU; on the pure-Go backend it gains nothing (bench/).
	Batch int
	// Progress shows progress bars for training.
	Progress bool
	// Log, if set, receives one line per run.
	Log io.Writer
	// Context stops the sweep when cancelled: the runs in training save a
	// checkpoint first, and the next Execute resumes them.
	Context context.Context
	// WeightsOnly saves each finished run without its optimiser state
	// (a third of the size; it can no longer be trained further).
	WeightsOnly bool
	// MeasureOnly trains nothing: the runs trained to their epochs are
	// measured and tabulated, the others skipped (while other processes
	// train them, for example).
	MeasureOnly bool
}

// Execute trains (or reloads), analyses and proves each run under dir/runs,
// and rewrites the shard's table (dir/results-I-of-N.json and .csv) after
// every run, so an interrupted sweep loses at most the runs in training.
// Consecutive runs that differ only in their seed are trained together,
// opts.Batch at a time.
func Execute(runs []Run, dir string, opts Options) ([]Row, error) {
	be := opts.Backend
	if be == nil {
		var err error
		if be, err = model.Backend(); err != nil {
			return nil, err
		}
	}
	if opts.Shards == 0 {
		opts.Shards = 1
	}
	base := filepath.Join(dir, fmt.Sprintf("results-%d-of-%d", opts.Shard, opts.Shards))
	unlock, err := checkpoint.LockNamed(dir, filepath.Base(base)+".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := checkSameGrid(base+".json", runs); err != nil {
		return nil, err
	}
	var rows []Row
	for k := 0; k < len(runs); {
		j := k + 1
		for j < len(runs) && j-k < opts.Batch && sameUpToSeed(runs[j].Config, runs[k].Config) {
			j++
		}
		group := runs[k:j]
		var cks []*checkpoint.Checkpoint
		if opts.MeasureOnly {
			group, cks = trained(group, dir, opts.Log)
		} else {
			var err error
			if cks, err = trainGroup(be, group, dir, k, len(runs), opts); err != nil {
				return rows, err
			}
		}
		for i, r := range group {
			row, err := Measure(be, r.Name, cks[i])
			if err != nil {
				return rows, fmt.Errorf("sweep: %s: %w", r.Name, err)
			}
			rows = append(rows, row)
			if err := Write(base, rows); err != nil {
				return rows, err
			}
		}
		k = j
	}
	return rows, nil
}

// checkSameGrid refuses to overwrite a table that holds runs this sweep
// does not make (a rerun with another grid into the same directory).
func checkSameGrid(table string, runs []Run) error {
	if _, err := os.Stat(table); err != nil {
		return nil
	}
	old, err := Merge([]string{table})
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, r := range runs {
		names[r.Name] = true
	}
	for _, r := range old {
		if !names[r.Name] {
			return fmt.Errorf("sweep: %s holds run %s, which this sweep's grid does not contain: it belongs to another sweep; use another -out, or the same grid and shard to resume", table, r.Name)
		}
	}
	return nil
}

// trained returns the runs of group trained to their epochs, with their
// checkpoints, and logs the others as skipped.
func trained(group []Run, dir string, log io.Writer) ([]Run, []*checkpoint.Checkpoint) {
	var runs []Run
	var cks []*checkpoint.Checkpoint
	for _, r := range group {
		rd := filepath.Join(dir, "runs", r.Name)
		if !checkpoint.Exists(rd) {
			if log != nil {
				fmt.Fprintf(log, "sweep: %s skipped (not trained yet)\n", r.Name)
			}
			continue
		}
		ck, err := checkpoint.Load(rd)
		switch {
		case err != nil && log != nil:
			fmt.Fprintf(log, "sweep: %s skipped (%v)\n", r.Name, err)
		case err == nil && ck.Epoch < r.Config.Epochs && log != nil:
			fmt.Fprintf(log, "sweep: %s skipped (trained %d of %d epochs)\n", r.Name, ck.Epoch, r.Config.Epochs)
		case err == nil && ck.Epoch >= r.Config.Epochs:
			runs, cks = append(runs, r), append(cks, ck)
		}
	}
	return runs, cks
}

func sameUpToSeed(a, b config.Config) bool {
	a.Seed = b.Seed
	return a == b
}

// trainGroup trains (or reloads) runs that differ only in their seed,
// together when there are several; first is the group's index in the sweep
// of n runs, for the log.
func trainGroup(be backends.Backend, group []Run, dir string, first, n int, opts Options) ([]*checkpoint.Checkpoint, error) {
	var dirs []string
	var seeds []uint64
	pending := 0
	for i, r := range group {
		rd := filepath.Join(dir, "runs", r.Name)
		dirs, seeds = append(dirs, rd), append(seeds, r.Config.Seed)
		done := false
		if _, epoch, err := checkpoint.Peek(rd); err == nil && epoch >= r.Config.Epochs {
			done = true // for the log: training loads and checks it
		}
		if !done {
			pending++
		}
		if opts.Log != nil {
			state := "training"
			if done {
				state = "trained already"
			} else if len(group) > 1 {
				state = fmt.Sprintf("training in a batch of %d seeds", len(group))
			}
			fmt.Fprintf(opts.Log, "sweep: run %d/%d %s (%s)\n", first+i+1, n, r.Name, state)
		}
	}
	topts := train.Options{Backend: be, Progress: opts.Progress && pending > 0, Command: "modadd sweep", Context: opts.Context, WeightsOnly: opts.WeightsOnly}
	if len(group) == 1 {
		topts.Dir = dirs[0]
		ck, err := train.Train(group[0].Config, topts)
		if err != nil {
			return nil, fmt.Errorf("sweep: %s: %w", group[0].Name, err)
		}
		return []*checkpoint.Checkpoint{ck}, nil
	}
	topts.Dirs = dirs
	cks, err := train.TrainSeeds(group[0].Config, seeds, topts)
	if err != nil {
		return nil, fmt.Errorf("sweep: %s and %d other seeds: %w", group[0].Name, len(group)-1, err)
	}
	return cks, nil
}

// Measure analyses one trained model into a row of a results table (the
// mechanism, the pizza metrics and, for constant-attention ReLU models,
// every proof strategy), named name: what a sweep records per run, for a
// notebook's own runs too.
func Measure(be backends.Backend, name string, ck *checkpoint.Checkpoint) (Row, error) {
	c := ck.Config
	row := Row{Name: name, P: c.P, Width: c.DMLP, Alpha: c.Alpha, Act: c.Act, Seed: c.Seed, Epochs: ck.Epoch,
		TrainSeconds: ck.Meta.WallSeconds, SeedBatch: max(ck.Meta.SeedBatch, 1)}
	am, err := analysis.OpenCheckpoint(be, ck)
	if err != nil {
		return row, err
	}
	rep := am.Report
	if m, ok := ck.Last(); ok {
		row.HeldoutAccuracy = m.HeldoutAcc
	}
	row.Accuracy, row.TrainLoss = rep.Accuracy, rep.TrainLoss
	row.GradientSymmetricity, row.DistanceIrrelevance, row.Circularity = rep.GradientSymmetricity, rep.DistanceIrrelevance, rep.Circularity
	row.MinMargin, row.MedianMargin = rep.MinMargin, rep.MedianMargin
	// Not defined without constant attention:
	row.Clusters, row.IdealLogitFVE, row.IdealMaxError = -1, -1, -1
	row.MedianFVEA, row.MedianFVEB, row.MedianFVEU, row.PhaseDoublingError, row.OffsetOver2R = -1, -1, -1, -1, -1
	if rep.Circuit {
		row.IdealLogitFVE, row.IdealMaxError, row.Clusters = rep.IdealLogitFVE, rep.IdealMaxError, 0
		main := []mechanism.Cluster{}
		for _, cl := range rep.Clusters {
			if cl.IsMain(c.DMLP) {
				main = append(main, cl)
			}
		}
		sort.Slice(main, func(i, j int) bool { return len(main[i].Neurons) > len(main[j].Neurons) })
		var sizes []string
		for _, cl := range main {
			sizes = append(sizes, fmt.Sprintf("%d:%d", cl.K, len(cl.Neurons)))
		}
		row.Clusters, row.ClusterSizes = len(main), strings.Join(sizes, " ")
		row.MedianFVEA, row.MedianFVEB, row.MedianFVEU = rep.MedianFVE[0], rep.MedianFVE[1], rep.MedianFVE[2]
		row.PhaseDoublingError, row.OffsetOver2R = rep.PhaseDoublingError, rep.MedianOffset
	}
	if c.Alpha == 1 && c.Act == config.ReLU {
		pm, err := am.Proof()
		if err != nil {
			return row, err
		}
		pr, err := proof.RunModel(pm)
		if err != nil {
			return row, err
		}
		for _, s := range pr.Strategies {
			row.Proofs = append(row.Proofs, ProofResult{Strategy: s.Strategy, Bound: s.Bound, ActualMaxError: s.ActualMaxError,
				CertifiedAccuracy: s.CertifiedAccuracy, FLOPs: s.FLOPs, ProofFLOPs: s.ProofFLOPs, Seconds: s.Seconds})
		}
	}
	return row, nil
}

var header = []string{"name", "p", "width", "alpha", "act", "seed", "epochs", "accuracy", "train_loss", "heldout_accuracy",
	"gradient_symmetricity", "distance_irrelevance", "circularity", "clusters", "cluster_sizes",
	"median_fve_a", "median_fve_b", "median_fve_u", "phase_doubling_error", "offset_over_2r",
	"ideal_logit_fve", "ideal_max_error", "min_margin", "median_margin", "train_seconds", "seed_batch"}

// proofColumns are the CSV columns of each strategy, after the header.
var proofColumns = []string{"bound", "actual_max_error", "certified_accuracy", "flops", "proof_flops", "seconds"}

// csvHeader is header followed by STRATEGY_COLUMN for every strategy that
// appears in rows, in order of first appearance.
func csvHeader(rows []Row) ([]string, []string) {
	var names []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, p := range r.Proofs {
			if !seen[p.Strategy] {
				seen[p.Strategy] = true
				names = append(names, p.Strategy)
			}
		}
	}
	h := append([]string(nil), header...)
	for _, n := range names {
		for _, c := range proofColumns {
			h = append(h, n+"_"+c)
		}
	}
	return h, names
}

func (r Row) record(strategies []string) []string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	out := []string{r.Name, strconv.Itoa(r.P), strconv.Itoa(r.Width), f(r.Alpha), string(r.Act), strconv.FormatUint(r.Seed, 10), strconv.Itoa(r.Epochs),
		f(r.Accuracy), f(r.TrainLoss), f(r.HeldoutAccuracy), f(r.GradientSymmetricity), f(r.DistanceIrrelevance), f(r.Circularity),
		strconv.Itoa(r.Clusters), r.ClusterSizes, f(r.MedianFVEA), f(r.MedianFVEB), f(r.MedianFVEU), f(r.PhaseDoublingError), f(r.OffsetOver2R),
		f(r.IdealLogitFVE), f(r.IdealMaxError), f(r.MinMargin), f(r.MedianMargin), f(r.TrainSeconds), strconv.Itoa(r.SeedBatch)}
	for _, n := range strategies {
		var pr *ProofResult
		for i := range r.Proofs {
			if r.Proofs[i].Strategy == n {
				pr = &r.Proofs[i]
			}
		}
		if pr == nil {
			out = append(out, "", "", "", "", "", "")
			continue
		}
		out = append(out, f(pr.Bound), f(pr.ActualMaxError), f(pr.CertifiedAccuracy), strconv.FormatInt(pr.FLOPs, 10),
			strconv.FormatInt(pr.ProofFLOPs, 10), f(pr.Seconds))
	}
	return out
}

// Write saves rows as base.json and base.csv, atomically, and the figure as
// base-gs-di.svg.
func Write(base string, rows []Row) error {
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	js, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if err := checkpoint.WriteFileAtomic(base+".json", append(js, '\n')); err != nil {
		return err
	}
	if len(rows) > 0 {
		f := Figure(rows)
		f.Name = filepath.Base(base) + "-gs-di"
		if _, err := f.Save(filepath.Dir(base), "svg"); err != nil {
			return err
		}
	}
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	h, strategies := csvHeader(rows)
	w.Write(h)
	for _, r := range rows {
		w.Write(r.record(strategies))
	}
	w.Flush()
	return checkpoint.WriteFileAtomic(base+".csv", []byte(sb.String()))
}

// Merge reads shard tables (JSON) and returns their rows, sorted by name,
// refusing a run that appears twice with different results.
func Merge(files []string) ([]Row, error) {
	seen := map[string]Row{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
		var rows []Row
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rows); err != nil {
			return nil, fmt.Errorf("sweep: %s is not a sweep table (JSON) of this version: %w", f, err)
		}
		for i, r := range rows {
			if r.Name == "" || r.P < 2 || r.Width < 1 {
				return nil, fmt.Errorf("sweep: %s: row %d has no run name, p or width: not a sweep table", f, i+1)
			}
			if old, ok := seen[r.Name]; ok && !old.sameResults(r) {
				return nil, fmt.Errorf("sweep: run %s appears in two tables with different results", r.Name)
			}
			seen[r.Name] = r
		}
	}
	var out []Row
	for _, r := range seen {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Figure plots gradient symmetricity against distance irrelevance, one
// colour per attention alpha: Zhong et al.'s map of pizzas (top left) and
// clocks (bottom right).
func Figure(rows []Row) *figures.Figure {
	groups := map[float64]plotter.XYs{}
	for _, r := range rows {
		groups[r.Alpha] = append(groups[r.Alpha], plotter.XY{X: r.DistanceIrrelevance, Y: r.GradientSymmetricity})
	}
	var alphas []float64
	for a := range groups {
		alphas = append(alphas, a)
	}
	sort.Float64s(alphas)
	var names []string
	var xys []plotter.XYs
	for _, a := range alphas {
		names = append(names, fmt.Sprintf("alpha = %g", a))
		xys = append(xys, groups[a])
	}
	title := "pizza or clock, by attention alpha"
	if len(alphas) == 1 {
		title = fmt.Sprintf("gradient symmetricity against distance irrelevance, %d runs", len(rows))
	}
	p := figures.Scatter(title, "distance irrelevance", "gradient symmetricity", names, xys)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, -0.05, 1.05
	p.Legend.Left = true // bottom left: the corner neither pizzas nor clocks occupy
	return figures.Row("sweep-gs-di", p)
}

// Lookup finds, in the sweep directories under root (root/*/runs/*), a
// run of the same model as cfg (config.SameModel) trained to at least
// cfg.Epochs, so that a notebook can show a shipped run instead of
// training it again. It returns the run's directory.
func Lookup(root string, cfg config.Config) (string, bool) {
	dirs, _ := filepath.Glob(filepath.Join(root, "*", "runs", "*"))
	for _, d := range dirs {
		c, epoch, err := checkpoint.Peek(d) // the config and epoch only: no weights
		if err == nil && c.SameModel(cfg) == nil && epoch >= cfg.Epochs {
			return d, true
		}
	}
	return "", false
}
