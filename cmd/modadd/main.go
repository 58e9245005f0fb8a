// Command modadd trains, evaluates and inspects the modular-addition models of
// this project.
//
//	modadd train [-config pizza|zhong|clock] [-p N] [-seed N] [-epochs N] [-set k=v;...] -out DIR
//	modadd eval  -model DIR [-json]
//	modadd info  -model DIR [-json]
//	modadd analyze -model DIR [-json]      Fourier clusters, phases, ideal logits, metrics
//	modadd integrate -model DIR [-json]    clusters as quadrature rules
//	modadd figures -model DIR -out DIR     every figure of a model
//	modadd prove -model DIR [-strategy S[,S...]] [-json]   certificates and their cost
//	modadd import -from FILE -config pizza|zhong|clock [-p N] -out DIR
//	modadd export -model DIR -to FILE.npz|FILE.safetensors
//	modadd sweep -out DIR [-seeds 0-3] [-p 31,59] [-width ...] [-alpha ...] [-act ...] [-shard I/N]
//	modadd merge -out BASE DIR/results-*.json
//
// Run `modadd help` or `modadd CMD -h` for the flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/model"
)

type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{
	"train":     {"train a model (resumes when -out holds a checkpoint)", runTrain},
	"eval":      {"accuracy and loss of a model on all pairs, train and held-out", runEval},
	"info":      {"describe a model directory", runInfo},
	"analyze":   {"Fourier clusters, phase relations, ideal pizza logits and the prior work's metrics", runAnalyze},
	"integrate": {"the MLP as numerical integration: each cluster as a quadrature rule", runIntegrate},
	"figures":   {"write every figure of a model (SVG or PNG)", runFigures},
	"import":    {"bring in weights from a .npz or .safetensors file (TransformerLens names)", runImport},
	"export":    {"write a model's weights to .npz or .safetensors (TransformerLens names)", runExport},
	"sweep":     {"train, analyse and prove a grid of models (resumable, shardable)", runSweep},
	"merge":     {"join the result tables of sweep shards", runMerge},
	"prove":     {"sound certificates of the MLP's behaviour: brute force, linear-time, Fourier-compressed U", runProve},
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: modadd COMMAND [flags]\n\ncommands:\n")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nRun `modadd COMMAND -h` for its flags. The backend is chosen by $GOMLX_BACKEND (default: the pure-Go backend).\n")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	c, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "modadd: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err := c.run(os.Args[2:]); errors.Is(err, flag.ErrHelp) {
		return
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "modadd %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// commandLine is the command as typed, for the metadata of trained models.
func commandLine(cmd string, args []string) string {
	parts := []string{"modadd", cmd}
	for _, a := range args {
		if strings.ContainsAny(a, " ;'\"") {
			a = "'" + a + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// modelFlags parses the flags of a command that reads one model directory:
// -model DIR (required), -json, and any the command adds in extra (which
// may be nil).
func modelFlags(name string, args []string, extra func(fs *flag.FlagSet)) (dir string, asJSON bool, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	d := fs.String("model", "", "model directory (required)")
	j := fs.Bool("json", false, "print JSON")
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return "", false, err
	}
	if *d == "" {
		return "", false, errors.New("-model DIR is required")
	}
	return *d, *j, nil
}

// loadModel loads a model directory and starts the backend.
func loadModel(dir string) (*checkpoint.Checkpoint, backends.Backend, error) {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	be, err := model.Backend()
	return ck, be, err
}

// parseFlags parses a command's flags and refuses anything left over: Go's
// flag package stops at the first non-flag argument, so a stray word (a typo,
// a forgotten "-") would silently drop every flag after it.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: every option of `modadd %s` is a flag (-name value); flags after it were not read (see `modadd %s -h`)", fs.Arg(0), fs.Name(), fs.Name())
	}
	return nil
}
