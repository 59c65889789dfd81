"""Dialogue state: what the assistant believes after each user turn. The task being served, the slot
values heard so far (a correction replaces a value, and values carry over to the next task), whether
a confirmation is pending, and the abstract observation the policy chooses its act from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minillm.dialogue.schema import (
    IRREVERSIBLE_INTENTS,
    REQUIRED_SLOTS,
    SLOTS,
    TASK_INTENTS,
    valid_value,
)

__all__ = ["TURN_KINDS", "BeliefState", "turn_kind"]

# What a user turn does, as the policy sees it (the schema's turn intents, tasks folded into one).
TURN_KINDS = ("task", "inform", "affirm", "deny", "greeting", "thanks_bye", "out_of_domain")


def turn_kind(intent: str) -> int:
    """The index in ``TURN_KINDS`` of a turn intent."""
    return TURN_KINDS.index("task" if intent in TASK_INTENTS else intent)


@dataclass
class BeliefState:
    """The belief over one conversation, updated with each parsed user turn."""

    task: str | None = None
    slots: dict[str, str] = field(default_factory=dict)
    confirming: bool = False  # the assistant asked to confirm the task's values
    served: bool = False  # the task was answered or carried out
    last_intent: str = "greeting"
    turns: int = 0

    def update(self, intent: str, slots: dict[str, str]) -> None:
        """Take in one user turn: a new task starts afresh but keeps the values heard so far; any
        value given replaces the one before (that is how "不对，是无锡" corrects); a deny without a
        value forgets the first value being confirmed. A value that cannot be one of its slot
        (a 3-digit order number) is not taken in."""
        values = {s: v for s, v in slots.items() if s in SLOTS and valid_value(s, v)}
        changed = any(self.slots.get(s) != v for s, v in values.items())
        if intent in TASK_INTENTS and (intent != self.task or self.served):
            self.task, self.served = intent, False
        if intent == "deny" and self.task and not values:
            first = next((s for s in REQUIRED_SLOTS[self.task] if s in self.slots), None)
            self.slots.pop(first, None)
        if values and self.served and intent not in TASK_INTENTS:
            self.served = False  # a value given after the answer asks the same task again
        self.slots.update(values)
        if intent != "affirm" or changed:  # a yes that changes a value is not a yes to it
            self.confirming = False
        self.last_intent, self.turns = intent, self.turns + 1

    @property
    def missing(self) -> str | None:
        """The first required slot of the task that has no value yet."""
        if self.task is None:
            return None
        return next((s for s in REQUIRED_SLOTS[self.task] if s not in self.slots), None)

    @property
    def task_values(self) -> dict[str, str]:
        """The values the task needs, as believed now."""
        return {s: self.slots[s] for s in REQUIRED_SLOTS.get(self.task, ()) if s in self.slots}

    def observation(self) -> tuple[int, int, int, int, int]:
        """(turn kind, task: none/reversible/irreversible, a slot missing, confirming, served)."""
        task = 0 if self.task is None else 2 if self.task in IRREVERSIBLE_INTENTS else 1
        return (
            turn_kind(self.last_intent),
            task,
            int(self.missing is not None),
            int(self.confirming),
            int(self.served),
        )
