"""bench/gpu_check.py times each notebook in a fresh kernel and reports the first failing cell."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
from gpu_check import run_notebook


def write(path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, path)
    return path


def test_run_notebook_times_and_reports_errors(tmp_path):
    seconds, error = run_notebook(
        write(tmp_path / "ok.ipynb", "x = 1", "import time; time.sleep(0.3)")
    )
    assert error is None and 0.3 <= seconds < 60
    original = (tmp_path / "ok.ipynb").read_text()
    seconds, error = run_notebook(write(tmp_path / "bad.ipynb", "x = 1", "raise ValueError('no')"))
    assert error is not None and "ValueError" in error and "no" in error
    assert (tmp_path / "ok.ipynb").read_text() == original  # outputs are never written back
    seconds, error = run_notebook(write(tmp_path / "slow.ipynb", "import time; time.sleep(30)"), 1)
    assert error.startswith("CellTimeoutError") and seconds < 30
