# The two commands of the README: `make run` serves the site, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# pip-audit skips, and still passes, a package whose release PyPI's JSON API does not know
# (as with a private mirror); AUDIT_FLAGS=--strict makes such a skip fail the audit.
AUDIT_FLAGS ?=

.PHONY: run test test-fast lint install

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/outagewatch serve

# Tests run on every core (pytest-xdist); the tests of one xdist_group (a browser module, so
# one Chromium serves it) stay on one worker. TEST_WORKERS=0 runs them all in this process.
TEST_WORKERS ?= auto
PYTEST = $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

test: $(BIN)/.installed
	$(PYTEST)

# The quick loop while changing code: every test but the browser (tests/browser), fault
# (tests/faults) and PostgreSQL ones (PostgreSQL-only tests and the PostgreSQL half of the
# engine matrix); markers set in tests/conftest.py. SQLite, Redis and real servers still run.
# It is not a substitute for `make test`, which CI runs.
test-fast: $(BIN)/.installed
	$(PYTEST) -m "not browser and not faults and not postgres"

# lint-imports checks the import contracts in pyproject.toml on this checkout's code
# (PYTHONPATH), wherever the venv's editable install points.
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src tests
	PYTHONPATH=src $(BIN)/lint-imports
	$(BIN)/outagewatch catalog validate
	$(BIN)/bandit -q -r src -c pyproject.toml
	$(BIN)/pip-audit --skip-editable --progress-spinner off $(AUDIT_FLAGS)
