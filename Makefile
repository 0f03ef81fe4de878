# Argus: `make run` starts the server, `make test` runs the default suite.
# Both create .venv from the pinned requirements.lock on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: run test test-all check lint bench system-deps clean ui

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); bash scripts/system-deps.sh venv && $(PYTHON) -m venv $(VENV); } || { \
	  echo "python3 -m venv failed: on Debian run 'apt-get install python3-venv'"; exit 1; }
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# The web UI: npm ci when the lock file changes, npm run build when any input changes.
# The built assets (argus/web/ui/static) are not committed; the stamp lives inside them,
# so deleting the build makes the next `make ui` rebuild it. Without npm, Debian's
# nodejs and npm are installed (as root); if that is impossible the server still runs,
# its pages say how to build the UI, and the browser tests skip with that reason.
UI := web/ui
UI_STAMP := argus/web/ui/static/.stamp
UI_DEPS := $(UI)/node_modules/.installed
UI_SRC := $(UI)/index.html $(UI)/vite.config.ts $(UI)/tsconfig.json $(shell find $(UI)/src -type f 2>/dev/null)

$(UI_DEPS): $(UI)/package.json $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(UI_STAMP): $(UI_DEPS) $(UI_SRC)
	cd $(UI) && npm run build --silent
	@touch $@

ui:
	@if command -v npm >/dev/null 2>&1 || bash scripts/system-deps.sh node; then \
	  $(MAKE) -s --no-print-directory $(UI_STAMP); \
	else \
	  echo "make ui: npm not found and not installable here; install Node.js >= 18 with npm," \
	    "then run 'make ui'. Argus runs without its web UI until then."; \
	fi

# The demo services run beside Argus (the embedded config scrapes them) and are
# stopped by their PID when Argus exits.
run: $(STAMP) ui
	@$(BIN)/argus demo & demo=$$!; \
	trap 'kill $$demo 2>/dev/null; wait $$demo 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/argus $(ARGS)

# Real peers (promtool, Prometheus, VictoriaMetrics) come from Debian's packages.
system-deps:
	@bash scripts/system-deps.sh

test: $(STAMP) system-deps ui
	$(BIN)/pytest -q $(ARGS)

test-all: $(STAMP) system-deps ui
	$(BIN)/pytest -q -m '' $(ARGS)

check: $(STAMP)
	$(BIN)/ruff format --check argus tests bench
	$(BIN)/ruff check argus tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

lint: $(STAMP)
	$(BIN)/ruff format argus tests bench
	$(BIN)/ruff check --fix argus tests bench

bench: $(STAMP) system-deps
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
