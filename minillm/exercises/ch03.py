"""Checks for the exercises of chapter 3 (核心算法原理与具体操作步骤)."""

from __future__ import annotations

from collections import Counter

from minillm.exercises import run_check
from minillm.tokenizers.bpe import merge

_IDS = list(b"aaabdaaabac")  # the classic BPE example: [97, 97, 97, 98, 100, ...]


def _pairs(ids):
    return Counter(zip(ids, ids[1:]))


def check_pair_counts(fn) -> None:
    """``fn(ids)`` counts every pair of adjacent ids (overlapping pairs count separately)."""

    def check():
        for ids in [_IDS, [1, 1, 1, 1], [5], []]:
            got, want = Counter(fn(list(ids))), _pairs(ids)
            if got != want:
                return f"ids={ids} 的相邻对计数应为 {dict(want)}，你的结果是 {dict(got)}"
        return None

    run_check("练习 1 统计相邻对", check)


def check_merge(fn) -> None:
    """``fn(ids, pair, new_id)`` replaces every non-overlapping occurrence of ``pair``, left to right."""

    def check():
        cases = [
            (_IDS, (97, 97), 256),
            ([1, 1, 1], (1, 1), 9),
            ([1, 2, 1, 2], (2, 1), 7),
            ([], (1, 2), 3),
        ]
        for ids, pair, new_id in cases:
            got, want = fn(list(ids), pair, new_id), merge(ids, pair, new_id)
            if list(got) != want:
                return f"merge({ids}, {pair}, {new_id}) 应为 {want}，你的结果是 {list(got)}（从左到右，不重叠）"
        return None

    run_check("练习 2 合并一对", check)


def check_apply_merges(fn) -> None:
    """``fn(ids, merges)`` applies learned merges (a list of ((a, b), new_id)) in training order."""

    def check():
        merges = [((97, 97), 256), ((256, 97), 257), ((257, 98), 258)]
        want = _IDS
        for pair, new_id in merges:
            want = merge(want, pair, new_id)
        got = fn(list(_IDS), merges)
        if list(got) != want:
            return f"按训练顺序依次合并后应为 {want}，你的结果是 {list(got)}"
        return None

    run_check("练习 3 按顺序应用合并规则", check)


def check_top_k_filter(fn) -> None:
    """``fn(logits, k)`` keeps the k largest scores of each row (ties with the k-th too), -inf elsewhere."""
    import torch

    from minillm.generation.processors import TopK

    def check():
        generator = torch.Generator().manual_seed(0)
        cases = [(torch.randn(3, 12, generator=generator), k) for k in (1, 4, 12)]
        cases.append((torch.tensor([[1.0, 3.0, 3.0, 0.5]]), 2))
        for logits, k in cases:
            got, want = fn(logits.clone(), k), TopK(k)(None, logits.clone())
            if not isinstance(got, torch.Tensor) or not torch.equal(got, want):
                return f"k={k}：应保留每行最大的 {k} 个分数（并列的也保留），其余为 -inf；请检查 logits={logits.tolist()}"
        return None

    run_check("练习 4 top-k 过滤", check)


def check_nucleus(fn) -> None:
    """``fn(probs, p)`` is the smallest set of most likely tokens whose mass reaches p."""
    import torch

    from minillm.generation.processors import TopP

    def check():
        probs = torch.tensor([0.05, 0.5, 0.15, 0.3])
        for p, want in [
            (0.5, {1}),
            (0.51, {1, 3}),
            (0.8, {1, 3}),
            (0.81, {1, 3, 2}),
            (1.0, {0, 1, 2, 3}),
        ]:
            got = fn(probs.clone(), p)
            if set(got) != want:
                return f"probs={probs.tolist()}, p={p} 的核应为 {sorted(want)}，你的结果是 {sorted(got)}"
        generator = torch.Generator().manual_seed(1)
        for _ in range(20):
            probs = torch.softmax(3 * torch.randn(30, generator=generator), -1)
            p = float(torch.rand(1, generator=generator)) * 0.9 + 0.05
            kept = torch.isfinite(TopP(p)(None, probs.log()[None]))[0]
            want = set(torch.nonzero(kept).flatten().tolist())
            if set(fn(probs.clone(), p)) != want:
                return f"在随机分布上与 TopP({p:.3f}) 保留的集合不同：应为 {sorted(want)}"
        return None

    run_check("练习 5 核采样的核", check)
