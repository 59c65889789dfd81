"""Student notebooks and grading: remove the solutions, and put a submission's answers back.

In a chapter notebook each exercise answer sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION``. :func:`strip` keeps the markers but replaces what is between them with a
``raise NotImplementedError`` line, so a student notebook still runs from top to bottom (the check
then prints ❌ with a hint). :func:`fill` puts answers back into the chapter notebook, whose saved
outputs are the ✅ verdicts: running nbval on the filled notebook grades the answers.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = 'raise NotImplementedError("在这里写你的答案")'
_BLOCK = re.compile(
    rf"^(?P<indent>[ \t]*){re.escape(BEGIN)}[ \t]*\n(?P<body>.*?)^[ \t]*{re.escape(END)}[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def read_notebook(path: str | Path) -> dict:
    """A notebook as the JSON dict it is stored as."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_notebook(nb: dict, path: str | Path) -> Path:
    """Write ``nb`` the way Jupyter does (one-space indent, UTF-8 kept readable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _set_source(cell: dict, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True)


def _check_markers(text: str, where: str) -> None:
    """Raise when BEGIN/END markers in ``text`` do not pair up, naming the cell."""
    if text.count(BEGIN) != text.count(END) or text.count(BEGIN) != len(_BLOCK.findall(text)):
        raise ValueError(f"{where}: every '{BEGIN}' needs its own '{END}' line after it")


def answers(nb: dict) -> list[str]:
    """The text between each pair of markers, in notebook order (what a student wrote)."""
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            text = _source(cell)
            _check_markers(text, f"cell {index}")
            found.extend(match["body"] for match in _BLOCK.finditer(text))
    return found


def strip(nb: dict) -> dict:
    """The student version of ``nb``: each solution replaced by a placeholder, and the outputs of
    exercise cells removed (they would show the ✅ of the reference answer)."""
    student = copy.deepcopy(nb)
    for index, cell in enumerate(student["cells"]):
        if cell["cell_type"] != "code" or BEGIN not in _source(cell):
            continue
        _check_markers(_source(cell), f"cell {index}")
        text = _BLOCK.sub(
            lambda m: f"{m['indent']}{BEGIN}\n{m['indent']}{PLACEHOLDER}\n{m['indent']}{END}",
            _source(cell),
        )
        _set_source(cell, text)
        cell["outputs"], cell["execution_count"] = [], None
    return student


def fill(reference: dict, filled_in: list[str]) -> dict:
    """``reference`` with its solutions replaced by ``filled_in`` (one text per marker pair)."""
    count = len(answers(reference))
    if len(filled_in) != count:
        raise ValueError(
            f"the chapter has {count} answer blocks but {len(filled_in)} answers were given; "
            f"keep every '{BEGIN}' / '{END}' pair of the student notebook"
        )
    graded, pending = copy.deepcopy(reference), iter(filled_in)
    for cell in graded["cells"]:
        if cell["cell_type"] == "code" and BEGIN in _source(cell):
            text = _BLOCK.sub(
                lambda m: f"{m['indent']}{BEGIN}\n{_ending(next(pending))}{m['indent']}{END}",
                _source(cell),
            )
            _set_source(cell, text)
    return graded


def _ending(body: str) -> str:
    return body if body.endswith("\n") or not body else body + "\n"


def make_student_notebooks(notebooks: list[Path], out_dir: Path) -> list[Path]:
    """Write the student version of each chapter notebook into ``out_dir``."""
    return [write_notebook(strip(read_notebook(nb)), Path(out_dir) / nb.name) for nb in notebooks]


def grade_notebooks(submissions: list[Path], reference_dir: Path, out_dir: Path) -> list[Path]:
    """For each submission, the chapter notebook of the same name with the submission's answers
    filled in, written under ``out_dir/<submission folder name>/``; nbval on them is the grade."""
    written = []
    for submission in submissions:
        reference = Path(reference_dir) / submission.name
        if not reference.is_file():
            raise FileNotFoundError(
                f"{submission}: no chapter notebook named {submission.name} in {reference_dir}; "
                "keep the file name of the student notebook"
            )
        graded = fill(read_notebook(reference), answers(read_notebook(submission)))
        target = Path(out_dir) / submission.resolve().parent.name / submission.name
        written.append(write_notebook(graded, target))
    return written
