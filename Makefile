# mmlab — the README's commands. Every target that needs the environment runs `setup` first,
# which installs only what is missing (scripts/setup.sh; a second run takes about a second).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The machine's Go may be older and pinned with GOTOOLCHAIN=local: use the toolchain go.mod
# names (the go command fetches it once through the module proxy).
export GOTOOLCHAIN := go1.27.4
# AVX-512 matmul kernels of the pure-Go GoMLX backend are behind this experiment (3-7x faster).
export GOEXPERIMENT := simd
# The pure-Go backend: works offline, never tries to download XLA.
export GOMLX_BACKEND ?= go
# avmnist's recordings (the Free Spoken Digit Dataset, third-party, never committed): the copy at
# ../shared/data/fsdd/recordings when it is there and MMLAB_FSDD is not set (tests that need it
# skip without it; notebooks say how to get it).
FSDD_SHARED := $(abspath $(CURDIR)/../shared/data/fsdd/recordings)
ifeq ($(MMLAB_FSDD),)
ifneq ($(wildcard $(FSDD_SHARED)/*.wav),)
export MMLAB_FSDD := $(FSDD_SHARED)
endif
endif
# The Python with Jupyter's packages (scripts/setup.sh makes sure there is one): $MMLAB_PYTHON, else
# the first of python3 on PATH (a virtualenv or conda environment) and Debian's /usr/bin/python3
# that imports nbclient, nbformat and nbconvert (a bare pyenv python3 first on PATH does not).
# Expanded when a recipe runs, i.e. after setup.
PY = $(or $(MMLAB_PYTHON),$(firstword $(foreach p,python3 /usr/bin/python3,$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c 'import nbclient, nbformat, nbconvert' 2>/dev/null && command -v $(p)))),/usr/bin/python3)
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
REPORT ?= report
# Figures whose PNG the README shows: make reproduce regenerates figures/<name>.png.
README_FIGURES := laziness_bars,method_comparison,phase_diagram,feature_map,feature_map_xor,real_method_comparison,real_data_comparison
LAB_ARGS ?= --ip=127.0.0.1 --port=8888
# Flags for the benchmark driver (go run ./bench -h), e.g. BENCH_ARGS="-rounds 5 -blas-threads 1".
BENCH_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help setup test reproduce lab bench

help:
	@echo "make reproduce  # set up, run every notebook headless, write the report to $(REPORT)/"
	@echo "make test       # set up, run all tests (Go tests, runner tests, every notebook in reduced size)"
	@echo "make lab        # set up, start the classic Jupyter Notebook on notebooks/ with the GoNB kernel"
	@echo "make setup      # install only what is missing (scripts/setup.sh)"
	@echo "make bench      # set up (with PyTorch), mmlab vs PyTorch side by side on the default study"

setup:
	@bash scripts/setup.sh

# go test's default 10-minute limit per package is too short for mmlab's long acceptance studies
# (MMLAB_LONG_TESTS=1: with the 5-seed CNN, AV-MNIST and OGM-GE studies the mmlab package took
# 27 minutes in a fresh clone on 2 cores, 2026-12-02).
# setup.sh --slurm: also Slurm and munge, for the real-Slurm sweep test (only this target).
test:
	@bash scripts/setup.sh --slurm
	go vet ./...
	# The XLA build (-tags xla, mmlab/backend_xla.go) is compiled, not run: PJRT plugins are the user's.
	go build -tags xla -o /dev/null ./cmd/mmlab
	$(PY) -W ignore::DeprecationWarning -W ignore::ResourceWarning -m unittest discover -s scripts -p '*_test.py'
	MMLAB_QUICK=1 $(PY) scripts/nbrun.py --out build/test-notebooks $(NOTEBOOKS)
	# Every number the README marks (<!--n:NAME-->) is one the notebooks record (not its value: a quick run);
	# without the FSDD recordings notebook 08 skips AV-MNIST, so its names are listed as not checked.
	$(PY) scripts/readme_numbers.py --names $(if $(MMLAB_FSDD),,--unrecorded-ok real.avmnist.) build/test-notebooks/numbers.json README.md
	MMLAB_LONG_TESTS=1 go test -timeout 75m ./...

# Full-size cells run long (notebook 08's study cell took over an hour on a loaded 2-core machine,
# 2026-12-02, past nbrun's default of 3600 s a cell): allow 4 hours a cell here.
reproduce: setup
	$(PY) scripts/nbrun.py --timeout 14400 --out $(REPORT) --export $(README_FIGURES) --export-dir figures $(NOTEBOOKS)
	# The README's marked result numbers against what the notebooks just computed (--write rewrites them);
	# without the FSDD recordings notebook 08 skips AV-MNIST, so its numbers are listed as not checked.
	$(PY) scripts/readme_numbers.py --check $(if $(MMLAB_FSDD),,--unrecorded-ok real.avmnist.) $(REPORT)/numbers.json README.md

lab: setup
	jupyter notebook --notebook-dir=notebooks --no-browser $(ROOT_FLAG) $(LAB_ARGS)

# mmlab vs PyTorch on the default study, side by side (bench/README.md). setup.sh --bench is the
# whole set-up plus the benchmark-only PyTorch; the last line printed is study_time_ratio=<x>.
bench:
	@bash scripts/setup.sh --bench
	go run ./bench $(BENCH_ARGS)
