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
    if any(p == 0 for p in probs):
        return math.inf
    return math.exp(-sum(math.log(p) for p in probs) / len(probs))


def check_perplexity(fn) -> None:
    """Exercise 2: ``fn(probs)`` is the perplexity of a sequence given each token's probability;
    ``math.inf`` when one of them is 0."""

    def check():
        cases = [[0.5, 0.5], [0.25] * 8, [0.9, 0.1, 0.5], [1.0], [1e-300] * 3]
        for probs in cases:
            got, want = fn(list(probs)), _reference_perplexity(probs)
            if not isinstance(got, (int, float)) or not math.isclose(got, want, rel_tol=1e-9):
                return f"概率 {probs} 的困惑度应为 {want:.6g}，你的结果是 {got!r}（对数的平均取负，再取指数）"
        try:
            got = fn([0.5, 0.0, 0.5])
        except (ValueError, ZeroDivisionError) as err:
            got = f"{type(err).__name__}"
        if got != math.inf:
            return f"有一个概率为 0 时困惑度应为 math.inf（模型认为不可能的事发生了），你的结果是 {got!r}"
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


def _reference_sample(followers: dict, start: str, length: int, rng) -> str:
    """The sampling rule the exercise states, written out step by step."""
    import numpy as np

    text = start
    for _ in range(length):
        counts = followers.get(text[-1], {})
        if not counts:
            break
        candidates = sorted(counts)
        weights = np.array([counts[c] for c in candidates], dtype=float)
        text += candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))]
    return text


def check_sample_text(fn) -> bool:
    """Exercise 4: ``fn(followers, start, length, rng)`` extends ``start`` by sampling each next
    character in proportion to its count after the previous one, with the given generator.
    Returns whether it passed, so that a cell can go on to use the function."""
    import numpy as np

    followers = {
        "春": Counter({"风": 6, "草": 3, "色": 1}),
        "风": Counter({"吹": 2, "雨": 2, "。": 1}),
        "草": Counter({"色": 1}),
        "色": Counter({"新": 1}),
        "吹": Counter({"春": 1}),
        "雨": Counter({"。": 4, "春": 1}),
    }

    def check():
        if (got := fn(followers, "春", 0, np.random.default_rng(0))) != "春":
            return f"length=0 时应原样返回 start，得到 {got!r}"
        if (got := fn(followers, "新", 5, np.random.default_rng(0))) != "新":
            return f"最后一个字没有后继字时应停下、返回已有的文本，得到 {got!r}"
        if (got := fn(followers, "草", 2, np.random.default_rng(0))) != "草色新":
            return f"只有一个后继字时每一步都只能选它：应得到 '草色新'，得到 {got!r}"
        rng = np.random.default_rng(1)
        firsts = Counter(fn(followers, "春", 1, rng)[-1] for _ in range(3000))
        for ch, count in followers["春"].items():
            share, want = firsts[ch] / 3000, count / 10
            if abs(share - want) > 0.04:
                return (
                    f"“春”之后“{ch}”应以约 {want:.0%} 的概率出现（次数 {count} / 10），"
                    f"你的函数抽到了 {share:.0%}：概率要与次数成正比"
                )
        for seed, start, length in [(0, "春", 12), (7, "明春", 20), (42, "雨", 30)]:
            want = _reference_sample(followers, start, length, np.random.default_rng(seed))
            got = fn(followers, start, length, np.random.default_rng(seed))
            if got != want:
                return (
                    f"用 default_rng({seed}) 从 {start!r} 生成 {length} 步应得到 {want!r}，得到 {got!r}："
                    "候选字按 sorted 排序，每步恰好调用一次 rng.choice(len(候选), p=概率)"
                )
        return None

    return run_check("练习 4 按计数采样生成文本", check)


def _reference_unseen_rate(train: list[str], val: list[str], n: int) -> float:
    """Brute force: an n-gram of a validation text is seen if it is a substring of some training
    text (texts joined by a newline, a character that no n-gram contains)."""
    joined = "\n".join(train)
    grams = [text[i : i + n] for text in val for i in range(len(text) - n + 1)]
    if not grams:
        return 0.0
    return sum(gram not in joined for gram in grams) / len(grams)


def check_unseen_rate(fn) -> bool:
    """Exercise 5: ``fn(train, val, n)`` is the share of the n-grams of the validation texts
    (counted with repeats, never across two texts) that occur in no training text. Returns whether
    it passed."""
    poems = ["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"]
    cases = [
        (poems, ["明月光"], 1),
        (poems, ["明月光", "望明月", "举头望故乡"], 2),
        (poems, ["明月明月明月"], 2),  # repeats count every time
        (["春风", "花开"], ["风花"], 2),  # 风花 spans two training texts: not seen
        (poems, ["床前明月光", "思故乡"], 3),
        (poems, ["明月", "光"], 3),  # no 3-gram at all: 0.0
        (poems, ["明月", "天涯共此时"], 2),
    ]

    def check():
        for train, val, n in cases:
            want = _reference_unseen_rate(train, val, n)
            got = fn(list(train), list(val), n)
            if not isinstance(got, (int, float)) or not math.isclose(got, want, abs_tol=1e-12):
                return (
                    f"训练 {train}、验证 {val}、n={n} 时应为 {want:.4f}，得到 {got!r}："
                    "按出现次数计（重复的算多次），n 元组不跨越两首诗，验证集没有 n 元组时返回 0.0"
                )
        return None

    return run_check("练习 5 没见过的 n 元组", check)
