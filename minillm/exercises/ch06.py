"""Checks for the exercises of chapter 6 (实际应用场景).

Each check compares the reader's function with a reference computed another way: the dialogue
environment's own success metric, dates from ``calendar.monthrange`` and the ISO calendar, a
term-by-term BM25, the likelihood summed over every hidden path of mastery, Python's ISO calendar.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
import random
import re

from minillm.exercises import run_check

WEEKDAYS = "一二三四五六日"


# -- 练习 1: a rule-based dialogue policy ------------------------------------------------------


def check_fast_rule(fn) -> None:
    """``fn(obs) -> int``: a hand-written dialogue policy over the ``DialogueEnv`` observation that
    succeeds in at least 95 % of dialogues and needs at least one turn fewer than ``RulePolicy``,
    at NLU error rates of 10 % and 20 % (the same 300 dialogues for both policies)."""
    from minillm.rl import DialogueEnv, RulePolicy, evaluate

    def check():
        for error in (0.1, 0.2):
            yours = evaluate(DialogueEnv(nlu_error=error), fn, episodes=300, seed=2024)
            rule = evaluate(DialogueEnv(nlu_error=error), RulePolicy(), episodes=300, seed=2024)
            where = f"NLU 错误率 {error:.0%} 时"
            if yours["success"] < 0.95:
                return (
                    f"{where}成功率只有 {yours['success']:.3f}（应至少 0.95）：用户道别（bye）时要 close，"
                    "没听懂时要 fallback，三个槽位都有可信的值之后要 inform"
                )
            if yours["turns"] > rule["turns"] - 1.0:
                return (
                    f"{where}平均 {yours['turns']:.2f} 轮，RulePolicy 是 {rule['turns']:.2f} 轮，"
                    "应至少少 1 轮：高置信的值不必确认，只把低置信的值重新请求一遍"
                )
        return None

    run_check("练习 1 比规则更快的规则策略", check)


# -- 练习 2: more date expressions -------------------------------------------------------------


def _resolve_more(text: str, today: dt.date) -> dt.date | None:
    """The reference: month lengths from ``calendar.monthrange``, weeks from the ISO calendar."""
    if m := re.fullmatch(r"(\d{1,3})天后", text):
        return today + dt.timedelta(days=int(m.group(1)))
    if m := re.fullmatch(r"下下周([一二三四五六日])", text):
        year, week, _ = today.isocalendar()
        monday_after_next = dt.date.fromisocalendar(year, week, 1) + dt.timedelta(weeks=2)
        return monday_after_next + dt.timedelta(days=WEEKDAYS.index(m.group(1)))
    year, month, rest = today.year, today.month, text
    if text.startswith("下个月"):
        year, month, rest = year + month // 12, month % 12 + 1, text[3:]
    last = calendar.monthrange(year, month)[1]
    if rest == ("底" if text.startswith("下个月") else "月底"):
        return dt.date(year, month, last)
    if text.startswith("下个月") and (m := re.fullmatch(r"(\d{1,2})号", rest)):
        day = int(m.group(1))
        return dt.date(year, month, day) if 1 <= day <= last else None
    return None


_MORE_HINTS = {
    "天后": "“N天后”就是今天加 N 天",
    "下下周": "先找到这周（星期一到星期日）的那一天，再加 14 天",
    "月底": "每个月的天数不同，闰年的二月有 29 天",
    "号": "“下个月”是日历上的下一个月，不是 30 天后；没有这一天时返回 None；12 月的下个月是次年 1 月",
}


def check_resolve_more(fn) -> None:
    """``fn(text, today) -> date | None`` for "N天后", "下下周X", "月底", "下个月底" and "下个月N号";
    None for anything else or a day the month does not have. Compared with a reference written
    with ``calendar.monthrange`` and the ISO calendar, from days around month ends, a leap February,
    and a new year."""
    texts = ["3天后", "30天后", "下下周一", "下下周三", "下下周日", "月底", "下个月底"]
    texts += ["下个月1号", "下个月15号", "下个月29号", "下个月30号", "下个月31号"]
    texts += ["明天", "下下下周一", "月初", "下个月", ""]
    todays = [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 12, 30)]
    todays += [dt.date(2025, 3, 9), dt.date(2025, 12, 15), dt.date(2025, 1, 1)]

    def check():
        for today in todays:
            for text in texts:
                want, got = _resolve_more(text, today), fn(text, today)
                if got != want:
                    hint = next((h for key, h in _MORE_HINTS.items() if key in text), "")
                    hint = hint or "本练习只处理这五种说法，其他的返回 None"
                    day = f"{today}（星期{WEEKDAYS[today.weekday()]}）"
                    return f"{day}的“{text}”应为 {want}，你的结果是 {got!r}（{hint}）"
        return None

    run_check("练习 2 更多的时间表达式", check)


# -- 练习 3: BM25 --------------------------------------------------------------------------------


def _bm25(query: list[str], docs: list[list[str]], k1: float, b: float) -> list[float]:
    """Okapi BM25 written out term by term (each distinct query gram once)."""
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n if n else 0.0
    scores = []
    for doc in docs:
        score = 0.0
        for gram in sorted(set(query)):
            f = doc.count(gram)
            if f == 0:
                continue
            df = sum(gram in d for d in docs)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            score += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(doc) / avgdl))
        scores.append(score)
    return scores


def check_bm25(fn) -> None:
    """``fn(query, docs, k1=1.5, b=0.75) -> list[float]``: the BM25 score of every document."""
    docs = [
        ["我", "的", "快", "递", "我的", "的快", "快递"],
        ["退", "货", "退货"],
        ["快", "递", "到", "哪", "了", "快递", "递到", "到哪", "哪了"],
        [],
        ["快", "递", "快", "递", "快递", "递快", "快递"],
    ]
    cases = [
        (["快", "递", "快递"], docs, 1.5, 0.75),
        (["快", "递", "快递", "快递"], docs, 1.5, 0.75),  # a repeated query gram counts once
        (["退货", "发票"], docs, 1.2, 0.75),  # 发票 is in no document
        (["快递"], docs, 1.5, 0.0),  # no length normalisation
        (["快递", "哪"], docs, 0.0, 0.75),  # k1 = 0: term frequency saturates at once
        (["的"], [["的"]], 1.5, 0.75),  # one document
        (["快", "快递"], [[], []], 1.5, 0.75),  # every document empty: the mean length is 0
        (["快递"], [], 1.5, 0.75),  # no documents at all
    ]

    def check():
        for query, ds, k1, b in cases:
            want = _bm25(query, ds, k1, b)
            got = fn(list(query), [list(d) for d in ds], k1=k1, b=b)
            if len(got) != len(want):
                return f"{len(ds)} 个文档应有 {len(ds)} 个分数，你返回了 {len(got)} 个"
            for i, (g, w) in enumerate(zip(got, want)):
                if not math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-12):
                    return (
                        f"查询 {query}（k1={k1}, b={b}）对文档 {i} {ds[i]} 的分数应为 {w:.6f}，"
                        f"你的结果是 {g!r}（查询里重复的片段只算一次；文档里没有的片段贡献 0，"
                        "所以全是空文档时每个分数都是 0）"
                    )
        return None

    run_check("练习 3 BM25 检索打分", check)


# -- 练习 4: fitting Bayesian knowledge tracing ---------------------------------------------------


def _path_likelihood(answers, p0, slip, guess, learn) -> float:
    """P(answers) as the sum over every path of the hidden mastery (2^T paths), no recursion."""
    total = 0.0
    for path in itertools.product((False, True), repeat=len(answers)):
        prob = 1.0
        for t, (known, right) in enumerate(zip(path, answers)):
            if t == 0:
                prob *= p0 if known else 1 - p0
            elif path[t - 1]:
                prob *= 1.0 if known else 0.0  # what is learned is not forgotten
            else:
                prob *= learn if known else 1 - learn
            prob *= ((1 - slip) if right else slip) if known else (guess if right else 1 - guess)
        total += prob
    return total


def _students(n, length, p0, slip, guess, learn, seed) -> list[list[bool]]:
    """Answer sequences of simulated students who follow the BKT model."""
    rng = random.Random(seed)
    sequences = []
    for _ in range(n):
        known, answers = rng.random() < p0, []
        for _ in range(length):
            answers.append(rng.random() < ((1 - slip) if known else guess))
            known = known or rng.random() < learn
        sequences.append(answers)
    return sequences


BKT_GRID = ((0.05, 0.1, 0.2, 0.3), (0.1, 0.25, 0.4), (0.1, 0.2, 0.3))  # slip, guess, learn


def check_bkt_likelihood(fn) -> None:
    """``fn(answers, p0, slip, guess, learn) -> float``: log P(answers) under Bayesian knowledge
    tracing by the forward recursion. Compared with the sum over every hidden path of mastery; then
    used to grid-search (s, g, ℓ) on students simulated with known values, which it must find."""
    cases = [
        ([], 0.2, 0.1, 0.2, 0.3),
        ([True], 0.2, 0.1, 0.2, 0.3),
        ([True, False, True, True], 0.2, 0.1, 0.25, 0.2),
        ([False, False, False, True, True, True], 0.3, 0.05, 0.3, 0.4),
        ([True, True, False], 0.0, 0.1, 0.2, 0.5),  # nobody knows it at the start
        ([True, False, True], 1.0, 0.1, 0.2, 0.3),  # everybody knows it at the start
        ([False, True, True, False, True], 0.4, 0.2, 0.3, 0.0),  # nobody learns
        ([False, True, True], 0.1, 0.1, 0.2, 1.0),  # learned after the first exercise
    ]
    truths = [(0.1, 0.25, 0.2), (0.2, 0.1, 0.3)]

    def check():
        for answers, *params in cases:
            want = math.log(_path_likelihood(answers, *params))
            got = fn(list(answers), *params)
            if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
                shown = "".join("对" if a else "错" for a in answers) or "（空）"
                return (
                    f"答题 {shown}、(p0, s, g, ℓ) = {tuple(params)} 时对数似然应为 {want:.6f}，"
                    f"你的结果是 {got!r}（每道题先算答对的概率 p(1−s)+(1−p)g 计入似然，"
                    "再用贝叶斯公式求后验，最后加上学会的概率）"
                )
        for seed, truth in enumerate(truths):
            sequences = _students(300, 8, 0.2, *truth, seed=seed)
            found = max(
                itertools.product(*BKT_GRID),
                key=lambda params: sum(fn(list(a), 0.2, *params) for a in sequences),
            )
            if found != truth:
                return f"用你的函数在网格上搜索，应从模拟学生的答题中找回 (s, g, ℓ) = {truth}，却得到 {found}"
        return None

    run_check("练习 4 拟合知识追踪的参数", check)


# -- the tutoring example of 6.3.1: this week's / next week's day ---------------------------------


def check_week_day(fn) -> None:
    """``fn(today, weekday, next_week)``: the date of ``weekday`` (0 = Monday) in this week (Monday
    to Sunday) or, with ``next_week``, in the week after; compared with Python's ISO calendar."""

    def check():
        for today in (dt.date(2025, 3, 3), dt.date(2025, 3, 9), dt.date(2024, 12, 31)):
            year, week, _ = today.isocalendar()
            for weekday in range(7):
                for nxt in (False, True):
                    want = dt.date.fromisocalendar(year, week, weekday + 1) + dt.timedelta(
                        weeks=nxt
                    )
                    got = fn(today, weekday, nxt)
                    if got != want:
                        word = ("下周" if nxt else "这周") + WEEKDAYS[weekday]
                        return f"{today}（星期{WEEKDAYS[today.weekday()]}）的“{word}”是 {want}，你的结果是 {got!r}"
        return None

    run_check("这周 / 下周的日期", check)
