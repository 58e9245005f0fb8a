from common import SETUP

NAME = "04-compact-proof"
CELLS = [
("markdown", r"""# 4. A compact proof, against brute force

Notebooks 2 and 3 *explained* the MLP. Here we *prove* things about it: for every input $(a, b)$
a sound bound $\varepsilon(a,b)$ on how far the network's logit differences can be from an
explanation's, and hence the set of inputs whose correct answer is proven. A proof has a cost (the
floating-point operations it performs, counted by construction) and a yield (the certified
accuracy); Gross et al.'s *compact proofs* programme studies that trade-off, and so do we.

An input is certified when the explanation's margin $E(c^*) - E(c)$, $c^* = a + b$, exceeds
$\varepsilon(a,b)$ for every $c \ne c^*$. Every bound accounts for the float64 rounding of the
folding and of its own computation, so a certificate never claims more than holds for the stored
weights. The strategies:

* **brute-force**: evaluate every logit; only rounding is bounded.
* **linear**: the paper's linear-time bound. The explanation is the infinite-width integral of
  each cluster, whose margin depends on $a - b$ only; the budget adds every neuron's worst-case
  distance from its idealisation, each cluster's quadrature error at the input's half-angle, and the
  direct paths' spread.
* **fourier-U/T**: keep the hidden activations exact and compress the unembedding $U$ to its $T$
  largest Fourier terms per neuron; the residuals are weighted by the input's own activations."""),
SETUP,
("code", """import (
	"fmt"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/nb"
	"github.com/modadd/modadd/pkg/proof"
)

// run proves everything about the shipped model (about a second).
func run() *proof.Report {
	ck := nb.Must1(checkpoint.Load(nb.Path("models", "p59-pizza-seed0")))
	return nb.Must1(proof.Run(ck.Config, ck.Params))
}

%%
r := run()
var rows [][]string
for _, c := range r.Strategies {
	rows = append(rows, []string{c.Strategy, fmt.Sprintf("%.4g", c.Bound), fmt.Sprintf("%.4g", c.ActualMaxError), fmt.Sprint(c.Sound),
		fmt.Sprintf("%.4f", c.CertifiedAccuracy), fmt.Sprintf("%.3g", float64(c.FLOPs)), fmt.Sprintf("%.3f", float64(c.FLOPs)/float64(r.BruteForceFLOPs)), fmt.Sprintf("%.3f", c.Seconds)})
}
nb.Table([]string{"strategy", "bound (max ε)", "actual max error", "sound", "certified accuracy", "FLOPs", "× brute force", "seconds"}, rows)
fmt.Printf("a plain forward pass on every input costs %.3g FLOPs; the brute-force strategy, on the folded tables, %.3g\\n", float64(r.ForwardPassFLOPs), float64(r.BruteForceFLOPs))"""),
("markdown", r"""## The frontier

Certified accuracy against cost. The dashed lines mark brute force and a tenth of it."""),
("code", """%%
nb.Show("04-frontier", figures.Frontier("p = 59, seed 0", run()))"""),
("markdown", r"""## Why the linear-time bound is vacuous

Its error budget, term by term (largest value over the inputs), against the explanation's median
margin. Adding every neuron's worst case (the triangle inequality) ignores that the neurons' errors
cancel: the fit residuals alone sum to many times the margin. This is the looseness the paper's
authors reported."""),
("code", """%%
r := run()
for _, c := range r.Strategies {
	if c.Strategy == "linear" {
		nb.Show("04-budget-linear", figures.Budget(c))
	}
}"""),
("markdown", r"""## Where the cheap proof stands

The Fourier-compressed unembedding with a single term per neuron is the cheapest proof that keeps
the hidden activations exact. The map shows its margin minus $\varepsilon$ over $(a, b)$ (red:
certified, blue: the bound is too loose there), and its budget shows which term dominates. On
earlier checkpoints of the same training run it certified only part of the inputs (about half at
epoch 4,000); more terms per neuron close the gap at a higher cost."""),
("code", """%%
r := run()
for _, c := range r.Strategies {
	if c.Strategy == "fourier-U/1" {
		fmt.Printf("fourier-U/1 certifies %.2f%% of the inputs at %.3g FLOPs (%.1f%% of brute force)\\n", 100*c.CertifiedAccuracy, float64(c.FLOPs), 100*float64(c.FLOPs)/float64(r.BruteForceFLOPs))
		nb.Show("04-certified-fourier-U1", figures.Certified(c, 59))
		nb.Show("04-budget-fourier-U1", figures.Budget(c))
	}
}"""),
("markdown", r"""The same from the command line: `go run ./cmd/modadd prove -model models/p59-pizza-seed0`
(add `-json`, or `-strategy fourier-U/3` for any number of terms). The soundness of every strategy is
tested on 1,000 random weight sets, on hand-built pizzas with and without noise, and on the shipped
models pushed across the decision boundary on purpose (`go test ./pkg/proof`, and
`go test -fuzz FuzzProofSound ./pkg/proof`)."""),
]
