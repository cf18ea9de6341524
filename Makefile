# The two commands of the README: `make run` starts the whole system locally on embedded
# defaults (SQLite, local queue, local files, Maildir); `make test` runs every check CI runs.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 7071

.PHONY: run test install lint typecheck unit bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (Azure Functions runs 3.11 here); pass PYTHON=/path/to/python3.11")'
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

bench: $(BIN)/.installed
	$(BIN)/python bench/cold_start.py

clean:
	rm -rf $(VENV) node_modules .lms .pytest_cache .mypy_cache .ruff_cache
