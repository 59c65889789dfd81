"""The chapter 4 exercise checks accept a correct answer and reject plausible wrong ones with a hint."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
import torch

from minillm.exercises import ch04


def kn_bigram_prob(sentences, word, prev, discount, lower="continuation"):
    padded = [["<s>", *s, "</s>"] for s in sentences]
    bigrams = [(a, b) for s in padded for a, b in zip(s, s[1:])]
    counts, context = Counter(bigrams), Counter(a for a, _ in bigrams)
    types = set(bigrams)
    followers = Counter(a for a, _ in types)
    if lower == "continuation":
        p_lower = Counter(b for _, b in types)[word] / len(types)
    else:  # the plain unigram distribution: what Kneser-Ney replaces
        p_lower = Counter(b for _, b in bigrams)[word] / len(bigrams)
    discounted = max(counts[prev, word] - discount, 0) / context[prev]
    return discounted + discount * followers[prev] / context[prev] * p_lower


def gru_step(x, h, W_ih, W_hh, b_ih, b_hh, variant="torch"):
    xr, xz, xn = (x @ W_ih.T + b_ih).chunk(3, dim=-1)
    hr, hz, hn = (h @ W_hh.T + b_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    if variant == "reset-outside-bias":  # r ⊙ (W_hn h) + b_hn: another paper's variant
        hn = r * (hn - b_hh.chunk(3)[2]) + b_hh.chunk(3)[2]
        n = torch.tanh(xn + hn)
    else:
        n = torch.tanh(xn + r * hn)
    if variant == "swapped":
        return z * n + (1 - z) * h
    return (1 - z) * n + z * h


def policy_evaluation(P, policy, gamma, bootstrap_terminal=False, tol=1e-12):
    V = {s: 0.0 for s in P}
    while True:
        delta = 0.0
        for s in P:
            new = 0.0
            for p, s2, r, terminated in P[s][policy[s]]:
                future = V.get(s2, 0.0) if (bootstrap_terminal or not terminated) else 0.0
                new += p * (r + gamma * future)
            delta, V[s] = max(delta, abs(new - V[s])), new
        if delta < tol:
            return V


def q_learning(env, episodes, gamma=0.95, alpha=1.0, epsilon=1.0, seed=0, bootstrap_always=False):
    rng, Q, n = random.Random(seed), {}, env.action_space.n
    for i in range(episodes):
        obs, _ = env.reset(seed=seed if i == 0 else None)
        s, done = tuple(obs.tolist()), False
        while not done:
            q = Q.setdefault(s, np.zeros(n))
            a = rng.randrange(n) if rng.random() < epsilon else int(np.argmax(q))
            obs, r, terminated, truncated, _ = env.step(a)
            s2 = tuple(obs.tolist())
            future = Q.get(s2, np.zeros(n)).max()
            target = r + gamma * future if bootstrap_always or not terminated else r
            q[a] += alpha * (target - q[a])
            s, done = s2, terminated or truncated
    return Q


def verdicts(capsys):
    return [line[0] for line in capsys.readouterr().out.splitlines()]


def test_perplexity_and_lstm_count(capsys):
    ch04.check_perplexity_from_log2(lambda lp: 2 ** (-sum(lp) / len(lp)))
    ch04.check_lstm_param_count(lambda e, h: 4 * h * (e + h) + 8 * h)
    ch04.check_perplexity_from_log2(lambda lp: -sum(lp) / len(lp))
    ch04.check_lstm_param_count(lambda e, h: 4 * h * (e + h))
    assert verdicts(capsys) == ["✅", "✅", "❌", "❌"]


def test_kn_bigram(capsys):
    ch04.check_kn_bigram_prob(kn_bigram_prob)
    ch04.check_kn_bigram_prob(lambda s, w, v, d: kn_bigram_prob(s, w, v, d, lower="unigram"))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✅") and out[1].startswith("❌") and "接续计数" in out[1]


@pytest.mark.parametrize("variant", ["swapped", "reset-outside-bias"])
def test_gru_step(capsys, variant):
    ch04.check_gru_step(gru_step)
    ch04.check_gru_step(lambda *args: gru_step(*args, variant=variant))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✅") and out[1].startswith("❌") and "提示" in out[1]


def test_policy_evaluation(capsys):
    ch04.check_policy_evaluation(policy_evaluation)
    ch04.check_policy_evaluation(
        lambda P, pi, g: policy_evaluation(P, pi, g, bootstrap_terminal=True)
    )
    assert verdicts(capsys) == ["✅", "❌"]


def test_q_learning(capsys):
    ch04.check_q_learning(q_learning)
    ch04.check_q_learning(lambda *args: q_learning(*args, bootstrap_always=True))
    ch04.check_q_learning(
        lambda env, n, g, a, e, s: q_learning(env, n, g, 0.0, e, s)
    )  # never learns
    assert verdicts(capsys) == ["✅", "❌", "❌"]
