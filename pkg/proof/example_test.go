package proof_test

import (
	"fmt"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/proof"
)

// Prove the shipped p = 59 model with the arc strategy: the exact
// pre-activations wherever a neuron's gate is certain, one Fourier term of
// the unembedding per neuron.
func Example() {
	ck, err := checkpoint.Load("../../models/p59-pizza-seed0")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := proof.NewModel(ck.Config, ck.Params)
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
