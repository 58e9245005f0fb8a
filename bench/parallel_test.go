package bench

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/train"
)

// backendChoice is a pure-Go backend configuration with a short label for
// the benchmark's metric names.
type backendChoice struct{ label, config string }

// benchBackends are the configurations BenchmarkBackends compares;
// MODADD_BENCH_BACKENDS ("label=config;label=config", e.g.
// "seq=go:ops_sequential;par=go:ops_parallel,parallelism=-1") overrides them.
func benchBackends(b *testing.B) []backendChoice {
	s := os.Getenv("MODADD_BENCH_BACKENDS")
	if s == "" {
		return []backendChoice{
			{"seq", model.SequentialBackend},
			{"par", model.ParallelBackend},
			{"seq-unbounded", "go:ops_sequential,parallelism=-1"},
		}
	}
	var out []backendChoice
	for _, f := range strings.Split(s, ";") {
		label, cfg, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok || label == "" || strings.ContainsAny(label, " \t") {
			b.Fatalf("MODADD_BENCH_BACKENDS: %q is not label=config", f)
		}
		out = append(out, backendChoice{label, cfg})
	}
	return out
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBackends times one training step of the default model (and its
// float64 and clock variants) on several pure-Go backend configurations side
// by side: each op steps every configuration's trainer once, in turn, so
// that they share whatever else the machine is doing. It reports each
// configuration's time per step (ms/step:LABEL) and the cores it kept busy
// (CPU time over wall time, cores:LABEL), and checks that all of them
// computed the same losses, bit for bit. Each step runs under the pprof
// labels backend=LABEL and variant=NAME (inherited by the goroutines the
// backend starts), so that a -cpuprofile of this benchmark separates them:
// go tool pprof -tagfocus backend=par ... (bench/pprof_ops.py sums a
// profile by operation).
func BenchmarkBackends(b *testing.B) {
	choices := benchBackends(b)
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			cfg := config.Default()
			if err := cfg.Set(v.set); err != nil {
				b.Fatal(err)
			}
			trs := make([]*train.Trainer, len(choices))
			for i, c := range choices {
				be, err := model.NewBackend(c.config)
				if err != nil {
					b.Fatal(err)
				}
				ck, err := train.Begin(cfg, "")
				if err != nil {
					b.Fatal(err)
				}
				if trs[i], err = train.NewTrainer(ck, be); err != nil {
					b.Fatal(err)
				}
				defer trs[i].Close()
				if _, err := trs[i].Step(); err != nil { // compile outside the timed loop
					b.Fatal(err)
				}
			}
			wall := make([]time.Duration, len(choices))
			cpu := make([]time.Duration, len(choices))
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				var loss0 float64
				for i, tr := range trs {
					var loss float64
					var err error
					c0, t0 := cpuTime(), time.Now()
					pprof.Do(context.Background(), pprof.Labels("backend", choices[i].label, "variant", v.name), func(context.Context) {
						loss, err = tr.Step()
					})
					wall[i] += time.Since(t0)
					cpu[i] += cpuTime() - c0
					if err != nil {
						b.Fatal(err)
					}
					if i == 0 {
						loss0 = loss
					} else if loss != loss0 {
						b.Fatalf("step %d: %s's loss %v differs from %s's %v", n, choices[i].label, loss, choices[0].label, loss0)
					}
				}
			}
			for i, c := range choices {
				b.ReportMetric(float64(wall[i].Microseconds())/1e3/float64(b.N), "ms/step:"+c.label)
				b.ReportMetric(cpu[i].Seconds()/wall[i].Seconds(), "cores:"+c.label)
			}
			if len(choices) > 1 {
				b.ReportMetric(wall[0].Seconds()/wall[1].Seconds(), fmt.Sprintf("speedup:%s/%s", choices[1].label, choices[0].label))
			}
		})
	}
}
