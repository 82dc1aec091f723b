# The two commands of the README: `make run` serves the site, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# pip-audit skips, and still passes, a package whose release PyPI's JSON API does not know
# (as with a private mirror); AUDIT_FLAGS=--strict makes such a skip fail the audit.
AUDIT_FLAGS ?=

.PHONY: run test lint install

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/outagewatch serve

test: $(BIN)/.installed
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src tests
	$(BIN)/lint-imports
	$(BIN)/outagewatch catalog validate
	$(BIN)/bandit -q -r src -c pyproject.toml
	$(BIN)/pip-audit --skip-editable --progress-spinner off $(AUDIT_FLAGS)
