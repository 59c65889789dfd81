"""The chapter 4 exercise checks accept a correct answer and reject plausible wrong ones with a hint."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
import torch

from minillm.exercises import ch04


def kn_trigram_prob(sentences, word, context, discount, raw_followers=False, unigram=False):
    padded = [["<s>", "<s>", *s, "</s>", "</s>"] for s in sentences]
    trigrams = Counter(g for s in padded for g in zip(s, s[1:], s[2:]))
    bigrams = Counter(g for s in padded for g in zip(s, s[1:]))
    u, v = context
    if unigram:  # plain unigram frequencies: what Kneser-Ney replaces
        p = sum(n for (_, w), n in bigrams.items() if w == word) / sum(bigrams.values())
    else:
        p = sum(w == word for _, w in bigrams) / len(bigrams)
    middle = Counter((b, c) for _, b, c in trigrams)
    total = sum(n for (b, _), n in middle.items() if b == v)
    if total:
        if raw_followers:  # nltk's weight: distinct words after v in the raw bigram counts
            followers = sum(b == v for b, _ in bigrams)
        else:
            followers = sum(b == v for b, _ in middle)
        p = (max(middle[v, word] - discount, 0) + discount * followers * p) / total
    total = sum(n for (a, b, _), n in trigrams.items() if (a, b) == (u, v))
    if total:
        followers = sum((a, b) == (u, v) for a, b, _ in trigrams)
        p = (max(trigrams[u, v, word] - discount, 0) + discount * followers * p) / total
    return p


def bits_by_kind(model, sentences, every_pad=False, raw_words=False, eos_for_unigram=False):
    out = {"word": (0, 0.0), "unk": (0, 0.0), "eos": (0, 0.0)}
    n = model.n
    for s in sentences:
        words = s if raw_words else [w if w in model.vocab else "<UNK>" for w in s]
        ends = n - 1 if every_pad else (1 if n > 1 or eos_for_unigram else 0)
        padded = ["<s>"] * (n - 1) + list(words) + ["</s>"] * ends
        for i in range(n - 1, len(padded)):
            w, context = padded[i], padded[i - n + 1 : i]
            kind = {"<UNK>": "unk", "</s>": "eos"}.get(w, "word")
            count, bits = out[kind]
            out[kind] = (count + 1, bits - math.log2(model.prob(w, context)))
    return out


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


def q_learning(
    env,
    episodes,
    gamma=0.95,
    alpha=1.0,
    epsilon=1.0,
    seed=0,
    bootstrap_always=False,
    stop_at_truncation=False,
):
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
            end = terminated or (truncated and stop_at_truncation)
            target = r + gamma * future if bootstrap_always or not end else r
            q[a] += alpha * (target - q[a])
            s, done = s2, terminated or truncated
    return Q


def verdicts(capsys):
    return [line[0] for line in capsys.readouterr().out.splitlines()]


def test_lstm_count(capsys):
    ch04.check_lstm_param_count(lambda e, h: 4 * h * (e + h) + 8 * h)
    ch04.check_lstm_param_count(lambda e, h: 4 * h * (e + h))
    assert verdicts(capsys) == ["✅", "❌"]


@pytest.mark.parametrize(
    "wrong, hint",
    [
        ({"every_pad": True}, "第一个 </s>"),
        ({"raw_words": True}, "<UNK>"),
        ({"eos_for_unigram": True}, "一元模型"),
    ],
)
def test_bits_by_kind(capsys, wrong, hint):
    ch04.check_bits_by_kind(bits_by_kind)
    ch04.check_bits_by_kind(lambda m, s: bits_by_kind(m, s, **wrong))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✅") and out[1].startswith("❌") and hint in out[1], out


@pytest.mark.parametrize(
    "wrong, hint", [({"unigram": True}, "接续计数"), ({"raw_followers": True}, "之和应为 1")]
)
def test_kn_trigram(capsys, wrong, hint):
    ch04.check_kn_trigram_prob(kn_trigram_prob)
    ch04.check_kn_trigram_prob(lambda s, w, c, d: kn_trigram_prob(s, w, c, d, **wrong))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✅") and out[1].startswith("❌") and hint in out[1], out


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
    ch04.check_q_learning(lambda *args: q_learning(*args, stop_at_truncation=True))
    out = capsys.readouterr().out.splitlines()
    assert [line[0] for line in out] == ["✅", "❌", "❌", "❌"]
    assert "截断" in out[3]


def test_q_learning_that_never_stops_at_truncation_fails(capsys):
    def loops_until_terminated(env, episodes, gamma, alpha, epsilon, seed):
        Q = {}
        for _ in range(episodes):
            obs, _ = env.reset(seed=seed)
            terminated = False
            while not terminated:  # forgets truncated: the check's env stops it with an error
                obs, r, terminated, _, _ = env.step(0)
                Q[tuple(obs.tolist())] = np.array([r])
        return Q

    ch04.check_q_learning(loops_until_terminated)
    out = capsys.readouterr().out
    assert out.startswith("❌") and "truncated" in out
