package fastdot_test

import (
	"math"
	"testing"

	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/fastdot"
	"github.com/modadd/modadd/pkg/train"
)

// TestTrainSameBits trains a small float32 pizza model (its products large
// enough for simplego's blocks) with the AVX2 kernels off and on: the
// weights after training are the same bits.
func TestTrainSameBits(t *testing.T) {
	cfg := config.Default()
	if err := cfg.Set("p=23;d_mlp=256"); err != nil {
		t.Fatal(err)
	}
	cfg.Epochs = 15
	defer fastdot.Enable(true)
	var weights [2][]float64
	for i, on := range []bool{false, true} {
		fastdot.Enable(on)
		ck, err := train.Train(cfg, train.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ck.Params {
			weights[i] = append(weights[i], p.Data...)
		}
	}
	for j := range weights[0] {
		if math.Float64bits(weights[0][j]) != math.Float64bits(weights[1][j]) {
			t.Fatalf("weight %d: %v without the AVX2 kernels, %v with them", j, weights[0][j], weights[1][j])
		}
	}
	if ok, _ := fastdot.Install(); !ok {
		t.Log("no AVX2 kernels on this machine: both runs used simplego's")
	}
}
