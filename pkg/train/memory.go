package train

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/modadd/modadd/pkg/config"
)

// MemoryEstimate is the peak memory, in bytes, that training S models of
// cfg together takes: per model, about seven live [p², d_mlp + d_model]
// activations and gradients in the training dtype, six [p², p] float64
// logit-sized tensors (loss and all-pairs metrics), and the parameters
// with their gradients and AdamW moments; plus 64 MiB for the runtime.
// Calibrated on the default model (p = 59): measured 139 MB for one model
// and 10.8 GB for 152 (bench/README.md); the estimate gives 143 MB and
// 12.1 GB.
func MemoryEstimate(cfg config.Config, S int) float64 {
	w := float64(cfg.DType.Bytes())
	n := float64(cfg.P) * float64(cfg.P)
	per := 7*n*float64(cfg.DMLP+cfg.DModel)*w + 6*n*float64(cfg.P)*8 + 32*float64(cfg.NumTrainable())
	return 64<<20 + float64(S)*per
}

// availableMemory is what this process may still allocate: the smaller of
// the kernel's MemAvailable and the cgroup's memory.max minus its usage.
// ok is false where neither can be read (not Linux).
func availableMemory() (bytes float64, ok bool) {
	bytes = -1
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if fs := strings.Fields(sc.Text()); len(fs) >= 2 && fs[0] == "MemAvailable:" {
				if kb, err := strconv.ParseFloat(fs[1], 64); err == nil {
					bytes = kb * 1024
				}
			}
		}
		f.Close()
	}
	read := func(path string) (float64, bool) {
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, false
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
		return v, err == nil // "max" (no limit) fails to parse
	}
	if lim, ok := read("/sys/fs/cgroup/memory.max"); ok {
		if cur, ok := read("/sys/fs/cgroup/memory.current"); ok {
			if free := lim - cur; bytes < 0 || free < bytes {
				bytes = free
			}
		}
	}
	return bytes, bytes >= 0
}

// checkMemory refuses, before anything is allocated, a run that cannot fit
// in the memory this machine has left.
func checkMemory(cfg config.Config, S int) error {
	need := MemoryEstimate(cfg, S)
	have, ok := availableMemory()
	if !ok || need <= have {
		return nil
	}
	what := "this model"
	if S > 1 {
		what = fmt.Sprintf("%d models of this configuration in one graph", S)
	}
	return fmt.Errorf("train: training %s (p = %d, d_mlp = %d, %s) needs about %.1f GB but only %.1f GB of memory is available: use a smaller p or d_mlp, or train fewer seeds at a time (split -seeds, or `modadd sweep -batch N`)",
		what, cfg.P, cfg.DMLP, cfg.DType, need/1e9, have/1e9)
}
