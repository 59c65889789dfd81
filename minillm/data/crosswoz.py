"""CrossWOZ templates: how Chinese travellers and clerks phrase each dialogue act, values left out.

CrossWOZ (Zhu et al., 2020) is a Chinese task-oriented dialogue corpus over five Beijing travel domains
(attractions, restaurants, hotels, metro, taxi). ConvLab-3 turns its annotated turns into delexicalised
templates keyed by dialogue act, e.g. ``"Inform+景点+名称"`` → ``"我打算去[Inform+景点+名称]。"``, and ships
them inside its source archive on PyPI (Apache-2.0). Only the four template files are read, as bytes; nothing
of ConvLab is installed or imported.
"""

from __future__ import annotations

import functools
import io
import json
import re
import tarfile

CONVLAB_URL = (
    "https://files.pythonhosted.org/packages/32/cd/"
    "92314b87d2c127a4e838ab66b6e26839cfe6a22ba642344fa7ec37e85a47/convlab-3.0.1.tar.gz"
)
TEMPLATE_DIR = "convlab-3.0.1/convlab/nlg/template/crosswoz"
SOURCES = ("manual", "auto")  # written by people / collected automatically from the corpus turns
SIDES = ("user", "system")
_SLOT = re.compile(r"\[([^\[\]]+)\]")


def build_crosswoz_templates(documents: list[bytes]) -> str:
    """The text of ``crosswoz_templates.json`` from the one downloaded document, the source archive:
    ``{"auto_system": {act: [template, ...]}, "auto_user": ..., "manual_system": ..., "manual_user": ...}``."""
    (archive,) = documents
    tables = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for source in SOURCES:
            for side in SIDES:
                name = f"{TEMPLATE_DIR}/{source}_{side}_template_nlg.json"
                member = tar.extractfile(name)
                if member is None:
                    raise ValueError(f"{name} in the archive is not a regular file")
                tables[f"{source}_{side}"] = json.loads(member.read().decode("utf-8"))
    return json.dumps(tables, ensure_ascii=False, sort_keys=True, indent=0)


def crosswoz_templates(side: str = "user", source: str = "manual") -> dict[str, list[str]]:
    """Templates of one side of the dialogue, ``{act: [template, ...]}``; an act is one or more
    ``intent+domain+slot`` triples joined by ``*`` (e.g. ``"General+thank+none"``)."""
    from minillm.data.corpus import data_dir

    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    return _tables(str(data_dir()))[f"{source}_{side}"]


@functools.lru_cache(maxsize=2)
def _tables(folder: str) -> dict:
    """All four tables, read once per data folder (building them from the archive takes a second)."""
    from minillm.data.corpus import load_corpus

    return json.loads(load_corpus("crosswoz_templates"))


def dialogue_acts(act: str) -> list[tuple[str, str, str]]:
    """The (intent, domain, slot) triples of an act key: ``"Inform+景点+名称*Request+景点+地址"`` →
    ``[("Inform", "景点", "名称"), ("Request", "景点", "地址")]``; ``""`` keys the utterances the corpus
    left without an annotated act, so it has none."""
    if not isinstance(act, str):
        raise ValueError(f"act must be a str like 'Inform+景点+名称', got {act!r}")
    if not act:
        return []
    triples = []
    for part in act.split("*"):
        fields = part.split("+")
        if len(fields) < 3:
            raise ValueError(f"{part!r} in {act!r} is not intent+domain+slot")
        triples.append((fields[0], fields[1], "+".join(fields[2:])))
    return triples


def placeholders(template: str) -> list[str]:
    """The delexicalised slots of a template, in order: ``"去[Inform+景点+名称]"`` → ``["Inform+景点+名称"]``."""
    return _SLOT.findall(template)


def lexicalise(template: str, values: dict[str, str]) -> str:
    """Fill each ``[placeholder]`` of ``template`` with ``values[placeholder]``; a missing value is an error."""
    missing = [p for p in placeholders(template) if p not in values]
    if missing:
        raise ValueError(f"no value for {missing} in template {template!r}")
    return _SLOT.sub(lambda m: values[m.group(1)], template)
