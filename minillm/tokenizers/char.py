"""Character tokenizer: one id per character of the training text, the simplest possible vocabulary.

Ids follow sorted character order (so they never depend on hash seeds or text order); ``<unk>`` and
the special tokens come after the characters. Characters never seen in training encode as ``<unk>``.
"""

from __future__ import annotations

from collections import Counter

from minillm.tokenizers.base import (
    SPECIAL_TOKENS,
    Tokenizer,
    check_special_tokens,
    split_on_special,
    utf8_bytes,
)

UNK_TOKEN = "<unk>"


class CharTokenizer(Tokenizer):
    """Characters -> ids. ``CharTokenizer().train(text)`` keeps every character of text."""

    def __init__(self) -> None:
        super().__init__()
        self.chars: list[str] = []  # the character of each id below len(chars)
        self._char_to_id: dict[str, int] = {}

    @property
    def unk_id(self) -> int:
        """The id every unknown character encodes to."""
        return self.special_tokens[UNK_TOKEN]

    def train(
        self,
        text: str,
        vocab_size: int | None = None,
        special_tokens=SPECIAL_TOKENS,
        verbose: bool = False,
    ) -> CharTokenizer:
        """Keep every character of text, or with vocab_size only the most frequent ones (ties: the
        smaller code point) so that characters + ``<unk>`` + special tokens make vocab_size ids.
        """
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        utf8_bytes(text)  # the vocabulary is saved as UTF-8 JSON
        special_tokens = check_special_tokens((UNK_TOKEN, *special_tokens))
        pieces = split_on_special(text, special_tokens)
        counts = Counter()
        for piece in pieces[::2]:  # special tokens are not characters of the vocabulary
            counts.update(piece)
        if vocab_size is None:
            chars = sorted(counts)
        else:
            room = vocab_size - len(special_tokens) if isinstance(vocab_size, int) else 0
            if isinstance(vocab_size, bool) or room < 1:
                raise ValueError(
                    f"vocab_size must be None or an int >= {len(special_tokens) + 1} "
                    f"(<unk> and {len(special_tokens) - 1} special tokens take "
                    f"{len(special_tokens)} ids), got {vocab_size!r}"
                )
            chars = sorted(sorted(counts, key=lambda c: (-counts[c], c))[:room])
        self._set_vocab(chars)
        self._set_special_tokens(special_tokens)
        if verbose:
            covered = sum(counts[c] for c in chars) / max(1, sum(counts.values()))
            print(
                f"{len(chars)} of {len(counts)} distinct characters kept, {covered:.2%} of the text"
            )
        return self

    def _set_vocab(self, chars: list[str]) -> None:
        self.chars = list(chars)
        self._char_to_id = {c: i for i, c in enumerate(self.chars)}
        self.vocab = {i: c.encode("utf-8") for i, c in enumerate(self.chars)}
        self.special_tokens = {}

    def _encode_ordinary(self, text: str) -> list[int]:
        unk, char_to_id = self.unk_id, self._char_to_id
        return [char_to_id.get(c, unk) for c in text]

    def _state(self) -> dict:
        return {"chars": self.chars}

    def _load_state(self, state: dict) -> None:
        chars = state["chars"]
        if any(not isinstance(c, str) or len(c) != 1 for c in chars) or len(set(chars)) != len(
            chars
        ):
            raise ValueError("chars must be distinct single characters")
        if UNK_TOKEN not in state["special_tokens"]:
            raise ValueError(f"special_tokens must hold {UNK_TOKEN}")
        self._set_vocab(chars)
