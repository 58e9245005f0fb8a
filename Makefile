# modadd: see README.md. `make test` is the test command CI runs.
GO ?= go

.PHONY: test build build-xla bench models help

help:
	@echo "make test       formatting, vet, cgo-free build and all tests (what CI runs)"
	@echo "make build      bin/modadd (pure Go, CGO_ENABLED=0)"
	@echo "make build-xla  bin/modadd-xla with the XLA backend (needs cgo; run with GOMLX_BACKEND=xla:PLUGIN)"
	@echo "make bench      training-step and forward-pass benchmarks (bench/README.md)"
	@echo "make models     retrain the shipped models under models/ (about 25 min each on 2 cores)"

test:
	bash scripts/test.sh

build:
	CGO_ENABLED=0 $(GO) build -o bin/modadd ./cmd/modadd

build-xla:
	CGO_ENABLED=1 $(GO) build -tags xla -o bin/modadd-xla ./cmd/modadd

bench:
	$(GO) test -run XXX -bench . -benchtime 20x ./bench/

models: build
	./bin/modadd train -seed 0 -weights-only -out models/p59-pizza-seed0
