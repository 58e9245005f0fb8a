#!/usr/bin/env python3
"""modadd's default ("pizza") training run, in PyTorch, for a side-by-side benchmark.

    python3 bench/pytorch/train.py --epochs 200 --threads 2 --json

It trains the model that `modadd train` trains by default (pkg/config Default,
pkg/model, pkg/train), with the same work per epoch:

  model      p = 59, two input tokens [a, b], d_model 128, 4 heads of d_head 32,
             d_mlp 512, ReLU; constant attention (alpha = 1, attn_mix "mean"):
             each position weighs 1/2, so the attention output at the last
             position is mean_j (r_j W_V + b_V) W_O + b_O; logits from the last
             position; only b_in and b_out train, the other biases stay 0.
             W_Q and W_K are parameters too (212,608 trainable scalars, as in
             modadd) but with constant attention their gradient is exactly 0:
             AdamW then only decays them.
  init       every weight matrix N(0, (0.8/sqrt(d_model))^2), biases 0, float32.
  optimiser  torch.optim.AdamW, lr 1e-3, weight decay 1.0, betas (0.9, 0.98),
             eps 1e-8; the rate at epoch e (0-based) is lr*min(e/10, 1), so 0 at
             epoch 0; one full-batch step per epoch on the 2,784 training pairs
             (train_frac 0.8 of p^2 = 3,481).
  loss       cross-entropy with the log-softmax in float64 (the logits are
             float32, converted), mean over the training pairs.
  evaluation at epoch 0 and every --eval-every (100) epochs and at the end, as
             modadd: the logits of all p^2 pairs (float32, to float64), then
             the loss and accuracy (ties count as wrong) on the training pairs,
             the held-out pairs and all pairs.
  saving     with --out DIR, the weights and AdamW state every 1,000 epochs and
             at the end (modadd writes its checkpoint there too).

--rng modadd (the default) reproduces modadd's data split and initial weights
for --seed exactly: the same PCG-DXSM streams, Fisher-Yates pass and
Box-Muller transform as pkg/zp and pkg/model/init.go, in pure Python (about
0.2 s). --rng torch draws them from torch's generator instead.

--impl plain (the default) is the network as a PyTorch user writes it: embed,
attend, MLP, unembed, on the training pairs. --impl folded is modadd's algebra
(pkg/model's folded form): every linear map of a token embedding applied once
to the p-row vocabulary table, the MLP pre-activation as the outer sum
A[a] + B[b] over all p^2 pairs, the MLP reaching the logits through
W_out W_U, and the loss masked to the training pairs.

--json prints one JSON object on stdout: per-epoch step seconds, the
training-loop seconds (evaluations and saves included: what modadd records as
meta.json's wall_seconds), the process's wall, user and system CPU seconds and
peak RSS. Without --json it prints modadd's final line.
"""

import argparse
import json
import math
import os
import resource
import sys
import time

T_START = time.perf_counter()

# --- modadd's configuration (pkg/config Default) ----------------------------
P, D_MODEL, N_HEADS, D_HEAD, D_MLP = 59, 128, 4, 32, 512
N_CTX = 2
ATTN_C = 1.0 / N_CTX  # alpha = 1, attn_mix "mean": the constant pattern 1/n_ctx
INIT_SCALE = 0.8
TRAIN_FRAC = 0.8
LR, WARMUP, WEIGHT_DECAY = 1e-3, 10, 1.0
BETAS, EPS = (0.9, 0.98), 1e-8
EVAL_EVERY, CHECKPOINT_EVERY = 100, 1000

# config.Params order, TransformerLens shapes; (name, shape, trainable, bias).
PARAMS = [
    ("W_E", (P, D_MODEL), True, False),
    ("W_pos", (N_CTX, D_MODEL), True, False),
    ("W_Q", (N_HEADS, D_MODEL, D_HEAD), True, False),
    ("b_Q", (N_HEADS, D_HEAD), False, True),
    ("W_K", (N_HEADS, D_MODEL, D_HEAD), True, False),
    ("b_K", (N_HEADS, D_HEAD), False, True),
    ("W_V", (N_HEADS, D_MODEL, D_HEAD), True, False),
    ("b_V", (N_HEADS, D_HEAD), False, True),
    ("W_O", (N_HEADS, D_HEAD, D_MODEL), True, False),
    ("b_O", (D_MODEL,), False, True),
    ("W_in", (D_MODEL, D_MLP), True, False),
    ("b_in", (D_MLP,), True, True),
    ("W_out", (D_MLP, D_MODEL), True, False),
    ("b_out", (D_MODEL,), True, True),
    ("W_U", (D_MODEL, P), True, False),
    ("b_U", (P,), False, True),
]

