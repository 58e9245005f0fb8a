from common import SETUP

NAME = "05-your-experiment"
CELLS = [
("markdown", r"""# 5. Sweeps and your own experiment

Everything so far used one model. Here you change the parameters and rerun the whole pipeline:
train, analyse, prove. The runs are small (p = 31, 256 neurons, 1,500 epochs) and cached under
`build/runs/`: a second run of this notebook reuses them
(training resumes from the checkpoint and stops at once), and a configuration that the shipped
sweep tables under `results/` already hold (notebook 6) is loaded from there instead of trained.
Edit the first code cell and run the notebook again."""),
SETUP,
("code", """import (
	"crypto/sha256"
	"fmt"

	"github.com/modadd/modadd/pkg/analysis"
	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/measures"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/nb"
	"github.com/modadd/modadd/pkg/sweep"
	"github.com/modadd/modadd/pkg/train"
)

// Your experiment: any config.Config field can be set here ("key=value;...").
const (
	experiment = "p=31;d_mlp=256;act=relu;alpha=1;seed=0"
	epochs     = 1500
)

// runDir is where a config's run is: a shipped run of the same model under
// results/ if there is one, else build/runs/ under a hash of the config, so
// equal configs share a run.
func runDir(cfg config.Config) string {
	if d, ok := sweep.Lookup(nb.Path("results"), cfg); ok {
		return d
	}
	return nb.Path("build", "runs", fmt.Sprintf("%x", sha256.Sum256([]byte(cfg.String())))[:12])
}

// small is the config of a small run with the overrides set.
func small(set string) config.Config {
	cfg := config.Default()
	nb.Must(cfg.Set("eval_every=100;checkpoint_every=500;" + set))
	cfg.Epochs = epochs
	nb.Must(cfg.Validate())
	cfg.Preset = ""
	return cfg
}

// run trains (or reloads) a small model and analyses it.
func run(set string) (*checkpoint.Checkpoint, *analysis.Report) {
	cfg := small(set)
	ck := nb.Must1(train.Train(cfg, train.Options{Dir: runDir(cfg), Progress: true}))
	be := nb.Must1(model.Backend())
	return ck, nb.Must1(analysis.Analyze(be, ck))
}

%%
ck, r := run(experiment)
c := ck.Config
title := fmt.Sprintf("p = %d, %d %s neurons, α = %g, seed %d", c.P, c.DMLP, c.Act, c.Alpha, c.Seed)
nb.Show("05-experiment-curves", figures.TrainingCurves(title, ck.History))
nb.Table(r.Table())"""),
("markdown", r"""## Seeds

The same configuration with three seeds: how much do the mechanism and the proofs vary from one
training run to the next? `train.TrainSeeds` trains the seeds together, in one graph with a leading
seed axis (each model keeps its own initial weights and data split, and on the pure-Go backend ends
bit for bit where it would alone; seed 0 is the run above, reloaded). `sweep.Measure` records each
model as a sweep records its runs: the first table gives each seed's clusters, fits, pizza metrics
and margins, the second every proof strategy's median bound, actual error and certified share over
the seeds, and the figure plots each proof's bound against the actual largest error it bounds (sound
bounds lie above the diagonal, tight ones near it) and what it certifies."""),
("code", """%%
seeds := []uint64{0, 1, 2}
cfg := small("p=31;d_mlp=256")
var dirs []string
for _, s := range seeds {
	c := cfg
	c.Seed = s
	dirs = append(dirs, runDir(c))
}
cks := nb.Must1(train.TrainSeeds(cfg, seeds, train.Options{Dirs: dirs, Progress: true}))
be := nb.Must1(model.Backend())
var rows []sweep.Row
for i, ck := range cks {
	rows = append(rows, nb.Must1(sweep.Measure(be, fmt.Sprintf("seed %d", seeds[i]), ck)))
}
nb.Table(sweep.SeedTable(rows))
nb.Table(sweep.ProofTable(sweep.ProofStats(rows)))
nb.Show("05-proofs", nb.Must1(sweep.ProofsFigure("05-proofs", rows)))"""),
("markdown", r"""Compare each explanation's actual largest error with the median margin in the table: no sound
bound can be smaller than the error it bounds, so an explanation whose error already exceeds the
margin between the right answer and the rest cannot certify, however tight the bound. These small
models, trained for 1,500 epochs, use more frequencies than the p = 59 model and their neurons'
output weights are less single-frequency (the median FVE of U above; notebook 2 prints the shipped
10,000-epoch p = 59 model's), so one or two Fourier terms per neuron miss the logits by more than the
margin; four and eight terms come closer and certify part of some seeds' inputs (the proof table and
the right panel). `modadd prove -model DIR` on one of these runs gives the error budgets too."""),
("markdown", r"""## Pizza or clock: the attention mix

With $\alpha = 1$ the attention is constant (pizza); with $\alpha = 0$ it is an ordinary softmax
(clock). Zhong et al. found the two algorithms on either side of their metrics; the clock model
cannot be folded into $A(a) + B(b)$ tables, so only the metrics apply to it. Their medians are
printed beside ours."""),
("code", """%%
var rows [][]string
for _, alpha := range []string{"1", "0"} {
	_, r := run("p=31;d_mlp=256;alpha=" + alpha)
	rows = append(rows, []string{alpha, fmt.Sprintf("%.4f", r.Accuracy), fmt.Sprintf("%.3f", r.GradientSymmetricity), fmt.Sprintf("%.3f", r.DistanceIrrelevance), fmt.Sprintf("%.3f", r.Circularity)})
}
for _, z := range []struct {
	name string
	r    measures.Reference
}{{"pizza (Zhong et al.)", measures.ZhongPizza}, {"clock (Zhong et al.)", measures.ZhongClock}} {
	rows = append(rows, []string{z.name, "", fmt.Sprintf("%.3f", z.r.GradientSymmetricity), fmt.Sprintf("%.3f", z.r.DistanceIrrelevance), ""})
}
nb.Table([]string{"alpha", "accuracy", "gradient symmetricity", "distance irrelevance", "circularity"}, rows)"""),
("markdown", r"""The small clock sits on the clock side in distance irrelevance but not in gradient
symmetricity, and its circularity is low, unlike the p = 59 clock shipped in `models/` (notebook 2).
Two things differ. The first is training length: `models/p31-clock-seed0` is the same run (seed 0,
α = 0) continued to 6,000 epochs. The second is the metric: circularity as Zhong et al. define it
asks each leading principal component of the embedding to be a single Fourier frequency. The cell
prints both runs' metrics, the weights of their key frequencies, and circularity over more principal
components."""),
("code", """%%
be := nb.Must1(model.Backend())
for _, ck := range []*checkpoint.Checkpoint{nb.Must1(checkpoint.Load(runDir(small("p=31;d_mlp=256;alpha=0")))), nb.Must1(checkpoint.Load(nb.Path("models", "p31-clock-seed0")))} {
	r := nb.Must1(analysis.Analyze(be, ck))
	var kf []string
	for _, k := range r.KeyFrequencies {
		kf = append(kf, fmt.Sprintf("%d: %.2f", k.K, k.Fraction))
	}
	fmt.Printf("epoch %d: GS %.3f, DI %.3f, circularity %.3f; key frequencies (share of the embedding's energy) %v\\n", ck.Epoch, r.GradientSymmetricity, r.DistanceIrrelevance, r.Circularity, kf)
	for _, n := range []int{2, 4, 8} {
		c := nb.Must1(measures.Circularity(ck.Params.Must("W_E"), n))
		fmt.Printf("    circularity over %d principal components: %.3f\\n", n, c)
	}
}"""),
("markdown", r"""Longer training moves the small clock towards Zhong et al.'s clock in GS (it falls) and
circularity (it rises), though not in DI, which falls too (printed above). And its embedding is made of circles all along: a handful of key frequencies of nearly equal
weight hold most of its energy, but with nearly equal weights the leading principal components are
nearly degenerate and mix frequencies, which is what lowers the circularity score (the p = 59 clock
has fewer, less equal key frequencies). The pizza–clock map of notebook 6 shows GS and DI over the
attention rate α at this size."""),
("markdown", r"""For larger grids (many seeds, p, widths) use the command line, which checkpoints every run:
`go run ./cmd/modadd train -p 31 -seeds 0-9 -set "d_mlp=256" -out runs/p31` trains ten seeds in one
graph into `runs/p31/seed0` ... `seed9`; `modadd analyze`, `modadd prove` and `modadd figures` take
any of those directories; `modadd sweep -seeds 0-9 -p 31,59 -alpha 1,0 -out sweeps/s1` trains,
analyses and proves a whole grid into one table and figure, resumably, in shards for a job array
(README)."""),
]
