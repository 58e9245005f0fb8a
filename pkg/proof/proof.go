// Package proof certifies what the MLP of a constant-attention ReLU model
// computes: for every input (a, b) a sound bound on how far the model's
// logit differences can be from an explanation's, and so the set of inputs
// whose correct answer is proven. Several strategies trade the cost of the
// proof (FLOPs, counted by construction) against how much it proves
// (certified accuracy), as in Gross et al.'s compact proofs:
//
//	brute-force  evaluate every logit; only rounding is bounded
//	linear       the paper's linear-time bound: idealised neurons, the
//	             infinite-width integral, worst-case residuals per neuron,
//	             the quadrature error of each cluster and the direct paths'
//	             spread, checked on the (a−b, a+b−c) grid
//	fourier-U/T  exact hidden activations, the unembedding U compressed to
//	             its T largest Fourier terms per neuron, residuals bounded
//	             per input
//	arc          the same explanation from each cluster's geometry: prefix
//	             sums over the arc of active neurons, only the neurons near
//	             its ends evaluated (arc.go)
//	arc-signed   no neuron evaluated on any input: offsets inside the ReLU,
//	             the gate errors at the arcs' ends bounded by their sign
//	             and shape, margins bounded per distance a − b (signed.go;
//	             arc-signed/T: each cluster split into T arcs by offset;
//	             "arc-signed/T without chords" and the like switch its
//	             ideas off, to measure what each buys)
//
// Soundness: an input (a, b) is certified when the explanation's margin
// E(c*) − E(c), c* = a + b, exceeds ε(a, b) for every c ≠ c*, where ε bounds
// |(logit − E)(c) − (logit − E)(c*)| for the logits computed in exact
// arithmetic from the stored weights. Every ε includes the float64 rounding
// of the folding (circuit.Errors) and of its own computation (γ_n bounds).
package proof

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/mechanism"
)

// Model is a folded model with everything the strategies need. It is not
// safe for concurrent use: the strategies share its brute-force evaluation
// and its logit buffers (p³ float64 each, kept while the Model lives).
type Model struct {
	P, M     int
	T        *circuit.Tables
	Err      *circuit.Tables // rounding bounds of T's entries
	Fits     []mechanism.NeuronFit
	Clusters []mechanism.Cluster
	// FoldFLOPs and FoldSeconds are the cost of folding the weights into
	// the tables.
	FoldFLOPs   int64
	FoldSeconds float64
	eval        *evaluation
	evalBuf     *evaluation // the last evaluation's storage, reused by BruteForce's timed run
	// logitBuf is the explanation's logits ([p²][p]), reused by every
	// strategy in turn (certify and check read it before the next one):
	// a fresh 1.6 MB per proof costs page faults that brute force, which
	// also reuses its buffer, would not pay.
	logitBuf []float64
	cfg      config.Config
	w        checkpoint.Tensors
}

// NewModel folds and fits a model. The strategies need constant attention
// and ReLU (1-Lipschitz, positively homogeneous).
func NewModel(cfg config.Config, w checkpoint.Tensors) (*Model, error) {
	if err := w.CheckFinite(); err != nil {
		return nil, fmt.Errorf("proof: nothing can be proven about this model: %w", err)
	}
	t0 := time.Now()
	t, err := circuit.Fold(cfg, w)
	if err != nil {
		return nil, err
	}
	foldSeconds := time.Since(t0).Seconds()
	fits := mechanism.FitNeurons(t)
	return Explained(cfg, w, t, foldSeconds, fits, mechanism.Clusters(t, fits))
}

