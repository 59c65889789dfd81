"""The hand-written evaluation set: shopper dialogues and context-free tricky inputs, typed the way
real customers type, each user turn labelled with its intent, slot spans and the act the assistant
should answer with. It was written before any model was trained on the domain and is never trained
or tuned on, so it judges the assistant on text nobody generated; the file is frozen."""

from __future__ import annotations

import json
from pathlib import Path

from minillm.dialogue.schema import SLOTS, SYSTEM_ACTS, TURN_INTENTS

__all__ = ["HANDWRITTEN_PATH", "handwritten_dialogues", "tricky_inputs"]

HANDWRITTEN_PATH = Path(__file__).with_name("handwritten.json")

TURN_KEYS = {"user", "intent", "slots", "expect"}
EXPECTS = {act for act in SYSTEM_ACTS if act != "request"} | {f"request:{s}" for s in SLOTS}
# Intents whose answer does not depend on what came before.
FIXED_EXPECT = {"greeting": "greet", "thanks_bye": "close", "out_of_domain": "fallback"}


def _check_turn(turn: dict, where: str) -> None:
    """Raises ValueError, naming ``where``, if the turn does not fit the schema."""
    if set(turn) != TURN_KEYS:
        raise ValueError(f"{where}: keys {sorted(turn)}, expected {sorted(TURN_KEYS)}")
    intent, slots, expect = turn["intent"], turn["slots"], turn["expect"]
    if intent not in TURN_INTENTS:
        raise ValueError(f"{where}: unknown intent {intent!r}")
    for slot, value in slots.items():
        if slot not in SLOTS:
            raise ValueError(f"{where}: unknown slot {slot!r}")
        if not value or value not in turn["user"]:
            raise ValueError(f"{where}: {slot}={value!r} is not in the user's text")
    if expect not in EXPECTS or FIXED_EXPECT.get(intent, expect) != expect:
        raise ValueError(f"{where}: bad expect {expect!r} for intent {intent!r}")
    if intent == "out_of_domain" and slots:
        raise ValueError(f"{where}: an out-of-domain turn carries no slots")


def _load(part: str) -> list[dict]:
    return json.loads(HANDWRITTEN_PATH.read_text(encoding="utf-8"))[part]


def handwritten_dialogues() -> list[dict]:
    """The dialogues, each ``{"id", "turns"}``, every turn checked against the schema."""
    dialogues = _load("dialogues")
    for dialogue in dialogues:
        for i, turn in enumerate(dialogue["turns"]):
            _check_turn(turn, f"dialogue {dialogue['id']} turn {i}")
    return dialogues


def tricky_inputs() -> list[dict]:
    """Single user turns with no context, each checked like a dialogue turn."""
    inputs = _load("tricky")
    for i, turn in enumerate(inputs):
        _check_turn(turn, f"tricky turn {i}")
    return inputs
