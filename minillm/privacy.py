"""Personal data (PII) in chat text: find it and replace it before it reaches a prompt or a log.

Four kinds, each a pattern plus, where the number carries one, its check digit, so that order
numbers, dates and prices are left alone: mainland mobile numbers, resident ID numbers
(GB 11643 check digit), bank card numbers (Luhn check digit) and e-mail addresses.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_ok(number: str) -> bool:
    """GB 11643: characters 7–14 are a birth date and the 18th is fixed by the first 17 digits."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(number: str) -> bool:
    """Luhn: doubling every second digit from the right, the digit sum is a multiple of 10."""
    if not number.isdigit():
        return False
    total = 0
    for i, digit in enumerate(reversed(number)):
        d = int(digit) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# (kind, pattern, extra check); digits must not touch other digits, so a longer number is not cut.
PII_KINDS = (
    ("邮箱", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), None),
    ("身份证号", re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"), id_check_ok),
    ("银行卡号", re.compile(r"(?<!\d)\d{16,19}(?!\d)"), luhn_ok),
    ("手机号", re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), None),
)


@dataclass
class Redaction:
    """The redacted text and what was taken out, as (kind, original value) in order of position."""

    text: str
    found: list[tuple[str, str]]


def mask(value: str) -> str:
    """Keep the first 3 and last 4 characters of a number, star the rest: 138****5678."""
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * 4


def redact(text: str) -> Redaction:
    """Replace each piece of personal data in ``text`` by its kind in brackets, e.g. [手机号]."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    spans: list[tuple[int, int, str]] = []
    for kind, pattern, check in PII_KINDS:
        for m in pattern.finditer(text):
            overlaps = any(m.start() < end and start < m.end() for start, end, _ in spans)
            if not overlaps and (check is None or check(m.group())):
                spans.append((m.start(), m.end(), kind))
    spans.sort()
    pieces, found, at = [], [], 0
    for start, end, kind in spans:
        pieces += [text[at:start], f"[{kind}]"]
        found.append((kind, text[start:end]))
        at = end
    return Redaction("".join(pieces) + text[at:], found)
