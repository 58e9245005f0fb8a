package figures

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/measures"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/proof"
	"github.com/modadd/modadd/pkg/quadrature"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// pizzaTables is a small folded model whose neurons are single-frequency
// waves (two clusters, k = 1 and 2), with a little noise.
func pizzaTables(p, m int) *circuit.Tables {
	rng := rand.New(rand.NewPCG(1, 2))
	t := &circuit.Tables{P: p, M: m, Act: config.ReLU, C: make([]float64, m), L0: make([]float64, p)}
	t.A, t.B, t.La, t.Lb = make([][]float64, p), make([][]float64, p), make([][]float64, p), make([][]float64, p)
	for a := range p {
		t.A[a], t.B[a], t.La[a], t.Lb[a] = make([]float64, m), make([]float64, m), make([]float64, p), make([]float64, p)
	}
	t.U = make([][]float64, m)
	for i := range m {
		k := 1 + i%2
		phi := 2 * math.Pi * rng.Float64()
		w := 2 * math.Pi * float64(k) / float64(p)
		for a := range p {
			t.A[a][i] = math.Cos(w*float64(a)+phi) + 0.01*rng.NormFloat64()
			t.B[a][i] = math.Cos(w*float64(a)+phi) + 0.01*rng.NormFloat64()
		}
		t.U[i] = make([]float64, p)
		for c := range p {
			t.U[i][c] = math.Cos(w*float64(c) + 2*phi)
		}
	}
	return t
}

// TestFiguresValidSVG renders every figure of the package on small data and
// checks that each SVG is valid UTF-8 and well-formed XML.
func TestFiguresValidSVG(t *testing.T) {
	const p, m = 11, 24
	tb := pizzaTables(p, m)
	fits := mechanism.FitNeurons(tb)
	clusters := mechanism.Clusters(tb, fits)
	if len(clusters) == 0 {
		t.Fatal("no clusters")
	}
	we := checkpoint.Tensor{Shape: []int{p, 4}, Data: make([]float64, p*4)}
	for i := range we.Data {
		we.Data[i] = math.Cos(float64(i))
	}
	rule := quadrature.Rule{Nodes: []float64{0, 1, 2, 3, 4, 5}, Weights: []float64{1, 1, 2, 1, 1, 1}}
	logits := tb.AllLogits()
	ideal, err := IdealVsActual(tb, fits, clusters)
	if err != nil {
		t.Fatal(err)
	}
	maps, err := CorrectLogitMaps([]string{"a", "b"}, p, [][]float64{logits, logits})
	if err != nil {
		t.Fatal(err)
	}
	spectrum, err := FourierLogits("spectrum ε", p, logits)
	if err != nil {
		t.Fatal(err)
	}
	ne := NodeErrors{K: 1, N: []int{4, 8, 16}, Model: []float64{1, 0.5, 0.2}, Equi: []float64{0.5, 0.1, 0.01}, Random: []float64{1, 0.7, 0.5}, Full: 0.1}
	figs := map[string]*Figure{
		"training": TrainingCurves("δ run", history()),
		"progress": Progress("run", []measures.Point{
			{Epoch: 0, TrainLoss: 4, HeldoutLoss: 4, Restricted: 4, Excluded: 4, KeyEnergy: 0, GradientSymmetricity: 0.2},
			{Epoch: 10, TrainLoss: 1, HeldoutLoss: 2, Restricted: 1, Excluded: 5, KeyEnergy: 0.5, GradientSymmetricity: 0.8},
			{Epoch: 20, TrainLoss: 0.1, HeldoutLoss: 1, Restricted: 0.1, Excluded: 6, KeyEnergy: 0.9, GradientSymmetricity: 0.99}}),
		"spectrum":   EmbeddingSpectrum(we, 1, 2),
		"neurons":    NeuronFrequencies(p, fits),
		"preact":     PreActivation(tb, fits[0]),
		"phase":      PhaseDoubling(fits, clusters, 1),
		"circles":    PhaseCircles(fits, clusters, 1),
		"ideal":      ideal,
		"pizza":      PizzaLogits(tb, clusters, 1, 0),
		"rectangles": QuadratureRectangles("rule", rule, config.ReLU.Func(), 0.3),
		"by-angle":   QuadratureErrorByAngle([]int{1}, []quadrature.Rule{rule}, config.ReLU.Func(), 2/(3*math.Pi), p),
		"nodes":      ErrorVsNodesClusters("", []NodeErrors{ne, ne}),
		"nodes-one":  ErrorVsNodes("one", ne.N, ne.Model, ne.Equi, ne.Random),
		"maps":       maps,
		"fourier":    spectrum,
	}
	for name, f := range figs {
		svg, err := f.SVG()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		validSVG(t, name, svg)
		// A second rendering gives the same document (titles are restored).
		again, _ := f.SVG()
		if string(again) != string(svg) {
			t.Errorf("%s: a second rendering differs", name)
		}
	}
}

