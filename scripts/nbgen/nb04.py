from common import SETUP

NAME = "04-compact-proof"
CELLS = [
("markdown", r"""# 4. A compact proof, against brute force

Notebooks 2 and 3 *explained* the MLP. Here we *prove* things about it: for every input $(a, b)$
a sound bound $\varepsilon(a,b,c)$ on how far the network's logit difference between the right answer
$c^* = a + b$ and each rival $c$ can be from an explanation's, and hence the set of inputs whose correct answer is proven. A proof has a cost (the
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
  their sign and by where they sit, and the margins are bounded per distance $a - b$ where possible
  (then for sets of the inputs left, then input by input).
  **arc-signed/4** splits each cluster into four arcs by offset; **arc-signed+W** adds W more
  frequencies of $U$ (below).
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
	"slices"

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

// shipped keeps the names of the models that are shipped (a trimmed
// checkout may lack some).
func shipped(names ...string) []string {
	var out []string
	for _, name := range names {
		if _, err := os.Stat(nb.Path("models", name)); err == nil {
			out = append(out, name)
		}
	}
	return out
}

// signed proves a shipped model with arc-signed strategies.
func signed(name string, ss ...proof.ArcSigned) ([]proof.SignedRun, error) {
	ck := model(name)
	m, err := proof.NewModel(ck.Config, ck.Params)
	if err != nil {
		return nil, err
	}
	return proof.RunSigned(m, ss...)
}

// widthRuns proves the trained models of several widths (Wider trained
// models) with arc-signed, four and sixteen tiers, the lean variant and
// arc-signed without minor clusters.
func widthRuns() []proof.SignedRun {
	wide := shipped("p59-pizza-seed0", "p59-pizza-m1024-seed0", "p59-pizza-m2048-seed0", "p113-pizza-seed0", "p113-pizza-m1024-seed0")
	return nb.Cached("trained-widths", func() ([]proof.SignedRun, error) {
		var rows []proof.SignedRun
		for _, name := range wide {
			r, err := signed(name, proof.ArcSigned{}, proof.ArcSigned{Tiers: 4}, proof.ArcSigned{Tiers: 16}, proof.ArcSigned{Without: proof.CrossTerms | proof.InputResiduals},
				proof.ArcSigned{Without: proof.MinorClusters})
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
		}
		return rows, nil
	})
}

// gpuProofs is what the cell *Trained on a GPU* proves (cached): the
// runs, and p = 331's compact certificate in brief.
type gpuProofs struct {
	Runs    []proof.SignedRun
	Compact *compactCert // nil where the p = 331 model is not shipped
}

// compactCert is what figures.CertifiedByDistance draws of a certificate:
// which inputs it certifies, and the frequencies of the clusters it
// gives arcs.
type compactCert struct {
	Strategy  string
	P         int
	Share     float64
	Certified []bool
	Ks        []int
}

// gpuRuns proves the models trained on a GPU with arc-signed, four tiers,
// the lean variant and without the minor clusters (one and two tiers, and
// two without the per-input κ); the check against brute force, a minute
// per model, is shared by all of a model's proofs.
func gpuRuns() gpuProofs {
	gpu := shipped("gpu/p227-pizza-m4096-seed0", "gpu/p331-pizza-m4096-seed0")
	return nb.Cached("trained-gpu", func() (gpuProofs, error) {
		var out gpuProofs
		compact := proof.ArcSigned{Without: proof.MinorClusters}
		for _, name := range gpu {
			ck := model(name)
			m, err := proof.NewModel(ck.Config, ck.Params)
			if err != nil {
				return out, err
			}
			for _, s := range []proof.ArcSigned{{}, {Tiers: 4}, {Without: proof.CrossTerms | proof.InputResiduals},
				compact, {Tiers: 2, Without: proof.MinorClusters}, {Tiers: 2, Without: proof.InputKappa | proof.MinorClusters}} {
				c, err := s.Prove(m)
				if err != nil {
					return out, err
				}
				r, err := proof.Summarize(m, s, c)
				if err != nil {
					return out, err
				}
				out.Runs = append(out.Runs, r)
				if s != compact || m.P != 331 {
					continue
				}
				cls, err := compact.Clusters(m)
				if err != nil {
					return out, err
				}
				var ks []int
				for _, cl := range cls {
					ks = append(ks, cl.K)
				}
				out.Compact = &compactCert{Strategy: c.Strategy, P: m.P, Share: c.CertifiedAccuracy, Certified: c.Certified, Ks: ks}
			}
		}
		return out, nil
	})
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
fmt.Printf("brute force on the folded tables: %.3g FLOPs with folding, %.3g after it, %.3f s; p²·m = %.3g\\n", float64(r.BruteForceFLOPs), float64(r.BruteForceFLOPs-r.FoldFLOPs), r.BruteForceSeconds, float64(r.PM))"""),
("markdown", r"""Seconds are measured in this run on this machine (one core; the fastest of three runs for the
proofs under a tenth of a second; the notebooks' machine may be busy, so compare the ratios, not the
absolute times). *proof FLOPs* are what a strategy does after folding;
*÷ p²·m* compares them with the number of (input, neuron) pairs, one FLOP per pair: a strategy below
1 could not even touch every neuron on every input once (brute force does about 128 FLOPs per pair).
None gets below 1 at p = 59, not even those that evaluate no neuron (why, below; a model trained at
p = 331 gets there: *Trained on a GPU*).

## The frontier

Certified accuracy against cost, folding included. The dashed lines mark brute force and a tenth
of it (folding alone costs more than that tenth here: printed above). arc's square covers
fourier-U/1's cross: they share one explanation and certify the same at nearly the same cost."""),
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
for _, c := range r.Strategies { // the figure after the lines it belongs to
	if c.Strategy == "linear" {
		nb.Show("04-budget-"+c.Strategy, figures.Budget(c))
	}
}"""),
("markdown", r"""## arc-signed: a proof that evaluates no neuron

The linear bound replaces every neuron by its idealisation and pays for each one's worst case.
arc-signed keeps the exact pre-activation $\mathrm{pre}_i = A_i(a) + B_i(b) + c_i$ wherever a neuron's
gate is certain (summed by prefix sums over the arc, as arc does) and bounds the rest, the *gate
errors*, without evaluating anything, by three observations. Notation: the model has $K$ clusters;
a neuron $i$ of a cluster of frequency $w$ has the fitted amplitude $r_i$, phase $\phi_i$ and offset
$o_i$ (the constant part of its pre-activation), and $U_i$'s Fourier coefficient at $w$ is
$z_i = |z_i| e^{i\psi_i}$, so that its output wave is $|z_i|\cos(wc + \psi_i)$; $d = a - b$ and
$\theta' = w(a+b)/2$, plus $\pi$ where $\cos(wd/2) < 0$.

1. **The offset stays inside the ReLU.** The gate of neuron $i$ is predicted from
   $\hat p_i = 2 r_i (|\cos(wd/2)| \cos(\theta' + \phi_i) + \bar t)$, with $\bar t$ the median of
   $o_i / 2r_i$ over the neuron's tier (arc-signed/$T$ splits each cluster into up to $T$ tiers by that
   ratio; its median is printed below: the offset shifts the arc's ends, it is not an error).
   $\hat p_i$ only decides the gate; where the gate is certain the value used is the exact
   $\mathrm{pre}_i$. What separates the two, $E_i(a,b) \ge |\mathrm{pre}_i - \hat p_i|$, is the fit's
   residual of $A$ at this $a$ plus that of $B$ at this $b$ (plus the offset's deviation from
   $2r_i\bar t$ and rounding): a per-input number, not a worst case, and separable, so its sums over
   any arc are prefix sums too.
2. **The gate errors have a sign.** The explanation takes $\hat h_i = \mathrm{pre}_i$ on the *arc*
   $\hat p_i > 0$ and $0$ off it. Since $\mathrm{ReLU}(x) \ge x$ and $\ge 0$, the error
   $h_i - \hat h_i$ is never negative: the true activation can only exceed the explanation's (a neuron
   off the arc that fires after all, or one on the arc whose pre-activation is negative). It is nonzero
   only in two *windows* at the arc's ends, the neurons with $|\hat p_i| \le 2r_i\kappa$, where
   $\kappa \ge E_i/2r_i$ for every neuron of the tier, and there it is at most $(E_i - \sigma\hat p_i)^+$
   ($\sigma = +1$ on the arc, $-1$ off it), below the straight line (the *chord*) from $E_i$ at the
   arc's end to $0$ at the window's edge, which is linear in $\hat p_i$: prefix sums again. At the
   arc's ends phase doubling puts each window neuron's output wave near its minimum at $c^*$
   ($\psi_i + wc^* \approx \pi$), so against the rival $c = c^* - \Delta$ such an error lowers the
   margin by at most $(h_i - \hat h_i)|z_i|\,((1 - \cos w\Delta) + \bar s|\sin w\Delta|)$, $\bar s$ a
   bound on $|\sin(\psi_i + wc^*)|$ over the window. The first part has the shape of the cluster's own
   contribution to the margin, $X(1 - \cos w\Delta)$: each cluster's gate errors are subtracted from
   its own margin coefficient instead of added to $\varepsilon$ as a spread; the second joins the
   margin's sine term.
3. **Margins per distance.** Per input the bound is three numbers per cluster ($X_k$, $y_k$, $H_k$:
   the margin coefficient after the gate errors, the explanation's sine term and the gate errors'),
   $O(K)$ per input; the margin against every rival is bounded once per $d = a - b$ from the worst of
   the $p$ inputs sharing it (their amplitudes depend on $d$, hardly on $a + b$). Where that fails
   (one weak input spoils its group), the same bound from the worst of the strongest half, quarter,
   ... of the inputs left (a *profile*: one scan over the rivals for many inputs), and input by
   input only for those still left.

In arc-signed's budget the gate errors are listed at their largest reach, against the farthest
rival; they are charged against the margin coefficient, not added to $\varepsilon$, so that line can
exceed the bound. Splitting each cluster into tiers by offset narrows the windows. What that buys
and costs at p = 59:"""),
("code", """%%
ck := model("p59-pizza-seed0")
p := ck.Config.P
m := nb.Must1(proof.NewModel(ck.Config, ck.Params))
pm := int64(p * p * ck.Config.DMLP)
var ratios []float64
for _, f := range m.Fits {
	ratios = append(ratios, f.Offset/(2*f.R))
}
fmt.Printf("K = %d clusters; offset ratio o_i/2r_i: median %.3f over the neurons\\n", len(m.Clusters), mechanism.Median(ratios))
var certs []*proof.Certificate
for _, t := range []int{1, 2, 4, 8} {
	c := nb.Must1(proof.ArcSigned{Tiers: t}.Prove(m))
	d := c.Details
	fmt.Printf("%-13s %3.0f arcs: certified %5.1f%% (%.1f%% by distance groups and profiles); windows hold %.0f%% of the (input, neuron) pairs; proof FLOPs ÷ p²·m = %.2f: preparation %.2f, per input %.2f, margins %.2f\\n",
		c.Strategy, d["arcs"], 100*c.CertifiedAccuracy, 100*d["certified_by_distance_groups"], 100*d["window_share"], float64(c.FLOPs-m.FoldFLOPs)/float64(pm),
		d["prep_flops"]/float64(pm), d["per_input_flops"]/float64(pm), (d["group_flops"]+d["single_flops"])/float64(pm))
	certs = append(certs, c)
}
// What one arc per cluster certifies, by how weak the weakest cluster is at
// d = a − b (every distance has p inputs: the mean share is the inputs').
var ks []int
for _, cl := range m.Clusters {
	ks = append(ks, cl.K)
}
var weak, strong [2]float64 // summed share, distances
for _, s := range proof.ByDistance(certs[0].Certified, p, ks) {
	n := &strong
	if s.Least < 0.5 {
		n = &weak
	}
	n[0] += s.Share
	n[1]++
}
fmt.Printf("arc-signed certifies %.0f%% of the inputs where every cluster has |cos(w_k d/2)| ≥ 0.5, %.0f%% of the others\\n",
	100*strong[0]/max(strong[1], 1), 100*weak[0]/max(weak[1], 1))
nb.Show("04-budget-arc-signed", figures.Budget(certs[0]))
nb.Show("04-certified-arc-signed", figures.Certified(certs[0], p))
nb.Show("04-cost-arc-signed", figures.CostSplit("arc-signed at p = 59: where the proof FLOPs go", certs, pm))"""),
("markdown", r"""The map (one arc per cluster) shows diagonal stripes: what arc-signed certifies depends on
$d = a - b$, through every cluster's $|\cos(w_k d / 2)|$: where one of them is small, that cluster's
windows cover most of its circle and its gate errors outweigh the others' margin (the two shares
printed above).

## What each idea buys

Each of arc-signed's ideas can be switched off (`proof.ArcSigned{Without: ...}`, or
`modadd prove -strategy "arc-signed/4 without chords"`), and the proof then falls back to another
bound, usually coarser, still sound and still checked against brute force: *offset inside* (gates predicted with
the tier's offset ratio $\bar t$; off: $\bar t = 0$ and the whole offset counted in $E_i$), *cross
terms* (each neuron's output wave at the other clusters' frequencies summed exactly; off: added to
$\rho_i$, the spread over the classes of what the kept Fourier terms of $U_i$ leave), *per-input κ* (windows sized per input; off: one κ per tier), *chords*
(gate errors under the chord; off: $E_i$ itself), *margin shape* (gate errors charged to the
margin coefficient $X_k$; off: to $\varepsilon$ at $2|z_i|$ each), *direct terms* (the direct
paths' terms at the clusters' frequencies in $Z_k$, the explanation's Fourier coefficient of the
logits at cluster $k$'s frequency; off: counted by their spread) and *per-input residuals* (a window
neuron's gate error bounded with its residuals at the input, $E_i(a, b)$; off: with its largest
residual over all inputs, $\bar E_i$, and so one κ per tier too); the last two, *loose outliers* and
*minor clusters*, are about which neurons get arcs at all (below the table). A switched-off idea also skips the
work it needed, so the brackets say what each idea costs as well as what it buys. The third column is the p = 113
model with sixteen tiers, where it certifies close to half its inputs (eight tiers certify two fifths:
*How far arc-signed reaches on each model*, below). Certified inputs,
and the proof's FLOPs ÷ p²·m in brackets, with each idea switched off in turn (half a minute of
work, cached):"""),
("code", """%%
cols := nb.Cached("arc-signed-ablation", func() ([][]proof.SignedRun, error) {
	var cols [][]proof.SignedRun
	for _, run := range []struct {
		name  string
		tiers int
	}{{"p59-pizza-seed0", 1}, {"p59-pizza-seed0", 4}, {"p113-pizza-seed0", 16}} {
		col, err := signed(run.name, proof.Ablations(run.tiers)...)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	return cols, nil
})
nb.Table(proof.AblationTable(cols))"""),
("markdown", r"""Every idea but the last two pays for itself in all three proofs: each of those rows is below the
first in every column. The last but one is about outliers: a
cluster's neuron whose fit residuals are more than twice the cluster's median (relative to its
amplitude), or larger than its whole swing, would widen every window of its tier at every input, so
the proof bounds it *loose*, separably and against any rival, like the neurons outside every cluster
(bench/README, *The trained p = 227 model, and p = 331*, says where that came from). It changes
nothing at p = 59, whose clusters have no outliers; at p = 113 with sixteen tiers it costs a point
(45.3% with the outliers kept in their tiers, 44.2% loose) and saves a fifth of the FLOPs, and with
four tiers it lifts p = 113 from 1.5% (kept, `ExampleArcSigned_looseOutliers`) to 31.0% (printed
under *Scaling with p*). The last is about minor clusters: a cluster with under a tenth of the
largest one's neurons still gets a frequency slot (and its arcs, unless all its neurons are loose
outliers), which costs every cluster neuron's $U$ a term and every arc a prefix column: the slots,
not the arcs, are most of the cost. Switched off, its neurons are bounded loose and its frequency
joins the residuals. It changes nothing at p = 59 (three clusters, none minor); at p = 113
with sixteen tiers, without its three minor clusters, the proof costs 23% less (19.70 against
25.56) and certifies three points less (41.1% against 44.2%). Where that trade pays is the largest
model below (*Trained on a GPU*). The others mostly cost little: switching one off changes the FLOPs by about a tenth or less (the brackets), and
sometimes adds some, because the inputs a coarser bound leaves to be certified one by one (or by
smaller sets) cost more scans over the rivals; without the offset, wider windows also cost more per
input. Two cost more, in the preparation (prefix sums over every neuron for each value of $a$ and
of $b$) and, with many arcs, per input. The per-input residuals, with the per-input κ they imply,
cost a sixth to over a fifth of each proof: window weights summed per token value, κ sized per input and
arc, two window arrays read instead of one. The cross terms cost a seventh at p = 59 with one arc per cluster and over a third at
p = 113, where every arc sums six clusters' terms instead of three, per token value and per input.
The offset inside the ReLU matters most: without it little or nothing is certified anywhere. With
one arc per cluster every other idea but the per-input κ is essential too (each switched off leaves
under a tenth of the inputs); four tiers soften every loss (the offset's least: 7.9% of 66.1% is
left), since narrower windows leave less for the chords and the margin shape to bound. At
p = 113 with sixteen tiers the cross terms, the direct paths' terms and the per-input residuals are as
essential as the offset: that model has six clusters to p = 59's three (printed below, under *Scaling
with p*), so more of each neuron's output falls on the others' frequencies, and its residuals are
larger.

