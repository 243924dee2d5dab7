# TRaX API. `make run` serves the embedded default; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup run test test-postgres client lint clean bench

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock $(shell find generated_client -name '*.py' -o -name 'pyproject.toml' | grep -v .ruff_cache)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps ./generated_client
	@rm -rf generated_client/build generated_client/*.egg-info
	touch $@

# Applies migrations to var/trax.db, creates a demo account and key the first time (printing
# the secret once), then serves on http://127.0.0.1:8000/v1 with writes enabled.
run: setup
	$(BIN)/trax db upgrade
	$(BIN)/trax demo setup
	PUBLIC_API_WRITE_ENABLED=1 $(BIN)/trax serve --host 127.0.0.1 --port 8000

test: setup
	$(BIN)/pytest

# The same suite against the local PostgreSQL (database `test`), as CI runs it.
test-postgres: setup
	TRAX_DATABASE_URL=$${TRAX_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest

# The benchmark harness (bench/): the real server per app flavour against a no-framework
# ceiling, side by side, on a fresh seeded database; a few minutes on 2 cores. Prints one table
# and writes it to var/bench/. Uses wrk when it is installed, else a Python load generator.
# BENCH_ARGS passes options (python -m bench --help), e.g. BENCH_ARGS="--no-levers".
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

# Regenerates generated_client/ from openapi/openapi.yaml. Never edit generated_client/ by hand.
client: setup
	$(BIN)/openapi-python-client generate --path openapi/openapi.yaml \
		--config openapi/client-config.yaml --output-path generated_client \
		--meta setup --overwrite --fail-on-warning
	rm -rf generated_client/.ruff_cache
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps ./generated_client
	@rm -rf generated_client/build generated_client/*.egg-info

lint: setup
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench

clean:
	rm -rf $(VENV) var .pytest_cache
