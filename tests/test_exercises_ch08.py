"""The chapter 8 exercise checks accept a correct answer and reject a wrong one with a hint."""

from __future__ import annotations


def test_chapter8_checks(capsys):
    import math

    from torch.nn import functional as F

    from minillm.exercises import ch08
    from minillm.privacy import luhn_ok

    def rotate(x0, x1, m, theta):
        a = m * theta
        return x0 * math.cos(a) - x1 * math.sin(a), x0 * math.sin(a) + x1 * math.cos(a)

    def soft(s, t, temp):
        p = F.softmax(t / temp, -1)
        return temp**2 * (p * (p.log() - F.log_softmax(s / temp, -1))).sum(-1).mean()

    ch08.check_rope_pair(rotate)
    ch08.check_rope_pair(lambda x0, x1, m, theta: (x0, x1))
    ch08.check_distill_soft(soft)
    ch08.check_distill_soft(lambda s, t, temp: soft(t, s, temp))  # KL the wrong way round
    ch08.check_luhn_valid(luhn_ok)
    ch08.check_luhn_valid(lambda n: sum(map(int, n)) % 10 == 0)
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "❌"] * 3
