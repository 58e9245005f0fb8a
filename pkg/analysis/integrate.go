package analysis

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"

	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/quadrature"
)

// ClusterRule is one frequency cluster read as a quadrature rule.
type ClusterRule struct {
	K       int `json:"frequency"`
	Neurons int `json:"neurons"`
	// QuadratureError is the rule's worst error over the 2p half-angles,
	// relative to the ideal's modulus (quadrature.Rule.Error).
	QuadratureError float64 `json:"quadrature_error"`
	// EquispacedError and RandomError are the same for N equispaced nodes
	// and for N uniform random nodes (mean over 20 draws), equal weights.
	EquispacedError float64 `json:"equispaced_error"`
	RandomError     float64 `json:"random_error"`
	// ErrorVsN keeps random subsets of the cluster's neurons (weights
	// rescaled to the same total; mean over 10 subsets) against equispaced
	// and random rules of the same size.
	ErrorVsN []SubsetError   `json:"error_vs_n"`
	Rule     quadrature.Rule `json:"-"`
}

// SubsetError is the error of rules with N nodes.
type SubsetError struct {
	N          int     `json:"n"`
	Model      float64 `json:"model_subset"`
	Equispaced float64 `json:"equispaced"`
	Random     float64 `json:"random"`
}

// Integration is the numerical-integration reading of a model's MLP.
type Integration struct {
	Activation config.Activation `json:"activation"`
	A2         float64           `json:"a2"`
	Clusters   []ClusterRule     `json:"clusters"`
	// Relative RMS differences over all (a, b, c) of the MLP's output
	// (centred over c): actual against the infinite-width integral, actual
	// against idealised neurons summed exactly (the quadrature), and the
	// quadrature against the integral; per cluster and in total.
	Secondary            *Secondary        `json:"secondary"`
	MLPvsIntegral        float64           `json:"mlp_vs_integral_relative_error"`
	MLPvsQuadrature      float64           `json:"mlp_vs_quadrature_relative_error"`
	QuadratureVsIntegral float64           `json:"quadrature_vs_integral_relative_error"`
	PerCluster           []ClusterAccuracy `json:"per_cluster"`
}

// ClusterAccuracy holds the relative errors of one cluster's output.
type ClusterAccuracy struct {
	K                    int     `json:"frequency"`
	MLPvsIntegral        float64 `json:"mlp_vs_integral"`
	MLPvsQuadrature      float64 `json:"mlp_vs_quadrature"`
	QuadratureVsIntegral float64 `json:"quadrature_vs_integral"`
}

// Integrate reads each cluster of at least minSize neurons as a quadrature
// rule and measures it (seeded by seed for the random comparisons).
func Integrate(t *circuit.Tables, fits []mechanism.NeuronFit, clusters []mechanism.Cluster, minSize int, seed uint64) (*Integration, error) {
	kappa, ok := t.Act.Kappa2()
	if !ok {
		return nil, fmt.Errorf("analysis: the integration reading needs an activation with act(λx) = λ·act(x) for λ > 0 (relu, abs); %q is not", string(t.Act))
	}
	act := t.Act.Func()
	rng := rand.New(rand.NewPCG(seed, 0x71))
	out := &Integration{Activation: t.Act, A2: kappa}
	var main []mechanism.Cluster
	for _, c := range clusters {
		if len(c.Neurons) < minSize {
			continue
		}
		main = append(main, c)
		rule := quadrature.Rule{}
		for _, i := range c.Neurons {
			rule.Nodes = append(rule.Nodes, fits[i].Phi)
			rule.Weights = append(rule.Weights, fits[i].R*fits[i].S)
		}
		n, total := len(c.Neurons), rule.Total()
		cr := ClusterRule{K: c.K, Neurons: n, Rule: rule,
			QuadratureError: rule.Error(act, kappa, t.P),
			EquispacedError: quadrature.Equispaced(n, total, 0).Error(act, kappa, t.P),
			RandomError:     meanRandom(act, kappa, t.P, n, total, 20, rng),
		}
		for _, m := range subsetSizes(n) {
			var e float64
			const draws = 10
			for d := 0; d < draws; d++ {
				e += subset(rule, m, rng).Error(act, kappa, t.P) / draws
			}
			cr.ErrorVsN = append(cr.ErrorVsN, SubsetError{N: m, Model: e,
				Equispaced: quadrature.Equispaced(m, total, 0).Error(act, kappa, t.P),
				Random:     meanRandom(act, kappa, t.P, m, total, 10, rng)})
		}
		out.Clusters = append(out.Clusters, cr)
	}
	out.compareOutputs(t, fits, main, act, kappa)
	out.Secondary = SecondaryParts(t, fits, main)
	return out, nil
}

