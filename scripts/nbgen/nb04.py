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
* **arc** and **arc-compact**: a neuron of frequency $w$ has the idealised pre-activation
  $2 r_i \cos(w d/2) \cos(\theta + \phi_i)$, $d = a - b$, $\theta = w(a+b)/2$. Sorted by phase, the
  neurons that fire at an input form an *arc* of the circle; a neuron far enough from the arc's ends
  (farther than its worst-case residual allows) fires for certain, so its ReLU is linear there, and
  the sum over the arc of the exact pre-activations times each neuron's one-term unembedding is three
  differences of prefix sums: $O(1)$ per input and cluster after $O(p \cdot m)$ preparation. The
  neurons near the ends (the *windows*) are evaluated exactly by **arc**, and bounded by
  **arc-compact**, which never evaluates a neuron on an input. Its window bound is computed per
  competitor class $c$: a neuron whose unembedding is one Fourier term $\hat u_i(c)$ changes by
  at most $2|z_i|\,|\sin(w(c^*-c)/2)|$ between the two classes, and a window neuron's gate error
  shrinks from its largest residual at the arc's end to nothing at the window's inner edge; both are
  prefix sums too. **arc-compact-U/8** keeps eight Fourier terms of $U$ per neuron.
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
every neuron on every input. None gets below 1 at p = 59: the work per class ($p^3 \approx 2 \cdot 10^5$
input–class pairs, each logit a sum over frequencies) and, for arc, the window neurons (below)
dominate.

## The frontier

Certified accuracy against cost, folding included. The dashed lines mark brute force and a tenth
of it."""),
("code", """%%
nb.Show("04-frontier", figures.Frontier("p = 59, seed 0", report("p59-pizza-seed0")))"""),
("markdown", r"""## How far the compact bounds get

The linear-time bound's budget, term by term (largest value over the inputs), against the
explanation's median margin. Adding every neuron's worst case (the triangle inequality) ignores that
the neurons' errors cancel: the fit residuals alone sum to many times the margin. This is the
looseness the paper's authors reported. **arc-compact** removes the fit residuals from the
explanation (it uses the exact pre-activations wherever a gate is certain) but pays for every neuron
whose gate is uncertain, and **arc-compact-U/8** also shrinks what each neuron's unembedding leaves
unexplained:"""),
("code", """%%
r := report("p59-pizza-seed0")
for _, c := range r.Strategies {
	if c.Strategy == "linear" || c.Strategy == "arc-compact" || c.Strategy == "arc-compact-U/8" {
		fmt.Printf("%-16s bound %.4g against a median margin of %.3g; certified %.2f%%; proof FLOPs %.3g (%.1f per (input, neuron) pair); largest term: %s %.4g\\n",
			c.Strategy, c.Bound, c.MedianMargin, 100*c.CertifiedAccuracy, float64(c.ProofFLOPs), float64(c.ProofFLOPs)/float64(r.PM), c.Budget[0].Name, c.Budget[0].Value)
	}
}
for _, c := range r.Strategies { // the figures after the lines they belong to
	if c.Strategy == "linear" || c.Strategy == "arc-compact" {
		nb.Show("04-budget-"+c.Strategy, figures.Budget(c))
	}
}"""),
("markdown", r"""Why the uncertain gates cost so much: a neuron's gate is certain only where
$|2 r_i \cos(w d/2) \cos(\theta+\phi_i)| > E_i$, its largest residual. The residuals are the
single-frequency fit's leftovers (offset, amplitude and phase mismatch between $A$ and $B$, other
harmonics); relative to the amplitude, $\tau_i = E_i / 2r_i$:"""),
("code", """%%
ck := model("p59-pizza-seed0")
m := nb.Must1(proof.NewModel(ck.Config, ck.Params))
c := nb.Must1(proof.Arc{Compact: true}.Prove(m))
d := c.Details
fmt.Printf("tau_i from %.2f to %.2f; on average %.0f%% of the (input, neuron) pairs lie in a window\\n", d["tau_min"], d["tau_max"], 100*d["window_share"])"""),
("markdown", r"""So the windows around the arc's two ends hold a large share of each cluster (all of it
where $|\cos(wd/2)| < \tau$), and a window neuron's worst case, $E_i \cdot \mathrm{spread}(U_i)$, is a
sizeable part of its full output swing. Neither term shrinks with width: more neurons add
proportionally to both the margin and the budget. Two refinements keep arc-compact compact and cut
its window term: against a competitor $c$ close to $c^*$ a neuron's output changes little
($|\sin(w(c^*-c)/2)|$ is small, and that is where the margin is thinnest too), and a window neuron's
gate error is $E_i - |\hat p_i|$ at most, largest at the arc's end and zero at the window's inner
edge. They help most on the inputs with $a = b$, where $|\cos(wd/2)| = 1$ and the windows are
narrowest. With eight Fourier terms of $U$ per neuron the remaining residual term falls too, and the
first inputs are certified by a proof that evaluates no neuron on any input. Where they lie:
""",),
("code", """%%
ck := model("p59-pizza-seed0")
p := ck.Config.P
m := nb.Must1(proof.NewModel(ck.Config, ck.Params))
c := nb.Must1(proof.Arc{Compact: true, T: 8}.Prove(m))
byD := make([]int, p) // certified inputs by d = a − b
n := 0
for k, ok := range c.Certified {
	if ok {
		byD[(k/p-k%p+p)%p]++
		n++
	}
}
fmt.Printf("%s certifies %d of %d inputs; by d = a − b: d = 0: %d of %d, |d| = 1: %d, |d| = 2: %d, other d: %d\\n",
	c.Strategy, n, p*p, byD[0], p, byD[1]+byD[p-1], byD[2]+byD[p-2], n-byD[0]-byD[1]-byD[p-1]-byD[2]-byD[p-2])
nb.Show("04-certified-arc-compact", figures.Certified(c, p))"""),
("markdown", r"""The inputs it certifies are those where every cluster's $|\cos(w_k d/2)|$ is large: most of
those with $d = 0$, none with $|d| \le 2$, and others at the differences $d$ that no key frequency
puts near a zero of the cosine (the counts are printed above). Its cost is
not below $p^2 m$: per input it reads prefix sums for every cluster, tier and frequency slot (eight
terms per neuron use many frequencies) on both sides of both ends of every arc, and computes the
margin against every class; none of that grows with the width $m$, and the neurons themselves are
never evaluated.

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
	for _, c := range r.Strategies {
		switch c.Strategy {
		case "brute-force", "arc-compact-U/8", "arc", "fourier-U/1", "fourier-U/4", "fourier-U/8":
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
neuron's output weights come to a single frequency."""),
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
	return proof.Robustness(ck.Config, ck.Params, perts, proof.Linear{}, proof.Arc{}, proof.FourierU{T: 1}, proof.FourierU{T: 2}, proof.FourierU{T: 8})
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
as waves over every class. The linear bound was vacuous to begin with.

The same from the command line: `go run ./cmd/modadd prove -model models/p59-pizza-seed0` (add
`-json`, or `-strategy arc`). Every strategy's soundness is tested on 1,000 random weight sets,
hand-built pizzas with and without noise, the shipped models pushed across the decision boundary on
purpose and with a damaged column (`go test ./pkg/proof`, and
`go test -fuzz FuzzProofSound ./pkg/proof`)."""),
]
