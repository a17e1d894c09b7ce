# Contested Map: `make run` starts the app, `make test` runs every test. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The extraction modules compiled with mypyc (interpreted where there is no C compiler).
NATIVE := $(VENV)/.native-stamp
NATIVE_SOURCES := geo/native.py geo/textnorm.py geo/matcher.py geo/sentences.py geo/speakers.py geo/mentions.py

.PHONY: run test lint bench native clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

$(NATIVE): $(STAMP) $(NATIVE_SOURCES)
	$(BIN)/python -P geo/native.py build
	@touch $(NATIVE)

native: $(NATIVE)

run: $(NATIVE)
	$(BIN)/streamlit run app.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint $(NATIVE)
	$(BIN)/python -m geo layers check
	$(BIN)/pytest

bench: $(NATIVE)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python bench/bench_extract.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_load.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache geo/*.so
