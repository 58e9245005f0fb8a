from common import SETUP

NAME = "01-training"
CELLS = [
("markdown", r"""# 1. Training a transformer to add modulo p

This notebook trains the model that the rest of the workbench takes apart. The task is modular
addition: given two tokens $a, b \in \mathbb{Z}_p$ the network must output $(a + b) \bmod p$.
There are only $p^2$ inputs ($3481$ for $p = 59$); a seeded shuffle keeps $80\%$ of them for
training and holds the rest out, so a model that only memorises scores nothing on the held-out pairs.

The model is the *pizza* configuration of Yip, Agrawal, Chan and Gross (arXiv 2412.03773): a
one-layer transformer with a constant attention pattern (each of the two positions gets weight $1/2$),
a ReLU MLP of 512 neurons and untied embeddings. With tokens $t_0 = a$, $t_1 = b$:

$$x = W_E[b] + W_{pos}[1] + \tfrac12 \sum_h \big(v_h(a) + v_h(b)\big) W_O^h, \qquad
\text{logits} = \big(x + \mathrm{ReLU}(x W_{in} + b_{in}) W_{out} + b_{out}\big) W_U .$$

Everything here is a call into the `modadd` library (`pkg/`); the cells only choose parameters and
show results. The first cell points this notebook at the project's own module."""),
SETUP,
("markdown", r"""## The configuration

`config.Default()` is the pizza preset with the authors' hyperparameters: AdamW (lr $10^{-3}$, weight
decay $1$, $\beta = (0.9, 0.98)$), full-batch steps, the learning rate warmed up over the first 10
epochs, 10,000 epochs. `config.Preset("clock")` switches to ordinary softmax attention
($\alpha = 0$) and `config.Preset("zhong")` to Zhong et al.'s variant. Any field can be changed before
training; the table lists them all."""),
("code", """import (
	"fmt"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/nb"
	"github.com/modadd/modadd/pkg/train"
)

%%
cfg := config.Default()
fmt.Printf("trainable parameters: %d\\n", cfg.NumTrainable())
nb.KeyValues(cfg)"""),
("markdown", r"""## A short live run

Training the full 10,000 epochs takes about 20 minutes on two CPU cores, so here we watch the first
300 epochs of the same model (seed 1), evaluating every 20 epochs. The training accuracy climbs first;
the held-out accuracy follows once the network stops memorising and finds the general algorithm
("grokking"), which for this configuration happens within a few hundred epochs.

Alongside, a `measures.Tracker` records Nanda et al.'s *progress measures* at every evaluation: the
**restricted loss** keeps only the components of the logits along the embedding's key frequencies
(as functions of $a+b$), the **excluded loss** removes them. When the restricted loss falls with the
train loss while the excluded loss rises, the model computes with those frequencies, not by memory."""),
("code", """import "github.com/modadd/modadd/pkg/measures"

%%
cfg := config.Default()
cfg.Seed = 1
cfg.Epochs = 300
cfg.EvalEvery = 20
tracker := &measures.Tracker{Config: cfg}
ck := nb.Must1(train.Train(cfg, train.Options{Progress: true, OnMetrics: tracker.OnMetrics}))
nb.Must(tracker.Err)
last, _ := ck.Last()
fmt.Printf("after %d epochs: train accuracy %.3f, held-out accuracy %.3f, %.0f s\\n", last.Epoch, last.TrainAcc, last.HeldoutAcc, last.Seconds)
nb.Show("01-live-run-curves", figures.TrainingCurves("live run, seed 1", ck.History))
var ep []int
var tr, ho, re, ex, ke, gs []float64
for _, pt := range tracker.Points {
	ep, tr, ho, re, ex = append(ep, pt.Epoch), append(tr, pt.TrainLoss), append(ho, pt.HeldoutLoss), append(re, pt.Restricted), append(ex, pt.Excluded)
	ke, gs = append(ke, pt.KeyEnergy), append(gs, pt.GradientSymmetricity)
}
nb.Show("01-live-run-progress", figures.Progress("live run, seed 1", ep, tr, ho, re, ex, ke, gs))"""),
("markdown", r"""## The shipped model

`models/p59-pizza-seed0` was trained by `modadd train -seed 0 -weights-only -out models/p59-pizza-seed0`
for the full 10,000 epochs; its metadata records the backend, the wall time and the metrics every
100 epochs. Loading it takes milliseconds, and the later notebooks all start from it."""),
("code", """%%
dir := nb.Path("models", "p59-pizza-seed0")
ck := nb.Must1(checkpoint.Load(dir))
fmt.Print(ck.Describe())
nb.Show("01-shipped-model-curves", figures.TrainingCurves("p=59 pizza, seed 0", ck.History))"""),
("markdown", r"""We re-evaluate it here on all $p^2$ pairs rather than trusting the record: every sum must be right."""),
("code", """import "github.com/modadd/modadd/pkg/model"

%%
ck := nb.Must1(checkpoint.Load(nb.Path("models", "p59-pizza-seed0")))
be := nb.Must1(model.Backend())
logits := nb.Must1(model.AllLogits(be, ck.Config, ck.Params, ck.Config.DType))
split := nb.Must1(train.SplitOf(ck.Config))
m := nb.Must1(train.Measure(logits, split, ck.Epoch))
nb.Table([]string{"pairs", "accuracy", "loss"}, [][]string{
	{fmt.Sprintf("train (%d)", len(split.Train)), fmt.Sprintf("%.4f", m.TrainAcc), fmt.Sprintf("%.3g", m.TrainLoss)},
	{fmt.Sprintf("held-out (%d)", len(split.Heldout)), fmt.Sprintf("%.4f", m.HeldoutAcc), fmt.Sprintf("%.3g", m.HeldoutLoss)},
	{fmt.Sprintf("all (%d)", ck.Config.P*ck.Config.P), fmt.Sprintf("%.4f", m.Acc), fmt.Sprintf("%.3g", m.Loss)},
})"""),
("markdown", r"""## Your own run

From the command line, the same training (resumable: run it again after an interruption and it
continues from the last checkpoint):

```
go run ./cmd/modadd train -config pizza -p 59 -seed 3 -out runs/p59-seed3
go run ./cmd/modadd train -config clock -set "d_mlp=256;act=gelu" -out runs/clock-gelu
go run ./cmd/modadd eval -model runs/p59-seed3 -json
```

In a notebook, change `cfg` above and call `train.Train(cfg, train.Options{Dir: "…", Progress: true})`."""),
]
