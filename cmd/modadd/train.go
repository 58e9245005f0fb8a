package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/modadd/modadd/pkg/analysis"
	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/metrics"
	"github.com/modadd/modadd/pkg/model"
	"github.com/modadd/modadd/pkg/train"
)

func runTrain(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	baseConfig := configFlags(fs)
	p := fs.Int("p", 0, "modulus (default: the preset's, 59)")
	seed := fs.String("seed", "", "seed of the data split and the initial weights, an integer >= 0 (default 0)")
	seedList := fs.String("seeds", "", "train one model per seed, all in one graph, e.g. 0-151 or 0,3,7: model s goes to OUT/seed<s>")
	out := fs.String("out", "", "model directory (required); training resumes if it holds a checkpoint")
	weightsOnly := fs.Bool("weights-only", false, "drop the optimiser state from the final checkpoint (smaller; cannot be resumed); given for a finished run, drops it from its checkpoint")
	quiet := fs.Bool("q", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out DIR is required (the model directory to write)")
	}
	cfg, err := baseConfig()
	if err != nil {
		return err
	}
	if *p != 0 {
		cfg.P = *p
	}
	if *seed != "" {
		v, err := parseSeed(*seed)
		if err != nil {
			return fmt.Errorf("-seed: %w", err)
		}
		cfg.Seed = v
	}
	var seeds []uint64
	if *seedList != "" {
		if *seed != "" {
			return errors.New("give -seed or -seeds, not both")
		}
		var err error
		if seeds, err = parseSeeds(*seedList); err != nil {
			return err
		}
		if len(seeds) == 0 {
			return errors.New("-seeds: no seeds given")
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	ctx, stop := stopContext()
	defer stop()
	opts := train.Options{
		Dir: *out, Command: commandLine("train", args), Progress: !*quiet, Context: ctx, WeightsOnly: *weightsOnly,
	}
	if seeds != nil {
		return trainSeeds(cfg, seeds, *out, opts)
	}
	fmt.Fprintf(os.Stderr, "training %s (p=%d, seed=%d, %d trainable parameters) for %d epochs on backend %s into %s\n",
		cfg.Preset, cfg.P, cfg.Seed, cfg.NumTrainable(), cfg.Epochs, model.BackendConfig(), *out)
	ck, err := train.Train(cfg, opts)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted at epoch %d; the checkpoint in %s is saved: run the same command to resume", ck.Epoch, *out)
		}
		return err
	}
	if m, ok := ck.Last(); ok {
		fmt.Printf("epoch %d: train loss %.3g acc %.4f | held-out loss %.3g acc %.4f | all pairs acc %.4f | %.1f s\n",
			m.Epoch, m.TrainLoss, m.TrainAcc, m.HeldoutLoss, m.HeldoutAcc, m.Acc, ck.Meta.WallSeconds)
	}
	return nil
}

// configFlags registers -config, -set and -epochs on fs; the function it
// returns builds the config they describe, once fs is parsed.
func configFlags(fs *flag.FlagSet) func() (config.Config, error) {
	preset := fs.String("config", "pizza", "preset: "+strings.Join(config.Presets, ", "))
	set := fs.String("set", "", "overrides key=value;key=value (keys: "+strings.Join(config.Keys(), ", ")+")")
	epochs := fs.Int("epochs", -1, "epochs to train in total, >= 1 (default: the preset's)")
	return func() (config.Config, error) {
		c, err := config.Preset(*preset)
		if err != nil {
			return c, err
		}
		if err := c.Set(*set); err != nil {
			return c, err
		}
		switch {
		case *epochs >= 1:
			c.Epochs = *epochs
		case *epochs != -1:
			return c, fmt.Errorf("-epochs %d: give a number of epochs >= 1, or leave the flag out for the preset's %d", *epochs, c.Epochs)
		}
		return c, nil
	}
}

// stopContext is cancelled by Ctrl-C (SIGINT) and by SIGTERM, which is how
// Slurm, Kubernetes and `kill` stop a job: either way the run checkpoints
// before it exits.
func stopContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// trainSeeds trains one model per seed in one graph and prints a line per model.
func trainSeeds(cfg config.Config, seeds []uint64, parent string, opts train.Options) error {
	fmt.Fprintf(os.Stderr, "training %d models of %s (p=%d, seeds %d..%d, %d trainable parameters each) together for %d epochs on backend %s into %s/seed*\n",
		len(seeds), cfg.Preset, cfg.P, seeds[0], seeds[len(seeds)-1], cfg.NumTrainable(), cfg.Epochs, model.BackendConfig(), parent)
	dirs := train.SeedDirs(parent, seeds)
	opts.Dir, opts.Dirs = "", dirs
	cks, err := train.TrainSeeds(cfg, seeds, opts)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; the checkpoints in %s/seed* are saved: run the same command to resume", parent)
		}
		return err
	}
	generalised := 0
	for i, ck := range cks {
		if m, ok := ck.Last(); ok {
			fmt.Printf("%s: epoch %d: train loss %.3g | held-out acc %.4f | all pairs acc %.4f\n", dirs[i], m.Epoch, m.TrainLoss, m.HeldoutAcc, m.Acc)
			if m.Acc == 1 {
				generalised++
			}
		}
	}
	fmt.Printf("%d of %d models reach accuracy 1 on all pairs; %.1f s for the batch\n", generalised, len(cks), cks[0].Meta.WallSeconds)
	return nil
}

