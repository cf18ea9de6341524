# The two commands of the README: `make run` starts the whole system locally on embedded
# defaults (SQLite, local queue, local files, Maildir); `make test` runs every check CI runs.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
# Azure Functions runs 3.11; CI also tries the next version (ALLOWED_PYTHON=3.12).
ALLOWED_PYTHON ?= 3.11
VENV := .venv
BIN := $(VENV)/bin
# checkov, zizmor and bandit live apart: checkov pins packages the app's tools need newer.
INFRA_VENV := .venv-infra
INFRA_BIN := $(INFRA_VENV)/bin
PORT ?= 7071

.PHONY: run test install lint typecheck unit bench clean infra-check bandit

$(BIN)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if v in "$(ALLOWED_PYTHON)".split() else f"Python $(ALLOWED_PYTHON) is required, not {v} (Azure Functions runs 3.11 here); pass PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed node_modules/.installed

run: $(BIN)/.installed
	$(BIN)/lms migrate
	$(BIN)/lms seed-demo
	$(BIN)/lms serve --port $(PORT)

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
	rm -rf $(VENV) $(INFRA_VENV) node_modules .lms .pytest_cache .mypy_cache .ruff_cache
