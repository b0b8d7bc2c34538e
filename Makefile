# PositionFlow — the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint browser bench bench-staffing bench-consolidation messages clean prod-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Installs, migrates, loads reference data and the demo province, prints the demo
# logins and serves on http://127.0.0.1:8000 (SQLite in var/ unless DATABASE_URL).
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py import_admin_units --province 40
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_projects
	$(BIN)/python manage.py seed_demo_staffing
	$(BIN)/python manage.py seed_demo_consolidation
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Chromium from Debian for the browser tests (Playwright drives it; no download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core; }

# Installs everything and runs every test (SQLite unless DATABASE_URL is set).
test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# The README's production installation on PostgreSQL with DEBUG off, served by
# gunicorn, logged into as every demo role (CI runs it too).
prod-smoke: install
	bash .ci/prod-smoke

bench: install
	$(BIN)/python bench/run.py

# The staffing plan's cycle through its services, for the demo province and a
# generated one of 400 units (PostgreSQL; exits 1 if the provincial summary's
# query count grows with the units). See bench/README.md.
bench-staffing: install
	$(BIN)/python bench/staffing.py

# A province's 2025 commune reform as one consolidation dossier (412 communes with
# their divisions and positions into 130), through its services: the default
# mapping, the impact statement and applying, against a bare bulk insert of the
# same rows, with peak memory (PostgreSQL). See bench/README.md.
bench-consolidation: install
	$(BIN)/python bench/consolidation.py

messages: install
	cd $(CURDIR) && $(BIN)/python manage.py makemessages -l vi --no-obsolete \
	  --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(BIN)/python manage.py compilemessages -l vi --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
