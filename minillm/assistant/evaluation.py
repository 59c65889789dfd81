"""Judging the assistant on the hand-written dialogues, turn by turn: is the act it chose the one the
turn calls for (per act kind), did it carry out anything the shopper did not ask for, and how well did
its NLU read each turn in the context the assistant itself created.
``python -m minillm.assistant.evaluation`` prints the table.
"""

from __future__ import annotations

import argparse
import contextlib
from collections import Counter

from minillm.assistant.assistant import ASSISTANT_DIR, Assistant
from minillm.assistant.backend import Shop, ShopError
from minillm.dialogue.handwritten import handwritten_dialogues, tricky_inputs

__all__ = ["judge", "shop_with_orders_of"]


def shop_with_orders_of(dialogues, tricky) -> Shop:
    """A fresh shop in which every order id the shoppers give exists (they are their orders)."""
    shop = Shop()
    turns = [t for d in dialogues for t in d["turns"]] + list(tricky)
    for order_id in dict.fromkeys(
        t["slots"]["order_id"] for t in turns if "order_id" in t["slots"]
    ):
        with contextlib.suppress(ShopError):  # the seeded shop may hold it already
            shop.place_order(order_id)
    return shop


def _kind(act: str) -> str:
    return act.split(":")[0]


def judge(assistant: Assistant, dialogues=None, tricky=None) -> dict:
    """Scores of ``assistant`` (reset before each dialogue and each tricky input); the writer's
    template rate counts the replies it wrote (confirmations are always the template)."""
    dialogues = handwritten_dialogues() if dialogues is None else dialogues
    tricky = tricky_inputs() if tricky is None else tricky
    right, seen, invented, broken = Counter(), Counter(), 0, 0
    intents, tp, fp, fn, failures = 0, 0, 0, 0, []
    before = Counter(assistant.writer.counts) if assistant.writer else Counter()
    runs = [(d["id"], d["turns"]) for d in dialogues] + [
        (f"tricky-{i}", [t]) for i, t in enumerate(tricky)
    ]
    for name, turns in runs:
        assistant.reset()
        for turn in turns:
            reply = assistant.respond(turn["user"])
            group = "tricky" if name.startswith("tricky") else _kind(turn["expect"])
            seen[group] += 1
            if reply.act == turn["expect"]:
                right[group] += 1
            else:
                failures.append((name, turn["user"], turn["expect"], reply.act, reply.text))
            invented += reply.act == "execute" and turn["expect"] != "execute"
            broken += "\ufffd" in reply.text
            intents += reply.parse.intent == turn["intent"]
            gold, got = set(turn["slots"].items()), set(reply.parse.slots.items())
            tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
    written = Counter(assistant.writer.counts) - before if assistant.writer else Counter()
    turns_in_dialogues = sum(n for g, n in seen.items() if g != "tricky")
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {
        "turns": turns_in_dialogues,
        "turn_accuracy": sum(n for g, n in right.items() if g != "tricky") / turns_in_dialogues,
        "per_act": {g: (right[g], seen[g]) for g in sorted(seen)},
        "tricky_accuracy": right["tricky"] / max(1, seen["tricky"]),
        "invented_actions": invented,
        "replies_with_U+FFFD": broken,
        "nlu_intent_accuracy": intents / sum(seen.values()),
        "nlu_slot_f1": 2 * precision * recall / max(1e-9, precision + recall),
        "writer_template_rate": written["template"] / max(1, sum(written.values())),
        "failures": failures,
    }


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
        elif name != "failures":
            print(f"{name:22s} {value:.3f}" if isinstance(value, float) else f"{name:22s} {value}")
    for failure in scores["failures"][: args.failures]:
        print(" | ".join(failure))


if __name__ == "__main__":
    main()
