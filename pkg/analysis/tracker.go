package analysis

import (
	"github.com/gomlx/gomlx/backends"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/measures"
	"github.com/modadd/modadd/pkg/metrics"
	"github.com/modadd/modadd/pkg/model"
)

// Tracker records Nanda et al.'s progress measures (measures.Point) during
// training: pass its OnMetrics as train.Options.OnMetrics. Key are the key
// frequencies used for the restricted and excluded losses (Nanda et al.
// take those of the final model); if empty, those of the embedding at each
// point (share >= 5%).
type Tracker struct {
	Backend backends.Backend
	Config  config.Config
	Key     []int
	Points  []measures.Point
	// Err keeps the first error met (a callback cannot return one).
	Err error
}

// OnMetrics computes the measures for one evaluation of a training run.
func (t *Tracker) OnMetrics(m checkpoint.Metrics, params checkpoint.Tensors) {
	if t.Err != nil {
		return
	}
	if t.Backend == nil {
		if t.Backend, t.Err = model.Backend(); t.Err != nil {
			return
		}
	}
	logits, err := model.AllLogits(t.Backend, t.Config, params, "float64")
	if err != nil {
		t.Err = err
		return
	}
	split, err := metrics.SplitOf(t.Config)
	if err != nil {
		t.Err = err
		return
	}
	pt := measures.ProgressPoint(m, logits, params.Must("W_E"), split.Train, t.Key)
	if pt.GradientSymmetricity, err = model.GradientSymmetricity(t.Backend, t.Config, params, 100, 0); err != nil {
		t.Err = err
		return
	}
	t.Points = append(t.Points, pt)
}
