package bench

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/train"
)

// nodeExecutors is simplego v0.26.0's table of operation kernels (exec.go:189,
// unexported): BenchmarkNodeProfile wraps each kernel with a timer, for the
// duration of the benchmark only. The function type is simplego's
// nodeExecutor spelled out.
//
//go:linkname nodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var nodeExecutors [backends.OpTypeLast]func(*simplego.Backend, *simplego.Node, []*simplego.Buffer, []bool) (*simplego.Buffer, error)

// nodeInfo is what the profile knows of one simplego node, read by
// reflection from its unexported fields.
type nodeInfo struct {
	idx    int
	op     backends.OpType
	dtype  dtypes.DType
	dims   []int
	inputs [][]int // the inputs' dimensions
	phase  string
	calls  int
	total  time.Duration
}

func field(v reflect.Value, name string) reflect.Value {
	f := v.FieldByName(name)
	if !f.IsValid() {
		panic(fmt.Sprintf("simplego.Node has no field %s: GoMLX internals changed", name))
	}
	return f
}

func nodeIndex(v reflect.Value) int { return int(field(v, "builderIdx").Int()) }

func nodeShape(v reflect.Value) (dtypes.DType, []int) {
	s := field(v, "shape")
	d := field(s, "Dimensions")
	dims := make([]int, d.Len())
	for i := range dims {
		dims[i] = int(d.Index(i).Int())
	}
	return dtypes.DType(field(s, "DType").Int()), dims
}

// nodeProfiler records the time of every kernel call by node.
type nodeProfiler struct {
	mu    sync.Mutex
	nodes map[*simplego.Node]*nodeInfo
	saved [backends.OpTypeLast]func(*simplego.Backend, *simplego.Node, []*simplego.Buffer, []bool) (*simplego.Buffer, error)
}

func (p *nodeProfiler) install() {
	p.nodes = map[*simplego.Node]*nodeInfo{}
	p.saved = nodeExecutors
	for op, f := range p.saved {
		if f == nil {
			continue
		}
		nodeExecutors[op] = func(b *simplego.Backend, n *simplego.Node, in []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
			t0 := time.Now()
			out, err := f(b, n, in, owned)
			dt := time.Since(t0)
			p.mu.Lock()
			info := p.nodes[n]
			if info == nil {
				v := reflect.ValueOf(n).Elem()
				info = &nodeInfo{idx: nodeIndex(v), op: backends.OpType(op)}
				info.dtype, info.dims = nodeShape(v)
				ins := field(v, "inputs")
				for i := 0; i < ins.Len(); i++ {
					_, d := nodeShape(ins.Index(i).Elem())
					info.inputs = append(info.inputs, d)
				}
				p.nodes[n] = info
			}
			info.calls++
			info.total += dt
			p.mu.Unlock()
			return out, err
		}
	}
}

func (p *nodeProfiler) uninstall() { nodeExecutors = p.saved }

// classify assigns each recorded node of the training step's graph to a
// phase. simplego numbers nodes in the order the graph was built
// (train.newTrainer): the forward pass and the float64 loss up to the loss
// (the graph's first output), then the gradient, then AdamW, whose first
// node reads the first moment m of the first parameter (the graph's input
// 3+nT+nF).
func (p *nodeProfiler) classify(nT, nF int) {
	var builder reflect.Value
	for n := range p.nodes {
		builder = field(reflect.ValueOf(n).Elem(), "builder").Elem()
		break
	}
	lossIdx := nodeIndex(field(builder, "outputs").Index(0).Elem())
	m0 := nodeIndex(field(builder, "inputs").Index(3 + nT + nF).Elem())
	adam := 1 << 62
	all := field(builder, "nodes")
	for i := 0; i < all.Len(); i++ {
		v := all.Index(i).Elem()
		ins := field(v, "inputs")
		for k := 0; k < ins.Len(); k++ {
			if nodeIndex(ins.Index(k).Elem()) == m0 {
				adam = min(adam, nodeIndex(v))
			}
		}
	}
	for _, info := range p.nodes {
		f64 := info.dtype == dtypes.Float64 || info.op == backends.OpTypeConvertDType
		switch {
		case info.idx <= lossIdx && f64:
			info.phase = "loss (float64)"
		case info.idx <= lossIdx:
			info.phase = "forward"
		case info.idx < adam && f64:
			info.phase = "loss gradient (float64)"
		case info.idx < adam:
			info.phase = "backward"
		default:
			info.phase = "AdamW update"
		}
	}
}

