"""The chapter 6 exercise checks accept a correct answer and reject a wrong one with a hint."""

from __future__ import annotations


def test_chapter6_checks(capsys):
    import datetime as dt
    import math

    from minillm.exercises import ch06

    ch06.check_idf(lambda n, df: math.log((1 + n) / (1 + df)) + 1)
    ch06.check_idf(lambda n, df: math.log(n / df))
    ch06.check_bkt_update(ch06._bkt)
    ch06.check_bkt_update(lambda p, c, s, g, learn: p + (1 - p) * learn)
    ch06.check_week_day(lambda t, w, n: t + dt.timedelta(days=w - t.weekday() + 7 * n))
    ch06.check_week_day(lambda t, w, n: t + dt.timedelta(days=(w - t.weekday()) % 7 + 7 * n))
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "❌"] * 3
