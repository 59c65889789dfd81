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


def _alpha_curve(train, val, alphas, extra_symbols=3, pad=True, base=math.e):
    known = set("".join(train))
    size = len(known) + extra_symbols

    def pairs(poem):
        chars = [c if c in known else "<UNK>" for c in poem]
        chars = ["<s>", *chars, "</s>"] if pad else chars
        return list(zip(chars, chars[1:]))

    counts = Counter(p for poem in train for p in pairs(poem))
    contexts = Counter()
    for (a, _), n in counts.items():
        contexts[a] += n
    held_out = [p for poem in val for p in pairs(poem)]
    curve = []
    for alpha in alphas:
        logs = [math.log((counts[p] + alpha) / (contexts[p[0]] + alpha * size)) for p in held_out]
        curve.append(base ** (-sum(logs) / max(len(logs), 1)))
    return curve


ORDER_ID = re.compile(r"(?<!\d)\d{10}(?!\d)")


def _dialogue_state(state, utterance, negation=True, filter_slots=True, order_id=ORDER_ID):
    if "谢谢" in utterance or "再见" in utterance:
        return {}
    intent, slots = state.get("intent"), dict(state.get("slots", {}))
    for name, words in ch01.INTENT_WORDS.items():
        if any(word in utterance for word in words):
            if name != intent and filter_slots:
                slots = {k: v for k, v in slots.items() if k in ch01.INTENT_SLOTS[name]}
            intent = name
            break
    found = [("订单号", m.start(), m.group()) for m in order_id.finditer(utterance)]
    found += [("城市", m.start(), c) for c in ch01.CITIES for m in re.finditer(c, utterance)]
    for slot, start, value in sorted(found, key=lambda item: item[1]):
        if negation and utterance[max(start - 2, 0) : start] == "不是":
            if slots.get(slot) == value:
                del slots[slot]
        else:
            slots[slot] = value
    return {"intent": intent, "slots": slots}


def _state_in_place(state, utterance):  # right rules, but changes the caller's dictionary
    new = _dialogue_state(state, utterance)
    state.clear()
    state.update(new)
    return state


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
    assert ch01.check_alpha_curve(_alpha_curve) is True
    ch01.check_dialogue_state(_dialogue_state)
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
    # |V| without <s>, </s> and <UNK>; no padding; log base 2 exponentiated with e
    (ch01.check_alpha_curve, lambda t, v, a: _alpha_curve(t, v, a, extra_symbols=0)),
    (ch01.check_alpha_curve, lambda t, v, a: _alpha_curve(t, v, a, pad=False)),
    (ch01.check_alpha_curve, lambda t, v, a: _alpha_curve(t, v, a, base=2)),
    (ch01.check_alpha_curve, lambda t, v, a: _alpha_curve(t, v, a)[0]),
    # corrections ignored; old slots kept across a change of intent; a phone number as order id
    (ch01.check_dialogue_state, lambda s, u: _dialogue_state(s, u, negation=False)),
    (ch01.check_dialogue_state, lambda s, u: _dialogue_state(s, u, filter_slots=False)),
    (
        ch01.check_dialogue_state,
        lambda s, u: _dialogue_state(s, u, order_id=re.compile(r"\d{10}")),
    ),
    (ch01.check_dialogue_state, _state_in_place),
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

    ch01.check_alpha_curve(broken)
    out = capsys.readouterr().out
    assert out.startswith("❌") and "NotImplementedError: 还没写" in out
