#!/usr/bin/env bash
# The main job: sets up Jupyter + GoNB if needed (scripts/setup.sh), then
# executes every notebook in notebooks/ headlessly, in order, writing
#   build/notebooks/NAME.ipynb   the executed notebook, outputs included
#   build/notebooks/NAME.html    its HTML export (scripts/nbhtml: math typeset
#                                offline, Go highlighting, no setup cell)
#   build/figures/*.svg          every figure the notebooks show
#   docs/notebooks/NAME.ipynb    a copy of the executed notebook (figures as PNG),
#                                committed so that a reader sees every figure on
#                                the code host
#   docs/figures/*.svg           copies of the key figures that README.md shows
# then checks that every figure written is valid SVG and that no notebook shows
# an error (scripts/nbhtml/check.py).
# Stops at the first failing notebook and prints the failing cell's error.
# Usage: scripts/notebooks.sh [NOTEBOOK.ipynb ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/setup.sh
export PATH="$(go env GOROOT)/bin:$(go env GOPATH)/bin:$PATH"
export MODADD_ROOT="$root" MODADD_FIGURES="$root/build/figures"
out="$root/build/notebooks"
mkdir -p "$out" "$MODADD_FIGURES" "$root/docs/notebooks" "$root/docs/figures"
# The figures README.md shows, refreshed whenever their notebook runs.
key_figures=(02-pizza-logits 02-phase-doubling 03-quadrature-rectangles 03-error-vs-nodes)
# Results cached by notebook cells (nb.Cached) are recomputed once per full run.
rm -rf "$root/build/cache"
# Build the library once so that the first cell does not pay for it.
go build ./...

if [ $# -gt 0 ]; then nbs=("$@"); else nbs=(notebooks/*.ipynb); fi
for nb in "${nbs[@]}"; do
	[ -f "$nb" ] || { echo "notebooks: $nb does not exist (the notebooks: $(ls notebooks/*.ipynb | tr '\n' ' '))" >&2; exit 1; }
done
total_start=$(date +%s)
executed=()
for nb in "${nbs[@]}"; do
	name=$(basename "$nb" .ipynb)
	start=$(date +%s)
	echo "== $name: running"
	if ! /usr/bin/jupyter nbconvert --to notebook --execute \
		--ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.kernel_name=gonb \
		--output-dir "$out" --output "$name" "$nb" >"$out/$name.log" 2>&1; then
		echo "== $name: FAILED after $(( $(date +%s) - start )) s; the error:" >&2
		# nbconvert's CellExecutionError quotes the failing cell and its error.
		if grep -q "An error occurred while executing the following cell" "$out/$name.log"; then
			sed -n '/An error occurred while executing the following cell/,$p' "$out/$name.log" | head -n 80 >&2
		else
			tail -n 40 "$out/$name.log" >&2
		fi
		echo "(full log: $out/$name.log)" >&2
		exit 1
	fi
	/usr/bin/python3 scripts/nbhtml/nbhtml.py "$out" "$out/$name.ipynb" >>"$out/$name.log" 2>&1 || {
		echo "== $name: HTML export failed:" >&2; tail -n 20 "$out/$name.log" >&2; exit 1; }
	/usr/bin/python3 scripts/nbhtml/nbhtml.py --docs docs/notebooks "$out/$name.ipynb" >>"$out/$name.log" 2>&1 || {
		echo "== $name: the copy under docs/notebooks failed:" >&2; tail -n 20 "$out/$name.log" >&2; exit 1; }
	for f in "${key_figures[@]}"; do
		if [ "${f%%-*}" = "${name%%-*}" ] && [ -f "$MODADD_FIGURES/$f.svg" ]; then
			cp "$MODADD_FIGURES/$f.svg" "docs/figures/$f.svg"
		fi
	done
	executed+=("$out/$name.ipynb")
	echo "== $name: ok in $(( $(date +%s) - start )) s -> build/notebooks/$name.html"
done
echo "== all notebooks ran in $(( $(date +%s) - total_start )) s; figures:"
ls -1 "$MODADD_FIGURES"
/usr/bin/python3 scripts/nbhtml/check.py --since "$total_start" "$MODADD_FIGURES" "${executed[@]}"
