package proof

import (
	"fmt"
	"slices"

	"github.com/modadd/modadd/pkg/mechanism"
)

// SignedRun is one arc-signed proof in brief, small enough to cache and
// plot: the model's p, m and clusters (their sizes, every cluster's,
// minor ones included), the strategy (its tiers and the ideas
// switched off), its FLOPs after folding and the preparation's part
// of them, its arcs, the share of inputs it certifies (and of those, the
// share the distance groups alone certify), the model's true accuracy, and
// why the rest fails: the error budget, the explanation's median margin
// and the share of (input, neuron) pairs in a window.
type SignedRun struct {
	P, M         int
	ClusterSizes []int // each cluster's neurons, in the model's order
	Tiers        int
	Without      Idea
	Waves        int
	ProofFLOPs   int64
	PrepFLOPs    int64
	Arcs         int
	Certified    float64
	ByGroups     float64
	True         float64
	Budget       []Term
	MedianMargin float64
	WindowShare  float64
}

// Clusters is the model's number of clusters.
func (r SignedRun) Clusters() int { return len(r.ClusterSizes) }

// PrepPerPM is the preparation's share of p²·m, c₁/p with c₁ its FLOPs
// per (token value, neuron): no width brings the proof below it.
func (r SignedRun) PrepPerPM() float64 {
	return float64(r.PrepFLOPs) / (float64(r.P) * float64(r.P) * float64(r.M))
}

// PerPM is the run's proof FLOPs ÷ p²·m (p²·m: every neuron once on
// every input; below 1 the proof is compact).
func (r SignedRun) PerPM() float64 {
	return float64(r.ProofFLOPs) / (float64(r.P) * float64(r.P) * float64(r.M))
}

// Strategy is the run's strategy.
func (r SignedRun) Strategy() ArcSigned {
	return ArcSigned{Tiers: r.Tiers, Without: r.Without, Waves: r.Waves}
}

// RunSigned proves m with each strategy and summarises the certificates
// (Summarize); a certificate that is not sound is an error.
func RunSigned(m *Model, ss ...ArcSigned) ([]SignedRun, error) {
	var out []SignedRun
	for _, s := range ss {
		c, err := s.Prove(m)
		if err != nil {
			return nil, err
		}
		r, err := Summarize(m, s, c)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Summarize is c, s's certificate on m, in brief; a certificate that is
// not sound is an error.
func Summarize(m *Model, s ArcSigned, c *Certificate) (SignedRun, error) {
	if !c.Sound {
		return SignedRun{}, fmt.Errorf("proof: %s is not sound on this model: a bound below the measured error", c.Strategy)
	}
	sizes := make([]int, len(m.Clusters))
	for j, cl := range m.Clusters {
		sizes[j] = len(cl.Neurons)
	}
	return SignedRun{P: m.P, M: m.M, ClusterSizes: sizes, Tiers: max(s.Tiers, 1), Without: s.Without, Waves: s.Waves,
		ProofFLOPs: c.ProofFLOPs, PrepFLOPs: int64(c.Details["prep_flops"]), Arcs: int(c.Details["arcs"]),
		Certified: c.CertifiedAccuracy, ByGroups: c.Details["certified_by_distance_groups"], True: c.TrueAccuracy,
		Budget: c.Budget, MedianMargin: c.MedianMargin, WindowShare: c.Details["window_share"]}, nil
}

// Ablations is arc-signed/T with every idea, then with each of Ideas
// switched off in turn.
func Ablations(tiers int) []ArcSigned {
	ss := []ArcSigned{{Tiers: tiers}}
	for _, x := range Ideas {
		ss = append(ss, ArcSigned{Tiers: tiers, Without: x})
	}
	return ss
}

// AblationTable lays out RunSigned's results for Ablations side by side,
// one column per proof (its model's p and strategy): the certified share
// and, in brackets, the proof FLOPs ÷ p²·m, one row per idea switched off.
func AblationTable(cols [][]SignedRun) (header []string, cells [][]string) {
	header = []string{"switched off"}
	for _, col := range cols {
		if len(col) > 0 {
			header = append(header, fmt.Sprintf("p = %d, %s", col[0].P, col[0].Strategy().Name()))
		}
	}
	for _, x := range append([]Idea{0}, Ideas...) {
		line := []string{x.String()}
		if x == 0 {
			line[0] = "nothing (every idea on)"
		}
		for _, col := range cols {
			cell := "—" // not run
			for _, r := range col {
				if r.Without == x {
					cell = fmt.Sprintf("%.1f%% (%.2f)", 100*r.Certified, r.PerPM())
					break
				}
			}
			line = append(line, cell)
		}
		cells = append(cells, line)
	}
	return header, cells
}

// WavesTable lays out arc-signed runs with and without more waves of U:
// one row per model (p, m) and number of tiers (in the order first met;
// ablated runs left out), one
// column per number of waves W, each cell the certified share and, in
// brackets, the proof FLOPs ÷ p²·m ("—" where that proof was not run).
func WavesTable(runs []SignedRun) (header []string, cells [][]string) {
	type row struct{ p, m, t int }
	var rows []row
	var ws []int
	plain := slices.DeleteFunc(slices.Clone(runs), func(r SignedRun) bool { return r.Without != 0 }) // ablations have a table of their own
	for _, r := range plain {
		if k := (row{r.P, r.M, r.Tiers}); !slices.Contains(rows, k) {
			rows = append(rows, k)
		}
		if !slices.Contains(ws, r.Waves) {
			ws = append(ws, r.Waves)
		}
	}
	slices.Sort(ws)
	header = []string{"model, tiers"}
	for _, w := range ws {
		header = append(header, fmt.Sprintf("W = %d", w))
	}
	for _, k := range rows {
		line := []string{fmt.Sprintf("p = %d, T = %d", k.p, k.t)}
		for _, w := range ws {
			cell := "—"
			for _, r := range plain {
				if r.P == k.p && r.M == k.m && r.Tiers == k.t && r.Waves == w {
					cell = fmt.Sprintf("%.1f%% (%.2f)", 100*r.Certified, r.PerPM())
					break
				}
			}
			line = append(line, cell)
		}
		cells = append(cells, line)
	}
	return header, cells
}

// DistanceShare is what a certificate proves at one distance d = a − b:
// the share of the p inputs there it certifies, and Least, the smallest
// |cos(w_k d/2)| over the clusters' frequencies (mechanism.HalfAngle),
// the weakest cluster's vote at that distance.
type DistanceShare struct{ Least, Share float64 }

// ByDistance summarises certified (indexed a·p + b) per distance d, for
// the clusters of frequencies ks. It panics where certified is not p²
// long: the flags are of another model.
func ByDistance(certified []bool, p int, ks []int) []DistanceShare {
	if p < 1 || len(certified) != p*p {
		panic(fmt.Sprintf("proof: ByDistance: %d certified flags for p = %d, want p² = %d (a certificate of another model?)", len(certified), p, p*p))
	}
	out := make([]DistanceShare, p)
	for d := range out {
		least := 1.0
		for _, k := range ks {
			least = min(least, mechanism.HalfAngle(k, d, p))
		}
		n := 0
		for a := 0; a < p; a++ {
			if certified[a*p+(a-d+p)%p] {
				n++
			}
		}
		out[d] = DistanceShare{Least: least, Share: float64(n) / float64(p)}
	}
	return out
}
