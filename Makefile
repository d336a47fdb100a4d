# wikifile-transfer: the two commands are `make run` (the web app) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
TESTBED_DIR ?= $(CURDIR)/.testbed
ARGS ?= --help
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PORT ?= 5050
NPM ?= npm
PYWIKIBOT := pywikibot==11.9.0 pywikibot-scripts==11.9.0  # bench/pwb.py: the third batch baseline
FRONTEND := frontend
FRONTEND_INPUTS := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig.json i18n/*.json)

.PHONY: install run cli test lint format demo testbed-up testbed-down clean frontend frontend-test bench e2e

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

## the web app (React, in frontend/) built into frontend/dist, which the Flask app serves at /; rebuilt only
## when its sources, its packages or the message files changed. Needs Node.js 20.19+ and npm.
frontend: $(FRONTEND)/dist/index.html

$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && $(NPM) ci --no-audit --no-fund
	touch $@

$(FRONTEND)/dist/index.html: $(FRONTEND)/node_modules/.installed $(FRONTEND_INPUTS)
	cd $(FRONTEND) && $(NPM) run build

## the web app's checks: a clean install from the lock file, the type check, the Vitest tests
frontend-test:
	cd $(FRONTEND) && $(NPM) ci --no-audit --no-fund && touch node_modules/.installed
	cd $(FRONTEND) && $(NPM) run lint
	cd $(FRONTEND) && $(NPM) test

## browser end-to-end tests (frontend/e2e/, Playwright + Debian's /usr/bin/chromium from testbed/install.sh) against
## the built app, the testbed wikis (WFT_TESTBED=… to use running ones, else fresh ones) and the OAuth double;
## screenshots of every screen in frontend/test-results/screens/
e2e: install frontend
	cd $(FRONTEND) && $(NPM) run e2e

## run it: the web app + one background worker on http://$(HOST):$(PORT) (SQLite, nothing else to install)
run: install frontend
	$(VENV)/bin/wikifile-transfer serve --host $(HOST) --port $(PORT)

## the CLI: make cli ARGS="transfer SRC --to TARGET"
cli: install
	$(VENV)/bin/wikifile-transfer $(ARGS)

## requirements.txt (Toolforge's buildpack) from requirements.lock: runtime packages only
requirements.txt: requirements.lock pyproject.toml deploy/requirements.py
	$(PY) deploy/requirements.py $@

## lint, type-check, the web app's checks and tests, then every test (unit + against real MediaWiki wikis)
## with line+branch coverage, then the browser end-to-end tests
test: install lint frontend-test
	bash testbed/install.sh
	$(PY) -m pytest --cov=wikifile_transfer --cov-branch --cov-report=term-missing:skip-covered --cov-report=xml
	$(MAKE) e2e

lint: install
	$(VENV)/bin/ruff check src tests testbed deploy bench hatch_build.py
	$(VENV)/bin/ruff format --check src tests testbed deploy bench hatch_build.py
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix src tests testbed deploy bench hatch_build.py
	$(VENV)/bin/ruff format src tests testbed deploy bench hatch_build.py

## the benchmark suite against its own testbed: bench/results/latest.json + latest.md (BENCH_ARGS="--quick --only batch")
BENCH_ARGS ?=
bench: install
	bash testbed/install.sh
	test -x bench/.pywikibot/bin/python || ($(PYTHON) -m venv bench/.pywikibot && \
		bench/.pywikibot/bin/pip install --quiet --disable-pip-version-check $(PYWIKIBOT))
	$(PY) bench/run.py $(BENCH_ARGS)

## bring up the local wikis, then the app wired to them (bot-password sign-in) on http://127.0.0.1:$(DEMO_PORT)
demo: install testbed-up frontend
	$(PY) testbed/demo.py $(TESTBED_DIR) $(DEMO_PORT)
	WIKIFILE_TRANSFER_CONFIG=$(TESTBED_DIR)/config.toml WFT_DATA_DIR=$(TESTBED_DIR)/app \
		WFT_BOT_PASSWORD_LOGIN=1 $(VENV)/bin/wikifile-transfer serve --port $(DEMO_PORT)

testbed-up: install
	bash testbed/install.sh
	@if [ -f $(TESTBED_DIR)/testbed.json ] && bash testbed/status.sh $(TESTBED_DIR) >/dev/null 2>&1; then \
		echo "testbed already running in $(TESTBED_DIR)"; \
	else \
		rm -rf $(TESTBED_DIR); bash testbed/up.sh $(TESTBED_DIR) && $(PY) testbed/seed.py $(TESTBED_DIR); \
	fi

testbed-down:
	-bash testbed/down.sh $(TESTBED_DIR) --purge

clean: testbed-down
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage coverage.xml
	rm -rf $(FRONTEND)/node_modules $(FRONTEND)/dist $(FRONTEND)/test-results
