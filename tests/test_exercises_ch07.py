"""The chapter 7 exercise checks accept a correct answer and reject a wrong one with a hint."""

from __future__ import annotations


def test_chapter7_checks(capsys):
    from minillm.exercises import ch07

    ch07.check_gpt_params(lambda v, t, n, d: v * d + t * d + n * (12 * d * d + 13 * d) + 2 * d)
    ch07.check_gpt_params(lambda v, t, n, d: v * d + t * d + n * 12 * d * d)
    ch07.check_torch_smoothing(lambda eps, v: eps * v / (v - 1))
    ch07.check_torch_smoothing(lambda eps, v: eps)
    ch07.check_gnmt_length_penalty(lambda n, a: ((5 + n) / 6) ** a)
    ch07.check_gnmt_length_penalty(lambda n, a: n**a)
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "❌"] * 3
