"""Checks for the exercises of chapter 1 (背景介绍)."""

from __future__ import annotations

import math
from collections import Counter

from minillm.exercises import run_check

_TEXT = "床前明月光，疑是地上霜。举头望明月，低头思故乡。明月几时有？"


def _reference_next_counts(text: str, prev: str) -> Counter:
    return Counter(b for a, b in zip(text, text[1:]) if a == prev)


def check_next_char_counts(fn) -> None:
    """Exercise 1: ``fn(text, prev)`` counts which characters follow ``prev`` in ``text``."""

    def check():
        for prev in ["明", "月", "头", "？", "雪"]:
            got = Counter(fn(_TEXT, prev))
            want = _reference_next_counts(_TEXT, prev)
            if got != want:
                return f"“{prev}”后面的字应为 {dict(want)}，你的结果是 {dict(got)}"
        return None

    run_check("练习 1 下一个字的计数", check)


def _reference_perplexity(probs) -> float:
    return math.exp(-sum(math.log(p) for p in probs) / len(probs))


def check_perplexity(fn) -> None:
    """Exercise 2: ``fn(probs)`` is the perplexity of a sequence given each token's probability."""

    def check():
        cases = [[0.5, 0.5], [0.25] * 8, [0.9, 0.1, 0.5], [1.0]]
        for probs in cases:
            got, want = fn(list(probs)), _reference_perplexity(probs)
            if not math.isclose(got, want, rel_tol=1e-9):
                return f"概率 {probs} 的困惑度应为 {want:.6f}，你的结果是 {got!r}（用对数的平均再取指数）"
        return None

    run_check("练习 2 困惑度", check)


def check_order_memory(update_state) -> None:
    """Exercise 3: ``update_state(state, utterance)`` remembers an 8-digit order id across turns."""

    def check():
        state: dict = {}
        turns = [
            ("你好", None),
            ("我的订单号是 20240518，帮我查一下", "20240518"),
            ("它现在到哪了？", "20240518"),
            ("不好意思，订单号应该是 31415926", "31415926"),
            ("电话 13800138000 打不通", "31415926"),
        ]
        for utterance, want in turns:
            state = update_state(state, utterance)
            if not isinstance(state, dict):
                return "update_state 应返回更新后的状态字典"
            if state.get("order_id") != want:
                return f"说完“{utterance}”后 state['order_id'] 应为 {want!r}，实际为 {state.get('order_id')!r}"
        return None

    run_check("练习 3 记住订单号", check)
