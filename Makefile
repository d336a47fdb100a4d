# wikifile-transfer: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
TESTBED_DIR ?= $(CURDIR)/.testbed
ARGS ?= --help

.PHONY: install run test lint format demo testbed-up testbed-down clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

## run the tool (the CLI; the web app comes with a later slice): make run ARGS="transfer SRC --to TARGET"
run: install
	$(VENV)/bin/wikifile-transfer $(ARGS)

## lint, type-check, then every test (unit + against real MediaWiki wikis) with line+branch coverage
test: install lint
	bash testbed/install.sh
	$(PY) -m pytest --cov=wikifile_transfer --cov-branch --cov-report=term-missing:skip-covered --cov-report=xml

lint: install
	$(VENV)/bin/ruff check src tests testbed
	$(VENV)/bin/ruff format --check src tests testbed
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix src tests testbed
	$(VENV)/bin/ruff format src tests testbed

## bring up the local wikis and print a ready-to-paste transfer command
demo: install testbed-up
	$(PY) testbed/demo.py $(TESTBED_DIR)

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
