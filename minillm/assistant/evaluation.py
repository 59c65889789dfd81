"""Judging the assistant on the hand-written dialogues, turn by turn: is the act it chose the one the
turn calls for (per act kind), did it carry out anything the shopper did not ask for, and how well did
its NLU read each turn in the context the assistant itself created. The end-to-end chat model shows
no acts, so its replies are judged from their words (``judge_text``); both are also replayed on the
synthetic held-out dialogues (``judge_synthetic``).
``python -m minillm.assistant.evaluation`` prints the table.
"""

from __future__ import annotations

import argparse
import contextlib
from collections import Counter

from minillm.assistant.assistant import ASSISTANT_DIR, Assistant
from minillm.assistant.backend import Shop, ShopError
from minillm.assistant.state import BeliefState
from minillm.data.dialogue import reply_words
from minillm.dialogue.handwritten import handwritten_dialogues, tricky_inputs
from minillm.dialogue.schema import IRREVERSIBLE_INTENTS

__all__ = [
    "conversations",
    "judge",
    "judge_synthetic",
    "judge_text",
    "reply_does",
    "shop_with_orders_of",
]


def shop_with_orders_of(dialogues, tricky=()) -> Shop:
    """A fresh shop in which every order id the shoppers give exists (they are their orders);
    ``dialogues`` as dicts with "turns" (the hand-written ones, or ``Dialogue.to_dict()``)."""
    shop = Shop()
    turns = [t for d in dialogues for t in d["turns"]] + list(tricky)
    for order_id in dict.fromkeys(
        t["slots"]["order_id"] for t in turns if "order_id" in t["slots"]
    ):
        with contextlib.suppress(ShopError):  # the seeded shop may hold it already
            shop.place_order(order_id)
    return shop


def _group(name: str, expect: str) -> str:
    """What a turn is scored under: "tricky" for a tricky input, else the kind of act it expects."""
    return "tricky" if name.startswith("tricky") else expect.split(":")[0]


def _scores(right: Counter, seen: Counter, invented: int, broken: int) -> dict:
    """The scores both judges give: turns right per act kind and over the dialogues, tricky
    inputs handled, actions taken or claimed unasked, replies with U+FFFD."""
    turns = sum(n for g, n in seen.items() if g != "tricky")
    return {
        "turns": turns,
        "turn_accuracy": sum(n for g, n in right.items() if g != "tricky") / turns,
        "per_act": {g: (right[g], seen[g]) for g in sorted(seen)},
        "tricky_accuracy": right["tricky"] / max(1, seen["tricky"]),
        "invented_actions": invented,
        "replies_with_U+FFFD": broken,
    }


def judge(assistant: Assistant, dialogues=None, tricky=None) -> dict:
    """Scores of ``assistant`` (a new user for each dialogue and each tricky input); the writer's
    template rate counts the replies it wrote (confirmations are always the template)."""
    right, seen, invented, broken = Counter(), Counter(), 0, 0
    intents, tp, fp, fn, records = 0, 0, 0, 0, []
    before = Counter(assistant.writer.counts) if assistant.writer else Counter()
    for name, turns in conversations(dialogues, tricky):
        assistant.forget()
        for turn in turns:
            reply = assistant.respond(turn["user"])
            group = _group(name, turn["expect"])
            seen[group] += 1
            right[group] += reply.act == turn["expect"]
            records.append((name, turn["user"], turn["expect"], reply.act, reply.text))
            invented += reply.act == "execute" and turn["expect"] != "execute"
            broken += "\ufffd" in reply.text
            intents += reply.parse.intent == turn["intent"]
            gold, got = set(turn["slots"].items()), set(reply.parse.slots.items())
            tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
    written = Counter(assistant.writer.counts) - before if assistant.writer else Counter()
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {
        **_scores(right, seen, invented, broken),
        "nlu_intent_accuracy": intents / sum(seen.values()),
        "nlu_slot_f1": 2 * precision * recall / max(1e-9, precision + recall),
        "writer_template_rate": written["template"] / max(1, sum(written.values())),
        "records": records,  # (dialogue, user, expected act, act, reply) per turn
    }


def reply_does(expect: str, task: str | None, values: dict[str, str], reply: str) -> bool:
    """Whether ``reply`` does act ``expect`` read from its words alone (those ``judge_reply``
    reads): a request asks for that slot only; an answer or an action is about ``task`` and
    states every value; a confirmation asks "确认" with every value; a greeting offers help; a
    closing closes; a fallback neither asks for a slot nor answers a task."""
    asked, answered, closes = reply_words(reply)
    kind, _, slot = expect.partition(":")
    stated = all(v in reply for v in values.values())
    if kind == "request":
        return asked == [slot]
    if kind in ("inform", "execute"):
        return task in answered and stated
    if kind == "confirm":
        return "确认" in reply and stated
    if kind == "greet":
        return "请问" in reply and not asked
    if kind == "close":
        return closes
    return not asked and not answered


