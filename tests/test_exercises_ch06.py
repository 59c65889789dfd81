"""The chapter 6 exercise checks accept a correct answer and reject plausible wrong ones with a hint."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from minillm.exercises import ch06


def verdicts(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


# -- 练习 1 ------------------------------------------------------------------------------------


def fast_rule(obs):
    from minillm.rl.state import STATUSES, SYSTEM_ACTS, USER_ACTS

    status = [STATUSES[int(i)] for i in obs[1:4]]
    last = USER_ACTS[int(obs[5])]
    if last == "bye":
        return SYSTEM_ACTS.index("close")
    if last == "unclear":
        return SYSTEM_ACTS.index("fallback")
    for i, st in enumerate(status, start=1):
        if st in ("empty", "low"):
            return SYSTEM_ACTS.index(f"request_{i}")
    return SYSTEM_ACTS.index("inform")


def test_fast_rule_passes(capsys):
    ch06.check_fast_rule(fast_rule)
    assert verdicts(capsys)[0].startswith("✅")


@pytest.mark.parametrize(
    "policy, hint",
    [
        ("rule", "应至少少 1 轮"),  # the library's own rule policy is not faster than itself
        ("never_close", "成功率只有"),
        ("bad_action", "运行时出错"),
    ],
)
def test_fast_rule_rejects(capsys, policy, hint):
    from minillm.rl import RulePolicy

    policies = {
        "rule": RulePolicy(),
        "never_close": lambda obs: 4 if fast_rule(obs) == 8 else fast_rule(obs),
        "bad_action": lambda obs: 10,
    }
    ch06.check_fast_rule(policies[policy])
    line = verdicts(capsys)[0]
    assert line.startswith("❌") and hint in line


# -- 练习 2 ------------------------------------------------------------------------------------

WEEKDAYS = "一二三四五六日"


def _month_after(today):
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


def _days_in(year, month):
    first_of_next = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return (first_of_next - dt.timedelta(days=1)).day


def resolve_more(text, today):
    if m := re.fullmatch(r"(\d+)天后", text):
        return today + dt.timedelta(days=int(m.group(1)))
    if m := re.fullmatch(r"下下周([一二三四五六日])", text):
        return today + dt.timedelta(days=WEEKDAYS.index(m.group(1)) - today.weekday() + 14)
    if text == "月底":
        return dt.date(today.year, today.month, _days_in(today.year, today.month))
    year, month = _month_after(today)
    if text == "下个月底":
        return dt.date(year, month, _days_in(year, month))
    if m := re.fullmatch(r"下个月(\d+)号", text):
        day = int(m.group(1))
        return dt.date(year, month, day) if day <= _days_in(year, month) else None
    return None


def resolve_more_plus_14(text, today):  # 下下周X as fourteen days from today
    if re.fullmatch(r"下下周[一二三四五六日]", text):
        return today + dt.timedelta(days=14)
    return resolve_more(text, today)


def resolve_more_30_days(text, today):  # next month as thirty days later
    if m := re.fullmatch(r"下个月(\d+)号", text):
        later = today + dt.timedelta(days=30)
        return later.replace(day=int(m.group(1)))
    return resolve_more(text, today)


def resolve_more_month_30(text, today):  # every month ends on the 30th
    if text == "月底":
        return today.replace(day=30)
    return resolve_more(text, today)


def resolve_more_december(text, today):  # December + 1 = month 13
    if text == "下个月底":
        return dt.date(today.year, today.month + 1, 28)
    return resolve_more(text, today)


def test_resolve_more(capsys):
    ch06.check_resolve_more(resolve_more)
    ch06.check_resolve_more(resolve_more_plus_14)
    ch06.check_resolve_more(resolve_more_30_days)
    ch06.check_resolve_more(resolve_more_month_30)
    ch06.check_resolve_more(resolve_more_december)
    ch06.check_resolve_more(lambda text, today: None)
    lines = verdicts(capsys)
    assert lines[0].startswith("✅")
    assert lines[1].startswith("❌") and "再加 14 天" in lines[1]
    assert lines[2].startswith("❌") and "下个月" in lines[2]
    assert lines[3].startswith("❌") and "天数不同" in lines[3]
    assert lines[4].startswith("❌") and ("运行时出错" in lines[4] or "天数不同" in lines[4])
    assert lines[5].startswith("❌") and "天后" in lines[5]


# -- 练习 3 ------------------------------------------------------------------------------------


def bm25(query, docs, k1=1.5, b=0.75):
    n = len(docs)
    avgdl = sum(map(len, docs)) / max(n, 1)
    df = {g: sum(g in d for d in docs) for g in set(query)}
    scores = []
    for d in docs:
        s = 0.0
        for g in set(query):
            f = d.count(g)
            if f:
                idf = math.log(1 + (n - df[g] + 0.5) / (df[g] + 0.5))
                s += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(d) / avgdl))
        scores.append(s)
    return scores


def bm25_divides_by_zero(query, docs, k1=1.5, b=0.75):
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)
    scores = []
    for d in docs:
        norm = k1 * (1 - b + b * len(d) / avgdl)
        s = 0.0
        for g in set(query):
            f, df = d.count(g), sum(g in x for x in docs)
            if f:
                s += math.log(1 + (n - df + 0.5) / (df + 0.5)) * f * (k1 + 1) / (f + norm)
        scores.append(s)
    return scores


def bm25_counts_repeats(query, docs, k1=1.5, b=0.75):
    total = [0.0] * len(docs)
    for g in query:
        for i, s in enumerate(bm25([g], docs, k1, b)):
            total[i] += s
    return total


def bm25_plain_idf(query, docs, k1=1.5, b=0.75):
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)
    scores = []
    for d in docs:
        s = 0.0
        for g in set(query):
            f, df = d.count(g), sum(g in x for x in docs)
            if f:
                s += math.log(n / df) * f * (k1 + 1) / (f + k1 * (1 - b + b * len(d) / avgdl))
        scores.append(s)
    return scores


def test_bm25(capsys):
    ch06.check_bm25(bm25)
    ch06.check_bm25(bm25_counts_repeats)
    ch06.check_bm25(bm25_plain_idf)
    ch06.check_bm25(bm25_divides_by_zero)
    lines = verdicts(capsys)
    assert lines[0].startswith("✅")
    assert all(line.startswith("❌") and "分数应为" in line for line in lines[1:3])
    assert lines[3].startswith("❌") and "运行时出错" in lines[3]


# -- 练习 4 and the 6.3.1 example -------------------------------------------------------------


def bkt_log_likelihood(answers, p0, slip, guess, learn):
    p, total = p0, 0.0
    for right in answers:
        p_right = p * (1 - slip) + (1 - p) * guess
        total += math.log(p_right if right else 1 - p_right)
        post = p * (1 - slip) / p_right if right else p * slip / (1 - p_right)
        p = post + (1 - post) * learn
    return total


def bkt_no_learning(answers, p0, slip, guess, learn):
    return bkt_log_likelihood(answers, p0, slip, guess, 0.0)


def bkt_no_bayes(answers, p0, slip, guess, learn):  # the prediction never looks at the answers
    p, total = p0, 0.0
    for right in answers:
        p_right = p * (1 - slip) + (1 - p) * guess
        total += math.log(p_right if right else 1 - p_right)
        p = p + (1 - p) * learn
    return total


def bkt_mastery_as_prediction(answers, p0, slip, guess, learn):  # P(right) = p
    p, total = p0, 0.0
    for right in answers:
        total += math.log(min(max(p if right else 1 - p, 1e-12), 1.0))
        if right:
            post = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
        else:
            post = p * slip / (p * slip + (1 - p) * (1 - guess))
        p = post + (1 - post) * learn
    return total


def test_bkt_likelihood(capsys):
    for fn in (bkt_log_likelihood, bkt_no_learning, bkt_no_bayes, bkt_mastery_as_prediction):
        ch06.check_bkt_likelihood(fn)
    lines = verdicts(capsys)
    assert lines[0].startswith("✅")
    assert all(line.startswith("❌") and "对数似然应为" in line for line in lines[1:])


def test_bkt_grid_recovers_the_truth_with_the_reference():
    import itertools

    for seed, truth in enumerate([(0.1, 0.25, 0.2), (0.2, 0.1, 0.3)]):
        sequences = ch06._students(300, 8, 0.2, *truth, seed=seed)
        found = max(
            itertools.product(*ch06.BKT_GRID),
            key=lambda p: sum(math.log(ch06._path_likelihood(a, 0.2, *p)) for a in sequences),
        )
        assert found == truth


def test_bkt_likelihood_recovery_catches_a_right_value_wrong_model(capsys):
    # exact on the small cases, but the first answer is taken as already learned from: the grid
    # search then finds the wrong learning rate
    def learn_first(answers, p0, slip, guess, learn):
        if len(answers) <= 6:
            return bkt_log_likelihood(answers, p0, slip, guess, learn)
        return bkt_log_likelihood(answers, p0 + (1 - p0) * learn, slip, guess, learn)

    ch06.check_bkt_likelihood(learn_first)
    line = verdicts(capsys)[0]
    assert line.startswith("❌") and "找回" in line


def test_week_day(capsys):
    ch06.check_week_day(lambda t, w, n: t + dt.timedelta(days=w - t.weekday() + 7 * n))
    ch06.check_week_day(lambda t, w, n: t + dt.timedelta(days=(w - t.weekday()) % 7 + 7 * n))
    lines = verdicts(capsys)
    assert lines[0].startswith("✅")
    assert lines[1].startswith("❌") and "这周" in lines[1]
