"""Checks for the exercises of chapter 8 (总结：未来发展趋势与挑战)."""

from __future__ import annotations

import random

import torch
from torch.nn import functional as F

from minillm.exercises import run_check


def _rope_interleaved_reference(x: torch.Tensor, base: float) -> torch.Tensor:
    """Adjacent pairs (2j, 2j+1) as complex numbers, multiplied by e^{i·m·θ_j}: an implementation
    that shares nothing with the first-half/second-half pairing of ``minillm.models.rope``."""
    T, d = x.shape
    theta = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = torch.arange(T, dtype=torch.float64)[:, None] * theta
    pairs = torch.view_as_complex(x.double().reshape(T, d // 2, 2).contiguous())
    rotated = pairs * torch.polar(torch.ones_like(angles), angles)
    return torch.view_as_real(rotated).reshape(T, d).to(x.dtype)


def check_rope_interleaved(fn) -> None:
    """``fn(x, base)`` rotates adjacent pairs (2j, 2j+1) of row m of ``x`` (T, d) by m·base^(−2j/d)."""
    from minillm.models import apply_rope, rope_tables

    def check():
        g = torch.Generator().manual_seed(0)
        for T, d, base in [(1, 4, 10000.0), (5, 2, 10000.0), (7, 8, 10000.0), (6, 6, 100.0)]:
            x = torch.randn(T, d, generator=g)
            original = x.clone()
            got = fn(x, base=base)
            want = _rope_interleaved_reference(original, base)
            if not torch.equal(x, original):
                return "不要原地修改输入 x：先建一个新张量（如 torch.empty_like(x)）再写入"
            if not isinstance(got, torch.Tensor) or got.shape != x.shape:
                return f"T={T}, d={d} 时应返回形状 {tuple(x.shape)} 的张量，你的结果是 {got!r}"
            if torch.allclose(got, want, atol=1e-5):
                continue
            cos, sin = rope_tables(torch.arange(T), d, base)
            if torch.allclose(got, apply_rope(original, cos, sin), atol=1e-5):
                return "这是前后两半配对 (j, j+d/2)；本题要相邻配对 (2j, 2j+1)：x[:, 0::2] 与 x[:, 1::2]"
            return (
                f"T={T}, d={d}, base={base} 时与参考答案不符：位置 m 从 0 数起，"
                f"θ_j = base^(−2j/d)（j = 0…d/2−1），第 2j 维得 x₂ⱼcos − x₂ⱼ₊₁sin"
            )
        return None

    run_check("练习 1 相邻配对的 RoPE", check)


def check_distill_soft(fn) -> None:
    """``fn(student, teacher, T)`` is T² · KL(p_teacher^T ‖ p_student^T), averaged over rows."""

    def check():
        g = torch.Generator().manual_seed(0)
        for temperature in (1.0, 2.0, 4.0):
            s, t = torch.randn(5, 7, generator=g), torch.randn(5, 7, generator=g) * 3
            want = temperature**2 * F.kl_div(
                F.log_softmax(s / temperature, -1),
                F.log_softmax(t / temperature, -1),
                log_target=True,
                reduction="batchmean",
            )
            got = fn(s, t, temperature)
            if not torch.is_tensor(got) or not torch.isclose(got, want, atol=1e-5):
                return f"T={temperature} 时应为 {want.item():.5f}，你的结果是 {got!r}（KL 的方向：老师在前）"
        same = torch.randn(3, 5, generator=g)
        got = fn(same, same.clone(), 2.0)
        if not torch.is_tensor(got) or abs(got.item()) > 1e-6:
            return f"学生与老师的 logits 相同时 KL 应为 0，你的结果是 {got!r}"
        return None

    run_check("练习 2 蒸馏的软目标损失", check)


def _id_with_check(body17: str) -> str:
    """The 17 digits plus their GB 11643 check character (whatever the birth date)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights)) % 11]


def _redact_ids_reference(text: str) -> str:
    """``minillm.privacy.redact`` with only its 身份证号 replacements applied, located by span."""
    from minillm.privacy import PII_KINDS, id_check_ok

    pattern = next(p for kind, p, _ in PII_KINDS if kind == "身份证号")
    pieces, at = [], 0
    for m in pattern.finditer(text):
        if id_check_ok(m.group()):
            pieces += [text[at : m.start()], "[身份证号]"]
            at = m.end()
    return "".join(pieces) + text[at:]


def _id_cases() -> list[str]:
    valid = _id_with_check("11010519491231002")  # the GB 11643 example: check character X
    plain = _id_with_check("44030419900307124")  # check digit 8
    wrong = plain[:17] + "9"  # any other check character
    bad_day = _id_with_check("33010219900230111")  # 30 February: check digit right, date not
    too_old = _id_with_check("33010218500101111")  # 1850: before 1900
    return [
        f"我的身份证号是{valid}，请核对",
        f"小写也算：{valid.lower()}",
        f"{plain}",
        f"校验位错了：{wrong}",
        f"二月三十日：{bad_day}",
        f"1850 年出生：{too_old}",
        f"更长的编号 9{plain} 和 {plain}7 都不是身份证号",
        f"编号AB{plain}和{plain}CD不算",
        f"两个号码：{plain}，{valid}。",
        "订单号3141592653，手机13912345678",
        "",
    ]


def check_redact_ids(fn) -> None:
    """``fn(text)`` replaces every resident ID number with a valid check character and birth date."""

    def check():
        cases = _id_cases()
        rng = random.Random(0)
        for _ in range(40):  # random 18-digit numbers: about 1 in 11 has the right check digit
            body = "".join(rng.choices("0123456789", k=6)) + "19" + f"{rng.randint(10, 99)}"
            body += (
                f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + f"{rng.randint(0, 999):03d}"
            )
            cases.append(f"号码{body}{rng.choice('0123456789X')}结束")
        for text in cases:
            got, want = fn(text), _redact_ids_reference(text)
            if got != want:
                return f"输入 {text!r} 应得到 {want!r}，你的结果是 {got!r}"
        return None

    run_check("练习 3 身份证号脱敏", check)


def _fairness_reference(scores, labels, groups, threshold) -> tuple[float, float]:
    """Count person by person, group by group: selection rates and true-positive rates."""
    dp, eo = [], []
    for group in sorted(set(groups), key=str):
        members = [i for i, g in enumerate(groups) if g == group]
        dp.append(sum(scores[i] >= threshold for i in members) / len(members))
        positives = [i for i in members if labels[i] == 1]
        if positives:
            eo.append(sum(scores[i] >= threshold for i in positives) / len(positives))

    def spread(rates):
        return max(rates) - min(rates) if len(rates) > 1 else 0.0

    return spread(dp), spread(eo)


def check_fairness_gaps(fn) -> None:
    """``fn(scores, labels, groups, threshold)`` is (demographic parity gap, equal opportunity gap)."""

    def check():
        rng = random.Random(0)
        cases = [
            ([0.9, 0.2, 0.7, 0.4], [1, 0, 1, 1], ["a", "a", "b", "b"], 0.5),
            ([0.5, 0.5, 0.1], [1, 1, 1], ["a", "b", "b"], 0.5),  # a score equal to t is selected
            ([0.9, 0.1, 0.8], [0, 0, 1], ["a", "a", "b"], 0.5),  # group a has no qualified people
            ([0.3, 0.8, 0.6], [1, 0, 1], ["x", "x", "x"], 0.5),  # one group: no gap
        ]
        for _ in range(20):
            n = rng.randint(5, 40)
            cases.append(
                (
                    [round(rng.random(), 2) for _ in range(n)],
                    [rng.randint(0, 1) for _ in range(n)],
                    [rng.choice("ABC") for _ in range(n)],
                    rng.choice([0.3, 0.5, 0.7]),
                )
            )
        for scores, labels, groups, threshold in cases:
            want = _fairness_reference(scores, labels, groups, threshold)
            got = fn(list(scores), list(labels), list(groups), threshold)
            if not (isinstance(got, tuple) and len(got) == 2) or any(
                abs(float(a) - b) > 1e-9 for a, b in zip(got, want)
            ):
                return (
                    f"scores={scores}, labels={labels}, groups={groups}, t={threshold} 时应为 "
                    f"({want[0]:.4f}, {want[1]:.4f})，你的结果是 {got!r}"
                    "（分数 ≥ t 算选中；机会均等只看 label=1 的人，没有合格者的群体跳过）"
                )
        return None

    run_check("练习 4 公平性指标", check)
