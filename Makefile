# TRaX API. `make run` serves the embedded default; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup run test test-fast test-postgres client lint clean node spec-check spec-review docs release-contract bench fuzz screenshots

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
# the secret once) and the demo user (printing its password once), then serves on
# http://127.0.0.1:8000/v1 (the API keys screen: /account/api-keys) with writes enabled.
run: setup
	$(BIN)/trax db upgrade
	$(BIN)/trax demo setup
	@echo "metrics: http://127.0.0.1:9100/metrics   readiness: http://127.0.0.1:8000/readyz"
	PUBLIC_API_WRITE_ENABLED=1 TRAX_LOG_FORMAT=$${TRAX_LOG_FORMAT:-text} \
	  $(BIN)/trax serve --host 127.0.0.1 --port 8000 --metrics-port 9100

test: setup
	$(BIN)/pytest

# The unit level only (tests/unit: services over an in-memory unit of work, the middlewares, the
# vocabulary; no database, no HTTP server): seconds. tests/integration and tests/e2e need more.
test-fast: setup
	$(BIN)/pytest -q tests/unit

# The same suite against the local PostgreSQL (database `test`), as CI runs it; with
# TRAX_REDIS_URL set too, rate limits go through Redis and the multi-process tests run.
test-postgres: setup
	TRAX_DATABASE_URL=$${TRAX_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest

# The benchmark harness (bench/): the real server per app flavour against a no-framework
# ceiling, side by side, on a fresh seeded database; a few minutes on 2 cores. Prints one table
# and writes it to var/bench/. Uses wrk when it is installed, else a Python load generator.
# BENCH_ARGS passes options (python -m bench --help), e.g. BENCH_ARGS="--no-levers".
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

# schemathesis's CLI against a live server, every check and phase, schemathesis.toml applied:
# a throwaway `trax serve` on a temporary database, or a deployment with
#   make fuzz FUZZ_ARGS="--url https://api.example.com/v1 --key sk_live_..."
# (FUZZ_ARGS="-- --max-examples 200" passes options on to `schemathesis run`).
fuzz: setup
	$(BIN)/python tools/fuzz.py $(FUZZ_ARGS)

# The README's screenshots of the API keys screen and the OAuth consent page
# (docs/screenshots/), taken by the browser
# test (needs Debian's chromium).
screenshots: setup
	TRAX_REQUIRE_ALL_TESTS=1 TRAX_SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest -q tests/e2e/test_browser_keys.py tests/e2e/test_browser_oauth.py

# Regenerates generated_client/ from openapi/openapi.yaml. Never edit generated_client/ by hand.
client: setup
	$(BIN)/openapi-python-client generate --path openapi/openapi.yaml \
		--config openapi/client-config.yaml --output-path generated_client \
		--meta setup --overwrite --fail-on-warning
	rm -rf generated_client/.ruff_cache
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps ./generated_client
	@rm -rf generated_client/build generated_client/*.egg-info

# ruff (style), mypy --strict on server/ and import-linter's layer contracts (pyproject.toml).
lint: setup
	$(BIN)/ruff check server tests spec_tests tools bench
	$(BIN)/ruff format --check server tests spec_tests tools bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Node tooling for the contract, pinned in package.json + package-lock.json (needs Node 20+, npm).
NODE_BIN := node_modules/.bin
NODE_STAMP := node_modules/.installed-stamp
export OPTIC_TELEMETRY_LEVEL := off
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true

node: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The review gate of the contract (CI runs it): structure, style (openapi/lint/ruleset.yaml),
# release bookkeeping, breaking changes against openapi/released/openapi.yaml, a second generator
# (TypeScript types, type-checked), the clients of every promised language generated from the
# document the app serves (tools/clients.py: typescript-fetch compiled with tsc --strict,
# kotlin, swift6 and swift5; needs Java 17+), and the tests of the gate itself (spec_tests/).
spec-check: setup node
	$(BIN)/openapi-spec-validator openapi/openapi.yaml openapi/released/openapi.yaml
	$(NODE_BIN)/spectral lint --ruleset openapi/lint/ruleset.yaml --fail-severity error openapi/openapi.yaml
	$(BIN)/python tools/contract.py check
	$(NODE_BIN)/optic diff openapi/released/openapi.yaml openapi/openapi.yaml --check
	$(BIN)/python tools/contract.py narrowing openapi/released/openapi.yaml openapi/openapi.yaml
	@mkdir -p build/typescript
	$(NODE_BIN)/openapi-typescript openapi/openapi.yaml --output build/typescript/trax-api.d.ts
	$(NODE_BIN)/tsc --noEmit --strict build/typescript/trax-api.d.ts
	$(BIN)/python tools/clients.py check
	$(BIN)/pytest spec_tests

# The review report of the working contract against BASE (a git ref; default: the last
# release, openapi/released/openapi.yaml): per operation what was added, changed or removed,
# marked additive or breaking, the generated Python client's surface and the version bump.
# Writes build/spec-review.md and prints it (CI prints it too).
spec-review: setup
	$(BIN)/python tools/review.py $(if $(BASE),--base "$(BASE)")

# One self-contained HTML file (scripts inlined; renders offline): build/docs/trax-api-v1.html
docs: node
	$(NODE_BIN)/redocly build-docs openapi/openapi.yaml --inlineBundle \
		--title "TRaX Developer API (v1)" --output build/docs/trax-api-v1.html

# Releases the working contract as VERSION (1.x.y, after the last release), NOTE optional:
#   make release-contract VERSION=1.1.0 NOTE="Sources and destinations."
# then review and commit openapi/, generated_client/ and the changelog entry.
release-contract: spec-check
	@test -n "$(VERSION)" || (echo "usage: make release-contract VERSION=1.x.y [NOTE=...]" && exit 2)
	$(BIN)/python tools/contract.py release "$(VERSION)" --note "$(NOTE)"
	$(MAKE) client

clean:
	rm -rf $(VENV) var .pytest_cache build node_modules
