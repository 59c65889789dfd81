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


def _soft_grad_norms(student, teacher, temperatures, chain=True, mean=True, reverse=False):
    rows = []
    for T in temperatures:
        p_s, p_t = F.softmax(student / T, -1), F.softmax(teacher / T, -1)
        grad = p_s - p_t  # ∂KL(p_t ‖ p_s)/∂(z_s / T), row by row
        if reverse:  # ∂KL(p_s ‖ p_t)/∂(z_s / T)
            log_ratio = p_s.log() - p_t.log()
            grad = p_s * (log_ratio - (p_s * log_ratio).sum(-1, keepdim=True))
        grad = grad / T if chain else grad
        grad = grad / len(student) if mean else grad
        norm = grad.norm().item()
        rows.append((norm, T**2 * norm))
    return rows


def test_soft_grad_norms_check(capsys):
    from minillm.exercises import ch08

    def by_autograd(student, teacher, temperatures):
        rows = []
        for T in temperatures:
            z = student.clone().requires_grad_(True)
            log_p_t = F.log_softmax(teacher / T, -1)
            kl = (log_p_t.exp() * (log_p_t - F.log_softmax(z / T, -1))).sum(-1).mean()
            (grad,) = torch.autograd.grad(kl, z)
            rows.append((grad.norm().item(), T**2 * grad.norm().item()))
        return rows

    ch08.check_soft_grad_norms(_soft_grad_norms)
    ch08.check_soft_grad_norms(by_autograd)
    ch08.check_soft_grad_norms(lambda s, t, ts: _soft_grad_norms(s, t, ts, chain=False))
    ch08.check_soft_grad_norms(lambda s, t, ts: _soft_grad_norms(s, t, ts, mean=False))
    ch08.check_soft_grad_norms(lambda s, t, ts: _soft_grad_norms(s, t, ts, reverse=True))
    ch08.check_soft_grad_norms(lambda s, t, ts: [(a, a) for a, _ in _soft_grad_norms(s, t, ts)])
    lines = _verdicts(capsys)
    verdicts = [line for line in lines if line[0] in "✅❌"]
    assert [line[0] for line in verdicts] == ["✅", "✅"] + ["❌"] * 4
    assert "1/T" in verdicts[2] and "平均" in verdicts[3] and "方向" in verdicts[4]
    assert "乘了 T²" in verdicts[5]
    table = lines[1:7]  # the table printed after the first ✅: flat with T², falling without
    with_t2 = [float(line.split()[2]) for line in table[2:]]
    assert max(with_t2) / min(with_t2) < 2 and "与上一行之比" in table[0]
    assert abs(float(table[-1].split()[3]) - 1 / 4) < 0.05  # T doubled: about 1/T² smaller


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


def _fairness_gaps(scores, labels, groups, threshold, strict=False, skip_empty=True, odds="max"):
    selected, qualified, others = {}, {}, {}
    for s, y, g in zip(scores, labels, groups):
        chosen = s > threshold if strict else s >= threshold
        selected.setdefault(g, []).append(chosen)
        for rates, label in ((qualified, 1), (others, 0)):
            if y == label or not skip_empty:
                rates.setdefault(g, [])
            if y == label:
                rates[g].append(chosen)

    def gap(by_group):
        rates = [sum(v) / len(v) if v else 0.0 for v in by_group.values()]
        return max(rates) - min(rates) if len(rates) > 1 else 0.0

    tpr, fpr = gap(qualified), gap(others)
    equalized = max(tpr, fpr) if odds == "max" else (tpr + fpr if odds == "sum" else tpr)
    return gap(selected), tpr, equalized


def test_fairness_gaps_check(capsys):
    from minillm.exercises import ch08

    def ratio(scores, labels, groups, threshold):  # min/max instead of max − min
        rates = {}
        for s, g in zip(scores, groups):
            rates.setdefault(g, []).append(s >= threshold)
        values = [sum(v) / len(v) for v in rates.values()]
        return min(values) / max(values) if max(values) else 1.0, 0.0, 0.0

    ch08.check_fairness_gaps(_fairness_gaps)
    ch08.check_fairness_gaps(lambda *a: _fairness_gaps(*a, strict=True))  # score == t not selected
    ch08.check_fairness_gaps(
        lambda *a: _fairness_gaps(*a, skip_empty=False)
    )  # rate 0 for a group with no positives
    ch08.check_fairness_gaps(ratio)
    ch08.check_fairness_gaps(lambda *a: _fairness_gaps(*a, odds="sum"))  # TPR gap + FPR gap
    ch08.check_fairness_gaps(lambda *a: _fairness_gaps(*a, odds="tpr"))  # forgets the FPR
    ch08.check_fairness_gaps(lambda *a: _fairness_gaps(*a)[:2])  # the old two-value answer
    lines = _verdicts(capsys)
    assert [line[0] for line in lines] == ["✅"] + ["❌"] * 6
    assert "机会均等" not in lines[1] or "真正率" in lines[1]
    assert all("均衡几率" in line for line in lines[1:])
