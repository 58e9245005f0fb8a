// Package metrics scores a model's logits on the task: the cross-entropy
// and accuracy of all-pairs logits on the train split, the held-out split
// and all p² pairs (checkpoint.Metrics), and the split a config trains on.
// Training, evaluation and analysis all score through it, so a metric means
// the same everywhere.
package metrics

import (
	"fmt"
	"math"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/zp"
)

// Score holds the loss and accuracy of a set of pairs.
type Score struct {
	Loss, Acc float64
	N         int
}

// ScoreRows scores the rows idx (pair indices a·p + b) of the row-major
// logits [p², p]: mean cross-entropy (log-sum-exp in float64) and the
// fraction of rows whose largest logit is the correct class (ties count as
// wrong). A row holding NaN or ±Inf is never correct, and its loss is +Inf
// or NaN: non-finite logits are a broken model, not a confident one.
func ScoreRows(logits []float64, p int, idx []int) Score {
	var loss float64
	correct := 0
	for _, k := range idx {
		row := logits[k*p : (k+1)*p]
		label := (k/p + k%p) % p
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		var s float64
		// !(v < row[label]) is true for NaN on either side.
		best := !math.IsInf(row[label], 0) && !math.IsNaN(row[label])
		for c, v := range row {
			s += math.Exp(v - mx)
			if c != label && !(v < row[label]) {
				best = false
			}
		}
		loss += mx + math.Log(s) - row[label]
		if best {
			correct++
		}
	}
	if len(idx) == 0 {
		return Score{}
	}
	return Score{Loss: loss / float64(len(idx)), Acc: float64(correct) / float64(len(idx)), N: len(idx)}
}

// Measure computes the metrics of all-pairs logits on a split.
func Measure(logits []float64, s zp.Split, epoch int) (checkpoint.Metrics, error) {
	p := s.P
	if len(logits) != p*p*p {
		return checkpoint.Metrics{}, fmt.Errorf("metrics: %d logits for p = %d, want p³ = %d", len(logits), p, p*p*p)
	}
	all := make([]int, p*p)
	for i := range all {
		all[i] = i
	}
	tr, ho, al := ScoreRows(logits, p, s.Train), ScoreRows(logits, p, s.Heldout), ScoreRows(logits, p, all)
	return checkpoint.Metrics{Epoch: epoch, TrainLoss: tr.Loss, TrainAcc: tr.Acc, HeldoutLoss: ho.Loss, HeldoutAcc: ho.Acc, Loss: al.Loss, Acc: al.Acc}, nil
}

// SplitOf rebuilds the data split a config trains on.
func SplitOf(cfg config.Config) (zp.Split, error) {
	return zp.NewSplit(cfg.P, cfg.TrainFrac, cfg.Seed)
}
