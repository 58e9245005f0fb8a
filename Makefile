# modadd: see README.md. `make test` is the test command CI runs.
GO ?= go

.PHONY: run test notebook-server notebooks-gen build build-xla gpu-carry bench bench-compare models docker-test help

help:
	@echo "make run        the main job: execute every notebook headlessly -> build/notebooks/*.html, build/figures/"
	@echo "make test       formatting, vet, cgo-free build, all Go tests and all notebooks (what CI runs)"
	@echo "make notebook-server  open the notebooks interactively in Jupyter (http://127.0.0.1:8888)"
	@echo "make notebooks-gen    rewrite notebooks/*.ipynb from their sources in scripts/nbgen/"
	@echo "make build      bin/modadd (pure Go, CGO_ENABLED=0)"
	@echo "make build-xla  bin/modadd-xla and bin/bench-xla.test with the XLA backend (cgo; scripts/gpu-bench.sh runs them on a GPU)"
	@echo "make gpu-carry  the same, stripped and packed into build/gpucarry for the device tool (scripts/gpu-session.sh)"
	@echo "make bench      training-step and forward-pass benchmarks (bench/README.md)"
	@echo "make bench-compare  modadd against PyTorch on this CPU, the default training run (EPOCHS=200 ROUNDS=3; installs python3-torch)"
	@echo "make docker-test  build the Docker image and run a notebook inside it (needs a Docker engine)"
	@echo "make models     the commands that made the shipped models under models/ (about 25 min each on 2 cores)"

run:
	bash scripts/notebooks.sh

test:
	bash scripts/test.sh

# Open the notebooks interactively (JupyterLab is not a Debian package here;
# the classic server from Debian's jupyter-notebook package is used).
notebook-server:
	bash scripts/setup.sh
	@command -v jupyter-notebook >/dev/null || apt-get install -y --no-install-recommends jupyter-notebook
	cd notebooks && PATH="$$(go env GOROOT)/bin:$$(go env GOPATH)/bin:$$PATH" jupyter-notebook --ip 127.0.0.1 --no-browser --allow-root

notebooks-gen:
	python3 scripts/nbgen/gen.py

build:
	CGO_ENABLED=0 $(GO) build -o bin/modadd ./cmd/modadd

build-xla:
	CGO_ENABLED=1 $(GO) build -tags xla -o bin/modadd-xla ./cmd/modadd
	CGO_ENABLED=1 $(GO) test -c -tags xla -o bin/bench-xla.test ./bench

# The XLA binaries stripped and packed for the device tool (scripts/gpu-session.sh).
gpu-carry:
	mkdir -p build/gpucarry/bin
	CGO_ENABLED=1 $(GO) build -tags xla -ldflags "-s -w" -o build/gpucarry/bin/modadd-xla ./cmd/modadd
	CGO_ENABLED=1 $(GO) test -c -tags xla -ldflags "-s -w" -o build/gpucarry/bin/bench-xla.test ./bench
	tar cJf build/gpucarry/bins.tar.xz -C build/gpucarry/bin modadd-xla bench-xla.test
	rm -r build/gpucarry/bin

bench:
	$(GO) test -run XXX -bench . -benchtime 20x ./bench/

# modadd against PyTorch (Debian's python3-torch), whole training runs in turn;
# EPOCHS, ROUNDS, THREADS, IMPL from the environment or the command line
# (scripts/bench-compare.sh, bench/README.md). Results: build/bench-compare.json.
bench-compare:
	GO="$(GO)" bash scripts/bench-compare.sh

# The commands of README's "Shipped models" table; each model is retrained
# only if its directory is gone (rm -r models/NAME first).
models: build
	./bin/modadd train -seed 0 -weights-only -out models/p59-pizza-seed0
	./bin/modadd train -p 31 -seed 0 -epochs 3000 -weights-only -out models/p31-pizza-seed0
	./bin/modadd train -p 113 -seed 0 -epochs 6000 -weights-only -out models/p113-pizza-seed0
	./bin/modadd train -seed 0 -epochs 2000 -set act=gelu -weights-only -out models/p59-pizza-gelu-seed0
	./bin/modadd train -seed 0 -epochs 2000 -set act=abs -weights-only -out models/p59-pizza-abs-seed0
	./bin/modadd train -seed 0 -epochs 2000 -set act=square -weights-only -out models/p59-pizza-square-seed0
	./bin/modadd train -config clock -seed 0 -epochs 5000 -weights-only -out models/p59-clock-seed0

docker-test:
	bash scripts/docker-test.sh
