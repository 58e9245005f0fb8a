#!/usr/bin/env bash
# XLA/CUDA training throughput, on a machine with a GPU and JAX's CUDA PJRT
# plugin (the project's lent H200). Build first, on any Linux machine with
# Go and gcc: `make build-xla`; then run from the repository root:
#
#   bash scripts/gpu-bench.sh [OUTDIR] [SEEDS] [EPOCHS]
#
# It records the GPU, the step benchmarks for S = 1 and S = SEEDS models in
# one graph, and a real `modadd train -seeds 0-(SEEDS-1)` of EPOCHS epochs
# (defaults 152 and 10000: the goal is under 5 minutes on one H200), into
# OUTDIR (default build/gpu-bench); the models go to a temporary directory
# ($MODELS), seed0 is copied to OUTDIR. Each part has its own time limit, so
# one slow part still leaves the others' figures. With the device tool's
# 15 minutes (start-up included), `bash scripts/gpu-bench.sh $OUT 152 2000`
# leaves room for a rerun; 10,000 epochs then take about 5x the printed time.
# BENCH_S and SEEDS_S (default 240 and 420 s) cap the two parts.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build/gpu-bench}
SEEDS=${2:-152}
EPOCHS=${3:-10000}
mkdir -p "$OUT"
for b in bin/modadd-xla bin/bench-xla.test; do
	[ -x "$b" ] || { echo "gpu-bench: $b is missing: run 'make build-xla' first" >&2; exit 1; }
done
if [ -z "${PLUG:-}" ]; then
	PLUG=$(bash scripts/pjrt-plugin.sh) || { echo "gpu-bench: or set PLUG=/path/to/pjrt_plugin.so" >&2; exit 1; }
fi
export GOMLX_BACKEND="xla:$PLUG" GOPJRT_CUDA_CHECKS=0
echo "backend: $GOMLX_BACKEND" | tee "$OUT/env.txt"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee -a "$OUT/env.txt"

echo "== step benchmarks (S = 1 and $SEEDS)"
(cd bench && MODADD_BENCH_SEEDS="1,$SEEDS" timeout "${BENCH_S:-240}" ../bin/bench-xla.test -test.run XXX \
	-test.bench 'TrainSeeds|TrainStep$|Forward$' -test.benchtime 50x) 2>&1 | tee "$OUT/bench.txt"

echo "== $SEEDS seeds x $EPOCHS epochs in one graph"
start=$(date +%s.%N)
MODELS=${MODELS:-$(mktemp -d)}  # 2.5 MB per model: kept out of OUTDIR
timeout "${SEEDS_S:-420}" bin/modadd-xla train -seeds "0-$((SEEDS - 1))" -epochs "$EPOCHS" -q -out "$MODELS" 2>&1 | tail -4 | tee "$OUT/train.txt"
rc=${PIPESTATUS[0]}
end=$(date +%s.%N)
if [ "$rc" != 0 ]; then
	echo "gpu-bench: training failed or timed out (exit $rc); MODELS=$MODELS bash $0 ... resumes it from the checkpoints" | tee -a "$OUT/train.txt"
	exit "$rc"
fi
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'wall {s:.1f} s for {sys.argv[3]} seeds x {sys.argv[4]} epochs: {int(sys.argv[3])*int(sys.argv[4])/s:.0f} model-epochs/s')" \
	"$start" "$end" "$SEEDS" "$EPOCHS" | tee -a "$OUT/train.txt"
cp -r "$MODELS/seed0" "$OUT/seed0"  # one sample model (meta.json has the batch's wall time)
