package sweep

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/modadd/modadd/pkg/mechanism"
)

// SeedTable is one line per run: the training result, the mechanism and the
// model's margins (the columns of a notebook table).
func SeedTable(rows []Row) (header []string, cells [][]string) {
	header = []string{"seed", "accuracy", "epochs", "clusters k:size", "FVE A / B / U", "|ψ−2φ|", "offset/2r",
		"ideal FVE", "ideal max err", "GS", "DI", "circ.", "margin min / median"}
	f := func(x float64, prec int) string {
		if x < 0 {
			return "–"
		}
		return strconv.FormatFloat(x, 'f', prec, 64)
	}
	for _, r := range rows {
		cells = append(cells, []string{strconv.FormatUint(r.Seed, 10), f(r.Accuracy, 4), strconv.Itoa(r.Epochs), r.ClusterSizes,
			fmt.Sprintf("%s / %s / %s", f(r.MedianFVEA, 3), f(r.MedianFVEB, 3), f(r.MedianFVEU, 3)), f(r.PhaseDoublingError, 4), f(r.OffsetOver2R, 3),
			f(r.IdealLogitFVE, 3), f(r.IdealMaxError, 1), f(r.GradientSymmetricity, 3), f(r.DistanceIrrelevance, 3), f(r.Circularity, 3),
			fmt.Sprintf("%.1f / %.1f", r.MinMargin, r.MedianMargin)})
	}
	return header, cells
}

// StrategyStats summarises one proof strategy over the runs.
type StrategyStats struct {
	Strategy string
	Runs     int
	// Medians over the runs.
	Bound, ActualMaxError, CertifiedAccuracy, ProofFLOPsOverBrute, SecondsOverBrute float64
	// Certified90 is the share of runs with at least 90% of inputs certified.
	Certified90 float64
}

// ProofStats computes StrategyStats for every strategy in rows, in order of
// appearance; the cost ratios are to the same run's brute force.
func ProofStats(rows []Row) []StrategyStats {
	var names []string
	vals := map[string]*struct{ bound, actual, cert, flops, secs []float64 }{}
	for _, r := range rows {
		var bf *ProofResult
		for i := range r.Proofs {
			if r.Proofs[i].Strategy == "brute-force" {
				bf = &r.Proofs[i]
			}
		}
		for _, pr := range r.Proofs {
			v, ok := vals[pr.Strategy]
			if !ok {
				names = append(names, pr.Strategy)
				v = &struct{ bound, actual, cert, flops, secs []float64 }{}
				vals[pr.Strategy] = v
			}
			v.bound, v.actual, v.cert = append(v.bound, pr.Bound), append(v.actual, pr.ActualMaxError), append(v.cert, pr.CertifiedAccuracy)
			if bf != nil && bf.ProofFLOPs > 0 && bf.Seconds > 0 {
				v.flops = append(v.flops, float64(pr.ProofFLOPs)/float64(bf.ProofFLOPs))
				v.secs = append(v.secs, pr.Seconds/bf.Seconds)
			}
		}
	}
	out := make([]StrategyStats, len(names))
	for i, n := range names {
		v := vals[n]
		n90 := 0
		for _, c := range v.cert {
			if c >= 0.9 {
				n90++
			}
		}
		med := func(x []float64) float64 {
			if len(x) == 0 {
				return math.NaN()
			}
			return mechanism.Median(x)
		}
		out[i] = StrategyStats{Strategy: n, Runs: len(v.cert), Bound: med(v.bound), ActualMaxError: med(v.actual), CertifiedAccuracy: med(v.cert),
			ProofFLOPsOverBrute: med(v.flops), SecondsOverBrute: med(v.secs), Certified90: float64(n90) / float64(len(v.cert))}
	}
	return out
}

// ProofTable renders ProofStats as notebook table cells.
func ProofTable(stats []StrategyStats) (header []string, cells [][]string) {
	header = []string{"strategy", "runs", "median bound", "median actual error", "median certified", "runs ≥ 90% certified", "proof FLOPs ÷ brute force", "seconds ÷ brute force"}
	for _, s := range stats {
		cells = append(cells, []string{s.Strategy, strconv.Itoa(s.Runs), fmt.Sprintf("%.3g", s.Bound), fmt.Sprintf("%.3g", s.ActualMaxError),
			fmt.Sprintf("%.1f%%", 100*s.CertifiedAccuracy), fmt.Sprintf("%.0f%%", 100*s.Certified90), fmt.Sprintf("%.3f", s.ProofFLOPsOverBrute), fmt.Sprintf("%.2f", s.SecondsOverBrute)})
	}
	return header, cells
}

// Deviation is a run that departs from the typical mechanism of its table.
type Deviation struct {
	Row     Row
	Reasons []string
}

// Deviations lists the runs whose accuracy is below 1, whose number of main
// clusters is rare (fewer than a sixth of the runs share it: where several
// counts are common, none of them is a deviation), or whose median FVE, phase
// doubling or ideal-logit FVE lies far from the table's median (beyond
// three median absolute deviations, and by a margin that matters).
func Deviations(rows []Row) []Deviation {
	counts := map[int]int{}
	for _, r := range rows {
		counts[r.Clusters]++
	}
	type metric struct {
		name string
		get  func(Row) float64
		min  float64 // smallest deviation that matters
	}
	metrics := []metric{
		{"median FVE of A", func(r Row) float64 { return r.MedianFVEA }, 0.02},
		{"median FVE of U", func(r Row) float64 { return r.MedianFVEU }, 0.02},
		{"phase-doubling error", func(r Row) float64 { return r.PhaseDoublingError }, 0.02},
		{"ideal-logit FVE", func(r Row) float64 { return r.IdealLogitFVE }, 0.05},
		{"distance irrelevance", func(r Row) float64 { return r.DistanceIrrelevance }, 0.1},
	}
	var out []Deviation
	for _, r := range rows {
		var why []string
		if r.Accuracy < 1 {
			why = append(why, fmt.Sprintf("accuracy %.4f", r.Accuracy))
		}
		if counts[r.Clusters]*6 < len(rows) {
			why = append(why, fmt.Sprintf("%d main clusters (only %d of %d runs)", r.Clusters, counts[r.Clusters], len(rows)))
		}
		for _, m := range metrics {
			var xs []float64
			for _, o := range rows {
				xs = append(xs, m.get(o))
			}
			med := mechanism.Median(xs)
			dev := make([]float64, len(xs))
			for i, x := range xs {
				dev[i] = math.Abs(x - med)
			}
			mad := mechanism.Median(dev)
			if d := math.Abs(m.get(r) - med); d > 3*mad && d > m.min {
				why = append(why, fmt.Sprintf("%s %.3f (median %.3f)", m.name, m.get(r), med))
			}
		}
		if len(why) > 0 {
			out = append(out, Deviation{r, why})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Row.Seed < out[j].Row.Seed })
	return out
}
