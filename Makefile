# Two commands a new user types: `make demo` and `make test`.
# Everything installs into .venv from this project's own files.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Outline -> prose -> screenplay on the embedded model, offline.
demo: setup
	$(VENV)/bin/dsr write examples/short_film.yaml -o runs/demo
	@echo "Open runs/demo/screenplay.pdf"

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/format.py
	$(PY) bench/pipeline.py

clean:
	rm -rf runs build dist .pytest_cache
