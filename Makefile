# Safer Places — every install step lives here, so a fresh clone (and CI) needs only `make`.
#
#   make demo     install everything, load the bundled demo data, run the assessment, print where to look
#   make test     install everything, then run the whole test suite (twice for the workspace:
#                 SQLite, then PostgreSQL on 127.0.0.1:5432 when one answers)
#   make bench    run the benchmarks and rewrite BENCHMARKS.md
#   make install  set up .venv/ (Python), node_modules/ (GOV.UK Frontend, htmx, axe-core)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SP := $(VENV)/bin/saferplaces
SHARED ?= $(abspath ../shared/data)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install install-python install-node install-system demo test test-fast lint bench reference clean serve

install: install-python install-node

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install-python: $(VENV)/.installed

node_modules/.installed: package.json
	@if command -v npm >/dev/null; then \
	  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
	  else npm install --no-audit --no-fund --loglevel=error; fi; \
	  $(PY) -m saferplaces.web.assets 2>/dev/null || true; \
	  touch $@; \
	else echo "npm not found: the web app will have no GOV.UK Frontend assets (install Node.js 18+)"; fi

install-node: install-python node_modules/.installed

# Debian packages the tests need: Chromium for browser tests, poppler-utils for PDF checks.
# Installed only where we are root and apt-get exists; elsewhere those tests skip and say why.
install-system:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing$$missing (Debian packages)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "Could not install$$missing: tests that need them will skip"; \
	  else echo "Not installing$$missing (needs root and apt-get): tests that need them will skip"; fi; \
	fi

demo: install
	$(SP) demo

serve: install
	$(SP) serve

test: install install-system
	$(VENV)/bin/ruff check src tests benchmarks scripts
	SAFERPLACES_SHARED_DATA=$(SHARED) $(VENV)/bin/pytest -q
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $(PY) -c 'import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(("127.0.0.1",5432)))' 2>/dev/null; then \
	  echo "PostgreSQL answers on 127.0.0.1:5432: running the workspace suite again against it"; \
	  DATABASE_URL=$(PG_URL) SAFERPLACES_SHARED_DATA=$(SHARED) $(VENV)/bin/pytest -q tests/web -m "not browser"; \
	else echo "No PostgreSQL on 127.0.0.1:5432: the PostgreSQL run of the workspace suite is skipped"; fi

test-fast: install
	SAFERPLACES_SHARED_DATA=$(SHARED) $(VENV)/bin/pytest -q -m "not slow and not browser"

lint: install-python
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

bench: install
	SAFERPLACES_SHARED_DATA=$(SHARED) $(PY) -m benchmarks.run

# Rebuild the reference data shipped in src/saferplaces/data from ../shared/data.
reference: install-python
	$(PY) scripts/build_reference.py --source $(SHARED) --out src/saferplaces/data

clean:
	rm -rf $(VENV) node_modules build dist .pytest_cache .ruff_cache
