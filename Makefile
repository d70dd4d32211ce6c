# kehu: `make demo` sets everything up and serves the demo; `make test` runs all tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# branch coverage of src/kehu ([tool.coverage] in pyproject.toml): a summary in the
# terminal, HTML and XML in coverage/; `make test` fails below COV_MIN percent
COV     := --cov --cov-report=term:skip-covered --cov-report=html --cov-report=xml
COV_MIN ?= 90
# pytest-xdist workers, one per core ([auto]); each worker a file at a time, so a module's
# fixtures are built once; WORKERS=0 runs in this process
WORKERS ?= auto
XDIST   := -n $(WORKERS) --dist loadfile

.DEFAULT_GOAL := help
.PHONY: help install demo serve test test-fast lint format bench chromium clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install kehu with its test tools (only when pyproject changed)

demo: install ## migrate var/kehu.sqlite3, create the admin, load demo data, serve on :8000
	$(BIN)/kehu demo --port $(PORT)

serve: install ## serve the app on :8000 without loading anything
	$(BIN)/kehu serve --port $(PORT)

chromium: ## install Debian's chromium for the browser tests (as root, when missing)
	@bash .ci/ensure-chromium

test: install chromium ## run the whole test suite (browser and slow tests included)
	$(BIN)/python -m pytest --run-slow $(XDIST) $(COV) --cov-fail-under=$(COV_MIN) $(PYTEST_ARGS)

test-fast: install ## unit and integration tests without slow and browser tests
	$(BIN)/python -m pytest -m "not slow and not e2e" $(XDIST) $(COV) $(PYTEST_ARGS)

lint: install ## ruff lint and format check, mypy (strict on kehu.insight), import contracts
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy  # strict on src/kehu/insight only, for now (see [tool.mypy] in pyproject.toml)
	$(BIN)/lint-imports  # the layers of docs/ARCHITECTURE.md (contracts in pyproject.toml)

format: install ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: install ## run the benchmarks (long; see benchmarks/README.md)
	$(BIN)/python benchmarks/crm_latency.py

clean: ## remove the virtual environment and caches (keeps var/ and its database)
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage .coverage.* coverage
