from common import SETUP

NAME = "04-compact-proof"
CELLS = [
("markdown", r"""# 4. A compact proof, against brute force

Notebooks 2 and 3 *explained* the MLP. Here we *prove* things about it: for every input $(a, b)$
a sound bound $\varepsilon(a,b)$ on how far the network's logit differences can be from an
explanation's, and hence the set of inputs whose correct answer is proven. A proof has a cost (the
floating-point operations it performs, counted as the code performs them) and a yield (the certified
accuracy); Gross et al.'s *compact proofs* programme studies that trade-off, and so do we.

An input is certified when the explanation's margin $E(c^*) - E(c)$, $c^* = a + b$, exceeds
$\varepsilon(a,b,c)$ for every $c \ne c^*$. Every bound accounts for the float64 rounding of the
folding and of its own computation, so a certificate never claims more than holds for the stored
weights. The strategies:

* **brute-force**: evaluate every logit from the folded tables; only rounding is bounded.
* **linear**: the paper's linear-time bound. The explanation is the infinite-width integral of
  each cluster, whose margin depends on $a - b$ only; the budget adds every neuron's worst-case
  distance from its idealisation, each cluster's quadrature error at the input's half-angle, and the
  direct paths' spread.
* **arc**: a neuron of frequency $w$ has the idealised pre-activation
  $2 r_i \cos(w d/2) \cos(\theta + \phi_i)$, $d = a - b$, $\theta = w(a+b)/2$. Sorted by phase, the
  neurons that fire at an input form an *arc* of the circle; a neuron far enough from the arc's ends
  (farther than its worst-case residual allows) fires for certain, so its ReLU is linear there, and
  the sum over the arc of the exact pre-activations times each neuron's one-term unembedding is three
  differences of prefix sums: $O(1)$ per input and cluster after $O(p \cdot m)$ preparation. The
  neurons near the ends (the *windows*) are evaluated exactly.
* **arc-signed**: the same geometry without evaluating any neuron on any input, with three changes
  (below): each neuron's offset stays inside its ReLU, the window neurons' gate errors are bounded by
  their sign and by where they sit, and the margins are bounded once per distance $a - b$.
  **arc-signed/4** splits each cluster into four arcs by offset.
* **arc-U/4**: arc with four Fourier terms of $U$ per neuron (the same bound as fourier-U/4).
* **fourier-U/T**: keep the hidden activations exact and compress the unembedding $U$ to its $T$
  largest Fourier terms per neuron; the residuals are weighted by the input's own activations.

The unembedding residuals are bounded per class pair: a class whose residual stands out (a damaged
column of $W_U$) is explained exactly instead, so it costs only the inputs it touches (see
*Robustness* below)."""),
SETUP,
("code", """import (
	"fmt"
	"os"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/nb"
	"github.com/modadd/modadd/pkg/proof"
)

// model loads a shipped model.
func model(name string) *checkpoint.Checkpoint {
	return nb.Must1(checkpoint.Load(nb.Path("models", name)))
}

// report proves everything about a shipped model, once per notebook run.
func report(name string) *proof.Report {
	return nb.Cached("proof-"+name, func() (*proof.Report, error) {
		ck := model(name)
		return proof.Run(ck.Config, ck.Params)
	})
}

%%
r := report("p59-pizza-seed0")
nb.Table(r.Table())
fmt.Printf("folding the weights into tables: %.3g FLOPs (%.3f s), shared by every strategy\\n", float64(r.FoldFLOPs), r.FoldSeconds)
fmt.Printf("a plain float64 forward pass on every input: %.3g FLOPs, %.2f s\\n", float64(r.ForwardPassFLOPs), r.ForwardPassSeconds)
fmt.Printf("brute force on the folded tables: %.3g FLOPs, %.3f s; p²·m = %.3g\\n", float64(r.BruteForceFLOPs), r.BruteForceSeconds, float64(r.PM))"""),
("markdown", r"""Seconds are measured in this run on this machine (one core; the fastest of three runs for the
proofs under a tenth of a second; the notebooks' machine may be busy, so compare the ratios, not the
absolute times). *proof FLOPs* are what a strategy does after folding;
*÷ p²·m* compares them with the number of (input, neuron) pairs: a strategy below 1 never evaluates
every neuron on every input. None gets below 1 at p = 59, not even those that evaluate no neuron
(why, below).

## The frontier

Certified accuracy against cost, folding included. The dashed lines mark brute force and a tenth
of it."""),
("code", """%%
nb.Show("04-frontier", figures.Frontier("p = 59, seed 0", report("p59-pizza-seed0")))"""),
("markdown", r"""## How far the compact bounds get

The linear-time bound's budget, term by term (largest value over the inputs), against the
explanation's median margin. Adding every neuron's worst case (the triangle inequality) ignores that
the neurons' errors cancel: the fit residuals alone sum to many times the margin. This is the
looseness the paper's authors reported. The strategies that evaluate no neuron on any input:"""),
("code", """%%
r := report("p59-pizza-seed0")
for _, c := range r.Strategies {
	if c.Strategy == "linear" || c.Strategy == "arc-signed" || c.Strategy == "arc-signed/4" {
		fmt.Printf("%-13s certified %5.1f%%; proof FLOPs %.3g (%.1f per (input, neuron) pair); largest term: %s %.4g (median margin %.3g)\\n",
			c.Strategy, 100*c.CertifiedAccuracy, float64(c.ProofFLOPs), float64(c.ProofFLOPs)/float64(r.PM), c.Budget[0].Name, c.Budget[0].Value, c.MedianMargin)
	}
}
for _, c := range r.Strategies { // the figures after the lines they belong to
	if c.Strategy == "linear" || c.Strategy == "arc-signed" {
		nb.Show("04-budget-"+c.Strategy, figures.Budget(c))
	}
}"""),
("markdown", r"""## arc-signed: a proof that evaluates no neuron

The linear bound replaces every neuron by its idealisation and pays for each one's worst case.
arc-signed keeps the exact pre-activations wherever a gate is certain (prefix sums over the arc, as
arc does) and bounds the rest by three observations.

1. **The offset stays inside the ReLU.** Each neuron's pre-activation is explained as
   $\hat p_i = 2 r_i (|\cos(wd/2)| \cos(\theta' + \phi_i) + \bar t)$, with $\bar t$ the typical offset
   ratio $o_i / 2r_i$ of the neuron's group (the offset is about a tenth of the amplitude: it shifts
   the arc's ends, it is not an error). What is left, $E_i(a, b)$, is the fit's residual of $A$ at
   this $a$ plus that of $B$ at this $b$ (and the offset's deviation from the group's): a per-input
   number, not a worst case, and separable, so its sums over any arc are prefix sums too.
2. **The gate errors have a sign.** The explanation takes $\hat h_i = \mathrm{pre}_i$ on the arc and
   $0$ off it; since $\mathrm{ReLU}(x) \ge x$ and $\ge 0$, the error $h_i - \hat h_i$ is never negative,
   and it is nonzero only in two windows at the arc's ends. There phase doubling puts each neuron's
   output wave $\hat u_i(c) = |z_i| \cos(wc + \psi_i)$ at its most negative at $c^*$: a window neuron
   that fires when the explanation said it would not can only *lower* the margin, and against the rival
   $c = c^* - \Delta$ by at most $(h_i - \hat h_i)|z_i|\,((1 - \cos w\Delta) + \bar s|\sin w\Delta|)$, the
   same shape as the cluster's own contribution to the margin. So each cluster's gate errors are
   subtracted from its own margin coefficient instead of added as a spread. The error itself is at most
   the chord $E_i (1 - \sigma \hat p_i / 2 r_i \kappa)$ ($\sigma = \pm 1$ on and off the arc), largest
   at the arc's end and zero at the window's edge, and linear in $\hat p_i$: prefix sums again.
3. **Margins per distance.** Per input the bound is $K$ numbers per cluster; the margin against every
   rival is bounded once per $d = a - b$ from the worst of the $p$ inputs sharing it (their
   amplitudes depend on $d$, hardly on $a + b$), and input by input only where that fails.

Splitting each cluster into $T$ arcs by offset (arc-signed/$T$) narrows the windows. What that buys
and costs at p = 59:"""),
("code", """%%
ck := model("p59-pizza-seed0")
p := ck.Config.P
m := nb.Must1(proof.NewModel(ck.Config, ck.Params))
pm := int64(p * p * ck.Config.DMLP)
var certs []*proof.Certificate
for _, t := range []int{1, 2, 4, 8} {
	c := nb.Must1(proof.ArcSigned{Tiers: t}.Prove(m))
	d := c.Details
	fmt.Printf("%-13s %3.0f arcs: certified %5.1f%% (%.1f%% by the distance groups alone); windows hold %.0f%% of the (input, neuron) pairs; proof FLOPs ÷ p²·m = %.2f: preparation %.2f, per input %.2f, margins %.2f\\n",
		c.Strategy, d["arcs"], 100*c.CertifiedAccuracy, 100*d["certified_by_distance_groups"], 100*d["window_share"], float64(c.FLOPs-m.FoldFLOPs)/float64(pm),
		d["prep_flops"]/float64(pm), d["per_input_flops"]/float64(pm), (d["group_flops"]+d["single_flops"])/float64(pm))
	certs = append(certs, c)
}
nb.Show("04-certified-arc-signed", figures.Certified(certs[0], p))
nb.Show("04-cost-arc-signed", figures.CostSplit("arc-signed at p = 59: where the proof FLOPs go", certs, pm))"""),
("markdown", r"""The map (for one arc per cluster) shows diagonal stripes: what arc-signed certifies depends on
$d = a - b$, through every cluster's $|\cos(w_k d / 2)|$. Where a key frequency puts that near zero,
its cluster's windows cover the whole circle and its gate errors outweigh the others' margin.

## Why it is not compact at this size

Not one of these proofs evaluates a neuron on an input, yet none costs less than $p^2 m$ FLOPs,
the price of evaluating every neuron once on every input. The bars say where the FLOPs go. The
preparation builds prefix sums over each arc's neurons for every value of $a$ and of $b$: a fixed
number of FLOPs per (token, neuron) pair, so it is $c_1 \cdot p \cdot m$ and, as a share of $p^2 m$,
falls as $c_1 / p$. The work per input is a fixed number of prefix-sum reads and window
bounds per arc, $c_2$ per (input, arc), so $c_2 \cdot p^2 \cdot K T$: as a share of $p^2 m$ it is
$c_2 K T / m$, falling with the width. Measured:"""),
("code", """%%
for _, name := range []string{"p59-pizza-seed0", "p113-pizza-seed0"} {
	if _, err := os.Stat(nb.Path("models", name)); err != nil {
		continue
	}
	r := report(name)
	cfg := model(name).Config
	p, mm := float64(cfg.P), float64(cfg.DMLP)
	for _, c := range r.Strategies {
		if c.Strategy != "arc-signed" && c.Strategy != "arc-signed/4" {
			continue
		}
		d := c.Details
		c1 := d["prep_flops"] / (p * mm)
		c2 := d["per_input_flops"] / (p * p * d["arcs"])
		fmt.Printf("p = %3.0f %-13s certified %5.1f%%  proof FLOPs ÷ p²·m %5.2f = preparation c1/p = %.0f/%.0f = %.2f + per input c2·arcs/m = %.0f·%.0f/%.0f = %.2f + margins %.2f\\n",
			p, c.Strategy, 100*c.CertifiedAccuracy, float64(c.ProofFLOPs)/(p*p*mm), c1, p, c1/p, c2, d["arcs"], mm, c2*d["arcs"]/mm, (d["group_flops"]+d["single_flops"])/(p*p*mm))
	}
}"""),
("markdown", r"""So at $m = 512$ neither term is small: $c_1$ is about a hundred FLOPs per (token, neuron) pair
(the residuals of $A$ and $B$ checked entry by entry, and prefix sums of the pre-activation times
every cluster's Fourier term, of the residual weights and of the window weights), which is more than
$p$ for these models, and $c_2$ is a few hundred operations per arc, of the order of a cluster's
$m / K$ neurons itself: a cluster's arc and four window segments cost nearly as much to locate and
sum as its neurons cost to evaluate. A proof of this kind gets below $p^2 m$ once $p \gg c_1$ and
$m \gg c_2 K T$; for three or four clusters and one arc each, that means thousands of neurons and p
in the hundreds. What it does show at this size is the shape of a compressed explanation: the
windows, the neurons whose gate the explanation cannot predict from the pizza's geometry, hold
a quarter to a third of the (input, neuron) pairs (printed above), and the bound on them is what
keeps the rest uncertified (the budget above: the gate errors are its largest term).

## The cheap proofs that certify

**arc** and **fourier-U/1** use the same explanation (exact pre-activations, one Fourier term of
$U$ per neuron), so their bounds agree; arc computes it from prefix sums and the windows only,
fourier-U/1 evaluates every neuron once per input but nothing per class: with the neurons grouped by
frequency, a ReLU without branches and the rounding terms' sums split into a part of $a$ and one of
$b$, it is the fastest proof that certifies. The map shows arc's margin minus $\varepsilon$ over
$(a, b)$ (red: certified; blue would be inputs where the bound is too loose) and its budget shows
which term dominates."""),
("code", """%%
ck := model("p59-pizza-seed0")
m := nb.Must1(proof.NewModel(ck.Config, ck.Params))
c := nb.Must1(proof.Arc{}.Prove(m))
fmt.Printf("arc certifies %.2f%% of the inputs with %.3g FLOPs after folding (%.1f%% of brute force's %.3g), in %.4f s\\n",
	100*c.CertifiedAccuracy, float64(c.FLOPs-m.FoldFLOPs), 100*float64(c.FLOPs-m.FoldFLOPs)/float64(report("p59-pizza-seed0").BruteForceFLOPs-m.FoldFLOPs),
	float64(report("p59-pizza-seed0").BruteForceFLOPs-m.FoldFLOPs), c.Seconds)
for _, c := range report("p59-pizza-seed0").Strategies {
	if c.Strategy == "fourier-U/1" {
		r := report("p59-pizza-seed0")
		fmt.Printf("fourier-U/1 certifies %.2f%% in %.4f s, brute force takes %.4f s: %.1f times faster\\n",
			100*c.CertifiedAccuracy, c.Seconds, r.BruteForceSeconds, r.BruteForceSeconds/c.Seconds)
	}
}
nb.Show("04-certified-arc", figures.Certified(c, ck.Config.P))
nb.Show("04-budget-arc", figures.Budget(c))"""),
("markdown", r"""## Scaling with p

The same strategies on trained ReLU pizza models of p = 31, 59 and 113 (512 neurons each, shipped
under `models/`). Left: each strategy's cost after folding as a fraction of brute force's (brute
force grows as $p^3 m$, arc as about $p^2 \cdot$ (window + p) + $p \cdot m$); right: certified
accuracy."""),
("code", """%%
var ps []int
var reports []*proof.Report
for _, name := range []string{"p31-pizza-seed0", "p59-pizza-seed0", "p113-pizza-seed0"} {
	if _, err := os.Stat(nb.Path("models", name)); err != nil {
		fmt.Printf("%s is not shipped yet: skipped\\n", name)
		continue
	}
	r := report(name)
	ps, reports = append(ps, model(name).Config.P), append(reports, r)
	ck := model(name)
	m := nb.Must1(proof.NewModel(ck.Config, ck.Params))
	var tau []float64
	for _, f := range m.Fits {
		tau = append(tau, (f.ResA+f.ResB)/(2*f.R))
	}
	fmt.Printf("p = %3d: %d clusters; largest residual of the single-frequency fits of A and B, over 2r (median over neurons): %.3f\\n", ck.Config.P, len(m.Clusters), mechanism.Median(tau))
	for _, c := range r.Strategies {
		switch c.Strategy {
		case "brute-force", "arc-signed", "arc-signed/4", "arc", "fourier-U/1", "fourier-U/4", "fourier-U/8":
			fmt.Printf("p = %3d  %-16s certified %6.2f%%  proof FLOPs %.3g  %.4f s\\n", model(name).Config.P, c.Strategy, 100*c.CertifiedAccuracy, float64(c.ProofFLOPs), c.Seconds)
		}
	}
}
nb.Show("04-scaling", figures.ProofScaling(ps, reports))"""),
("markdown", r"""The cheap strategies' share of brute force's cost falls from p = 31 to 59 and then stays
roughly level or keeps falling, and the printed seconds show fourier-U/1's lead over brute force
widening with $p$. What they certify depends on training as much as on $p$: the p = 113 model was
trained for 6,000 epochs, and there one Fourier term per neuron certifies only part of the inputs while
four and eight certify them all (printed above); the p = 59 model was trained for 10,000 epochs (one
term suffices), the p = 31 one for 3,000 (eight terms certify every input, four nearly all). The
3,000-epoch p = 59 seeds of notebook 6 show the same: the longer a model trains, the closer each
neuron's output weights come to a single frequency. arc-signed needs more than that: its explanation
of the hidden layer is the single-frequency fit itself, so it certifies where the fits of $A$ and $B$
are tight, which among these three models is only the long-trained p = 59 one (the fits' residuals
and what arc-signed certifies: printed above)."""),
("markdown", r"""## Robustness

How gracefully does a certificate degrade when the model is not exactly a pizza? Two
perturbations that keep the model accurate: Gaussian noise on $W_{in}$ and $W_{out}$ (a multiple of
each matrix's mean absolute weight), and one unembedding column damaged by another,
$W_U[:,3] \mathrel{+}= \beta\, W_U[:,4]$. A bound that took each neuron's residual as its largest
over all classes would let the one damaged class spoil every input's certificate; the per-class
bounds explain the damaged class exactly instead (the certificates name it)."""),
("code", """%%
ck := model("p59-pizza-seed0")
perts := []proof.Perturbation{{Kind: "noise"}}
for _, s := range []float64{0.05, 0.1, 0.2} {
	perts = append(perts, proof.Perturbation{Kind: "noise", Size: s, Seed: 1})
}
for _, b := range []float64{0.1, 0.25, 0.5} {
	perts = append(perts, proof.Perturbation{Kind: "column", Size: b, From: 4, To: 3})
}
rows := nb.Cached("robustness", func() ([]proof.RobustnessRow, error) {
	return proof.Robustness(ck.Config, ck.Params, perts, proof.Linear{}, proof.ArcSigned{Tiers: 4}, proof.Arc{}, proof.FourierU{T: 1}, proof.FourierU{T: 2}, proof.FourierU{T: 8})
})
var cells [][]string
for _, r := range rows {
	row := []string{r.Name, fmt.Sprintf("%.4f", r.TrueAccuracy)}
	for _, c := range r.Certified {
		row = append(row, fmt.Sprintf("%.1f%%", 100*c))
	}
	cells = append(cells, row)
}
nb.Table(append([]string{"perturbation", "true accuracy"}, rows[0].Strategies...), cells)
nb.Show("04-robustness", figures.Robustness(rows))"""),
("markdown", r"""The strategies that keep the hidden activations exact (arc, fourier-U/T) degrade gracefully
under noise: their only approximation is $U$'s compression, weighted by the input's own activations.
One Fourier term per neuron suffers most, since noise puts energy into the other frequencies that
two terms capture. Under the damaged column every certificate names class 3 and explains it exactly;
with one or two terms per neuron that keeps most inputs certified even at the largest β, but eight
terms do worse: the damaged column adds a spike at class 3 to every $U_i$, a spike has energy at every
frequency, and the extra terms chosen by energy fit pieces of it, which the explanation then carries
as waves over every class. arc-signed/4 degrades fastest: its bound uses most of the margin to
begin with, noise enlarges every fit residual and so every window, and the damaged column's spike puts
energy into the other clusters' frequencies, which a window neuron pays for with no sign to lean on.
The linear bound was vacuous to begin with.

The same from the command line: `go run ./cmd/modadd prove -model models/p59-pizza-seed0` (add
`-json`, or `-strategy arc`). Every strategy's soundness is tested on 1,000 random weight sets,
hand-built pizzas with and without noise, the shipped models pushed across the decision boundary on
purpose and with a damaged column (`go test ./pkg/proof`, and
`go test -fuzz FuzzProofSound ./pkg/proof`)."""),
]
