"""Checks for the exercises of chapter 4 (数学模型和公式详细讲解举例说明)."""

from __future__ import annotations

import math

from minillm.exercises import run_check


def check_laplace_prob(fn) -> None:
    """``fn(count_hw, count_h, vocab_size)`` is the add-one (Laplace) estimate of P(w | h)."""

    def check():
        for c_hw, c_h, v in [(3, 10, 5), (0, 10, 5), (0, 0, 7), (12, 40, 1000)]:
            got, want = fn(c_hw, c_h, v), (c_hw + 1) / (c_h + v)
            if not math.isclose(got, want, rel_tol=1e-12):
                return f"c(h,w)={c_hw}, c(h)={c_h}, |V|={v} 时应为 {want:.6f}，你的结果是 {got!r}"
        return None

    run_check("练习 1 拉普拉斯平滑", check)


def check_perplexity_from_log2(fn) -> None:
    """``fn(log2_probs)`` turns per-token log2-probabilities into perplexity 2 ** (-mean)."""

    def check():
        for log2_probs in [[-1.0, -1.0], [-2.0] * 5, [-0.5, -3.0, -1.25], [0.0]]:
            got, want = fn(list(log2_probs)), 2 ** (-sum(log2_probs) / len(log2_probs))
            if not math.isclose(got, want, rel_tol=1e-12):
                return f"log2 概率 {log2_probs} 的困惑度应为 {want:.6f}，你的结果是 {got!r}"
        return None

    run_check("练习 2 由对数概率求困惑度", check)


def check_lstm_param_count(fn) -> None:
    """``fn(embedding_dim, hidden_dim)`` counts the parameters of one ``torch.nn.LSTM`` layer."""
    from torch import nn

    def check():
        for emb, hid in [(4, 8), (64, 128), (300, 50)]:
            want = sum(p.numel() for p in nn.LSTM(emb, hid).parameters())
            got = fn(emb, hid)
            if got != want:
                return (
                    f"embedding_dim={emb}, hidden_dim={hid} 时 nn.LSTM 有 {want} 个参数，"
                    f"你的结果是 {got!r}（4 个门各有输入权重、循环权重和两个偏置）"
                )
        return None

    run_check("练习 3 LSTM 的参数量", check)
