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
// d_mlp inferred from the arrays (p is checked against wantP when it is not 0). Missing biases are zero; for a
// constant-attention preset, missing W_Q and W_K are zero too (they cannot
// affect the output). Errors name the array and the expected and found shapes.
func Import(path, preset, set string, wantP int) (*checkpoint.Checkpoint, []string, error) {
	arrays, err := ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.Preset(preset)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.Set(set); err != nil {
		return nil, nil, err
	}
	get := func(name string) (Array, bool) {
		if a, ok := arrays[LongName(name)]; ok {
			return a, true
		}
		a, ok := arrays[name]
		return a, ok
	}
	need := func(name string, rank int) (Array, error) {
		a, ok := get(name)
		if !ok {
			return Array{}, fmt.Errorf("interop: %s: %w %s (looked for %s and %s)", path, errMissing, name, LongName(name), name)
		}
		if len(a.Shape) != rank {
			return Array{}, fmt.Errorf("interop: %s: array %s has shape %v, expected rank %d", path, name, a.Shape, rank)
		}
		return a, nil
	}
	we, err := need("W_E", 2)
	if err != nil {
		return nil, nil, err
	}
	cfg.P, cfg.DModel = we.Shape[0], we.Shape[1]
	if wantP != 0 && wantP != cfg.P {
		return nil, nil, fmt.Errorf("interop: %s: W_E has %d rows but -p is %d: the embedding must have one row per residue", path, cfg.P, wantP)
	}
	if wv, err := need("W_V", 3); err == nil {
		cfg.NHeads, cfg.DHead = wv.Shape[0], wv.Shape[2]
	} else {
		return nil, nil, err
	}
	if win, err := need("W_in", 2); err == nil {
		cfg.DMLP = win.Shape[1]
	} else {
		return nil, nil, err
	}
	dtype := "float32"
	for _, a := range arrays {
		if a.DType == "float64" {
			dtype = "float64"
		}
	}
	cfg.DType = dtype
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("interop: %s: %w", path, err)
	}
	used := map[string]bool{}
	var params checkpoint.Tensors
	for _, p := range cfg.Params() {
		t := checkpoint.Tensor{Name: p.Name, Shape: p.Shape, Data: make([]float64, p.Size())}
		a, ok := get(p.Name)
		switch {
		case ok:
			if fmt.Sprint(a.Shape) != fmt.Sprint(p.Shape) {
				return nil, nil, fmt.Errorf("interop: %s: array %s has shape %v, expected %v (from W_E, W_V and W_in: p=%d, d_model=%d, %d heads of %d, d_mlp=%d)",
					path, p.Name, a.Shape, p.Shape, cfg.P, cfg.DModel, cfg.NHeads, cfg.DHead, cfg.DMLP)
			}
			copy(t.Data, a.Data)
			used[LongName(p.Name)], used[p.Name] = true, true
		case p.Bias:
			// absent biases are zero
		case (p.Name == "W_Q" || p.Name == "W_K") && cfg.Alpha == 1:
			// constant attention never reads the queries and keys
		default:
			return nil, nil, fmt.Errorf("interop: %s: %w %s (looked for %s and %s)", path, errMissing, p.Name, LongName(p.Name), p.Name)
		}
		params = append(params, t)
	}
	var ignored []string
	for n := range arrays {
		if !used[n] {
			ignored = append(ignored, n)
		}
	}
	sort.Strings(ignored)
	ck := &checkpoint.Checkpoint{Config: cfg, Params: params}
	ck.Meta.Note = "imported from " + filepath.Base(path)
	if len(ignored) > 0 {
		ck.Meta.Note += "; ignored arrays: " + strings.Join(ignored, ", ")
	}
	return ck, ignored, nil
}
