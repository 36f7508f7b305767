# The two front doors: `make run` (set up everything, start web app + scheduler on SQLite with
# demo data) and `make test` (set up what the tests need, run the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: run test setup lint bench scheduler clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NPM_STAMP): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

setup: $(STAMP) $(NPM_STAMP)

run: setup
	APP_ENV=$${APP_ENV:-development} $(BIN)/flask --app app seed
	APP_ENV=$${APP_ENV:-development} $(BIN)/python -m app.serve --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check processes handlers app tests
	$(BIN)/mypy processes handlers
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check processes handlers app tests
	$(BIN)/mypy processes handlers
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m tests.bench.http_bench

scheduler: $(STAMP)
	$(BIN)/flask --app app scheduler

clean:
	rm -rf $(VENV) node_modules instance
