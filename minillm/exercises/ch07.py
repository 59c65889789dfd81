"""Checks for the exercises of chapter 7 (工具和资源推荐)."""

from __future__ import annotations

import math

from minillm.exercises import run_check


def check_gpt_params(fn) -> None:
    """``fn(vocab_size, block_size, n_layer, n_embd)`` counts a GPT-2-style model's parameters
    (biases, LayerNorms, tied output layer), compared with a real ``minillm.models.GPT``."""
    from minillm.models import GPT, GPTConfig

    def check():
        for v, t, n_layer, d in [(65, 32, 2, 16), (300, 64, 3, 48), (1000, 128, 1, 64)]:
            model = GPT(GPTConfig(v, t, n_layer, 4, d))
            want = sum(p.numel() for p in model.parameters())
            got = fn(v, t, n_layer, d)
            if got != want:
                return (
                    f"V={v}, T={t}, L={n_layer}, d={d} 时 GPT 有 {want} 个参数，你的结果是 {got!r}"
                    "（每层：两个 LayerNorm、注意力的 qkv 与输出投影、4 倍宽的 MLP，都带偏置）"
                )
        return None

    run_check("练习 1 GPT 的参数量", check)


def check_torch_smoothing(fn) -> None:
    """``fn(epsilon, vocab_size)``: the ``label_smoothing`` that makes torch's cross-entropy equal
    fairseq's label-smoothed loss with ``epsilon``: ε V / (V − 1)."""

    def check():
        for eps, v in [(0.1, 10), (0.1, 32000), (0.2, 3), (0.0, 50)]:
            got, want = fn(eps, v), eps * v / (v - 1)
            if not math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15):
                return f"ε={eps}, V={v} 时应为 {want:.6f}，你的结果是 {got!r}（比较两种写法里“真实类”和“其余各类”的系数）"
        return None

    run_check("练习 2 两种标签平滑", check)


def check_gnmt_length_penalty(fn) -> None:
    """``fn(length, alpha)`` is GNMT's (and OpenNMT's) length penalty ((5 + |Y|) / 6) ** α."""

    def check():
        for length, alpha in [(1, 1.0), (6, 0.6), (20, 0.0), (37, 1.5)]:
            got, want = fn(length, alpha), ((5 + length) / 6) ** alpha
            if not math.isclose(got, want, rel_tol=1e-12):
                return f"|Y|={length}, α={alpha} 时应为 {want:.6f}，你的结果是 {got!r}"
        return None

    run_check("练习 3 GNMT 长度惩罚", check)
