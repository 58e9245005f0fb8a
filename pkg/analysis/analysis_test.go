package analysis

import (
	"github.com/modadd/modadd/pkg/config"
	"math"
	"path/filepath"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/model"
)

// TestShippedModels analyses every shipped model and checks it against
// what a pizza (constant attention) or a clock must look like. The bounds
// are loose, chosen from Zhong et al.'s reference medians (MECHANISM.md §6):
// they separate the two mechanisms, not one seed from another.
func TestShippedModels(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "models", "*"))
	if len(dirs) == 0 {
		t.Skip("no shipped models")
	}
	be, err := model.Backend()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		ck, err := checkpoint.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Analyze(be, ck)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s:\n%s", dir, r.Text())
		if r.Accuracy != 1 {
			t.Errorf("%s: accuracy %v", dir, r.Accuracy)
		}
		if ck.Config.Alpha == 1 {
			m := ck.Config.DMLP
			switch {
			case !r.Circuit || r.FoldError > 1e-9:
				t.Errorf("%s: folding failed (error %v)", dir, r.FoldError)
			case r.NeuronsInMainClusters < 9*m/10:
				t.Errorf("%s: only %d of %d neurons in main clusters", dir, r.NeuronsInMainClusters, m)
			case ck.Config.Act == config.ReLU && (r.GradientSymmetricity < 0.9 || r.DistanceIrrelevance > 0.6):
				// Zhong et al.'s reference values are for ReLU models.
				t.Errorf("%s: GS %v, DI %v are not on the pizza side", dir, r.GradientSymmetricity, r.DistanceIrrelevance)
			case r.PhaseDoublingError > 0.2: // random phases would give a median of π/2
				t.Errorf("%s: median |ψ − 2φ| = %v, phase doubling does not hold", dir, r.PhaseDoublingError)
			case !(r.IdealLogitFVE > 0.5) || math.IsNaN(r.IdealLogitFVE):
				t.Errorf("%s: the ideal pizza logits explain only %v of the MLP's", dir, r.IdealLogitFVE)
			}
		} else if r.DistanceIrrelevance < 0.6 {
			t.Errorf("%s: clock model with DI %v, not on the clock side", dir, r.DistanceIrrelevance)
		}
	}
}
