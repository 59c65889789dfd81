"""PII redaction: check digits as published, every planted item found, look-alikes left alone.
(The chat session that redacts is tested in test_chat.py.)"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minillm.privacy import id_check_ok, luhn_ok, mask, redact


def _with_id_check(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def _with_luhn(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def test_check_digits_match_published_examples():
    # GB 11643-1999's worked example and the card numbers payment networks publish for testing
    assert id_check_ok("11010519491231002X") and not id_check_ok("110105194912310021")
    assert not id_check_ok(_with_id_check("11010519491331002"))  # month 13: not a birth date
    assert all(luhn_ok(n) for n in ["4111111111111111", "5500005555555559", "6212345678901265"])
    assert not luhn_ok("4111111111111112") and not luhn_ok("12a4")


def test_planted_pii_is_all_found_and_look_alikes_are_kept():
    rng = random.Random(0)
    planted, kept = 0, 0
    for _ in range(300):
        phone = "1" + rng.choice("3456789") + "".join(rng.choices("0123456789", k=9))
        born = f"{rng.randrange(1940, 2010)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
        idn = _with_id_check("".join(rng.choices("0123456789", k=6)) + born + "123")
        card = _with_luhn("62" + "".join(rng.choices("0123456789", k=16)))  # 19 digits
        email = f"user{rng.randrange(1000)}@example.cn"
        order = "".join(rng.choices("0123456789", k=10))  # an order number: not personal
        bad_card = card[:-1] + str((int(card[-1]) + 1) % 10)  # fails Luhn: some other number
        text = f"订单{order}，手机{phone}，身份证{idn}，卡号{card}，邮箱{email}，流水号{bad_card}。"
        result = redact(text)
        assert result.found == [
            ("手机号", phone),
            ("身份证号", idn),
            ("银行卡号", card),
            ("邮箱", email),
        ]
        assert order in result.text and bad_card in result.text
        assert phone not in result.text and idn not in result.text and email not in result.text
        planted, kept = planted + 4, kept + 2
    assert (planted, kept) == (1200, 600)


def test_mask_keeps_ends():
    assert mask("13812345678") == "138****5678" and mask("1234") == "****"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_redact_never_crashes_and_only_shrinks_digits(text):
    result = redact(text)
    assert isinstance(result.text, str)
    assert sum(c.isdigit() for c in result.text) <= sum(c.isdigit() for c in text)
    with pytest.raises(TypeError, match="must be a str"):
        redact(None)
