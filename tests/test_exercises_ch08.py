"""The chapter 8 exercise checks accept a correct answer and reject a wrong one with a hint."""

from __future__ import annotations

import datetime
import re

import torch
from torch.nn import functional as F


def _verdicts(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def _rope_interleaved(x, base=10000.0, pairing="adjacent", first_position=0, exponent=2):
    T, d = x.shape
    theta = base ** (-exponent * torch.arange(d // 2, dtype=torch.float64) / d)
    angles = (torch.arange(T, dtype=torch.float64) + first_position)[:, None] * theta
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    if pairing == "halves":
        a, b = x.chunk(2, dim=-1)
        return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)
    a, b = x[:, 0::2], x[:, 1::2]
    return torch.stack([a * cos - b * sin, a * sin + b * cos], dim=-1).flatten(1)


def test_rope_interleaved_check(capsys):
    from minillm.exercises import ch08

    def in_place(x, base=10000.0):
        x.copy_(_rope_interleaved(x, base))
        return x

    ch08.check_rope_interleaved(_rope_interleaved)
    ch08.check_rope_interleaved(lambda x, base=10000.0: _rope_interleaved(x, base, "halves"))
    ch08.check_rope_interleaved(
        lambda x, base=10000.0: _rope_interleaved(x, base, first_position=1)
    )
    ch08.check_rope_interleaved(lambda x, base=10000.0: _rope_interleaved(x, base, exponent=1))
    ch08.check_rope_interleaved(in_place)
    lines = _verdicts(capsys)
    assert [line[0] for line in lines] == ["✅"] + ["❌"] * 4
    assert "前后两半配对" in lines[1] and "原地" in lines[4]


def test_distill_soft_check(capsys):
    from minillm.exercises import ch08

    def soft(s, t, temp):
        p = F.softmax(t / temp, -1)
        return temp**2 * (p * (p.log() - F.log_softmax(s / temp, -1))).sum(-1).mean()

    ch08.check_distill_soft(soft)
    ch08.check_distill_soft(lambda s, t, temp: soft(t, s, temp))  # KL the wrong way round
    ch08.check_distill_soft(lambda s, t, temp: soft(s, t, temp) / temp**2)  # without T²
    assert [line[0] for line in _verdicts(capsys)] == ["✅", "❌", "❌"]


def _redact_ids(text, check_date=True, check_digit=True, boundaries=True, lower_x=True):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

    def valid(n):
        if check_date:
            try:
                if (
                    not 1900
                    <= datetime.date(int(n[6:10]), int(n[10:12]), int(n[12:14])).year
                    <= 2100
                ):
                    return False
            except ValueError:
                return False
        last = n[17].upper() if lower_x else n[17]
        total = sum(int(c) * w for c, w in zip(n[:17], weights))
        return not check_digit or "10X98765432"[total % 11] == last

    pattern = r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])" if boundaries else r"\d{17}[\dXx]"
    return re.sub(pattern, lambda m: "[身份证号]" if valid(m.group()) else m.group(), text)


def test_redact_ids_check(capsys):
    from minillm.exercises import ch08
    from minillm.privacy import redact

    ch08.check_redact_ids(_redact_ids)
    ch08.check_redact_ids(lambda t: _redact_ids(t, check_date=False))
    ch08.check_redact_ids(lambda t: _redact_ids(t, check_digit=False))
    ch08.check_redact_ids(lambda t: _redact_ids(t, boundaries=False))
    ch08.check_redact_ids(lambda t: _redact_ids(t, lower_x=False))
    ch08.check_redact_ids(lambda t: redact(t).text)  # the whole redactor also hides the phone
    lines = _verdicts(capsys)
    assert [line[0] for line in lines] == ["✅"] + ["❌"] * 5
    assert all("应得到" in line for line in lines[1:])


def _fairness_gaps(scores, labels, groups, threshold, strict=False, skip_empty=True):
    selected, qualified = {}, {}
    for s, y, g in zip(scores, labels, groups):
        chosen = s > threshold if strict else s >= threshold
        selected.setdefault(g, []).append(chosen)
        if y == 1 or not skip_empty:
            qualified.setdefault(g, [])
        if y == 1:
            qualified[g].append(chosen)

    def gap(by_group):
        rates = [sum(v) / len(v) if v else 0.0 for v in by_group.values()]
        return max(rates) - min(rates) if len(rates) > 1 else 0.0

    return gap(selected), gap(qualified)


def test_fairness_gaps_check(capsys):
    from minillm.exercises import ch08

    def ratio(scores, labels, groups, threshold):  # min/max instead of max − min
        rates = {}
        for s, g in zip(scores, groups):
            rates.setdefault(g, []).append(s >= threshold)
        values = [sum(v) / len(v) for v in rates.values()]
        return min(values) / max(values) if max(values) else 1.0, 0.0

    ch08.check_fairness_gaps(_fairness_gaps)
    ch08.check_fairness_gaps(lambda *a: _fairness_gaps(*a, strict=True))  # score == t not selected
    ch08.check_fairness_gaps(
        lambda *a: _fairness_gaps(*a, skip_empty=False)
    )  # rate 0 for no positives
    ch08.check_fairness_gaps(ratio)
    lines = _verdicts(capsys)
    assert [line[0] for line in lines] == ["✅"] + ["❌"] * 3
    assert "机会均等" in lines[1]
