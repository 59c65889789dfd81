"""Checks for the exercises of chapter 9 (附录：常见问题与解答)."""

from __future__ import annotations

import random

import torch

from minillm.exercises import run_check


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


def check_kv_cache_bytes(fn) -> None:
    """``fn(n_layer, n_embd, seq_len, batch, bytes_per_value)`` is the size of the keys and values a
    KV cache holds, checked against the tensors of a real cache after a forward pass."""
    from minillm.models import GPT, GPTConfig

    def check():
        for layers, width, heads, length, batch in [(2, 32, 4, 10, 1), (3, 48, 6, 17, 3)]:
            model = GPT(GPTConfig(50, 32, layers, heads, width))
            cache = model.new_cache(batch)
            with torch.no_grad():
                model(torch.zeros(batch, length, dtype=torch.long), cache=cache)
            stored = [t[:, :, : cache.length] for t in cache.keys + cache.values]
            want = sum(t.numel() * t.element_size() for t in stored)
            got = fn(layers, width, length, batch, 4)
            if got != want:
                return (
                    f"L={layers}, d={width}, T={length}, B={batch}, float32 时缓存有 {want:,} 字节，"
                    f"你的结果是 {got!r}（每层既存键也存值）"
                )
        if fn(32, 4096, 4096, 1, 2) != 2 * 32 * 4096 * 4096 * 2:
            return "bytes_per_value 也要乘进去：bf16 每个数 2 字节"
        return None

    run_check("练习 2 KV 缓存的内存", check)


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

    run_check("练习 3 多语言的温度采样", check)
