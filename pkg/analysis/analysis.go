// Package analysis runs the whole mechanistic analysis of one model and
// reports it: Fourier clusters of neurons, the phase relation, the ideal
// pizza logits against the actual ones, and the prior work's metrics. It is
// what `modadd analyze` prints and what the notebooks tabulate.
package analysis

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/measures"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/metrics"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/proof"
)

// Report is the analysis of one model. Fields that need the folded circuit
// (constant attention) are zero, and Circuit false, for other models.
type Report struct {
	P        int     `json:"p"`
	Epoch    int     `json:"epoch"`
	Accuracy float64 `json:"accuracy"`
	Circuit  bool    `json:"circuit"`
	// FoldError is the largest |logit rebuilt from the tables − network logit|.
	FoldError float64 `json:"fold_error"`
	// KeyFrequencies of the embedding W_E (share of its energy >= 5%).
	KeyFrequencies []fourier.KeyFreq `json:"key_frequencies"`

	Clusters []mechanism.Cluster `json:"clusters"`
	// NeuronsInMainClusters counts neurons in clusters holding >= 2% of them.
	NeuronsInMainClusters int `json:"neurons_in_main_clusters"`
	// Medians over the neurons of the main clusters.
	MedianFVE          [3]float64 `json:"median_fve_a_b_u"`
	PhaseDoublingError float64    `json:"phase_doubling_error"` // median |ψ − 2φ|, radians
	MedianPhaseAB      float64    `json:"median_phase_a_minus_b"`
	MedianAmpRatio     float64    `json:"median_abs_ra_over_rb_minus_1"`
	MedianOffset       float64    `json:"median_offset_over_2r"`

	IdealLogitFVE  float64               `json:"ideal_logit_fve"`
	IdealMaxError  float64               `json:"ideal_max_error"`
	IdealMeanError float64               `json:"ideal_mean_abs_error"`
	IdealPer       []mechanism.Agreement `json:"ideal_per_cluster"`

	GradientSymmetricity float64 `json:"gradient_symmetricity"`
	DistanceIrrelevance  float64 `json:"distance_irrelevance"`
	Circularity          float64 `json:"circularity"`
	RestrictedLoss       float64 `json:"restricted_loss"`
	ExcludedLoss         float64 `json:"excluded_loss"`
	TrainLoss            float64 `json:"train_loss"`
	// MinMargin and MedianMargin are over all inputs of the network's
	// logit(c*) − max_{c≠c*} logit(c): negative where it is wrong.
	MinMargin    float64 `json:"min_margin"`
	MedianMargin float64 `json:"median_margin"`

	Fits []mechanism.NeuronFit `json:"-"`
	// FoldSeconds is the time folding the weights into tables took.
	FoldSeconds float64 `json:"-"`
}

// Analyze computes the report of a checkpoint on backend be (used for the
// network's logits and the gradients of gradient symmetricity).
func Analyze(be backends.Backend, ck *checkpoint.Checkpoint) (*Report, error) {
	r, _, err := analyze(be, ck)
	return r, err
}