// Explained builds the Model from tables folded and fits made elsewhere
// (analysis.Model.Proof), so that nothing is folded or fitted twice; it adds
// the tables' rounding bounds (circuit.Errors). foldSeconds is the time the
// folding took, for the report.
func Explained(cfg config.Config, w checkpoint.Tensors, t *circuit.Tables, foldSeconds float64, fits []mechanism.NeuronFit, clusters []mechanism.Cluster) (*Model, error) {
	if cfg.Act != config.ReLU {
		return nil, fmt.Errorf("proof: the strategies are written for ReLU; this model uses %q", cfg.Act)
	}
	if err := w.CheckFinite(); err != nil {
		return nil, fmt.Errorf("proof: nothing can be proven about this model: %w", err)
	}
	if len(fits) != cfg.DMLP || t.M != cfg.DMLP || t.P != cfg.P {
		return nil, fmt.Errorf("proof: tables of %d×%d neurons and %d fits for a model of p = %d with %d neurons", t.P, t.M, len(fits), cfg.P, cfg.DMLP)
	}
	e, err := circuit.Errors(cfg, w)
	if err != nil {
		return nil, err
	}
	if err := t.CheckFinite(); err != nil {
		return nil, fmt.Errorf("proof: %w", err)
	}
	if err := e.CheckFinite(); err != nil {
		return nil, fmt.Errorf("proof: rounding bounds: %w", err)
	}
	m := &Model{P: cfg.P, M: cfg.DMLP, T: t, Err: e, Fits: fits, Clusters: clusters, FoldSeconds: foldSeconds, cfg: cfg, w: w}
	p, d, h, dh, mm := int64(cfg.P), int64(cfg.DModel), int64(cfg.NHeads), int64(cfg.DHead), int64(cfg.DMLP)
	// R, V, OV for two positions, then A, B (x W_in), La, Lb (x W_U), U = W_out W_U.
	m.FoldFLOPs = 2*(2*p*d*h*dh+2*p*h*dh*d) + 2*(2*p*d*mm) + 2*(2*p*d*p) + 2*mm*d*p
	return m, nil
}

// clusterOf returns each neuron's cluster (its index in m.Clusters), −1 for
// a neuron in none; an error if the clusters list a neuron twice or one out
// of range (they are hints, and may come from elsewhere).
func (m *Model) clusterOf() ([]int, error) {
	of := make([]int, m.M)
	for i := range of {
		of[i] = -1
	}
	for ci, cl := range m.Clusters {
		for _, i := range cl.Neurons {
			if i < 0 || i >= m.M || of[i] >= 0 {
				return nil, fmt.Errorf("proof: the clusters do not split the %d neurons (neuron %d listed twice or out of range)", m.M, i)
			}
			of[i] = ci
		}
	}
	return of, nil
}

// logits returns the zeroed [p²][p] buffer for a strategy's explanation.
func (m *Model) logits() []float64 {
	n := m.P * m.P * m.P
	if len(m.logitBuf) != n {
		m.logitBuf = make([]float64, n)
	}
	clear(m.logitBuf)
	return m.logitBuf
}

// Term is one line of an error budget: its largest value over the inputs.
type Term struct {
	Name  string  `json:"name"`
	Value float64 `json:"max_value"`
}

// Certificate is what a strategy proves about a model.
type Certificate struct {
	Strategy string `json:"name"`
	// Bound is max over inputs of ε(a, b), the bound on the error of every
	// logit difference.
	Bound float64 `json:"bound"`
	// ActualMaxError is max over inputs and c of the measured
	// |(logit − E)(c) − (logit − E)(c*)| (float64 brute force).
	ActualMaxError float64 `json:"actual_max_error"`
	// Sound is true when no measured error exceeds its input's bound.
	Sound             bool    `json:"sound"`
	CertifiedAccuracy float64 `json:"certified_accuracy"`
	TrueAccuracy      float64 `json:"true_accuracy"`
	// FLOPs is the strategy's whole cost: folding the weights into the
	// tables (Model.FoldFLOPs) plus ProofFLOPs, what it does after that.
	FLOPs      int64 `json:"flops"`
	ProofFLOPs int64 `json:"proof_flops"`
	// Seconds is the measured wall time of the proof after folding (in a
	// Report: the fastest of three runs for proofs under 0.1 s).
	Seconds float64 `json:"seconds"`
	Budget  []Term  `json:"error_budget"`
	// Certified[a·p + b] reports whether input (a, b) is proven correct.
	Certified []bool `json:"-"`
	// Eps[a·p + b] is ε(a, b).
	Eps []float64 `json:"-"`
	// Margin[a·p + b] is the explanation's margin min_{c≠c*} E(c*) − E(c).
	Margin []float64 `json:"-"`
	// Slack[a·p + b] is min_{c≠c*} (E(c*) − E(c)) − ε(a, b, c), each
	// competitor against its own bound: the input is certified when it is
	// positive (Margin − Eps where one ε serves every competitor).
	Slack []float64 `json:"-"`
	// MedianMargin is the median over inputs of the explanation's margin.
	MedianMargin float64 `json:"median_explanation_margin"`
	// DamagedClasses are the classes whose residuals are bounded on their
	// own (classes.go); empty for most models and strategies.
	DamagedClasses []int `json:"damaged_classes,omitempty"`
	// Details are a strategy's own statistics (arc: the range of τ_i, the
	// share of (input, neuron) pairs in windows, of loose neurons).
	Details map[string]float64 `json:"details,omitempty"`

	base   []float64 // ε(a, b) without the per-class extras
	extras *classExtras
	// perClass[(a·p + b)·p + c], if set, is a one-sided bound for
	// competitor c itself (arc-signed's): how much the explanation may
	// overstate that margin, (logit − E)(c*) − (logit − E)(c) ≥ −ε(c); Eps
	// is its maximum and ActualMaxError the largest overstatement.
	perClass []float64
}

