"""The chapter 6 exercise checks accept a correct answer and reject plausible wrong ones with a hint."""

from __future__ import annotations

import datetime as dt
import math

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


def track_slots(turns):
    values, status = {}, {}
    for turn in turns:
        for act in turn:
            if act.kind in ("inform", "deny") and act.slot is not None:
                if values.get(act.slot) == act.value and status.get(act.slot) == "confirmed":
                    continue
                values[act.slot], status[act.slot] = act.value, act.confidence
            elif act.kind == "affirm" and act.slot in values:
                status[act.slot] = "confirmed"
    return values, status


def track_slots_always_overwrite(turns):
    values, status = {}, {}
    for turn in turns:
        for act in turn:
            if act.kind in ("inform", "deny"):
                values[act.slot], status[act.slot] = act.value, act.confidence
            elif act.kind == "affirm" and act.slot in values:
                status[act.slot] = "confirmed"
    return values, status


def track_slots_affirm_anything(turns):
    values, status = track_slots(turns)
    for turn in turns:
        for act in turn:
            if act.kind == "affirm":
                status[act.slot] = "confirmed"
    return values, status


def test_track_slots(capsys):
    ch06.check_track_slots(track_slots)
    ch06.check_track_slots(track_slots_always_overwrite)
    ch06.check_track_slots(track_slots_affirm_anything)
    lines = verdicts(capsys)
    assert lines[0].startswith("✅")
    assert lines[1].startswith("❌") and "仍是 confirmed" in lines[1]
    assert lines[2].startswith("❌") and "还没有值" in lines[2]


# -- 练习 3 ------------------------------------------------------------------------------------


def bm25(query, docs, k1=1.5, b=0.75):
    n = len(docs)
    avgdl = sum(map(len, docs)) / n
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
    lines = verdicts(capsys)
    assert lines[0].startswith("✅")
    assert all(line.startswith("❌") and "分数应为" in line for line in lines[1:])


# -- 练习 4 and the 6.3.1 example -------------------------------------------------------------


def test_bkt_update(capsys):
    def bkt(p, correct, slip, guess, learn):
        if correct:
            post = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
        else:
            post = p * slip / (p * slip + (1 - p) * (1 - guess))
        return post + (1 - post) * learn

    ch06.check_bkt_update(bkt)
    ch06.check_bkt_update(lambda p, c, s, g, learn: p + (1 - p) * learn)  # no Bayes step
    lines = verdicts(capsys)
    assert lines[0].startswith("✅")
    assert lines[1].startswith("❌") and "贝叶斯" in lines[1]


def test_week_day(capsys):
    ch06.check_week_day(lambda t, w, n: t + dt.timedelta(days=w - t.weekday() + 7 * n))
    ch06.check_week_day(lambda t, w, n: t + dt.timedelta(days=(w - t.weekday()) % 7 + 7 * n))
    lines = verdicts(capsys)
    assert lines[0].startswith("✅")
    assert lines[1].startswith("❌") and "这周" in lines[1]
