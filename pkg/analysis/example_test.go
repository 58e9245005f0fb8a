package analysis_test

import (
	"fmt"

	"github.com/modadd/modadd/pkg/analysis"
)

// Open a shipped model: load, fold, fit and measure it in one call.
func ExampleOpen() {
	m, err := analysis.Open("../../models/p59-pizza-seed0")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := m.Report
	fmt.Printf("accuracy %.4f; %d neurons in main clusters; ideal pizza logits FVE %.3f\n", r.Accuracy, r.NeuronsInMainClusters, r.IdealLogitFVE)
	fmt.Printf("gradient symmetricity %.3f, distance irrelevance %.3f: the pizza side\n", r.GradientSymmetricity, r.DistanceIrrelevance)
	// Output:
	// accuracy 1.0000; 512 neurons in main clusters; ideal pizza logits FVE 0.822
	// gradient symmetricity 0.986, distance irrelevance 0.151: the pizza side
}