// analyze is Analyze, also returning the folded tables (nil without
// constant attention).
func analyze(be backends.Backend, ck *checkpoint.Checkpoint) (*Report, *circuit.Tables, error) {
	cfg, w := ck.Config, ck.Params
	r := &Report{P: cfg.P, Epoch: ck.Epoch}
	acts, err := model.RunWithCache(be, cfg, w, model.LogitsName)
	if err != nil {
		return nil, nil, err
	}
	logits := acts[model.LogitsName].Data
	split, err := metrics.SplitOf(cfg)
	if err != nil {
		return nil, nil, err
	}
	m, err := metrics.Measure(logits, split, ck.Epoch)
	if err != nil {
		return nil, nil, err
	}
	r.Accuracy, r.TrainLoss = m.Acc, m.TrainLoss
	r.MinMargin, r.MedianMargin = margins(logits, cfg.P)

	WE := w.Must("W_E")
	r.KeyFrequencies = fourier.KeyFrequencies(transpose(WE.Matrix()), 0.05)
	var ks []int
	for _, k := range r.KeyFrequencies {
		ks = append(ks, k.K)
	}
	pl := measures.ProgressLosses(logits, cfg.P, ks, split.Train)
	r.RestrictedLoss, r.ExcludedLoss = pl.Restricted, pl.Excluded
	r.DistanceIrrelevance = measures.DistanceIrrelevance(logits, cfg.P)
	if r.GradientSymmetricity, err = model.GradientSymmetricity(be, cfg, w, 100, 0); err != nil {
		return nil, nil, err
	}
	if r.Circularity, err = measures.Circularity(WE, 4); err != nil {
		return nil, nil, err
	}

	t0 := time.Now()
	tb, err := circuit.Fold(cfg, w)
	r.FoldSeconds = time.Since(t0).Seconds()
	if errors.Is(err, circuit.ErrNotSeparable) {
		return r, nil, nil // not a constant-attention model: no circuit analysis
	}
	if err != nil {
		return nil, nil, err
	}
	r.Circuit = true
	for i, v := range tb.AllLogits() {
		r.FoldError = math.Max(r.FoldError, math.Abs(v-logits[i]))
	}
	r.Fits = mechanism.FitNeurons(tb)
	r.Clusters = mechanism.Clusters(tb, r.Fits)
	var fa, fb, fu, pd, pab, amp, off []float64
	for _, c := range r.Clusters {
		if !c.IsMain(tb.M) {
			continue
		}
		r.NeuronsInMainClusters += len(c.Neurons)
		for _, i := range c.Neurons {
			f := r.Fits[i]
			fa, fb, fu = append(fa, f.FVEA), append(fb, f.FVEB), append(fu, f.FVEU)
			pd = append(pd, math.Abs(f.PhaseDoubling))
			pab = append(pab, math.Abs(mechanism.Wrap(f.PhiA-f.PhiB)))
			amp = append(amp, math.Abs(f.RA/f.RB-1))
			off = append(off, f.Offset/(2*f.R))
		}
	}
	r.MedianFVE = [3]float64{mechanism.Median(fa), mechanism.Median(fb), mechanism.Median(fu)}
	r.PhaseDoublingError, r.MedianPhaseAB, r.MedianAmpRatio, r.MedianOffset = mechanism.Median(pd), mechanism.Median(pab), mechanism.Median(amp), mechanism.Median(off)
	per, total := mechanism.CompareIdeal(tb, r.Fits, r.Clusters)
	r.IdealPer = per
	r.IdealLogitFVE, r.IdealMaxError, r.IdealMeanError = total.FVE, total.MaxErr, total.MeanErr
	return r, tb, nil
}

func transpose(m [][]float64) [][]float64 {
	if len(m) == 0 {
		return nil
	}
	out := make([][]float64, len(m[0]))
	for j := range out {
		out[j] = make([]float64, len(m))
		for i := range m {
			out[j][i] = m[i][j]
		}
	}
	return out
}

// Text renders the report for a terminal.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "p = %d, epoch %d, accuracy %.4f\n", r.P, r.Epoch, r.Accuracy)
	var kf []string
	for _, k := range r.KeyFrequencies {
		kf = append(kf, fmt.Sprintf("%d (%.0f%%)", k.K, 100*k.Fraction))
	}
	fmt.Fprintf(&b, "key frequencies of the embedding: %s\n", strings.Join(kf, ", "))
	fmt.Fprintf(&b, "\nprior work's metrics (Zhong et al.'s medians: pizza GS %.3f, DI %.3f; clock GS %.3f, DI %.3f)\n",
		measures.ZhongPizza.GradientSymmetricity, measures.ZhongPizza.DistanceIrrelevance, measures.ZhongClock.GradientSymmetricity, measures.ZhongClock.DistanceIrrelevance)
	fmt.Fprintf(&b, "  gradient symmetricity %.3f\n  distance irrelevance  %.3f\n  circularity           %.3f\n", r.GradientSymmetricity, r.DistanceIrrelevance, r.Circularity)
	fmt.Fprintf(&b, "  train loss %.3g, restricted loss %.3g, excluded loss %.3g (Nanda et al.)\n", r.TrainLoss, r.RestrictedLoss, r.ExcludedLoss)
	if !r.Circuit {
		b.WriteString("\nattention is not constant (alpha < 1): no folded-circuit analysis\n")
		return b.String()
	}
	fmt.Fprintf(&b, "\nfolded circuit reproduces the network's logits to %.2g\n", r.FoldError)
	b.WriteString("\nclusters of neurons by frequency\n     k  neurons   A,B FVE   W = Σ r·s   median |ψ−2φ|\n")
	for _, c := range r.Clusters {
		fmt.Fprintf(&b, "  %4d  %7d   %7.3f   %9.2f   %13.4f\n", c.K, len(c.Neurons), c.FVE, c.W, c.MedianPhaseDoubling)
	}
	fmt.Fprintf(&b, "%d neurons in clusters holding at least 2%% of them\n", r.NeuronsInMainClusters)
	fmt.Fprintf(&b, "\nmedians over those neurons: single-frequency FVE A %.3f B %.3f U %.3f\n", r.MedianFVE[0], r.MedianFVE[1], r.MedianFVE[2])
	fmt.Fprintf(&b, "  |φA − φB| %.4f rad, |rA/rB − 1| %.3f, |ψ − 2φ| %.4f rad, offset/(2r) %.3f\n", r.MedianPhaseAB, r.MedianAmpRatio, r.PhaseDoublingError, r.MedianOffset)
	if r.IdealPer != nil {
		b.WriteString("\nideal pizza logits g_k(a−b)·cos(w(a+b−c)) (for ReLU g_k = κ₂ W |cos(w(a−b)/2)|) against the MLP's (centred over c)\n     k      FVE   max error   mean error   max |actual|\n")
		for _, a := range r.IdealPer {
			fmt.Fprintf(&b, "  %4d  %7.3f   %9.3f   %10.3f   %12.3f\n", a.K, a.FVE, a.MaxErr, a.MeanErr, a.Scale)
		}
		fmt.Fprintf(&b, "  total %7.3f   %9.3f   %10.3f\n", r.IdealLogitFVE, r.IdealMaxError, r.IdealMeanError)
	}
	return b.String()
}