func meanRandom(act func(float64) float64, a2 float64, p, n int, total float64, draws int, rng *rand.Rand) float64 {
	var e float64
	for d := 0; d < draws; d++ {
		e += quadrature.Random(n, total, rng.Float64).Error(act, a2, p) / float64(draws)
	}
	return e
}

func subsetSizes(n int) []int {
	var out []int
	for m := 4; m < n; m *= 2 {
		out = append(out, m)
	}
	return append(out, n)
}

// subset keeps m random nodes of r, rescaling their weights to r's total.
func subset(r quadrature.Rule, m int, rng *rand.Rand) quadrature.Rule {
	idx := rng.Perm(len(r.Nodes))[:m]
	s := quadrature.Rule{}
	for _, i := range idx {
		s.Nodes, s.Weights = append(s.Nodes, r.Nodes[i]), append(s.Weights, r.Weights[i])
	}
	scale := r.Total() / s.Total()
	for i := range s.Weights {
		s.Weights[i] *= scale
	}
	return s
}

// compareOutputs evaluates, over all (a, b, c), the clusters' actual output
// against the quadrature (idealised neurons: 2|cos δ| Re[e^{iwc} G(θ')]) and
// the integral (the ideal pizza logits).
func (in *Integration) compareOutputs(t *circuit.Tables, fits []mechanism.NeuronFit, clusters []mechanism.Cluster, act func(float64) float64, a2 float64) {
	p := t.P
	nc := len(clusters)
	clusterOf := make([]int, t.M)
	for i := range clusterOf {
		clusterOf[i] = -1
	}
	profiles := make([][]float64, nc)
	for ci, c := range clusters {
		profiles[ci] = mechanism.Profile(t.Act, p, c, fits)
	}
	// G at the 2p half-angles, per cluster.
	G := make([][]complex128, nc)
	for ci, c := range clusters {
		for _, i := range c.Neurons {
			clusterOf[i] = ci
		}
		G[ci] = make([]complex128, 2*p)
		for j := range G[ci] {
			G[ci][j] = in.Clusters[ci].Rule.G(act, math.Pi*float64(j)/float64(p))
		}
	}
	type sums struct{ aq, ai, qi, aa, qq float64 }
	acc := make([]sums, nc+1)
	actual := make([][]float64, nc)
	for i := range actual {
		actual[i] = make([]float64, p)
	}
	quadv, integ := make([]float64, p), make([]float64, p)
	totA, totQ, totI := make([]float64, p), make([]float64, p), make([]float64, p)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			for i := range actual {
				clear(actual[i])
			}
			for i, u := range t.Pre(a, b) {
				ci := clusterOf[i]
				if ci < 0 {
					continue
				}
				if v := act(u); v != 0 {
					for c, uc := range t.U[i] {
						actual[ci][c] += v * uc
					}
				}
			}
			clear(totA)
			clear(totQ)
			clear(totI)
			for ci, cl := range clusters {
				k := cl.K
				cosd := math.Cos(math.Pi * float64(k*(a-b)) / float64(p))
				j := (k * (a + b)) % (2 * p) // θ = πj/p
				if cosd < 0 {
					j = (j + p) % (2 * p)
				}
				g := G[ci][j]
				mechanism.Centre(actual[ci])
				for c := 0; c < p; c++ {
					e := cmplx.Exp(complex(0, 2*math.Pi*float64((k*c)%p)/float64(p)))
					quadv[c] = 2 * math.Abs(cosd) * real(e*g)
					integ[c] = mechanism.IdealCluster(p, k, profiles[ci], a, b, c)
				}
				accumulatePair(&acc[ci].aq, &acc[ci].ai, &acc[ci].qi, &acc[ci].aa, &acc[ci].qq, actual[ci], quadv, integ)
				for c := 0; c < p; c++ {
					totA[c] += actual[ci][c]
					totQ[c] += quadv[c]
					totI[c] += integ[c]
				}
			}
			accumulatePair(&acc[nc].aq, &acc[nc].ai, &acc[nc].qi, &acc[nc].aa, &acc[nc].qq, totA, totQ, totI)
		}
	}
	rel := func(num, den float64) float64 { return math.Sqrt(num / den) }
	for ci, cl := range clusters {
		s := acc[ci]
		in.PerCluster = append(in.PerCluster, ClusterAccuracy{K: cl.K, MLPvsIntegral: rel(s.ai, s.aa), MLPvsQuadrature: rel(s.aq, s.aa), QuadratureVsIntegral: rel(s.qi, s.qq)})
	}
	s := acc[nc]
	in.MLPvsIntegral, in.MLPvsQuadrature, in.QuadratureVsIntegral = rel(s.ai, s.aa), rel(s.aq, s.aa), rel(s.qi, s.qq)
}

