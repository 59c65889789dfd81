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
