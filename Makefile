# Two commands do all set-up on a fresh machine (Python 3.11+, Node 20+, make):
#   make run   installs what is missing, then runs the local stack until Ctrl-C
#   make test  installs what is missing, then runs every test (ruff, mypy, pytest, node --test, tsc)

PYTHON ?= python3
NPM ?= npm
VENV := .venv
VENV_PY := $(VENV)/bin/python

SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help venv node_modules chromium run test lint bench clean distclean

help:
	@echo "make run        start Azurite, the ARM simulator and the local host (http://127.0.0.1:7071/)"
	@echo "make test       ruff, mypy, Python tests (unit, integration, e2e), dashboard tests and tsc"
	@echo "make lint       ruff check"
	@echo "make bench      benchmarks vs the DESIGN budgets: bench/results.json, docs/benchmarks.md"
	@echo "make clean      remove local stack data and caches (keeps .venv and node_modules)"
	@echo "make distclean  clean, and remove .venv and node_modules"

venv: $(VENV)/.stamp

# Reinstall only when a requirements file changed (or the venv is new).
$(VENV)/.stamp: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "Python 3.11+ is required: '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." \
	       "Run with PYTHON=python3.11 (or newer)." >&2; exit 1; }
	@test -x $(VENV_PY) || { echo "==> creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing Python packages (requirements-dev.txt)"
	$(VENV_PY) -m pip install --disable-pip-version-check --no-input -q -r requirements-dev.txt
	@touch $@

node_modules: node_modules/.stamp

# npm ci only when the lock file changed (or node_modules is new).
node_modules/.stamp: package-lock.json package.json
	@command -v node >/dev/null || { echo "Node.js 20+ is required (node not found)." >&2; exit 1; }
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' || { \
	  echo "Node.js 20+ is required: node is $$(node --version)." >&2; exit 1; }
	@echo "==> installing Node packages (npm ci)"
	$(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

# Browser tests never skip: the system Chromium is installed when it can be (root with apt-get),
# else make stops with the exact command to run (never `playwright install`).
CHROMIUM := /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> installing the system Chromium for the browser tests"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else \
	    echo "The browser tests need the system Chromium at $(CHROMIUM). Install it with:" >&2; \
	    echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2; \
	    exit 1; \
	  fi; }

run: venv node_modules
	$(VENV_PY) -m local.stack

lint: venv
	$(VENV)/bin/ruff check .

# Starts its own Azurite, ARM simulator and local host on free ports; prints every figure.
bench: venv node_modules
	$(VENV_PY) -m bench.run_all

# Six pytest-xdist workers, whole files each: a file's tests keep their module fixtures, and
# each worker starts its own Azurite, simulator and host on free ports when it first needs them.
# Most e2e time is waiting (timers, real minutes, simulated ARM), so six overlap on two cores.
# --no-loadscope-reorder keeps collection order (files marked `slow` first, tests/conftest.py)
# rather than xdist's default of the files with the most tests first.
# PYTEST_PARALLEL= (empty) runs everything in one process.
PYTEST_PARALLEL ?= -n 6 --dist loadfile --no-loadscope-reorder

# Runs every step even when one fails, then prints one line per step.
test: venv node_modules chromium
	@status=0; summary=""; \
	step() { \
	  local name=$$1; shift; \
	  echo "==> $$name: $$*"; \
	  local start=$$SECONDS result=ok; \
	  "$$@" || { result=FAILED; status=1; }; \
	  summary+=$$(printf '  %-10s %-7s %4ss' "$$name" "$$result" "$$((SECONDS - start))")$$'\n'; \
	}; \
	step lint $(VENV)/bin/ruff check .; \
	step format $(VENV)/bin/ruff format --check .; \
	step types $(VENV)/bin/mypy; \
	step pytest $(VENV_PY) -m pytest -q $(PYTEST_PARALLEL) --durations=20 tests; \
	step frontend node --test --test-reporter=spec static_web/tests/; \
	step typecheck-js node_modules/.bin/tsc --noEmit -p static_web; \
	echo; echo "make test summary:"; printf '%s' "$$summary"; \
	if [ $$status -eq 0 ]; then echo "all passed"; else echo "FAILED"; fi; \
	exit $$status

clean:
	rm -rf .local-data .pytest_cache .ruff_cache .mypy_cache .hypothesis test-results htmlcov .coverage
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -not -path './node_modules/*' \
	  -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules
