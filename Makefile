# PositionFlow — the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint browser documents-system bench bench-staffing bench-api bench-documents bench-consolidation bench-dashboard bench-imports bench-volumes bench-load messages clean prod-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Installs, migrates, loads reference data and the demo province, prints the demo
# logins and serves on http://127.0.0.1:8000 (SQLite in var/ unless DATABASE_URL).
demo: install documents-system
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py import_admin_units --province 40
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_certificates
	$(BIN)/python manage.py seed_demo_projects
	$(BIN)/python manage.py seed_demo_staffing
	$(BIN)/python manage.py seed_demo_consolidation
	$(BIN)/python manage.py deadline_sweep
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Chromium from Debian for the browser tests (Playwright drives it; no download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core; }

# What the official documents need from Debian: Pango and HarfBuzz for WeasyPrint,
# the fonts embedded in the PDFs (Liberation Serif has Times New Roman's metrics,
# DejaVu as a fallback; both cover every Vietnamese letter), and poppler-utils
# (pdftoppm) to render the samples' pages. Nothing is downloaded at run time.
DOCUMENT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-liberation2 fonts-dejavu-core poppler-utils
documents-system:
	@missing=$$(for p in $(DOCUMENT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Installs everything and runs every test (SQLite unless DATABASE_URL is set), on
# one pytest worker per core (TEST_WORKERS=0 runs them in this process).
TEST_WORKERS ?= auto
test: install browser documents-system
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

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

# The REST API's requests per second at national size (PostgreSQL), as ratios to
# a primary-key lookup through the same stack. See bench/README.md.
bench-api: install
	$(BIN)/python bench/api.py
# Documents per second for a decision with a 500-row annex (Word, PDF, signed
# PDF) against bare python-docx and WeasyPrint in the same run, and peak memory.
bench-documents: install documents-system
	$(BIN)/python bench/documents.py
# A province's 2025 commune reform as one consolidation dossier (412 communes with
# their divisions and positions into 130), through its services: the default
# mapping, the impact statement and applying, against a bare bulk insert of the
# same rows, with peak memory (PostgreSQL). See bench/README.md.
bench-consolidation: install
	$(BIN)/python bench/consolidation.py

# The Home Affairs dashboard and the deadline sweep over 50,000 generated dossiers
# (PostgreSQL), as ratios to a primary-key lookup. See bench/README.md.
bench-dashboard: install
	$(BIN)/python bench/dashboard.py

# 100,000 establishment rows imported through the job runner (stream, validate,
# bulk insert in one transaction) against a bare bulk_create of the same rows,
# with each one's peak memory (PostgreSQL). See bench/README.md.
bench-imports: install
	$(BIN)/python bench/imports.py

# The daily pages (inbox, queue, archive, lists, search, dossier and unit pages)
# over 5,000 then 50,000 generated dossiers on the national chart (PostgreSQL),
# as ratios to a primary-key lookup; exits 1 if a page's query count grows.
bench-volumes: install
	$(BIN)/python bench/volumes.py

# gunicorn with the production settings against PostgreSQL and Redis, under a
# 60-s Locust workload of several roles, against /healthz as the ceiling.
bench-load: install
	$(BIN)/python bench/load.py

messages: install
	cd $(CURDIR) && $(BIN)/python manage.py makemessages -l vi --no-obsolete \
	  --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(BIN)/python manage.py compilemessages -l vi --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
