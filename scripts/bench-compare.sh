#!/usr/bin/env bash
# modadd against PyTorch on this machine's CPU: the default ("pizza") training
# run, whole processes, in turn (modadd, PyTorch, modadd, PyTorch, ...).
#
#   bash scripts/bench-compare.sh            # or: make bench-compare
#   EPOCHS=1000 ROUNDS=5 make bench-compare
#
# Environment (defaults): EPOCHS (200) epochs per run, ROUNDS (3) rounds,
# THREADS (the CPUs available) PyTorch's torch.set_num_threads, IMPL (plain)
# train.py's --impl (plain: the network as written; folded: modadd's algebra),
# PYTHON (/usr/bin/python3, Debian's, where python3-torch installs) the Python
# with torch, GO (go).
#
# Installs, where missing: Debian's python3-torch and python3-numpy, and for
# Debian's torch an optimised BLAS (libopenblas0-openmp; without one torch's
# float32 products run on the netlib reference BLAS). Builds bin/modadd
# (CGO_ENABLED=0). Prints the medians of wall time, per-epoch time, user
# CPU, system CPU and peak RSS, their ratio modadd / PyTorch, the CPU model and
# core count, and writes everything to build/bench-compare.json
# (bench/pytorch/compare.py; bench/README.md says what is compared).
# Run it on an otherwise idle machine: it warns when the load average says
# something else is running.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
	echo "bench-compare: takes no arguments; set EPOCHS, ROUNDS, THREADS, IMPL, PYTHON, GO in the environment (EPOCHS=5 ROUNDS=1 bash $0)" >&2
	exit 2
fi

EPOCHS=${EPOCHS:-200}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-$(nproc)}
IMPL=${IMPL:-plain}
GO=${GO:-go}
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
apt_install() {
	echo "bench-compare: installing $* (Debian packages)"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null ||
		{ as_root apt-get -o DPkg::Lock::Timeout=600 update -qq &&
			as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null; }
}

if ! "$PYTHON" -c 'import torch, numpy' 2>/dev/null; then
	apt_install python3-torch python3-numpy
	"$PYTHON" -c 'import torch, numpy' || {
		echo "bench-compare: $PYTHON cannot import torch after installing python3-torch; set PYTHON=/usr/bin/python3 (Debian's) or a Python with torch" >&2
		exit 1
	}
fi
# Debian's torch links the system libblas.so.3: make it OpenBLAS, not netlib's.
torch_dir=$("$PYTHON" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
case "$torch_dir" in
/usr/lib/python3/dist-packages/*)
	for lib in /usr/lib/*/libblas.so.3; do
		case "$(readlink -f "$lib")" in
		*/blas/libblas.so.3*) apt_install libopenblas0-openmp ;; # the reference BLAS is the one selected
		esac
	done
	;;
esac

echo "bench-compare: building bin/modadd (CGO_ENABLED=0)"
CGO_ENABLED=0 "$GO" build -o bin/modadd ./cmd/modadd

exec "$PYTHON" bench/pytorch/compare.py --epochs "$EPOCHS" --rounds "$ROUNDS" --threads "$THREADS" \
	--impl "$IMPL" --modadd bin/modadd --python "$PYTHON" --json build/bench-compare.json
