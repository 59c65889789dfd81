"""Incremental knowledge learning: a small triple store that a conversation keeps up to date.

Each fact is a (subject, predicate, object) triple. A new statement about the same subject and
predicate replaces the old value (the user moved, gave a new phone number); the replaced triple
stays in ``history``, so what was believed at each turn can be traced. ``learn`` reads triples off
a user's message: the chat's facts (name, order id, phone) and the cities and products of the
customer-service domain that the message mentions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from minillm.chat import extract_facts
from minillm.data.dialogue import SPLITS, value_pool

# Domain entities recognised by name (a gazetteer): predicate -> known values, longest first so
# that a name wins over a shorter name it contains.
_ENTITIES = {
    predicate: sorted({v for split in SPLITS for v in value_pool(slot, split)}, key=len)[::-1]
    for predicate, slot in (("城市", "city"), ("商品", "product"))
}


@dataclass(frozen=True)
class Triple:
    """One fact: ``subject`` has ``predicate`` = ``object``, learned at ``turn`` (None: unknown)."""

    subject: str
    predicate: str
    object: str
    turn: int | None = None


class TripleStore:
    """The current facts, one object per (subject, predicate), plus every replaced fact."""

    def __init__(self):
        self._facts: dict[tuple[str, str], Triple] = {}
        self.history: list[Triple] = []  # facts that were replaced, oldest first

    def __len__(self) -> int:
        return len(self._facts)

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._facts.values())

    def add(self, subject: str, predicate: str, obj: str, turn: int | None = None) -> Triple | None:
        """Store the fact; return the triple it replaced (None if new or unchanged)."""
        for name, value in (("subject", subject), ("predicate", predicate), ("obj", obj)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        old = self._facts.get((subject, predicate))
        if old is not None and old.object == obj:
            return None
        if old is not None:
            self.history.append(old)
        self._facts[(subject, predicate)] = Triple(subject, predicate, obj, turn)
        return old

    def get(self, subject: str, predicate: str, default: str | None = None) -> str | None:
        """The current object of (subject, predicate), or ``default``."""
        fact = self._facts.get((subject, predicate))
        return default if fact is None else fact.object

    def query(
        self, subject: str | None = None, predicate: str | None = None, obj: str | None = None
    ) -> list[Triple]:
        """Current facts matching every field given (None matches anything)."""
        return [
            t
            for t in self._facts.values()
            if (subject is None or t.subject == subject)
            and (predicate is None or t.predicate == predicate)
            and (obj is None or t.object == obj)
        ]

    def learn(self, text: str, subject: str = "用户", turn: int | None = None) -> list[Triple]:
        """Add the facts stated in one user message; return the triples that were new or changed."""
        if not isinstance(text, str):
            return []
        found = extract_facts(text)
        for predicate, values in _ENTITIES.items():
            if hit := next((v for v in values if v in text), None):
                found[predicate] = hit
        learned = []
        for predicate, obj in found.items():
            before = self.get(subject, predicate)
            self.add(subject, predicate, obj, turn)
            if before != obj:
                learned.append(self._facts[(subject, predicate)])
        return learned

    def describe(self, subject: str = "用户") -> str:
        """The subject's facts as one line, e.g. "姓名王小明；城市杭州", for a system prompt."""
        return "；".join(f"{t.predicate}{t.object}" for t in self.query(subject=subject))
