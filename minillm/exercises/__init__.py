"""Checks for the exercises (练习) at the end of each chapter: each prints a one-line verdict.

A check calls the reader's function on cases with known answers and prints ✅ on success or ❌ with
a hint. The printed line is the verdict: nbval compares it, so a grader sees every ✅ and ❌.
"""

from __future__ import annotations

from collections.abc import Callable


def verdict(name: str, ok: bool, hint: str) -> bool:
    """Print the one-line verdict for exercise ``name`` and return ``ok``."""
    print(f"✅ {name}：通过" if ok else f"❌ {name}：未通过。提示：{hint}")
    return ok


def run_check(name: str, check: Callable[[], str | None]) -> bool:
    """Run ``check`` (returns None when all is well, else a hint) and print the verdict.

    An exception inside the reader's code becomes a ❌ with the exception as the hint, never a crash.
    """
    try:
        hint = check()
    except Exception as err:  # the reader's code may raise anything; report it, don't crash
        hint = f"运行时出错：{type(err).__name__}: {err}"
    return verdict(name, hint is None, hint or "")
