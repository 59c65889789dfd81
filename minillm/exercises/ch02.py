"""Checks for the exercises of chapter 2 (核心概念与联系)."""

from __future__ import annotations

import itertools
import math

from minillm.exercises import run_check


def check_sequence_log_prob(fn) -> None:
    """``fn(logits, ids)`` is the chain-rule log-probability of ``ids[1:]`` given the rows of logits."""
    import torch
    from torch.nn import functional as F

    def check():
        g = torch.Generator().manual_seed(0)
        for steps, vocab in ((1, 5), (6, 11), (20, 3)):
            logits = torch.randn(steps, vocab, generator=g) * 3
            ids = torch.randint(0, vocab, (steps + 1,), generator=g).tolist()
            want = -F.cross_entropy(logits, torch.tensor(ids[1:]), reduction="sum").item()
            got = fn(logits.clone(), list(ids))
            if not isinstance(got, float):
                return f"应返回 Python 浮点数（可以用 .item()），得到 {type(got).__name__}"
            if abs(got - want) > 1e-4:
                return (
                    f"T={steps}、V={vocab} 时期望 {want:.4f}，得到 {got:.4f}："
                    "先对每一行做 log_softmax，再取第 t 行中 ids[t + 1] 的值相加"
                )
        return None

    run_check("练习 1 链式法则", check)


def _add_one_log_prob(corpus, sentence, start="^", end="$"):
    """Reference: every context's full distribution over the next symbols, normalised by summing."""
    symbols = [*sorted(set("".join(corpus)) | set(sentence)), end]
    texts = [[start, *s, end] for s in corpus]
    chars = [start, *sentence, end]
    total = 0.0
    for a, b in zip(chars, chars[1:]):
        weights = {
            c: 1 + sum(t[i] == a and t[i + 1] == c for t in texts for i in range(len(t) - 1))
            for c in symbols
        }
        total += math.log(weights[b] / sum(weights.values()))
    return total


def check_smoothed_log_prob(fn) -> None:
    """``fn(corpus, sentence)``: log P of ``sentence`` under an add-one smoothed character bigram
    model of ``corpus`` with start ``^`` and end ``$`` markers."""
    corpus = ["我要退货", "我要换货", "我要查订单", "订单到哪了", "我要退款"]
    cases = [
        (corpus, "我要退货"),  # every pair seen
        (corpus, "我要换款"),  # 换→款 never seen: smoothing keeps it above zero
        (corpus, "你好"),  # characters the corpus never had
        (corpus, ""),  # only ^ → $
        (["aab", "ab", "b"], "aab"),
        (["ab"], "ba"),
    ]

    def check():
        for data, sentence in cases:
            want = _add_one_log_prob(data, sentence)
            got = fn(list(data), sentence)
            if not isinstance(got, float) or math.isnan(got) or math.isinf(got):
                return f"{sentence!r} 应得到一个有限的浮点数（平滑之后没有零概率），得到 {got!r}"
            if abs(got - want) > 1e-9:
                return (
                    f"语料 {data} 上 log P({sentence!r}) 应为 {want:.4f}，得到 {got:.4f}："
                    "句子前后加上 ^ 和 $，P(b|a) = (c(a,b) + 1) / (c(a) + |V|)，"
                    "V 是语料和句子里的全部字符再加上 $"
                )
        return None

    run_check("练习 2 加一平滑的二元模型", check)


def _fits_with_pins(messages, budget, n_tokens, pinned):
    """Reference: drop the k oldest droppable turns for k = 0, 1, …; the first that fits wins."""
    droppable = [i for i in range(1, len(messages) - 1, 2) if i not in pinned]
    for k in range(len(droppable) + 1):
        gone = {j for i in droppable[:k] for j in (i, i + 1)}
        kept = [m for j, m in enumerate(messages) if j not in gone]
        if n_tokens(kept) <= budget:
            return kept
    return kept


def _pin_cases():
    def turns(n):
        out = [("system", "已知：订单号7238787715")]
        for k in range(n):
            out += [("user", f"第{k}问" + "问" * k), ("assistant", f"第{k}答" + "答" * (k % 3))]
        return [*out, ("user", "最后的问题")]

    def n_tokens(messages):  # each message: its characters plus 2 markers, as a chat template
        return sum(len(text) + 2 for _, text in messages)

    for n, budget, pinned in itertools.product(
        (0, 1, 3, 5), (20, 45, 80, 1000), ((), (1,), (3, 7))
    ):
        yield turns(n), budget, n_tokens, {p for p in pinned if p < 2 * n}