# --- modadd's random streams (math/rand/v2 PCG-DXSM) -------------------------
_M64, _M128 = (1 << 64) - 1, (1 << 128) - 1
_MUL = (2549297995355413924 << 64) | 4865540595714422341
_INC = (6364136223846793005 << 64) | 1442695040888963407


class PCG:
    """Go's math/rand/v2 PCG (128-bit LCG, DXSM output): NewPCG(seed1, seed2)."""

    def __init__(self, seed1, seed2):
        self.s = ((seed1 & _M64) << 64) | (seed2 & _M64)

    def uint64(self):
        self.s = (self.s * _MUL + _INC) & _M128
        hi, lo = self.s >> 64, self.s & _M64
        hi ^= hi >> 32
        hi = (hi * 0xDA942042E4DD58B5) & _M64
        hi ^= hi >> 48
        return (hi * (lo | 1)) & _M64

    def uint64s(self, n):
        s, out = self.s, [0] * n
        for i in range(n):
            s = (s * _MUL + _INC) & _M128
            hi, lo = s >> 64, s & _M64
            hi ^= hi >> 32
            hi = (hi * 0xDA942042E4DD58B5) & _M64
            hi ^= hi >> 48
            out[i] = (hi * (lo | 1)) & _M64
        self.s = s
        return out


def modadd_split(p, frac, seed):
    """pkg/zp NewSplit: Fisher-Yates over the p^2 row-major pair indices."""
    n = p * p
    n_train = int(math.floor(frac * n))
    perm = list(range(n))
    rng = PCG(seed, 0x7A702D73706C6974)  # "zp-split"
    for i in range(n - 1, 0, -1):
        m = i + 1
        limit = _M64 - _M64 % m
        while True:
            v = rng.uint64()
            if v < limit:
                break
        j = v % m
        perm[i], perm[j] = perm[j], perm[i]
    return perm[:n_train], perm[n_train:]


def modadd_init(seed, np):
    """pkg/model Init ("pizza" rule): Box-Muller normals from one PCG stream,
    consumed by the weight matrices in config.Params order, rounded to float32."""
    sizes = [math.prod(shape) for _, shape, _, bias in PARAMS if not bias]
    total = sum(sizes)
    rng = PCG(seed, 0x6D6F64656C2D696E)  # "model-in"
    u = np.array(rng.uint64s(total + (total & 1)), dtype=np.uint64)
    u1 = ((u[0::2] >> np.uint64(11)) + np.uint64(1)).astype(np.float64) / float(1 << 53)
    u2 = (u[1::2] >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    r = np.sqrt(-2 * np.log(u1))
    z = np.empty(2 * len(r))
    z[0::2], z[1::2] = r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)
    sigma = INIT_SCALE / math.sqrt(D_MODEL)
    out, k = {}, 0
    for name, shape, _, bias in PARAMS:
        if bias:
            out[name] = np.zeros(shape, dtype=np.float32)
        else:
            size = math.prod(shape)
            out[name] = (sigma * z[k:k + size]).astype(np.float32).reshape(shape)
            k += size
    return out


