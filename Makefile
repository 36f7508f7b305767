# The two front doors: `make run` (set up everything, start web app + scheduler on SQLite with
# demo data) and `make test` (set up what the tests need, run the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: run test setup lint bench scheduler clean docdeps browserdeps translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

DIST := app/static/dist
ESBUILD := node_modules/.bin/esbuild

# npm packages (package.json, exact versions) + the diagram bundle: bpmn-js Modeler with the Camunda 7
# properties panel, the navigated viewer, dmn-js and the zh-CN translation (app/static/admin/) bundled
# by esbuild into app/static/dist/ (gitignored); the stylesheets and fonts are copied beside it.
$(NPM_STAMP): package.json Makefile $(wildcard app/static/admin/*.js) \
		app/static/admin/zh-cn-dmn.js
	npm install --no-audit --no-fund --loglevel=error
	rm -rf $(DIST) && mkdir -p $(DIST)/bpmn-font $(DIST)/dmn-font
	$(ESBUILD) app/static/admin/modeler-entry.js --bundle --minify --format=iife --target=es2019 \
		--loader:.json=json --log-level=warning --outfile=$(DIST)/bpmn.js
	cp node_modules/bpmn-js/dist/assets/diagram-js.css node_modules/bpmn-js/dist/assets/bpmn-js.css \
		node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css $(DIST)/
	cp -r node_modules/bpmn-js/dist/assets/bpmn-font/. $(DIST)/bpmn-font/
	cp node_modules/dmn-js/dist/assets/dmn-js-*.css $(DIST)/
	cp -r node_modules/dmn-js/dist/assets/dmn-font/. $(DIST)/dmn-font/
	mkdir -p $(DIST)/swagger && cp node_modules/swagger-ui-dist/swagger-ui.css \
		node_modules/swagger-ui-dist/swagger-ui-bundle.js $(DIST)/swagger/
	echo '*' > $(DIST)/.gitignore
	touch $(NPM_STAMP)

# Pango and a CJK font for the generated PDFs (apt-get when root, else a message naming the packages)
docdeps:
	@scripts/ensure-document-deps.sh

# Debian's Chromium and a CJK font for the browser tests (apt-get when root, else an error naming them)
browserdeps:
	@scripts/ensure-browser-deps.sh

setup: $(STAMP) $(NPM_STAMP) docdeps

run: setup
	APP_ENV=$${APP_ENV:-development} $(BIN)/flask --app app seed
	APP_ENV=$${APP_ENV:-development} $(BIN)/python -m app.serve --port $(PORT)

test: $(STAMP) $(NPM_STAMP) docdeps browserdeps
	$(BIN)/ruff check processes handlers app tests
	$(BIN)/mypy processes handlers app
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check processes handlers app tests
	$(BIN)/mypy processes handlers app
	$(BIN)/lint-imports

# Each benchmark starts what it measures itself (the app as its own process, a fresh SQLite database,
# a fresh PostgreSQL database on BENCH_PG_URL when a server answers) and prints `name: value (goal ...)`.
bench: $(STAMP)
	$(BIN)/python -m tests.bench.http_bench
	$(BIN)/python -m tests.bench.tasklist_bench
	$(BIN)/python -m tests.bench.pg_workers_bench
	$(BIN)/python -m tests.bench.timer_latency
	$(BIN)/python -m tests.bench.procedure_bench
	$(BIN)/python -m tests.bench.supervision_bench
	$(BIN)/python -m tests.bench.sandbox_bench
	$(BIN)/python -m tests.bench.dossier_bench
	$(BIN)/python -m tests.bench.admin_page_bench
	$(BIN)/python -m tests.bench.page_bench

# the translation catalogue: texts of templates (_), of use cases (t, N_, field_error's third argument)
# into messages.pot, new ones into en/messages.po (translate them there), then messages.mo (committed)
translations: $(STAMP)
	$(BIN)/pybabel extract -k t -k N_ -k field_error:3 -F app/translations/babel.cfg \
		-o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching \
		--ignore-obsolete
	$(BIN)/pybabel compile -d app/translations

scheduler: $(STAMP)
	$(BIN)/flask --app app scheduler

clean:
	rm -rf $(VENV) node_modules instance
