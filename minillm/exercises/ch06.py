"""Checks for the exercises of chapter 6 (实际应用场景).

Each check compares the reader's function with a reference computed another way: the dialogue
environment's own success metric, the library's state tracker, a term-by-term BM25, Bayes' rule
written out, Python's ISO calendar.
"""

from __future__ import annotations

import datetime as dt
import math
import random

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


# -- 练习 2: slot tracking with corrections ----------------------------------------------------

_VALUES = {
    "order_id": ("8845201301", "8845201307"),
    "city": ("上海", "杭州", "成都"),
    "product": ("耳机", "手机"),
}


def _random_turns(rng: random.Random) -> list:
    """A few user turns of random acts, each turn 0-2 acts."""
    from minillm.rl.state import UserAct

    turns = []
    for _ in range(rng.randint(1, 6)):
        turn = []
        for _ in range(rng.randint(0, 2)):
            kind = rng.choice(("inform", "inform", "deny", "affirm", "bye"))
            slot = rng.choice(list(_VALUES))
            if kind in ("inform", "deny"):
                value, confidence = rng.choice(_VALUES[slot]), rng.choice(("high", "low"))
                turn.append(UserAct(kind, slot, value, confidence))
            elif kind == "affirm":
                turn.append(UserAct("affirm", slot))
            else:
                turn.append(UserAct("bye"))
        turns.append(turn)
    return turns


def _library_track(turns) -> tuple[dict, dict]:
    from minillm.rl.state import DialogueState

    state = DialogueState()
    for turn in turns:
        state.update(turn)
    return dict(state.values), dict(state.status)


def _show_act(act) -> str:
    if act.value is not None:
        return f"{act.kind}({act.slot}={act.value},{act.confidence})"
    return f"{act.kind}({act.slot})" if act.slot else act.kind


def _show(turns) -> str:
    return " → ".join(_show_act(a) for turn in turns for a in turn) or "（没有行为）"


def check_track_slots(fn) -> None:
    """``fn(turns) -> (values, status)``: the belief after the user turns, as ``DialogueState.update``
    folds them (inform/deny write a value and its confidence unless that very value is already
    confirmed; affirm confirms a slot that holds a value)."""
    from minillm.rl.state import UserAct

    fixed = [
        ([], "没有任何行为时，两个字典都是空的"),
        ([[UserAct("affirm", "city")]], "肯定一个还没有值的槽位，什么也不改变"),
        (
            [
                [UserAct("inform", "city", "上海", "low")],
                [UserAct("affirm", "city")],
                [UserAct("inform", "city", "上海", "high")],
            ],
            "已确认的值被用户用同一个值再说一遍，状态仍是 confirmed",
        ),
        (
            [
                [UserAct("inform", "city", "上海", "high")],
                [UserAct("affirm", "city")],
                [UserAct("deny", "city", "杭州", "low")],
            ],
            "deny 带着新值改写槽位，状态取新值的置信度",
        ),
        (
            [
                [
                    UserAct("inform", "order_id", "8845201301", "high"),
                    UserAct("inform", "city", "成都", "low"),
                ]
            ],
            "一轮里的几个行为都要处理",
        ),
    ]
    rng = random.Random(6)
    cases = fixed + [(_random_turns(rng), "") for _ in range(300)]

    def check():
        for turns, hint in cases:
            want = _library_track(turns)
            got = fn([list(turn) for turn in turns])
            if tuple(map(dict, got)) != want:
                return f"对 {_show(turns)} 应得到 {want}，你的结果是 {got!r}" + (
                    f"（{hint}）" if hint else ""
                )
        return None

    run_check("练习 2 带纠正的槽位跟踪", check)


# -- 练习 3: BM25 --------------------------------------------------------------------------------


def _bm25(query: list[str], docs: list[list[str]], k1: float, b: float) -> list[float]:
    """Okapi BM25 written out term by term (each distinct query gram once)."""
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
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
                        f"你的结果是 {g!r}（查询里重复的片段只算一次；文档里没有的片段贡献 0）"
                    )
        return None

    run_check("练习 3 BM25 检索打分", check)


# -- 练习 4: Bayesian knowledge tracing -----------------------------------------------------------


def _bkt(p, correct, slip, guess, learn):
    """Bayes' rule over the two hypotheses (knows the skill or not), then the learning step."""
    p_answer_if_known = 1 - slip if correct else slip
    p_answer_if_unknown = guess if correct else 1 - guess
    joint_known = p * p_answer_if_known
    post = joint_known / (joint_known + (1 - p) * p_answer_if_unknown)
    return post + (1 - post) * learn


def check_bkt_update(fn) -> None:
    """``fn(p, correct, slip, guess, learn)``: Bayesian knowledge tracing, the posterior of mastery
    after one answer, then the chance to learn from the exercise."""

    def check():
        for args in [
            (0.3, True, 0.1, 0.2, 0.15),
            (0.3, False, 0.1, 0.2, 0.15),
            (0.9, False, 0.05, 0.25, 0.0),
            (0.01, True, 0.2, 0.3, 0.5),
            (1.0, False, 0.1, 0.2, 0.1),
            (0.0, True, 0.1, 0.2, 0.3),
        ]:
            got, want = fn(*args), _bkt(*args)
            if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
                return f"参数 {args} 时应为 {want:.6f}，你的结果是 {got!r}（先用贝叶斯公式求后验，再加上学会的概率）"
        return None

    run_check("练习 4 知识追踪的更新", check)


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
