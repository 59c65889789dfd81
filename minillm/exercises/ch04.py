"""Checks for the exercises of chapter 4 (数学模型和公式详细讲解举例说明).

Each check compares the reader's function with a reference computed another way: nltk.lm for
Kneser-Ney, ``torch.nn`` for the recurrent cells, a linear solve and a roll-out for policy
evaluation, value iteration for Q-learning.
"""

from __future__ import annotations

import math
from functools import lru_cache

from minillm.exercises import run_check

# Toy corpora for the Kneser-Ney exercise: "francisco" is frequent but follows only "san".
KN_CORPORA = (
    [
        ["i", "live", "in", "san", "francisco"],
        ["san", "francisco", "is", "foggy"],
        ["i", "like", "san", "francisco"],
        ["i", "saw", "a", "cat"],
        ["a", "cat", "sat", "in", "the", "sun"],
        ["the", "cat", "ran"],
        ["my", "cat", "is", "grey"],
    ],
    [["a", "b", "a", "b", "c"], ["b", "a"], ["c", "c", "a"]],
)


def check_perplexity_from_log2(fn) -> None:
    """``fn(log2_probs)`` turns per-token log2-probabilities into perplexity 2 ** (-mean)."""

    def check():
        for log2_probs in [[-1.0, -1.0], [-2.0] * 5, [-0.5, -3.0, -1.25], [0.0]]:
            got, want = fn(list(log2_probs)), 2 ** (-sum(log2_probs) / len(log2_probs))
            if not math.isclose(got, want, rel_tol=1e-12):
                return f"log2 概率 {log2_probs} 的困惑度应为 {want:.6f}，你的结果是 {got!r}"
        return None

    run_check("练习 1 由对数概率求困惑度", check)


def _nltk_kn(sentences, discount):
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import padded_everygram_pipeline

    grams, vocab = padded_everygram_pipeline(2, sentences)
    lm = KneserNeyInterpolated(2, discount=discount)
    lm.fit(grams, vocab)
    return lm


def check_kn_bigram_prob(fn) -> None:
    """``fn(sentences, word, prev, discount)`` is interpolated Kneser-Ney P(word | prev) of a bigram
    model (each sentence padded with one <s> and one </s>), compared with nltk.lm's
    ``KneserNeyInterpolated(2)``, whose lowest order is the continuation distribution alone."""

    def check():
        cases = [
            (KN_CORPORA[0], 0.75, [("francisco", "san"), ("cat", "a"), ("francisco", "the")]),
            (KN_CORPORA[0], 0.75, [("i", "<s>"), ("</s>", "cat"), ("is", "francisco")]),
            (KN_CORPORA[0], 0.1, [("cat", "the"), ("sun", "<s>")]),
            (KN_CORPORA[1], 0.5, [("a", "b"), ("c", "c"), ("b", "<s>"), ("</s>", "a")]),
        ]
        for sentences, d, pairs in cases:
            reference = _nltk_kn(sentences, d)
            for word, prev in pairs:
                got = fn([list(s) for s in sentences], word, prev, d)
                want = reference.score(word, [prev])
                if not isinstance(got, (int, float)) or not math.isclose(got, want, rel_tol=1e-9):
                    return (
                        f"d={d} 时 P_KN({word!r} | {prev!r}) 应为 {want:.6f}，你的结果是 {got!r}。"
                        "检查三处：折扣后的二元计数 max(c(v,w)−d, 0)/c(v)；插值权重 "
                        "d·N1+(v•)/c(v)，N1+(v•) 是 v 之后出现过的不同词数；低阶分布用接续计数 "
                        "N1+(•w)/N1+(••)，而不是普通的一元计数"
                    )
        return None

    run_check("练习 2 插值 Kneser-Ney 二元模型", check)


def check_lstm_param_count(fn) -> None:
    """``fn(embedding_dim, hidden_dim)`` counts the parameters of one ``torch.nn.LSTM`` layer."""
    from torch import nn

    def check():
        for emb, hid in [(4, 8), (64, 128), (300, 50), (1, 1)]:
            want = sum(p.numel() for p in nn.LSTM(emb, hid).parameters())
            got = fn(emb, hid)
            if got != want:
                return (
                    f"embedding_dim={emb}, hidden_dim={hid} 时 nn.LSTM 有 {want} 个参数，"
                    f"你的结果是 {got!r}（4 组变换各有输入权重、循环权重和两个偏置）"
                )
        return None

    run_check("练习 3 LSTM 的参数量", check)


