package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // the pure-Go backend "go"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/dotgrad"
	"github.com/modadd/modadd/pkg/fastdot"
	"github.com/modadd/modadd/pkg/zp"
)

// SequentialBackend runs the pure-Go backend's operations one at a time
// (only the matrix products use several cores, inside themselves). It was
// the default until 2026-11-30 and computes the same bits as
// ParallelBackend (bench/README.md, "Parallelism").
const SequentialBackend = "go:ops_sequential"

// ParallelBackend runs independent operations of a graph concurrently, on
// an unbounded worker pool. simplego v0.26.0 runs each operation as a task
// of its worker pool (exec.go:639), and a matrix product (or Erf) then waits
// inside that task for sub-tasks it queues on the same pool
// (dotgeneral_small.go:191, dotgeneral_large.go:384). The default pool holds
// 2 tasks per core (workerspool.go:63): on 2 cores, four concurrent products
// fill it and each waits for a free slot forever (workerspool.go:84-85).
// With parallelism=-1 the pool never makes a task wait (workerspool.go:72),
// so it cannot deadlock. No operation's arithmetic depends on the
// parallelism (the products split only output blocks and batches; the
// contraction is summed in one fixed order), so it computes the same bits as
// SequentialBackend (tested here and in bench/). Caveat: `go test -race`
// reports data races inside simplego's parallel executor (exec.go:430 reads
// a use count without the lock exec.go:474-478 writes it under); they
// decide only whether an operation may overwrite an input no other
// operation still needs (bench/README.md, "Parallelism").
const ParallelBackend = "go:ops_parallel,parallelism=-1"

// DefaultBackend is the backend used when $GOMLX_BACKEND is unset.
const DefaultBackend = ParallelBackend

// BackendConfig returns the backend configuration in use: $GOMLX_BACKEND, or
// DefaultBackend; configurations of the pure-Go backend pass through
// SafeConfig.
func BackendConfig() string {
	cfg, ok := os.LookupEnv(backends.ConfigEnvVar)
	if !ok || cfg == "" {
		return DefaultBackend
	}
	return SafeConfig(cfg)
}

// SafeConfig makes a configuration of the pure-Go backend ("go" or
// "go:options") deadlock-free and returns other backends' unchanged. A bare
// "go" becomes DefaultBackend. Unless the options run operations one at a
// time (ops_sequential) or without workers (parallelism=0), simplego may run
// them in parallel (ops_parallel, or by default when one graph executes at a
// time), so a bounded pool (parallelism=N, or none given: 2 tasks per core)
// is replaced by the unbounded one, parallelism=-1 (see ParallelBackend).
func SafeConfig(cfg string) string {
	name, opts, _ := strings.Cut(cfg, ":")
	if name != "go" {
		return cfg
	}
	if opts == "" {
		return DefaultBackend
	}
	var out []string
	safe := false
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "":
			continue
		case "ops_sequential", "parallelism=0", "parallelism=-1":
			safe = true
		}
		out = append(out, o)
	}
	if safe {
		return "go:" + strings.Join(out, ",")
	}
	var kept []string
	for _, o := range out {
		if !strings.HasPrefix(o, "parallelism=") {
			kept = append(kept, o)
		}
	}
	return "go:" + strings.Join(append(kept, "parallelism=-1"), ",")
}

// Backend returns the GoMLX backend named by BackendConfig: "go" (the
// default) or "xla:PLUGIN" in binaries built with -tags xla. See NewBackend.
func Backend() (backends.Backend, error) { return NewBackend(BackendConfig()) }

// stdoutMu serialises NewBackend's silencing of os.Stdout.
var stdoutMu sync.Mutex