// Strategy proves what it can about a model.
type Strategy interface {
	Name() string
	// Prove returns the certificate: ε(a, b), the explanation's logits (for
	// checking) are not kept.
	Prove(m *Model) (*Certificate, error)
}

// ErrUnknownStrategy is returned by ByName.
var ErrUnknownStrategy = errors.New("proof: unknown strategy")

// Strategies returns the default frontier: brute force, the linear bound,
// arc-signed (one arc per cluster and four), arc (windows evaluated
// exactly, 1 and 4 Fourier terms of U per neuron) and the
// Fourier-compressed unembedding with 1, 2, 4 and 8 terms.
func Strategies() []Strategy {
	return []Strategy{BruteForce{}, Linear{}, ArcSigned{}, ArcSigned{Tiers: 4}, Arc{}, Arc{T: 4}, FourierU{T: 1}, FourierU{T: 2}, FourierU{T: 4}, FourierU{T: 8}}
}

// ByName finds a strategy of Strategies by name, or "fourier-U/T",
// "arc-U/T" or "arc-signed/T" for any T ≥ 1; arc-signed's may add "+W"
// (W ≥ 1 more waves of U) and end in " without " and ideas joined by "+"
// (Idea.String's names). Only canonical names (Name's) are accepted.
func ByName(name string) (Strategy, error) {
	for _, s := range Strategies() {
		if s.Name() == name {
			return s, nil
		}
	}
	base, without, ablated := strings.Cut(name, " without ")
	waves := 0 // arc-signed[/T]+W: W more waves of U
	if j := strings.LastIndex(base, "+"); j > 0 && strings.HasPrefix(base, "arc-signed") {
		if strings.Count(base, "+") > 1 {
			return nil, fmt.Errorf("%w %q: one +W only", ErrUnknownStrategy, name)
		}
		w, ok := suffixInt(base[j:], "+")
		if !ok {
			return nil, fmt.Errorf("%w %q: write arc-signed[/T]+W with W ≥ 1 more waves of U", ErrUnknownStrategy, name)
		}
		base, waves = base[:j], w
	}
	t, tiered := suffixInt(base, "arc-signed/")
	switch {
	case (base == "arc-signed" || tiered) && (waves > 0 || ablated):
		s := ArcSigned{Tiers: t, Waves: waves}
		if ablated {
			for _, n := range strings.Split(without, "+") {
				x, err := ideaByName(n)
				if err != nil {
					return nil, err
				}
				s.Without |= x
			}
		}
		if s.Name() != name { // one name per strategy: ideas once each, in Ideas' order
			return nil, fmt.Errorf("%w %q: write it %q", ErrUnknownStrategy, name, s.Name())
		}
		return s, nil
	case waves > 0:
		return nil, fmt.Errorf("%w %q: only arc-signed[/T] takes +W", ErrUnknownStrategy, name)
	case ablated:
		return nil, fmt.Errorf("%w %q: only arc-signed[/T] has ideas to switch off", ErrUnknownStrategy, name)
	case tiered:
		return ArcSigned{Tiers: t}, nil
	}
	if t, ok := suffixInt(name, "fourier-U/"); ok {
		return FourierU{T: t}, nil
	}
	if t, ok := suffixInt(name, "arc-U/"); ok {
		return Arc{T: t}, nil
	}
	return nil, fmt.Errorf("%w %q: use brute-force, linear, arc-signed, arc-signed/T, arc, arc-U/T or fourier-U/T (T >= 1); arc-signed[/T]+W adds W waves of U; arc-signed[/T][+W] without IDEA[+IDEA...] switches ideas off", ErrUnknownStrategy, name)
}