func accumulatePair(aq, ai, qi, aa, qq *float64, actual, quad, integ []float64) {
	for c := range actual {
		*aq += (actual[c] - quad[c]) * (actual[c] - quad[c])
		*ai += (actual[c] - integ[c]) * (actual[c] - integ[c])
		*qi += (quad[c] - integ[c]) * (quad[c] - integ[c])
		*aa += actual[c] * actual[c]
		*qq += quad[c] * quad[c]
	}
}

// Text renders the integration report.
func (in *Integration) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "each cluster as a quadrature rule for ∫ %s(cos(x+φ)) e^{2iφ} dφ (a₂ = %.4f); worst relative error over the 2p half-angles\n", in.Activation, in.A2)
	b.WriteString("     k  neurons   model rule   equispaced   random nodes\n")
	for _, c := range in.Clusters {
		fmt.Fprintf(&b, "  %4d  %7d   %10.4f   %10.4f   %12.4f\n", c.K, c.Neurons, c.QuadratureError, c.EquispacedError, c.RandomError)
	}
	b.WriteString("\nerror against the number of nodes N (model: random subsets of the cluster)\n")
	for _, c := range in.Clusters {
		fmt.Fprintf(&b, "  k = %d:", c.K)
		for _, s := range c.ErrorVsN {
			fmt.Fprintf(&b, "  N=%d %.3g/%.3g/%.3g", s.N, s.Model, s.Equispaced, s.Random)
		}
		b.WriteString("   (model/equispaced/random)\n")
	}
	b.WriteString("\nrelative RMS error of the MLP output over all (a, b, c), centred over c\n     k   actual vs integral   actual vs quadrature   quadrature vs integral\n")
	for _, c := range in.PerCluster {
		fmt.Fprintf(&b, "  %4d   %18.4f   %20.4f   %22.4f\n", c.K, c.MLPvsIntegral, c.MLPvsQuadrature, c.QuadratureVsIntegral)
	}
	fmt.Fprintf(&b, "  total  %17.4f   %20.4f   %22.4f\n", in.MLPvsIntegral, in.MLPvsQuadrature, in.QuadratureVsIntegral)
	if in.Secondary != nil {
		var ks []int
		for _, c := range in.Clusters {
			ks = append(ks, c.K)
		}
		b.WriteString("\n" + in.Secondary.Text(ks))
	}
	return b.String()
}
