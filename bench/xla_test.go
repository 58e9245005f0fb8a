//go:build xla

package bench

// With -tags xla (and cgo) the benchmarks can run on XLA: select it with
// GOMLX_BACKEND=xla:PLUGIN (see scripts/gpu-bench.sh).
import _ "github.com/gomlx/gomlx/backends/xla"
