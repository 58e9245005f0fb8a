package zp

import (
	"fmt"
	"slices"
	"testing"
)

func TestAllLabels(t *testing.T) {
	for _, p := range []int{2, 3, 59} {
		d, err := All(p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Len() != p*p {
			t.Fatalf("p=%d: %d pairs, want %d", p, d.Len(), p*p)
		}
		for i := 0; i < d.Len(); i++ {
			a, b := int(d.A[i]), int(d.B[i])
			if i != a*p+b || int(d.Label[i]) != (a+b)%p {
				t.Fatalf("p=%d: pair %d = (%d,%d)->%d", p, i, a, b, d.Label[i])
			}
		}
	}
}

func TestBadP(t *testing.T) {
	for _, p := range []int{-3, 0, 1} {
		if _, err := All(p); err == nil {
			t.Errorf("All(%d): no error", p)
		}
		if _, err := NewSplit(p, 0.8, 0); err == nil {
			t.Errorf("NewSplit(%d): no error", p)
		}
	}
	for _, f := range []float64{0, -1, 1.5} {
		if _, err := NewSplit(59, f, 0); err == nil {
			t.Errorf("NewSplit(frac=%v): no error", f)
		}
	}
}

func TestSplit(t *testing.T) {
	s, err := NewSplit(59, DefaultTrainFrac, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Train) != 2784 || len(s.Heldout) != 3481-2784 {
		t.Fatalf("sizes %d/%d, want 2784/697", len(s.Train), len(s.Heldout))
	}
	all := append(slices.Clone(s.Train), s.Heldout...)
	slices.Sort(all)
	for i, v := range all {
		if i != v {
			t.Fatalf("split is not a partition of 0..3480: position %d holds %d", i, v)
		}
	}
	again, _ := NewSplit(59, DefaultTrainFrac, 0)
	if !slices.Equal(s.Train, again.Train) {
		t.Fatal("same seed gave different splits")
	}
	other, _ := NewSplit(59, DefaultTrainFrac, 1)
	if slices.Equal(s.Train, other.Train) {
		t.Fatal("seeds 0 and 1 gave the same split")
	}
}

// The shuffle must look uniform: each pair lands in the training set with
// probability frac. Over 200 seeds of p = 7 (49 pairs, 39 train) each count is
// Binomial(200, 39/49): mean 159.2, sd 5.7; 6 sd bounds make a false failure
// negligible while a biased shuffle (e.g. never moving the last element) fails.
func TestSplitUniform(t *testing.T) {
	counts := make([]int, 49)
	for seed := uint64(0); seed < 200; seed++ {
		s, _ := NewSplit(7, 0.8, seed)
		for _, k := range s.Train {
			counts[k]++
		}
	}
	for k, c := range counts {
		if c < 125 || c > 194 {
			t.Errorf("pair %d in the training set %d times out of 200, want about 159", k, c)
		}
	}
}

func ExampleNewSplit() {
	s, _ := NewSplit(59, DefaultTrainFrac, 0)
	fmt.Println(len(s.Train), len(s.Heldout))
	// Output: 2784 697
}
