package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/modadd/modadd/pkg/analysis"
	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/mechanism"
	"github.com/modadd/modadd/pkg/proof"
)

func runFigures(args []string) error {
	fs := flag.NewFlagSet("figures", flag.ContinueOnError)
	dir := fs.String("model", "", "model directory (required)")
	out := fs.String("out", "", "directory to write the figures to (required)")
	format := fs.String("format", "svg", "svg or png")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *out == "" {
		return errors.New("-model DIR and -out DIR are required")
	}
	if *format != "svg" && *format != "png" {
		return fmt.Errorf("-format %q: use svg or png", *format)
	}
	m, err := analysis.Open(*dir)
	if err != nil {
		return err
	}
	r := m.Report
	figs := []*figures.Figure{
		figures.TrainingCurves("", m.Checkpoint.History),
		figures.EmbeddingSpectrum(m.Checkpoint.Params.Must("W_E")),
	}
	if m.Tables != nil {
		figs = append(figs,
			figures.NeuronFrequencies(r.P, r.Fits),
			figures.PreActivation(m.Tables, r.Fits[r.Clusters[0].Neurons[0]]),
			figures.PhaseDoubling(r.Fits, r.Clusters, mechanism.MinMainSize(len(r.Fits))))
		if f, err := figures.IdealVsActual(m.Tables, r.Fits, r.Clusters); err == nil {
			figs = append(figs, f)
		} else {
			skipped("ideal-against-actual", err)
		}
		if in, err := analysis.Integrate(m.Tables, r.Fits, r.Clusters, mechanism.MinMainSize(len(r.Fits)), 0); err != nil {
			skipped("quadrature", err)
		} else if len(in.Clusters) > 0 {
			c := in.Clusters[0]
			figs = append(figs, figures.QuadratureRectangles(fmt.Sprintf("cluster k = %d as rectangles", c.K), c.Rule, m.Tables.Act.Func(), 0.3))
			var ns []int
			var a, b, d []float64
			for _, s := range c.ErrorVsN {
				ns, a, b, d = append(ns, s.N), append(a, s.Model), append(b, s.Equispaced), append(d, s.Random)
			}
			figs = append(figs, figures.ErrorVsNodes(fmt.Sprintf("cluster k = %d", c.K), ns, a, b, d))
		}
	}
	if m.Tables != nil && m.Checkpoint.Config.Act == config.ReLU {
		pm, err := m.Proof()
		var pr *proof.Report
		if err == nil {
			pr, err = proof.RunModel(pm)
		}
		if err != nil {
			skipped("proof", err)
		} else {
			figs = append(figs, figures.Frontier("proof frontier", pr))
			for _, c := range pr.Strategies {
				if c.Strategy == "linear" || c.Strategy == "arc" || c.Strategy == "fourier-U/1" {
					b := figures.Budget(c)
					b.Name = "proof-budget-" + strings.ReplaceAll(c.Strategy, "/", "")
					cf := figures.Certified(c, r.P)
					cf.Name = "proof-certified-" + strings.ReplaceAll(c.Strategy, "/", "")
					figs = append(figs, b, cf)
				}
			}
		}
	}
	for _, f := range figs {
		path, err := f.Save(*out, *format)
		if err != nil {
			return err
		}
		fmt.Println(path)
	}
	return nil
}

// skipped says which figures a model could not give, and why.
func skipped(what string, err error) {
	fmt.Fprintf(os.Stderr, "no %s figures: %v\n", what, err)
}

func runProve(args []string) error {
	var strategy *string
	dir, asJSON, err := modelFlags("prove", args, func(fs *flag.FlagSet) {
		strategy = fs.String("strategy", "", "strategies, comma-separated (brute-force, linear, arc-signed, arc-signed/T, arc, arc-U/T, fourier-U/T; arc-signed[/T]+W adds W waves of U; 'arc-signed/T without chords' and the like switch its ideas off); default: all")
	})
	if err != nil {
		return err
	}
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return err
	}
	// Several strategies in one run share the folding and brute force.
	var ss []proof.Strategy
	if *strategy != "" {
		seen := map[string]bool{}
		for _, name := range strings.Split(*strategy, ",") {
			s, err := proof.ByName(strings.TrimSpace(name))
			if err != nil {
				return err
			}
			if seen[s.Name()] {
				return fmt.Errorf("prove: strategy %q given twice", s.Name())
			}
			seen[s.Name()] = true
			ss = append(ss, s)
		}
	}
	r, err := proof.Run(ck.Config, ck.Params, ss...)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(r)
	}
	fmt.Printf("%s\n%s", dir, r.Text())
	return nil
}
