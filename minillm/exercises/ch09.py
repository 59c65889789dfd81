"""Checks for the exercises of chapter 9 (附录：常见问题与解答).

Each check compares the reader's function with a reference computed another way: the parameters of a
real ``GPT``, the keys and values a library ``KVCache`` holds and the tokens of ``generate``, the
closed-form compute-optimal model size, and a direct computation of the sampling shares.
"""

from __future__ import annotations

import math
import random

import torch

from minillm.exercises import run_check

# Chinchilla's fitted loss L(N, D) = E + A / N^alpha + B / D^beta (Hoffmann et al. 2022, approach 3).
CHINCHILLA = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def check_gpt_params(fn) -> None:
    """``fn(vocab_size, block_size, n_layer, n_embd)`` is the parameter count of minillm's GPT
    (learned positions, biases, head tied to the token embedding), compared with ``num_parameters``."""
    from minillm.models import GPT, GPTConfig

    def check():
        for vocab, block, layers, width in [(65, 64, 4, 128), (2048, 384, 4, 192), (10, 8, 1, 4)]:
            want = GPT(GPTConfig(vocab, block, layers, 1, width)).num_parameters()
            got = fn(vocab, block, layers, width)
            if got != want:
                return (
                    f"V={vocab}, T={block}, L={layers}, d={width} 时应为 {want:,}，你的结果是 "
                    f"{got!r}（每层 12d²+13d；别忘了位置表、最后的 LayerNorm，输出层与词嵌入共享）"
                )
        return None

    run_check("练习 1 GPT 的参数量", check)


def _prefill_models():
    """Small GPTs with learned positions, in eval mode: (model, prompt) pairs, one prompt a full block."""
    from minillm.models import GPT, GPTConfig

    cases = []
    for seed, (vocab, block, layers, heads, width, length) in enumerate(
        [(30, 16, 1, 1, 8, 1), (50, 32, 2, 4, 32, 7), (40, 12, 3, 2, 24, 12)]
    ):
        torch.manual_seed(seed)
        model = GPT(GPTConfig(vocab, block, layers, heads, width)).eval()
        for p in model.parameters():  # larger weights than GPT-2's init, so a mistake shows
            p.data.normal_(0.0, 0.3)
        prompt = torch.randint(vocab, (length,), generator=torch.Generator().manual_seed(seed))
        cases.append((model, prompt.tolist()))
    return cases


def _library_prefill(model, ids):
    """The last position's logits and each layer's (K, V) as minillm's own KVCache holds them."""
    cache = model.new_cache(1)
    logits, _ = model(torch.tensor([ids]), cache=cache)
    kv = [(k[:, :, : len(ids)], v[:, :, : len(ids)]) for k, v in zip(cache.keys, cache.values)]
    return logits[0, -1], kv


def _continue_greedy(model, last, kv, steps):
    """Greedy tokens after the prompt token ``last``, whose earlier tokens' keys and values ``kv``
    are loaded into a library KVCache first."""
    cache = model.new_cache(1)
    for layer, (k, v) in enumerate(kv):
        cache.update(layer, k, v)
    logits, _ = model(torch.tensor([[last]]), cache=cache)
    tokens = []
    for _ in range(steps):
        tokens.append(int(logits[0, -1].argmax()))
        logits, _ = model(torch.tensor([tokens[-1:]]), cache=cache)
    return tokens


