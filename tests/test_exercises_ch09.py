"""The chapter 9 exercise checks accept a correct answer and reject plausible wrong ones with a hint."""

from __future__ import annotations

import math

import torch


def _prefill(model, ids, causal=True, positions=True):
    """One pass over the prompt by hand; the flags switch off what a wrong answer forgets."""
    T = len(ids)
    x = model.wte(torch.tensor([ids]))
    if positions:
        x = x + model.wpe(torch.arange(T))
    mask = (
        torch.ones(T, T, dtype=torch.bool).tril() if causal else torch.ones(T, T, dtype=torch.bool)
    )
    cache = []
    for block in model.blocks:
        h = block.ln1(x)
        q, k, v = block.attn.project(h, h, h)
        scores = (q @ k.transpose(-2, -1) / k.size(-1) ** 0.5).masked_fill(~mask, float("-inf"))
        x = x + block.attn.out_proj((scores.softmax(-1) @ v).transpose(1, 2).reshape(1, T, -1))
        x = x + block.ffn(block.ln2(x))
        cache.append((k, v))
    return model.lm_head(model.ln_f(x))[0, -1], cache


def _chinchilla_grid(C, E, A, B, alpha, beta):
    best = None
    for i in range(4001):
        N = 10 ** (4 + 12 * i / 4000)
        D = C / (6 * N)
        loss = E + A / N**alpha + B / D**beta
        if best is None or loss < best[0]:
            best = (loss, N, D)
    return best[1], best[2]


def _shares(sizes, alpha):
    total = sum(sizes.values())
    weights = {k: (n / total) ** alpha for k, n in sizes.items()}
    return {k: w / sum(weights.values()) for k, w in weights.items()}


def _verdicts(capsys):
    return [line[0] for line in capsys.readouterr().out.splitlines()]


def test_gpt_params(capsys):
    from minillm.exercises import ch09

    ch09.check_gpt_params(
        lambda v, t, layers, d: v * d + t * d + layers * (12 * d * d + 13 * d) + 2 * d
    )
    # the head counted as a second matrix, biases and LayerNorms forgotten
    ch09.check_gpt_params(lambda v, t, layers, d: 2 * v * d + t * d + layers * 12 * d * d)
    assert _verdicts(capsys) == ["✅", "❌"]


def test_prefill(capsys):
    from minillm.exercises import ch09

    ch09.check_prefill(_prefill)
    ch09.check_prefill(lambda m, ids: _prefill(m, ids, causal=False))
    ch09.check_prefill(lambda m, ids: _prefill(m, ids, positions=False))
    ch09.check_prefill(lambda m, ids: _prefill(m, ids)[0])  # the logits alone
    out = capsys.readouterr().out
    assert [line[0] for line in out.splitlines()] == ["✅", "❌", "❌", "❌"]
    assert "因果掩码" in out and "位置嵌入" in out


def test_chinchilla_optimal(capsys):
    from minillm.exercises import ch09

    ch09.check_chinchilla_optimal(_chinchilla_grid)
    ch09.check_chinchilla_optimal(lambda C, *constants: ch09.chinchilla_reference(C, *constants))
    # the D = 20N rule of thumb, and the budget taken as C = ND
    ch09.check_chinchilla_optimal(lambda C, *_: (math.sqrt(C / 120), 20 * math.sqrt(C / 120)))
    ch09.check_chinchilla_optimal(
        lambda C, *constants: ch09.chinchilla_reference(6 * C, *constants)
    )
    assert _verdicts(capsys) == ["✅", "✅", "❌", "❌"]


def test_sampling_shares(capsys):
    from minillm.exercises import ch09

    ch09.check_sampling_shares(_shares)
    # p_i^alpha without renormalising
    ch09.check_sampling_shares(lambda sizes, alpha: {k: n**alpha for k, n in sizes.items()})
    assert _verdicts(capsys) == ["✅", "❌"]
