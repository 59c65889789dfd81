"""Every chapter executes with no corpus cached and no download allowed (``MINILLM_OFFLINE=1``):
``load_text`` then hands it synthetic dialogues, so a reader offline still gets a working book."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

CHAPTERS = sorted((Path(__file__).parent.parent / "notebooks").glob("ch*.ipynb"))


@pytest.mark.offline
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_runs_offline_on_the_fallback_text(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MINILLM_DATA_DIR", str(tmp_path / "no-corpora"))
    monkeypatch.setenv("MINILLM_OFFLINE", "1")  # the kernel inherits both
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    client.execute()  # raises CellExecutionError naming the cell that failed
    printed = [
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("name") == "stderr"
    ]
    assert any("synthetic customer-service dialogues" in text for text in printed)
    assert not (tmp_path / "no-corpora").exists()  # nothing was downloaded or cached
