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


def check_distinct_n(fn) -> None:
    """``fn(sequences, n)`` is distinct-n: distinct n-grams over all n-grams of all sequences."""

    def reference(sequences, n):
        grams = [tuple(s[i : i + n]) for s in sequences for i in range(len(s) - n + 1)]
        return len(set(grams)) / len(grams) if grams else 0.0

    def check():
        rng = random.Random(0)
        cases = [([["a", "b", "a", "b"]], 2), ([["a", "b"], ["a", "b"]], 1), ([["x"]], 2)]
        for _ in range(20):
            sequences = [rng.choices("abcd", k=rng.randint(0, 8)) for _ in range(rng.randint(1, 4))]
            cases.append((sequences, rng.randint(1, 3)))
        for sequences, n in cases:
            want, got = reference(sequences, n), fn(sequences, n)
            if not isinstance(got, (int, float)) or abs(got - want) > 1e-9:
                return (
                    f"{sequences} 的 distinct-{n} 应为 {want:.4f}，你的结果是 {got!r}"
                    "（n-gram 不跨越序列的边界；没有 n-gram 时为 0）"
                )
        return None

    run_check("练习 3 distinct-n", check)
