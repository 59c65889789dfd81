"""The chapter 3 exercise checks accept a correct answer and reject a wrong one with a hint."""

from __future__ import annotations

from collections import Counter


def test_chapter3_checks(capsys):
    from minillm.exercises import ch03
    from minillm.tokenizers.bpe import merge

    def apply(ids, merges):
        for pair, new_id in merges:
            ids = merge(ids, pair, new_id)
        return ids

    ch03.check_pair_counts(lambda ids: Counter(zip(ids, ids[1:])))
    ch03.check_merge(merge)
    ch03.check_apply_merges(apply)
    ch03.check_pair_counts(lambda ids: Counter(ids))
    ch03.check_merge(lambda ids, pair, new_id: [new_id if i == pair[0] else i for i in ids])
    ch03.check_apply_merges(lambda ids, merges: ids)
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅"] * 3 + ["❌"] * 3


def test_chapter3_decoding_checks(capsys):
    import torch

    from minillm.exercises import ch03

    def top_k(logits, k):
        return logits.masked_fill(logits < torch.topk(logits, k).values[:, -1:], float("-inf"))

    def nucleus(probs, p):
        sorted_p, order = probs.sort(descending=True)
        return set(order[(sorted_p.cumsum(0) - sorted_p) < p].tolist())

    ch03.check_top_k_filter(top_k)
    ch03.check_nucleus(nucleus)
    # off by one: keeps k + 1 scores; and the set whose mass stays below p
    ch03.check_top_k_filter(lambda x, k: top_k(x, min(k + 1, x.size(-1))))
    ch03.check_nucleus(
        lambda probs, p: set(
            probs.sort(descending=True)[1][probs.sort(descending=True)[0].cumsum(0) < p].tolist()
        )
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅"] * 2 + ["❌"] * 2
