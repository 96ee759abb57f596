"""The one rounding rule (2 decimals, half away from zero, once, from the exact value) and Vietnamese numbers."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from danhgia.scoring import format_percent, format_points, round_points
from danhgia.scoring.numbers import round_ratio


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Fraction(1, 3), "0.33"),
        (Fraction(2, 3), "0.67"),
        (Fraction(1, 200), "0.01"),  # 0,005 → up
        (Fraction(-1, 200), "-0.01"),  # half away from zero
        (Fraction(1, 201), "0.00"),
        (Fraction(17995, 200), "89.98"),  # 89,975 → 89,98
        (Fraction(385, 6), "64.17"),  # 70 × 275/300
        (Decimal("89.995"), "90.00"),
        (Decimal("89.9949999"), "89.99"),
        (Decimal("-2.505"), "-2.51"),
        (Decimal("-0.001"), "0.00"),  # no negative zero
        (7, "7.00"),
    ],
)
def test_round_points(value: Fraction | Decimal | int, rounded: str) -> None:
    result = round_points(value)
    assert result == Decimal(rounded) and str(result) == rounded


def test_round_ratio_is_exact_for_big_integers() -> None:
    assert round_ratio(10**30 + 5 * 10**27, 10**30) == Decimal("1.01")
    assert round_ratio(-1, 3) == Decimal("-0.33") and round_ratio(1, -3) == Decimal("-0.33")
    with pytest.raises(ZeroDivisionError):
        round_ratio(1, 0)


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (Decimal("87.50"), False, "87,5"),
        (Decimal("90.00"), False, "90"),
        (Decimal("-2.5"), True, "−2,5"),
        (Decimal("1"), True, "+1"),
        (Decimal("0.00"), True, "0"),
        (Decimal("-0.004"), True, "0"),
        (Decimal("64.166"), False, "64,17"),
    ],
)
def test_format_points(value: Decimal, signed: bool, text: str) -> None:
    assert format_points(value, signed=signed) == text


def test_format_percent() -> None:
    assert format_percent(Decimal(25)) == "25 %"
    assert format_percent(Decimal("33.333")) == "33,33 %"
