#!/usr/bin/env bash
# The project's test command (README, `make test`, .ci/run): formatting, vet,
# a cgo-free build and every test. Needs only Go (the go.mod toolchain).
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0
echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then
	echo "not gofmt-clean:"; echo "$bad"; exit 1
fi
echo "== go vet"
go vet ./...
echo "== go build (CGO_ENABLED=0)"
go build ./...
echo "== go test"
go test -count=1 -timeout 30m ./...
echo "== all tests passed"
