"""Checks for the exercises of chapter 8 (总结：未来发展趋势与挑战)."""

from __future__ import annotations

import math
import random

import torch
from torch.nn import functional as F

from minillm.exercises import run_check


def check_rope_pair(fn) -> None:
    """``fn(x0, x1, position, theta)`` rotates the pair by position·theta, as ``apply_rope`` does
    for a 2-dimensional head (whose single angle per position is position · 1)."""
    from minillm.models import apply_rope, rope_tables

    def check():
        for x0, x1, position in [(1.0, 0.0, 1), (0.3, -1.2, 7), (2.0, 0.5, 100)]:
            cos, sin = rope_tables(torch.tensor([position]), 2)
            want = apply_rope(torch.tensor([[x0, x1]], dtype=torch.float64), cos, sin)[0].tolist()
            got = fn(x0, x1, position, 1.0)
            if not all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(got, want)):
                return f"({x0}, {x1}) 在位置 {position} 应旋转为 {want}，你的结果是 {got!r}"
        a, b = fn(0.6, 0.8, 5, 0.3), fn(-0.2, 0.9, 2, 0.3)
        c, d = fn(0.6, 0.8, 13, 0.3), fn(-0.2, 0.9, 10, 0.3)
        if not math.isclose(a[0] * b[0] + a[1] * b[1], c[0] * d[0] + c[1] * d[1], abs_tol=1e-9):
            return "位置 (5, 2) 与 (13, 10) 的点积应相同：旋转角应为 position × theta"
        return None

    run_check("练习 1 RoPE 的二维旋转", check)


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
        return None

    run_check("练习 2 蒸馏的软目标损失", check)


def check_luhn_valid(fn) -> None:
    """``fn(number)`` is the Luhn check, compared with ``minillm.privacy.luhn_ok``."""
    from minillm.privacy import luhn_ok

    def check():
        rng = random.Random(0)
        numbers = ["4111111111111111", "4111111111111112", "0", "18", "6212345678901265"]
        numbers += ["".join(rng.choices("0123456789", k=rng.randint(12, 19))) for _ in range(300)]
        for number in numbers:
            if bool(fn(number)) != luhn_ok(number):
                return f"{number} 应判为 {luhn_ok(number)}（从右数第 2、4、6… 位乘 2，大于 9 减 9）"
        return None

    run_check("练习 3 Luhn 校验", check)
