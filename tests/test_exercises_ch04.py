"""The chapter 4 exercise checks accept a correct answer and reject a wrong one with a hint."""

from __future__ import annotations


def test_chapter4_checks(capsys):
    from minillm.exercises import ch04

    ch04.check_laplace_prob(lambda c_hw, c_h, v: (c_hw + 1) / (c_h + v))
    ch04.check_perplexity_from_log2(lambda lp: 2 ** (-sum(lp) / len(lp)))
    ch04.check_lstm_param_count(lambda e, h: 4 * h * (e + h) + 8 * h)
    ch04.check_laplace_prob(lambda c_hw, c_h, v: c_hw / c_h)
    ch04.check_perplexity_from_log2(lambda lp: -sum(lp) / len(lp))
    ch04.check_lstm_param_count(lambda e, h: 4 * h * (e + h))
    ch04.check_q_update(lambda q, r, qn, a, g, t: q + a * (r + (0 if t else g * max(qn)) - q))
    ch04.check_q_update(
        lambda q, r, qn, a, g, t: q + a * (r + g * max(qn) - q)
    )  # bootstraps always
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅"] * 3 + ["❌"] * 3 + ["✅", "❌"]
