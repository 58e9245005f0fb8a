package model

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/zp"
)

// stacked returns S random weight sets and their stack in config.Params order.
func stacked(t *testing.T, cfg config.Config, S int, seed uint64) ([]checkpoint.Tensors, []any) {
	t.Helper()
	ws := make([]checkpoint.Tensors, S)
	for s := range ws {
		ws[s] = randomWeights(cfg, seed+uint64(s))
	}
	var in []any
	for i := range cfg.Params() {
		parts := make([]checkpoint.Tensor, S)
		for s := range ws {
			parts[s] = ws[s][i]
		}
		st, err := checkpoint.Stack(parts)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, ToTensor(st, DType("float64")))
	}
	return ws, in
}

func near(x, y, scale, tol float64) bool { return math.Abs(x-y) <= tol*scale+1e-14 }

// TestSeedLogits checks that S models evaluated together with a leading
// seed axis give, model by model, the logits of Logits (float64, 1e-12
// relative to the largest logit): on all pairs, and on a different random
// subset of pairs per model.
func TestSeedLogits(t *testing.T) {
	be, err := Backend()
	if err != nil {
		t.Fatal(err)
	}
	const S, N = 3, 17
	for vi, v := range variants {
		cfg := smallConfig(t, v.preset, v.set)
		p := cfg.P
		ws, in := stacked(t, cfg, S, uint64(200+10*vi))
		rng := rand.New(rand.NewPCG(uint64(vi), 5))
		a, b := make([]int32, S*N), make([]int32, S*N)
		for i := range a {
			a[i], b[i] = int32(rng.IntN(p)), int32(rng.IntN(p))
		}
		var all, sub []float64
		err := Try(func() {
			res := MustExecOnceN(be, func(inputs []*Node) []*Node {
				w := paramsFrom(cfg, inputs[2:])
				return []*Node{SeedPairLogits(cfg, w), SeedLogits(cfg, w, inputs[0], inputs[1])}
			}, append([]any{tensors.FromFlatDataAndDimensions(a, S, N), tensors.FromFlatDataAndDimensions(b, S, N)}, in...)...)
			if got := res[0].Shape().Dimensions; len(got) != 3 || got[0] != S || got[1] != p*p || got[2] != p {
				t.Fatalf("SeedPairLogits shape %v", got)
			}
			all, sub = tensors.MustCopyFlatData[float64](res[0]), tensors.MustCopyFlatData[float64](res[1])
		})
		if err != nil {
			t.Fatal(err)
		}
		for s := 0; s < S; s++ {
			want, err := AllLogits(be, cfg, ws[s], "float64")
			if err != nil {
				t.Fatal(err)
			}
			scale := 0.0
			for _, x := range want {
				scale = math.Max(scale, math.Abs(x))
			}
			got := all[s*p*p*p : (s+1)*p*p*p]
			for i := range want {
				if !near(got[i], want[i], scale, 1e-12) {
					t.Fatalf("%s %s: seed %d, logit %d: batched %v, alone %v", v.preset, v.set, s, i, got[i], want[i])
				}
			}
			for n := 0; n < N; n++ {
				k := int(a[s*N+n])*p + int(b[s*N+n])
				for c := 0; c < p; c++ {
					if g := sub[(s*N+n)*p+c]; !near(g, want[k*p+c], scale, 1e-12) {
						t.Fatalf("%s %s: seed %d, pair %d, class %d: gathered %v, alone %v", v.preset, v.set, s, n, c, g, want[k*p+c])
					}
				}
			}
		}
	}
}

// TestSeedGradients checks that the gradient of the summed per-model losses
// with respect to the stacked parameters is, model by model, the gradient of
// that model's own loss (1e-10 relative): the models train independently.
// Constant attention uses the weighted loss on all pairs, the others the
// gathered loss on each model's own pairs, as training does.
func TestSeedGradients(t *testing.T) {
	be, err := Backend()
	if err != nil {
		t.Fatal(err)
	}
	const S = 2
	for vi, v := range variants {
		cfg := smallConfig(t, v.preset, v.set)
		p := cfg.P
		ws, in := stacked(t, cfg, S, uint64(300+10*vi))
		all, _ := zp.All(p)
		splits := make([]zp.Split, S)
		weights := make([]float64, S*p*p)
		var ta, tb, tl []int32
		for s := range splits {
			sp, err := zp.NewSplit(p, 0.5, uint64(s))
			if err != nil {
				t.Fatal(err)
			}
			splits[s] = sp
			tr := zp.Select(p, sp.Train)
			ta, tb, tl = append(ta, tr.A...), append(tb, tr.B...), append(tl, tr.Label...)
			for _, i := range sp.Train {
				weights[s*p*p+i] = 1 / float64(len(sp.Train))
			}
		}
		N := len(splits[0].Train)
		var batched []*tensors.Tensor
		err := Try(func() {
			batched = MustExecOnceN(be, func(inputs []*Node) []*Node {
				w := paramsFrom(cfg, inputs[5:])
				var loss *Node
				if cfg.Alpha == 1 {
					loss = SeedWeightedCrossEntropy(SeedPairLogits(cfg, w), inputs[3], inputs[4])
				} else {
					loss = SeedCrossEntropy(SeedLogits(cfg, w, inputs[0], inputs[1]), inputs[2])
				}
				return Gradient(ReduceAllSum(loss), inputs[5:]...)
			}, append([]any{
				tensors.FromFlatDataAndDimensions(ta, S, N), tensors.FromFlatDataAndDimensions(tb, S, N), tensors.FromFlatDataAndDimensions(tl, S, N),
				tensors.FromValue(all.Label), tensors.FromFlatDataAndDimensions(weights, S, p*p),
			}, in...)...)
		})
		if err != nil {
			t.Fatal(err)
		}
		for s := 0; s < S; s++ {
			alone, err := paramInputs(cfg, ws[s], DType("float64"))
			if err != nil {
				t.Fatal(err)
			}
			a, b, labels := indexTensors(zp.Select(p, splits[s].Train))
			var want []*tensors.Tensor
			err = Try(func() {
				want = MustExecOnceN(be, func(inputs []*Node) []*Node {
					w := paramsFrom(cfg, inputs[3:])
					return Gradient(CrossEntropy(Logits(cfg, w, inputs[0], inputs[1]), inputs[2]), inputs[3:]...)
				}, append([]any{a, b, labels}, alone...)...)
			})
			if err != nil {
				t.Fatal(err)
			}
			for k, prm := range cfg.Params() {
				x, y := tensors.MustCopyFlatData[float64](batched[k]), tensors.MustCopyFlatData[float64](want[k])
				n := len(y)
				x = x[s*n : (s+1)*n]
				scale := 1e-300
				for _, v := range y {
					scale = math.Max(scale, math.Abs(v))
				}
				for i := range y {
					if !near(x[i], y[i], scale, 1e-10) {
						t.Fatalf("%s %s: seed %d: d loss/d %s[%d]: batched %v, alone %v", v.preset, v.set, s, prm.Name, i, x[i], y[i])
					}
				}
			}
		}
	}
}