// suffixInt reads name as prefix followed by an integer ≥ 1, and nothing else.
func suffixInt(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	t, err := strconv.Atoi(rest)
	return t, err == nil && t >= 1 && strconv.Itoa(t) == rest
}

// ideaByName finds one of Ideas by its String.
func ideaByName(n string) (Idea, error) {
	var names []string
	for _, x := range Ideas {
		if x.String() == n {
			return x, nil
		}
		names = append(names, strconv.Quote(x.String()))
	}
	return 0, fmt.Errorf("%w: no idea %q of arc-signed: use %s", ErrUnknownStrategy, n, strings.Join(names, ", "))
}

// spread is max − min.
func spread(x []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi - lo
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// roundUp inflates a computed non-negative bound to cover the rounding of
// its own computation from n terms: (1 + γ_{n+2})·x, plus the smallest
// normal number against underflow.
func roundUp(x float64, n int) float64 {
	return x*(1+circuit.Gamma(n+2)) + 0x1p-1022
}

// budget keeps the largest value of each named term over the inputs.
type budget struct {
	names []string
	max   []float64
}

func newBudget(names ...string) *budget {
	return &budget{names: names, max: make([]float64, len(names))}
}

// add records one input's terms, in the order of the names.
func (b *budget) add(values ...float64) {
	for i, v := range values {
		b.max[i] = max(b.max[i], v)
	}
}

// terms returns the budget, largest term first.
func (b *budget) terms() []Term {
	out := make([]Term, len(b.names))
	for i, n := range b.names {
		out[i] = Term{n, b.max[i]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Value > out[j].Value })
	return out
}

// Report is the result of running several strategies on one model.
type Report struct {
	Strategies []*Certificate `json:"strategies"`
	// FoldFLOPs and FoldSeconds: building the tables A, B, C, U and the
	// direct paths from the weights, shared by every strategy.
	FoldFLOPs   int64   `json:"fold_flops"`
	FoldSeconds float64 `json:"fold_seconds"`
	// BruteForceFLOPs and BruteForceSeconds are the brute-force strategy's
	// (folded evaluation of every logit with rounding bounds).
	BruteForceFLOPs   int64   `json:"brute_force_flops"`
	BruteForceSeconds float64 `json:"brute_force_seconds"`
	// ForwardPassFLOPs and ForwardPassSeconds: a plain float64 forward pass
	// on every input (ForwardPass), measured in the same run by Run (not by
	// RunModel).
	ForwardPassFLOPs   int64   `json:"forward_pass_flops"`
	ForwardPassSeconds float64 `json:"forward_pass_seconds"`
	// PM is p²·m, the number of (input, neuron) pairs: a strategy whose
	// ProofFLOPs is below it never evaluates every neuron on every input.
	PM int64 `json:"p2_m"`
}

// Run proves with each strategy (all of Strategies() when none is given)
// and always includes brute force for the reference figures.
func Run(cfg config.Config, w checkpoint.Tensors, strategies ...Strategy) (*Report, error) {
	m, err := NewModel(cfg, w)
	if err != nil {
		return nil, err
	}
	r, err := RunModel(m, strategies...)
	if err != nil {
		return nil, err
	}
	if r.ForwardPassSeconds, _, err = timeForwardPass(cfg, w); err != nil {
		return nil, err
	}
	return r, nil
}

// RunModel is Run on a model already folded and fitted, without timing the
// plain forward pass (ForwardPassSeconds stays 0: a sweep does not pay a
// forward pass per run for a column it does not keep).
func RunModel(m *Model, strategies ...Strategy) (*Report, error) {
	cfg := m.cfg
	if len(strategies) == 0 {
		strategies = Strategies()
	}
	r := &Report{FoldFLOPs: m.FoldFLOPs, FoldSeconds: m.FoldSeconds, ForwardPassFLOPs: ForwardPassFLOPs(cfg),
		PM: int64(cfg.P) * int64(cfg.P) * int64(cfg.DMLP)}
	haveBF := false
	for _, s := range strategies {
		c, err := prove(s, m)
		if err != nil {
			return nil, err
		}
		if s.Name() == "brute-force" {
			haveBF = true
			r.BruteForceFLOPs, r.BruteForceSeconds = c.FLOPs, c.Seconds
		}
		r.Strategies = append(r.Strategies, c)
	}
	if !haveBF {
		c, err := prove(BruteForce{}, m)
		if err != nil {
			return nil, err
		}
		r.BruteForceFLOPs, r.BruteForceSeconds = c.FLOPs, c.Seconds
	}
	return r, nil
}

// prove runs s on m and keeps, for a proof that took under a tenth of a
// second, the fastest of three runs as its Seconds: on a shared machine
// noise (another process, a garbage collection) only ever adds time, and
// the cheap proofs are the ones it distorts most.
func prove(s Strategy, m *Model) (*Certificate, error) {
	runtime.GC()
	c, err := s.Prove(m)
	if err != nil || c.Seconds >= 0.1 {
		return c, err
	}
	for k := 0; k < 2; k++ {
		runtime.GC()
		again, err := s.Prove(m)
		if err != nil {
			return nil, err
		}
		c.Seconds = min(c.Seconds, again.Seconds)
	}
	return c, nil
}

// Text renders the report as a table with each strategy's error budget.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "folding the weights into tables: %.3g FLOPs, %.3f s (shared by every strategy)\n", float64(r.FoldFLOPs), r.FoldSeconds)
	fmt.Fprintf(&b, "a plain float64 forward pass on every input: %.3g FLOPs, %.3f s\n", float64(r.ForwardPassFLOPs), r.ForwardPassSeconds)
	fmt.Fprintf(&b, "brute force (folded): %.3g FLOPs, %.3f s; p²·m = %.3g\n\n", float64(r.BruteForceFLOPs), r.BruteForceSeconds, float64(r.PM))
	b.WriteString("strategy         bound (max ε)   actual max error  sound  certified  true acc   FLOPs      proof FLOPs  ÷ p²·m   seconds  × brute force (s)\n")
	for _, c := range r.Strategies {
		fmt.Fprintf(&b, "%-15s  %13.4g   %16.4g  %-5v  %9.4f  %8.4f   %-9.3g  %-11.3g  %7.2f  %7.4f  %7.3f\n", c.Strategy, c.Bound, c.ActualMaxError, c.Sound,
			c.CertifiedAccuracy, c.TrueAccuracy, float64(c.FLOPs), float64(c.ProofFLOPs), float64(c.ProofFLOPs)/float64(r.PM), c.Seconds, c.Seconds/r.BruteForceSeconds)
	}
	for _, c := range r.Strategies {
		fmt.Fprintf(&b, "\n%s error budget (largest value over the inputs; median explanation margin %.3g):\n", c.Strategy, c.MedianMargin)
		for _, t := range c.Budget {
			fmt.Fprintf(&b, "  %-58s %.4g\n", t.Name, t.Value)
		}
	}
	return b.String()
}

// Table renders the strategies as table cells: bound, actual error,
// soundness, certified share, FLOPs (total and after folding, also as a
// multiple of p²·m) and seconds (also as a fraction of brute force's).
func (r *Report) Table() (header []string, cells [][]string) {
	header = []string{"strategy", "bound (max ε)", "actual max error", "sound", "certified", "FLOPs", "proof FLOPs", "÷ p²·m", "seconds", "seconds ÷ brute force"}
	for _, c := range r.Strategies {
		cells = append(cells, []string{c.Strategy, fmt.Sprintf("%.4g", c.Bound), fmt.Sprintf("%.4g", c.ActualMaxError), fmt.Sprint(c.Sound),
			fmt.Sprintf("%.2f%%", 100*c.CertifiedAccuracy), fmt.Sprintf("%.3g", float64(c.FLOPs)), fmt.Sprintf("%.3g", float64(c.ProofFLOPs)),
			fmt.Sprintf("%.2f", float64(c.ProofFLOPs)/float64(r.PM)), fmt.Sprintf("%.4f", c.Seconds), fmt.Sprintf("%.3f", c.Seconds/r.BruteForceSeconds)})
	}
	return header, cells
}
