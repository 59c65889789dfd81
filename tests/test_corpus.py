"""Corpus download, verification and caching, exercised against a real HTTP server on localhost."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from minillm.data import corpus
from minillm.data.corpus import (
    CORPORA,
    CorpusError,
    CorpusSpec,
    corpus_path,
    load_corpus,
    load_text,
)
from minillm.data.crosswoz import build_crosswoz_templates
from minillm.data.reviews import build_reviews
from minillm.data.tang import build_tang_poems

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n"


def _spec(server, body: str = TEXT, **kw) -> CorpusSpec:
    server.routes["/input.txt"] = body.encode()
    fields = dict(
        name="tiny",
        filename="tiny.txt",
        sha256=hashlib.sha256(body.encode()).hexdigest(),
        urls=(server.url + "/input.txt",),
        description="test corpus",
    )
    fields.update(kw)
    return CorpusSpec(**fields)


@pytest.fixture
def register(monkeypatch):
    def _register(spec: CorpusSpec) -> CorpusSpec:
        monkeypatch.setitem(CORPORA, spec.name, spec)
        return spec

    return _register


def test_download_verifies_and_caches(http_server, data_home, register):
    register(_spec(http_server))
    assert load_corpus("tiny") == TEXT
    assert (data_home / "tiny.txt").read_text(encoding="utf-8") == TEXT
    assert load_corpus("tiny") == TEXT  # second call reads the cache
    assert http_server.requests == ["/input.txt"]
    assert [p.name for p in data_home.iterdir()] == ["tiny.txt"]


def test_wrong_checksum_caches_nothing(http_server, data_home, register):
    register(_spec(http_server, sha256="0" * 64))
    with pytest.raises(CorpusError, match="expected 0000"):
        load_corpus("tiny")
    assert not data_home.exists() or list(data_home.iterdir()) == []


def test_interrupted_download_leaves_no_file(http_server, data_home, register):
    spec = register(_spec(http_server))
    http_server.routes["/input.txt"] = ("truncate", TEXT.encode())
    with pytest.raises(CorpusError, match=spec.filename):
        load_corpus("tiny")
    assert not data_home.exists() or list(data_home.iterdir()) == []


def test_offline_error_says_which_file_goes_where(data_home, register):
    with socket.socket() as s:  # a port nobody listens on: connection refused, as offline
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = register(
        CorpusSpec("tiny", "tiny.txt", "ab" * 32, (f"http://127.0.0.1:{port}/x",), "test")
    )
    with pytest.raises(CorpusError) as err:
        load_corpus("tiny")
    message = str(err.value)
    assert spec.filename in message and spec.sha256 in message
    assert str(data_home / "tiny.txt") in message and "MINILLM_DATA_DIR" in message


def test_damaged_cache_is_reported(http_server, data_home, register):
    register(_spec(http_server))
    load_corpus("tiny")
    (data_home / "tiny.txt").write_text("damaged", encoding="utf-8")
    with pytest.raises(CorpusError, match="delete it"):
        load_corpus("tiny")


def test_no_download_when_not_allowed(http_server, data_home, register):
    register(_spec(http_server))
    with pytest.raises(CorpusError, match="not cached"):
        corpus_path("tiny", download=False)
    assert http_server.requests == []


def test_offline_switch_stops_every_download(http_server, data_home, register, monkeypatch):
    register(_spec(http_server))
    monkeypatch.setenv("MINILLM_OFFLINE", "1")
    with pytest.raises(CorpusError, match=r"MINILLM_OFFLINE is set.*unset MINILLM_OFFLINE"):
        load_corpus("tiny")
    assert http_server.requests == []
    monkeypatch.setenv("MINILLM_OFFLINE", "0")  # "0" (or empty) means online
    assert load_corpus("tiny") == TEXT and http_server.requests == ["/input.txt"]
    monkeypatch.setenv("MINILLM_OFFLINE", "1")
    assert load_corpus("tiny") == TEXT  # a cached corpus is read offline too


def test_load_text_falls_back_without_asking_the_network(
    http_server, data_home, register, monkeypatch
):
    register(_spec(http_server, name="tinyshakespeare"))
    monkeypatch.setenv("MINILLM_OFFLINE", "1")
    with pytest.warns(UserWarning, match="MINILLM_OFFLINE is set"):
        text = load_text("tinyshakespeare")
    assert http_server.requests == [] and len(text.splitlines()) > 10_000


def cut_archive() -> bytes:
    """The first half of a .tar.gz: reading it ends in EOFError inside gzip."""
    data, buffer = random.Random(0).randbytes(200_000), io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("a.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


@pytest.mark.parametrize(
    "junk",
    [
        b"<html><body>Please log in to the Wi-Fi</body></html>",
        cut_archive(),
        b"",
        bytes(range(256)),
    ],
)
@pytest.mark.parametrize("build", [build_tang_poems, build_reviews, build_crosswoz_templates])
def test_junk_instead_of_a_source_is_a_corpus_error_and_load_text_falls_back(
    http_server, data_home, register, build, junk
):
    http_server.routes["/source"] = junk
    register(
        CorpusSpec(
            name="tang_poems",
            filename="junk.txt",
            sha256="0" * 64,
            urls=(http_server.url + "/source",),
            description="test",
            build=build,
        )
    )
    with pytest.raises(CorpusError, match=r"is not the expected source|sha256"):
        load_corpus("tang_poems")
    with pytest.warns(UserWarning, match="synthetic customer-service dialogues"):
        text = load_text("tang_poems")
    assert text.startswith("对话\t") and not (data_home / "junk.txt").exists()


def test_downloads_larger_than_the_cap_are_refused(http_server, data_home, register, monkeypatch):
    monkeypatch.setattr(corpus, "MAX_DOWNLOAD_BYTES", 20)
    register(_spec(http_server))
    with pytest.raises(CorpusError, match="larger than 20 bytes: not a source"):
        load_corpus("tiny")
    assert not (data_home / "tiny.txt").exists()


def test_unknown_corpus_lists_the_known_ones():
    with pytest.raises(
        ValueError, match="chinese_reviews, crosswoz_templates, tang_poems, tinyshakespeare"
    ):
        load_corpus("wikipedia")


def test_built_corpus_downloads_every_document(http_server, data_home, register):
    docs = [
        [
            {
                "author": "李白",
                "title": "靜夜思",
                "paragraphs": ["床前明月光，疑是地上霜。", "舉頭望明月，低頭思故鄉。"],
            }
        ],
        [
            {
                "author": "王維",
                "title": "鹿柴",
                "paragraphs": ["空山不見人，但聞人語響。", "返景入深林，復照青苔上。"],
            }
        ],
    ]
    raw = [json.dumps(d, ensure_ascii=False).encode() for d in docs]
    for i, body in enumerate(raw):
        http_server.routes[f"/poet.{i}.json"] = body
    expected = build_tang_poems(raw)
    register(
        CorpusSpec(
            name="poems",
            filename="poems.txt",
            sha256=hashlib.sha256(expected.encode()).hexdigest(),
            urls=tuple(f"{http_server.url}/poet.{i}.json" for i in range(2)),
            description="test",
            build=build_tang_poems,
        )
    )
    text = load_corpus("poems")
    assert text == expected and "李白\t床前明月光，疑是地上霜。举头望明月，低头思故乡。" in text
    assert http_server.requests == ["/poet.0.json", "/poet.1.json"]


def test_canonical_addresses():
    assert CORPORA["tinyshakespeare"].urls == (
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
    )
    urls = CORPORA["tang_poems"].urls
    assert len(urls) == 58 and all(u.startswith("https://raw.githubusercontent.com/") for u in urls)


def test_default_data_dir(monkeypatch):
    monkeypatch.delenv("MINILLM_DATA_DIR", raising=False)
    assert corpus.data_dir() == Path.home() / ".cache" / "minillm"


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("tinyshakespeare", lambda t: len(t) == 1_115_394 and t.startswith("First Citizen:")),
        ("tang_poems", lambda t: t.count("\n") == 37_046 and t.split("\t")[1] == "太宗皇帝"),
    ],
)
def test_real_corpora_from_the_cache(name, check):
    if not corpus.corpus_available(name):
        pytest.skip(f"{name} not cached in {corpus.data_dir()} (set MINILLM_DATA_DIR)")
    assert check(load_corpus(name, download=False))


def test_real_download_is_not_attempted_at_import():
    # Importing the data package must not touch the network or the cache folder.
    env = dict(os.environ, MINILLM_DATA_DIR="/nonexistent/minillm-data")
    code = "import minillm.data, minillm.data.dialogue, minillm.utils"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert not Path("/nonexistent/minillm-data").exists()


def test_load_text_falls_back_to_dialogues_offline(data_home, register):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    register(CorpusSpec("tang_poems", "t.txt", "ab" * 32, (f"http://127.0.0.1:{port}/x",), "t"))
    with pytest.warns(UserWarning, match="synthetic customer-service dialogues"):
        text = load_text("tang_poems")
    rows = [line.split("\t") for line in text.splitlines()]
    assert len(rows) > 10_000 and all(len(row) == 3 for row in rows)


def test_load_text_is_the_corpus_when_available(http_server, data_home, register):
    register(_spec(http_server))
    assert load_text("tiny") == TEXT
