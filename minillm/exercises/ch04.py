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


def check_q_update(fn) -> None:
    """``fn(q, reward, q_next, alpha, gamma, terminated)`` is one Q-learning update of Q(s, a):
    q + α (r + γ max q_next · (1 − terminated) − q), compared with ``QLearningAgent.update``."""
    import random

    import numpy as np

    from minillm.rl import QLearningAgent

    def check():
        rng = random.Random(0)
        for terminated in (False, True, False, True):
            q, r = rng.uniform(-5, 5), rng.uniform(-2, 2)
            q_next = [rng.uniform(-5, 5) for _ in range(3)]
            alpha, gamma = rng.choice((0.1, 0.5, 1.0)), rng.choice((0.9, 0.95))
            agent = QLearningAgent(n_actions=3, gamma=gamma, alpha=alpha)
            agent.Q = {(0,): np.array([q, 0.0, 0.0]), (1,): np.array(q_next)}
            agent.visits[(0,)] = np.zeros(3, dtype=np.int64)
            agent.update((0,), 0, r, (1,), terminated)
            want, got = float(agent.Q[(0,)][0]), fn(q, r, list(q_next), alpha, gamma, terminated)
            if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
                end = "终止" if terminated else "未终止"
                return f"{end}时（q={q:.3f}, r={r:.3f}, α={alpha}, γ={gamma}）应为 {want:.6f}，你的结果是 {got!r}"
        return None

    run_check("练习 4 Q-learning 更新", check)
