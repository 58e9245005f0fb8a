#!/usr/bin/env bash
# The project's test command (README, `make test`, .ci/run): formatting, vet,
# the notebooks' Go compiled and vetted without running them (gocheck.py),
# a cgo-free build, every Go test, then every notebook executed headlessly
# (a broken notebook fails the tests; it installs Jupyter + GoNB first if
# needed, see scripts/setup.sh). MODADD_SKIP_NOTEBOOKS=1 skips that last step.
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0
echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then
	echo "not gofmt-clean:"; echo "$bad"; exit 1
fi
echo "== notebooks match their sources (scripts/nbgen)"
python3 scripts/nbgen/gen.py --check
echo "== notebooks' Go compiles, vets and is gofmt-clean (scripts/nbgen/gocheck.py)"
python3 scripts/nbgen/gocheck.py
echo "== go vet"
go vet ./...
echo "== go build (CGO_ENABLED=0)"
go build ./...
echo "== go test"
go test -count=1 -timeout 30m ./...
if [ "${MODADD_SKIP_NOTEBOOKS:-0}" != 1 ]; then
	echo "== notebooks"
	bash scripts/notebooks.sh
fi
echo "== all tests passed"
