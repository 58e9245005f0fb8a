package metrics

import (
	"math"
	"testing"
)

func TestScoreRows(t *testing.T) {
	p := 3
	logits := make([]float64, p*p*p)
	for k := 0; k < p*p; k++ {
		label := (k/p + k%p) % p
		logits[k*p+label] = math.Log(2) // probability 2/4 on the label
	}
	// Pair 0 (label 0): make class 1 tie with the label: counts as wrong.
	logits[1] = math.Log(2)
	all := make([]int, p*p)
	for i := range all {
		all[i] = i
	}
	s := ScoreRows(logits, p, all)
	if math.Abs(s.Acc-8.0/9) > 1e-15 {
		t.Fatalf("accuracy %v, want 8/9", s.Acc)
	}
	want := (8*math.Log(2) + math.Log(5.0/2)) / 9 // -log(2/4) for 8 rows, -log(2/5) for the tie row
	if math.Abs(s.Loss-want) > 1e-14 {
		t.Fatalf("loss %v, want %v", s.Loss, want)
	}
}

// TestScoreRowsNonFinite: NaN and ±Inf logits are never counted correct
// (a comparison with NaN is false, so a naive "no other logit is >= the
// label's" test counts an all-NaN model as perfect).
func TestScoreRowsNonFinite(t *testing.T) {
	p := 3
	cases := []struct {
		name string
		set  func(row []float64, label int)
	}{
		{"all NaN", func(row []float64, _ int) {
			for c := range row {
				row[c] = math.NaN()
			}
		}},
		{"NaN label", func(row []float64, label int) { row[label] = math.NaN() }},
		{"NaN other", func(row []float64, label int) { row[(label+1)%p] = math.NaN() }},
		{"+Inf label", func(row []float64, label int) { row[label] = math.Inf(1) }},
		{"-Inf others", func(row []float64, label int) {
			for c := range row {
				if c != label {
					row[c] = math.Inf(-1)
				}
			}
			row[label] = math.Inf(-1)
		}},
	}
	for _, c := range cases {
		logits := make([]float64, p*p*p)
		for k := 0; k < p*p; k++ {
			label := (k/p + k%p) % p
			logits[k*p+label] = 1
			c.set(logits[k*p:(k+1)*p], label)
		}
		all := make([]int, p*p)
		for i := range all {
			all[i] = i
		}
		if s := ScoreRows(logits, p, all); s.Acc != 0 {
			t.Errorf("%s: accuracy %v, want 0", c.name, s.Acc)
		}
	}
}
