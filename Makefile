# Two entry points: `make run` starts the app, `make test` runs ruff and the whole test suite.
# Both create .venv on first use and reinstall when pyproject.toml changes. `make check` is the
# inner loop: ruff, tests/core, tests/scripts and a smoke run of every page (tests/app/test_smoke.py).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Test processes (pytest-xdist): one per core of the 2-core CI machine. Each browser module runs
# whole on one worker (an xdist group, tests/browser/conftest.py); the rest go test by test.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

.PHONY: install run test check bench lint format postgres postgres-stop

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/streamlit run serve.py

# The 15 slowest tests are listed before pytest's closing line ("N passed in …"), so a
# test that got slow is seen.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYTEST) --durations=15

check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYTEST) tests/core tests/scripts tests/app/test_smoke.py

bench: install
	$(BIN)/python -m scripts.bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# A throwaway local PostgreSQL (the one CI uses): prints the URL to export for the tests
# (PTE_TEST_POSTGRES_URL) or to give the app (PTE_DATABASE_URL). `make postgres-stop` stops it.
postgres:
	scripts/postgres.sh start

postgres-stop:
	scripts/postgres.sh stop
