package analysis

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/modadd/modadd/pkg/config"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/model"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json from the shipped models")

// goldenFile pins the analysis of every shipped model: the models are
// deterministic, so every number is reproduced to rounding. A model added
// under models/ needs `go test ./pkg/analysis -run TestShippedModels -update`.
const goldenFile = "testdata/golden.json"

// goldenValues are the numbers pinned per model.
func goldenValues(r *Report) map[string]float64 {
	v := map[string]float64{
		"accuracy": r.Accuracy, "gradient_symmetricity": r.GradientSymmetricity, "distance_irrelevance": r.DistanceIrrelevance,
		"circularity": r.Circularity, "restricted_loss": r.RestrictedLoss, "excluded_loss": r.ExcludedLoss,
		"min_margin": r.MinMargin, "median_margin": r.MedianMargin,
	}
	if r.Circuit {
		v["neurons_in_main_clusters"] = float64(r.NeuronsInMainClusters)
		v["median_fve_a"], v["median_fve_b"], v["median_fve_u"] = r.MedianFVE[0], r.MedianFVE[1], r.MedianFVE[2]
		v["phase_doubling_error"], v["median_phase_a_minus_b"] = r.PhaseDoublingError, r.MedianPhaseAB
		v["median_amp_ratio"], v["median_offset"] = r.MedianAmpRatio, r.MedianOffset
		v["ideal_logit_fve"], v["ideal_max_error"] = r.IdealLogitFVE, r.IdealMaxError
		for _, c := range r.Clusters {
			if c.IsMain(len(r.Fits)) {
				v[fmt.Sprintf("cluster_%d_size", c.K)] = float64(len(c.Neurons))
			}
		}
	}
	return v
}

// TestShippedModels analyses every shipped model, checks it against what a
// pizza (constant attention) or a clock must look like (bounds chosen from
// Zhong et al.'s reference medians, MECHANISM.md §6, that separate the two
// mechanisms), and compares every number with its golden value: 1e-9
// relative, 1e-6 for the gradient symmetricity (sampled gradients summed in
// another order on other backends).
func TestShippedModels(t *testing.T) {
	golden := map[string]map[string]float64{}
	if b, err := os.ReadFile(goldenFile); err == nil {
		if err := json.Unmarshal(b, &golden); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]map[string]float64{}
	defer func() {
		if *update {
			b, _ := json.MarshalIndent(got, "", "  ")
			os.MkdirAll(filepath.Dir(goldenFile), 0o755)
			if err := os.WriteFile(goldenFile, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		var names []string
		for n := range got {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			want, ok := golden[n]
			if !ok {
				t.Errorf("%s has no golden values: run go test ./pkg/analysis -run TestShippedModels -update", n)
				continue
			}
			for k, v := range got[n] {
				w, ok := want[k]
				tol := 1e-9
				if k == "gradient_symmetricity" {
					tol = 1e-6
				}
				if !ok || math.Abs(v-w) > tol*math.Max(1, math.Abs(w)) {
					t.Errorf("%s: %s = %.12g, golden %.12g (present %v)", n, k, v, w, ok)
				}
			}
		}
	}()
	dirs, _ := checkpoint.Dirs(filepath.Join("..", "..", "models"))
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
		got[filepath.Base(dir)] = goldenValues(r)
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
