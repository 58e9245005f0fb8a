#!/usr/bin/env bash
# Builds the Docker image (docker/Dockerfile) and checks it: the command line
# runs, the GoNB kernel is registered, and a notebook executes headlessly
# inside the container. Needs a Docker engine; see docker/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
docker build -t modadd -f docker/Dockerfile .
docker run --rm modadd modadd eval -model models/p59-pizza-seed0
docker run --rm modadd jupyter kernelspec list | grep gonb
docker run --rm modadd bash scripts/notebooks.sh notebooks/02-fourier-mechanism.ipynb
echo "docker-test: the image builds, runs modadd and GoNB, and executes a notebook"
