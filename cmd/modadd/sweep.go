package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/sweep"
)

// parseInts splits "a,b,c" (and ranges "0-3").
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if a, b, ok := strings.Cut(f, "-"); ok && a != "" {
			lo, err1 := strconv.Atoi(a)
			hi, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil || hi < lo {
				return nil, fmt.Errorf("bad range %q (write LO-HI)", f)
			}
			for v := lo; v <= hi; v++ {
				out = append(out, v)
			}
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", f)
		}
		out = append(out, v)
	}
	seen := map[int]bool{}
	for _, v := range out {
		if seen[v] {
			return nil, fmt.Errorf("%d is listed twice", v)
		}
		seen[v] = true
	}
	return out, nil
}

// maxSeeds bounds a -seeds list: each seed is a model to train.
const maxSeeds = 100000

// parseSeed reads one seed: an integer in [0, 2⁶⁴).
func parseSeed(s string) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		if strings.HasPrefix(strings.TrimSpace(s), "-") {
			return 0, fmt.Errorf("%q is negative: seeds are integers >= 0", s)
		}
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is larger than the largest seed %d", s, uint64(math.MaxUint64))
		}
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return v, nil
}

// parseSeeds reads the -seeds flag: seeds and ranges LO-HI, each seed once.
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	seen := map[uint64]bool{}
	add := func(v uint64) error {
		if seen[v] {
			return fmt.Errorf("-seeds: seed %d is listed twice", v)
		}
		if len(out) == maxSeeds {
			return fmt.Errorf("-seeds: more than %d seeds; split the work into several runs or shards", maxSeeds)
		}
		seen[v] = true
		out = append(out, v)
		return nil
	}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if a, b, ok := strings.Cut(f, "-"); ok && a != "" {
			lo, err := parseSeed(a)
			if err != nil {
				return nil, fmt.Errorf("-seeds: %w", err)
			}
			hi, err := parseSeed(b)
			if err != nil {
				return nil, fmt.Errorf("-seeds: %w", err)
			}
			if hi < lo {
				return nil, fmt.Errorf("-seeds: bad range %q (write LO-HI with LO <= HI)", f)
			}
			if hi-lo >= maxSeeds {
				return nil, fmt.Errorf("-seeds: range %q holds more than %d seeds; split the work into several runs or shards", f, maxSeeds)
			}
			for v := lo; ; v++ {
				if err := add(v); err != nil {
					return nil, err
				}
				if v == hi {
					break
				}
			}
			continue
		}
		v, err := parseSeed(f)
		if err != nil {
			return nil, fmt.Errorf("-seeds: %w", err)
		}
		if err := add(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func runSweep(args []string) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	out := fs.String("out", "", "sweep directory: runs/ and results-I-of-N.{json,csv} (required)")
	baseConfig := configFlags(fs)
	seeds := fs.String("seeds", "0", "seeds, e.g. 0-9 or 0,3,7")
	ps := fs.String("p", "", "moduli, e.g. 31,59 (default: the preset's)")
	widths := fs.String("width", "", "MLP widths, e.g. 256,512")
	alphas := fs.String("alpha", "", "attention alphas, e.g. 1,0.5,0")
	acts := fs.String("act", "", "activations, e.g. relu,gelu")
	shard := fs.String("shard", "0/1", "run the I-th of N disjoint parts (I/N), for job arrays")
	batch := fs.Int("batch", -1, "train up to N seeds of a grid point together in one graph (default: all of them on XLA, 1 on the pure-Go backend, where batching gains nothing)")
	quiet := fs.Bool("q", false, "no progress bars")
	weightsOnly := fs.Bool("weights-only", false, "save finished runs without optimiser state (smaller; cannot be trained further)")
	measureOnly := fs.Bool("measure-only", false, "train nothing: tabulate the runs already trained to their epochs, skip the others")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out DIR is required")
	}
	base, err := baseConfig()
	if err != nil {
		return err
	}
	g := sweep.Grid{Base: base}
	if g.Seeds, err = parseSeeds(*seeds); err != nil {
		return err
	}
	if g.Ps, err = parseInts(*ps); err != nil {
		return fmt.Errorf("-p: %w", err)
	}
	if g.Widths, err = parseInts(*widths); err != nil {
		return fmt.Errorf("-width: %w", err)
	}
	for _, a := range strings.Split(*alphas, ",") {
		if a = strings.TrimSpace(a); a != "" {
			v, err := strconv.ParseFloat(a, 64)
			if err != nil {
				return fmt.Errorf("-alpha: %q is not a number", a)
			}
			if slices.Contains(g.Alphas, v) {
				return fmt.Errorf("-alpha: %v is listed twice", v)
			}
			g.Alphas = append(g.Alphas, v)
		}
	}
	for _, a := range strings.Split(*acts, ",") {
		if a = strings.TrimSpace(a); a != "" {
			if slices.Contains(g.Acts, config.Activation(a)) {
				return fmt.Errorf("-act: %s is listed twice", a)
			}
			g.Acts = append(g.Acts, config.Activation(a))
		}
	}
	i, n, err := sweep.ParseShard(*shard)
	if err != nil {
		return err
	}
	runs, err := g.Runs()
	if err != nil {
		return err
	}
	mine, err := sweep.Shard(runs, i, n)
	if err != nil {
		return err
	}
	be, err := model.Backend()
	if err != nil {
		return err
	}
	if *batch < 0 {
		*batch = 1
		if strings.HasPrefix(model.BackendConfig(), "xla") {
			*batch = len(g.Seeds)
		}
	}
	fmt.Fprintf(os.Stderr, "sweep: %d runs in the grid, %d in shard %d/%d, up to %d seeds at a time, into %s\n", len(runs), len(mine), i, n, max(*batch, 1), *out)
	ctx, stop := stopContext()
	defer stop()
	rows, err := sweep.Execute(mine, *out, sweep.Options{Backend: be, Shard: i, Shards: n, Batch: *batch, Progress: !*quiet, Log: os.Stderr, Context: ctx,
		WeightsOnly: *weightsOnly, MeasureOnly: *measureOnly})
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted after %d finished runs; the runs in training saved a checkpoint: run the same command to resume", len(rows))
	}
	if err != nil {
		return err
	}
	fmt.Printf("%d runs done: %s\n", len(rows), filepath.Join(*out, fmt.Sprintf("results-%d-of-%d.csv", i, n)))
	return nil
}

func runMerge(args []string) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	out := fs.String("out", "", "merged table, written as OUT.json and OUT.csv (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return errors.New("usage: modadd merge -out BASE results-*.json")
	}
	rows, err := sweep.Merge(fs.Args())
	if err != nil {
		return err
	}
	if err := sweep.Write(strings.TrimSuffix(*out, ".json"), rows); err != nil {
		return err
	}
	fmt.Printf("%d runs merged into %s.json and .csv\n", len(rows), strings.TrimSuffix(*out, ".json"))
	return nil
}
