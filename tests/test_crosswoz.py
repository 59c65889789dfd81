"""CrossWOZ templates read out of ConvLab-3's source archive: the builder, the mirror of registry
archives, a read-only data folder, junk instead of an archive, and the real templates when mirrored."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

from minillm.data import CORPORA, CorpusError, CorpusSpec, corpus, load_corpus
from minillm.data.corpus import corpus_available
from minillm.data.crosswoz import (
    CONVLAB_URL,
    TEMPLATE_DIR,
    build_crosswoz_templates,
    crosswoz_templates,
    dialogue_acts,
    lexicalise,
    placeholders,
)

TABLES = {
    "manual_user": {
        "General+thank+none": ["多谢您了。"],
        "Inform+景点+名称": ["我打算去[Inform+景点+名称]。"],
    },
    "manual_system": {"General+bye+none": ["再见！"]},
    "auto_user": {"General+greet+none": ["你好"]},
    "auto_system": {"General+greet+none": ["您好！"]},
}


def _archive(tables=TABLES, extra=None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        files = {f"{TEMPLATE_DIR}/{k}_template_nlg.json": json.dumps(v) for k, v in tables.items()}
        for name, text in {**files, **(extra or {})}.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _register(monkeypatch, url: str, body: bytes) -> str:
    expected = build_crosswoz_templates([body])
    spec = CorpusSpec(
        name="crosswoz_templates",
        filename="crosswoz_templates.json",
        sha256=hashlib.sha256(expected.encode()).hexdigest(),
        urls=(url,),
        description="test",
        build=build_crosswoz_templates,
    )
    monkeypatch.setitem(CORPORA, spec.name, spec)
    return expected


def test_build_reads_the_four_tables_and_names_a_missing_one():
    tables = json.loads(build_crosswoz_templates([_archive(extra={"convlab/setup.py": "x"})]))
    assert tables == TABLES
    with pytest.raises(KeyError, match="manual_user_template_nlg"):
        build_crosswoz_templates(
            [_archive({k: v for k, v in TABLES.items() if k != "manual_user"})]
        )


def test_download_caches_then_the_templates_read_by_side(http_server, data_home, monkeypatch):
    http_server.routes["/convlab-3.0.1.tar.gz"] = _archive()
    _register(monkeypatch, http_server.url + "/convlab-3.0.1.tar.gz", _archive())
    assert crosswoz_templates("user") == TABLES["manual_user"]
    assert crosswoz_templates("system", source="auto") == TABLES["auto_system"]
    assert (data_home / "crosswoz_templates.json").exists()
    assert http_server.requests == ["/convlab-3.0.1.tar.gz"]  # later calls read the cache
    with pytest.raises(ValueError, match="side must be one of"):
        crosswoz_templates("agent")


def test_the_mirror_of_registry_archives_is_used_offline_and_left_as_it_is(
    http_server, tmp_path, monkeypatch
):
    mirror = tmp_path / "mirror"
    (mirror / "archives").mkdir(parents=True)
    (mirror / "archives" / "convlab-3.0.1.tar.gz").write_bytes(_archive())
    expected = _register(monkeypatch, http_server.url + "/convlab-3.0.1.tar.gz", _archive())
    monkeypatch.setenv("MINILLM_DATA_DIR", str(mirror))
    monkeypatch.setenv("MINILLM_OFFLINE", "1")
    assert corpus_available("crosswoz_templates")
    assert load_corpus("crosswoz_templates") == expected
    assert sorted(p.name for p in mirror.iterdir()) == ["archives"]
    assert http_server.requests == []


def test_a_read_only_data_folder_serves_the_text_uncached(http_server, data_home, monkeypatch):
    http_server.routes["/convlab-3.0.1.tar.gz"] = _archive()
    expected = _register(monkeypatch, http_server.url + "/convlab-3.0.1.tar.gz", _archive())

    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(corpus, "_write_atomically", refuse)
    assert load_corpus("crosswoz_templates") == expected
    assert not (data_home / "crosswoz_templates.json").exists()


def test_junk_instead_of_the_archive_is_a_corpus_error(http_server, data_home, monkeypatch):
    http_server.routes["/convlab-3.0.1.tar.gz"] = b"<html>Please log in to the Wi-Fi</html>"
    _register(monkeypatch, http_server.url + "/convlab-3.0.1.tar.gz", _archive())
    with pytest.raises(CorpusError, match=r"not the expected source.*nothing was cached"):
        load_corpus("crosswoz_templates")
    assert not (data_home / "crosswoz_templates.json").exists()


def test_acts_placeholders_and_filling():
    assert dialogue_acts("Inform+景点+名称*Request+景点+地址") == [
        ("Inform", "景点", "名称"),
        ("Request", "景点", "地址"),
    ]
    assert dialogue_acts("Inform+餐馆+推荐菜1+推荐菜2") == [("Inform", "餐馆", "推荐菜1+推荐菜2")]
    template = "我打算去[Inform+景点+名称]，再找家[Inform+餐馆+名称]。"
    assert placeholders(template) == ["Inform+景点+名称", "Inform+餐馆+名称"]
    filled = lexicalise(template, {"Inform+景点+名称": "故宫", "Inform+餐馆+名称": "全聚德"})
    assert filled == "我打算去故宫，再找家全聚德。"
    with pytest.raises(ValueError, match=r"no value for \['Inform\+餐馆\+名称'\]"):
        lexicalise(template, {"Inform+景点+名称": "故宫"})
    assert dialogue_acts("") == []  # utterances the corpus left without an act
    with pytest.raises(ValueError, match="intent\\+domain\\+slot"):
        dialogue_acts("General")


def test_canonical_address_is_the_pypi_archive():
    spec = CORPORA["crosswoz_templates"]
    assert spec.urls == (CONVLAB_URL,) and spec.build is build_crosswoz_templates
    assert CONVLAB_URL.startswith("https://files.pythonhosted.org/packages/")
    assert CONVLAB_URL.endswith("/convlab-3.0.1.tar.gz")


def test_real_templates_when_mirrored_or_cached():
    if not corpus_available("crosswoz_templates"):
        pytest.skip(
            "convlab-3.0.1.tar.gz is not in MINILLM_DATA_DIR/archives and nothing is cached"
        )
    user = crosswoz_templates("user", "auto")
    assert len(user) == 1651 and sum(map(len, user.values())) == 40834
    system = crosswoz_templates("system", "auto")
    assert len(system) == 1391 and sum(map(len, system.values())) == 40264
    assert "多谢您了。" in crosswoz_templates("user")["General+thank+none"]
