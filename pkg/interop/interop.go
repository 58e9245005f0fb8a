// Package interop brings models trained elsewhere into the project and
// sends ours out: NumPy .npz and .safetensors files with TransformerLens
// names and shapes (embed.W_E [p, d_model], blocks.0.attn.W_Q [heads,
// d_model, d_head], blocks.0.mlp.W_in [d_model, d_mlp], unembed.W_U
// [d_model, p], ...) or the short names W_E, W_Q, W_in, W_U, ... The
// project's own parameters already use TransformerLens' shapes, so import
// and export are renamings plus checks.
package interop

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
)

// LongName is the TransformerLens name of one of the project's parameters.
func LongName(name string) string {
	switch name {
	case "W_E":
		return "embed.W_E"
	case "W_pos":
		return "pos_embed.W_pos"
	case "W_U", "b_U":
		return "unembed." + name
	case "W_in", "b_in", "W_out", "b_out":
		return "blocks.0.mlp." + name
	}
	return "blocks.0.attn." + name
}

// Export writes a model's parameters to path (.npz or .safetensors) with
// TransformerLens names, in the model's training precision.
func Export(ck *checkpoint.Checkpoint, path string) error {
	var names []string
	var arrays []Array
	for _, t := range ck.Params {
		names = append(names, LongName(t.Name))
		arrays = append(arrays, Array{Shape: t.Shape, Data: t.Data, DType: ck.Config.DType})
	}
	return WriteFile(path, names, arrays)
}

