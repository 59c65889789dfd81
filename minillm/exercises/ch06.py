"""Checks for the exercises of chapter 6 (实际应用场景)."""

from __future__ import annotations

import datetime as dt
import math

from minillm.exercises import run_check


def check_idf(fn) -> None:
    """``fn(n_docs, df)`` is the smoothed inverse document frequency ln((1+N)/(1+df)) + 1."""

    def check():
        for n, df in [(10, 1), (10, 10), (209, 0), (1000, 37)]:
            got, want = fn(n, df), math.log((1 + n) / (1 + df)) + 1
            if not math.isclose(got, want, rel_tol=1e-12):
                return f"N={n}, df={df} 时应为 {want:.6f}，你的结果是 {got!r}（自然对数，分子分母各加 1，再加 1）"
        return None

    run_check("练习 1 平滑的 IDF", check)


def _bkt(p, correct, slip, guess, learn):
    if correct:
        post = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
    else:
        post = p * slip / (p * slip + (1 - p) * (1 - guess))
    return post + (1 - post) * learn


def check_bkt_update(fn) -> None:
    """``fn(p, correct, slip, guess, learn)``: Bayesian knowledge tracing, the posterior of mastery
    after one answer, then the chance to learn from the exercise."""

    def check():
        for args in [(0.3, True, 0.1, 0.2, 0.15), (0.3, False, 0.1, 0.2, 0.15),
                     (0.9, False, 0.05, 0.25, 0.0), (0.01, True, 0.2, 0.3, 0.5)]:  # fmt: skip
            got, want = fn(*args), _bkt(*args)
            if not math.isclose(got, want, rel_tol=1e-9):
                return f"参数 {args} 时应为 {want:.6f}，你的结果是 {got!r}（先用贝叶斯公式求后验，再加上学会的概率）"
        return None

    run_check("练习 2 知识追踪的更新", check)


def check_week_day(fn) -> None:
    """``fn(today, weekday, next_week)``: the date of ``weekday`` (0 = Monday) in this week (Monday
    to Sunday) or, with ``next_week``, in the week after."""

    def check():
        for today in (dt.date(2025, 3, 3), dt.date(2025, 3, 9), dt.date(2024, 12, 31)):
            for weekday in range(7):
                for nxt in (False, True):
                    want = today + dt.timedelta(days=weekday - today.weekday() + 7 * nxt)
                    got = fn(today, weekday, nxt)
                    if got != want:
                        word = ("下周" if nxt else "这周") + "一二三四五六日"[weekday]
                        return f"{today}（星期{'一二三四五六日'[today.weekday()]}）的“{word}”是 {want}，你的结果是 {got!r}"
        return None

    run_check("练习 3 这周 / 下周的日期", check)
