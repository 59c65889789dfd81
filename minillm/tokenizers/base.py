"""The interface every minillm tokenizer keeps: train, encode, decode, save, load.

A tokenizer maps text to a list of int ids and back. ``vocab`` maps each id, 0 to vocab_size - 1,
to its bytes. Special tokens (``<|user|>`` …) are strings that always become one id of their own and
are never split, so chat markup survives tokenization.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Collection, Iterable
from os import PathLike
from pathlib import Path

from minillm.chat_template import ASSISTANT_TOKEN, END_TOKEN, SYSTEM_TOKEN, USER_TOKEN

PAD_TOKEN = "<|pad|>"
SPECIAL_TOKENS = (SYSTEM_TOKEN, USER_TOKEN, ASSISTANT_TOKEN, END_TOKEN, PAD_TOKEN)
FORMAT_VERSION = 1


def utf8_bytes(text: str) -> bytes:
    """UTF-8 of text; a lone surrogate (it has no UTF-8) is a ValueError naming its position."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(
            f"text[{err.start}] = {text[err.start]!r} is a lone surrogate, which has no UTF-8 "
            "encoding; pass valid Unicode text"
        ) from None


def render_token(token: bytes) -> str:
    """Printable form of a token for display: bytes that are not UTF-8 as \\xNN, control chars escaped."""
    text = token.decode("utf-8", errors="backslashreplace")
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def split_on_special(text: str, special: Collection[str]) -> list[str]:
    """Split text around special tokens: ordinary text at even indices, a special token at odd ones."""
    if not special:
        return [text]
    # the longest first, so that a token wins over another that is its prefix
    longest_first = sorted(special, key=len, reverse=True)
    return re.split("(" + "|".join(map(re.escape, longest_first)) + ")", text)


def check_special_tokens(special_tokens: Iterable[str]) -> tuple[str, ...]:
    """The special tokens as a tuple of distinct non-empty strings, or a ValueError saying which is bad."""
    if isinstance(special_tokens, str):
        raise ValueError(
            f"special_tokens must be a sequence of str, got the str {special_tokens!r}"
        )
    tokens = tuple(special_tokens)
    for token in tokens:
        if not isinstance(token, str) or not token:
            raise ValueError(f"special tokens must be non-empty str, got {token!r}")
        utf8_bytes(token)
    if len(set(tokens)) != len(tokens):
        raise ValueError(f"special_tokens has duplicates: {tokens}")
    return tokens


