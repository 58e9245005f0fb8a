package circuit_test

import (
	"fmt"
	"math"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/circuit"
)

// Fold the shipped constant-attention model into tables: the pre-activation
// of neuron i at (a, b) is A[a][i] + B[b][i] + C[i], and the logits rebuilt
// from the tables agree with the network's.
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
	pre := t.Pre(3, 5)
	active := 0
	for _, v := range pre {
		if v > 0 {
			active++
		}
	}
	lg := t.Logits(3, 5)
	best := 0
	for c, v := range lg {
		if v > lg[best] {
			best = c
		}
	}
	fmt.Printf("tables A, B: %d×%d; U: %d×%d\n", len(t.A), len(t.A[0]), len(t.U), len(t.U[0]))
	fmt.Printf("at (3, 5): %d of %d neurons active, answer %d, margin over the runner-up %.1f\n", active, t.M, best, margin(lg, best))
	// Output:
	// tables A, B: 59×512; U: 512×59
	// at (3, 5): 344 of 512 neurons active, answer 8, margin over the runner-up 17.4
}

func margin(lg []float64, best int) float64 {
	m := math.Inf(1)
	for c, v := range lg {
		if c != best {
			m = math.Min(m, lg[best]-v)
		}
	}
	return m
}
