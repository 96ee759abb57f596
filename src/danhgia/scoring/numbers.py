"""The one rounding rule of danhgia and Vietnamese number formatting.

Rounding rule: every score that is shown or stored is rounded ONCE, to 2 decimal places,
ROUND_HALF_UP (half away from zero), from the exact value (computed with integers/fractions).
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

__all__ = [
    "ONE_HUNDRED",
    "ZERO",
    "format_percent",
    "format_points",
    "round_points",
    "round_ratio",
    "to_fraction",
]

ZERO = Decimal("0.00")
ONE_HUNDRED = Decimal(100)
MINUS = "\u2212"  # the typographic minus sign used in explanation lines
_CENT = Decimal("0.01")


def round_ratio(numerator: int, denominator: int) -> Decimal:
    """Round numerator/denominator to 2 decimals, half away from zero, exactly (integer arithmetic)."""
    if denominator == 0:
        raise ZeroDivisionError("denominator is zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    negative = numerator < 0
    magnitude = (abs(numerator) * 200 + denominator) // (2 * denominator)
    return Decimal(-magnitude if negative else magnitude).scaleb(-2)


def round_points(value: Fraction | Decimal | int) -> Decimal:
    """The rounding rule: exact value → Decimal with 2 decimals, ROUND_HALF_UP."""
    if type(value) is not Decimal and isinstance(value, Fraction):  # type() first: isinstance(…, Fraction) is slow
        return round_ratio(value.numerator, value.denominator)
    if isinstance(value, Decimal):
        # quantize rounds the exact decimal value (no binary step), the same rule as round_ratio;
        # a zero loses its sign (−0 × a penalty group is shown as 0, not −0)
        rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
        return rounded if rounded else rounded.copy_abs()
    return Decimal(value).quantize(_CENT)


def to_fraction(value: Decimal | int) -> Fraction:
    """Exact conversion of a Decimal (or int) to a Fraction."""
    num, den = value.as_integer_ratio()
    return Fraction(num, den)


@functools.lru_cache(maxsize=65536)
def _plain(value: Decimal) -> str:
    """Decimal → "87,5" (at most 2 decimals, trailing zeros dropped, decimal comma, no sign)."""
    text = f"{abs(value).quantize(_CENT, rounding=ROUND_HALF_UP):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def format_points(value: Decimal, *, signed: bool = False) -> str:
    """Vietnamese formatting of points: "87,5"; with signed=True "−2,5" / "+1" / "0"."""
    text = _plain(value)
    if text == "0":
        return "0"
    if value < 0:
        return MINUS + text
    return ("+" + text) if signed else text


def format_percent(value: Decimal) -> str:
    """Vietnamese percent: Decimal("25") → "25 %", Decimal("33.333") → "33,33 %"."""
    text = format_points(value)
    return f"{text} %"
