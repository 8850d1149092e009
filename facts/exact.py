"""Exact numbers from their decimal text, within sane bounds.

A number in a facts file or a rulebook is read as the decimal it is written
as (0.95 is 19/20), never through a binary float. Its size is bounded, so
that a mistyped value such as ``1e-10000000`` is an error and not a
fraction with ten million digits that stalls a run.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

MAX_DIGITS = 40
MAX_MAGNITUDE_DIGITS = 15


def exact_number(value: Any) -> Fraction:
    """Read a number from its decimal text; reject floats' lost text and yes/no.

    >>> exact_number(Decimal("0.95"))
    Fraction(19, 20)
    >>> exact_number("1e-100")
    Traceback (most recent call last):
    ...
    ValueError: expected a number with at most 40 digits after the decimal point
    """
    if isinstance(value, bool):
        raise ValueError("expected a number, not a yes/no value")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return _bounded(Decimal(value) if value.bit_length() < 64 else _too_large())
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("expected a number") from None
    if isinstance(value, float):
        # YAML reads .inf and .nan as floats; Fraction rejects them with
        # OverflowError, which validation would not catch.
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
        # A float has already lost its decimal text; its shortest repr is the
        # text the writer most likely meant.
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return _bounded(value)
    raise ValueError("expected a number")


def _too_large() -> Decimal:
    raise ValueError(f"expected a number below 10^{MAX_MAGNITUDE_DIGITS}")


def _bounded(number: Decimal) -> Fraction:
    if not number.is_finite():
        raise ValueError("expected a finite number")
    if number != 0 and number.adjusted() >= MAX_MAGNITUDE_DIGITS:
        _too_large()
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    # Trailing zeros do not count: 0.5000…0 has one decimal place. The
    # context-free count avoids normalize(), which rounds to 28 digits.
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if exponent + trailing < -MAX_DIGITS:
        raise ValueError(
            f"expected a number with at most {MAX_DIGITS} digits after the "
            "decimal point"
        )
    return Fraction(number)
