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
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/nb"
)

// open loads, folds and analyses the shipped model (under a second).
func open() *analysis.Model { return nb.Must1(analysis.Open(nb.Path("models", "p59-pizza-seed0"))) }

// mainKs are the frequencies of the main clusters (at least 2% of the neurons).
func mainKs(r *analysis.Report) []int {
	var ks []int
	for _, c := range r.Clusters {
		if len(c.Neurons) >= len(r.Fits)/50 {
			ks = append(ks, c.K)
		}
	}
	return ks
}

// fold maps a frequency to 0..p/2 (k and p−k are the same real frequency).
func fold(k, p int) int { k %= p; return min(k, p-k) }

%%
m := open()
r := m.Report
fmt.Printf("p = %d, epoch %d, accuracy %.4f\\n", r.P, r.Epoch, r.Accuracy)
fmt.Printf("logits rebuilt from the tables match the network's forward pass to %.2g\\n", r.FoldError)"""),
("markdown", r"""## The embedding lives on a few frequencies

A function on $\mathbb{Z}_p$ has the real Fourier form $f(x) = f_0 + \sum_k R_k \cos(w_k x + \varphi_k)$,
$w_k = 2\pi k/p$. Summing the energy $p R_k^2/2$ of every column of $W_E$ shows which frequencies the
model uses: a handful of *key frequencies* carry nearly all of it. The bars are coloured by what
the next section finds: the frequencies $k$ of the neuron clusters, and their doubles."""),
("code", """%%
m := open()
ks := mainKs(m.Report)
nb.Show("02-embedding-spectrum", figures.EmbeddingSpectrum(m.Checkpoint.Params.Must("W_E"), ks...))
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
	rows = append(rows, []string{fmt.Sprint(c.K), fmt.Sprint(len(c.Neurons)), fmt.Sprintf("%.3f", c.FVE),
		fmt.Sprintf("%.1f", c.W), fmt.Sprintf("%.4f", c.MedianPhaseDoubling)})
}
nb.Table([]string{"frequency k", "neurons", "FVE of A, B at k", "W = Σ r·s", "median |ψ − 2φ| (rad)"}, rows)
fmt.Printf("%d of %d neurons are in clusters holding at least 2%% of them\\n", m.Report.NeuronsInMainClusters, len(m.Report.Fits))
fmt.Printf("median single-frequency FVE: A %.3f, B %.3f, U %.3f\\n", m.Report.MedianFVE[0], m.Report.MedianFVE[1], m.Report.MedianFVE[2])"""),
("markdown", r"""There are three clusters but six key frequencies in the embedding. The other three are the
clusters' frequencies doubled, $2k \bmod p$ folded into $0..p/2$ (a wave at $p - j$ is the wave at
$j$). The neurons barely read them: the share of a cluster's $A_i$ at $2k$ is small."""),
("code", """%%
m := open()
r, t := m.Report, m.Tables
share := map[int]float64{}
for _, k := range r.KeyFrequencies {
	share[k.K] = k.Fraction
}
var rows [][]string
for _, c := range r.Clusters {
	if len(c.Neurons) < len(r.Fits)/50 {
		continue
	}
	k2 := fold(2*c.K, r.P)
	var atK, at2K []float64 // each neuron's share of its A_i's variance
	for _, i := range c.Neurons {
		col := make([]float64, r.P)
		for a := range col {
			col[a] = t.A[a][i]
		}
		s := fourier.Analyze(col)
		atK, at2K = append(atK, s.FVE(c.K)), append(at2K, s.FVE(k2))
	}
	rows = append(rows, []string{fmt.Sprint(c.K), fmt.Sprintf("%d → %d", 2*c.K%r.P, k2),
		fmt.Sprintf("%.1f%% / %.1f%%", 100*share[c.K], 100*share[k2]),
		fmt.Sprintf("%.3f / %.3f", mechanism.Median(atK), mechanism.Median(at2K))})
}
nb.Table([]string{"cluster k", "2k mod p → folded", "W_E energy at k / at 2k", "median share of A_i at k / at 2k"}, rows)"""),
("markdown", r"""One neuron's pre-activation over all $(a, b)$, its single-frequency fit (a plaid of two waves) and
what the fit misses. In the natural order of $a$ and $b$ a wave of frequency $k$ is a moiré; both axes
are therefore ordered by $k\cdot a \bmod p$ (position $j$ holds the $a$ with $k a \equiv j$), which turns
$\cos(2\pi k a/p + \varphi)$ into the smooth $\cos(2\pi j/p + \varphi)$:"""),
("code", """%%
m := open()
first := m.Report.Clusters[0].Neurons[0]
nb.Show("02-neuron-preactivation", figures.PreActivation(m.Tables, m.Report.Fits[first]))"""),
("markdown", r"""## Sum-to-product and phase doubling

When $r \approx r'$ and $\varphi^A \approx \varphi^B = \varphi$, sum-to-product gives
$$\mathrm{pre}_i \approx 2 r_i \cos\!\big(\tfrac{w(a-b)}{2}\big)\cos\!\big(\tfrac{w(a+b)}{2} + \varphi_i\big) + \text{offset},$$
and the output side obeys *phase doubling*: $\psi_i \approx 2\varphi_i$. The scatter puts every neuron
of the main clusters (one panel each) on the dashed line $\psi = 2\varphi$, wrapped to $(-\pi, \pi]$."""),
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
("markdown", r"""Where on the circle do a cluster's neurons sit? Each spoke is one neuron, at its phase $\varphi_i$,
of length its weight $w_i = r_i s_i$ (relative to the cluster's largest). The spokes cover the whole
circle, unevenly: these are the nodes and weights of the quadrature rule of notebook 3."""),
("code", """%%
m := open()
r := m.Report
nb.Show("02-phase-circles", figures.PhaseCircles(r.Fits, r.Clusters, len(r.Fits)/50))"""),
("markdown", r"""## The ideal pizza logits

If the phases of a cluster were spread evenly, its ReLUs would sum to an integral; with
$\int_{-\pi}^{\pi} \mathrm{ReLU}(\cos u)\cos(2u + \psi)\,du = \tfrac23\cos\psi$ the cluster computes
$$\mathrm{MLP}_k(a,b,c) \approx \frac{2 W_k}{3\pi}\,\Big|\cos\frac{w_k(a-b)}{2}\Big|\,\cos\big(w_k(a+b-c)\big),
\qquad W_k = \sum_{i\in k} r_i s_i,$$
a "pizza": a clock term $\cos(w(a+b-c))$, largest at $c = a+b$, scaled by how far apart $a$ and $b$ are.
Each cluster's actual contribution to one logit ($c = 0$) over all inputs shows it: with the axes
ordered by $k\cdot a$ and $k \cdot b$, stripes run along the anti-diagonals $k(a+b) \equiv$ const, strongest
on $a + b \equiv c$ and fading where $a - b$ approaches $p/2$."""),
("code", """%%
m := open()
r := m.Report
nb.Show("02-pizza-logits", figures.PizzaLogits(m.Tables, r.Clusters, len(r.Fits)/50, 0))"""),
("markdown", r"""How much of the MLP's actual output (centred over $c$) does the ideal explain? And how does its
error compare with the model's *margin*, the smallest gap between the correct logit and the best
wrong one over all inputs?"""),
("code", """%%
m := open()
r := m.Report
var rows [][]string
for _, a := range r.IdealPer {
	rows = append(rows, []string{fmt.Sprint(a.K), fmt.Sprintf("%.3f", a.FVE), fmt.Sprintf("%.2f", a.MaxErr),
		fmt.Sprintf("%.2f", a.MeanErr), fmt.Sprintf("%.2f", a.Scale)})
}
rows = append(rows, []string{"total", fmt.Sprintf("%.3f", r.IdealLogitFVE), fmt.Sprintf("%.2f", r.IdealMaxError),
	fmt.Sprintf("%.2f", r.IdealMeanError), ""})
nb.Table([]string{"cluster k", "FVE", "max |error|", "mean |error|", "max |actual|"}, rows)
// The margin: correct logit minus the largest wrong one, over all p² inputs.
p, logits := r.P, m.Tables.AllLogits()
var margins []float64
for a := 0; a < p; a++ {
	for b := 0; b < p; b++ {
		row, c := logits[(a*p+b)*p:(a*p+b+1)*p], (a+b)%p
		best := -1e300
		for j, v := range row {
			if j != c && v > best {
				best = v
			}
		}
		margins = append(margins, row[c]-best)
	}
}
lo := margins[0]
for _, v := range margins {
	lo = min(lo, v)
}
fmt.Printf("the model's margin: smallest %.2f, median %.2f; the ideal's largest error %.2f is %.1f times the smallest margin\\n",
	lo, mechanism.Median(margins), r.IdealMaxError, r.IdealMaxError/lo)
fig := nb.Must1(figures.IdealVsActual(m.Tables, r.Fits, r.Clusters))
nb.Show("02-ideal-vs-actual", fig)"""),
("markdown", r"""The ideal explains most of the variance, but not all, and its largest pointwise error exceeds the
model's smallest margin (both printed above). The maps show why on the correct class, on the grid
of $a + b$ against the signed distance $a - b$: each ideal cluster is modulated by
$|\cos(w_k (a-b)/2)|$, so their sum has stripes along $a - b$; the actual MLP's correct logit varies
much less, because the clusters' deviations from the ideal (uneven phases, the positive offset
inside the ReLU, second harmonics) compensate each other across clusters. Notebook 3 measures these
secondary terms; notebook 4 shows what they cost a proof.

The logits are as sparse in the 2D Fourier basis as the embedding is in 1D: expanding each class's
logit table over the products of the Fourier basis in $a$ and in $b$, nearly all the energy sits on
the diagonal cells $(k, k)$ of the three clusters (their shares are printed below the map), the
products that make $\cos(w_k(a + b - c))$."""),
("code", """%%
m := open()
p := m.Report.P
logits := m.Tables.AllLogits()
nb.Show("02-fourier-logits", nb.Must1(figures.FourierLogits("2D Fourier spectrum of the logits", p, logits)))
share := nb.Must1(figures.FourierEnergy(p, logits))
var diag float64
for _, k := range mainKs(m.Report) {
	diag += share[k][k]
	fmt.Printf("(%d, %d): %.1f%%  ", k, k, 100*share[k][k])
}
fmt.Printf("\\nthe clusters' diagonal cells hold %.1f%% of the logits' energy\\n", 100*diag)"""),
("markdown", r"""## Pizza or clock? The prior work's metrics

Zhong et al. tell the two algorithms apart with *gradient symmetricity* (how alike the logit's
gradients with respect to the two input embeddings are), *distance irrelevance* (how little the
correct logit depends on $a - b$) and *circularity* of the embedding. Their medians for one-layer
ReLU models: pizza GS 0.993, DI 0.36; clock GS 0.48, DI 0.85; circularity about 0.99 for both. The
shipped clock model `models/p59-clock-seed0` is the same network with ordinary softmax attention
($\alpha = 0$), trained for 5,000 epochs; it is measured beside the pizza."""),
("code", """import "github.com/modadd/modadd/pkg/model"

%%
pizza, clock := open(), nb.Must1(analysis.Open(nb.Path("models", "p59-clock-seed0")))
r, rc := pizza.Report, clock.Report
nb.Table([]string{"metric", "pizza (this model)", "clock (shipped)", "pizza (Zhong et al.)", "clock (Zhong et al.)"}, [][]string{
	{"gradient symmetricity", fmt.Sprintf("%.3f", r.GradientSymmetricity), fmt.Sprintf("%.3f", rc.GradientSymmetricity), "0.993", "0.483"},
	{"distance irrelevance", fmt.Sprintf("%.3f", r.DistanceIrrelevance), fmt.Sprintf("%.3f", rc.DistanceIrrelevance), "0.362", "0.853"},
	{"circularity", fmt.Sprintf("%.3f", r.Circularity), fmt.Sprintf("%.3f", rc.Circularity), "≈ 0.99", "≈ 0.99"},
	{"restricted loss (key frequencies only)", fmt.Sprintf("%.3g", r.RestrictedLoss), fmt.Sprintf("%.3g", rc.RestrictedLoss), "", ""},
	{"excluded loss (key frequencies removed)", fmt.Sprintf("%.3g", r.ExcludedLoss), fmt.Sprintf("%.3g", rc.ExcludedLoss), "", ""},
})
var ks []string
for _, k := range rc.KeyFrequencies {
	ks = append(ks, fmt.Sprint(k.K))
}
fmt.Printf("the clock's key frequencies: %v\\n", ks)
be := nb.Must1(model.Backend())
ck := clock.Checkpoint
clockLogits := nb.Must1(model.AllLogits(be, ck.Config, ck.Params, "float64"))
fig := nb.Must1(figures.CorrectLogitMaps([]string{"pizza: correct logit", "clock: correct logit"}, r.P,
	[][]float64{pizza.Tables.AllLogits(), clockLogits}))
nb.Show("02-clock-vs-pizza", fig)"""),
("markdown", r"""Distance irrelevance made visible: the pizza's correct logit (left) changes with $a - b$, in
horizontal stripes, while the clock's (right) varies from input to input with no trend along
$a - b$. Each map has its own colour scale.

The same report from the command line: `go run ./cmd/modadd analyze -model models/p59-pizza-seed0`
(add `-json` for machine-readable output)."""),
]