// Import reads a weights file and returns a checkpoint for the named
// preset with the overrides set ("key=value;...", as config.Set: what the
// file cannot tell, such as act or alpha), and p, d_model, the heads and
// d_mlp inferred from the arrays (p is checked against wantP when it is not
// 0; an override of one of them must agree with the file). The dtype is the
// file's (float64 if an array in use is float64); an override may ask for
// float64, which is exact, but not for float32 when it would round. Missing
// biases are zero; for a constant-attention preset, missing W_Q and W_K are
// zero too (they cannot affect the output). Arrays the model does not use
// are returned by name, never decoded. Every array's shape is checked before
// its values are read; errors name the array and the expected and found
// shapes, or the first value that is NaN or infinite.
func Import(path, preset, set string, wantP int) (*checkpoint.Checkpoint, []string, error) {
	cfg, err := config.Preset(preset)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.Set(set); err != nil {
		return nil, nil, err
	}
	asked, mentioned := cfg, setKeys(set)
	wf, closer, err := openWeights(path)
	if err != nil {
		return nil, nil, err
	}
	defer closer.Close()
	inFile := map[string]bool{}
	for _, n := range wf.names() {
		inFile[n] = true
	}
	// key[name] is the file's name for the parameter name.
	key := map[string]string{}
	for _, p := range config.Default().Params() {
		long := LongName(p.Name)
		switch {
		case inFile[long] && inFile[p.Name]:
			return nil, nil, fmt.Errorf("interop: %s holds both %s and %s, TransformerLens' long and short names of one tensor, and which one is meant cannot be told: keep one of them", path, long, p.Name)
		case inFile[long]:
			key[p.Name] = long
		case inFile[p.Name]:
			key[p.Name] = p.Name
		}
	}
	missing := func(name string) error {
		return fmt.Errorf("interop: %s: %w %s (looked for %s and %s)", path, errMissing, name, LongName(name), name)
	}
	info := func(name string) (arrayInfo, error) {
		ai, err := wf.info(key[name])
		if err != nil {
			return ai, fmt.Errorf("interop: %s: %w", path, err)
		}
		return ai, nil
	}
	shapeOf := func(name string, rank int) ([]int, error) {
		if _, ok := key[name]; !ok {
			return nil, missing(name)
		}
		ai, err := info(name)
		if err != nil {
			return nil, err
		}
		if len(ai.Shape) != rank {
			return nil, fmt.Errorf("interop: %s: array %s has shape %v, expected rank %d", path, name, ai.Shape, rank)
		}
		return ai.Shape, nil
	}
	we, err := shapeOf("W_E", 2)
	if err != nil {
		return nil, nil, err
	}
	cfg.P, cfg.DModel = we[0], we[1]
	if wantP != 0 && wantP != cfg.P {
		return nil, nil, fmt.Errorf("interop: %s: W_E has %d rows but -p is %d: the embedding must have one row per residue", path, cfg.P, wantP)
	}
	wv, err := shapeOf("W_V", 3)
	if err != nil {
		return nil, nil, err
	}
	cfg.NHeads, cfg.DHead = wv[0], wv[2]
	win, err := shapeOf("W_in", 2)
	if err != nil {
		return nil, nil, err
	}
	cfg.DMLP = win[1]
	for _, f := range []struct {
		key         string
		asked, file int
		from        string
		shape       []int
	}{
		{"p", asked.P, cfg.P, "W_E", we}, {"d_model", asked.DModel, cfg.DModel, "W_E", we},
		{"n_heads", asked.NHeads, cfg.NHeads, "W_V", wv}, {"d_head", asked.DHead, cfg.DHead, "W_V", wv},
		{"d_mlp", asked.DMLP, cfg.DMLP, "W_in", win},
	} {
		if mentioned[f.key] && f.asked != f.file {
			return nil, nil, fmt.Errorf("interop: %s: -set %s=%d conflicts with the file: %s has shape %v, so %s = %d; the file's shapes decide p, d_model, n_heads, d_head and d_mlp, so drop %s from -set",
				path, f.key, f.asked, f.from, f.shape, f.key, f.file, f.key)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("interop: %s: %w", path, err)
	}
	// Every array in use, its shape checked against the config before any
	// value is read.
	type use struct {
		i  int // in cfg.Params()
		ai arrayInfo
	}
	var uses []use
	var f64 []string
	total := 0
	params := cfg.Params()
	for i, p := range params {
		if _, ok := key[p.Name]; !ok {
			switch {
			case p.Bias: // absent biases are zero
			case (p.Name == "W_Q" || p.Name == "W_K") && cfg.Alpha == 1:
				// constant attention never reads the queries and keys
			default:
				return nil, nil, missing(p.Name)
			}
			continue
		}
		ai, err := info(p.Name)
		if err != nil {
			return nil, nil, err
		}
		if fmt.Sprint(ai.Shape) != fmt.Sprint(p.Shape) {
			return nil, nil, fmt.Errorf("interop: %s: array %s has shape %v, expected %v (from W_E, W_V and W_in: p=%d, d_model=%d, %d heads of %d, d_mlp=%d)",
				path, p.Name, ai.Shape, p.Shape, cfg.P, cfg.DModel, cfg.NHeads, cfg.DHead, cfg.DMLP)
		}
		if total += ai.n; total > MaxValues {
			return nil, nil, fmt.Errorf("interop: %s: the model's arrays hold more than %d values together (p=%d, d_model=%d, d_mlp=%d), far more than any model of this project: this is not a model to import", path, MaxValues, cfg.P, cfg.DModel, cfg.DMLP)
		}
		if ai.DType == "float64" {
			f64 = append(f64, key[p.Name])
		}
		uses = append(uses, use{i, ai})
	}
	switch {
	case !mentioned["dtype"]:
		cfg.DType = "float32"
		if len(f64) > 0 {
			cfg.DType = "float64"
		}
	case cfg.DType == "float32" && len(f64) > 0:
		return nil, nil, fmt.Errorf("interop: %s: -set dtype=float32 would round the file's float64 arrays %s: drop dtype from -set to keep float64, or convert the file", path, strings.Join(f64, ", "))
	}
	ts := make(checkpoint.Tensors, len(params))
	for i, p := range params {
		ts[i] = checkpoint.Tensor{Name: p.Name, Shape: p.Shape}
	}
	used := map[string]bool{}
	for _, u := range uses {
		name := key[params[u.i].Name]
		data, err := wf.values(name)
		if err != nil {
			return nil, nil, fmt.Errorf("interop: %s: %w", path, err)
		}
		if err := checkFinite(name, u.ai.Shape, data); err != nil {
			return nil, nil, fmt.Errorf("interop: %s: %w", path, err)
		}
		ts[u.i].Data = data
		used[name] = true
	}
	for i, p := range params {
		if ts[i].Data == nil {
			ts[i].Data = make([]float64, p.Size())
		}
	}
	var ignored []string
	for _, n := range wf.names() {
		if !used[n] {
			ignored = append(ignored, n)
		}
	}
	sort.Strings(ignored)
	ck := &checkpoint.Checkpoint{Config: cfg, Params: ts}
	ck.Meta.Note = "imported from " + filepath.Base(path)
	if len(ignored) > 0 {
		ck.Meta.Note += "; ignored arrays: " + strings.Join(ignored, ", ")
	}
	return ck, ignored, nil
}

// setKeys lists the keys an override string sets, split as config.Set
// splits it.
func setKeys(set string) map[string]bool {
	keys := map[string]bool{}
	for _, kv := range strings.FieldsFunc(set, func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
		k, _, _ := strings.Cut(kv, "=")
		keys[strings.TrimSpace(k)] = true
	}
	return keys
}

// checkFinite returns an error naming the array and the index of its first
// NaN or infinite value: such weights are a broken model.
func checkFinite(name string, shape []int, data []float64) error {
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			idx := make([]int, len(shape))
			for k := len(shape) - 1; k >= 0; k-- {
				if shape[k] > 0 {
					idx[k], i = i%shape[k], i/shape[k]
				}
			}
			return fmt.Errorf("array %s holds %v at %v (of shape %v): the model is broken (a diverged training or a damaged file); export it again from finite weights", name, v, idx, shape)
		}
	}
	return nil
}
