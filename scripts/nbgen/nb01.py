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

The full 10,000 epochs took about half an hour on two CPU cores when the shipped model was trained
(its recorded wall time is printed further down; the training step has become faster since, and
the live run below prints its own time), so here we watch the first 300 epochs of the same model (seed 1),
evaluating every 20 epochs.

Alongside, an `analysis.Tracker` records Nanda et al.'s *progress measures* at every evaluation: the
**restricted loss** keeps only the components of the logits along the embedding's key frequencies
(as functions of $a+b$), the **excluded loss** removes them. (Here the key frequencies are those
holding at least 5% of the embedding's energy at each evaluation; Nanda et al. fix the final model's.) When the restricted loss falls with the
train loss while the excluded loss rises, the model computes with those frequencies, not by memory."""),
("code", """import (
	"github.com/modadd/modadd/pkg/analysis"
	"github.com/modadd/modadd/pkg/checkpoint"
)

// firstEpoch is the first recorded epoch at which ok holds (-1: never).
func firstEpoch(h []checkpoint.Metrics, ok func(checkpoint.Metrics) bool) int {
	for _, m := range h {
		if ok(m) {
			return m.Epoch
		}
	}
	return -1
}

%%
cfg := config.Default()
cfg.Seed = 1
cfg.Epochs = 300
cfg.EvalEvery = 20
tracker := &analysis.Tracker{Config: cfg}
opts := train.Options{Progress: true, OnMetrics: tracker.OnMetrics}
ck := nb.Must1(train.Train(cfg, opts))
nb.Must(tracker.Err)
last, _ := ck.Last()
fmt.Printf("after %d epochs (%.0f s): train accuracy %.3f, held-out accuracy %.3f; loss %.2g train, %.2g held-out\\n",
	last.Epoch, last.Seconds, last.TrainAcc, last.HeldoutAcc, last.TrainLoss, last.HeldoutLoss)
h := ck.History
trainAt := firstEpoch(h, func(m checkpoint.Metrics) bool { return m.TrainAcc >= 0.99 })
for _, m := range h {
	if m.Epoch == trainAt {
		fmt.Printf("train accuracy >= 0.99 first at epoch %d, when held-out accuracy is %.3f\\n", m.Epoch, m.HeldoutAcc)
	}
}
fmt.Printf("held-out accuracy >= 0.9 first at epoch %d, >= 0.95 at epoch %d\\n",
	firstEpoch(h, func(m checkpoint.Metrics) bool { return m.HeldoutAcc >= 0.9 }),
	firstEpoch(h, func(m checkpoint.Metrics) bool { return m.HeldoutAcc >= 0.95 }))
nb.Show("01-live-run-curves", figures.TrainingCurves("live run, seed 1", h))
nb.Show("01-live-run-progress", figures.Progress("live run, seed 1", tracker.Points))
first, end := tracker.Points[0], tracker.Points[len(tracker.Points)-1]
fmt.Printf("excluded loss: %.2f at epoch %d, %.2f at epoch %d; restricted loss %.3g at the end\\n",
	first.Excluded, first.Epoch, end.Excluded, end.Epoch, end.Restricted)
for _, pt := range tracker.Points {
	if pt.Epoch == 100 || pt.Epoch == end.Epoch {
		fmt.Printf("epoch %d: gradient symmetricity %.3f, key frequencies' share of the embedding's energy %.2f\\n", pt.Epoch, pt.GradientSymmetricity, pt.KeyEnergy)
	}
}"""),
("markdown", r"""What the curves show: the training accuracy climbs from chance to nearly 1 within the first
hundred epochs, and the held-out accuracy rises with it, a few tens of epochs behind, to most of the
way; the rest of the held-out pairs then come slowly, over the next couple of hundred epochs, and a
few are still wrong at the end of this short run (the epochs and accuracies are printed above). This is not *grokking*, the long plateau of memorisation before a
sudden generalisation that Power et al. saw with small training fractions: with 80% of the pairs in
the training set and weight decay 1, this model generalises almost as soon as it fits. What lags
most is the held-out *loss*, which stays one to two orders of magnitude above the train loss and
keeps falling after the train accuracy has saturated. The progress measures say how: the restricted loss (key frequencies only)
falls with the train loss, while the excluded loss (key frequencies removed) climbs far above the
loss of guessing ($\ln 59 \approx 4.08$): the logits are made of the key frequencies. On the right,
the gradient symmetricity is near 1 early, while the key frequencies' share of the embedding's energy
rises more slowly (both printed above)."""),
("markdown", r"""## The shipped model

`models/p59-pizza-seed0` was trained by `modadd train -seed 0 -weights-only -out models/p59-pizza-seed0`
for the full 10,000 epochs; its metadata records the backend, the wall time and the metrics every
100 epochs. Loading it takes milliseconds, and the later notebooks all start from it. The epoch
axis is logarithmic: everything happens in the first 1,500 epochs (printed below); the rest holds
the losses at a floor of about $10^{-7}$, the precision of float32."""),
("code", """%%
dir := nb.Path("models", "p59-pizza-seed0")
ck := nb.Must1(checkpoint.Load(dir))
fmt.Print(ck.Describe())
fmt.Printf("training took %.0f minutes (meta.json)\\n", ck.Meta.WallSeconds/60)
h := ck.History
final := h[len(h)-1]
fmt.Printf("held-out accuracy 1 first at epoch %d; train loss within 10%% of its final %.2g from epoch %d\\n",
	firstEpoch(h, func(m checkpoint.Metrics) bool { return m.HeldoutAcc >= 1 }), final.TrainLoss,
	firstEpoch(h, func(m checkpoint.Metrics) bool { return m.TrainLoss <= 1.1*final.TrainLoss }))
nb.Show("01-shipped-model-curves", figures.TrainingCurves("p=59 pizza, seed 0", h))"""),
("markdown", r"""We re-evaluate it here on all $p^2$ pairs rather than trusting the record: every sum must be right."""),
("code", """import (
	"github.com/modadd/modadd/pkg/metrics"
	"github.com/modadd/modadd/pkg/model"
)

%%
ck := nb.Must1(checkpoint.Load(nb.Path("models", "p59-pizza-seed0")))
be := nb.Must1(model.Backend())
logits := nb.Must1(model.AllLogits(be, ck.Config, ck.Params, ck.Config.DType))
split := nb.Must1(metrics.SplitOf(ck.Config))
m := nb.Must1(metrics.Measure(logits, split, ck.Epoch))
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
