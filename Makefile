# Argus: `make run` starts the server, `make test` runs the default suite.
# Both create .venv from the pinned requirements.lock on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: run test test-all check lint bench system-deps clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed: on Debian run 'apt-get install python3-venv'"; exit 1; }
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# The demo services run beside Argus (the embedded config scrapes them) and are
# stopped by their PID when Argus exits.
run: $(STAMP)
	@$(BIN)/argus demo & demo=$$!; \
	trap 'kill $$demo 2>/dev/null; wait $$demo 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/argus $(ARGS)

# Real peers (promtool, Prometheus, VictoriaMetrics) come from Debian's packages.
system-deps:
	@bash scripts/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/pytest -q $(ARGS)

test-all: $(STAMP) system-deps
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
