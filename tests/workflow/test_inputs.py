"""One parser per kind of typed value: what a Vietnamese user types is accepted, anything else refused with a
catalog code — and no text at all makes a parser raise anything else (Hypothesis)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from danhgia.texts import t
from danhgia.workflow import inputs
from danhgia.workflow.refusal import Refusal

TODAY = date(2026, 11, 20)
HOSTILE = ["1e309", "1e26", "٣", "８", "-0", "-1", "+5", "NaN", "inf", "7,505", "1.000,5", "7 5", "", " ", "0x10", "½"]
# Text a person could type, and the numbers-like text that trips naive parsers.
ANY_TEXT = st.text(max_size=300) | st.from_regex(r"[+-]?[0-9٠-٩０-９]*[.,]?[0-9]*(e[+-]?[0-9]+)?\s*%?", fullmatch=True)


def said(refusal: Refusal) -> str:
    """The sentence a refusal becomes (it must exist in the catalog and take its parameters)."""
    return t(f"error.{refusal.code}", "vi", **{k: str(v) for k, v in refusal.params.items()})


@pytest.mark.parametrize(
    ("typed", "value"),
    [("8", "8"), ("7,5", "7.5"), ("7.5", "7.5"), (" 9.25 ", "9.25"), ("0", "0"), ("10", "10"), ("07,50", "7.5")],
)
def test_points_as_a_vietnamese_user_types_them(typed: str, value: str) -> None:
    assert inputs.points(typed, Decimal(10)) == Decimal(value)


@pytest.mark.parametrize("typed", [*HOSTILE, "10,01", "11"])
def test_everything_else_is_refused_with_a_sentence(typed: str) -> None:
    with pytest.raises(Refusal) as caught:
        inputs.points(typed, Decimal(10))
    assert caught.value.code in ("points_invalid", "points_out_of_range")
    assert "Điểm phải" in said(caught.value)


def test_percentages_and_weights() -> None:
    assert inputs.percent("80") == 80 and inputs.percent("87,5 %") == Decimal("87.5") and inputs.percent("0%") == 0
    for typed in (*HOSTILE, "100,01", "101", "80%%"):
        with pytest.raises(Refusal, match="percent_invalid"):
            inputs.percent(typed)
    assert inputs.weight("1", Decimal(100)) == 1 and inputs.weight("0,25", Decimal(100)) == Decimal("0.25")
    assert str(inputs.weight("100", Decimal(100))) == "100"  # never 1E+2
    for typed in (*HOSTILE, "0", "0,00", "100,5"):
        with pytest.raises(Refusal, match="weight_invalid"):
            inputs.weight(typed, Decimal(100))


def test_dates_and_ranges() -> None:
    assert inputs.day("27/11", TODAY) == date(2026, 11, 27)
    assert inputs.day("3.1.27", TODAY) == date(2027, 1, 3)
    assert inputs.day(" 05-12-2026 ", TODAY) == date(2026, 12, 5)
    for typed, code in [
        ("31/02", "date_nonexistent"),
        ("٢٧/١١", "date_format"),
        ("２７/１１", "date_format"),
        ("27/11/1999", "date_year"),
        ("01/01/9999", "date_year"),
        ("hôm nay", "date_format"),
        ("27/11/20266", "date_format"),
    ]:
        with pytest.raises(Refusal) as caught:
            inputs.day(typed, TODAY)
        assert caught.value.code == code, typed
        assert said(caught.value)
    assert inputs.day_range("23/11 - 27/11", TODAY, single_day=True, code="x") == (
        date(2026, 11, 23),
        date(2026, 11, 27),
    )
    assert inputs.day_range("28/12 đến 03/01", TODAY, single_day=True, code="x") == (
        date(2026, 12, 28),
        date(2027, 1, 3),
    )
    assert inputs.day_range("23/11-27/11", TODAY, single_day=False, code="x")[1] == date(2026, 11, 27)
    assert inputs.day_range("27/11", TODAY, single_day=False, code="x") == (TODAY, date(2026, 11, 27))
    assert inputs.day_range("27/11", TODAY, single_day=True, code="x") == (date(2026, 11, 27), date(2026, 11, 27))
    with pytest.raises(Refusal, match="absence_range_format"):
        inputs.day_range("tuần sau", TODAY, single_day=True, code="absence_range_format")
    with pytest.raises(Refusal, match="date_nonexistent"):
        inputs.day_range("30/02 - 03/03", TODAY, single_day=True, code="absence_range_format")


def test_free_text_is_cleaned_and_bounded() -> None:
    assert inputs.text("  Báo   cáo\u202e quý\x00 ", 50, code="title") == "Báo cáo quý"
    assert inputs.text("dòng 1\ndòng 2", 50, code="note") == "dòng 1\ndòng 2"
    with pytest.raises(Refusal, match="title_empty"):
        inputs.text("\u200b\u200d \t", 50, code="title")
    with pytest.raises(Refusal, match="reason_too_long"):
        inputs.text("x" * 51, 50, code="reason")
    assert inputs.shown("a\nb" + "c" * 40).endswith("…") and "\n" not in inputs.shown("a\nb")


@settings(max_examples=400, deadline=None)
@given(typed=ANY_TEXT)
@example(typed="1e309")
@example(typed="\ud800")
def test_no_text_makes_a_parser_raise_anything_but_a_refusal(typed: str) -> None:
    parsers = [
        lambda: inputs.points(typed, Decimal(10)),
        lambda: inputs.percent(typed),
        lambda: inputs.weight(typed, Decimal(100)),
        lambda: inputs.day(typed, TODAY),
        lambda: inputs.day_range(typed, TODAY, single_day=True, code="absence_range_format"),
        lambda: inputs.day_range(typed, TODAY, single_day=False, code="delegation_range_format"),
        lambda: inputs.text(typed, 200, code="title"),
    ]
    for parse in parsers:
        try:
            value = parse()
        except Refusal as refusal:
            value = said(refusal)  # a refusal is a sentence of the catalog
            assert value
            continue
        if isinstance(value, Decimal):  # an accepted number is plain, finite and written with ASCII digits
            assert value.is_finite() and value >= 0 and "E" not in str(value)
        if isinstance(value, str):
            assert value == value.strip() and all(ch.isprintable() or ch == "\n" for ch in value)