// evalResult is the JSON of `modadd eval`.
type evalResult struct {
	P               int          `json:"p"`
	Pairs           int          `json:"pairs"`
	Accuracy        float64      `json:"accuracy"`
	TrainAccuracy   float64      `json:"train_accuracy"`
	HeldoutAccuracy float64      `json:"heldout_accuracy"`
	Loss            float64      `json:"loss"`
	TrainLoss       float64      `json:"train_loss"`
	HeldoutLoss     float64      `json:"heldout_loss"`
	Epoch           int          `json:"epoch"`
	Backend         string       `json:"backend"`
	DType           config.DType `json:"dtype"`
}

func runEval(args []string) error {
	dir, asJSON, err := modelFlags("eval", args, nil)
	if err != nil {
		return err
	}
	ck, be, err := loadModel(dir)
	if err != nil {
		return err
	}
	cfg := ck.Config
	logits, err := model.AllLogits(be, cfg, ck.Params, cfg.DType)
	if err != nil {
		return err
	}
	split, err := metrics.SplitOf(cfg)
	if err != nil {
		return err
	}
	m, err := metrics.Measure(logits, split, ck.Epoch)
	if err != nil {
		return err
	}
	r := evalResult{P: cfg.P, Pairs: cfg.P * cfg.P, Accuracy: m.Acc, TrainAccuracy: m.TrainAcc, HeldoutAccuracy: m.HeldoutAcc,
		Loss: m.Loss, TrainLoss: m.TrainLoss, HeldoutLoss: m.HeldoutLoss, Epoch: ck.Epoch, Backend: model.BackendConfig(), DType: cfg.DType}
	if asJSON {
		return printJSON(r)
	}
	fmt.Printf("%s (epoch %d, p=%d, %s on %s)\n", dir, r.Epoch, r.P, r.DType, r.Backend)
	fmt.Printf("  all %d pairs: accuracy %.4f  loss %.4g\n", r.Pairs, r.Accuracy, r.Loss)
	fmt.Printf("  train (%d):   accuracy %.4f  loss %.4g\n", len(split.Train), r.TrainAccuracy, r.TrainLoss)
	fmt.Printf("  held-out (%d): accuracy %.4f  loss %.4g\n", len(split.Heldout), r.HeldoutAccuracy, r.HeldoutLoss)
	return nil
}

func runInfo(args []string) error {
	dir, asJSON, err := modelFlags("info", args, nil)
	if err != nil {
		return err
	}
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(map[string]any{"config": ck.Config, "epoch": ck.Epoch, "meta": ck.Meta, "history": ck.History, "weights_only": ck.WeightsOnly()})
	}
	fmt.Printf("%s\n%s", dir, ck.Describe())
	return nil
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runAnalyze(args []string) error {
	dir, asJSON, err := modelFlags("analyze", args, nil)
	if err != nil {
		return err
	}
	ck, be, err := loadModel(dir)
	if err != nil {
		return err
	}
	r, err := analysis.Analyze(be, ck)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(r)
	}
	fmt.Printf("%s\n%s", dir, r.Text())
	return nil
}

func runIntegrate(args []string) error {
	var seed *uint64
	dir, asJSON, err := modelFlags("integrate", args, func(fs *flag.FlagSet) {
		seed = fs.Uint64("seed", 0, "seed of the random comparison rules")
	})
	if err != nil {
		return err
	}
	m, err := analysis.Open(dir)
	if err != nil {
		return err
	}
	if m.Tables == nil {
		return fmt.Errorf("%s: the model's attention is not constant (alpha = %g), so its MLP is not a sum over a and b; the integration view needs alpha = 1", dir, m.Checkpoint.Config.Alpha)
	}
	in, err := analysis.Integrate(m.Tables, m.Report.Fits, m.Report.Clusters, mechanism.MinMainSize(len(m.Report.Fits)), *seed)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(in)
	}
	fmt.Printf("%s\n%s", dir, in.Text())
	return nil
}
