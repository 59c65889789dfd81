"""Student notebooks lose their solutions and nothing else; filled back they are the chapters again,
and grading a class with nbval passes right answers and fails wrong or missing ones."""

from __future__ import annotations

import ast
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from minillm.exercises import classroom

ROOT = Path(__file__).parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("ch*.ipynb"))


def _sources(nb: dict) -> list[str]:
    return ["".join(cell["source"]) for cell in nb["cells"]]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_notebook_has_no_solutions_and_fills_back_exactly(path):
    reference = classroom.read_notebook(path)
    solutions = classroom.answers(reference)
    assert len(solutions) >= 3  # every chapter has at least three graded exercises
    student = classroom.strip(reference)
    assert classroom.answers(student) == [f"    {classroom.PLACEHOLDER}\n"] * len(solutions)
    for ref_cell, cell in zip(reference["cells"], student["cells"]):
        if classroom.BEGIN in "".join(ref_cell["source"]):
            assert cell["outputs"] == [] and cell["execution_count"] is None
            assert "check_" in "".join(cell["source"])  # the check still runs on the placeholder
        else:
            assert cell == ref_cell  # prose, code and outputs outside the exercises are kept
    for cell in student["cells"]:
        if cell["cell_type"] == "code" and not "".join(cell["source"]).startswith(("%", "!")):
            ast.parse("".join(cell["source"]))
    assert _sources(classroom.fill(student, solutions)) == _sources(reference)


def test_markers_that_do_not_pair_are_named():
    nb = {"cells": [{"cell_type": "code", "source": ["x = 1\n", "### BEGIN SOLUTION\n"]}]}
    with pytest.raises(ValueError, match=r"cell 0.*END SOLUTION"):
        classroom.answers(nb)
    reference = classroom.read_notebook(CHAPTERS[0])
    with pytest.raises(ValueError, match="answer blocks"):
        classroom.fill(reference, ["    return 1\n"])


def test_grade_needs_a_chapter_of_the_same_name(tmp_path):
    stray = tmp_path / "alice" / "homework.ipynb"
    classroom.write_notebook({"cells": []}, stray)
    with pytest.raises(FileNotFoundError, match=r"homework\.ipynb"):
        classroom.grade_notebooks([stray], ROOT / "notebooks", tmp_path / "out")


def test_grading_a_class_with_nbval(tmp_path):
    """Three students hand in chapter 7: all right, one exercise wrong, nothing done."""
    chapter = ROOT / "notebooks" / "ch07_resources.ipynb"
    reference = classroom.read_notebook(chapter)
    solutions = classroom.answers(reference)
    student = classroom.strip(reference)
    hand_in = tmp_path / "hand-in"
    assert len(solutions) == 5
    # the last exercise (length-penalty crossover) not solved
    wrong = [*solutions[:4], "    return 1.0\n"]
    alice, bob = classroom.fill(student, solutions), classroom.fill(student, wrong)
    for name, nb in [("alice", alice), ("bob", bob), ("carol", student)]:
        classroom.write_notebook(nb, hand_in / name / chapter.name)

    out = tmp_path / "grade"
    cli = [sys.executable, "-m", "minillm", "grade", "--out", str(out), "--reference"]
    graded = subprocess.run(
        [*cli, str(ROOT / "notebooks"), *map(str, sorted(hand_in.glob("*/*.ipynb")))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(graded.stdout.split()) == 3
    report = tmp_path / "report.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(out),
            "--nbval",
            "--nbval-sanitize-with",
            str(ROOT / "tests" / "nbval_sanitize.cfg"),
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--junitxml={report}",
        ],
        capture_output=True,
        cwd=tmp_path,
        timeout=600,
    )
    failed: dict[str, int] = {"alice": 0, "bob": 0, "carol": 0}
    for case in ET.parse(report).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed[
                next(n for n in failed if n in case.get("classname", "") + case.get("name"))
            ] += 1
    assert failed == {"alice": 0, "bob": 1, "carol": 5}
