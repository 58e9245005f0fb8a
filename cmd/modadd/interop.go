package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/interop"
)

func runImport(args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	from := fs.String("from", "", "weights file, .npz or .safetensors, TransformerLens or short names (required)")
	preset := fs.String("config", "pizza", "preset of the model: "+strings.Join(config.Presets, ", "))
	p := fs.Int("p", 0, "modulus to check against the embedding (default: inferred from W_E)")
	set := fs.String("set", "", "config fields the file cannot tell (e.g. act=gelu;alpha=0.5); p, d_model, n_heads, d_head and d_mlp come from the file's shapes\n"+
		"(repeating them is fine, a different value is an error), dtype from its arrays (dtype=float64 may widen float32 arrays)")
	out := fs.String("out", "", "model directory to write (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *out == "" {
		return errors.New("-from FILE and -out DIR are required")
	}
	if checkpoint.Exists(*out) {
		return fmt.Errorf("%s already holds a model: choose another -out or remove it", *out)
	}
	ck, ignored, err := interop.Import(*from, *preset, *set, *p)
	if err != nil {
		return err
	}
	ck.Meta.Command = commandLine("import", args)
	if err := checkpoint.Save(*out, ck); err != nil {
		return err
	}
	if len(ignored) > 0 {
		fmt.Fprintf(os.Stderr, "ignored arrays the model does not use: %s\n", strings.Join(ignored, ", "))
	}
	fmt.Printf("imported %s into %s: %s", *from, *out, ck.Describe())
	return nil
}

func runExport(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	dir := fs.String("model", "", "model directory (required)")
	to := fs.String("to", "", "file to write, .npz or .safetensors (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *to == "" {
		return errors.New("-model DIR and -to FILE are required")
	}
	ck, err := checkpoint.Load(*dir)
	if err != nil {
		return err
	}
	if err := interop.Export(ck, *to); err != nil {
		return err
	}
	fmt.Printf("wrote %d arrays (TransformerLens names, %s) to %s\n", len(ck.Params), ck.Config.DType, *to)
	return nil
}
