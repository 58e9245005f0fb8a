// The run loop: steps, evaluations, checkpoints and progress.

package train

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/progress"
)

// run trains to cfg.Epochs, saving model s into dirs[s] (none if dirs is nil).
func (r *Trainer) run(opts Options, dirs []string) ([]*checkpoint.Checkpoint, error) {
	cfg, cks := r.cfg, r.cks
	startWall := cks[0].Meta.WallSeconds
	t0 := time.Now()
	elapsed := func() float64 { return startWall + time.Since(t0).Seconds() }
	for _, ck := range cks {
		ck.Meta.Backend = opts.BackendName
		if opts.Command != "" {
			ck.Meta.Command = opts.Command
		}
		if n := r.layout.batch(); n > 0 {
			ck.Meta.SeedBatch = n
		}
	}
	record := func() error {
		ms, err := r.Metrics()
		if err != nil {
			return err
		}
		if opts.OnMetrics != nil {
			r.Checkpoints() // the weights of this epoch, for the callback
		}
		for s, ck := range cks {
			ms[s].Seconds = elapsed()
			ck.History = append(ck.History, ms[s])
			if opts.OnMetrics != nil {
				opts.OnMetrics(ms[s], ck.Params)
			}
		}
		return nil
	}
	save := func(final bool) error {
		r.Checkpoints()
		wall := elapsed()
		for _, ck := range cks {
			ck.Meta.WallSeconds = wall
			if final && opts.WeightsOnly && dirs != nil {
				ck.AdamM, ck.AdamV = nil, nil
			}
		}
		if dirs == nil {
			return nil
		}
		return parallel(len(cks), func(s int) error { return checkpoint.Save(dirs[s], cks[s]) })
	}
	if cks[0].Epoch == 0 && len(cks[0].History) == 0 {
		if err := record(); err != nil {
			return nil, err
		}
	}
	var bar *progress.Bar
	if opts.Progress {
		what := "train"
		if len(cks) > 1 {
			what = fmt.Sprintf("train %d seeds", len(cks))
		}
		bar = progress.New(what, r.epoch, cfg.Epochs, nil)
		if r.epoch > 0 {
			bar.Log(fmt.Sprintf("resuming at epoch %d of %d", r.epoch, cfg.Epochs))
		}
	}
	for r.epoch < cfg.Epochs {
		if err := opts.Context.Err(); err != nil {
			if serr := save(false); serr != nil {
				return nil, serr
			}
			if bar != nil {
				bar.Log(fmt.Sprintf("stopped at epoch %d: run the same command again to resume", r.epoch))
			}
			return cks, err
		}
		loss, err := r.Step()
		if err != nil {
			return nil, err
		}
		done := r.epoch
		if done%cfg.EvalEvery == 0 || done == cfg.Epochs {
			if err := record(); err != nil {
				return nil, err
			}
		}
		if bar != nil {
			bar.Update(done, status(cks, loss))
		}
		if done%cfg.CheckpointEvery == 0 && done < cfg.Epochs {
			if err := save(false); err != nil {
				return nil, err
			}
		}
	}
	if bar != nil {
		bar.Done(cfg.Epochs)
	}
	if err := save(true); err != nil {
		return nil, err
	}
	return cks, nil
}

// status is the progress line: the loss and the last evaluation, or for a
// seed batch the mean loss and how many models generalise.
func status(cks []*checkpoint.Checkpoint, loss float64) string {
	m, ok := cks[0].Last()
	if len(cks) == 1 {
		s := fmt.Sprintf("loss %.3g", loss)
		if ok {
			s += fmt.Sprintf(" | epoch %d: train acc %.3f held-out acc %.3f", m.Epoch, m.TrainAcc, m.HeldoutAcc)
		}
		return s
	}
	s := fmt.Sprintf("mean loss %.3g", loss)
	if ok {
		n := 0
		for _, ck := range cks {
			if l, _ := ck.Last(); l.HeldoutAcc == 1 {
				n++
			}
		}
		s += fmt.Sprintf(" | epoch %d: %d of %d at held-out acc 1", m.Epoch, n, len(cks))
	}
	return s
}

// parallel runs f(0), ..., f(n−1) on up to GOMAXPROCS goroutines (the
// per-model metrics and checkpoint files of a seed batch) and joins their
// errors.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
