#!/usr/bin/env python3
"""Runs `modadd train` and bench/pytorch/train.py in turn and compares them.

    python3 bench/pytorch/compare.py --epochs 200 --rounds 3 --modadd bin/modadd

(scripts/bench-compare.sh installs what is needed, builds bin/modadd and calls
this.) Each round runs modadd, then PyTorch, each as a whole process: its wall
time, user and system CPU and peak RSS come from os.wait4 (the kernel's
rusage of that child alone). The per-epoch figure is the training loop's
time divided by the epochs, evaluations every 100 epochs and the final save
included, startup (Go runtime, graph compilation; Python, `import torch`,
initialisation) excluded: for modadd meta.json's wall_seconds, for PyTorch
train.py's loop_seconds. The table gives the medians over the rounds and the
ratio modadd / PyTorch (above 1: modadd takes more); the JSON file holds
every run.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def measure(cmd, workdir, env=None):
    """Runs cmd to completion with stdout/stderr in files under workdir and
    returns (exit status, stdout text, stderr text, wall s, rusage)."""
    out_path, err_path = os.path.join(workdir, "stdout"), os.path.join(workdir, "stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, errors="replace") as f:
        stdout = f.read()
    with open(err_path, errors="replace") as f:
        stderr = f.read()
    return proc.returncode, stdout, stderr, wall, ru


def fail(name, cmd, rc, stdout, stderr):
    sys.exit("bench-compare: %s failed (exit %d): %s\n--- stdout\n%s\n--- stderr\n%s"
             % (name, rc, " ".join(cmd), stdout[-3000:], stderr[-3000:]))


def run_modadd(args):
    tmp = tempfile.mkdtemp(prefix="bench-compare-modadd-")
    try:
        out_dir = os.path.join(tmp, "model")
        cmd = [args.modadd, "train", "-epochs", str(args.epochs), "-q", "-out", out_dir]
        rc, stdout, stderr, wall, ru = measure(cmd, tmp)
        if rc != 0:
            fail("modadd", cmd, rc, stdout, stderr)
        with open(os.path.join(out_dir, "meta.json")) as f:
            meta = json.load(f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "tool": "modadd", "command": " ".join(cmd).replace(out_dir, "$(mktemp -d)"),
        "wall_s": wall, "user_cpu_s": ru.ru_utime, "sys_cpu_s": ru.ru_stime,
        "peak_rss_mb": ru.ru_maxrss / 1024.0,
        "loop_s": meta["wall_seconds"], "epoch_ms": 1e3 * meta["wall_seconds"] / args.epochs,
        "backend": meta.get("backend", ""), "final": meta.get("final_metrics"),
    }


def run_pytorch(args):
    tmp = tempfile.mkdtemp(prefix="bench-compare-pytorch-")
    try:
        out_dir = os.path.join(tmp, "model")
        cmd = [args.python, os.path.join("bench", "pytorch", "train.py"), "--epochs", str(args.epochs),
               "--threads", str(args.threads), "--impl", args.impl, "--rng", args.rng,
               "--out", out_dir, "--json", "-q"]
        rc, stdout, stderr, wall, ru = measure(cmd, tmp)
        if rc != 0:
            fail("PyTorch", cmd, rc, stdout, stderr)
        res = json.loads(stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "tool": "pytorch", "command": " ".join(cmd).replace(out_dir, "$(mktemp -d)"),
        "wall_s": wall, "user_cpu_s": ru.ru_utime, "sys_cpu_s": ru.ru_stime,
        "peak_rss_mb": ru.ru_maxrss / 1024.0,
        "loop_s": res["loop_seconds"], "epoch_ms": 1e3 * res["loop_seconds"] / args.epochs,
        "step_ms_median": res["step_ms_median"], "import_s": res["import_seconds"],
        "torch": res["torch"], "blas": res["blas"], "threads": res["threads"], "final": res["final"],
    }


METRICS = [  # key, column title, format
    ("wall_s", "wall (s)", "%.2f"),
    ("epoch_ms", "per epoch (ms)", "%.1f"),
    ("user_cpu_s", "user CPU (s)", "%.2f"),
    ("sys_cpu_s", "sys CPU (s)", "%.2f"),
    ("peak_rss_mb", "peak RSS (MB)", "%.0f"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="PyTorch's threads (default: the CPUs)")
    ap.add_argument("--impl", choices=["plain", "folded"], default="plain", help="train.py --impl")
    ap.add_argument("--rng", choices=["modadd", "torch"], default="modadd", help="train.py --rng")
    ap.add_argument("--modadd", default=os.path.join("bin", "modadd"))
    ap.add_argument("--python", default=sys.executable, help="the Python that has torch")
    ap.add_argument("--json", default=os.path.join("build", "bench-compare.json"), help="where to write the results")
    args = ap.parse_args()
    if args.epochs < 1 or args.rounds < 1 or args.threads < 1:
        ap.error("--epochs, --rounds and --threads must be >= 1")

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    machine = {
        "cpu_model": cpu_model(), "cores": cores, "machine": platform.machine(),
        "kernel": platform.release(), "go": command_output(["go", "version"]),
        "python": command_output([args.python, "--version"]),
    }
    load0 = loadavg()
    print("bench-compare: %s, %d cores; %d epochs, %d round%s (modadd, then PyTorch, %s, %d threads)"
          % (machine["cpu_model"], cores, args.epochs, args.rounds, "" if args.rounds == 1 else "s", args.impl,
             args.threads), flush=True)
    if load0 > 0.5:
        print("bench-compare: WARNING: load average %.2f before the runs: the machine is not idle, "
              "the timings will not mean much" % load0, flush=True)

    runs = []
    for r in range(args.rounds):
        for fn in (run_modadd, run_pytorch):
            res = fn(args)
            res["round"] = r + 1
            runs.append(res)
            print("  round %d %-7s wall %7.2f s  per epoch %8.1f ms  user CPU %7.2f s  peak RSS %5.0f MB  accuracy %.4f"
                  % (r + 1, res["tool"], res["wall_s"], res["epoch_ms"], res["user_cpu_s"], res["peak_rss_mb"],
                     (res["final"] or {}).get("accuracy", float("nan"))), flush=True)
    load1 = loadavg()

    medians = {}
    for tool in ("modadd", "pytorch"):
        rs = [x for x in runs if x["tool"] == tool]
        medians[tool] = {k: statistics.median(x[k] for x in rs) for k, _, _ in METRICS}
    ratio = {k: medians["modadd"][k] / medians["pytorch"][k] if medians["pytorch"][k] else float("nan")
             for k, _, _ in METRICS}
    pt = next(x for x in runs if x["tool"] == "pytorch")
    md = next(x for x in runs if x["tool"] == "modadd")

    head = ["", *[t for _, t, _ in METRICS]]
    rows = [
        ["modadd (%s)" % md["backend"], *[f % medians["modadd"][k] for k, _, f in METRICS]],
        ["PyTorch %s (%s, %d threads)" % (pt["torch"], args.impl, pt["threads"]),
         *[f % medians["pytorch"][k] for k, _, f in METRICS]],
        ["modadd / PyTorch", *["%.2f" % ratio[k] for k, _, _ in METRICS]],
    ]
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    print()
    print("medians of %d round%s, %d epochs; %s, %d cores"
          % (args.rounds, "" if args.rounds == 1 else "s", args.epochs, machine["cpu_model"], cores))
    for r in [head] + rows:
        print("  " + "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
    blas = pt["blas"]
    print("PyTorch's BLAS: %s" % (", ".join(blas) or "none found"))
    if any("/blas/libblas.so" in b for b in blas):
        print("bench-compare: WARNING: PyTorch uses the reference BLAS (netlib): install libopenblas0-openmp")
    if load1 > 0.5 + cores:
        print("bench-compare: WARNING: load average %.2f after the runs" % load1)

    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": command_output(["git", "rev-parse", "HEAD"]),
        "git_dirty": bool(command_output(["git", "status", "--porcelain", "--untracked-files=no"])),
        "machine": machine, "load_average_before": load0, "load_average_after": load1,
        "epochs": args.epochs, "rounds": args.rounds, "pytorch_impl": args.impl, "pytorch_rng": args.rng,
        "pytorch_threads": args.threads,
        "medians": medians, "ratio_modadd_over_pytorch": ratio, "runs": runs,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print("wrote %s" % args.json)


if __name__ == "__main__":
    main()
