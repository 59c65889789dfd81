"""Tang poem corpus: rebuild ``tang_poems.txt`` from the chinese-poetry 全唐诗 JSON files.

The corpus keeps the regulated verse (4 or 8 lines of 5 or 7 characters), converted to Simplified
Chinese with OpenCC ``t2s``, one poem per line as ``title<TAB>author<TAB>poem``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

TANG_BASE_URL = "https://raw.githubusercontent.com/chinese-poetry/chinese-poetry/master/全唐诗/"

# poet.tang.0.json, poet.tang.1000.json, ... poet.tang.57000.json: numeric order is corpus order.
TANG_JSON_FILES = [f"poet.tang.{start}.json" for start in range(0, 58_000, 1_000)]

# Pure-Python OpenCC whose t2s tables reproduce the published file byte for byte
# (the official `opencc` 1.1.5 to 1.2.0 do too; 1.1.1 and 1.3 onwards do not).
OPENCC_REQUIREMENT = "opencc-python-reimplemented==0.1.7"

LINE_END = re.compile("[，。？！；]")
MISSING_CHAR = "□"  # marks a character lost in the source; such poems are dropped


def tang_json_urls() -> list[str]:
    """Download addresses of ``TANG_JSON_FILES``, with the Chinese folder name percent-encoded."""
    return [quote(TANG_BASE_URL + name, safe=":/") for name in TANG_JSON_FILES]


def split_lines(poem: str) -> list[str]:
    """Split a poem into verse lines at ，。？！； dropping empty pieces (as after a doubled "。。")."""
    return [line for line in LINE_END.split(poem) if line]


def is_regulated(lines: Sequence[str]) -> bool:
    """True for regulated verse: 4 or 8 lines, all 5 or all 7 characters long."""
    return len(lines) in (4, 8) and {len(line) for line in lines} in ({5}, {7})


def build_tang_poems(documents: Iterable[bytes | str]) -> str:
    """Return the text of ``tang_poems.txt`` from the JSON documents of ``TANG_JSON_FILES``, in order.

    A poem is its paragraphs joined without separator; it is kept when it is regulated verse with
    no ``MISSING_CHAR``. Title, author and poem are each converted with OpenCC ``t2s``.
    """
    try:
        from opencc import OpenCC
    except ImportError as err:
        raise ImportError(
            f"build_tang_poems needs OpenCC: pip install '{OPENCC_REQUIREMENT}'"
        ) from err
    convert = OpenCC("t2s").convert

    rows = []
    for document in documents:
        for entry in json.loads(document):
            poem = "".join(entry["paragraphs"])
            if MISSING_CHAR in poem or not is_regulated(split_lines(poem)):
                continue
            rows.append("\t".join(map(convert, (entry["title"], entry["author"], poem))))
    return "".join(row + "\n" for row in rows)
