"""Checks for the exercises of chapter 2 (核心概念与联系)."""

from __future__ import annotations

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


def check_keep_recent(fn) -> None:
    """``fn(lengths, budget)`` is the first index of the longest suffix within budget (≥ the last)."""

    def reference(lengths, budget):
        start = len(lengths) - 1
        while start > 0 and sum(lengths[start - 1 :]) <= budget:
            start -= 1
        return start

    def check():
        cases = [
            ([5, 5, 5], 100),
            ([5, 5, 5], 10),
            ([5, 5, 5], 9),
            ([50], 10),
            ([3, 40, 2, 2], 10),
            ([1, 1, 1, 1, 1], 3),
            ([4, 4, 4], 8),
        ]
        for lengths, budget in cases:
            want, got = reference(lengths, budget), fn(list(lengths), budget)
            if got != want:
                return (
                    f"lengths={lengths}、budget={budget} 时应从下标 {want} 开始保留，得到 {got}；"
                    "从最后一条往前加，加上下一条会超出预算就停"
                )
        return None

    run_check("练习 2 上下文窗口", check)


def check_gated_update(fn) -> None:
    """``fn(memory, candidate, gate)`` is ``gate * memory + (1 - gate) * candidate``; gate in [0, 1]."""
    import torch

    def check():
        g = torch.Generator().manual_seed(0)
        memory, candidate = torch.randn(2, 8, generator=g)
        for gate in (0.0, 1.0, 0.3, torch.rand(8, generator=g)):
            want = gate * memory + (1 - gate) * candidate
            got = fn(memory.clone(), candidate.clone(), gate)
            if not isinstance(got, torch.Tensor) or got.shape != memory.shape:
                return f"应返回与记忆同形状 {tuple(memory.shape)} 的张量"
            if not torch.allclose(got, want, atol=1e-6):
                return "g 是保留旧记忆的比例：g=1 时记忆不变，g=0 时完全换成候选内容"
        for bad in (1.5, -0.1, torch.tensor([0.5, 2.0] * 4)):
            try:
                fn(memory.clone(), candidate.clone(), bad)
            except ValueError:
                continue
            return "门的取值超出 [0, 1] 时应抛出 ValueError"
        return None

    run_check("练习 3 门控记忆", check)
