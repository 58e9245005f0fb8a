package mechanism_test

import (
	"fmt"
	"sort"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/circuit"
	"github.com/modadd/modadd/pkg/mechanism"
)

// Fit every neuron of the shipped model to one frequency and group them:
// three clusters hold all 512 neurons, and each neuron's output phase is
// twice its input phase.
func Example() {
	ck, err := checkpoint.Load("../../models/p59-pizza-seed0")
	if err != nil {
		fmt.Println(err)
		return
	}
	t, err := circuit.Fold(ck.Config, ck.Params)
	if err != nil {
		fmt.Println(err)
		return
	}
	fits := mechanism.FitNeurons(t)
	clusters := mechanism.Clusters(t, fits)
	sort.Slice(clusters, func(i, j int) bool { return len(clusters[i].Neurons) > len(clusters[j].Neurons) })
	for _, c := range clusters {
		fmt.Printf("k = %2d: %3d neurons, median |ψ − 2φ| = %.4f rad\n", c.K, len(c.Neurons), c.MedianPhaseDoubling)
	}
	// Output:
	// k = 15: 181 neurons, median |ψ − 2φ| = 0.0088 rad
	// k = 28: 172 neurons, median |ψ − 2φ| = 0.0067 rad
	// k =  4: 159 neurons, median |ψ − 2φ| = 0.0080 rad
}
