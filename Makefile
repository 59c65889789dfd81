# The book's commands. Each target sets up .venv on its own first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# A JupyterHub address for the launch button, e.g. `make book JUPYTERHUB_URL=https://hub.example.edu`.
JUPYTERHUB_URL ?=
# The notebooks `make outputs` and `make nbval` act on, e.g. NOTEBOOKS=notebooks/ch03_algorithms.ipynb.
NOTEBOOKS ?= notebooks/*.ipynb

# Notebook kernels run in notebooks/, so a data folder given relative to the repository (e.g.
# `make book MINILLM_DATA_DIR=../shared/data`) is made absolute before they see it.
ifneq ($(MINILLM_DATA_DIR),)
override MINILLM_DATA_DIR := $(abspath $(MINILLM_DATA_DIR))
export MINILLM_DATA_DIR
endif
# Notebook kernels started by jupyter-book and nbval must be this venv's Python.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYTHONHASHSEED := 0
# Saved outputs reproduce bit for bit only where every CPU runs the same kernels with the same number of
# threads: pin ATen, MKL and oneDNN to their AVX2 code paths (an AVX-512 CPU would otherwise round
# differently) and use 2 threads. MKL honours its AVX2 branch on Intel CPUs only; on AMD it picks
# kernels by processor model, so training digits can differ between AMD models. GPU kernels are not
# affected. Override with e.g. `make test THREADS=8`.
THREADS ?= 2
export OMP_NUM_THREADS := $(THREADS)
export ATEN_CPU_CAPABILITY := avx2
export MKL_CBWR := AVX2
export ONEDNN_MAX_CPU_ISA := AVX2

.PHONY: help install book outputs nbval student grade test test-fast lint lab bench gpu-check clean distclean

help:
	@echo "make book   execute every notebook and render the site to _build/html"
	@echo "make test   unit tests, cross-checks, browser tests, nbval and an offline run of every notebook"
	@echo "make test-fast  the same without the browser, JupyterLab and offline-chapter tests"
	@echo "make outputs  execute the notebooks in place, saving the outputs nbval compares against"
	@echo "make nbval  re-run the notebooks and compare every cell with its saved outputs"
	@echo "make student  student notebooks (solutions removed) in _build/student"
	@echo "make grade SUBMISSIONS='hand-in/*/*.ipynb'  grade student notebooks with nbval"
	@echo "make lab    JupyterLab on the notebooks"
	@echo "make bench  every benchmark in bench/, each printing ours next to a reference"
	@echo "make gpu-check  every chapter timed on the GPU, plus the benchmarks, into bench/results/"
	@echo "make clean  remove build outputs (make distclean also removes .venv)"

install: $(STAMP)

# torch rule: keep a torch that is already importable (Colab, CUDA machines: the venv then sees the
# system site-packages); otherwise install the CPU wheel torch==2.13.0 before anything can pull CUDA.
# Browser tests drive Debian's chromium; Chinese text and the chat's 👍/👎 need CJK and emoji fonts:
# installed with apt where they are missing and apt is usable (tests that need them skip elsewhere).
# The site's widget scripts come from the npm registry (book/vendor_js.py), so pages need no CDN.
$(STAMP): pyproject.toml requirements.txt
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK" \
	        || ! fc-list 2>/dev/null | grep -q "Noto Color Emoji"; then \
	    if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	        apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; \
	    else echo "note: chromium or its fonts are missing and apt is unavailable: browser tests skip"; fi; \
	fi
	@if $(PYTHON) -c "import torch" 2>/dev/null; then \
	    echo "using the torch already installed"; $(PYTHON) -m venv --system-site-packages $(VENV); \
	else $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[book,dev,hf]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(BIN)/python book/vendor_js.py
	touch $(STAMP)

# --warningiserror: a cell error or any Sphinx warning fails the build.
book: $(STAMP)
ifeq ($(JUPYTERHUB_URL),)
	$(BIN)/jupyter-book build . --warningiserror --keep-going
else
	sed 's|^  jupyterhub_url:.*|  jupyterhub_url: "$(JUPYTERHUB_URL)"|' _config.yml > _config.hub.yml
	$(BIN)/jupyter-book build . --config _config.hub.yml --warningiserror --keep-going
endif
	@echo "The site is at file://$(CURDIR)/_build/html/index.html"

# pytest with nbval comparing every notebook cell with its saved outputs (noise such as addresses
# and timings masked by tests/nbval_sanitize.cfg); the test, nbval and grade targets share it.
PYTEST_NBVAL = $(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
    --nbval-current-env -p no:cacheprovider

# After editing a chapter: its saved outputs are what nbval checks, so they come from this environment.
outputs: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace $(NOTEBOOKS)

nbval: $(STAMP)
	$(PYTEST_NBVAL) $(NOTEBOOKS)

# Classroom: hand out _build/student; collect one folder per student (hand-in/<name>/chNN_*.ipynb).
student: $(STAMP)
	rm -rf _build/student
	$(BIN)/python -m minillm student --out _build/student $(NOTEBOOKS)

# Each submission's answers go into the chapter notebook, whose saved outputs are the ✅ verdicts:
# a failing cell is an exercise answered wrongly (or a cell the answer broke).
SUBMISSIONS ?= hand-in/*/*.ipynb
grade: $(STAMP)
	rm -rf _build/grade
	$(BIN)/python -m minillm grade --out _build/grade $(SUBMISSIONS)
	$(PYTEST_NBVAL) -q _build/grade

test: $(STAMP) lint
	$(PYTEST_NBVAL) tests notebooks

# Everything but the tests that drive chromium or JupyterLab (marked `browser`) and those that
# execute every chapter again offline (marked `offline`).
test-fast: $(STAMP) lint
	$(PYTEST_NBVAL) -m "not browser and not offline" tests notebooks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	@for script in bench/[!_]*.py; do \
	    [ "$$script" = bench/gpu_check.py ] && continue; \
	    echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Every chapter executed and timed on CUDA (the notebooks take their bigger settings), then the
# decoding and training benchmarks; the table goes to bench/results/. GPU_CHECK_ARGS=--cpu gives
# the same table on the CPU; THREADS=16 lets the CPU parts use more cores.
GPU_CHECK_ARGS ?=
gpu-check: $(STAMP)
	$(BIN)/python bench/gpu_check.py $(GPU_CHECK_ARGS)

clean:
	rm -rf _build _config.hub.yml .jupyter_cache .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