// table sums the nodes' time per step by key, largest first.
func (p *nodeProfiler) table(steps int, key func(*nodeInfo) string) []string {
	sum := map[string]time.Duration{}
	count := map[string]int{}
	var total time.Duration
	for _, info := range p.nodes {
		sum[key(info)] += info.total
		count[key(info)]++
		total += info.total
	}
	keys := make([]string, 0, len(sum))
	for k := range sum {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return sum[keys[i]] > sum[keys[j]] })
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("| %s | %d | %.1f | %.1f%% |", k, count[k],
			float64(sum[k].Microseconds())/1e3/float64(steps), 100*sum[k].Seconds()/total.Seconds()))
	}
	calls := 0
	for _, info := range p.nodes {
		calls += info.calls
	}
	return append(out, fmt.Sprintf("| total (%d calls) | %d | %.1f | 100%% |", calls, len(p.nodes), float64(total.Microseconds())/1e3/float64(steps)))
}

func dimsString(d []int) string {
	s := make([]string, len(d))
	for i, x := range d {
		s[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(s, "×") + "]"
}

// BenchmarkNodeProfile times every operation (graph node) of the default
// model's training step on the sequential pure-Go backend, where operations
// run one at a time, so that each node's time is its own (a matrix product
// still uses several cores inside). It prints the time per step by phase
// (forward, float64 loss, backward, AdamW), by operation type and for the
// slowest nodes, as Markdown tables; MODADD_PROFILE_SET takes config
// settings ("dtype=float64", "alpha=0").
func BenchmarkNodeProfile(b *testing.B) {
	cfg := config.Default()
	if err := cfg.Set(os.Getenv("MODADD_PROFILE_SET")); err != nil {
		b.Fatal(err)
	}
	be, err := model.NewBackend(model.SequentialBackend)
	if err != nil {
		b.Fatal(err)
	}
	ck, err := train.Begin(cfg, "")
	if err != nil {
		b.Fatal(err)
	}
	tr, err := train.NewTrainer(ck, be)
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Step(); err != nil { // compile outside the profile
		b.Fatal(err)
	}
	var p nodeProfiler
	p.install()
	defer p.uninstall()
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	wall := time.Since(t0)
	b.StopTimer()
	p.uninstall()
	nT, nF := 0, 0
	for _, q := range cfg.Params() {
		if q.Trainable {
			nT++
		} else {
			nF++
		}
	}
	p.classify(nT, nF)
	var lines []string
	add := func(title string, rows []string) {
		lines = append(lines, "", "| "+title+" | nodes | ms per step | share |", "|---|---|---|---|")
		lines = append(lines, rows...)
	}
	add("phase", p.table(b.N, func(n *nodeInfo) string { return n.phase }))
	add("operation", p.table(b.N, func(n *nodeInfo) string { return n.op.String() }))
	add("phase, operation", p.table(b.N, func(n *nodeInfo) string { return n.phase + ", " + n.op.String() }))
	var nodes []*nodeInfo
	for _, n := range p.nodes {
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].total > nodes[j].total })
	lines = append(lines, "", "| node | phase | operation | inputs → output | ms per step |", "|---|---|---|---|---|")
	for _, n := range nodes[:min(25, len(nodes))] {
		var ins []string
		for _, d := range n.inputs {
			ins = append(ins, dimsString(d))
		}
		lines = append(lines, fmt.Sprintf("| %d | %s | %s | %s → %s %s | %.2f |", n.idx, n.phase, n.op, strings.Join(ins, ", "),
			dimsString(n.dims), n.dtype, float64(n.total.Microseconds())/1e3/float64(b.N)))
	}
	lines = append(lines, "", fmt.Sprintf("wall time per step %.1f ms (the nodes' times add up to the rest; the difference is the executor's own work)",
		float64(wall.Microseconds())/1e3/float64(b.N)))
	fmt.Printf("BenchmarkNodeProfile, %d steps:\n%s\n", b.N, strings.Join(lines, "\n"))
}