func TestByFrequency(t *testing.T) {
	order := ByFrequency(59, 15)
	for j, a := range order {
		if 15*a%59 != j {
			t.Fatalf("position %d holds %d: 15·%d mod 59 = %d", j, a, a, 15*a%59)
		}
	}
}

func TestLog10Ticks(t *testing.T) {
	labels := func(ts []plot.Tick) string {
		var out []string
		for _, tk := range ts {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		name string
		ts   []plot.Tick
		want string
	}{
		{"log10 2..4", log10Ticks{}.Ticks(2, 4), "100 1000 10000"},
		{"log10 -7..1", log10Ticks{}.Ticks(-7, 1), "1e-7 1e-6 1e-5 1e-4 1e-3 1e-2 1e-1 1e0 1e1"},
		{"125 0.4..60", ticks125{}.Ticks(0.4, 60), "0.5 1 2 5 10 20 50"},
		{"125 1.5e7..6e8", ticks125{}.Ticks(1.5e7, 6e8), "2e7 5e7 1e8 2e8 5e8"},
		{"power 1e-6..1", powerTicks{}.Ticks(1e-6, 1), "1e-6 1e-5 1e-4 1e-3 1e-2 1e-1 1e0"},
		{"power 1e-2..10", powerTicks{}.Ticks(1e-2, 10), "0.01 0.1 1 10"},
	} {
		if got := labels(c.ts); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestRefusedSeries: a series gonum refuses (NaN data) must not vanish
// silently: the figure refuses to render and names the plot and series.
func TestRefusedSeries(t *testing.T) {
	f := Progress("nan run", []measures.Point{{Epoch: 0, TrainLoss: 1}, {Epoch: 10, TrainLoss: 0.5, KeyEnergy: math.NaN()}})
	_, err := f.SVG()
	if err == nil || !strings.Contains(err.Error(), "embedding energy in the key frequencies") || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("SVG of a figure with NaN data: err = %v", err)
	}
	if _, err := f.Save(t.TempDir(), "png"); err == nil {
		t.Fatal("Save of a figure with NaN data succeeded")
	}
	ok := Progress("fine run", []measures.Point{{Epoch: 0, TrainLoss: 1}, {Epoch: 10, TrainLoss: 0.5}})
	if _, err := ok.SVG(); err != nil {
		t.Fatal(err)
	}
}

// TestRefusedForgotten: the record of refused series does not keep plots
// alive (a notebook session re-running a cell with NaN data must not leak).
func TestRefusedForgotten(t *testing.T) {
	count := func() int {
		n := 0
		refused.Range(func(_, _ any) bool { n++; return true })
		return n
	}
	// Earlier tests' plots collected first, and these kept alive while
	// counted: a collection in between made the count flaky.
	for try := 0; try < 5; try++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	n0 := count()
	plots := make([]*plot.Plot, 100)
	for i := range plots {
		plots[i] = plot.New()
		NewLine(plots[i], "nan", plotter.XYs{{X: math.NaN(), Y: 0}})
	}
	if count() < n0+100 {
		t.Fatalf("%d refusals recorded, want %d", count()-n0, 100)
	}
	runtime.KeepAlive(plots)
	plots = nil
	for try := 0; try < 50 && count() > n0; try++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if count() > n0 {
		t.Fatalf("%d refusals still recorded after their plots were collected", count()-n0)
	}
}

// TestTierReach: one line per p with its points labelled by T; a point
// with no cost on the log axis is refused by name (it once hung the tick
// marker, which counted decades from log10(0)).
func TestTierReach(t *testing.T) {
	var pts []proof.SignedRun
	for _, p := range []int{31, 59} {
		for j, T := range []int{1, 4, 16} {
			pts = append(pts, proof.SignedRun{P: p, M: 512, Tiers: T, ProofFLOPs: int64(p * p * 512 * 4 * (j + 1)), Certified: 0.2 * float64(j)})
		}
	}
	svg, err := TierReach("reach", pts, map[int]float64{31: 70, 59: 128}).SVG()
	if err != nil {
		t.Fatal(err)
	}
	validSVG(t, "tier-reach", svg)
	for _, want := range []string{"T = 1, 4, 16", "p = 59", "brute force, p = 31"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("tier-reach SVG lacks %q", want)
		}
	}
	// An order of T that differs between the lines: each point labelled.
	pts[0].ProofFLOPs = 100 * pts[2].ProofFLOPs
	svg, err = TierReach("reach", pts, nil).SVG()
	if err != nil || !strings.Contains(string(svg), "T=16") || strings.Contains(string(svg), "left to right") {
		t.Errorf("T out of order: labels missing or the title still names one order (err %v)", err)
	}
	pts[4].ProofFLOPs = 0
	if _, err := TierReach("reach", pts, nil).SVG(); err == nil || !strings.Contains(err.Error(), "p = 59, m = 512, T = 4") {
		t.Errorf("a zero-cost point: err = %v, want a refusal naming p = 59, m = 512, T = 4", err)
	}
	if ts := (ticks125{}).Ticks(0, 10); ts != nil {
		t.Errorf("ticks125 from 0: %v, want none", ts)
	}
}

// TestLongLabelsRestored: a label too long for its data area is drawn on
// two lines, and the plot keeps its own text: every rendering is the same
// (a review found the wrapped text written back, one more line per render).
func TestLongLabelsRestored(t *testing.T) {
	long := "a rather long axis label that cannot fit beside a narrow data area at all"
	pl := plot.New()
	pl.X.Label.Text, pl.Y.Label.Text = long, long
	l, _ := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 3}})
	pl.Add(l)
	other := plot.New()
	other.Add(l)
	f := Row("long-labels", pl, other)
	f.Widths = []float64{1, 3}
	f.Width, f.Height = 6*vg.Inch, 2.5*vg.Inch
	first, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 2; k++ {
		again, _ := f.SVG()
		if string(again) != string(first) {
			t.Fatalf("rendering %d differs from the first", k+2)
		}
	}
	if pl.X.Label.Text != long || pl.Y.Label.Text != long {
		t.Errorf("labels not restored: %q, %q", pl.X.Label.Text, pl.Y.Label.Text)
	}
	if strings.Contains(string(first), ">"+long+"<") {
		t.Errorf("the long label was drawn on one line")
	}
	if !strings.Contains(string(first), "cannot fit beside") && !strings.Contains(string(first), "a rather long axis") {
		t.Errorf("the label is missing from the SVG")
	}
}

