# Two entry points: `make run` starts the app, `make test` runs ruff and the whole test suite.
# Both create .venv on first use and reinstall when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint format postgres postgres-stop

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/streamlit run serve.py

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python scripts/benchmark.py

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
