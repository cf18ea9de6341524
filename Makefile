# The two commands of the README: `make run` starts the whole system locally on embedded
# defaults (SQLite, local queue, local files, Maildir); `make test` runs every check CI runs.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
# Azure Functions runs 3.11, 3.12 and 3.13; CI tests each (pyproject.toml requires-python).
ALLOWED_PYTHON ?= 3.11 3.12 3.13
VENV := .venv
# `make run BIN=/path/to/venv/bin` runs with an environment that has the packages already
# (installs nothing); by default `make run` installs what running needs into .venv.
BIN := $(VENV)/bin
# checkov, zizmor and bandit live apart: checkov pins packages the app's tools need newer.
INFRA_VENV := .venv-infra
INFRA_BIN := $(INFRA_VENV)/bin
PORT ?= 7071
# Every install is pinned by the lock (`make lock` writes it from requirements*.txt).
LOCK := requirements-dev.lock
UV ?= $(shell command -v uv || echo $(VENV)/bin/uv)

.PHONY: run worker azurite test install lint typecheck unit bench clean infra-check bandit lock

ifeq ($(origin BIN),command line)
RUN_INSTALLED :=
else
RUN_INSTALLED := $(VENV)/.run-installed
endif

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if v in "$(ALLOWED_PYTHON)".split() else f"Python $(ALLOWED_PYTHON) is required, not {v}; pass PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

# What running needs: the app and waitress (the [local] extra), nothing of the tests.
$(VENV)/.run-installed: $(VENV)/bin/python requirements.txt pyproject.toml $(LOCK)
	$(VENV)/bin/pip install --quiet -c $(LOCK) -e '.[local]'
	@touch $@

$(BIN)/.installed: $(VENV)/bin/python requirements.txt requirements-dev.txt pyproject.toml $(LOCK)
	$(BIN)/pip install --quiet -c $(LOCK) -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed node_modules/.installed

# `python -m shared.cli` rather than `lms`: the code of this folder runs, whichever
# checkout an environment given with BIN=... was installed from.
run: $(RUN_INSTALLED)
	$(BIN)/python -m shared.cli migrate
	$(BIN)/python -m shared.cli seed-demo --port $(PORT)
	$(BIN)/python -m shared.cli serve --port $(PORT)

# Beside `func start` (APP_ROLE=api): the local queue's consumers and the timers.
worker: $(RUN_INSTALLED)
	$(BIN)/python -m shared.cli worker

# Azurite (blob, queue, table) on its usual ports, for `func start`'s timers (AzureWebJobsStorage).
azurite: node_modules/.installed
	sh scripts/azurite.sh

# Only uv, not the locked install: a changed requirement must not stop the lock that fixes it.
$(VENV)/bin/uv: $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet "uv>=0.9,<1"

# Rewrites the locks from requirements*.txt (PyPI, a few seconds): requirements-dev.lock pins
# everything make installs, requirements.lock what Azure installs (the same versions).
# One resolution for Python 3.11 to 3.13 on every platform (uv's --universal).
lock: $(UV)
	$(UV) pip compile --quiet --universal --python-version 3.11 --no-emit-package lms-functions \
		--custom-compile-command "make lock" requirements-dev.txt -o requirements-dev.lock
	$(UV) pip compile --quiet --universal --python-version 3.11 \
		--custom-compile-command "make lock" -c requirements-dev.lock requirements.txt -o requirements.lock

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(BIN)/.installed
	$(BIN)/mypy

test: install lint typecheck
	$(BIN)/pytest -n auto --cov --cov-report=term

$(INFRA_BIN)/.installed: requirements-infra.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_BIN)/pip install --quiet --upgrade pip
	$(INFRA_BIN)/pip install --quiet -r requirements-infra.txt
	@touch $@

# Risky Python in what is deployed (settings in pyproject.toml [tool.bandit]); medium and up fail.
bandit: $(INFRA_BIN)/.installed
	$(INFRA_BIN)/bandit --quiet --configfile pyproject.toml --severity-level medium \
		--recursive shared functions_api functions_jobs functions_email function_app.py migrations

# The offline gates on infra/ and .github/ (tests/infra/ checks what they cannot see, in
# `make test`). checkov exits 0 on files it cannot parse: the gate script fails on them.
infra-check: $(INFRA_BIN)/.installed bandit
	$(INFRA_BIN)/python .ci/checkov_gate.py $(INFRA_BIN)/checkov bicep infra
	$(INFRA_BIN)/python .ci/checkov_gate.py $(INFRA_BIN)/checkov github_actions .github
	$(INFRA_BIN)/zizmor --offline .github/workflows

bench: $(BIN)/.installed
	$(BIN)/python bench/cold_start.py

clean:
	rm -rf $(VENV) .venv-3.* $(INFRA_VENV) node_modules .lms .pytest_cache .mypy_cache .ruff_cache