## Why it is not compact at this size

Not one of these proofs evaluates a neuron on an input, yet none costs less than $p^2 m$ FLOPs.
The bars say where the FLOPs go. The preparation builds, for every value of $a$ and of $b$, prefix
sums over each arc's neurons (of the pre-activation times every cluster's Fourier term of $U_i$, of
the residual and window weights) and checks the fits' residuals entry by entry: $c_1$ FLOPs per
(token value, neuron) pair, $a$ and $b$ counted together, and $c_1$ grows with $K$ (every cluster's
term is summed). So the preparation is $c_1 \cdot p \cdot m$ and, as a share of $p^2 m$, $c_1 / p$.
The work per input is a fixed number of edge searches, prefix-sum reads and window bounds per arc,
$c_2$ per (input, arc), with at most $K \cdot T$ arcs (a small cluster gets fewer tiers): a share
$c_2 \cdot \mathrm{arcs} / m$ of $p^2 m$. The margins add a little more. Measured:"""),
("code", """%%
for _, name := range shipped("p59-pizza-seed0", "p113-pizza-seed0") {
	r := report(name)
	ck := model(name)
	p, mm := float64(ck.Config.P), float64(ck.Config.DMLP)
	// and the leanest variant: how low c1 goes
	lean := nb.Cached("proof-lean-"+name, func() (*proof.Certificate, error) {
		m, err := proof.NewModel(ck.Config, ck.Params)
		if err != nil {
			return nil, err
		}
		return proof.ArcSigned{Without: proof.CrossTerms | proof.InputResiduals}.Prove(m)
	})
	for _, c := range append(r.Strategies, lean) {
		if c.Strategy != "arc-signed" && c.Strategy != "arc-signed/4" && c != lean {
			continue
		}
		d := c.Details
		c1 := d["prep_flops"] / (p * mm)
		c2 := d["per_input_flops"] / (p * p * d["arcs"])
		fmt.Printf("p = %3.0f %-13s certified %5.1f%%  proof FLOPs ÷ p²·m %5.2f = preparation c1/p = %.0f/%.0f = %.2f + per input c2·arcs/m = %.0f·%.0f/%.0f = %.2f + margins %.2f\\n",
			p, c.Strategy, 100*c.CertifiedAccuracy, float64(c.ProofFLOPs)/(p*p*mm), c1, p, c1/p, c2, d["arcs"], mm, c2*d["arcs"]/mm, (d["group_flops"]+d["single_flops"])/(p*p*mm))
		fmt.Printf("        windows hold %.0f%% of the (input, neuron) pairs; largest budget term: %s %.4g (median margin %.3g)\\n",
			100*d["window_share"], c.Budget[0].Name, c.Budget[0].Value, c.MedianMargin)
	}
}"""),
("markdown", r"""A proof is below $p^2 m$ when $c_1/p + c_2 \cdot \mathrm{arcs}/m + \text{margins} < 1$. At
$m = 512$ neither of the first two terms is small. $c_1$ (printed) is above $p$ for both models, and larger at p = 113, whose six clusters
give four arcs (printed): one per cluster, except two small clusters whose neurons are all outliers,
bounded loose; p = 59 has three clusters and three arcs. The per-input share alone is above 1: locating a cluster's arc and its four window
segments and summing them costs more than evaluating its $m/K$ neurons would. A proof of this kind
gets below $p^2 m$ once $p \gg c_1$ and $m \gg c_2 \cdot \mathrm{arcs}$; for three or four clusters
and one arc each, that means thousands of neurons and $p$ in the hundreds (*Trained on a GPU*, below,
has such a model). What it does show at this
size is the shape of a compressed explanation: the windows, the neurons whose gate the explanation
cannot predict from the pizza's geometry, hold a quarter to over a third of the (input, neuron)
pairs at p = 59 and two fifths at p = 113 with one arc per cluster (printed above), and the bound
on them is what keeps the rest uncertified: the gate errors are the largest term of every arc-signed
budget. Without the two costly ideas (the last line per model) $c_1$ falls just below $p$ at p = 59 and
to about half of it at p = 113, and $c_2$ by a quarter to a third, but then nothing is certified: those ideas
are what makes the bound tight enough on a trained model.