def _claims_action(reply: str) -> bool:
    """A reply that says a refund, address change or ticket happened (no question, no request)."""
    asked, answered, _ = reply_words(reply)
    said = any(t in IRREVERSIBLE_INTENTS for t in answered)
    return said and not asked and "确认" not in reply and not reply.rstrip().endswith(("?", "？"))


def conversations(dialogues=None, tricky=None) -> list[tuple[str, list[dict]]]:
    """(name, user turns) of the hand-written set: each dialogue, then each tricky input alone."""
    dialogues = handwritten_dialogues() if dialogues is None else dialogues
    tricky = tricky_inputs() if tricky is None else tricky
    return [(d["id"], d["turns"]) for d in dialogues] + [
        (f"tricky-{i}", [t]) for i, t in enumerate(tricky)
    ]


def judge_text(replies: list[list[str]], dialogues=None, tricky=None) -> dict:
    """The hand-written set for a chat that shows only text: ``replies[i][k]`` is its reply to
    turn k of conversation i of ``conversations(dialogues, tricky)``. The task and values each
    turn is judged against are the hand-written labels carried through a belief state, as the
    assistant would hold them."""
    runs = conversations(dialogues, tricky)
    if [len(r) for r in replies] != [len(turns) for _, turns in runs]:
        raise ValueError("replies must hold one list per conversation, one reply per turn")
    right, seen, invented, broken, records = Counter(), Counter(), 0, 0, []
    for (name, turns), texts in zip(runs, replies):
        gold = BeliefState()
        for turn, reply in zip(turns, texts):
            gold.update(turn["intent"], turn["slots"])
            group = _group(name, turn["expect"])
            ok = reply_does(turn["expect"], gold.task, gold.task_values, reply)
            seen[group], right[group] = seen[group] + 1, right[group] + ok
            invented += turn["expect"] != "execute" and _claims_action(reply)
            broken += "\ufffd" in reply
            records.append((name, turn["user"], turn["expect"], ok, reply))
    return {
        **_scores(right, seen, invented, broken),
        "records": records,  # (dialogue, user, expected act, right, reply) per turn
    }


def judge_synthetic(assistant: Assistant, dialogues) -> list[tuple]:
    """(assistant turn, reply, right) for every assistant turn after a user message of the
    synthetic ``dialogues``, judged by act as ``judge_reply`` judges text: a request for the
    slot; an answer that states every value, as typed or as the shop read it ("3月5日" as
    2027-03-05; a refund, address change or complaint is first confirmed with its values: the
    scripted shopper knows no confirmations, so the judge says "对" for it); a greeting; a
    closing."""
    rows = []
    for dialogue in dialogues:
        assistant.forget()
        for user, turn in zip(dialogue.turns, dialogue.turns[1:]):
            if user.role != "user" or turn.role != "assistant":
                continue
            reply = said = assistant.respond(user.text)
            if turn.act == "answer" and reply.act == "confirm":
                reply = assistant.respond("对")
            if turn.act == "request":
                ok = reply.act == f"request:{turn.request_slot}"
            elif turn.act == "answer":  # stated in the confirmation, or as the shop read it
                text = said.text + reply.text
                stated = all(
                    v in text or str(reply.result.get(slot, "\0")) in text
                    for slot, v in turn.slots.items()
                )
                ok = reply.act in ("inform", "execute") and stated
            else:
                ok = reply.act == turn.act
            rows.append((turn, reply, ok))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Judge the assistant on the hand-written set.")
    parser.add_argument("--folder", default=str(ASSISTANT_DIR), help="the NLU and policy to judge")
    parser.add_argument("--failures", type=int, default=20, help="how many failures to print")
    args = parser.parse_args(argv)
    dialogues, tricky = handwritten_dialogues(), tricky_inputs()
    assistant = Assistant.load(args.folder, shop=shop_with_orders_of(dialogues, tricky))
    scores = judge(assistant, dialogues, tricky)
    for name, value in scores.items():
        if name == "per_act":
            for act, (r, n) in value.items():
                print(f"  {act:10s} {r:4d}/{n:<4d} {r / n:6.1%}")
        elif name != "records":
            print(f"{name:22s} {value:.3f}" if isinstance(value, float) else f"{name:22s} {value}")
    failures = [r for r in scores["records"] if r[2] != r[3]]
    for failure in failures[: args.failures]:
        print(" | ".join(failure))


if __name__ == "__main__":
    main()
