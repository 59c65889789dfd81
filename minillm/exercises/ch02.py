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


def check_gated_update(fn) -> None:
    """``fn(memory, candidate, gate)`` is ``gate * memory + (1 - gate) * candidate``; gate in [0, 1]."""
    import numpy as np
    import torch

    def check():
        rng = np.random.default_rng(0)
        memory, candidate = rng.standard_normal((2, 8)).astype(np.float32)
        for gate in (0.0, 1.0, 0.3, rng.random(8).astype(np.float32)):
            want = gate * memory + (1 - gate) * candidate  # numpy, slot by slot
            given = torch.tensor(gate) if isinstance(gate, np.ndarray) else gate
            got = fn(torch.tensor(memory), torch.tensor(candidate), given)
            if not isinstance(got, torch.Tensor) or tuple(got.shape) != memory.shape:
                return f"应返回与记忆同形状 {memory.shape} 的张量"
            if not np.allclose(got.detach().numpy(), want, atol=1e-6):
                return "g 是保留旧记忆的比例：g=1 时记忆不变，g=0 时完全换成候选内容"
        for bad in (1.5, -0.1, torch.tensor([0.5, 2.0] * 4)):
            try:
                fn(torch.tensor(memory), torch.tensor(candidate), bad)
            except ValueError:
                continue
            return "门的取值超出 [0, 1] 时应抛出 ValueError"
        return None

    run_check("练习 4 门控记忆", check)
