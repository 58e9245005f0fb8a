from common import SETUP

NAME = "02-fourier-mechanism"
CELLS = [
("markdown", r"""# 2. The Fourier decomposition and the pizza mechanism

Notebook 1 trained a transformer that adds modulo $p$ perfectly. Here we open it. Because the
attention pattern is constant, the whole network folds into a few tables (MECHANISM.md §2):

$$\mathrm{pre}_i(a,b) = A_i(a) + B_i(b) + c_i, \qquad
\mathrm{logit}(a,b,c) = L_a(a,c) + L_b(b,c) + L_0(c) + \sum_i \mathrm{ReLU}(\mathrm{pre}_i(a,b))\, U_{ic},$$

with $A = X_a W_{in}$, $B = X_b W_{in}$ (the residual stream split into its $a$ and $b$ parts) and
$U = W_{out} W_U$. The direct paths $L_a, L_b$ are separately linear in $a$ and $b$ and cannot add;
the MLP does all the work. Everything below is float64 and reads the shipped model
`models/p59-pizza-seed0`."""),
SETUP,
("code", """import (
	"fmt"

	"github.com/modadd/modadd/pkg/analysis"
	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/nb"
)

// open loads, folds and analyses the shipped model (under a second).
func open() *analysis.Model { return nb.Must1(analysis.Open(nb.Path("models", "p59-pizza-seed0"))) }

%%
m := open()
r := m.Report
fmt.Printf("p = %d, epoch %d, accuracy %.4f\\n", r.P, r.Epoch, r.Accuracy)
fmt.Printf("logits rebuilt from the tables match the network's forward pass to %.2g\\n", r.FoldError)"""),
("markdown", r"""## The embedding lives on a few frequencies

A function on $\mathbb{Z}_p$ has the real Fourier form $f(x) = f_0 + \sum_k R_k \cos(w_k x + \varphi_k)$,
$w_k = 2\pi k/p$. Summing the energy $p R_k^2/2$ of every column of $W_E$ shows which frequencies the
model uses: a handful of *key frequencies* carry nearly all of it."""),
("code", """%%
m := open()
nb.Show("02-embedding-spectrum", figures.EmbeddingSpectrum(m.Checkpoint.Params.Must("W_E")))
var rows [][]string
for _, k := range m.Report.KeyFrequencies {
	rows = append(rows, []string{fmt.Sprint(k.K), fmt.Sprintf("%.1f%%", 100*k.Fraction)})
}
nb.Table([]string{"key frequency k", "share of W_E's energy"}, rows)"""),
("markdown", r"""## Every neuron has one frequency

Each neuron's $A_i$, $B_i$ and $U_i$ are fitted by a single wave at the frequency $k_i$ where
$A_i$ and $B_i$ have the most energy:
$A_i(a) \approx \alpha_i + r_i\cos(w a + \varphi^A_i)$, $B_i(b) \approx \beta_i + r'_i\cos(w b + \varphi^B_i)$,
$U_i(c) \approx u_i + s_i\cos(w c + \psi_i)$. Neurons then group into clusters by frequency."""),
("code", """%%
m := open()
nb.Show("02-neuron-frequencies", figures.NeuronFrequencies(m.Report.P, m.Report.Fits))
var rows [][]string
for _, c := range m.Report.Clusters {
	rows = append(rows, []string{fmt.Sprint(c.K), fmt.Sprint(len(c.Neurons)), fmt.Sprintf("%.3f", c.FVE), fmt.Sprintf("%.1f", c.W), fmt.Sprintf("%.4f", c.MedianPhaseDoubling)})
}
nb.Table([]string{"frequency k", "neurons", "FVE of A, B at k", "W = Σ r·s", "median |ψ − 2φ| (rad)"}, rows)
fmt.Printf("%d of %d neurons are in clusters holding at least 2%% of them\\n", m.Report.NeuronsInMainClusters, len(m.Report.Fits))
fmt.Printf("median single-frequency FVE: A %.3f, B %.3f, U %.3f\\n", m.Report.MedianFVE[0], m.Report.MedianFVE[1], m.Report.MedianFVE[2])"""),
("markdown", r"""One neuron's pre-activation over all $(a, b)$, its single-frequency fit (a plaid of two waves) and
what the fit misses:"""),
("code", """%%
m := open()
first := m.Report.Clusters[0].Neurons[0]
nb.Show("02-neuron-preactivation", figures.PreActivation(m.Tables, m.Report.Fits[first]))"""),
("markdown", r"""## Sum-to-product and phase doubling

When $r \approx r'$ and $\varphi^A \approx \varphi^B = \varphi$, sum-to-product gives
$$\mathrm{pre}_i \approx 2 r_i \cos\!\big(\tfrac{w(a-b)}{2}\big)\cos\!\big(\tfrac{w(a+b)}{2} + \varphi_i\big) + \text{offset},$$
and the output side obeys *phase doubling*: $\psi_i \approx 2\varphi_i$. The scatter puts every neuron
of the main clusters on the line $\psi = 2\varphi$ (wrapped to $(-\pi, \pi]$)."""),
("code", """%%
m := open()
r := m.Report
nb.Show("02-phase-doubling", figures.PhaseDoubling(r.Fits, r.Clusters, len(r.Fits)/50))
nb.Table([]string{"median over the main clusters' neurons", "value"}, [][]string{
	{"|φA − φB| (rad)", fmt.Sprintf("%.4f", r.MedianPhaseAB)},
	{"|rA / rB − 1|", fmt.Sprintf("%.3f", r.MedianAmpRatio)},
	{"|ψ − 2φ| (rad)", fmt.Sprintf("%.4f", r.PhaseDoublingError)},
	{"offset / 2r (the shifted ReLU threshold)", fmt.Sprintf("%.3f", r.MedianOffset)},
})"""),
("markdown", r"""## The ideal pizza logits

If the phases of a cluster were spread evenly, its ReLUs would sum to an integral; with
$\int_{-\pi}^{\pi} \mathrm{ReLU}(\cos u)\cos(2u + \psi)\,du = \tfrac23\cos\psi$ the cluster computes
$$\mathrm{MLP}_k(a,b,c) \approx \frac{2 W_k}{3\pi}\,\Big|\cos\frac{w_k(a-b)}{2}\Big|\,\cos\big(w_k(a+b-c)\big),
\qquad W_k = \sum_{i\in k} r_i s_i,$$
a "pizza": a clock term $\cos(w(a+b-c))$, largest at $c = a+b$, scaled by how far apart $a$ and $b$ are.
How much of the MLP's actual output (centred over $c$) does this explain?"""),
("code", """%%
m := open()
r := m.Report
var rows [][]string
for _, a := range r.IdealPer {
	rows = append(rows, []string{fmt.Sprint(a.K), fmt.Sprintf("%.3f", a.FVE), fmt.Sprintf("%.2f", a.MaxErr), fmt.Sprintf("%.2f", a.MeanErr), fmt.Sprintf("%.2f", a.Scale)})
}
rows = append(rows, []string{"total", fmt.Sprintf("%.3f", r.IdealLogitFVE), fmt.Sprintf("%.2f", r.IdealMaxError), fmt.Sprintf("%.2f", r.IdealMeanError), ""})
nb.Table([]string{"cluster k", "FVE", "max |error|", "mean |error|", "max |actual|"}, rows)
fig := nb.Must1(figures.IdealVsActual(m.Tables, r.Fits, r.Clusters))
nb.Show("02-ideal-vs-actual", fig)"""),
("markdown", r"""The ideal explains most of the variance, but not all, and its largest pointwise error exceeds the
model's logit margin. The right-hand map shows why on the correct class: each ideal cluster is
modulated by $|\cos(w_k (a-b)/2)|$, so their sum has stripes along $a - b$; the actual MLP's correct
logit is nearly flat, because the clusters' deviations from the ideal (uneven phases, the positive
offset inside the ReLU, second harmonics) compensate each other across clusters. Notebook 3 measures
these secondary terms; notebook 4 shows what they cost a proof.

## Pizza or clock? The prior work's metrics

Zhong et al. tell the two algorithms apart with *gradient symmetricity* (how alike the logit's
gradients with respect to the two input embeddings are), *distance irrelevance* (how little the
correct logit depends on $a - b$) and *circularity* of the embedding. Their medians for one-layer
ReLU models: pizza GS 0.993, DI 0.36; clock GS 0.48, DI 0.85; circularity about 0.99 for both."""),
("code", """%%
r := open().Report
nb.Table([]string{"metric", "this model", "pizza (Zhong et al.)", "clock (Zhong et al.)"}, [][]string{
	{"gradient symmetricity", fmt.Sprintf("%.3f", r.GradientSymmetricity), "0.993", "0.483"},
	{"distance irrelevance", fmt.Sprintf("%.3f", r.DistanceIrrelevance), "0.362", "0.853"},
	{"circularity", fmt.Sprintf("%.3f", r.Circularity), "≈ 0.99", "≈ 0.99"},
	{"restricted loss (key frequencies only)", fmt.Sprintf("%.3g", r.RestrictedLoss), "", ""},
	{"excluded loss (key frequencies removed)", fmt.Sprintf("%.3g", r.ExcludedLoss), "", ""},
})"""),
("markdown", r"""The same report from the command line: `go run ./cmd/modadd analyze -model models/p59-pizza-seed0`
(add `-json` for machine-readable output)."""),
]
