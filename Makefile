# kemitraan — two-command setup:  `make run`  and  `make test`.
# Each target creates .venv on first use (Python >= 3.12 found by
# tools/find-python; set PYTHON=/path/to/python3.12 to choose one) and
# installs the pinned dependencies from requirements.lock. Plain GNU make.

SHELL := /bin/sh
.DEFAULT_GOAL := help

VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
LOCK     := requirements.lock
# Every extra: sweep (SALib, EMA Workbench, scikit-learn, optuna), distributed
# (Dask), viz (solara), test (pytest, linters, DuckDB, the wheel builder).
EXTRAS   := sweep,distributed,viz,test
# The parallel test runner that `make test` uses (pytest -n 2); also in the
# test extra, named here so that an older lock still brings it.
DEV_PKGS := pytest-xdist
# Upper bounds applied only when regenerating the lock: Mesa's own viz extra
# caps starlette below 1.0 for solara, and we install solara directly.
LOCK_CAPS := 'starlette<1.0'

SCENARIO    ?= scenarios/baseline.toml
REPLICATIONS ?= 20
PYTEST_ARGS ?=

PIP := $(BIN)/python -m pip
VERSION_CHECK := import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)

.PHONY: help setup .venv run lint test experiment bench check clean lock lock-check

help: ## list the targets
	@echo "kemitraan — make targets (each one sets up .venv first if needed):"
	@grep -E '^[a-zA-Z_.-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "} {printf "  make %-11s %s\n", $$1, $$2}'
	@echo "Choose the interpreter with PYTHON=/path/to/python3.12 (>= 3.12 needed)."

setup: $(STAMP) ## create .venv and install the pinned dependencies
.venv: $(STAMP)

# The stamp is renewed only when pyproject.toml or the lock changes, so
# repeated `make` calls do not reinstall. A .venv whose interpreter no longer
# runs, or is older than 3.12, is rebuilt from scratch.
$(STAMP): pyproject.toml $(LOCK)
	@py="$$(sh tools/find-python)" || exit 2; \
	if [ -x $(BIN)/python ] && $(BIN)/python -c '$(VERSION_CHECK)' >/dev/null 2>&1; then \
	  echo "Updating $(VENV) ($$($(BIN)/python -V 2>&1))"; \
	else \
	  echo "Creating $(VENV) with $$py ($$("$$py" -V 2>&1))"; \
	  rm -rf $(VENV) && "$$py" -m venv $(VENV) || exit 1; \
	fi
	$(PIP) install -q -c $(LOCK) --upgrade pip
	$(PIP) install -q -c $(LOCK) -e '.[$(EXTRAS)]' $(DEV_PKGS)
	@touch $@
	@echo "$(VENV) is ready."

run: $(STAMP) ## run the baseline scenario into results/baseline/
	$(BIN)/kemitraan run $(SCENARIO) --force

# Code style as Mesa's (settings in pyproject.toml): formatting, lint rules with
# Google docstrings, then types. `make test` runs it first, so CI (.ci/run)
# fails on a style or type error before any test runs.
lint: $(STAMP) ## ruff format --check, ruff check and mypy over the repository (run by make test)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint ## lint, then the test suite (2 workers)
	$(BIN)/python -m pytest -q -n 2 $(PYTEST_ARGS)

experiment: $(STAMP) ## compare all scenarios, 20 replications, into results/experiment/
	$(BIN)/kemitraan compare scenarios/*.toml --replications $(REPLICATIONS) --out results/experiment --force

bench: $(STAMP) ## benchmarks (Boltzmann, mesa-frames in benchmarks/.venv-frames, batch_run, 1M agents) into benchmarks/results.json (BENCH_ARGS=--quick: shorter)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

check: $(STAMP) ## validate the baseline scenario file
	$(BIN)/kemitraan check $(SCENARIO)

clean: ## remove .venv and build artefacts (keeps results/)
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Regenerate requirements.lock: unpinned install into a throwaway venv with
# the found Python, then pip freeze. Check the result on the other supported
# Python with `make lock-check PYTHON=/path/to/python3.13`.
lock: ## regenerate requirements.lock from pyproject.toml
	@py="$$(sh tools/find-python)" || exit 2; \
	tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	echo "Resolving with $$py ($$("$$py" -V 2>&1)) in $$tmp"; \
	"$$py" -m venv "$$tmp/venv" && \
	"$$tmp/venv/bin/python" -m pip install -q --upgrade pip && \
	"$$tmp/venv/bin/python" -m pip install -q -e '.[$(EXTRAS)]' $(DEV_PKGS) $(LOCK_CAPS) && \
	{ \
	  echo "# requirements.lock — exact pins for: pip install -e '.[$(EXTRAS)]' $(DEV_PKGS)"; \
	  echo "# Used as a constraints file by the Makefile (pip install -c requirements.lock ...)."; \
	  echo "# Resolved on $$("$$py" -V 2>&1) by 'make lock'; checked on Python 3.12 and 3.13,"; \
	  echo "# Linux x86_64. To regenerate after changing pyproject.toml:"; \
	  echo "#   make lock                                   (fresh venv in a temp dir, pip freeze)"; \
	  echo "#   make lock-check PYTHON=/path/to/python3.13  (the pins install on the other Python)"; \
	  echo "# Caps used when resolving: $(LOCK_CAPS) (Mesa's viz extra caps starlette for solara)."; \
	  "$$tmp/venv/bin/python" -m pip freeze --all --exclude-editable; \
	} > $(LOCK).new && mv $(LOCK).new $(LOCK) && echo "Wrote $(LOCK)"

lock-check: ## check that requirements.lock installs as pinned (PYTHON=... to pick one)
	@py="$$(sh tools/find-python)" || exit 2; \
	tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	echo "Installing $(LOCK) with $$py ($$("$$py" -V 2>&1)) in $$tmp"; \
	"$$py" -m venv "$$tmp/venv" && \
	"$$tmp/venv/bin/python" -m pip install -q -c $(LOCK) --upgrade pip && \
	"$$tmp/venv/bin/python" -m pip install -q -c $(LOCK) -e '.[$(EXTRAS)]' $(DEV_PKGS) && \
	"$$tmp/venv/bin/python" -m pip freeze --all --exclude-editable | sort -f > "$$tmp/got" && \
	grep -v '^#' $(LOCK) | grep . | sort -f > "$$tmp/want" && \
	if diff "$$tmp/want" "$$tmp/got"; then echo "OK: the installed set equals $(LOCK)"; \
	else echo "MISMATCH: lines with < are in $(LOCK) only, > installed only" >&2; exit 1; fi
