"""The chapter 9 exercise checks accept a correct answer and reject a wrong one with a hint."""

from __future__ import annotations


def test_chapter9_checks(capsys):
    from minillm.exercises import ch09

    def params(vocab, block, layers, d):
        return vocab * d + block * d + layers * (12 * d * d + 13 * d) + 2 * d

    def shares(sizes, alpha):
        total = sum(sizes.values())
        weights = {k: (n / total) ** alpha for k, n in sizes.items()}
        return {k: w / sum(weights.values()) for k, w in weights.items()}

    ch09.check_gpt_params(params)
    ch09.check_gpt_params(lambda v, t, layers, d: 2 * v * d + t * d + layers * 12 * d * d)
    ch09.check_kv_cache_bytes(lambda layers, d, t, b, nbytes: 2 * layers * d * t * b * nbytes)
    ch09.check_kv_cache_bytes(lambda layers, d, t, b, nbytes: layers * d * t * b * nbytes)
    ch09.check_sampling_shares(shares)
    # p_i^alpha without renormalising
    ch09.check_sampling_shares(lambda sizes, alpha: {k: n**alpha for k, n in sizes.items()})
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "❌"] * 3
