"""chatterbot-corpus's Chinese conversations read out of its wheel: the builder, junk instead of a
wheel, and the real conversations when the registry archive is mirrored."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from minillm.data import CORPORA
from minillm.data.chatterbot import (
    CHATTERBOT_URL,
    CHINESE_DIR,
    build_chatterbot_chinese,
    chatterbot_conversations,
)
from minillm.data.corpus import corpus_available

GREETINGS = "categories:\n- greetings\nconversations:\n- - 你好\n  - 嗨\n- - '你好吗?'\n  - 挺好\n"


def _wheel(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_build_reads_the_simplified_chinese_files_only():
    wheel = _wheel(
        {
            CHINESE_DIR + "greetings.yml": GREETINGS,
            "chatterbot_corpus/data/traditionalchinese/greetings.yml": GREETINGS,
            "chatterbot_corpus/data/english/greetings.yml": GREETINGS,
        }
    )
    assert json.loads(build_chatterbot_chinese([wheel])) == {
        "greetings": [["你好", "嗨"], ["你好吗?", "挺好"]]
    }
    with pytest.raises(ValueError, match="no chatterbot_corpus/data/chinese"):
        build_chatterbot_chinese([_wheel({"README": "x"})])
    with pytest.raises(zipfile.BadZipFile):
        build_chatterbot_chinese([b"<html>Please log in to the Wi-Fi</html>"])


def test_canonical_address_is_the_pypi_wheel():
    spec = CORPORA["chatterbot_chinese"]
    assert spec.urls == (CHATTERBOT_URL,) and spec.build is build_chatterbot_chinese
    assert CHATTERBOT_URL.startswith("https://files.pythonhosted.org/packages/")


def test_real_conversations_when_mirrored_or_cached():
    if not corpus_available("chatterbot_chinese"):
        pytest.skip("the chatterbot_corpus wheel is not in MINILLM_DATA_DIR/archives")
    conversations = chatterbot_conversations()
    assert len(conversations) == 17 and sum(map(len, conversations.values())) == 467
    assert ["你好", "嗨"] in conversations["greetings"]
