"""Byte-level BPE, as in GPT-2: text is its UTF-8 bytes (ids 0-255), and training repeatedly merges the
most frequent adjacent pair of ids into a new id. Any string encodes; no ``<unk>`` is needed.

Before counting pairs, a regex cuts text into chunks (words, numbers, punctuation, whitespace) and
merges never cross a chunk boundary. Runs of Chinese characters are chunks of their own, so a merge
can form a Chinese word but never glue Chinese to punctuation, digits, spaces or Latin letters
(``HAN_CHAR_PATTERN`` makes each Chinese character a chunk, so merges never form words).
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter, defaultdict

import regex

from minillm.tokenizers.base import (
    SPECIAL_TOKENS,
    Tokenizer,
    check_special_tokens,
    render_token,
    split_on_special,
    utf8_bytes,
)

# GPT-2's pattern with Han split out of the letters ([^\P{L}\p{Han}] = letters that are not Han).
SPLIT_PATTERN = "|".join(
    [
        r"'(?i:[sdmt]|ll|ve|re)",  # English contractions: 's 't 'd 'm 'll 've 're
        r"\p{Han}+",  # a run of Chinese characters, with nothing else
        r" ?[^\P{L}\p{Han}]+",  # a word in any other script, with its leading space
        r" ?[^\P{N}\p{Han}]+",  # a number (Han numerals such as 〇 stay with the Han run)
        r" ?[^\s\p{L}\p{N}]+",  # punctuation and symbols, ASCII and CJK (，。！…)
        r"\s+(?!\S)",  # whitespace, leaving the last space to the word after it
        r"\s+",
    ]
)
# The same with every Chinese character a chunk of its own: merges then build characters out of
# their bytes but never join characters into words, so a Chinese string is one token per character
# (rarer characters stay a few byte tokens) wherever it appears. A model that must copy words it
# has never seen, such as a chat model repeating a user's city, then copies character by character.
HAN_CHAR_PATTERN = SPLIT_PATTERN.replace(r"\p{Han}+", r"\p{Han}", 1)
PATTERNS = (SPLIT_PATTERN, HAN_CHAR_PATTERN)  # the patterns a saved tokenizer may use
LONG_CHUNK_BYTES = 256  # longer chunks are encoded by _encode_long_chunk
_CACHE_SIZE = 100_000  # encoded chunks kept by encode; a corpus repeats few distinct chunks


def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every occurrence of pair in ids, left to right, with new_id."""
    a, b = pair
    out, i, n = [], 0, len(ids)
    while i < n:
        if ids[i] == a and i + 1 < n and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