def check_gru_step(fn) -> None:
    """``fn(x, h, W_ih, W_hh, b_ih, b_hh)`` is one step of a GRU in PyTorch's layout (rows r, z, n),
    compared with ``torch.nn.GRUCell`` holding the same weights."""
    import torch

    def check():
        generator = torch.Generator().manual_seed(0)
        for batch, n_in, hidden, zero_h in [(2, 3, 4, False), (1, 5, 2, True), (3, 1, 6, False)]:
            cell = torch.nn.GRUCell(n_in, hidden)
            with torch.no_grad():
                for p in cell.parameters():  # biases well away from 0, so every term counts
                    p.copy_(torch.randn(p.shape, generator=generator))
            x = torch.randn(batch, n_in, generator=generator)
            h = (
                torch.zeros(batch, hidden)
                if zero_h
                else torch.randn(batch, hidden, generator=generator)
            )
            weights = [
                t.detach().clone()
                for t in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
            ]
            with torch.no_grad():
                want = cell(x, h)
                got = fn(x.clone(), h.clone(), *weights)
            if not isinstance(got, torch.Tensor) or got.shape != want.shape:
                shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
                return f"应返回形状 {tuple(want.shape)} 的张量 h_t，你的结果是 {shape}"
            if not torch.allclose(got, want, atol=1e-5):
                return (
                    f"batch={batch}, 输入 {n_in} 维, 隐藏 {hidden} 维时与 nn.GRUCell 不一致。"
                    "PyTorch 的 GRU：r、z 用 sigmoid；候选 n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))，"
                    "重置门乘在含偏置的整项上；h_t = (1 − z) ⊙ n + z ⊙ h"
                )
        return None

    run_check("练习 4 GRU 的一步", check)


def _tiny_mdp():
    """A three-state MDP with a random transition, in the P[s][a] = [(p, s', r, terminated)] format."""
    return {
        "A": {0: [(1.0, "B", -1.0, False)], 1: [(0.5, "A", 0.0, False), (0.5, "C", 2.0, False)]},
        "B": {0: [(0.9, "C", -1.0, False), (0.1, "B", -1.0, False)], 1: [(1.0, "B", 5.0, True)]},
        "C": {0: [(1.0, "A", 1.0, False)], 1: [(1.0, "C", 10.0, True)]},
    }


def _solve_policy(P, policy, gamma):
    """V^π from the linear system V = r_π + γ P_π V (terminal transitions have no future)."""
    import numpy as np

    states = list(P)
    index = {s: i for i, s in enumerate(states)}
    A, b = np.eye(len(states)), np.zeros(len(states))
    for s in states:
        for p, s2, r, terminated in P[s][policy[s]]:
            b[index[s]] += p * r
            if not terminated:
                A[index[s], index[s2]] -= gamma * p
    return dict(zip(states, np.linalg.solve(A, b)))


@lru_cache(maxsize=1)
def _dialogue_model() -> dict:
    """P[s][a] of the deterministic order-enquiry dialogue, built once for the checks that need it."""
    from minillm.rl import DialogueEnv

    return DialogueEnv(task="order_enquiry", deterministic=True).transition_model()


def _rollout(env, policy, gamma):
    """The discounted return of a deterministic dialogue, played turn by turn from reset."""
    obs, _ = env.reset(seed=0)
    total, discount, done = 0.0, 1.0, False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(policy[tuple(obs.tolist())])
        total, discount, done = total + discount * reward, discount * gamma, terminated or truncated
    return total


