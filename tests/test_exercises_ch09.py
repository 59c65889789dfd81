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


def _kv_bytes(B, L, T, n_head, n_kv, d_head, dtype, heads=None, size=None, validate=True):
    """The cache size in bytes; the keywords switch in what a wrong answer does instead."""
    if validate and (not 1 <= n_kv <= n_head or n_head % n_kv):
        raise ValueError("n_kv must divide n_head")
    size = torch.empty((), dtype=dtype).element_size() if size is None else size
    return 2 * B * L * T * (n_kv if heads is None else heads(n_head, n_kv)) * d_head * size


def _unimax(sizes, budget, max_epochs, redistribute=True):
    """UniMax: smallest language first, each takes an even share of what is left, up to its cap."""
    plan, left = {}, budget
    order = sorted(sizes, key=sizes.get)
    for i, language in enumerate(order):
        share = left / (len(order) - i) if redistribute else budget / len(order)
        plan[language] = min(share, max_epochs * sizes[language])
        left -= plan[language]
    return plan


def _verdicts(capsys):
    return [line[0] for line in capsys.readouterr().out.splitlines()]


def test_kv_bytes(capsys):
    from minillm.exercises import ch09

    ch09.check_kv_bytes(_kv_bytes)
    ch09.check_kv_bytes(lambda *a: _kv_bytes(*a, heads=lambda h, kv: h))  # query heads
    ch09.check_kv_bytes(lambda *a: _kv_bytes(*a) // 2)  # the keys alone
    ch09.check_kv_bytes(lambda *a: _kv_bytes(*a, size=4))  # always fp32
    ch09.check_kv_bytes(lambda *a: _kv_bytes(*a, validate=False))
    ch09.check_kv_bytes(lambda B, *a: _kv_bytes(1, *a))  # one sequence whatever B is
    out = capsys.readouterr().out
    assert [line[0] for line in out.splitlines()] == ["✅", "❌", "❌", "❌", "❌", "❌"]
    for hint in ("n_kv 个键值头", "乘 2", "dtype", "ValueError", "B 个会话"):
        assert hint in out


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


def test_unimax(capsys):
    from minillm.exercises import ch09

    ch09.check_unimax(_unimax)
    ch09.check_unimax(lambda sizes, budget, epochs: ch09.unimax_reference(sizes, budget, epochs))
    ch09.check_unimax(lambda sizes, budget, epochs: _unimax(sizes, budget, epochs, False))
    # an even split that ignores the caps, and shares proportional to the data
    ch09.check_unimax(lambda sizes, budget, epochs: {k: budget / len(sizes) for k in sizes})
    ch09.check_unimax(
        lambda sizes, budget, epochs: {
            k: budget * n / sum(sizes.values()) for k, n in sizes.items()
        }
    )
    out = capsys.readouterr().out
    assert [line[0] for line in out.splitlines()] == ["✅", "✅", "❌", "❌", "❌"]
    assert "平分给其余语言" in out and "超过了" in out
