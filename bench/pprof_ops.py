#!/usr/bin/env python3
"""Sum a Go CPU profile of the pure-Go backend by operation.

    go tool pprof -traces [-tagfocus backend=par] bench.test cpu.prof | python3 bench/pprof_ops.py

Each sampled stack is charged to the simplego operation it runs in: the
kernel called by Executable.executeNode (execDotGeneral, execWhere, execAdd,
...), or, for the goroutines a matrix product (or Erf) starts for its
sub-tasks, that operation. Samples outside any operation are the Go runtime
(garbage collector, scheduler, idle spinning) or other code (the executor's
own bookkeeping, graph building). Prints a Markdown table, largest first.
"""
import re
import sys
from collections import defaultdict

UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "hrs": 3600.0}

# Sub-task goroutines (no executeNode frame above them).
SUBTASKS = [
    (re.compile(r"simplego\.(execDotGeneral|dotGeneral|buildDotGeneralKernel|dgCopy|execNormalizedDotGeneral)"), "DotGeneral"),
    (re.compile(r"simplego\.execErf"), "Erf"),
]


def op_name(fn):
    """simplego.execReduceSumGeneric[...] -> ReduceSum (the kernel's op)."""
    m = re.search(r"simplego\.exec([A-Za-z]+?)(Generic|NumericGeneric|Numeric)?(\[|$|\.)", fn)
    return m.group(1) if m else None


def dot_part(frames):
    """Which part of a matrix product a stack is in, from its leaf."""
    for f in frames:
        if "buildDotGeneralKernel" in f:
            return "DotGeneral: block kernel (large products)"
        if "execNormalizedDotGeneral" in f:
            return "DotGeneral: kernel (small products)"
        if "dgCopy" in f or "dgNormalizeShape" in f or "copyOutputBlock" in f:
            return "DotGeneral: repacking operands and result"
        if "fillBuffer" in f or "Zeros" in f:
            return "DotGeneral: zeroing buffers"
    return "DotGeneral: other"


def classify(frames):
    # frames: leaf first.
    c = classify_op(frames)
    if c == "DotGeneral":
        return dot_part(frames)
    return c


def classify_op(frames):
    for i, f in enumerate(frames):
        if "simplego.(*Executable).executeNode" in f:
            if i == 0:
                return "executor bookkeeping"
            # The kernel is the frame executeNode called (skip the dispatcher).
            for g in reversed(frames[:i]):
                if "Dispatch" in g:
                    continue
                name = op_name(g)
                if name:
                    return name
            return "executor bookkeeping"
    for f in frames:
        for pat, name in SUBTASKS:
            if pat.search(f):
                return name
    if any("simplego" in f for f in frames):
        return "executor bookkeeping"
    if any(f.startswith("runtime.gcBgMarkWorker") or "runtime.gcDrain" in f or "runtime.bgsweep" in f or "runtime.bgscavenge" in f for f in frames):
        return "Go runtime: garbage collector"
    if all(f.startswith("runtime.") for f in frames):
        return "Go runtime: scheduler, idle"
    return "other (graph building, test harness)"


def main():
    totals = defaultdict(float)
    header = []
    block = []
    started = False

    def flush():
        if not block:
            return
        value, frames = None, []
        for line in block:
            m = re.match(r"^\s*([\d.]+)(ns|us|µs|ms|s|min|hrs)\s+(\S.*)$", line)
            if value is None and m:
                value = float(m.group(1)) * UNITS[m.group(2)]
                frames.append(m.group(3).strip())
            elif value is not None and line.strip():
                frames.append(line.strip())
        if value is not None:
            totals[classify(frames)] += value
        block.clear()

    for line in sys.stdin:
        if line.startswith("-----------+"):
            flush()
            started = True
            continue
        if started:
            block.append(line.rstrip("\n"))
        else:
            header.append(line.rstrip("\n"))
    flush()
    total = sum(totals.values())
    for h in header:
        if h.startswith(("Duration", "Type")):
            print(h)
    print()
    print("| operation | CPU s | share |")
    print("|---|---|---|")
    for k, v in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {k} | {v:.2f} | {100 * v / total:.1f}% |")
    print(f"| total | {total:.2f} | 100% |")


if __name__ == "__main__":
    main()
