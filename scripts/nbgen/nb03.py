from common import SETUP

NAME = "03-numerical-integration"
CELLS = [
("markdown", r"""# 3. The MLP computes a numerical integral

Notebook 2 found that each neuron of a cluster computes, up to small errors,
$\mathrm{ReLU}\big(2r_i|\cos\delta|\cos(\theta' + \varphi_i)\big)\, s_i\cos(wc + 2\varphi_i)$ with
$\delta = w(a-b)/2$ and $\theta' = w(a+b)/2$ (shifted by $\pi$ when $\cos\delta < 0$). Summed over the
cluster this is
$$\mathrm{MLP}_k(a,b,c) \approx 2|\cos\delta|\;\mathrm{Re}\big[e^{iwc}\,G(\theta')\big],\qquad
G(x) = \sum_i w_i\,\mathrm{ReLU}(\cos(x+\varphi_i))\,e^{2i\varphi_i},\quad w_i = r_i s_i .$$
$G$ is a **quadrature rule**: nodes at the neurons' phases $\varphi_i$, weights $w_i$, for the integral
$$\frac{W}{2\pi}\int_{-\pi}^{\pi}\mathrm{ReLU}(\cos(x+\varphi))\,e^{2i\varphi}\,d\varphi = \frac{W}{3\pi}e^{-2ix},
\qquad W = \sum_i w_i,$$
which follows from the identity $\int_{-\pi}^{\pi}\mathrm{ReLU}(\cos u)\cos(2u+\psi)\,du = \tfrac23\cos\psi$.
Each neuron is one term of the sum, a rectangle under the curve. This notebook checks the identity, reads each cluster
of the shipped model as a quadrature rule, and measures how good a rule it is."""),
SETUP,
("markdown", r"""## The identity and the Fourier series of ReLU(cos u)

$\mathrm{ReLU}(\cos u) = \frac1\pi + \frac12\cos u + \frac{2}{3\pi}\cos 2u - \frac{2}{15\pi}\cos 4u + \dots$;
only the $\cos 2u$ term survives the integral against $\cos(2u+\psi)$, so the integral is
$\pi\cdot\frac{2}{3\pi}\cos\psi$. Checked against adaptive Gauss–Legendre integration (gonum):"""),
("code", """import (
	"fmt"
	"math"

	"github.com/modadd/modadd/pkg/analysis"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/nb"
	"github.com/modadd/modadd/pkg/quadrature"
)

%%
relu := config.ReLU.Func()
var rows [][]string
for n := 0; n <= 6; n++ {
	num := nb.Must1(quadrature.Coefficient(relu, 1, n))
	rows = append(rows, []string{fmt.Sprint(n), fmt.Sprintf("%.12f", num), fmt.Sprintf("%.12f", quadrature.ReLUCoefficient(n))})
}
nb.Table([]string{"n", "a_n by integration", "closed form"}, rows)
for _, psi := range []float64{0, 1, 2} {
	v := nb.Must1(quadrature.Identity(relu, psi))
	fmt.Printf("ψ = %.0f: ∫ ReLU(cos u) cos(2u+ψ) du = %.12f, (2/3) cos ψ = %.12f\\n", psi, v, 2.0/3*math.Cos(psi))
}"""),
("markdown", r"""## Each cluster is a quadrature rule

Because $\theta'$ only takes the $2p$ values $\pi j/p$, the rule's error can be evaluated exactly at
every one of them. We compare, for the same number of nodes $N$, the model's rule with $N$ equispaced
nodes and with $N$ uniformly random nodes (equal weights). Errors are the worst $|G - G_{ideal}|$ over
the $2p$ half-angles, relative to $|G_{ideal}| = W/(3\pi)$."""),
("code", """func open() (*analysis.Model, *analysis.Integration) {
	m := nb.Must1(analysis.Open(nb.Path("models", "p59-pizza-seed0")))
	in := nb.Must1(analysis.Integrate(m.Tables, m.Report.Fits, m.Report.Clusters, len(m.Report.Fits)/50, 0))
	return m, in
}

%%
_, in := open()
var rows [][]string
for _, c := range in.Clusters {
	rows = append(rows, []string{fmt.Sprint(c.K), fmt.Sprint(c.Neurons), fmt.Sprintf("%.4f", c.QuadratureError), fmt.Sprintf("%.5f", c.EquispacedError), fmt.Sprintf("%.4f", c.RandomError)})
}
nb.Table([]string{"cluster k", "nodes N", "model's rule", "N equispaced", "N random (mean of 20)"}, rows)"""),
("markdown", r"""The rule of the largest cluster under the integrand at one half-angle. Neurons crowd at some
phases and leave gaps at others, so one rectangle per neuron would pile up; instead the circle is cut
into equal bins, and each bin's rectangle has for area the sum of its neurons' terms
$2\pi (w_i/W)\, h(\varphi_i)$. The rectangles add up to the rule's value as the curve's area is the
integral; tops above or below the curve are where the neurons' weight is denser or sparser than even."""),
("code", """%%
_, in := open()
c := in.Clusters[0]
title := fmt.Sprintf("cluster k = %d: %d neurons as rectangles", c.K, c.Neurons)
nb.Show("03-quadrature-rectangles", figures.QuadratureRectangles(title, c.Rule, config.ReLU.Func(), 0.3))"""),
("markdown", r"""The rule's error is not the same at every half-angle $x$: it is the worst value over the $2p$
half-angles that the inputs reach (the dots) that the table above reports."""),
("code", """%%
m, in := open()
var ks []int
var rules []quadrature.Rule
for _, c := range in.Clusters {
	ks, rules = append(ks, c.K), append(rules, c.Rule)
}
nb.Show("03-quadrature-error-by-angle", figures.QuadratureErrorByAngle(ks, rules, config.ReLU.Func(), in.A2, m.Report.P))"""),
("markdown", r"""How does the error fall with the number of nodes $N$? Random subsets of each cluster's own
neurons (weights rescaled to the same total) against equispaced nodes and uniform random nodes. For
random nodes the error falls like $1/\sqrt N$. For equispaced nodes it falls like $1/N^2$: the sum over
$N$ equispaced phases keeps, besides the $\cos 2u$ term that the integral keeps, only the harmonics
$n \equiv \pm 2 \pmod N$ of $\mathrm{ReLU}(\cos u)$, whose coefficients fall like $1/n^2$. Relative to
the $\cos 2u$ term, $|a_n|/a_2 \approx 3/n^2$; summing over the aliases $n = mN \pm 2$ gives
$\sum_m 6/(mN)^2 = \pi^2/N^2$ for even $N$. For odd $N$ the aliases $N \pm 2$ are odd harmonics, which
$\mathrm{ReLU}(\cos u)$ lacks (beyond $\cos u$ itself), so only even $m$ count: $\pi^2/(4N^2) \approx 2.5/N^2$
at worst over all $x$, and about $2.3/N^2$ at the $2p$ half-angles the inputs reach. Measured:"""),
("code", """%%
relu, a2 := config.ReLU.Func(), 2/(3*math.Pi)
var rows [][]string
for _, n := range []int{16, 17, 64, 65, 172, 181} {
	e := quadrature.Equispaced(n, 1, 0).Error(relu, a2, 59)
	rows = append(rows, []string{fmt.Sprint(n), fmt.Sprintf("%.3g", e), fmt.Sprintf("%.3f", e*float64(n*n))})
}
nb.Table([]string{"N equispaced nodes", "worst relative error (2p half-angles)", "N² × error"}, rows)
fmt.Printf("π² = %.3f, π²/4 = %.3f\\n", math.Pi*math.Pi, math.Pi*math.Pi/4)"""),
("code", """%%
_, in := open()
var all []figures.NodeErrors
for _, c := range in.Clusters {
	e := figures.NodeErrors{K: c.K, Full: c.QuadratureError}
	for _, s := range c.ErrorVsN {
		e.N, e.Model = append(e.N, s.N), append(e.Model, s.Model)
		e.Equi, e.Random = append(e.Equi, s.Equispaced), append(e.Random, s.Random)
	}
	all = append(all, e)
	sub := c.ErrorVsN[len(c.ErrorVsN)-2]
	fmt.Printf("k = %d: random subsets of %d of its %d neurons (%.0f%%) err %.3f on average; the whole cluster %.4f\\n",
		c.K, sub.N, c.Neurons, 100*float64(sub.N)/float64(c.Neurons), sub.Model, c.QuadratureError)
}
nb.Show("03-error-vs-nodes", figures.ErrorVsNodesClusters("", all))"""),
("markdown", r"""The model's rule is far better than random nodes, but only as a whole: its random subsets, even
of 128 neurons (printed above), do little better than random nodes. The nodes are not spread like an equispaced grid; the weights and phases of the
whole cluster are arranged so that their errors cancel.

## The MLP against the integral, over all inputs

Three approximations of each cluster's output (centred over $c$), compared on all $p^3$ values
$(a, b, c)$ as relative RMS errors: the actual MLP, the *quadrature* (idealised neurons summed
exactly, $2|\cos\delta|\,\mathrm{Re}[e^{iwc}G(\theta')]$) and the *integral* (infinite width, the ideal
pizza logits)."""),
("code", """%%
_, in := open()
var rows [][]string
for _, c := range in.PerCluster {
	rows = append(rows, []string{fmt.Sprint(c.K), fmt.Sprintf("%.4f", c.MLPvsIntegral), fmt.Sprintf("%.4f", c.MLPvsQuadrature), fmt.Sprintf("%.4f", c.QuadratureVsIntegral)})
}
rows = append(rows, []string{"total", fmt.Sprintf("%.4f", in.MLPvsIntegral), fmt.Sprintf("%.4f", in.MLPvsQuadrature), fmt.Sprintf("%.4f", in.QuadratureVsIntegral)})
nb.Table([]string{"cluster k", "actual vs integral", "actual vs quadrature", "quadrature vs integral"}, rows)"""),
("markdown", r"""The finite quadrature is a small part of the gap: the rule itself is within a few percent of the
integral. Most of what the ideal misses comes from the neurons not being exactly idealised.

## What the ideal misses: secondary frequencies

A chain of models of every neuron, each idealising one more thing, splits the gap into parts
(relative RMS of each link's difference, over the actual output): the network's own tables; their
single-frequency fits (the difference is the *secondary Fourier components* of $A$, $B$, $U$); the fits
without the constant offset inside the ReLU; symmetric neurons ($r_A = r_B$, $\varphi_A = \varphi_B$,
$\psi = 2\varphi$: the quadrature); and the integral (the difference is the harmonics $4, 6, \dots$ of
ReLU(cos) leaking through the uneven phases). The links telescope to the total gap, but they need
not add up: parts can cancel."""),
("code", """%%
m, in := open()
s := in.Secondary
header := []string{"link"}
for _, c := range in.Clusters {
	header = append(header, fmt.Sprintf("k = %d", c.K))
}
header = append(header, "total")
var rows [][]string
for _, part := range s.Parts {
	row := []string{part.Name}
	for _, v := range part.PerCluster {
		row = append(row, fmt.Sprintf("%.4f", v))
	}
	rows = append(rows, append(row, fmt.Sprintf("%.4f", part.Total)))
}
nb.Table(header, rows)
fmt.Printf("correct-class output (averaged over a+b), spread over a−b: ideal %.2f, actual %.2f\\n", s.CorrectLogitSpreadIdeal, s.CorrectLogitSpreadActual)
fv := m.Report.MedianFVE
fmt.Printf("median share of a neuron's A, B, U explained by its single-frequency fit: %.3f, %.3f, %.3f\\n", fv[0], fv[1], fv[2])"""),
("markdown", r"""The largest link is the secondary Fourier components: individually small (each neuron's fit
explains about 98% or more of its variance, printed above) but coherent across the hundreds of neurons of a cluster, and
they partly cancel the offset's effect. The last line measures the cross-cluster compensation: each
ideal cluster's output is modulated by $|\cos(w_k(a-b)/2)|$, so the ideal total correct logit varies
strongly with $a - b$; the actual clusters make it nearly flat.

## Other activations

The identity holds for any activation with $\pi a_2$ in place of $2/3$, where $a_2(A)$ is the $\cos 2u$
coefficient of $\mathrm{act}(A\cos u)$. For positively homogeneous activations it is linear in the
amplitude; for $x^2$ and GELU it is not, and the cluster's output depends on the amplitude profile."""),
("code", """%%
var rows [][]string
for _, act := range config.Activations {
	a2 := act.A2
	rows = append(rows, []string{string(act), fmt.Sprintf("%.5f", math.Pi*a2(1)), fmt.Sprintf("%.5f", math.Pi*a2(2)), fmt.Sprintf("%.3f", a2(2)/a2(1))})
}
nb.Table([]string{"activation", "π a₂ at amplitude 1", "π a₂ at amplitude 2", "ratio"}, rows)"""),
("markdown", r"""### Checked on trained models

The shipped models `p59-pizza-{gelu,abs,square}-seed0` are the default model with another activation,
trained for 2,000 epochs (`modadd train -seed 0 -epochs 2000 -set act=ACT`; the table shows each
model's recorded training time on two cores). For each, the ideal built from its own $a_2(A)$ (per neuron, at its amplitude
$2r_i|\cos\delta|$) is compared with its MLP, as in notebook 2."""),
("code", """%%
var rows [][]string
for _, act := range []string{"relu", "abs", "square", "gelu"} {
	dir := nb.Path("models", "p59-pizza-"+act+"-seed0")
	if act == "relu" {
		dir = nb.Path("models", "p59-pizza-seed0")
	}
	m, err := analysis.Open(dir)
	if err != nil {
		rows = append(rows, []string{act, "not shipped", "", "", "", ""})
		continue
	}
	r := m.Report
	main := 0
	for _, c := range r.Clusters {
		if len(c.Neurons) >= len(r.Fits)/50 {
			main++
		}
	}
	rows = append(rows, []string{act, fmt.Sprint(m.Checkpoint.Epoch), fmt.Sprintf("%.0f s", m.Checkpoint.Meta.WallSeconds),
		fmt.Sprintf("%.4f", r.Accuracy), fmt.Sprintf("%d clusters, %d neurons", main, r.NeuronsInMainClusters),
		fmt.Sprintf("%.3f", r.IdealLogitFVE)})
}
nb.Table([]string{"activation", "epochs", "training time", "accuracy", "main clusters", "FVE of the ideal (its own a₂)"}, rows)"""),
]
