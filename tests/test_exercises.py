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


def test_chapter4_checks(capsys):
    from minillm.exercises import ch04

    ch04.check_laplace_prob(lambda c_hw, c_h, v: (c_hw + 1) / (c_h + v))
    ch04.check_perplexity_from_log2(lambda lp: 2 ** (-sum(lp) / len(lp)))
    ch04.check_lstm_param_count(lambda e, h: 4 * h * (e + h) + 8 * h)
    ch04.check_laplace_prob(lambda c_hw, c_h, v: c_hw / c_h)
    ch04.check_perplexity_from_log2(lambda lp: -sum(lp) / len(lp))
    ch04.check_lstm_param_count(lambda e, h: 4 * h * (e + h))
    ch04.check_q_update(lambda q, r, qn, a, g, t: q + a * (r + (0 if t else g * max(qn)) - q))
    ch04.check_q_update(
        lambda q, r, qn, a, g, t: q + a * (r + g * max(qn) - q)
    )  # bootstraps always
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅"] * 3 + ["❌"] * 3 + ["✅", "❌"]


def test_chapter6_checks(capsys):
    import datetime as dt
    import math

    from minillm.exercises import ch06

    ch06.check_idf(lambda n, df: math.log((1 + n) / (1 + df)) + 1)
    ch06.check_idf(lambda n, df: math.log(n / df))
    ch06.check_bkt_update(ch06._bkt)
    ch06.check_bkt_update(lambda p, c, s, g, learn: p + (1 - p) * learn)
    ch06.check_week_day(lambda t, w, n: t + dt.timedelta(days=w - t.weekday() + 7 * n))
    ch06.check_week_day(lambda t, w, n: t + dt.timedelta(days=(w - t.weekday()) % 7 + 7 * n))
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "❌"] * 3


def test_chapter7_checks(capsys):
    from minillm.exercises import ch07

    ch07.check_gpt_params(lambda v, t, n, d: v * d + t * d + n * (12 * d * d + 13 * d) + 2 * d)
    ch07.check_gpt_params(lambda v, t, n, d: v * d + t * d + n * 12 * d * d)
    ch07.check_torch_smoothing(lambda eps, v: eps * v / (v - 1))
    ch07.check_torch_smoothing(lambda eps, v: eps)
    ch07.check_gnmt_length_penalty(lambda n, a: ((5 + n) / 6) ** a)
    ch07.check_gnmt_length_penalty(lambda n, a: n**a)
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "❌"] * 3


def test_chapter8_checks(capsys):
    import math

    from torch.nn import functional as F

    from minillm.exercises import ch08
    from minillm.privacy import luhn_ok

    def rotate(x0, x1, m, theta):
        a = m * theta
        return x0 * math.cos(a) - x1 * math.sin(a), x0 * math.sin(a) + x1 * math.cos(a)

    def soft(s, t, temp):
        p = F.softmax(t / temp, -1)
        return temp**2 * (p * (p.log() - F.log_softmax(s / temp, -1))).sum(-1).mean()

    ch08.check_rope_pair(rotate)
    ch08.check_rope_pair(lambda x0, x1, m, theta: (x0, x1))
    ch08.check_distill_soft(soft)
    ch08.check_distill_soft(lambda s, t, temp: soft(t, s, temp))  # KL the wrong way round
    ch08.check_luhn_valid(luhn_ok)
    ch08.check_luhn_valid(lambda n: sum(map(int, n)) % 10 == 0)
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "❌"] * 3


def test_chapter9_checks(capsys):
    from minillm.exercises import ch09

    def params(vocab, block, layers, d):
        return vocab * d + block * d + layers * (12 * d * d + 13 * d) + 2 * d

    def shares(sizes, alpha):
        total = sum(sizes.values())
        weights = {k: (n / total) ** alpha for k, n in sizes.items()}
        return {k: w / sum(weights.values()) for k, w in weights.items()}

    ch09.check_gpt_params(params)
    ch09.check_gpt_params(lambda v, t, layers, d: 2 * v * d + t * d + layers * 12 * d * d)
    ch09.check_kv_cache_bytes(lambda layers, d, t, b, nbytes: 2 * layers * d * t * b * nbytes)
    ch09.check_kv_cache_bytes(lambda layers, d, t, b, nbytes: layers * d * t * b * nbytes)
    ch09.check_sampling_shares(shares)
    # p_i^alpha without renormalising
    ch09.check_sampling_shares(lambda sizes, alpha: {k: n**alpha for k, n in sizes.items()})
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "❌"] * 3


def test_chapter3_checks(capsys):
    from minillm.exercises import ch03
    from minillm.tokenizers.bpe import merge

    def apply(ids, merges):
        for pair, new_id in merges:
            ids = merge(ids, pair, new_id)
        return ids

    ch03.check_pair_counts(lambda ids: Counter(zip(ids, ids[1:])))
    ch03.check_merge(merge)
    ch03.check_apply_merges(apply)
    ch03.check_pair_counts(lambda ids: Counter(ids))
    ch03.check_merge(lambda ids, pair, new_id: [new_id if i == pair[0] else i for i in ids])
    ch03.check_apply_merges(lambda ids, merges: ids)
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅"] * 3 + ["❌"] * 3


def test_chapter3_decoding_checks(capsys):
    import torch

    from minillm.exercises import ch03

    def top_k(logits, k):
        return logits.masked_fill(logits < torch.topk(logits, k).values[:, -1:], float("-inf"))

    def nucleus(probs, p):
        sorted_p, order = probs.sort(descending=True)
        return set(order[(sorted_p.cumsum(0) - sorted_p) < p].tolist())

    ch03.check_top_k_filter(top_k)
    ch03.check_nucleus(nucleus)
    # off by one: keeps k + 1 scores; and the set whose mass stays below p
    ch03.check_top_k_filter(lambda x, k: top_k(x, min(k + 1, x.size(-1))))
    ch03.check_nucleus(
        lambda probs, p: set(
            probs.sort(descending=True)[1][probs.sort(descending=True)[0].cumsum(0) < p].tolist()
        )
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅"] * 2 + ["❌"] * 2