class Tokenizer:
    """Base class: subclasses fill ``vocab`` and ``special_tokens`` and implement ``train``,
    ``_encode_ordinary`` (text without special tokens -> ids) and ``_state``/``_load_state`` (saving).
    """

    def __init__(self) -> None:
        self.vocab: dict[int, bytes] = {}  # id -> bytes, special tokens included
        self.special_tokens: dict[str, int] = {}  # e.g. {"<|end|>": 1022}

    @property
    def vocab_size(self) -> int:
        """Number of ids, special tokens included: the size of a model's embedding table."""
        return len(self.vocab)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vocab_size={self.vocab_size}, "
            f"special_tokens={list(self.special_tokens)})"
        )

    def train(
        self, text: str, vocab_size: int, special_tokens=SPECIAL_TOKENS, verbose: bool = False
    ) -> Tokenizer:
        """Build the vocabulary from text so that it has vocab_size ids; return self."""
        raise NotImplementedError

    def _encode_ordinary(self, text: str) -> list[int]:
        """Ids of text that holds no special tokens (the caller has checked it)."""
        raise NotImplementedError

    def _state(self) -> dict:
        """What ``save`` writes besides version, type and special tokens: plain JSON values."""
        raise NotImplementedError

    def _load_state(self, state: dict) -> None:
        """Rebuild the tokenizer from a saved state (the inverse of ``_state``)."""
        raise NotImplementedError

    def _check_text(self, text: str) -> None:
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        if not self.vocab:
            raise ValueError(
                f"this {type(self).__name__} has no vocabulary: train() or load() it first"
            )

    def encode(self, text: str, allowed_special="none") -> list[int]:
        """Text -> ids. Special tokens named by allowed_special ("all", "none" or a set of them) become
        one id each; any other occurrence of their text is encoded as ordinary characters. By default
        none is allowed (as in tiktoken and minbpe), so "<|end|>" typed by a user cannot act as one:
        code that renders a chat template passes allowed_special="all".
        """
        self._check_text(text)
        if allowed_special == "all":
            special = self.special_tokens
        elif allowed_special == "none":
            special = {}
        elif isinstance(allowed_special, (set, frozenset, list, tuple)):
            unknown = [s for s in allowed_special if s not in self.special_tokens]
            if unknown:
                raise ValueError(
                    f"allowed_special names unknown special tokens {unknown}; "
                    f"this tokenizer has {list(self.special_tokens)}"
                )
            special = {s: self.special_tokens[s] for s in allowed_special}
        else:
            raise ValueError(
                f'allowed_special must be "all", "none" or a set, got {allowed_special!r}'
            )
        if not special:
            return self._encode_ordinary(text)
        ids = []
        for k, piece in enumerate(split_on_special(text, special)):
            if k % 2:
                ids.append(special[piece])
            elif piece:
                ids.extend(self._encode_ordinary(piece))
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Ids -> text; byte sequences that are not valid UTF-8 become U+FFFD instead of raising."""
        vocab = self.vocab
        return b"".join(vocab[i] for i in self.check_ids(ids)).decode("utf-8", errors="replace")

    def check_ids(self, ids: Iterable[int]) -> list[int]:
        """The ids as a list of Python ints, or a ValueError naming the first bad one and the range.

        Accepts anything whose items are integers (lists, tuples, NumPy arrays, torch tensors);
        bools, floats and strings are rejected.
        """
        if hasattr(
            ids, "tolist"
        ):  # a NumPy array or torch tensor: one conversion, not one per item
            ids = ids.tolist()
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
            raise ValueError(f"ids must be a sequence of ints, got {type(ids).__name__}")
        n = self.vocab_size
        checked = []
        for position, i in enumerate(ids):
            try:
                if isinstance(i, bool):
                    raise TypeError
                value = operator.index(i)
            except TypeError:
                raise ValueError(
                    f"ids[{position}] = {i!r} is a {type(i).__name__}; token ids are ints "
                    f"in [0, {n - 1}]"
                ) from None
            if not 0 <= value < n:
                raise ValueError(
                    f"ids[{position}] = {value} is out of range; token ids are ints in "
                    f"[0, {n - 1}] (vocab_size {n})"
                )
            checked.append(value)
        return checked

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes of one token."""
        return self.vocab[self.check_ids([token_id])[0]]

    def id_to_str(self, token_id: int) -> str:
        """A printable rendering of one token, for tables of the vocabulary or of merges."""
        return render_token(self.token_bytes(token_id))

    def _set_special_tokens(self, special_tokens: tuple[str, ...]) -> None:
        """Give the special tokens the next free ids, in order."""
        for token in special_tokens:
            self.special_tokens[token] = len(self.vocab)
            self.vocab[len(self.vocab)] = token.encode("utf-8")

    def save(self, path: str | PathLike) -> None:
        """Write the tokenizer as readable JSON, one list item or mapping entry per line."""
        state = {
            "version": FORMAT_VERSION,
            "type": type(self).__name__,
            "special_tokens": self.special_tokens,
            **self._state(),
        }
        Path(path).write_text(_to_json(state), encoding="utf-8")

    @classmethod
    def load(cls, path: str | PathLike) -> Tokenizer:
        """Read a file written by ``save``. ``Tokenizer.load`` returns whichever kind was saved."""
        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"{path} is not valid JSON: {err}") from None
        if not isinstance(state, dict) or state.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a minillm tokenizer file of version {FORMAT_VERSION}")
        kinds = {kind.__name__: kind for kind in Tokenizer.__subclasses__()}
        kind = kinds.get(state.get("type"))
        if kind is None or not issubclass(kind, cls):
            raise ValueError(f"{path} holds a {state.get('type')!r}, not a {cls.__name__}")
        tokenizer = kind()
        try:
            tokenizer._load_state(state)
            specials = check_special_tokens(
                sorted(state["special_tokens"], key=state["special_tokens"].get)
            )
            tokenizer._set_special_tokens(specials)
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            raise ValueError(f"{path} is not a valid {kind.__name__} file: {err!r}") from None
        if tokenizer.special_tokens != state["special_tokens"]:
            raise ValueError(f"{path}: special token ids must follow the rest of the vocabulary")
        return tokenizer


def _to_json(state: dict) -> str:
    """JSON with each item of a top-level list or mapping on its own line: easy to read and diff."""
    dumps = functools.partial(json.dumps, ensure_ascii=False)
    lines = []
    for key, value in state.items():
        if isinstance(value, dict) and value:
            items = [f"{dumps(k)}: {dumps(v)}" for k, v in value.items()]
            lines.append(f"  {dumps(key)}: {{\n    " + ",\n    ".join(items) + "\n  }")
        elif isinstance(value, list) and value:
            items = [dumps(v) for v in value]
            lines.append(f"  {dumps(key)}: [\n    " + ",\n    ".join(items) + "\n  ]")
        else:
            lines.append(f"  {dumps(key)}: {dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"
