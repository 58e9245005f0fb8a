package sweep

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/measures"
	"github.com/modadd/modadd/pkg/mechanism"
)

// clusterFreqs parses ClusterSizes ("k:size k:size ...").
func (r Row) clusterFreqs() (ks, sizes []int) {
	for _, f := range strings.Fields(r.ClusterSizes) {
		k, n, ok := strings.Cut(f, ":")
		if !ok {
			continue
		}
		kk, e1 := strconv.Atoi(k)
		nn, e2 := strconv.Atoi(n)
		if e1 == nil && e2 == nil {
			ks, sizes = append(ks, kk), append(sizes, nn)
		}
	}
	return ks, sizes
}

// ClustersFigure shows, over the runs, how many main clusters each model
// has and which frequencies they use.
func ClustersFigure(name string, rows []Row) (*figures.Figure, error) {
	count := map[int]int{}
	freq := map[int]int{}
	maxP := 0
	for _, r := range rows {
		if r.Clusters < 0 {
			continue
		}
		count[r.Clusters]++
		ks, _ := r.clusterFreqs()
		for _, k := range ks {
			freq[k]++
		}
		maxP = max(maxP, r.P)
	}
	if len(count) == 0 {
		return nil, fmt.Errorf("sweep: no run with constant attention: no clusters to show")
	}
	var xs []int
	var vs []float64
	lo, hi := math.MaxInt, 0
	for c := range count {
		lo, hi = min(lo, c), max(hi, c)
	}
	for c := lo; c <= hi; c++ {
		xs, vs = append(xs, c), append(vs, float64(count[c]))
	}
	p1 := figures.Bars("main clusters per model", "number of main clusters", "models", xs, vs, figures.TrainColor)
	p1.X.Min, p1.X.Max = float64(lo)-0.7, float64(hi)+0.7
	p1.Y.Max = maxOf(vs) * 1.15
	p1.X.Tick.Marker = plot.ConstantTicks(intTicks(lo, hi, 1))
	p1.Y.Tick.Marker = plot.ConstantTicks(intTicks(0, int(p1.Y.Max), max(1, int(p1.Y.Max)/6)))
	xs, vs = nil, nil
	for k := 1; k <= maxP/2; k++ {
		xs, vs = append(xs, k), append(vs, float64(freq[k]))
	}
	p2 := figures.Bars("frequencies of the main clusters", "frequency k", "models with a cluster at k", xs, vs, figures.HeldoutColor)
	p2.X.Min, p2.X.Max = 0, float64(maxP/2)+1
	p2.Y.Max = maxOf(vs) * 1.15
	p2.Y.Tick.Marker = plot.ConstantTicks(intTicks(0, int(p2.Y.Max), max(1, int(p2.Y.Max)/6)))
	return figures.Row(name, p1, p2), nil
}

// intTicks labels lo, lo+step, ..., hi.
func intTicks(lo, hi, step int) []plot.Tick {
	var ts []plot.Tick
	for v := lo; v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
	}
	return ts
}

func maxOf(x []float64) float64 {
	m := 1.0
	for _, v := range x {
		m = math.Max(m, v)
	}
	return m
}

// GSDIFigure is Figure with Zhong et al.'s medians marked.
func GSDIFigure(name string, rows []Row) *figures.Figure {
	f := Figure(rows)
	p := f.Plots[0][0]
	for _, ref := range []struct {
		label string
		r     measures.Reference
		shape draw.GlyphDrawer
	}{{"pizza median (Zhong et al.)", measures.ZhongPizza, draw.PyramidGlyph{}}, {"clock median (Zhong et al.)", measures.ZhongClock, draw.BoxGlyph{}}} {
		s := figures.NewScatter(p, ref.label, plotter.XYs{{X: ref.r.DistanceIrrelevance, Y: ref.r.GradientSymmetricity}})
		s.GlyphStyle.Shape, s.GlyphStyle.Radius = ref.shape, vg.Points(4)
		p.Add(s)
		p.Legend.Add(ref.label, s)
	}
	f.Name = name
	return f
}