## Where it becomes compact

The argument predicts a crossover: with the clusters fixed, $c_1/p$ falls as $p$ grows and
$c_2 \cdot \mathrm{arcs}/m$ as the width grows. Trained models of thousands of neurons are beyond this
notebook's budget, but the mechanism can be written into the weights by hand: `proof.PlantedPizza`
builds two clusters (frequencies 1 and 3) with evenly spread phases and no training leftovers, through
the model's real parameter list, and every bound is still checked against brute force. arc-signed,
one arc per cluster, and for comparison arc-signed without its two costliest ideas (the cross terms
and the per-input residuals), on such pizzas of three sizes of $p$ and three widths (a minute of
work, cached):"""),
("code", """%%
rows := nb.Cached("planted-scaling", func() ([]proof.SignedRun, error) {
	var rows []proof.SignedRun
	for _, p := range []int{59, 113, 227} {
		for _, width := range []int{256, 1024, 4096} {
			m, err := proof.NewModel(proof.PlantedPizza(p, width/2, 0, nil))
			if err != nil {
				return nil, err
			}
			r, err := proof.RunSigned(m, proof.ArcSigned{}, proof.ArcSigned{Without: proof.CrossTerms | proof.InputResiduals})
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
		}
	}
	return rows, nil
})
for _, r := range rows {
	fmt.Printf("p = %3d, m = %4d  %-50s certified %5.1f%% (true accuracy %5.1f%%), proof FLOPs ÷ p²·m = %.2f\\n",
		r.P, r.M, r.Strategy().Name(), 100*r.Certified, 100*r.True, r.PerPM())
}
nb.Show("04-compact-scaling", figures.CompactScaling("planted pizzas", rows))"""),
("markdown", r"""On the planted pizzas arc-signed certifies the inputs the model gets right (the planted
pizza itself gets some wrong where the width is small for its $p$ and its two clusters' quadrature
is coarse: 61.9% right at p = 227, m = 256, 99.3% at m = 4096), and its cost falls below $p^2 m$
once both $p$ and $m$ are large enough, just below it at p = 113 with 4,096 neurons (0.98) and at
p = 227 from 1,024 (at
m = 256 it rises again at p = 227: the inputs of a
distance group that the pizza gets wrong leave the others to the profiles and one-by-one checks,
whose scans over the rivals grow with $p$): it then proves the model's answers
with fewer FLOPs than it would take to evaluate every neuron on every input once, the compact proof
of the paper's claim. The dotted lines are arc-signed without the two costly ideas of the ablation
above, the cross terms and the per-input residuals. A planted pizza has neither (its $U_i$ is one
wave at its own frequency, and its residuals are rounding), so that leaner proof certifies the same
inputs (its lines on the right lie under the full proof's), and it crosses $p^2 m$ sooner: at
p = 59 with 4,096 neurons, at p = 113 and p = 227 from 1,024 on. The trained models above are not there yet: three or more
clusters, $m = 512$, residuals that fill a quarter or more of each circle with windows, and cross
terms and per-input residuals that they need (without either little is certified, except at p = 59
with four tiers: the ablation above).

## Wider trained models

Planted pizzas are the mechanism without training's leftovers. Do trained models move the same way
as they get wider? The same preset, seed and schedule as the shipped p = 59 and p = 113 models
(10,000 and 6,000 epochs), with wider MLPs (`modadd train -p 59 -set d_mlp=1024 ...`): p = 59 up to
2,048 neurons, p = 113 up to 1,024. Each is proved with arc-signed, arc-signed/4 and /16 (four and
sixteen tiers), the lean variant (arc-signed without cross terms and per-input residuals, the
dotted lines of the planted pizzas' figure) and arc-signed without minor clusters (the ablation's
last row; cached):"""),
("code", """%%
rows := widthRuns()
for j, r := range rows {
	if j == 0 || r.P != rows[j-1].P || r.M != rows[j-1].M {
		fmt.Printf("p = %d, m = %d: clusters of %v neurons\\n", r.P, r.M, r.ClusterSizes)
	}
	c1 := r.PrepPerPM() * float64(r.P)
	fmt.Printf("p = %3d, m = %4d (accuracy %5.1f%%), %d clusters  %-50s certified %5.1f%%  proof FLOPs ÷ p²·m %5.2f = preparation c1/p = %3.0f/%d = %.2f + the rest %.2f\\n",
		r.P, r.M, 100*r.True, r.Clusters(), r.Strategy().Name(), 100*r.Certified, r.PerPM(), c1, r.P, r.PrepPerPM(), r.PerPM()-r.PrepPerPM())
}
nb.Show("04-trained-widths", figures.CompactScaling("trained ReLU pizzas", rows))"""),
("markdown", r"""No trained proof at these sizes gets below $p^2 m$: the cheapest that certifies anything costs
2.78 (p = 113, 1,024 neurons, arc-signed without minor clusters, 25.3%; with them 25.9% at 3.90),
and the lean variant gets down to 1.40 but certifies nothing on any of these models (its lines lie
on 0%). Leaving the minor clusters out changes nothing where there are none (p = 59 with 512 and
1,024 neurons: the crosses lie on the circles) and saves 0.28 to 1.21 $p^2 m$ where there are:
p = 59 with 2,048 neurons (one minor cluster) 3.14 → 2.86 at the same 38.0%, p = 113 with 512
(three) 4.26 → 3.05 at 0%, with 1,024 (four) 3.90 → 2.78, 25.9% → 25.3%. Width lowers the part after the
preparation (the rest, printed), and every proof but one gets cheaper per pair (the exception: p = 59
arc-signed, 2.98 to 3.14 from 1,024 to 2,048 neurons, where five clusters replace three). At p = 113
the wider model also certifies more: 25.9% with one arc per cluster against 0%, 62.4% with four tiers
against 31.0%, 75.9% with sixteen against 44.2%, at 19.7 rather than 25.6 $p^2 m$. At p = 59 it is
mixed: one arc per cluster goes 41.8%, 55.1%, 38.0%, four tiers 66.1%, 62.1%, 60.2%, sixteen 71.0%,
66.5%, 78.9%. The wider trained models are not the planted ones: they spread over more clusters
(p = 59: three, three, five; p = 113: six, eight), and the preparation pays for every cluster's term
per (token value, neuron), so $c_1/p$, the part no width removes, is 1.9 to 2.0 with three clusters
and 2.4 with five at p = 59, 1.42 and 1.63 at p = 113 ($c_1$ about 115 with three clusters, 139 with
five, 184 with eight); the lean variant's is below 1 (0.87 to 0.92 at p = 59, 0.52 to 0.57 at
p = 113). A trained crossing therefore needs $p$ well above $c_1$, widths in the thousands, and the
count of large clusters to stay small as the model widens (minor ones can be left out: below): models that train at 30 to 60 s per epoch on this
project's 2-core CPU (bench/README), beyond this notebook, but not beyond a GPU.

