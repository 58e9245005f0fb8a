package figures

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/measures"
)

// Colours used for train / held-out / all throughout the project.
var (
	TrainColor   = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	HeldoutColor = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	AllColor     = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
)

// lossPlot is an empty plot of losses against the epoch, on a log scale.
func lossPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "loss (log scale)"
	p.Y.Tick.Marker = log10Ticks{}
	return p
}

// TrainingCurves plots the loss (log scale) and the accuracy of the train
// and held-out splits against the epoch. A run of 1000 epochs or more gets
// a log epoch axis (epoch 0 left out): its dynamics happen in the first few
// hundred epochs, which a linear axis squeezes into its first pixels.
func TrainingCurves(title string, history []checkpoint.Metrics) *Figure {
	logX := len(history) > 0 && history[len(history)-1].Epoch >= 1000
	loss := lossPlot("cross-entropy loss")
	acc := plot.New()
	acc.Title.Text = "accuracy"
	acc.X.Label.Text = "epoch"
	acc.Y.Label.Text = "fraction correct"
	acc.Y.Min, acc.Y.Max = 0, 1.02
	acc.Y.Tick.Marker = niceTicks{n: 5}
	if title != "" {
		loss.Title.Text = title + ": " + loss.Title.Text
	}
	ex := func(e int) float64 { return float64(e) }
	if logX {
		ex = func(e int) float64 { return math.Log10(float64(e)) }
		for _, p := range []*plot.Plot{loss, acc} {
			p.X.Tick.Marker = log10Ticks{}
			p.X.Label.Text = "epoch (log scale)"
		}
	}
	loss.Add(plotter.NewGrid())
	acc.Add(plotter.NewGrid())
	lossLegend, accLegend := NewInset(true, false), NewInset(false, false)
	series := []struct {
		name  string
		col   color.Color
		loss  func(m checkpoint.Metrics) float64
		accur func(m checkpoint.Metrics) float64
	}{
		{"train", TrainColor, func(m checkpoint.Metrics) float64 { return m.TrainLoss }, func(m checkpoint.Metrics) float64 { return m.TrainAcc }},
		{"held-out", HeldoutColor, func(m checkpoint.Metrics) float64 { return m.HeldoutLoss }, func(m checkpoint.Metrics) float64 { return m.HeldoutAcc }},
	}
	for _, s := range series {
		lp, ap := make(plotter.XYs, 0, len(history)), make(plotter.XYs, 0, len(history))
		for _, m := range history {
			if logX && m.Epoch <= 0 {
				continue
			}
			// A log axis cannot show 0: floor at the smallest float64 step above 0 we care about.
			lp = append(lp, plotter.XY{X: ex(m.Epoch), Y: logv(math.Max(s.loss(m), 1e-12))})
			ap = append(ap, plotter.XY{X: ex(m.Epoch), Y: s.accur(m)})
		}
		for _, pair := range []struct {
			p   *plot.Plot
			lg  *Inset
			xys plotter.XYs
		}{{loss, lossLegend, lp}, {acc, accLegend, ap}} {
			l := NewLine(pair.p, s.name, pair.xys)
			l.Color = s.col
			l.Width = vg.Points(1.5)
			pair.p.Add(l)
			pair.lg.Add(s.name, l)
		}
	}
	loss.Add(lossLegend)
	acc.Add(accLegend)
	return &Figure{Name: "training-curves", Plots: [][]*plot.Plot{{loss, acc}}}
}

// powerTicks labels the powers of ten of a log axis (labelLog's style).
type powerTicks struct{}

// Ticks implements plot.Ticker.
func (powerTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	step := math.Max(1, math.Ceil((hi-lo)/8))
	for e := lo; e <= hi; e += step {
		v := math.Pow(10, e)
		if v >= min*(1-1e-9) && v <= max*(1+1e-9) {
			ts = append(ts, plot.Tick{Value: v})
		}
	}
	return labelLog(ts, func(v float64) float64 { return v })
}

// Progress plots Nanda et al.'s progress measures over training: the train
// and held-out loss with the restricted loss (key frequencies only) and the
// excluded loss (key frequencies removed), on a log scale; and the share of
// the embedding's energy in the key frequencies with the gradient
// symmetricity; one point per evaluation (analysis.Tracker's).
func Progress(title string, pts []measures.Point) *Figure {
	loss := lossPlot(title + ": progress measures")
	other := plot.New()
	other.Title.Text = "Fourier sparsity and symmetry"
	other.X.Label.Text = "epoch"
	other.Y.Label.Text = "fraction (0 to 1)"
	other.Y.Min, other.Y.Max = 0, 1.05
	other.Y.Tick.Marker = niceTicks{n: 5}
	loss.Add(plotter.NewGrid())
	other.Add(plotter.NewGrid())
	// Losses fall from the top left, so the bottom-left corner is free; the
	// share and the symmetricity rise from the bottom left, so the
	// bottom-right corner is.
	lossLegend, otherLegend := NewInset(false, true), NewInset(false, false)
	cols := Palette(6)
	add := func(p *plot.Plot, lg *Inset, name string, get func(measures.Point) float64, col int, floor float64) {
		xy := make(plotter.XYs, 0, len(pts))
		for _, pt := range pts {
			xy = append(xy, plotter.XY{X: float64(pt.Epoch), Y: math.Max(get(pt), floor)})
		}
		l := NewLine(p, name, xy)
		l.Color = cols[col]
		l.Width = vg.Points(1.5)
		p.Add(l)
		lg.Add(name, l)
	}
	// Losses on a log scale (floored at 1e-12).
	lg := func(get func(measures.Point) float64) func(measures.Point) float64 {
		return func(pt measures.Point) float64 { return logv(math.Max(get(pt), 1e-12)) }
	}
	add(loss, lossLegend, "train", lg(func(pt measures.Point) float64 { return pt.TrainLoss }), 0, -12)
	add(loss, lossLegend, "held-out", lg(func(pt measures.Point) float64 { return pt.HeldoutLoss }), 1, -12)
	add(loss, lossLegend, "restricted (key frequencies only)", lg(func(pt measures.Point) float64 { return pt.Restricted }), 2, -12)
	add(loss, lossLegend, "excluded (key frequencies removed)", lg(func(pt measures.Point) float64 { return pt.Excluded }), 3, -12)
	add(other, otherLegend, "embedding energy in the key frequencies", func(pt measures.Point) float64 { return pt.KeyEnergy }, 4, 0)
	add(other, otherLegend, "gradient symmetricity", func(pt measures.Point) float64 { return pt.GradientSymmetricity }, 5, -1)
	// The legend sits in the bottom-left corner: leave it two decades
	// below the lowest loss, so that it never covers a curve.
	lowest := math.Inf(1)
	for _, pt := range pts {
		for _, v := range []float64{pt.TrainLoss, pt.HeldoutLoss, pt.Restricted, pt.Excluded} {
			lowest = min(lowest, logv(math.Max(v, 1e-12)))
		}
	}
	if !math.IsInf(lowest, 1) {
		loss.Y.Min = math.Floor(lowest) - 2
	}
	loss.Add(lossLegend)
	other.Add(otherLegend)
	return &Figure{Name: "progress-measures", Plots: [][]*plot.Plot{{loss, other}}}
}
