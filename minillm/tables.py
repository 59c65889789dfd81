"""Tables printed in a notebook, aligned as the eye sees them: a Chinese character is two columns wide."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font: wide (CJK, full-width) characters count two,
    combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def format_table(rows, headers=None, floatfmt: str = ".3f") -> str:
    """Rows (sequences of cells) as aligned text: numbers right-aligned (floats as ``floatfmt``),
    text left-aligned, columns two spaces apart, a rule under the headers."""
    rows = [list(row) for row in rows]
    if headers is not None:
        rows = [list(headers), *rows]
    if not rows:
        return ""
    if len({len(row) for row in rows}) != 1:
        raise ValueError(f"every row needs the same number of cells, got {[len(r) for r in rows]}")

    def cell(value) -> str:
        return format(value, floatfmt) if isinstance(value, float) else str(value)

    def numeric(value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    texts = [[cell(v) for v in row] for row in rows]
    widths = [max(display_width(t[c]) for t in texts) for c in range(len(texts[0]))]
    body = rows[1:] if headers is not None else rows
    right = [bool(body) and all(numeric(r[c]) for r in body) for c in range(len(widths))]
    lines = [
        "  ".join(_pad(t, w, r) for t, w, r in zip(row, widths, right)).rstrip() for row in texts
    ]
    if headers is not None:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_table(rows, headers=None, floatfmt: str = ".3f") -> None:
    """Print ``format_table(rows, headers, floatfmt)``."""
    print(format_table(rows, headers, floatfmt))
