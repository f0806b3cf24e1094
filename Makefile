# Two commands a new user types: `make demo` and `make test`.
# Everything installs into .venv from this project's own files.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-test demo test bench clean

# The product alone (enough for `dsr write`, `dsr check`, `dsr export`).
setup: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# Everything the test suite exercises (training, synthesis, Ray, the browser driver).
setup-test: $(VENV)/.installed-test
$(VENV)/.installed-test: pyproject.toml scripts/system-deps.sh
	scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# Outline -> prose -> screenplay on the embedded model, offline.
demo: setup
	$(VENV)/bin/dsr write examples/short_film.yaml -o runs/demo

# Two workers on a two-core machine: the model tests wait on llama.cpp much of
# the time, so the suite takes about half as long; never more than 4 workers,
# each of which loads its own models.
test: setup-test
	$(PY) -m pytest -q -n auto --maxprocesses 4

bench: setup-test
	$(PY) bench/format.py
	$(PY) bench/pipeline.py
	$(PY) bench/synth.py
	$(PY) bench/llm.py
	$(PY) bench/story_load.py
	$(PY) bench/continuity.py
	$(PY) bench/web.py
	$(PY) bench/fidelity_corpus.py
	$(PY) bench/train.py

clean:
	rm -rf runs build dist .pytest_cache
