"""The chapters meet the book's teaching standard, read from the saved notebooks: short code cells,
minillm's own source on the page, captioned concept figures, exercises whose solutions are collapsed
on the site, prose about the subject (never the repository), and cross-references by label."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("ch*.ipynb"))
# The repository's own machinery has no place in chapter prose.
DEVTALK = re.compile(
    r"tests?/|bench/|results/|--seed|--recipe|--threads|make (?:test|nbval|outputs)|提交记录|随机种子"
)
HIDDEN = {"hide-cell", "hide-input", "remove-input", "remove-cell"}


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def outputs(cell: dict) -> str:
    texts = []
    for output in cell.get("outputs", []):
        texts.append("".join(output.get("text", "")))
        for kind in ("text/plain", "text/markdown"):
            texts.append("".join(output.get("data", {}).get(kind, "")))
    return "\n".join(texts)


def shows_source(cell: dict) -> bool:
    return "show_source(" in source(cell) and bool(
        re.search(r"^(?:def|class) \w+", outputs(cell), re.M)
    )


def figures(cell: dict) -> int:
    if cell["cell_type"] == "markdown":
        return len(re.findall(r"```\{figure\}", source(cell)))
    figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
    return int(bool(figure.get("caption")) and bool(figure.get("name")))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_are_short(path):
    lengths = [len(source(c).strip().splitlines()) for c in cells(path) if c["cell_type"] == "code"]
    assert max(lengths) <= 30, f"a code cell of {max(lengths)} lines: split it"
    assert statistics.median(lengths) <= 15


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_have_collapsed_solutions(path):
    markdown = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")
    assert len(re.findall(r"^#{3,4} 练习 \d+", markdown, re.M)) >= 4
    solutions = [c for c in cells(path) if "### BEGIN SOLUTION" in source(c)]
    assert len(solutions) >= 4
    for cell in solutions:
        assert HIDDEN & set(cell.get("metadata", {}).get("tags", [])), source(cell)[:80]
        assert "check_" in source(cell), "every answer is checked in the same cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_speaks_of_the_subject_and_links_by_label(path):
    for cell in cells(path):
        if cell["cell_type"] != "markdown":
            continue
        text = source(cell)
        assert not DEVTALK.search(text), DEVTALK.search(text).group(0)
        link = re.search(r"\[[^\]]*第\s*\d+\s*章[^\]]*\]\(ch\d\d", text)
        assert not link, f"a chapter link written by hand: {link.group(0)}; use {{ref}} or {{doc}}"


def test_the_book_shows_its_machinery_and_its_concepts():
    everything = [c for path in NOTEBOOKS for c in cells(path)]
    assert sum(shows_source(c) for c in everything if c["cell_type"] == "code") >= 20
    assert sum(figures(c) for c in everything) >= 12


def test_figure_names_are_unique_and_referenced():
    names, text = [], ""
    for path in NOTEBOOKS:
        for cell in cells(path):
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
            if figure.get("name"):
                names.append(figure["name"])
            if cell["cell_type"] == "markdown":
                text += source(cell)
    assert len(names) == len(set(names))
    unreferenced = [n for n in names if f"`{n}`" not in text and f"<{n}>" not in text]
    assert not unreferenced, f"figures the text never refers to: {unreferenced}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_saved_widgets_have_their_state(path):
    """A widget drawn on the static site needs its model in the notebook's saved widget state."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    state = notebook["metadata"].get("widgets", {})
    models = state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    views = [
        output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    ]
    assert all(view in models for view in views), f"{path.name}: re-execute it as a whole"
