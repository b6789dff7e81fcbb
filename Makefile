# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_ARGS ?=

.PHONY: demo test bench-ingest bench-analyze bench-api clean stop

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/riskgraph demo $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py

bench-analyze: $(STAMP)
	$(BIN)/python bench/analyze.py

bench-api: $(STAMP)
	$(BIN)/python bench/api.py

stop: $(STAMP)
	$(BIN)/riskgraph store stop

clean:
	-$(BIN)/riskgraph store stop
	rm -rf $(VENV) data
