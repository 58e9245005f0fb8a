package quadrature_test

import (
	"fmt"

	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/quadrature"
)

// A cluster of N neurons with evenly spaced phases is an N-point rule for
// the integral ∫ ReLU(cos(x + φ)) e^{2iφ} dφ; its worst error over the
// half-angles falls like π²/N² for even N.
func Example() {
	relu := config.ReLU.Func()
	kappa, _ := config.ReLU.Kappa2()
	for _, n := range []int{8, 16, 32, 64} {
		r := quadrature.Equispaced(n, 1, 0.1)
		fmt.Printf("N = %2d: worst relative error %.2e, × N² = %.2f\n", n, r.Error(relu, kappa, 59), r.Error(relu, kappa, 59)*float64(n*n))
	}
	// Output:
	// N =  8: worst relative error 1.71e-01, × N² = 10.91
	// N = 16: worst relative error 3.98e-02, × N² = 10.19
	// N = 32: worst relative error 9.67e-03, × N² = 9.90
	// N = 64: worst relative error 2.39e-03, × N² = 9.79
}
