"""The Tang corpus builder: regulated-verse filter, t2s conversion and, given the data, a full rebuild."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from minillm.data.tang import (
    TANG_JSON_FILES,
    build_tang_poems,
    is_regulated,
    split_lines,
    tang_json_urls,
)

TANG_SHA256 = "5588fda22cdd6bf9b81af7b86ce4c5ea4d7949dbf79e3b463f05ec1dfa2e8e4f"


@pytest.mark.parametrize(
    ("poem", "kept"),
    [
        ("床前明月光，疑是地上霜。举头望明月，低头思故乡。", True),  # 5-character quatrain
        ("朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。" * 2, True),  # 7 x 8
        ("床前明月光，疑是地上霜。举头望明月，低头思故乡？。", True),  # doubled end mark
        ("床前明月光，疑是地上霜。举头望明月，千里江陵一日还。", False),  # mixed lengths
        ("床前明月光，疑是地上霜。举头望明月，低头思故乡。空山不见人，但闻人语响。", False),  # 6
        ("君不见，黄河之水天上来。奔流到海不复回。", False),
        ("", False),
    ],
)
def test_regulated_verse_filter(poem, kept):
    assert is_regulated(split_lines(poem)) is kept


def test_upstream_files_and_urls():
    assert len(TANG_JSON_FILES) == 58
    assert TANG_JSON_FILES[:3] == ["poet.tang.0.json", "poet.tang.1000.json", "poet.tang.2000.json"]
    assert tang_json_urls()[0] == (
        "https://raw.githubusercontent.com/chinese-poetry/chinese-poetry/master/"
        "%E5%85%A8%E5%94%90%E8%AF%97/poet.tang.0.json"
    )


LINE_2 = "舉頭望明月，低頭思故鄉。"
LOST = "返景入深林，復照□苔上。"  # □ marks a character lost in the source: the poem is dropped


def test_build_converts_and_filters():
    document = [
        {"title": "靜夜思", "author": "李白", "paragraphs": ["床前明月光，疑是地上霜。", LINE_2]},
        {"title": "鹿柴", "author": "王維", "paragraphs": ["空山不見人，但聞人語響。", LOST]},
        {"title": "將進酒", "author": "李白", "paragraphs": ["君不見，黃河之水天上來。"]},
    ]
    text = build_tang_poems([json.dumps(document, ensure_ascii=False).encode()])
    assert text == "静夜思\t李白\t床前明月光，疑是地上霜。举头望明月，低头思故乡。\n"


def test_missing_opencc_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "opencc", None)
    with pytest.raises(ImportError, match="pip install 'opencc-python-reimplemented"):
        build_tang_poems(["[]"])


def test_full_rebuild_matches_published_file():
    data_dir, json_dir = os.environ.get("MINILLM_DATA_DIR"), os.environ.get("MINILLM_TANG_JSON_DIR")
    if not (data_dir and json_dir and (Path(data_dir) / "tang_poems.txt").is_file()):
        pytest.skip("set MINILLM_DATA_DIR (with tang_poems.txt) and MINILLM_TANG_JSON_DIR")
    documents = [(Path(json_dir) / name).read_bytes() for name in TANG_JSON_FILES]
    assert hashlib.sha256(build_tang_poems(documents).encode("utf-8")).hexdigest() == TANG_SHA256
