# Two commands for a fresh machine: `make test` and `make plan STACK=dev`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt constraints.txt | sha256sum | cut -c1-12)

.PHONY: install test test-fast lint typecheck plan bench bench-loadtest docs lock charts dashboards clean

# The pinned chart archives the contract tests render (CI points this at a folder that has them).
export CHART_ARCHIVES ?= $(CURDIR)/.charts
# The JupyterHub Grafana dashboards the monitoring loads, built (`make dashboards`; CI points this
# at a folder that has them).
export DASHBOARDS ?= $(CURDIR)/.dashboards

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version)); run: make PYTHON=python3.11 ..."; exit 2; }
	$(PYTHON) -m venv $(VENV)
# --no-compile: byte-compiling every module of the SDKs takes a third of the install; Python
# compiles the few hundred a run imports when it first imports them.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -r requirements-dev.txt -c constraints.txt
	rm -f $(VENV)/.installed-* && touch $@

## install: create .venv with the program's and the tools' dependencies (what the workflows run)
install: $(STAMP)

# configurable-http-proxy, for the tests that run a real JupyterHub on this machine.
PROXY := .node/node_modules/.bin/configurable-http-proxy

$(PROXY):
	npm install --prefix .node --no-audit --no-fund --silent configurable-http-proxy@5.3.0

## test: create .venv, install everything, get the charts, lint, run the whole suite (mypy included)
test: $(STAMP) charts dashboards $(PROXY)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

## test-fast: the inner loop, under a minute: lint and the suite without real services and slow checks
test-fast: $(STAMP) charts dashboards
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -m "not real and not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## plan: offline plan of one stack under mocks, written to plan/STACK/
plan: $(STAMP)
	@test -n "$(STACK)" || { echo "usage: make plan STACK=dev|tst|prod|<stack with a Pulumi.<stack>.yaml>"; exit 2; }
	$(PY) -m tools.plan $(STACK) --out plan/$(STACK)

## bench: median wall time of three offline plans per stack, and the suite's wall time
bench: $(STAMP)
	$(PY) -m tools.plan.bench

## bench-loadtest: a class of 100 arriving at a local hub: time to notebook and the generator's cost per student
bench-loadtest: $(STAMP) $(PROXY)
	$(PY) -m tools.loadtest.bench

## docs: regenerate the configuration reference in README.md from the settings model
docs: $(STAMP)
	$(PY) -m tools.plan.config_reference --write README.md

## charts: download the pinned chart archives into $(CHART_ARCHIVES) (skips those already there)
charts: $(STAMP)
	$(PY) -m tools.plan.charts pull

## dashboards: build the JupyterHub Grafana dashboards at their pinned commit into $(DASHBOARDS) (needs git and network)
dashboards: $(STAMP)
	$(PY) -m tools.plan.dashboards build

## lock: re-pin every package the tests install (after changing a requirements file)
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	{ echo "# Exact versions for make test, written by make lock. Pulumi itself reads requirements.txt."; \
	  .venv-lock/bin/pip freeze --exclude-editable; } > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) plan .charts .dashboards .node .mypy_cache .pytest_cache .ruff_cache
