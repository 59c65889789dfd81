"""Checks for the exercises of chapter 9 (附录：常见问题与解答).

Each check compares the reader's function with a reference computed another way: the bytes a library
``KVCache`` holds, the keys and values it holds and the tokens of ``generate``, the closed-form
compute-optimal model size, and UniMax's allocation found by bisection on a water level.
"""

from __future__ import annotations

import math
import random

import torch

from minillm.exercises import run_check

# Chinchilla's fitted loss L(N, D) = E + A / N^alpha + B / D^beta: approach 3 of Hoffmann et al. (2022)
# refitted by Besiroglu et al. (2024), and the constants the 2022 paper printed.
CHINCHILLA = {"E": 1.82, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def _cache_bytes(cache) -> int:
    """Bytes of the keys and values a KVCache holds (the filled part of its buffers)."""
    buffers = cache.keys + cache.values
    return sum(b[:, :, : cache.length].numel() * b.element_size() for b in buffers)


def _model_cache_bytes(B, L, T, n_head, d_head, dtype) -> int:
    """What a real minillm GPT (n_kv = n_head) leaves in its KVCache after reading B × T tokens."""
    from minillm.models import GPT, GPTConfig

    torch.manual_seed(0)
    config = GPTConfig(
        vocab_size=11, block_size=T, n_layer=L, n_head=n_head, n_embd=n_head * d_head
    )
    model = GPT(config).to(dtype).eval()
    cache = model.new_cache(B)
    with torch.no_grad():
        model(torch.zeros(B, T, dtype=torch.long), cache=cache)
    return _cache_bytes(cache)


def _written_cache_bytes(B, L, T, n_kv, d_head, dtype) -> int:
    """What a KVCache holds once every layer has taken (B, n_kv, T, d_head) keys and values: meta
    tensors, so even a 2 GiB cache costs no memory."""
    from minillm.attention import KVCache

    cache = KVCache(L)
    for layer in range(L):
        k = torch.empty(B, n_kv, T, d_head, dtype=dtype, device="meta")
        cache.update(layer, k, k)
    return _cache_bytes(cache)


def check_kv_bytes(fn) -> None:
    """``fn(B, L, T, n_head, n_kv, d_head, dtype)`` is the size in bytes of the keys and values of B
    sequences of T tokens, L layers, n_kv key/value heads of d_head numbers each, compared with what a
    library KVCache holds: filled by a real GPT when n_kv = n_head, written directly otherwise. A
    head count that does not divide n_head must raise ValueError."""

    def check():
        model_cases = [
            (3, 2, 5, 4, 8, torch.float32),
            (1, 1, 3, 2, 4, torch.bfloat16),
            (2, 3, 7, 1, 6, torch.float16),
        ]
        for B, L, T, n_head, d_head, dtype in model_cases:
            want = _model_cache_bytes(B, L, T, n_head, d_head, dtype)
            if (hint := _kv_hint(fn, want, B, L, T, n_head, n_head, d_head, dtype)) is not None:
                return hint
        written_cases = [
            (1, 32, 4096, 32, 32, 128, torch.bfloat16),  # a 7B model with multi-head attention
            (1, 32, 4096, 32, 8, 128, torch.bfloat16),  # the same with 8 key/value heads (GQA)
            (8, 32, 4096, 32, 1, 128, torch.float16),  # one key/value head (MQA), 8 sequences
            (4, 80, 8192, 64, 8, 128, torch.bfloat16),
            (2, 2, 10, 6, 3, 16, torch.float32),
        ]
        for B, L, T, n_head, n_kv, d_head, dtype in written_cases:
            want = _written_cache_bytes(B, L, T, n_kv, d_head, dtype)
            if (hint := _kv_hint(fn, want, B, L, T, n_head, n_kv, d_head, dtype)) is not None:
                return hint
        for n_head, n_kv in ((32, 5), (8, 16), (8, 0)):
            try:
                fn(1, 2, 16, n_head, n_kv, 64, torch.float32)
            except ValueError:
                continue
            return f"n_head={n_head}、n_kv={n_kv} 时应抛出 ValueError（n_kv 要在 1 到 n_head 之间且整除 n_head）"
        return None

    run_check("练习 1 KV 缓存要多少字节", check)


def _kv_hint(fn, want, B, L, T, n_head, n_kv, d_head, dtype) -> str | None:
    """None if ``fn`` gives ``want`` bytes for these sizes, else a hint naming the likely mistake."""
    got = fn(B, L, T, n_head, n_kv, d_head, dtype)
    if isinstance(got, (int, float)) and got == want:
        return None
    where = f"B={B}, L={L}, T={T}, n_head={n_head}, n_kv={n_kv}, d_head={d_head}, {dtype} 时"
    if not isinstance(got, (int, float)):
        return f"{where}应返回字节数（int），你的结果是 {got!r}"
    size = torch.empty((), dtype=dtype).element_size()
    if n_kv != n_head and got == want // n_kv * n_head:
        return f"{where}应为 {want:,} 字节：缓存存的是 n_kv 个键值头，不是 n_head 个查询头"
    if got * 2 == want:
        return f"{where}应为 {want:,} 字节：键和值各存一份，别忘了乘 2"
    if got * size == want or got == want // size * 4:
        return f"{where}应为 {want:,} 字节：每个数的字节数由 dtype 决定（{dtype} 是 {size} 字节）"
    if B > 1 and got * B == want:
        return f"{where}应为 {want:,} 字节：B 个会话各有一份缓存"
    return f"{where}应为 {want:,} 字节，你的结果是 {got:,}（2 · B · L · T · n_kv · d_head · 每个数的字节数）"


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
        refit, printed = tuple(CHINCHILLA.values()), tuple(HOFFMANN.values())
        cases = [(C, refit) for C in (1e18, 3.15e23, 5.76e23, 1e26)]
        cases += [(5.76e23, printed), (6e20, (1.0, 100.0, 100.0, 0.5, 0.5))]
        cases += [(1e22, (2.0, 300.0, 50.0, 0.3, 0.4))]
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


def unimax_reference(sizes: dict, budget: float, max_epochs: float) -> dict:
    """Water filling: every language gets min(level, max_epochs × its size), the level found by
    bisection so that the allocations add up to the budget (or every language gets its cap)."""
    caps = {k: max_epochs * n for k, n in sizes.items()}
    if sum(caps.values()) <= budget:
        return caps
    low, high = 0.0, float(budget)
    for _ in range(200):
        level = (low + high) / 2
        if sum(min(level, cap) for cap in caps.values()) < budget:
            low = level
        else:
            high = level
    return {k: min(high, cap) for k, cap in caps.items()}


def check_unimax(fn) -> None:
    """``fn(sizes, budget, max_epochs)`` spreads a budget of tokens over languages as evenly as it
    can without any language going over ``max_epochs`` passes through its data (UniMax), compared
    with a water level found by bisection."""

    def check():
        rng = random.Random(0)
        cases = [
            ({"英文": 1000, "中文": 100, "泰文": 10, "藏文": 1}, 400, 4),
            ({"en": 90, "zh": 10}, 50, 1),  # zh is capped, en takes the rest
            ({"en": 90, "zh": 10}, 50, 10),  # no cap binds: an even split
            ({"a": 3, "b": 2, "c": 1}, 100, 2),  # the budget exceeds every cap
            ({"only": 7}, 5, 1),
            ({"a": 5, "b": 5, "c": 5}, 9, 1),
        ]
        for _ in range(20):
            sizes = {k: rng.randint(1, 1000) for k in "abcdefg"[: rng.randint(2, 7)]}
            cases.append((sizes, rng.randint(1, 3000), rng.choice([1, 2, 4, 10])))
        for sizes, budget, epochs in cases:
            want = unimax_reference(sizes, budget, epochs)
            got = fn(dict(sizes), budget, epochs)
            where = f"sizes={sizes}、budget={budget}、max_epochs={epochs} 时"
            if not isinstance(got, dict) or set(got) != set(want):
                return f"{where}应返回以语言为键的 dict，键为 {sorted(want)}，你的结果是 {got!r}"
            if all(math.isclose(got[k], want[k], rel_tol=1e-6, abs_tol=1e-9) for k in want):
                continue
            shown = {k: round(v, 3) for k, v in want.items()}
            over = [k for k in want if got[k] > epochs * sizes[k] * (1 + 1e-9)]
            if over:
                return f"{where}“{over[0]}”超过了 max_epochs × 数据量；应为 {shown}"
            if sum(got.values()) < sum(want.values()) * (1 - 1e-6):
                return (
                    f"{where}应为 {shown}，你只分出了 {sum(got.values()):.3g}：被上限截住的语言"
                    "省下的预算要平分给其余语言（从数据最少的语言开始处理）"
                )
            return f"{where}应为 {shown}（预算尽量平分，每种语言不超过 max_epochs × 数据量）"
        return None

    run_check("练习 4 给每种语言的重复轮数设上限", check)