// NewBackend returns the GoMLX backend of the given configuration (as
// $GOMLX_BACKEND would name it; pure-Go configurations pass through
// SafeConfig). It installs pkg/dotgrad's gradients of Dot and DotGeneral
// (10x faster training on the pure-Go backend, bench/README.md) for every
// graph built afterwards, and pkg/fastdot's AVX2 matrix-product kernel in
// the pure-Go backend (same bits, faster; a no-op without AVX2). simplego prints "parallelism set to N" on
// standard output when given parallelism=N, which would corrupt the
// commands' JSON output: os.Stdout points to the null device meanwhile.
func NewBackend(cfg string) (b backends.Backend, err error) {
	dotgrad.Install()
	cfg = SafeConfig(cfg)
	if strings.HasPrefix(cfg, "go") {
		// Only a speed-up: if this GoMLX's pure-Go backend is not laid out
		// as fastdot expects, its own kernels run (same bits) and we say so.
		if _, err := fastdot.Install(); err != nil {
			fmt.Fprintf(os.Stderr, "model: %v; training runs on simplego's own kernels\n", err)
		}
	}
	var newErr error
	create := func() {
		err = Try(func() { b, newErr = backends.NewWithConfig(cfg) })
	}
	if strings.HasPrefix(cfg, "go:") && strings.Contains(cfg, "parallelism=") {
		quietStdout(create)
	} else {
		create()
	}
	if err == nil {
		err = newErr
	}
	if err != nil {
		hint := ""
		if strings.HasPrefix(cfg, "xla") {
			hint = " (the XLA backend needs a binary built with `-tags xla` and CGO, and a PJRT plugin: see README)"
		}
		return nil, fmt.Errorf("model: cannot start backend %q: %v%s; registered backends: %v", cfg, err, hint, backends.List())
	}
	return b, nil
}

// quietStdout runs f with os.Stdout on the null device.
func quietStdout(f func()) {
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		f()
		return
	}
	saved := os.Stdout
	os.Stdout = null
	defer func() {
		os.Stdout = saved
		null.Close()
	}()
	f()
}

// Try runs f, turning a GoMLX panic into an error.
func Try(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	f()
	return nil
}

// DType maps the config's dtype to GoMLX's; an unknown one panics
// (config.Validate refuses it first).
func DType(d config.DType) dtypes.DType {
	switch d {
	case config.Float64:
		return dtypes.Float64
	case config.Float32:
		return dtypes.Float32
	}
	panic(fmt.Sprintf("model: unknown dtype %q", string(d)))
}

