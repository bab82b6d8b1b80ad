# The two commands of the README: `make run` (main job) and `make test` (suite).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test bench-install clean

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
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q -p no:cacheprovider tests/estimators/test_kernels.py tests/estimators/test_kernels_nd.py

# the benchmarks' peers (optional; the package never imports them). IDTxl comes as `idtxl-uv` and runs JIDT
# through JPype (Java needed); its mpi4py dependency is dropped where no MPI library loads, as IDTxl
# then runs without it.
bench-install: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]" idtxl-uv
	$(PY) -c "import mpi4py.MPI" 2>/dev/null || $(PY) -m pip uninstall --quiet -y mpi4py

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
