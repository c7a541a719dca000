# Two commands on a fresh machine with only python3: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per pyproject.toml and per set of packages: `make run` installs only what the
# service runs on; `make test` adds the test extras (Playwright, Schemathesis, ruff, ...).
PYPROJECT_HASH := $(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])")
RUN_STAMP := $(VENV)/.installed-run-$(PYPROJECT_HASH)
STAMP := $(VENV)/.installed-test-$(PYPROJECT_HASH)
PRISM := .cache/prism/node_modules/.bin/prism
PRISM_VERSION := 5.14.2
# One test process per core; each starts its own PostgreSQL and Prism.
TEST_WORKERS ?= 2
# Where the static checks' output waits while the tests run.
CHECKS_LOG := .checks.log

.PHONY: run test checks pytest lint layers typecheck test-deps postgres prism chromium screenshots bench clean

run: $(RUN_STAMP)
	$(BIN)/reminders migrate
	$(BIN)/reminders serve

# The static checks run beside the tests rather than before them: mypy on a fresh clone
# is ~20 CPU seconds that the tests' waits (browsers, servers, subprocesses) absorb. Their
# output is printed after the tests', and `make test` fails if either part failed.
test: $(STAMP) test-deps
	@$(MAKE) -f $(firstword $(MAKEFILE_LIST)) --no-print-directory -k -j3 --output-sync=target checks >$(CHECKS_LOG) 2>&1 & \
	checks=$$!; \
	$(MAKE) -f $(firstword $(MAKEFILE_LIST)) --no-print-directory pytest; tests=$$?; \
	wait $$checks; checked=$$?; \
	echo "--- lint, layers and types (run beside the tests) ---"; cat $(CHECKS_LOG); \
	if [ $$checked -ne 0 ]; then echo "make test: lint, layers or types FAILED (above)"; fi; \
	if [ $$tests -ne 0 ]; then echo "make test: the tests FAILED (see pytest's summary)"; fi; \
	[ $$checked -eq 0 ] && [ $$tests -eq 0 ]

checks: lint layers typecheck

# worksteal: a worker that runs out of tests takes some of the other's, so no single long
# file decides when the run ends.
pytest: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Imports run one way: the contracts in pyproject.toml ([tool.importlinter]; README "Layout").
layers: $(STAMP)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# PNGs of the console's main pages for the README (tests/support/screenshots.py lists them).
screenshots: $(STAMP) chromium
	$(BIN)/python -m tests.support.screenshots

bench: $(STAMP) postgres
	$(BIN)/python -m bench
	$(BIN)/python -m bench.triage
	$(BIN)/python -m bench.check_ins
	$(BIN)/python -m bench.names_and_dates
	$(BIN)/python -m bench.sqlite_load
	$(BIN)/python -m bench.console_pages
	$(BIN)/python -m bench.hl7_ingest
	$(BIN)/python -m bench.patient_search
	$(BIN)/python -m bench.fhir_search

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.installed-run-*
	@touch $@

# The service's packages and the test extras in one install (one resolution, one editable
# build); --no-compile leaves byte-compiling to the first import, so only the modules the
# suite imports are compiled. A changed pyproject.toml makes both stamps stale.
$(STAMP): pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@ $(RUN_STAMP)

test-deps: postgres prism chromium

# The suite starts its own throwaway PostgreSQL server from the installed binaries.
postgres:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "PostgreSQL server binaries: found"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	else \
		echo "PostgreSQL server binaries missing: install the 'postgresql' package (apt-get install -y postgresql)"; \
	fi

# The console's browser stories drive Debian's chromium through Playwright.
chromium:
	@if [ -x /usr/lib/chromium/chromium ]; then \
		echo "Chromium: found"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "chromium missing: install the 'chromium' package (apt-get install -y chromium)"; \
	fi

# Prism serves Twilio's OpenAPI spec for the contract tests (5.14.2 is the last on Node 20).
prism:
	@if [ -x $(PRISM) ]; then \
		echo "Prism: found"; \
	elif command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix .cache/prism @stoplight/prism-cli@$(PRISM_VERSION); \
	else \
		echo "npm missing: the Twilio contract tests will skip (they must not under CI=true)"; \
	fi

clean:
	rm -rf $(VENV) .cache $(CHECKS_LOG) .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache .grimp_cache