// ProofsFigure shows, per proof strategy over the runs, the bound against
// the actual largest error (left; the diagonal is a tight bound) and the
// certified accuracy of each run (right).
func ProofsFigure(name string, rows []Row) (*figures.Figure, error) {
	var names []string
	byName := map[string][]ProofResult{}
	var margins plotter.XYs
	for _, r := range rows {
		for _, pr := range r.Proofs {
			if pr.Strategy == "brute-force" {
				continue
			}
			if _, ok := byName[pr.Strategy]; !ok {
				names = append(names, pr.Strategy)
			}
			byName[pr.Strategy] = append(byName[pr.Strategy], pr)
		}
		if len(r.Proofs) > 0 {
			margins = append(margins, plotter.XY{X: 0, Y: r.MedianMargin})
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("sweep: no run has proof results")
	}
	var groups, certs []plotter.XYs
	lo, hi := math.Inf(1), math.Inf(-1)
	for si, n := range names {
		var g, c plotter.XYs
		for j, pr := range byName[n] {
			g = append(g, plotter.XY{X: pr.ActualMaxError, Y: pr.Bound})
			lo, hi = math.Min(lo, math.Min(pr.ActualMaxError, pr.Bound)), math.Max(hi, pr.Bound)
			jitter := 0.3 * (float64(j%7)/6 - 0.5)
			c = append(c, plotter.XY{X: float64(si) + jitter, Y: 100 * pr.CertifiedAccuracy})
		}
		groups, certs = append(groups, g), append(certs, c)
	}
	// The strategies' colours are named by the right panel's axis: the
	// left one's legend keeps to the two reference lines.
	p1 := figures.Scatter("bound against actual error (colours as on the right)", "actual largest error (logit difference)", "bound ε (largest over inputs)", nil, groups)
	p1.X.Scale, p1.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p1.X.Tick.Marker, p1.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	lo, hi = lo/1.5, hi*1.5
	p1.X.Min, p1.X.Max, p1.Y.Min, p1.Y.Max = lo, hi, lo, hi
	diag := figures.NewLine(p1, "bound = actual error", plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	diag.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	p1.Add(diag)
	p1.Legend.Add("bound = actual error", diag)
	if len(margins) > 0 {
		ms := make([]float64, len(margins))
		for i, m := range margins {
			ms[i] = m.Y
		}
		med := mechanism.Median(ms)
		// Up to the diagonal only: the legend sits in the bottom right.
		ml := figures.NewLine(p1, "median margin", plotter.XYs{{X: lo, Y: med}, {X: math.Max(lo, math.Min(med, hi)), Y: med}})
		ml.Color = figures.HeldoutColor
		ml.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
		p1.Add(ml)
		p1.Legend.Add(fmt.Sprintf("median margin %.3g", med), ml)
	}
	// The points lie above the diagonal: the bottom right is empty.
	p1.Legend.Top, p1.Legend.Left = false, false
	p1.Legend.XOffs = -vg.Points(40) // inside the axes
	p2 := figures.Scatter("certified accuracy, per run", "strategy", "certified inputs (%)", nil, certs)
	p2.X.Min, p2.X.Max, p2.Y.Min, p2.Y.Max = -0.6, float64(len(names))-0.4, -3, 103
	var ticks []plot.Tick
	for i, n := range names {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: n})
	}
	p2.X.Tick.Marker = plot.ConstantTicks(ticks)
	p2.X.Tick.Label.Rotation = math.Pi / 4
	p2.X.Tick.Label.XAlign, p2.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	return figures.Row(name, p1, p2), nil
}

// AlphaMapFigure draws gradient symmetricity and distance irrelevance
// against the attention rate alpha: each run a dot, the medians joined.
func AlphaMapFigure(name string, rows []Row) (*figures.Figure, error) {
	by := map[float64][]Row{}
	for _, r := range rows {
		by[r.Alpha] = append(by[r.Alpha], r)
	}
	if len(by) < 2 {
		return nil, fmt.Errorf("sweep: the pizza-clock map needs runs at two alphas or more")
	}
	var alphas []float64
	for a := range by {
		alphas = append(alphas, a)
	}
	sort.Float64s(alphas)
	metric := func(title string, get func(Row) float64, ref func(measures.Reference) float64) *plot.Plot {
		var pts, med plotter.XYs
		for _, a := range alphas {
			var vs []float64
			for _, r := range by[a] {
				pts = append(pts, plotter.XY{X: a, Y: get(r)})
				vs = append(vs, get(r))
			}
			med = append(med, plotter.XY{X: a, Y: mechanism.Median(vs)})
		}
		p := figures.Scatter(title, "attention alpha (0 = softmax, 1 = constant)", title, []string{"one model"}, []plotter.XYs{pts})
		l := figures.NewLine(p, "median", med)
		l.Color = figures.TrainColor
		p.Add(l)
		p.Legend.Add("median", l)
		for _, rr := range []struct {
			label string
			x     float64
			v     float64
			shape draw.GlyphDrawer
		}{{"Zhong et al. clock", 0, ref(measures.ZhongClock), draw.BoxGlyph{}}, {"Zhong et al. pizza", 1, ref(measures.ZhongPizza), draw.PyramidGlyph{}}} {
			s := figures.NewScatter(p, rr.label, plotter.XYs{{X: rr.x, Y: rr.v}})
			s.GlyphStyle.Shape, s.GlyphStyle.Radius = rr.shape, vg.Points(4)
			p.Add(s)
			p.Legend.Add(rr.label, s)
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.05, 1.05, 0, 1.05
		p.Legend.Top = false
		p.Legend.Left = true
		return p
	}
	gs := metric("gradient symmetricity", func(r Row) float64 { return r.GradientSymmetricity }, func(r measures.Reference) float64 { return r.GradientSymmetricity })
	di := metric("distance irrelevance", func(r Row) float64 { return r.DistanceIrrelevance }, func(r measures.Reference) float64 { return r.DistanceIrrelevance })
	return figures.Row(name, gs, di), nil
}