def check_prefill(fn) -> None:
    """``fn(model, ids)`` reads a whole prompt in one pass and returns (logits of the last position,
    [(K, V) per layer], each (1, heads, T, d_k)): compared with a library KVCache filled by the model,
    and the keys and values must let greedy decoding go on exactly as ``generate`` does."""
    from minillm.generation import generate

    def check():
        for model, ids in _prefill_models():
            c = model.config
            with torch.no_grad():
                got = fn(model, list(ids))
                want_logits, want_kv = _library_prefill(model, ids)
            if not isinstance(got, tuple) or len(got) != 2:
                return f"应返回 (logits, cache) 两项，你的结果是 {type(got).__name__}"
            logits, kv = got
            shape = (1, c.n_head, len(ids), c.n_embd // c.n_head)
            if len(kv) != c.n_layer or any(
                tuple(k.shape) != shape or tuple(v.shape) != shape for k, v in kv
            ):
                return (
                    f"{c.n_layer} 层的模型要返回 {c.n_layer} 个 (K, V)，每个形状 {shape}"
                    "（batch, heads, T, d_k）：用 block.attn.project 得到拆成多头的 q、k、v"
                )
            for layer, ((k, v), (k0, v0)) in enumerate(zip(kv, want_kv)):
                if not (torch.allclose(k, k0, atol=1e-4) and torch.allclose(v, v0, atol=1e-4)):
                    where = f"L={c.n_layer}、T={len(ids)} 时第 {layer} 层的键或值不对"
                    if layer == 0:
                        return f"{where}：这一层的输入是词嵌入 wte 加位置嵌入 wpe，再经过 ln1"
                    return (
                        f"{where}（第 0 层是对的）：上一层的注意力算错了，检查因果掩码"
                        "（第 i 个查询只看前 i 个键）、缩放 1/√d_k，以及残差和前馈网络"
                    )
            if tuple(logits.shape) != (c.vocab_size,) or not torch.allclose(
                logits, want_logits, atol=1e-4
            ):
                return (
                    f"L={c.n_layer}、T={len(ids)} 时最后一个位置的 logits 不对：形状应为 "
                    f"({c.vocab_size},)；别忘了因果掩码（第 i 个查询只看前 i 个键）和最后的 ln_f"
                )
            steps = min(5, c.block_size - len(ids))
            if steps > 1:
                ref = generate(model, [ids], max_new_tokens=steps, use_cache=False)
                earlier = [(k[:, :, :-1], v[:, :, :-1]) for k, v in kv]
                with torch.no_grad():
                    mine = _continue_greedy(model, ids[-1], earlier, steps)
                if mine != ref[0, len(ids) :].tolist():
                    return "用你的键和值接着贪心解码，得到的词元与 generate 不同"
        return None

    run_check("练习 2 一次读完提示并填好 KV 缓存", check)


def chinchilla_reference(C: float, E, A, B, alpha, beta) -> tuple[float, float]:
    """The N and D that minimise E + A/N^alpha + B/D^beta subject to 6ND = C, in closed form."""
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    N = G * (C / 6) ** (beta / (alpha + beta))
    return N, C / (6 * N)


def check_chinchilla_optimal(fn) -> None:
    """``fn(C, E, A, B, alpha, beta)`` returns the compute-optimal (N, D) for a budget of C FLOPs,
    compared with the closed form N = G (C/6)^(β/(α+β)), G = (αA/(βB))^(1/(α+β)), D = C / 6N."""

    def check():
        fitted = tuple(CHINCHILLA.values())
        cases = [(C, fitted) for C in (1e18, 3.15e23, 5.76e23, 1e26)]
        cases += [(6e20, (1.0, 100.0, 100.0, 0.5, 0.5)), (1e22, (2.0, 300.0, 50.0, 0.3, 0.4))]
        for C, constants in cases:
            got = fn(C, *constants)
            if not isinstance(got, tuple) or len(got) != 2:
                return f"应返回 (N, D) 两个数，你的结果是 {got!r}"
            N, D = (float(x) for x in got)
            if not math.isclose(6 * N * D, C, rel_tol=0.01):
                return f"C={C:.3g} 时 6ND = {6 * N * D:.3g}，应等于预算 C（D = C / 6N）"
            want_n, _ = chinchilla_reference(C, *constants)
            if not math.isclose(N, want_n, rel_tol=0.02):
                e, a, b, alpha, beta = constants
                return (
                    f"E={e}, A={a}, B={b}, α={alpha}, β={beta}, C={C:.3g} 时损失最小的 N 约为 "
                    f"{want_n:.3g}，你的结果是 {N:.3g}（在 6ND = C 的约束下比较 L(N, C/6N)）"
                )
        return None

    run_check("练习 3 给定算力的最优模型大小", check)


def check_sampling_shares(fn) -> None:
    """``fn(sizes, alpha)`` maps each language to its share q_i = p_i^α / Σ_j p_j^α, where p_i is
    its share of ``sizes`` (data per language), for any number of languages."""

    def check():
        rng = random.Random(0)
        cases = [({"en": 98, "zh": 2}, 0.3), ({"en": 5, "zh": 5}, 0.7), ({"a": 1, "b": 0}, 0.5)]
        for _ in range(20):
            languages = "abcdefg"[: rng.randint(1, 7)]
            cases.append(({k: rng.randint(0, 1000) + 1 for k in languages}, rng.uniform(0.1, 1)))
        for sizes, alpha in cases:
            total = sum(sizes.values())
            weights = {k: (n / total) ** alpha for k, n in sizes.items()}
            want = {k: w / sum(weights.values()) for k, w in weights.items()}
            got = fn(sizes, alpha)
            if not isinstance(got, dict) or set(got) != set(want):
                return f"应返回以语言为键的 dict，键为 {sorted(want)}，你的结果是 {got!r}"
            if any(abs(got[k] - want[k]) > 1e-9 for k in want):
                shown = {k: round(v, 4) for k, v in want.items()}
                return f"{sizes}、α={alpha} 时应为 {shown}（先换算成比例 p_i，再取 α 次方并归一化）"
        return None

    run_check("练习 4 多语言的温度采样", check)
