package measures

import (
	"github.com/gomlx/gomlx/backends"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/fourier"
	"github.com/modadd/modadd/pkg/metrics"
	"github.com/modadd/modadd/pkg/model"
)

// Point holds the progress measures at one epoch.
type Point struct {
	Epoch                int     `json:"epoch"`
	TrainLoss            float64 `json:"train_loss"`
	HeldoutLoss          float64 `json:"heldout_loss"`
	Restricted           float64 `json:"restricted_loss"`
	Excluded             float64 `json:"excluded_loss"`
	GradientSymmetricity float64 `json:"gradient_symmetricity"`
	DistanceIrrelevance  float64 `json:"distance_irrelevance"`
	// KeyEnergy is the share of W_E's energy in the key frequencies: the
	// Fourier sparsity of the embedding.
	KeyEnergy float64 `json:"key_energy"`
}

// Tracker records progress measures during training: pass its OnMetrics as
// train.Options.OnMetrics. Key are the key frequencies used for the
// restricted and excluded losses (Nanda et al. take those of the final
// model); if empty, those of the embedding at each point (share >= 5%).
type Tracker struct {
	Backend backends.Backend
	Config  config.Config
	Key     []int
	Points  []Point
	// Err keeps the first error met (a callback cannot return one).
	Err error
}

// OnMetrics computes the measures for one evaluation of a training run.
func (t *Tracker) OnMetrics(m checkpoint.Metrics, params checkpoint.Tensors) {
	if t.Err != nil {
		return
	}
	be := t.Backend
	if be == nil {
		be, t.Err = model.Backend()
		if t.Err != nil {
			return
		}
		t.Backend = be
	}
	logits, err := model.AllLogits(be, t.Config, params, "float64")
	if err != nil {
		t.Err = err
		return
	}
	split, err := metrics.SplitOf(t.Config)
	if err != nil {
		t.Err = err
		return
	}
	WE := params.Must("W_E")
	cols := make([][]float64, t.Config.DModel)
	for j := range cols {
		cols[j] = make([]float64, t.Config.P)
		for i := range cols[j] {
			cols[j][i] = WE.Data[i*t.Config.DModel+j]
		}
	}
	ks := t.Key
	all := fourier.KeyFrequencies(cols, 0)
	if len(ks) == 0 {
		for _, k := range all {
			if k.Fraction >= 0.05 {
				ks = append(ks, k.K)
			}
		}
	}
	pt := Point{Epoch: m.Epoch, TrainLoss: m.TrainLoss, HeldoutLoss: m.HeldoutLoss}
	for _, k := range all {
		for _, kk := range ks {
			if k.K == kk {
				pt.KeyEnergy += k.Fraction
			}
		}
	}
	pl := ProgressLosses(logits, t.Config.P, ks, split.Train)
	pt.Restricted, pt.Excluded = pl.Restricted, pl.Excluded
	pt.DistanceIrrelevance = DistanceIrrelevance(logits, t.Config.P)
	if pt.GradientSymmetricity, err = GradientSymmetricity(be, t.Config, params, 100, 0); err != nil {
		t.Err = err
		return
	}
	t.Points = append(t.Points, pt)
}
