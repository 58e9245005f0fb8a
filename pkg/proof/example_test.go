package proof_test

import (
	"fmt"
	"math"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/proof"
)

// shipped folds and explains a model under models/.
func shipped(name string) (*proof.Model, error) {
	ck, err := checkpoint.Load("../../models/" + name)
	if err != nil {
		return nil, err
	}
	return proof.NewModel(ck.Config, ck.Params)
}

// Prove the shipped p = 59 model with the arc strategy: the exact
// pre-activations wherever a neuron's gate is certain, one Fourier term of
// the unembedding per neuron.
func Example() {
	m, err := shipped("p59-pizza-seed0")
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := proof.Arc{}.Prove(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: bound %.2f, actual error %.2f, sound %v, %.1f%% of the %d inputs certified\n",
		c.Strategy, c.Bound, c.ActualMaxError, c.Sound, 100*c.CertifiedAccuracy, m.P*m.P)
	// Output:
	// arc: bound 13.18, actual error 3.99, sound true, 100.0% of the 3481 inputs certified
}

// What each of arc-signed's ideas buys on the shipped p = 59 model, four
// tiers: the certified share with the idea switched off (and every idea
// on, first).
func ExampleAblations() {
	m, err := shipped("p59-pizza-seed0")
	if err != nil {
		fmt.Println(err)
		return
	}
	runs, err := proof.RunSigned(m, proof.Ablations(4)...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range runs {
		fmt.Printf("%-42s %5.1f%%\n", r.Strategy().Name(), 100*r.Certified)
	}
	// Output:
	// arc-signed/4                                66.1%
	// arc-signed/4 without offset inside           7.9%
	// arc-signed/4 without cross terms            50.8%
	// arc-signed/4 without per-input κ            60.2%
	// arc-signed/4 without chords                 36.1%
	// arc-signed/4 without margin shape           42.7%
	// arc-signed/4 without direct terms           34.6%
	// arc-signed/4 without per-input residuals    34.7%
	// arc-signed/4 without loose outliers         66.1%
	// arc-signed/4 without minor clusters         66.1%
}

// A few neurons of each cluster of the shipped p = 113 model fit far
// worse than the rest; kept in their tiers they widen every window there.
func ExampleArcSigned_looseOutliers() {
	m, err := shipped("p113-pizza-seed0")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range []proof.ArcSigned{{Tiers: 4}, {Tiers: 4, Without: proof.LooseOutliers}} {
		c, err := s.Prove(m)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-37s %5.1f%% certified, %d loose neurons\n", s.Name(), 100*c.CertifiedAccuracy, int(math.Round(c.Details["loose_share"]*float64(m.M))))
	}
	// Output:
	// arc-signed/4                           31.0% certified, 33 loose neurons
	// arc-signed/4 without loose outliers     1.5% certified, 0 loose neurons
}

// The shipped p = 113 model has three minor clusters (17, 3 and 1
// neurons beside 132 to 185): without their arcs and frequency slots the
// proof costs a quarter less, and certifies less.
func ExampleArcSigned_minorClusters() {
	m, err := shipped("p113-pizza-seed0")
	if err != nil {
		fmt.Println(err)
		return
	}
	pm := float64(m.P * m.P * m.M)
	for _, s := range []proof.ArcSigned{{Tiers: 4}, {Tiers: 4, Without: proof.MinorClusters}} {
		c, err := s.Prove(m)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-37s %5.1f%% certified, %5.2f p²·m, %2.0f arcs\n", s.Name(), 100*c.CertifiedAccuracy, float64(c.ProofFLOPs)/pm, c.Details["arcs"])
	}
	// Output:
	// arc-signed/4                           31.0% certified, 11.00 p²·m, 13 arcs
	// arc-signed/4 without minor clusters    23.8% certified,  8.12 p²·m, 12 arcs
}
