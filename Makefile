# One entry point for set-up, rebuild, tests and benchmarks.
#   make all   : set up .venv (pinned), rebuild data/processed/, execute notebooks, write figures/
#   make test  : same set-up, then pytest (unit tests + nbval over every notebook)
#   make bench : benchmarks, results written to bench/results.json
#   make heavy-simulation : the offline simulation runs (about half an hour of CPU; not part of all/test)
#   make heavy-simulation-accidents : the accident stage's offline simulation (about ten CPU minutes)
SHELL := /bin/bash
# The lock is compiled for Python 3.11: prefer python3.11 where the machine has several.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
INDEX ?= https://pypi.org/simple
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
STAMP := $(VENV)/.installed

# Thread counts fixed so numerical results do not depend on the machine.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg
# The same machine code on every x86-64 processor with AVX2, so that tables and notebook outputs
# do not change in their last digits from one processor to another: OpenBLAS otherwise picks
# its kernels (and their order of summation) by processor, and NumPy its AVX-512 loops. On an
# AMD EPYC with AVX-512 the unpinned build differed from the committed tables in 11 of 27
# files (nbval failed in 4 cells); see README, "Reproducibility". Elsewhere (ARM, old x86)
# nothing is pinned.
ifeq ($(shell uname -m)$(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo y),x86_64y)
export OPENBLAS_CORETYPE ?= Haswell
export NPY_DISABLE_CPU_FEATURES ?= X86_V4 AVX512_ICL AVX512_SPR
endif

# Python writes the bytecode of the modules it imports. uv installs without .pyc files, and
# where PYTHONDONTWRITEBYTECODE is set (as on the CI machine) every process (each build, test
# worker, subprocess, notebook kernel and spawned worker) compiled pandas, SciPy,
# scikit-learn and the rest from source again: 8.9 s to import what a build imports, 3.1 s
# with the bytecode. The files go to .venv and to __pycache__ folders, which git ignores.
unexport PYTHONDONTWRITEBYTECODE
# Test builds of other corpora skip the simulation studies and the topic selection (set by
# tests/conftest.py inside pytest); the repository's own build never does, whatever the shell.
unexport ANALYSIS_SKIP_SIMULATION ANALYSIS_SKIP_TOPIC_SELECTION

.PHONY: all setup data notebooks test bench heavy-simulation heavy-simulation-accidents lock \
        clean-processed env

all: setup data notebooks

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is needed (the lock is compiled for it): run make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): requirements.lock pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(PY) --index-url $(INDEX) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(STAMP)

setup: $(STAMP)

# The numerical variables every make target runs with, as shell exports, for JupyterLab:
# eval "$$(make -s env)"; .venv/bin/jupyter lab (MPLBACKEND is left out: figures show inline).
env:
	@for v in OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS PYTHONHASHSEED \
	          OPENBLAS_CORETYPE NPY_DISABLE_CPU_FEATURES; do \
	    [ -n "$${!v}" ] && echo "export $$v='$${!v}'"; done; true

# Exit code 1 = built, but some input files had problems (listed); the rest of the corpus is
# processed, so `make all` goes on to the notebooks. Other failures stop make.
data: setup
	$(PY) -m analysis build || [ $$? -eq 1 ]

# Notebooks run one per core (each in its own kernel, so the outputs are those of a serial run).
notebooks: data
	$(PY) -m analysis run-notebook --jobs 0 $(NOTEBOOKS)

# The build runs first so that nbval checks the notebooks against freshly rebuilt tables.
# Test files run on every core (pytest-xdist); --dist loadfile keeps each file, and so each
# notebook's cells, on one worker in order. --no-loadscope-reorder keeps the order of
# tests/conftest.py (the slowest files first) instead of xdist's (files with most tests first).
test: data
	$(PY) -m pytest -n auto --dist loadfile --no-loadscope-reorder --nbval -p no:cacheprovider \
	    tests notebooks

bench: setup
	$(PY) -m analysis bench --out bench/results.json

# Offline heavy simulation (issue 13): stores src/analysis/data/heavy_simulation.csv and .json,
# which the build's simulation stage appends to simulation_study.csv. Slow, so run by hand.
heavy-simulation: setup
	nice -n 10 $(PY) -m analysis heavy-simulation

# Offline accident simulation study (issue 14): 400 worlds per process, about ten minutes of CPU;
# stores src/analysis/data/heavy_accident_*.csv and .json, which the accident stage appends.
heavy-simulation-accidents: setup
	nice -n 10 $(PY) -m analysis heavy-simulation --accidents

# Regenerate the lock after changing dependencies in pyproject.toml.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --python-version 3.11 --generate-hashes \
	  --index-url $(INDEX) --no-header -o requirements.lock