# --- measurements ------------------------------------------------------------
def process_seconds():
    """Wall seconds since this process started (Linux, 10 ms resolution), else
    since this module started."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - T_START


def loaded_blas():
    """The BLAS libraries mapped into this process (which one torch uses)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return sorted(libs)
    except OSError:
        return []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=10000, help="epochs (full-batch steps), default 10000 as modadd")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the split and the initial weights (default 0)")
    ap.add_argument("--rng", choices=["modadd", "torch"], default="modadd",
                    help="modadd: modadd's exact split and initial weights for --seed; torch: torch's generator")
    ap.add_argument("--impl", choices=["plain", "folded"], default="plain",
                    help="plain: the network as written; folded: modadd's folded algebra")
    ap.add_argument("--eval-every", type=int, default=EVAL_EVERY, help="epochs between evaluations (default 100)")
    ap.add_argument("--out", default="", help="directory to save state.pt into (every 1000 epochs and at the end)")
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON on stdout")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args()
    if args.epochs < 1 or args.threads < 1 or args.eval_every < 1:
        ap.error("--epochs, --threads and --eval-every must be >= 1")

    import numpy as np
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    t_import = time.perf_counter()

    # --- data and initial weights ---
    n_all = P * P
    if args.rng == "modadd":
        train_idx, held_idx = modadd_split(P, TRAIN_FRAC, args.seed)
        init = {k: torch.from_numpy(v) for k, v in modadd_init(args.seed, np).items()}
    else:
        gen = torch.Generator().manual_seed(args.seed)
        perm = torch.randperm(n_all, generator=gen).tolist()
        n_train = int(math.floor(TRAIN_FRAC * n_all))
        train_idx, held_idx = perm[:n_train], perm[n_train:]
        sigma = INIT_SCALE / math.sqrt(D_MODEL)
        init = {}
        for name, shape, _, bias in PARAMS:
            t = torch.zeros(shape, dtype=torch.float32)
            if not bias:
                t.normal_(0.0, sigma, generator=gen)
            init[name] = t
    train_idx, held_idx = sorted(train_idx), sorted(held_idx)
    all_a = torch.arange(n_all) // P
    all_b = torch.arange(n_all) % P
    all_label = (all_a + all_b) % P
    tr = torch.tensor(train_idx)
    tr_a, tr_b, tr_label = all_a[tr], all_b[tr], all_label[tr]
    # The loss weights of the folded form: 1/|train| on the training rows.
    train_weight = torch.zeros(n_all, dtype=torch.float64)
    train_weight[tr] = 1.0 / len(train_idx)

    w = {}
    for name, shape, trainable, bias in PARAMS:
        w[name] = init[name].clone().requires_grad_(trainable)
    trainable = [w[name] for name, _, t, _ in PARAMS if t]
    n_trainable = sum(p.numel() for p in trainable)

    def plain_logits(a, b):
        """The network position by position (model.FromEmbeddings, alpha = 1)."""
        e0 = w["W_E"][a] + w["W_pos"][0]  # [N, d]
        e1 = w["W_E"][b] + w["W_pos"][1]
        # v_hj = r_j W_V[h] + b_V[h]; the constant pattern weighs each 1/2.
        v0 = torch.einsum("nd,hdk->nhk", e0, w["W_V"]) + w["b_V"]
        v1 = torch.einsum("nd,hdk->nhk", e1, w["W_V"]) + w["b_V"]
        z = ATTN_C * v0 + ATTN_C * v1  # [N, h, dh]
        attn = torch.einsum("nhk,hkd->nd", z, w["W_O"]) + w["b_O"]
        mid = e1 + attn
        post = torch.relu(mid @ w["W_in"] + w["b_in"])
        resid = mid + (post @ w["W_out"] + w["b_out"])
        return resid @ w["W_U"] + w["b_U"]

    def folded_logits():
        """modadd's folded form (model.ops.folded, alpha = 1): all p^2 pairs."""
        R0, R1 = w["W_E"] + w["W_pos"][0], w["W_E"] + w["W_pos"][1]  # [p, d]
        Win, WU = w["W_in"], w["W_U"]

        def heads(R):  # sum over heads of (R W_V + b_V) W_O: [p, d]
            return torch.einsum("phk,hkd->pd", torch.einsum("pd,hdk->phk", R, w["W_V"]) + w["b_V"], w["W_O"])

        h0, h1 = heads(R0), heads(R1)
        bO = w["b_O"]
        ta_in, ta_U = ATTN_C * (h0 @ Win), ATTN_C * (h0 @ WU)  # indexed by a
        tb_in = R1 @ Win + (bO @ Win + w["b_in"]) + ATTN_C * (h1 @ Win)  # indexed by b
        tb_U = R1 @ WU + ((bO + w["b_out"]) @ WU + w["b_U"]) + ATTN_C * (h1 @ WU)
        pre = (ta_in[:, None, :] + tb_in[None, :, :]).reshape(n_all, D_MLP)
        direct = (ta_U[:, None, :] + tb_U[None, :, :]).reshape(n_all, P)
        return direct + torch.relu(pre) @ (w["W_out"] @ WU)

    def loss_fn():
        if args.impl == "plain":
            return F.cross_entropy(plain_logits(tr_a, tr_b).double(), tr_label)
        logp = torch.log_softmax(folded_logits().double(), dim=-1)
        return -(logp.gather(1, all_label[:, None])[:, 0] * train_weight).sum()

    def all_logits():
        return plain_logits(all_a, all_b) if args.impl == "plain" else folded_logits()

    sets = {"train": tr, "heldout": torch.tensor(held_idx), "all": torch.arange(n_all)}

    def measure(epoch):
        """train.Measure: loss and accuracy (ties wrong) of all-pairs logits."""
        with torch.no_grad():
            lg = all_logits().double()
        correct_logit = lg.gather(1, all_label[:, None])  # [n, 1]
        row_loss = torch.logsumexp(lg, dim=-1) - correct_logit[:, 0]
        # Correct iff the label's logit is finite and every other logit is
        # strictly below it (NaN compares false, so it is never correct).
        below = lg < correct_logit
        below[torch.arange(n_all), all_label] = True
        ok = below.all(dim=1) & torch.isfinite(correct_logit[:, 0])
        m = {"epoch": epoch}
        for key, idx in sets.items():
            pre = "" if key == "all" else key + "_"
            m[pre + "loss"] = row_loss[idx].mean().item()
            m[pre + "accuracy"] = ok[idx].double().mean().item()
        return m

    opt = torch.optim.AdamW(trainable, lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: min(e / WARMUP, 1.0) if WARMUP > 0 else 1.0)
    # Gradients start as zeros and are zeroed in place: parameters the loss does
    # not reach (W_Q, W_K with constant attention) keep a zero gradient and are
    # decayed by AdamW as in modadd (a None gradient would skip them).
    for p in trainable:
        p.grad = torch.zeros_like(p)

    def save(epoch, history):
        if not args.out:
            return
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "state.pt")
        state = {"epoch": epoch, "params": {k: v.detach() for k, v in w.items()},
                 "optimizer": opt.state_dict(), "history": history}
        torch.save(state, path + ".tmp")
        os.replace(path + ".tmp", path)

    def log(m):
        if not args.quiet:
            print("epoch %d: train loss %.3g acc %.4f | held-out loss %.3g acc %.4f | all pairs acc %.4f"
                  % (m["epoch"], m["train_loss"], m["train_accuracy"], m["heldout_loss"], m["heldout_accuracy"],
                     m["accuracy"]), file=sys.stderr, flush=True)

    t_setup = time.perf_counter()
    history, epoch_seconds, eval_seconds = [], [], 0.0
    t_loop = time.perf_counter()
    t = time.perf_counter()
    history.append(measure(0))
    eval_seconds += time.perf_counter() - t
    for epoch in range(args.epochs):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = loss_fn()
        loss.backward()
        opt.step()
        sched.step()
        value = loss.item()
        epoch_seconds.append(time.perf_counter() - t)
        if not math.isfinite(value):
            print("train.py: the loss became %r at epoch %d" % (value, epoch), file=sys.stderr)
            return 1
        done = epoch + 1
        if done % args.eval_every == 0 or done == args.epochs:
            t = time.perf_counter()
            m = measure(done)
            m["seconds"] = time.perf_counter() - t_loop
            history.append(m)
            eval_seconds += time.perf_counter() - t
            log(m)
        if done % CHECKPOINT_EVERY == 0 and done < args.epochs:
            save(done, history)
    save(args.epochs, history)
    loop_seconds = time.perf_counter() - t_loop

    final = history[-1]
    ru = resource.getrusage(resource.RUSAGE_SELF)
    if args.json:
        print(json.dumps({
            "program": "bench/pytorch/train.py",
            "torch": torch.__version__,
            "blas": loaded_blas(),
            "impl": args.impl,
            "rng": args.rng,
            "threads": torch.get_num_threads(),
            "seed": args.seed,
            "epochs": args.epochs,
            "p": P,
            "train_pairs": len(train_idx),
            "heldout_pairs": len(held_idx),
            "trainable_params": n_trainable,
            "import_seconds": t_import - T_START,
            "setup_seconds": t_setup - t_import,
            "loop_seconds": loop_seconds,
            "eval_seconds": eval_seconds,
            "epoch_seconds": epoch_seconds,
            "step_ms_median": 1e3 * sorted(epoch_seconds)[len(epoch_seconds) // 2],
            "wall_seconds": process_seconds(),
            "user_cpu_seconds": ru.ru_utime,
            "sys_cpu_seconds": ru.ru_stime,
            "peak_rss_mb": ru.ru_maxrss / 1024.0,  # ru_maxrss is in KiB on Linux
            "final": final,
            "history": history,
        }))
    else:
        print("epoch %d: train loss %.3g acc %.4f | held-out loss %.3g acc %.4f | all pairs acc %.4f | %.1f s"
              % (final["epoch"], final["train_loss"], final["train_accuracy"], final["heldout_loss"],
                 final["heldout_accuracy"], final["accuracy"], loop_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