def check_policy_evaluation(fn) -> None:
    """``fn(P, policy, gamma)`` returns {s: V^π(s)} for a deterministic policy {s: a}, compared with a
    linear solve of the Bellman expectation equation and, on the dialogue MDP, with a roll-out."""
    from minillm.rl import DialogueEnv, RulePolicy

    def check():
        tiny = _tiny_mdp()
        for policy, gamma in [
            ({"A": 0, "B": 1, "C": 1}, 0.9),
            ({"A": 1, "B": 0, "C": 0}, 0.5),
            ({"A": 0, "B": 0, "C": 1}, 0.0),
        ]:
            want = _solve_policy(tiny, policy, gamma)
            got = fn(tiny, dict(policy), gamma)
            for s in tiny:
                if not math.isclose(float(got[s]), want[s], rel_tol=1e-6, abs_tol=1e-6):
                    return (
                        f"小 MDP、策略 {policy}、γ={gamma} 时 V({s}) 应为 {want[s]:.4f}，你的结果是 "
                        f"{float(got[s]):.4f}。V(s) = Σ p·(r + γ·V(s')·(1 − terminated))，反复迭代直到不再变化"
                    )
        env, P = DialogueEnv(task="order_enquiry", deterministic=True), _dialogue_model()
        rule = RulePolicy()
        policy = {s: rule(s) for s in P}
        s0 = tuple(env.reset(seed=0)[0].tolist())
        got, want = float(fn(P, policy, 0.95)[s0]), _rollout(env, policy, 0.95)
        if not math.isclose(got, want, rel_tol=1e-6):
            return f"对话 MDP 上规则策略的 V(s0) 应为 {want:.4f}（逐轮打折累加得到），你的结果是 {got:.4f}"
        return None

    run_check("练习 5 策略评估", check)


def _greedy_path(env, Q):
    """The states a greedy policy of Q visits from reset, and the dialogue's total reward."""
    import numpy as np

    obs, _ = env.reset(seed=0)
    path, total, done = [], 0.0, False
    while not done:
        s = tuple(obs.tolist())
        path.append(s)
        q = Q.get(s, np.zeros(env.action_space.n))
        obs, reward, terminated, truncated, _ = env.step(int(np.argmax(q)))
        total, done = total + reward, terminated or truncated
    return path, total


def check_q_learning(fn) -> None:
    """``fn(env, episodes, gamma, alpha, epsilon, seed)`` trains tabular Q-learning and returns
    {state tuple: array of Q(s, ·)}; on the deterministic dialogue MDP, its greedy policy must reach
    the optimal return and the values along the optimal path must equal value iteration's Q*."""
    import numpy as np

    from minillm.rl import DialogueEnv, value_iteration

    def check():
        task = "order_enquiry"
        env = DialogueEnv(task=task, deterministic=True)
        s0 = tuple(env.reset(seed=0)[0].tolist())
        for gamma in (0.95, 0.8):
            Q_star = value_iteration(_dialogue_model(), gamma)
            path, best = _greedy_path(env, Q_star)
            Q = fn(DialogueEnv(task=task, deterministic=True), 1500, gamma, 1.0, 1.0, 0)
            if not isinstance(Q, dict):
                return f"应返回 dict（状态元组 → 各动作的 Q 值数组），你的结果是 {type(Q).__name__}"
            _, total = _greedy_path(env, Q)
            if total != best:
                return f"γ={gamma}：贪心策略应得到最优回报 {best:+.0f}，你的 Q 给出 {total:+.0f}"
            for s in path:
                q = np.asarray(Q.get(s, np.zeros(10)), dtype=float)
                if not math.isclose(float(q.max()), float(Q_star[s].max()), abs_tol=1e-6):
                    return (
                        f"γ={gamma}：最优路径上的状态 {s} 应有 max Q = {Q_star[s].max():.4f}，你的是 "
                        f"{q.max():.4f}。目标值 r + γ·max Q(s',·)，但对话真正结束（terminated）时没有未来"
                    )
        Q0 = value_iteration(_dialogue_model(), 0.0)[s0]  # γ = 0: Q is the immediate reward
        got = np.asarray(fn(DialogueEnv(task=task, deterministic=True), 300, 0.0, 1.0, 1.0, 0)[s0])
        if got.shape != Q0.shape or not np.allclose(got, Q0):
            return f"γ=0 时 Q(s0, ·) 应等于即时奖励 {Q0.tolist()}，你的结果是 {got.tolist()}"
        if fn(DialogueEnv(task=task, deterministic=True), 0, 0.95, 1.0, 1.0, 0):
            return "episodes=0 时还没有任何经验，应返回空字典"
        return None

    run_check("练习 6 Q-learning 的训练循环", check)