// ToTensor converts a checkpoint tensor to a GoMLX tensor of the given dtype.
func ToTensor(t checkpoint.Tensor, dtype dtypes.DType) *tensors.Tensor {
	if dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), t.Data...), t.Shape...)
	}
	x := make([]float32, len(t.Data))
	for i, v := range t.Data {
		x[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(x, t.Shape...)
}

// FromTensor converts a GoMLX float tensor back to a named checkpoint tensor.
func FromTensor(name string, t *tensors.Tensor) checkpoint.Tensor {
	out := checkpoint.Tensor{Name: name, Shape: append([]int(nil), t.Shape().Dimensions...)}
	switch t.DType() {
	case dtypes.Float64:
		out.Data = tensors.MustCopyFlatData[float64](t)
	case dtypes.Float32:
		x := tensors.MustCopyFlatData[float32](t)
		out.Data = make([]float64, len(x))
		for i, v := range x {
			out.Data[i] = float64(v)
		}
	default:
		panic(fmt.Sprintf("model: tensor %s has dtype %s", name, t.DType()))
	}
	return out
}

// paramInputs converts the weights to tensors in config.Params order.
func paramInputs(cfg config.Config, w checkpoint.Tensors, dtype dtypes.DType) ([]any, error) {
	names, shapes := checkpoint.ParamShapes(cfg)
	if err := w.CheckShapes(names, shapes); err != nil {
		return nil, err
	}
	in := make([]any, len(names))
	for i, n := range names {
		in[i] = ToTensor(w.Must(n), dtype)
	}
	return in, nil
}

func paramsFrom(cfg config.Config, nodes []*Node) Params {
	w := Params{}
	for i, p := range cfg.Params() {
		w[p.Name] = nodes[i]
	}
	return w
}

func indexTensors(d zp.Pairs) (a, b, labels *tensors.Tensor) {
	return tensors.FromValue(d.A), tensors.FromValue(d.B), tensors.FromValue(d.Label)
}

// AllLogits evaluates the model on all p² pairs in the given precision
// ("float32" or "float64") and returns the logits as a row-major [p², p]
// slice (row a·p + b).
func AllLogits(be backends.Backend, cfg config.Config, w checkpoint.Tensors, dtype config.DType) ([]float64, error) {
	d, err := zp.All(cfg.P)
	if err != nil {
		return nil, err
	}
	in, err := paramInputs(cfg, w, DType(dtype))
	if err != nil {
		return nil, err
	}
	a, b, _ := indexTensors(d)
	var out []float64
	err = Try(func() {
		res := MustExecOnce(be, func(inputs []*Node) *Node {
			return ConvertDType(Logits(cfg, paramsFrom(cfg, inputs[2:]), inputs[0], inputs[1]), dtypes.Float64)
		}, append([]any{a, b}, in...)...)
		out = tensors.MustCopyFlatData[float64](res)
	})
	return out, err
}

// RunWithCache runs the plain forward pass on all p² pairs in float64 and
// returns the named activations (all of ActivationNames when names is
// empty), each with its shape; the leading axis is the pair index a·p + b.
func RunWithCache(be backends.Backend, cfg config.Config, w checkpoint.Tensors, names ...string) (map[string]checkpoint.Tensor, error) {
	if len(names) == 0 {
		names = ActivationNames
	}
	for _, n := range names {
		found := false
		for _, k := range ActivationNames {
			found = found || k == n
		}
		if !found {
			return nil, fmt.Errorf("model: unknown activation %q; known: %s", n, strings.Join(ActivationNames, ", "))
		}
	}
	d, err := zp.All(cfg.P)
	if err != nil {
		return nil, err
	}
	in, err := paramInputs(cfg, w, dtypes.Float64)
	if err != nil {
		return nil, err
	}
	a, b, _ := indexTensors(d)
	out := map[string]checkpoint.Tensor{}
	err = Try(func() {
		res := MustExecOnceN(be, func(inputs []*Node) []*Node {
			acts := Activations(cfg, paramsFrom(cfg, inputs[2:]), inputs[0], inputs[1])
			nodes := make([]*Node, len(names))
			for i, n := range names {
				nodes[i] = acts[n]
			}
			return nodes
		}, append([]any{a, b}, in...)...)
		for i, n := range names {
			out[n] = FromTensor(n, res[i])
		}
	})
	return out, err
}

// EmbeddingGradients returns, for each input (a[i], b[i]) and class c[i],
// the gradients of logit c[i] with respect to the embedding vectors of
// position 0 and position 1 (W_E[t] + W_pos[j]), computed in float64 by
// automatic differentiation of the plain forward pass. Each is [N][d_model].
func EmbeddingGradients(be backends.Backend, cfg config.Config, w checkpoint.Tensors, a, b, c []int32) (g0, g1 [][]float64, err error) {
	in, err := paramInputs(cfg, w, dtypes.Float64)
	if err != nil {
		return nil, nil, err
	}
	args := append([]any{tensors.FromValue(a), tensors.FromValue(b), tensors.FromValue(c)}, in...)
	err = Try(func() {
		res := MustExecOnceN(be, func(x []*Node) []*Node {
			ps := paramsFrom(cfg, x[3:])
			e0, e1 := embed(ps, x[0], x[1])
			logits := FromEmbeddings(cfg, ps, e0, e1)[LogitsName]
			// Each row's logit depends only on its own embeddings, so the
			// gradient of the sum gives every row's gradient at once.
			sel := ReduceAllSum(Mul(logits, OneHot(x[2], cfg.P, dtypes.Float64)))
			return Gradient(sel, e0, e1)
		}, args...)
		g0 = FromTensor("g0", res[0]).Matrix()
		g1 = FromTensor("g1", res[1]).Matrix()
	})
	return g0, g1, err
}

// GradientSymmetricity is Zhong et al.'s GS: the mean, over n random triples
// (a, b, c) drawn from seed, of the cosine similarity between the gradients
// of logit c with respect to the embedding at position 0 and at position 1.
// Near 1 for pizza (the logit is symmetric in how it reads a and b).
func GradientSymmetricity(be backends.Backend, cfg config.Config, w checkpoint.Tensors, n int, seed uint64) (float64, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6773))
	a, b, c := make([]int32, n), make([]int32, n), make([]int32, n)
	for i := range a {
		a[i], b[i], c[i] = int32(rng.IntN(cfg.P)), int32(rng.IntN(cfg.P)), int32(rng.IntN(cfg.P))
	}
	g0, g1, err := EmbeddingGradients(be, cfg, w, a, b, c)
	if err != nil {
		return 0, err
	}
	var s float64
	for i := range g0 {
		s += cosine(g0[i], g1[i])
	}
	return s / float64(n), nil
}

func cosine(x, y []float64) float64 {
	var xy, xx, yy float64
	for i := range x {
		xy += x[i] * y[i]
		xx += x[i] * x[i]
		yy += y[i] * y[i]
	}
	if xx == 0 || yy == 0 {
		return 0
	}
	return xy / math.Sqrt(xx*yy)
}
