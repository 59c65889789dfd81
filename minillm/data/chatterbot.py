"""Chinese chit-chat from chatterbot-corpus: short conversations about greetings, AI, food, emotions,
films, money, science, sports and more — the everyday talk that is not a shop request.

The conversations ship as YAML files inside the package's wheel on PyPI (BSD-3-Clause); only the
Simplified Chinese files are read, as bytes, and nothing of the package is installed or imported.
"""

from __future__ import annotations

import io
import json
import zipfile

CHATTERBOT_URL = (
    "https://files.pythonhosted.org/packages/77/2a/"
    "6b6576acf8a0050f3066cc87ee4401c87840385003c60f46f145d6265b0c/"
    "chatterbot_corpus-1.3.3-py2.py3-none-any.whl"
)
CHINESE_DIR = "chatterbot_corpus/data/chinese/"


def build_chatterbot_chinese(documents: list[bytes]) -> str:
    """The text of ``chatterbot_chinese.json`` from the one downloaded document, the wheel:
    ``{category: [[utterance, reply, ...], ...]}`` for each Simplified Chinese file."""
    import yaml

    (wheel,) = documents
    tables = {}
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        for name in sorted(archive.namelist()):
            if not (name.startswith(CHINESE_DIR) and name.endswith(".yml")):
                continue
            data = yaml.safe_load(archive.read(name).decode("utf-8"))
            conversations = [[str(u).strip() for u in c] for c in data["conversations"]]
            tables[name[len(CHINESE_DIR) : -len(".yml")]] = conversations
    if not tables:
        raise ValueError(f"no {CHINESE_DIR}*.yml in the wheel")
    return json.dumps(tables, ensure_ascii=False, sort_keys=True, indent=0)


def chatterbot_conversations() -> dict[str, list[list[str]]]:
    """The Chinese conversations by category (the file name: ``greetings``, ``ai``, ``humor``, …)."""
    from minillm.data.corpus import load_corpus

    return json.loads(load_corpus("chatterbot_chinese"))
