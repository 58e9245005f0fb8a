package measures

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/fourier"
)

func table(p int, f func(a, b, c int) float64) []float64 {
	out := make([]float64, 0, p*p*p)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			for c := 0; c < p; c++ {
				out = append(out, f(a, b, c))
			}
		}
	}
	return out
}

// An ideal pizza's correct logit |cos(w d/2)| depends on the distance only:
// DI = 0. A clock's correct logit depends on the sum only: DI = 1 exactly.
func TestDistanceIrrelevance(t *testing.T) {
	p := 31
	pizza := table(p, func(a, b, c int) float64 {
		return math.Abs(math.Cos(math.Pi*float64(3*(a-b))/float64(p))) * fourier.Cos(3, a+b-c, p)
	})
	if di := DistanceIrrelevance(pizza, p); di > 1e-12 {
		t.Fatalf("pizza DI = %v, want 0", di)
	}
	clock := table(p, func(a, b, c int) float64 { return fourier.Cos(3, a+b-c, p) + 0.2*fourier.Cos(5, a+b, p) })
	if di := DistanceIrrelevance(clock, p); math.Abs(di-1) > 1e-12 {
		t.Fatalf("clock DI = %v, want 1", di)
	}
}

func TestCircularity(t *testing.T) {
	p, d := 59, 8
	rng := rand.New(rand.NewPCG(3, 3))
	circle := checkpoint.Tensor{Name: "W_E", Shape: []int{p, d}, Data: make([]float64, p*d)}
	noise := checkpoint.Tensor{Name: "W_E", Shape: []int{p, d}, Data: make([]float64, p*d)}
	for tk := 0; tk < p; tk++ {
		for j := 0; j < d; j++ {
			noise.Data[tk*d+j] = rng.NormFloat64()
			circle.Data[tk*d+j] = 1e-3 * rng.NormFloat64()
		}
		// Two circles at frequencies 4 and 11, with radii 3 and 2: the first
		// four principal components are their cosines and sines.
		circle.Data[tk*d+0] += 3 * fourier.Cos(4, tk, p)
		circle.Data[tk*d+1] += 3 * fourier.Sin(4, tk, p)
		circle.Data[tk*d+2] += 2 * fourier.Cos(11, tk, p)
		circle.Data[tk*d+3] += 2 * fourier.Sin(11, tk, p)
	}
	c, err := Circularity(circle, 4)
	if err != nil {
		t.Fatal(err)
	}
	if c < 0.999 {
		t.Fatalf("circular embedding: circularity %v, want ≈ 1", c)
	}
	r, _ := Circularity(noise, 4)
	if r > 0.6 {
		t.Fatalf("random embedding: circularity %v, want well below 1", r)
	}
	t.Logf("circle %.4f, noise %.3f", c, r)
}

// KeyComponents must split logits built from known parts exactly.
func TestKeyComponents(t *testing.T) {
	p := 23
	key := func(a, b, c int) float64 { return 2*fourier.Cos(5, a+b-c, p) + 0.5*fourier.Sin(7, a+b, p) }
	rest := func(a, b, c int) float64 { return fourier.Cos(3, a, p) + 0.3*fourier.Cos(9, a+b, p) + float64(c%3) }
	logits := table(p, func(a, b, c int) float64 { return key(a, b, c) + rest(a, b, c) })
	r, e := KeyComponents(logits, p, []int{5, 7})
	wantR := table(p, func(a, b, c int) float64 { return key(a, b, c) + float64(c%3) })
	wantE := table(p, rest)
	for i := range logits {
		if math.Abs(r[i]-wantR[i]) > 1e-12 || math.Abs(e[i]-wantE[i]) > 1e-12 {
			t.Fatalf("entry %d: restricted %v (want %v), excluded %v (want %v)", i, r[i], wantR[i], e[i], wantE[i])
		}
	}
}
