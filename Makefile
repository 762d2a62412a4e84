# The two commands of the README:
#   make run    create .venv, install, create keys + SQLite database + demo data on first run, serve
#   make test   create .venv, install the test extras (and Debian's chromium for browser tests), run every test
# Everything else here is a helper for those two.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install install-test browser lint catalogs bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "capsule needs Python 3.11 or newer, found " + sys.version.split()[0] + " (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamp files make a second `make run` start in a second, and reinstall when pyproject changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/capsule keys init --if-missing
	$(BIN)/capsule db upgrade
	$(BIN)/capsule demo --if-empty
	$(BIN)/capsule serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's chromium through Playwright (no browser download).
browser:
	@sh .ci/install-chromium

test: install-test browser
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: install-test
	$(BIN)/lint-imports
	$(BIN)/python -m pytest tests/unit/test_architecture.py -q

catalogs: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o capsule/locales/messages.pot --no-location --omit-header --sort-output capsule templates
	$(BIN)/pybabel update -i capsule/locales/messages.pot -d capsule/locales --no-fuzzy-matching --no-wrap --ignore-obsolete
	# The texts written into archives: their own domain (capsule/archive_texts.py marks them A_).
	$(BIN)/pybabel extract --no-default-keywords -k A_ -o capsule/locales/archive.pot --no-location --omit-header --sort-output capsule/archive_texts.py
	$(BIN)/pybabel update -D archive -i capsule/locales/archive.pot -d capsule/locales --no-fuzzy-matching --no-wrap --ignore-obsolete

bench: install-test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
