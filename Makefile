# Contested Map: `make run` starts the app, `make test` runs every test. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench bench-scale native clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# The extraction modules compiled with mypyc (interpreted where there is no C compiler);
# geo/extract/native.py compiles again only when a compiled file is missing or older than a source.
native: $(STAMP)
	$(BIN)/python -P geo/extract/native.py build --if-needed

run: native
	$(BIN)/streamlit run app.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint native
	$(BIN)/python -m geo layers check
	$(BIN)/pytest

bench: native
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python bench/bench_extract.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_load.py

# An archive's size: 1k, 10k and 100k articles (about a million mentions) on SQLite and
# PostgreSQL, against the newcomer's approach; about an hour on two cores. SIZES=1000,10000
# for a quick run.
SIZES ?= 1000,10000,100000
bench-scale: native
	$(BIN)/python bench/bench_scale.py --sizes $(SIZES)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache geo/extract/*.so