// Table is the report's headline numbers as a two-column table (metric,
// value) for a notebook; Text has everything.
func (r *Report) Table() (header []string, cells [][]string) {
	f := func(name, format string, v float64) { cells = append(cells, []string{name, fmt.Sprintf(format, v)}) }
	f("accuracy on all pairs", "%.4f", r.Accuracy)
	f("smallest / median margin", "%.2f", r.MinMargin)
	cells[len(cells)-1][1] += fmt.Sprintf(" / %.2f", r.MedianMargin)
	var kf []string
	for _, k := range r.KeyFrequencies {
		kf = append(kf, fmt.Sprintf("%d (%.0f%%)", k.K, 100*k.Fraction))
	}
	cells = append(cells, []string{"key frequencies of the embedding", strings.Join(kf, ", ")})
	f("gradient symmetricity", "%.3f", r.GradientSymmetricity)
	f("distance irrelevance", "%.3f", r.DistanceIrrelevance)
	f("circularity", "%.3f", r.Circularity)
	if r.Circuit {
		var cs []string
		for _, c := range r.Clusters {
			if c.IsMain(len(r.Fits)) {
				cs = append(cs, fmt.Sprintf("k = %d (%d)", c.K, len(c.Neurons)))
			}
		}
		cells = append(cells, []string{"main clusters (neurons)", strings.Join(cs, ", ")})
		cells = append(cells, []string{"median single-frequency FVE of A, B, U", fmt.Sprintf("%.3f, %.3f, %.3f", r.MedianFVE[0], r.MedianFVE[1], r.MedianFVE[2])})
		f("median phase-doubling error |ψ − 2φ| (rad)", "%.4f", r.PhaseDoublingError)
		f("ideal pizza logits: FVE", "%.3f", r.IdealLogitFVE)
		f("ideal pizza logits: largest error", "%.2f", r.IdealMaxError)
	}
	return []string{"metric", "value"}, cells
}

// Model bundles a loaded model with its folded tables and its report: what
// a notebook cell needs, in one call.
type Model struct {
	Dir        string
	Checkpoint *checkpoint.Checkpoint
	// Tables is nil for models without constant attention.
	Tables *circuit.Tables
	Report *Report
}

// Open loads the model in dir and analyses it on the default backend.
func Open(dir string) (*Model, error) {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, err
	}
	be, err := model.Backend()
	if err != nil {
		return nil, err
	}
	m, err := OpenCheckpoint(be, ck)
	if m != nil {
		m.Dir = dir
	}
	return m, err
}

// OpenCheckpoint analyses a loaded checkpoint on backend be.
func OpenCheckpoint(be backends.Backend, ck *checkpoint.Checkpoint) (*Model, error) {
	r, tb, err := analyze(be, ck)
	if err != nil {
		return nil, err
	}
	return &Model{Checkpoint: ck, Report: r, Tables: tb}, nil
}

// Proof is the model for the proof strategies, from the same tables and
// fits (nothing is folded or fitted again).
func (m *Model) Proof() (*proof.Model, error) {
	if m.Tables == nil {
		return nil, fmt.Errorf("analysis: the model's attention is not constant (alpha = %g): there is no circuit to prove things about", m.Checkpoint.Config.Alpha)
	}
	return proof.Explained(m.Checkpoint.Config, m.Checkpoint.Params, m.Tables, m.Report.FoldSeconds, m.Report.Fits, m.Report.Clusters)
}

// margins returns the smallest and the median over inputs of
// logit(c*) − max_{c≠c*} logit(c), for row-major logits [p²][p].
func margins(logits []float64, p int) (lo, med float64) {
	ms := make([]float64, p*p)
	for k := range ms {
		row, cs := logits[k*p:(k+1)*p], (k/p+k%p)%p
		best := math.Inf(-1)
		for c, v := range row {
			if c != cs {
				best = math.Max(best, v)
			}
		}
		ms[k] = row[cs] - best
	}
	return slices.Min(ms), mechanism.Median(ms)
}
