"""Checks for the exercises of chapter 8 (总结：未来发展趋势与挑战)."""

from __future__ import annotations

import random

import torch
from torch.nn import functional as F

from minillm.exercises import run_check
from minillm.tables import print_table


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


def _soft_grad_norm_reference(
    student: torch.Tensor, teacher: torch.Tensor, T: float, reverse: bool = False
) -> float:
    """‖∂ KL(p_t^T ‖ p_s^T) / ∂ student‖ by autograd through ``F.kl_div`` (mean over rows);
    ``reverse`` differentiates KL(p_s^T ‖ p_t^T) instead, the slip of swapping the arguments."""
    z = student.detach().double().clone().requires_grad_(True)
    log_p_s, log_p_t = F.log_softmax(z / T, -1), F.log_softmax(teacher.double() / T, -1)
    first, second = (log_p_t, log_p_s) if reverse else (log_p_s, log_p_t)
    kl = F.kl_div(first, second, log_target=True, reduction="batchmean")
    (grad,) = torch.autograd.grad(kl, z)
    return grad.norm().item()


def _soft_grad_hint(got: float, want: float, student, teacher, T: float) -> str:
    """Name the likely slip when the norm without T² is off."""
    if T != 1 and abs(got - want * T) <= 1e-4 * max(1.0, want * T):
        return "梯度要对 logits z 求，不是对 z/T：链式法则还要乘 1/T"
    if abs(got - want * len(student)) <= 1e-4 * max(1.0, want * len(student)):
        return "KL 要对所有行取平均（N 行相加后除以 N），不是相加"
    reverse = _soft_grad_norm_reference(student, teacher, T, reverse=True)
    if abs(got - reverse) <= 1e-4 * max(1.0, reverse):
        return "KL 的方向：KL(p_t ‖ p_s)，老师的分布在前，梯度对学生的 logits 求"
    return f"T={T} 时不乘 T² 的梯度范数应为 {want:.6f}，你的结果是 {got:.6f}"


def check_soft_grad_norms(fn) -> None:
    """``fn(student, teacher, temperatures)`` lists, per T, ‖∇_z KL(p_t^T ‖ p_s^T)‖ without and
    with the factor T²; checked against autograd through ``F.kl_div``, then shown on a larger case."""
    temperatures = (1.0, 2.0, 4.0, 8.0)

    def check():
        g = torch.Generator().manual_seed(0)
        cases = [
            (torch.randn(n, v, generator=g) * 2, torch.randn(n, v, generator=g) * 3)
            for n, v in [(4, 7), (1, 5), (3, 2)]
        ]
        same = torch.randn(3, 6, generator=g)
        cases.append((same, same.clone()))  # the student already matches: no gradient at all
        for student, teacher in cases:
            got = fn(student.clone(), teacher.clone(), list(temperatures))
            if not isinstance(got, (list, tuple)) or len(got) != len(temperatures):
                return f"应返回 {len(temperatures)} 个 (不乘 T², 乘 T²) 对，每个温度一个；你的结果是 {got!r}"
            for T, pair in zip(temperatures, got):
                want = _soft_grad_norm_reference(student, teacher, T)
                if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                    return f"每个温度返回一对数 (不乘 T², 乘 T²)，T={T} 时你的结果是 {pair!r}"
                without, with_t2 = (float(v) for v in pair)
                if abs(without - want) > 1e-4 * want + 1e-6:
                    return _soft_grad_hint(without, want, student, teacher, T)
                if abs(with_t2 - T**2 * want) > 1e-4 * T**2 * want + 1e-6:
                    return f"第二个数是乘了 T² 的损失的梯度范数：T={T} 时应为 {T**2 * want:.6f}，你的结果是 {with_t2:.6f}"
        return None

    if run_check("练习 2 温度与软目标的梯度", check):
        g = torch.Generator().manual_seed(1)
        student, teacher = (
            torch.randn(16, 65, generator=g) * 2,
            torch.randn(16, 65, generator=g) * 3,
        )
        norms = fn(student, teacher, list(temperatures))
        rows = [[int(T), a, b] for T, (a, b) in zip(temperatures, norms)]
        for row, before in zip(rows, [None, *norms]):
            row.append("—" if before is None else f"{row[1] / before[0]:.3f}")
        headers = ["T", "不乘 T²", "乘 T²", "不乘 T² 与上一行之比"]
        print_table(rows, headers=headers, floatfmt=".4f")


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


def _fairness_reference(scores, labels, groups, threshold) -> tuple[float, float, float]:
    """Count person by person, group by group: selection rates, true- and false-positive rates."""
    dp, tpr, fpr = [], [], []
    for group in sorted(set(groups), key=str):
        members = [i for i, g in enumerate(groups) if g == group]
        dp.append(sum(scores[i] >= threshold for i in members) / len(members))
        for rates, label in ((tpr, 1), (fpr, 0)):
            people = [i for i in members if labels[i] == label]
            if people:
                rates.append(sum(scores[i] >= threshold for i in people) / len(people))

    def spread(rates):
        return max(rates) - min(rates) if len(rates) > 1 else 0.0

    return spread(dp), spread(tpr), max(spread(tpr), spread(fpr))


def check_fairness_gaps(fn) -> None:
    """``fn(scores, labels, groups, threshold)`` is (demographic parity gap, equal opportunity gap,
    equalized odds gap)."""

    def check():
        rng = random.Random(0)
        cases = [
            ([0.9, 0.2, 0.7, 0.4], [1, 0, 1, 1], ["a", "a", "b", "b"], 0.5),
            ([0.5, 0.5, 0.1], [1, 1, 1], ["a", "b", "b"], 0.5),  # a score equal to t is selected
            ([0.9, 0.1, 0.8], [0, 0, 1], ["a", "a", "b"], 0.5),  # a has no qualified, b no others
            ([0.3, 0.8, 0.6], [1, 0, 1], ["x", "x", "x"], 0.5),  # one group: no gap
            ([0.9, 0.6, 0.2, 0.9, 0.1, 0.1], [1, 0, 0, 1, 0, 0], list("aaabbb"), 0.5),  # FPR gap
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
            if not (isinstance(got, tuple) and len(got) == 3) or any(
                abs(float(a) - b) > 1e-9 for a, b in zip(got, want)
            ):
                return (
                    f"scores={scores}, labels={labels}, groups={groups}, t={threshold} 时应为 "
                    f"({want[0]:.4f}, {want[1]:.4f}, {want[2]:.4f})，你的结果是 {got!r}"
                    "（分数 ≥ t 算选中；真正率只看 label=1 的人，假正率只看 label=0 的人，"
                    "没有这类人的群体跳过；均衡几率差距取两者差距中较大的）"
                )
        return None

    run_check("练习 4 公平性指标", check)
