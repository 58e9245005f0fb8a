package figures

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"weak"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// gonum's plotter constructors refuse NaN and Inf data with an error and a
// nil plotter. The helpers below keep the error beside the plot the series
// was meant for, put an empty series in its place (so that styling it does
// not panic), and a figure holding that plot refuses to render (SVG, PNG,
// Save name the plot and the series) instead of showing a plot with a
// series silently missing.

// refused maps a plot (weakly: an entry goes when its plot is collected,
// so a long notebook session keeps no plot alive) to the errors of its
// refused series; only plots with one have an entry.
var refused sync.Map // weak.Pointer[plot.Plot] → *refusal

func refuse(p *plot.Plot, what string, err error) {
	k := weak.Make(p)
	v, loaded := refused.LoadOrStore(k, &refusal{})
	if !loaded {
		runtime.AddCleanup(p, func(k weak.Pointer[plot.Plot]) { refused.Delete(k) }, k)
	}
	r := v.(*refusal)
	r.mu.Lock()
	r.errs = append(r.errs, fmt.Errorf("%s: %w", what, err))
	r.mu.Unlock()
}

type refusal struct {
	mu   sync.Mutex
	errs []error
}

// refusedSeries returns the errors of p's refused series, nil if none.
func refusedSeries(p *plot.Plot) error {
	v, ok := refused.Load(weak.Make(p))
	if !ok {
		return nil
	}
	r := v.(*refusal)
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
}

// NewLine is plotter.NewLine for plot p: on refused data, an empty line.
func NewLine(p *plot.Plot, what string, xy plotter.XYer) *plotter.Line {
	l, err := plotter.NewLine(xy)
	if err != nil {
		refuse(p, what, err)
		l, _ = plotter.NewLine(plotter.XYs{})
	}
	return l
}

// NewScatter is plotter.NewScatter for plot p: on refused data, an empty one.
func NewScatter(p *plot.Plot, what string, xy plotter.XYer) *plotter.Scatter {
	s, err := plotter.NewScatter(xy)
	if err != nil {
		refuse(p, what, err)
		s, _ = plotter.NewScatter(plotter.XYs{})
	}
	return s
}

// NewLinePoints is plotter.NewLinePoints for plot p: on refused data, empty.
func NewLinePoints(p *plot.Plot, what string, xy plotter.XYer) (*plotter.Line, *plotter.Scatter) {
	l, s, err := plotter.NewLinePoints(xy)
	if err != nil {
		refuse(p, what, err)
		l, s, _ = plotter.NewLinePoints(plotter.XYs{})
	}
	return l, s
}