## Trained on a GPU: p = 227 and p = 331

One session was lent an H200, which trains models of this size in minutes instead of days
(bench/README, *XLA / GPU*): the same preset, seed and schedule with 4,096 neurons at p = 227
(10,000 epochs, 129 s) and at p = 331 (cut off after 9,100 epochs by the session's device time;
accuracy 1 from epoch 400). They are under `models/gpu/`, outside the unit tests' checks of every
model (too slow there); every proof here is checked against brute force, a minute or two. Each is
proved with arc-signed, four tiers, the lean variant, and without the minor clusters (one and two
tiers, and two without the per-input κ too), and the cell says why a bound fails where it does: its two largest terms, the explanation's median margin, and the share of (input, neuron) pairs
whose gate the proof does not know (cached):"""),
("code", """%%
big := gpuRuns().Runs
for j, r := range big {
	if j == 0 || r.P != big[j-1].P {
		fmt.Printf("p = %d, m = %d: clusters of %v neurons\\n", r.P, r.M, r.ClusterSizes)
	}
	fmt.Printf("p = %3d, m = %4d, %d clusters, %2d arcs  %-50s certified %5.1f%%  proof FLOPs ÷ p²·m %5.2f (preparation %.2f)\\n",
		r.P, r.M, r.Clusters(), r.Arcs, r.Strategy().Name(), 100*r.Certified, r.PerPM(), r.PrepPerPM())
	fmt.Printf("    largest terms: %s %.0f, %s %.0f; median margin %.1f; gates unknown in %.0f%% of (input, neuron) pairs\\n",
		r.Budget[0].Name, r.Budget[0].Value, r.Budget[1].Name, r.Budget[1].Value, r.MedianMargin, 100*r.WindowShare)
}
// The figure draws the strategies the narrower models were proved with.
drawn := widthRuns()
for _, r := range big {
	if slices.ContainsFunc(drawn, func(q proof.SignedRun) bool { return q.Strategy().Name() == r.Strategy().Name() }) {
		drawn = append(drawn, r)
	}
}
nb.Show("04-trained-gpu", figures.CompactScaling("trained ReLU pizzas, the widest trained on a GPU", drawn))"""),
("markdown", r"""The figure sets them beside the narrower models (p = 227 and 331 at m = 4,096): the costs keep
falling towards $p^2 m$, and at p = 331 a proof that certifies falls below it. **Arc-signed without
minor clusters certifies 26.7% of p = 331's inputs at 0.78 $p^2 m$**: a compact certificate on a
trained model, every bound checked against brute force, with fewer FLOPs than evaluating every
neuron once on every input (proof FLOPs after folding the weights into tables, as everywhere in
this notebook; the folding, which brute force needs too, is another 2.5 $p^2 m$ at this size:
bench/README). Four of that model's eight clusters are minor (68, 22, 15 and 10
neurons beside 837 to 1,239); with their slots the full proof certifies 27.0% at 1.15, its
preparation 0.54 $p^2 m$ ($c_1 \approx 179$) against 0.37 without, and the rest (per input: five
arcs against four) 0.61 against 0.41; the price is 0.3 points of the inputs. Two tiers without
the minor clusters certify 45.3% at 1.10, and 35.0% at 0.97 with
one κ per tier instead of one per input (also below $p^2 m$); four (with the minor clusters) 60.7%
at 2.22. The lean variant is cheaper still (0.49) and certifies nothing: its gate
errors are about twice the full proof's (297 against 162). At p = 227 nothing is certified, with or
without its minor clusters (1.03 without): the gate errors (390) and U's residual beyond the
clusters' terms (103) against a median margin of 17.2, with gates unknown in half of the (input,
neuron) pairs. That model is less clean than the p = 331 one: even fourier-U/1, which evaluates
every neuron exactly with one Fourier term of $U$ each, certifies nothing there, against 63.8% at
p = 331 (bench/README, *The trained p = 227 model, and p = 331*). The same preset at p = 331 with
8,192 neurons, cut off after 4,214 epochs (not shipped; bench/README), costs 0.54 $p^2 m$ without
its minor clusters and certifies nothing yet, fourier-U/1 neither; the 4,096-neuron model, trained
twice as long, is clean enough, and whether longer training does the same for the wider one is
open.
"""),
("markdown", r"""Which inputs does the compact certificate prove? As at p = 59 (the map of *arc-signed* above),
it follows the distance $d = a - b$: one point per distance, the share of its $p$ inputs certified
against the smallest $|\cos(w_k d/2)|$ over the four clusters it gives arcs (the weakest
cluster's vote at that distance):"""),
("code", """%%
if cc := gpuRuns().Compact; cc != nil {
	var full, some, weak, strong int
	weakMax, strongMin := 0.0, 1.0 // the largest share certified among the weak distances, the smallest among the strong
	for _, s := range proof.ByDistance(cc.Certified, cc.P, cc.Ks) {
		switch {
		case s.Share == 1:
			full++
		case s.Share > 0:
			some++
		}
		if s.Least < 0.3 {
			weak, weakMax = weak+1, max(weakMax, s.Share)
		}
		if s.Least >= 0.6 {
			strong, strongMin = strong+1, min(strongMin, s.Share)
		}
	}
	fmt.Printf("p = %d, %s, clusters k = %v: of the %d distances, %d certified at every input, %d at some, %d at none\\n",
		cc.P, cc.Strategy, cc.Ks, cc.P, full, some, cc.P-full-some)
	fmt.Printf("weakest |cos(w_k d/2)| below 0.3: %d distances, at most %.0f%% of the inputs of one certified; 0.6 or above: %d distances, at least %.0f%% of each\\n",
		weak, 100*weakMax, strong, 100*strongMin)
	c := &proof.Certificate{Strategy: cc.Strategy, CertifiedAccuracy: cc.Share, Certified: cc.Certified}
	nb.Show("04-trained-gpu-by-distance", figures.CertifiedByDistance(c, cc.P, cc.Ks))
} else {
	fmt.Println("models/gpu/p331-pizza-m4096-seed0 is not shipped here: nothing to show")
}"""),
("markdown", r"""Certification is nearly all or nothing per distance: of the 331 distances, 70 are certified at
every input, 33 at some and 228 at none. Where the weakest of the four clusters' $|\cos(w_k d/2)|$
is below 0.3 (188 distances) nothing is certified; from 0.6 on (37 distances) at least 92% of each
distance's inputs are; in between it is mixed. The same
mechanism as at p = 59: at such a distance that cluster's pre-activations barely swing, its windows
cover most of its circle, and its gate errors outweigh the margin the others give. A compact
certificate here is a certificate of the distances where all four clusters vote strongly.
"""),
("code", """%%
ck := model("p59-pizza-seed0")
m := nb.Must1(proof.NewModel(ck.Config, ck.Params))
c := nb.Must1(proof.Arc{}.Prove(m))
fmt.Printf("arc certifies %.2f%% of the inputs with %.3g FLOPs after folding (%.1f%% of brute force's %.3g), in %.4f s (this run alone)\\n",
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
	fmt.Printf("p = %3d: %d clusters; %d epochs; largest residual of A's single-frequency fit plus B's, over 2r (median over neurons): %.3f\\n", ck.Config.P, len(m.Clusters), ck.Config.Epochs, mechanism.Median(tau))
	for _, c := range r.Strategies {
		switch c.Strategy {
		case "brute-force", "arc-signed", "arc-signed/4", "arc", "fourier-U/1", "fourier-U/4", "fourier-U/8":
			fmt.Printf("p = %3d  %-16s certified %6.2f%%  proof FLOPs %.3g  %.4f s\\n", model(name).Config.P, c.Strategy, 100*c.CertifiedAccuracy, float64(c.ProofFLOPs), c.Seconds)
		}
	}
}
nb.Show("04-scaling", figures.ProofScaling(ps, reports))"""),
("markdown", r"""The cheap strategies' share of brute force's cost falls as $p$ grows, from 31 to 59 and on to 113, and the printed seconds show fourier-U/1's lead over brute force
widening with $p$. What they certify depends on training as much as on $p$: the p = 113 model was
trained for 6,000 epochs, and there one Fourier term per neuron certifies only part of the inputs while
four and eight certify them all (printed above); the p = 59 model was trained for 10,000 epochs (one
term suffices), the p = 31 one for 3,000 (eight terms certify every input, four nearly all). The
3,000-epoch p = 59 seeds of notebook 6 show the same: the longer a model trains, the closer each
neuron's output weights come to a single frequency. arc-signed needs more than that: it decides
each gate from the single-frequency fits of $A$ and $B$, so its windows and gate errors grow with the
fits' residuals; with one arc per cluster it certifies only on the long-trained p = 59 one, whose
fits are the tightest (the fits' residuals and what arc-signed certifies: printed above); with four
tiers p = 113 reaches 31.0% and p = 31 nothing. More tiers reach further (next section)."""),
("markdown", r"""## How far arc-signed reaches on each model

More tiers narrow the windows (each tier's neurons share an offset ratio more closely) at the price
of more arcs per input. How far that takes each shipped ReLU pizza model, from one arc per cluster
to 32, against the proof's FLOPs after folding (the dashed line: $p^2 m$; the dotted lines: each
model's brute force, in the same units; a minute of work, cached):"""),
("code", """%%
tiers := []proof.ArcSigned{{Tiers: 1}, {Tiers: 2}, {Tiers: 4}, {Tiers: 8}, {Tiers: 16}, {Tiers: 32}}
names := shipped("p31-pizza-seed0", "p59-pizza-seed0", "p113-pizza-seed0")
rows := nb.Cached("tier-reach", func() ([]proof.SignedRun, error) {
	var rows []proof.SignedRun
	for _, name := range names {
		r, err := signed(name, tiers...)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
})
brute := map[int]float64{} // brute force's proof FLOPs ÷ p²·m
for _, name := range names {
	r, cfg := report(name), model(name).Config
	brute[cfg.P] = float64(r.BruteForceFLOPs-r.FoldFLOPs) / float64(r.PM)
}
for _, r := range rows {
	ratio := r.PerPM()
	fmt.Printf("p = %3d  %-13s certified %5.1f%% (%5.1f%% by groups and profiles)  proof FLOPs ÷ p²·m %6.2f, ÷ brute force's %.3f\\n",
		r.P, r.Strategy().Name(), 100*r.Certified, 100*r.ByGroups, ratio, ratio/brute[r.P])
}
nb.Show("04-tier-reach", figures.TierReach("arc-signed/T on the shipped ReLU pizzas", rows, brute))"""),
("markdown", r"""More tiers buy certified inputs on two of the three models, at a price: the FLOPs grow by a quarter
to two thirds each time the number of tiers doubles (the prefix sums are built once per neuron, the work per
input grows with the arcs). At p = 59 arc-signed goes from 41.8% with one arc per cluster to
75.6% with 32, still about a quarter of brute force's FLOPs. At p = 113 nothing is certified with one
arc per cluster, then 7.2% with two, 31.0% with four, 40.2% with eight and 50.8% with 32, at about a
sixth of brute force's FLOPs; most of it input by input: the bound per distance group, from the worst
of its $p$ inputs, and those of its profiles (the same from the strongest half, quarter, ... of the
inputs it leaves) certify only 21.1% there. At p = 31 no number of tiers certifies anything: tiers narrow the part of each
window that comes from the offsets' spread, not the part that comes from the fits' residuals, and
that model's fits are the loosest of the three (printed under *Scaling with p*). No point is left of
the dashed line: more tiers move every proof away from $p^2 m$, never towards it."""),
("markdown", r"""### More waves of U

Part of what the tiers cannot remove is the residual beyond the clusters' frequencies, $\rho_i$: each neuron's $U_i$ also carries other frequencies (harmonics and combinations of the
clusters'), and a spread charged over every active neuron adds up. **arc-signed+W** (`proof.ArcSigned{Waves: W}`)
compresses every cluster neuron's $U_i$ onto W more frequencies, the W that carry most of the
cluster neurons' unembeddings (from full spectra of up to 32 neurons per cluster, counted), each a
slot $Z_k$ of its own summed exactly over the arcs like the cross terms. Certified share and, in
brackets, proof FLOPs ÷ p²·m (a minute of work, cached):"""),
("code", """%%
runs := nb.Cached("arc-signed-waves", func() ([]proof.SignedRun, error) {
	var runs []proof.SignedRun
	for _, name := range shipped("p31-pizza-seed0", "p59-pizza-seed0", "p113-pizza-seed0") {
		var ss []proof.ArcSigned
		for _, T := range []int{1, 4, 16} {
			for _, w := range []int{0, 2, 4, 8} {
				ss = append(ss, proof.ArcSigned{Tiers: T, Waves: w})
			}
		}
		r, err := signed(name, ss...)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r...)
	}
	return runs, nil
})
nb.Table(proof.WavesTable(runs))"""),
("markdown", r"""More waves buy most at p = 113. With four tiers, 31.0% becomes 47.0% with two waves and 51.8%
with four, more than 32 tiers certify without them (50.8%), at a third of their FLOPs (14.3 against
42.2 p²·m). With sixteen tiers, 44.2% becomes 60.8% with four waves, at 32.2 p²·m. At
p = 59 they add at most three points (a third of a point or less with two waves, one to three with
eight): that model trained longer (10,000 epochs against 6,000), and its
neurons' unembeddings are closer to one frequency each. At p = 31 they do not help: its gate errors, from
the loosest fits of the three, outweigh the margins whatever explains $U$. Each two waves add 0.8 to 4.3 p²·m here (a
column per arc and token value, a slot per input), so they too move the proof away from $p^2 m$: like
the tiers, they buy certified inputs, not compactness."""),
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
two terms capture. Under the damaged column the certificates bound class 3 on its own;
with one or two terms per neuron that keeps most inputs certified even at the largest β, but eight
terms do worse: the damaged column adds a spike at class 3 to every $U_i$, a spike has energy at every
frequency, and the extra terms chosen by energy fit pieces of it, which the explanation then carries
as waves over every class. arc-signed/4 starts lower and loses about as many inputs as arc under
noise (noise enlarges every fit residual and so every window), and the most under the damaged column:
its bound uses most of the margin to begin with, and the column's spike puts energy into the other
clusters' frequencies, which a window neuron pays for with no sign to lean on.
The linear bound was vacuous to begin with.

The same from the command line: `go run ./cmd/modadd prove -model models/p59-pizza-seed0` (add
`-json`, or `-strategy arc`). Every strategy's soundness is tested on 1,000 random weight sets,
hand-built pizzas with and without noise, the shipped models pushed across the decision boundary on
purpose and with a damaged column (`go test ./pkg/proof`, and
`go test -fuzz FuzzProofSound ./pkg/proof`)."""),
]