// TestCompactScaling: one strategy, one legend entry per p; two, and the
// strategies are named too, each p still once.
func TestCompactScaling(t *testing.T) {
	var pts []proof.SignedRun
	for _, x := range []proof.Idea{0, proof.InputResiduals} {
		for _, p := range []int{59, 113} {
			for j, m := range []int{256, 1024} {
				pts = append(pts, proof.SignedRun{P: p, M: m, Without: x, ProofFLOPs: int64(p * p * m * (2 - j)), Certified: 0.5 + 0.5*float64(j)})
			}
		}
	}
	svg, err := CompactScaling("planted", pts[:4]).SVG()
	if err != nil {
		t.Fatal(err)
	}
	validSVG(t, "compact-scaling", svg)
	if strings.Count(string(svg), ">p = 113<") != 2 || strings.Contains(string(svg), "without") {
		t.Errorf("one strategy: want p = 113 once per panel and no strategy names")
	}
	svg, err = CompactScaling("planted", pts).SVG()
	if err != nil {
		t.Fatal(err)
	}
	validSVG(t, "compact-scaling-2", svg)
	if strings.Count(string(svg), ">p = 113<") != 2 || strings.Count(string(svg), ">arc-signed without per-input residuals<") != 2 || strings.Count(string(svg), ">arc-signed<") != 2 {
		t.Errorf("two strategies: want p = 113 and each strategy once per panel")
	}
}

// TestCertifiedByDistance: a certificate that proves exactly the inputs
// whose distance has every cluster's |cos(w_k d/2)| ≥ 0.5 gives points at
// 100% right of 0.5 and at 0% left of it, one per distance; the figure
// renders as valid SVG.
func TestCertifiedByDistance(t *testing.T) {
	const p = 13
	ks := []int{1, 4}
	cert := make([]bool, p*p)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			d := (a - b + p) % p
			cert[a*p+b] = mechanism.HalfAngle(1, d, p) >= 0.5 && mechanism.HalfAngle(4, d, p) >= 0.5
		}
	}
	pts := byDistance(cert, p, ks)
	if len(pts) != p {
		t.Fatalf("%d points, want one per distance (%d)", len(pts), p)
	}
	var some, none int
	for d, q := range pts {
		want := 0.0
		if q.X >= 0.5 {
			want, some = 100, some+1
		} else {
			none++
		}
		if q.Y != want {
			t.Errorf("d = %d: %g%% certified at least |cos| %g, want %g%%", d, q.Y, q.X, want)
		}
	}
	if some == 0 || none == 0 {
		t.Fatalf("the construction certifies %d and leaves %d distances: both kinds wanted", some, none)
	}
	c := &proof.Certificate{Strategy: "arc-signed", Certified: cert, CertifiedAccuracy: 0.5}
	svg, err := CertifiedByDistance(c, p, ks).SVG()
	if err != nil {
		t.Fatal(err)
	}
	validSVG(t, "by distance", svg)
}
