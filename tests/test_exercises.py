"""The chapter checks accept a correct answer, reject a wrong one with a hint, and never crash."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest

from minillm.exercises import ch01


def _counts(text, prev):
    return Counter(b for a, b in zip(text, text[1:]) if a == prev)


def _perplexity(probs):
    if 0 in probs:
        return math.inf
    return math.exp(-sum(map(math.log, probs)) / len(probs))


def _update(state, utterance):
    found = re.findall(r"(?<!\d)\d{8}(?!\d)", utterance)
    return (
        {**state, "order_id": found[-1]} if found else {**state, "order_id": state.get("order_id")}
    )


def _sample(followers, start, length, rng):
    text = start
    for _ in range(length):
        counts = followers.get(text[-1])
        if not counts:
            break
        chars = sorted(counts)
        p = np.array([counts[c] for c in chars], dtype=float)
        text += chars[rng.choice(len(chars), p=p / p.sum())]
    return text


def _unseen(train, val, n):
    seen = {t[i : i + n] for t in train for i in range(len(t) - n + 1)}
    grams = [t[i : i + n] for t in val for i in range(len(t) - n + 1)]
    return sum(g not in seen for g in grams) / len(grams) if grams else 0.0


def _verdicts(capsys):
    return capsys.readouterr().out.splitlines()


def test_correct_answers_pass(capsys):
    ch01.check_next_char_counts(_counts)
    ch01.check_perplexity(_perplexity)
    ch01.check_order_memory(_update)
    assert ch01.check_sample_text(_sample) is True
    assert ch01.check_unseen_rate(_unseen) is True
    lines = _verdicts(capsys)
    assert len(lines) == 5 and all(line.startswith("✅") for line in lines), lines


def _sample_uniform(followers, start, length, rng):  # ignores the counts
    text = start
    for _ in range(length):
        chars = sorted(followers.get(text[-1], {}))
        if not chars:
            break
        text += chars[rng.choice(len(chars))]
    return text


def _sample_unsorted(followers, start, length, rng):  # right distribution, candidates unsorted
    text = start
    for _ in range(length):
        counts = followers.get(text[-1])
        if not counts:
            break
        chars = list(counts)
        p = np.array([counts[c] for c in chars], dtype=float)
        text += chars[rng.choice(len(chars), p=p / p.sum())]
    return text


def _greedy(followers, start, length, rng):
    text = start
    for _ in range(length):
        if not followers.get(text[-1]):
            break
        text += followers[text[-1]].most_common(1)[0][0]
    return text


def _no_stop(followers, start, length, rng):  # KeyError at a character without followers
    text = start
    for _ in range(length):
        counts = followers[text[-1]]
        chars = sorted(counts)
        p = np.array([counts[c] for c in chars], dtype=float)
        text += chars[rng.choice(len(chars), p=p / p.sum())]
    return text


def _unseen_joined(train, val, n):  # joins the training texts: counts n-grams across two poems
    return _unseen(["".join(train)], val, n)


def _unseen_types(train, val, n):  # distinct n-grams instead of occurrences
    seen = {t[i : i + n] for t in train for i in range(len(t) - n + 1)}
    grams = {t[i : i + n] for t in val for i in range(len(t) - n + 1)}
    return len(grams - seen) / len(grams) if grams else 0.0


WRONG = [
    (ch01.check_next_char_counts, lambda text, prev: Counter(text)),
    (ch01.check_perplexity, lambda probs: sum(probs) / len(probs)),
    (ch01.check_perplexity, lambda probs: math.exp(-sum(map(math.log, probs)) / len(probs))),
    (ch01.check_order_memory, lambda s, u: {"order_id": (re.findall(r"\d{8}", u) or [None])[0]}),
    (ch01.check_sample_text, _sample_uniform),
    (ch01.check_sample_text, _sample_unsorted),
    (ch01.check_sample_text, _greedy),
    (ch01.check_sample_text, _no_stop),
    (ch01.check_unseen_rate, _unseen_joined),
    (ch01.check_unseen_rate, _unseen_types),
    (ch01.check_unseen_rate, lambda train, val, n: _unseen(train, val, n - 1)),
]


@pytest.mark.parametrize("check, answer", WRONG)
def test_wrong_answers_fail_with_a_hint(check, answer, capsys):
    assert not check(answer)
    lines = _verdicts(capsys)
    assert len(lines) == 1 and lines[0].startswith("❌") and "提示" in lines[0], lines


def test_reader_exceptions_become_verdicts(capsys):
    def broken(*args):
        raise NotImplementedError("还没写")

    ch01.check_perplexity(broken)
    out = capsys.readouterr().out
    assert out.startswith("❌") and "NotImplementedError: 还没写" in out
