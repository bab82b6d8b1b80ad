# The two commands of the README: `make run` (main job) and `make test` (suite).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test clean

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/infoflow run runs/airport  # a re-run skips the stages that are already done

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q
	# the numba kernels once more as plain Python, so their bodies are exercised against the twins
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q -p no:cacheprovider tests/estimators/test_kernels.py

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