def check_fit_history_pinned(fn) -> None:
    """``fn(messages, budget, n_tokens, pinned)`` keeps the system message, the pinned turns and the
    newest turns, dropping the oldest unpinned whole turns until the prompt fits."""

    def check():
        for messages, budget, n_tokens, pinned in _pin_cases():
            want = _fits_with_pins(messages, budget, n_tokens, pinned)
            got = fn(list(messages), budget, n_tokens, set(pinned))
            if not isinstance(got, list):
                return f"应返回消息列表，得到 {type(got).__name__}"
            if got == want:
                continue
            where = f"{(len(messages) - 2) // 2} 轮历史、budget={budget}、pinned={sorted(pinned)}"
            if got[:1] != messages[:1] or got[-1:] != messages[-1:]:
                return f"{where}：系统消息和最后一条用户消息必须保留"
            if any(messages[i] not in got for i in pinned):
                return f"{where}：被钉住的轮次（pinned 中的用户消息及其回复）不能丢"
            if n_tokens(got) > budget and len(got) > len(want):
                return f"{where}：还能再丢最早的未钉住轮次，提示却仍超出预算"
            return (
                f"{where}：应保留 {len(want)} 条消息，得到 {len(got)} 条；"
                "按从旧到新的顺序整轮（用户消息 + 回复）丢弃未钉住的轮次，一放得下就停"
            )
        return None

    run_check("练习 3 钉住重要轮次的历史裁剪", check)


def _gated_memory_reference(contents, W, b, memory):
    """NumPy in float64, one round at a time: g = sigmoid(W [m; c] + b), m = g m + (1 - g) c."""
    import numpy as np

    m = memory.astype(np.float64)
    memories, gates = [], []
    for c in contents.astype(np.float64):
        g = 1.0 / (1.0 + np.exp(-(W.astype(np.float64) @ np.concatenate([m, c]) + b)))
        m = g * m + (1.0 - g) * c
        memories.append(m)
        gates.append(g)
    d = memory.shape[0]
    return np.array(memories).reshape(-1, d), np.array(gates).reshape(-1, d)


def check_gated_memory(fn) -> bool:
    """``fn(contents, W, b, memory)`` runs the content-gated memory over the rounds of ``contents``
    and returns the memories and the gates of every round, shape (T, d) each. Returns whether it
    passed."""
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    d = 4
    W = rng.standard_normal((d, 2 * d)).astype(np.float32)
    cases = [  # (what the case is, contents, W, b, initial memory)
        ("随机参数", rng.standard_normal((6, d)), W, rng.standard_normal(d), np.zeros(d)),
        ("给定初始记忆", rng.standard_normal((3, d)), W, np.zeros(d), rng.standard_normal(d)),
        ("b 很大：门接近 1", rng.standard_normal((4, d)), W, np.full(d, 30.0), np.ones(d)),
        ("b 很小：门接近 0", rng.standard_normal((4, d)), W, np.full(d, -30.0), np.ones(d)),
        ("只有一轮", rng.standard_normal((1, d)), W, np.zeros(d), np.ones(d)),
        ("没有任何轮次", np.zeros((0, d)), W, np.zeros(d), np.ones(d)),
    ]

    def check():
        for name, contents, w, b, m0 in cases:
            args = [torch.tensor(x, dtype=torch.float32) for x in (contents, w, b, m0)]
            got = fn(*args)
            if not isinstance(got, tuple) or len(got) != 2:
                return f"{name}：应返回 (memories, gates) 两个张量"
            want = _gated_memory_reference(contents, w, b, m0)
            for what, g, ref in zip(("memories", "gates"), got, want):
                if not isinstance(g, torch.Tensor) or tuple(g.shape) != ref.shape:
                    return f"{name}：{what} 应是形状 {ref.shape} 的张量（每轮一行）"
                if not np.allclose(g.detach().double().numpy(), ref, atol=1e-5):
                    return (
                        f"{name}：{what} 与参考答案不同。门 g = σ(W [m; c] + b) 用上一轮的记忆 m "
                        "和这一轮的内容 c（先 m 后 c）；g 是保留旧记忆的比例：m ← g·m + (1 − g)·c"
                    )
        return None

    return run_check("练习 4 由内容决定的门控记忆", check)
