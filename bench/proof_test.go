package bench

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/proof"
)

// BenchmarkProofScaling times every proof strategy on models of growing p
// (31, 59, 113 at width 512) and width (256 to 2048 at p = 59). The weights
// are random: the cost of a strategy does not depend on what it proves. It
// reports the counted FLOPs and their ratio to brute force as metrics.
func BenchmarkProofScaling(b *testing.B) {
	type size struct{ p, m int }
	sizes := []size{{31, 512}, {59, 512}, {113, 512}, {59, 256}, {59, 1024}, {59, 2048}}
	for _, sz := range sizes {
		cfg := config.Default()
		cfg.P, cfg.DMLP = sz.p, sz.m
		w := model.Init(cfg)
		rng := rand.New(rand.NewPCG(1, 1))
		for i := range w { // non-zero biases too
			for j := range w[i].Data {
				w[i].Data[j] += 0.01 * rng.NormFloat64()
			}
		}
		m, err := proof.NewModel(cfg, w)
		if err != nil {
			b.Fatal(err)
		}
		bf, _ := proof.BruteForce{}.Prove(m)
		for _, s := range proof.Strategies() {
			b.Run(fmt.Sprintf("p=%d/m=%d/%s", sz.p, sz.m, s.Name()), func(b *testing.B) {
				var c *proof.Certificate
				for i := 0; i < b.N; i++ {
					if c, err = s.Prove(m); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(c.FLOPs), "flops")
				b.ReportMetric(float64(c.FLOPs)/float64(bf.FLOPs), "x-bruteforce")
			})
		}
	}
}

// BenchmarkProofShipped times every proof strategy on the shipped ReLU
// pizza models. Besides ns/op (which includes checking the certificate
// against brute force, outside the proof), it reports the proof's own
// measured seconds ("proof-s", Certificate.Seconds) and their ratio to
// brute force's measured in the same iteration ("x-bf-seconds").
func BenchmarkProofShipped(b *testing.B) {
	for _, dir := range []string{"p31-pizza-seed0", "p59-pizza-seed0", "p113-pizza-seed0"} {
		ck, err := checkpoint.Load(filepath.Join("..", "models", dir))
		if err != nil {
			b.Fatal(err)
		}
		m, err := proof.NewModel(ck.Config, ck.Params)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range proof.Strategies() {
			b.Run(dir+"/"+s.Name(), func(b *testing.B) {
				var sec, bfSec float64
				for i := 0; i < b.N; i++ {
					bf, err := proof.BruteForce{}.Prove(m)
					if err != nil {
						b.Fatal(err)
					}
					c, err := s.Prove(m)
					if err != nil {
						b.Fatal(err)
					}
					sec += c.Seconds
					bfSec += bf.Seconds
				}
				b.ReportMetric(sec/float64(b.N), "proof-s")
				b.ReportMetric(sec/bfSec, "x-bf-seconds")
			})
		}
	}
}
