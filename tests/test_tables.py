"""Printed tables line up by display width, checked against the width rules of Unicode's East Asian Width."""

from __future__ import annotations

import pytest

from minillm.tables import display_width, format_table


def test_display_width_counts_wide_characters_twice():
    assert display_width("abc") == 3
    assert display_width("注意力") == 6
    assert display_width("ＡＢ") == 4  # full-width Latin letters
    assert display_width("e\u0301") == 1  # e + combining acute accent
    assert display_width("Q-learning 策略") == 15


def test_columns_line_up_for_mixed_chinese_and_latin():
    text = format_table(
        [["Q-learning", 0.987, 4.8], ["规则策略", 1.0, 7.46], ["随机", 0.031, 4.36]],
        headers=["策略", "成功率", "平均轮数"],
        floatfmt=".2f",
    )
    lines = text.splitlines()
    assert lines[0] == "策略        成功率  平均轮数"
    assert lines[1] == "----------  ------  --------"
    assert lines[2] == "Q-learning    0.99      4.80"
    assert lines[3] == "规则策略      1.00      7.46"
    ends = {display_width(line) for line in lines}
    assert ends == {display_width(lines[0])}


def test_ragged_rows_are_an_error():
    with pytest.raises(ValueError, match="same number of cells"):
        format_table([[1, 2], [3]])
