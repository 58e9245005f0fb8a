package analysis

import (
	"testing"

	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/train"
)

// TestTrackerDuringTraining trains a small pizza model with the tracker
// attached: a point per evaluation, and by the end the key frequencies carry
// the embedding and removing them destroys the fit (excluded loss far above
// the train loss), as Nanda et al. observed.
func TestTrackerDuringTraining(t *testing.T) {
	cfg := config.Default()
	if err := cfg.Set("p=13;d_model=32;n_heads=2;d_head=8;d_mlp=64;lr=0.003;eval_every=250"); err != nil {
		t.Fatal(err)
	}
	cfg.Epochs = 1500
	tr := &Tracker{Config: cfg}
	ck, err := train.Train(cfg, train.Options{OnMetrics: tr.OnMetrics})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Err != nil {
		t.Fatal(tr.Err)
	}
	if len(tr.Points) != len(ck.History) {
		t.Fatalf("%d points for %d evaluations", len(tr.Points), len(ck.History))
	}
	last := tr.Points[len(tr.Points)-1]
	t.Logf("last point %+v", last)
	if !(last.Excluded > 10*last.TrainLoss) || last.KeyEnergy < 0.5 {
		t.Fatalf("no sign of a Fourier algorithm at the end: %+v", last)
	}
}
