from common import SETUP

NAME = "06-across-seeds"
CELLS = [
("markdown", r"""# 6. Across seeds: is the mechanism typical, and how often does a proof certify?

Notebooks 2 to 4 take one p = 59 model apart. This notebook asks whether what they found is typical.
It reads two tables that ship with the repository (it trains nothing):

* `results/p59-pizza-seeds/`: the default pizza configuration trained from many seeds with
  `modadd sweep` (the command is in that folder's README), each model analysed and proved with every
  strategy;
* `results/p31-alpha-map/`: small models (p = 31, 256 neurons) trained at five attention rates
  $\alpha$ from softmax ($\alpha = 0$, clock) to constant ($\alpha = 1$, pizza), several seeds each.

Both tables are resumable sweeps: rerun the command in their README to extend them (more seeds,
more epochs), then rerun this notebook; the first cell prints how many models the shipped table
holds."""),
SETUP,
("code", """import (
	"fmt"
	"math"
	"sort"

	"github.com/modadd/modadd/pkg/nb"
	"github.com/modadd/modadd/pkg/sweep"
)

// table reads a shipped sweep table.
func table(name string) []sweep.Row {
	return nb.Must1(sweep.Merge([]string{nb.Path("results", name, "results.json")}))
}

// count returns how many rows satisfy ok.
func count(rows []sweep.Row, ok func(sweep.Row) bool) int {
	n := 0
	for _, r := range rows {
		if ok(r) {
			n++
		}
	}
	return n
}

%%
rows := table("p59-pizza-seeds")
sort.Slice(rows, func(i, j int) bool { return rows[i].Seed < rows[j].Seed })
fmt.Printf("%d models of p = %d, %d neurons, seeds %d to %d, trained %d epochs each\\n", len(rows), rows[0].P, rows[0].Width,
	rows[0].Seed, rows[len(rows)-1].Seed, rows[0].Epochs)
fmt.Printf("accuracy 1 on all pairs: %d of %d\\n", count(rows, func(r sweep.Row) bool { return r.Accuracy == 1 }), len(rows))
nb.Table(sweep.SeedTable(rows))"""),
("markdown", r"""## Clusters and their frequencies

Each model's neurons fall into clusters sharing a frequency $k$ (notebook 2); a *main* cluster holds at
least 2% of the neurons. The number of main clusters and which frequencies they use vary from seed to
seed: the frequencies are chosen at random by training, and any $k$ works (by symmetry of
$\mathbb{Z}_{59}$ every $k \neq 0$ is equivalent up to relabelling)."""),
("code", """%%
rows := table("p59-pizza-seeds")
byCount := map[int]int{}
for _, r := range rows {
	byCount[r.Clusters]++
}
var ks []int
for k := range byCount {
	ks = append(ks, k)
}
sort.Ints(ks)
for _, k := range ks {
	fmt.Printf("%d main clusters: %d of %d models\\n", k, byCount[k], len(rows))
}
nb.Show("06-clusters", nb.Must1(sweep.ClustersFigure("06-clusters", rows)))"""),
("markdown", r"""## Pizza or clock, seed by seed

Gradient symmetricity (GS) against distance irrelevance (DI) for every model, with Zhong et al.'s
medians for pizza and clock models marked. Pizzas sit at the top left (high GS, low DI). Here GS
hardly varies from seed to seed while DI spreads widely (the ranges are printed below): at this size
and training length DI separates pizzas from clocks less sharply than GS does."""),
("code", """%%
rows := table("p59-pizza-seeds")
gs, di := make([]float64, len(rows)), make([]float64, len(rows))
for i, r := range rows {
	gs[i], di[i] = r.GradientSymmetricity, r.DistanceIrrelevance
}
sort.Float64s(gs)
sort.Float64s(di)
fmt.Printf("GS from %.3f to %.3f, median %.3f; DI from %.3f to %.3f, median %.3f\\n", gs[0], gs[len(gs)-1], gs[len(gs)/2], di[0], di[len(di)-1], di[len(di)/2])
nb.Show("06-gs-di", sweep.GSDIFigure("06-gs-di", rows))"""),
("markdown", r"""## How often does each proof certify?

Every model was proved with every strategy of notebook 4. Left: each strategy's bound against the
explanation's actual largest error, per model (a bound can never be below its error; the dashed diagonal
is a perfectly tight bound). A bound above the model's margin certifies little. Right: the share of
inputs each strategy certifies, per model. The table gives the medians over the models, the share of
models a strategy certifies on at least 90% of the inputs, and the cost against the same model's
brute force."""),
("code", """%%
rows := table("p59-pizza-seeds")
nb.Show("06-proofs", nb.Must1(sweep.ProofsFigure("06-proofs", rows)))
nb.Table(sweep.ProofTable(sweep.ProofStats(rows)))"""),
("markdown", r"""Read the table against notebook 4. The shipped p = 59 model, trained for 10,000 epochs, is
certified on every input by the cheapest explanation that keeps the hidden activations exact (one
Fourier term of $U$ per neuron: arc and fourier-U/1). These models stopped at 3,000 epochs, and there
the one-term explanations certify nothing: their bounds are several times the median margin because
the neurons' output weights $U_i$ still carry other frequencies (weight decay keeps compressing them
towards one frequency as training goes on). More terms per neuron close the gap: the column *runs ≥ 90%
certified* gives the share of models on which four and eight terms certify at least 90% of the inputs
(arc-U/4 computes fourier-U/4's bound with fewer FLOPs, though not in fewer seconds). The bounds
that evaluate no neuron on any input (linear, arc-signed, arc-signed/4) certify nothing at this
training length: arc-signed decides each gate from the neurons' single-frequency fits, and at 3,000
epochs those fits are looser; on the shipped 10,000-epoch model
arc-signed/4 certifies two thirds of the inputs (notebook 4)."""),
("markdown", r"""## The models that deviate

Runs that depart from the typical mechanism: accuracy below 1, a number of main clusters that fewer
than a sixth of the runs share, or a median fit, phase-doubling error, ideal-logit agreement or distance irrelevance far
from the others (beyond three median absolute deviations, and by at least 0.02 for the fits and the
phase-doubling error, 0.05 for the ideal-logit FVE and 0.1 for DI). Look at one with
`go run ./cmd/modadd analyze -model results/p59-pizza-seeds/runs/NAME` and `modadd figures`."""),
("code", """%%
rows := table("p59-pizza-seeds")
devs := sweep.Deviations(rows)
fmt.Printf("%d of %d models deviate\\n", len(devs), len(rows))
for _, d := range devs {
	fmt.Printf("seed %d (%s):\\n", d.Row.Seed, d.Row.ClusterSizes)
	for _, why := range d.Reasons {
		fmt.Printf("    %s\\n", why)
	}
}"""),
("markdown", r"""## The pizza-clock map

Zhong et al. interpolate between the two algorithms with the attention rate: the attention pattern is
$\alpha \cdot \tfrac12 + (1-\alpha)\cdot\mathrm{softmax}$. Gradient symmetricity and distance
irrelevance against $\alpha$, each model a dot, the medians joined; Zhong et al.'s clock and pizza
medians are marked at $\alpha = 0$ and $1$."""),
("code", """%%
rows := table("p31-alpha-map")
nb.Show("06-alpha-map", nb.Must1(sweep.AlphaMapFigure("06-alpha-map", rows)))
by := map[float64][]sweep.Row{}
for _, r := range rows {
	by[r.Alpha] = append(by[r.Alpha], r)
}
var alphas []float64
for a := range by {
	alphas = append(alphas, a)
}
sort.Float64s(alphas)
var cells [][]string
for _, a := range alphas {
	var gs, di, circ, acc []float64
	for _, r := range by[a] {
		gs, di, circ, acc = append(gs, r.GradientSymmetricity), append(di, r.DistanceIrrelevance), append(circ, r.Circularity), append(acc, r.Accuracy)
	}
	med := func(x []float64) string { sort.Float64s(x); return fmt.Sprintf("%.3f", x[len(x)/2]) }
	cells = append(cells, []string{fmt.Sprint(a), fmt.Sprint(len(by[a])), med(acc), med(gs), med(di), med(circ)})
}
nb.Table([]string{"alpha", "models", "median accuracy", "median GS", "median DI", "median circularity"}, cells)
_ = math.Pi"""),
("markdown", r"""GS rises and DI falls steadily with $\alpha$ (the medians in the table). Even at $\alpha = 0$
these small models' GS stays far above Zhong et al.'s clock median, and circularity does not follow
$\alpha$ at all: notebook 5 looks at one small clock closely (longer training, and circularity over
more principal components)."""),
]