class BPETokenizer(Tokenizer):
    """Byte-level BPE with a regex pre-tokenizer; ``merges`` maps (a, b) -> new id, in training order.

    Ties: when several pairs are equally frequent, the largest pair (a, b) as a tuple of ids merges
    first, so a token just created is extended before older ones. The choice never depends on text
    order or hashing, and training is deterministic.
    """

    def __init__(self, pattern: str = SPLIT_PATTERN) -> None:
        super().__init__()
        self.pattern = pattern
        self._regex = regex.compile(pattern)
        self.merges: dict[tuple[int, int], int] = {}
        self._rebuild_vocab()

    def _rebuild_vocab(self) -> None:
        """Bytes 0-255, then one id per merge; special tokens are added after these."""
        self.vocab = {i: bytes([i]) for i in range(256)}
        for (a, b), new_id in self.merges.items():
            self.vocab[new_id] = self.vocab[a] + self.vocab[b]
        self.special_tokens = {}
        self._cache: dict[str, list[int]] = {}

    def train(
        self,
        text: str,
        vocab_size: int,
        special_tokens=SPECIAL_TOKENS,
        verbose: bool = False,
    ) -> BPETokenizer:
        """Learn vocab_size - 256 - len(special_tokens) merges from text (fewer if text runs out of
        pairs); return self. Special tokens in text are cut out first, never learned from.

        Each distinct chunk is counted once, with its frequency. Pair counts are then updated only
        for the chunks that hold the pair just merged (found through an index pair -> chunks), and
        a heap gives the most frequent pair, so one merge costs time in the chunks it touches.
        """
        special_tokens = check_special_tokens(special_tokens)
        smallest = 256 + len(special_tokens)
        if not isinstance(vocab_size, int) or isinstance(vocab_size, bool) or vocab_size < smallest:
            raise ValueError(
                f"vocab_size must be an int >= {smallest} (256 bytes + {len(special_tokens)} "
                f"special tokens), got {vocab_size!r}"
            )
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        utf8_bytes(text)
        pieces = split_on_special(text, special_tokens)
        chunks = Counter()
        for piece in pieces[::2]:
            chunks.update(self._regex.findall(piece))
        words = [list(chunk.encode("utf-8")) for chunk in chunks]
        freqs = list(chunks.values())

        counts: Counter[tuple[int, int]] = Counter()
        where: defaultdict[tuple[int, int], set[int]] = defaultdict(set)
        for w, ids in enumerate(words):
            for pair in zip(ids, ids[1:]):
                counts[pair] += freqs[w]
                where[pair].add(w)
        # A heap of (-count, -a, -b) pops the most frequent pair, ties to the largest (a, b). Counts
        # of existing pairs only ever go down, so an entry may be stale (too high): it is re-pushed
        # with the true count when popped. Pairs holding the new id are pushed when created.
        heap = [(-c, -a, -b) for (a, b), c in counts.items()]
        heapq.heapify(heap)

        self.merges = {}
        self._rebuild_vocab()
        n_merges = vocab_size - smallest
        while len(self.merges) < n_merges and heap:
            neg_count, a, b = heapq.heappop(heap)
            pair, count = (-a, -b), counts[(-a, -b)]
            if count != -neg_count:
                if count > 0:
                    heapq.heappush(heap, (-count, a, b))
                continue
            new_id = 256 + len(self.merges)
            self.merges[pair] = new_id
            self.vocab[new_id] = self.vocab[pair[0]] + self.vocab[pair[1]]
            if verbose:
                print(
                    f"merge {len(self.merges)}/{n_merges}: {pair} -> {new_id} "
                    f"'{render_token(self.vocab[new_id])}' ({count} occurrences)"
                )
            created = set()
            for w in where.pop(pair):
                old = words[w]
                new = merge(old, pair, new_id)
                if len(new) == len(old):
                    continue  # the index is lazy: this chunk lost the pair to an earlier merge
                words[w], f = new, freqs[w]
                for p in zip(old, old[1:]):
                    counts[p] -= f
                for p in zip(new, new[1:]):
                    counts[p] += f
                    if new_id in p:
                        where[p].add(w)
                        created.add(p)
            for p in created:
                heapq.heappush(heap, (-counts[p], -p[0], -p[1]))
        self._set_special_tokens(special_tokens)
        return self

    def truncated(self, vocab_size: int) -> BPETokenizer:
        """The tokenizer that training to the smaller ``vocab_size`` gives, without training again:
        each merge is chosen from the counts left by the ones before it, so the first merges of a
        larger vocabulary are exactly the merges of a smaller one. Special tokens are kept."""
        specials = tuple(self.special_tokens)
        smallest = 256 + len(specials)
        if (
            not isinstance(vocab_size, int)
            or isinstance(vocab_size, bool)
            or not smallest <= vocab_size <= self.vocab_size
        ):
            raise ValueError(
                f"vocab_size must be an int in [{smallest}, {self.vocab_size}] (256 bytes + "
                f"{len(specials)} special tokens up to this vocabulary), got {vocab_size!r}"
            )
        smaller = BPETokenizer(self.pattern)
        smaller.merges = dict(itertools.islice(self.merges.items(), vocab_size - smallest))
        smaller._rebuild_vocab()
        smaller._set_special_tokens(specials)
        return smaller

    def _check_text(self, text: str) -> None:
        super()._check_text(text)
        utf8_bytes(text)

    def _encode_ordinary(self, text: str) -> list[int]:
        cache, ids = self._cache, []
        for chunk in self._regex.findall(text):
            chunk_ids = cache.get(chunk)
            if chunk_ids is None:
                chunk_bytes = list(chunk.encode("utf-8"))
                long = len(chunk_bytes) > LONG_CHUNK_BYTES
                chunk_ids = (self._encode_long_chunk if long else self._encode_chunk)(chunk_bytes)
                if len(cache) >= _CACHE_SIZE:
                    cache.clear()
                cache[chunk] = chunk_ids
            ids.extend(chunk_ids)
        return ids

    def _encode_chunk(self, ids: list[int]) -> list[int]:
        """Apply the merges to one chunk's bytes in training order: the earliest merge first."""
        merges = self.merges
        while len(ids) >= 2:
            pair = min(zip(ids, ids[1:]), key=lambda p: merges.get(p, float("inf")))
            if pair not in merges:
                break
            ids = merge(ids, pair, merges[pair])
        return ids

    def _encode_long_chunk(self, ids: list[int]) -> list[int]:
        """``_encode_chunk`` in O(n log n) for long chunks (a page of Chinese is one chunk): the
        mergeable pairs wait in a heap ordered by (merge rank, position), and merging edits a
        linked list of the ids in place. Entries left stale by an earlier merge are skipped."""
        merges, n = self.merges, len(ids)
        ids, after, before = ids[:], list(range(1, n + 1)), list(range(-1, n - 1))
        heap = [(merges[p], i) for i, p in enumerate(zip(ids, ids[1:])) if p in merges]
        heapq.heapify(heap)
        while heap:
            new_id, i = heapq.heappop(heap)
            j = after[i]
            if ids[i] is None or j >= n or merges.get((ids[i], ids[j])) != new_id:
                continue
            ids[i], ids[j] = new_id, None  # i now holds the merged token; j leaves the list
            after[i] = after[j]
            if after[i] < n:
                before[after[i]] = i
            for left in (before[i], i):
                right = after[left] if left >= 0 else n
                if right < n and (pair := (ids[left], ids[right])) in merges:
                    heapq.heappush(heap, (merges[pair], left))
        return [t for t in ids if t is not None]

    def _state(self) -> dict:
        return {
            "pattern": self.pattern,
            "merges": [list(pair) for pair in self.merges],
            "vocab": {str(i): render_token(b) for i, b in self.vocab.items()},
        }

    def _load_state(self, state: dict) -> None:
        if state["pattern"] not in PATTERNS:
            raise ValueError(
                "the pre-tokenizer pattern must be SPLIT_PATTERN or HAN_CHAR_PATTERN: a saved regex "
                "runs on every text, and a crafted one can take exponential time"
            )
        self.pattern = state["pattern"]
        self._regex = regex.compile(self.pattern)
        self.merges = {}
        for new_id, pair in enumerate(state["merges"], start=256):
            a, b = pair
            if not (
                isinstance(a, int) and isinstance(b, int) and 0 <= a < new_id and 0 <= b < new_id
            ):
                raise ValueError(f"merge {pair} for id {new_id} must pair two ids below {new_id}")
            if (a, b) in self.merges:
                raise ValueError(f"merge {pair} appears twice")
            self.merges[(a, b)] = new_id
        self._rebuild_vocab()
