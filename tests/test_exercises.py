"""The chapter checks accept a correct answer, reject a wrong one with a hint, and never crash."""

from __future__ import annotations

import math
import re
from collections import Counter

from minillm.exercises import ch01


def _counts(text, prev):
    return Counter(b for a, b in zip(text, text[1:]) if a == prev)


def _perplexity(probs):
    return math.exp(-sum(map(math.log, probs)) / len(probs))


def _update(state, utterance):
    found = re.findall(r"(?<!\d)\d{8}(?!\d)", utterance)
    return (
        {**state, "order_id": found[-1]} if found else {**state, "order_id": state.get("order_id")}
    )


def test_correct_answers_pass(capsys):
    ch01.check_next_char_counts(_counts)
    ch01.check_perplexity(_perplexity)
    ch01.check_order_memory(_update)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("✅") for line in lines)


def test_wrong_answers_fail_with_a_hint(capsys):
    ch01.check_next_char_counts(lambda text, prev: Counter(text))
    ch01.check_perplexity(lambda probs: sum(probs) / len(probs))
    ch01.check_order_memory(lambda s, u: {"order_id": (re.findall(r"\d{8}", u) or [None])[0]})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("❌") and "提示" in line for line in lines)


def test_reader_exceptions_become_verdicts(capsys):
    def broken(*args):
        raise NotImplementedError("还没写")

    ch01.check_perplexity(broken)
    out = capsys.readouterr().out
    assert out.startswith("❌") and "NotImplementedError: 还没写" in out
