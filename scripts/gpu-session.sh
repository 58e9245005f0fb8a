#!/usr/bin/env bash
# One device call for a session lent the GPU machine: scripts/gpu-bench.sh
# first, then large trained models (issue 14's compact proofs) until the
# deadline; the proofs run back home on the CPU. Prepare here with
# `make gpu-carry` (stripped XLA binaries, xz: 12 MB, so that they travel
# under the device tool's 64 MiB), then run there, with carry
# ["build/gpucarry"] and timeout_s 600:
#
#   bash scripts/gpu-session.sh $OUT
#
# Everything comes back in $OUT as part.* (cat part.* | tar xz) and
# session.txt (written as it goes). Give the call a timeout_s of at least
# BUDGET + 60: the packing comes after the deadline. MODELS lists p:m:cap-seconds (default "227:4096:250
# 331:4096:9999"), BUDGET the seconds until training stops (530), EPOCHS
# (10,000), SEED_EPOCHS the seed batch's (1,000). Session 9's run: 534 s.
# A dry run here: BIN=bin/modadd SKIP_BENCH=1 BUDGET=60 EPOCHS=30
# MODELS=11:16:20 bash scripts/gpu-session.sh /tmp/x
set -u
T0=$(date +%s)
mkdir -p "$1" && O=$(cd "$1" && pwd) # absolute: the rest runs from the repository root
cd "$(dirname "$0")/.."
mkdir -p build/x bin
W=/tmp/session-work; rm -rf "$W"; mkdir -p "$W"
# the log goes straight to $O, so that it comes back even from a cut-off call
log() { echo "[$(( $(date +%s) - T0 )) s] $*" | tee -a "$O/session.txt"; }
if [ -z "${BIN:-}" ] || [ "$BIN" = bin/modadd-xla ]; then
	python3 -c "import tarfile; tarfile.open('build/gpucarry/bins.tar.xz').extractall('bin')" || { log "unpack failed"; exit 1; }
	BIN=bin/modadd-xla
fi
log "unpacked; $(nproc) cores"
if [ -z "${SKIP_BENCH:-}" ]; then
	BENCH_S=${BENCH_S:-75} SEEDS_S=${SEEDS_S:-100} bash scripts/gpu-bench.sh "$W/gpu" 152 "${SEED_EPOCHS:-1000}" >"$W/gpu-bench.log" 2>&1
	log "gpu-bench exit $?"
fi
if [ "$BIN" = bin/modadd-xla ]; then
	PLUG=$(bash scripts/pjrt-plugin.sh 2>>"$O/session.txt") || { log "no PJRT plugin: training skipped"; exit 1; }
	export GOMLX_BACKEND="xla:$PLUG" GOPJRT_CUDA_CHECKS=0
fi
END=$((T0 + ${BUDGET:-530}))
EPOCHS=${EPOCHS:-10000}
# p m cap: the first model may not take all the time
for spec in ${MODELS:-227:4096:250 331:4096:9999}; do
	IFS=: read -r -a a <<<"$spec"
	[ "${#a[@]}" = 3 ] || { log "MODELS entry '$spec': want p:m:cap-seconds"; continue; }
	set -- "${a[@]}"
	left=$((END - $(date +%s)))
	[ "$left" -gt "$3" ] && left=$3
	[ "$left" -gt 40 ] || { log "no time left for p=$1 m=$2"; break; }
	d=build/x/p$1-pizza-m$2-seed0
	log "train p=$1 m=$2 for at most $left s"
	timeout -k 15 "$left" "$BIN" train -p "$1" -seed 0 -set "d_mlp=$2;checkpoint_every=500" -epochs "$EPOCHS" -weights-only -q -out "$d" >"$W/train-p$1-m$2.txt" 2>&1
	log "p=$1 m=$2 exit $?: $(tail -2 "$W/train-p$1-m$2.txt" | tr '\n' ' ')"
	timeout 60 "$BIN" info -model "$d" 2>&1 | tail -4 >>"$O/session.txt"
done
cp -r build/x "$W/models"
log "packing"
tar czf "$O/all.tar.gz" -C "$W" . && (cd "$O" && split -b 15m all.tar.gz part. && rm all.tar.gz)
ls -la "$O"
