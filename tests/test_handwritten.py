"""The hand-written evaluation set: frozen, valid against the schema, consistent with the dialogue
policy, and large and varied enough to judge the assistant."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter

import pytest

from minillm.dialogue import handwritten
from minillm.dialogue.handwritten import HANDWRITTEN_PATH, handwritten_dialogues, tricky_inputs
from minillm.dialogue.schema import IRREVERSIBLE_INTENTS, REQUIRED_SLOTS, TASK_INTENTS

# The set is frozen: changing the file means changing this hash on purpose.
HANDWRITTEN_SHA256 = "0bd62a6c085b4be3910ffb393655f9a4aeee1701bcdf7007097ca9aa14903b97"
FIXED_ACTS = {"greeting": "greet", "thanks_bye": "close", "out_of_domain": "fallback"}


def replay(turns: list[dict]) -> list[str]:
    """The act the policy answers each turn with: slot values carry over, the current task is the
    last one named, and a deny without a value re-asks the slot its expect names."""
    filled, goal, acts = {}, None, []
    for turn in turns:
        intent = turn["intent"]
        filled.update(turn["slots"])
        if intent in ("affirm", "deny"):
            assert acts and acts[-1] == "confirm", f"{intent} without a confirmation: {turn}"
        if intent in FIXED_ACTS:
            act = FIXED_ACTS[intent]
            goal = None if intent == "thanks_bye" else goal
        elif intent == "affirm":
            act, goal = "execute", None
        else:
            goal = intent if intent in TASK_INTENTS else goal
            assert goal is not None, f"{intent} with no task going on: {turn}"
            if intent == "deny" and not turn["slots"]:
                denied = turn["expect"].removeprefix("request:")
                assert denied in REQUIRED_SLOTS[goal], turn
                filled.pop(denied)
            missing = [slot for slot in REQUIRED_SLOTS[goal] if slot not in filled]
            if missing:
                act = f"request:{missing[0]}"
            else:
                act = "confirm" if goal in IRREVERSIBLE_INTENTS else "inform"
        acts.append(act)
    return acts


def goals(dialogue: dict) -> list[str]:
    """The tasks a dialogue asks for, in order."""
    return list(
        dict.fromkeys(t["intent"] for t in dialogue["turns"] if t["intent"] in TASK_INTENTS)
    )


def test_file_is_frozen():
    assert hashlib.sha256(HANDWRITTEN_PATH.read_bytes()).hexdigest() == HANDWRITTEN_SHA256


def test_expects_follow_the_policy():
    for dialogue in handwritten_dialogues():
        expected = [t["expect"] for t in dialogue["turns"]]
        assert replay(dialogue["turns"]) == expected, dialogue["id"]
    for turn in tricky_inputs():
        assert replay([turn]) == [turn["expect"]], turn["user"]


def test_ids_and_order_numbers():
    dialogues = handwritten_dialogues()
    assert len({d["id"] for d in dialogues}) == len(dialogues)
    turns = [t for d in dialogues for t in d["turns"]] + tricky_inputs()
    assert all(
        re.fullmatch(r"\d{10}", t["slots"]["order_id"]) for t in turns if "order_id" in t["slots"]
    )


def test_dialogue_coverage():
    dialogues = handwritten_dialogues()
    turns = [t for d in dialogues for t in d["turns"]]
    assert len(dialogues) >= 55 and len(turns) >= 170
    goal_counts = Counter(g for d in dialogues for g in goals(d))
    assert all(goal_counts[intent] >= 5 for intent in TASK_INTENTS), goal_counts
    assert sum(len(goals(d)) >= 2 for d in dialogues) >= 12
    assert sum(t["intent"] == "deny" for t in turns) >= 10
    confirmed = sum(
        a["expect"] == "confirm" and b["intent"] == "affirm"
        for d in dialogues
        for a, b in zip(d["turns"], d["turns"][1:])
    )
    assert confirmed >= 12
    assert sum(len(t["slots"]) >= 2 for t in turns) >= 15


def test_tricky_coverage():
    tricky = tricky_inputs()
    assert len(tricky) >= 25
    assert sum(t["intent"] == "out_of_domain" for t in tricky) >= 15
    assert any(t["intent"] == "return_refund" and not t["slots"] for t in tricky)
    pasted_log = [t for t in tricky if t["intent"] == "order_status" and len(t["user"]) > 100]
    assert pasted_log and all("order_id" in t["slots"] for t in pasted_log)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"intent": "refund"}, "unknown intent"),
        ({"slots": {"colour": "3920417765"}}, "unknown slot"),
        ({"slots": {"order_id": "3920417766"}}, "not in the user's text"),
        ({"expect": "request:colour"}, "bad expect"),
        ({"intent": "greeting"}, "bad expect"),
        ({"intent": "out_of_domain", "expect": "fallback"}, "carries no slots"),
    ],
)
def test_loader_rejects_bad_turns(change, message, tmp_path, monkeypatch):
    data = json.loads(HANDWRITTEN_PATH.read_text(encoding="utf-8"))
    data["dialogues"][0]["turns"][1].update(change)
    path = tmp_path / "handwritten.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(handwritten, "HANDWRITTEN_PATH", path)
    with pytest.raises(ValueError, match=f"dialogue hw001 turn 1: .*{message}"):
        handwritten_dialogues()
