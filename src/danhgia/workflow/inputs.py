"""One parser per kind of typed value — points, percentages, weights, dates, date ranges, free text — each
accepting what a Vietnamese user types and refusing everything else with a `Refusal` whose code names a polite
sentence in the catalogs. Whatever the text (any Unicode, any length), a parser returns a value or refuses: it
raises nothing else.

Numbers: ASCII digits, a decimal comma or point ("7,5", "7.5"), at most the allowed decimals; no sign, no
exponent, no other script's digits ("٣", "８"), no thousands separators. Dates: dd/mm or dd/mm/yyyy (also with
"." or "-"), years 2000–2099. Ranges: two dates joined by "-", "–", "—", "đến" or "to"; a lone date is that day
or from today to it, as the caller says.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date
from decimal import Decimal

from danhgia.workflow.refusal import Refusal

YEAR_MIN, YEAR_MAX = 2000, 2099
SHOWN = 20  # characters of a refused text repeated in the refusal

_NUMBER = re.compile(r"([0-9]{1,9})(?:[.,]([0-9]{1,9}))?", re.ASCII)
_DAY = re.compile(r"\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{1,2})(?:\s*[/.\-]\s*([0-9]{4}|[0-9]{2}))?\s*", re.ASCII)
_NO_YEAR = re.compile(r"\s*[0-9]{1,2}\s*[/.\-]\s*[0-9]{1,2}\s*", re.ASCII)
_SEPARATOR = re.compile(r"\s+(?:-|–|—|đến|den|to)\s+|\s*[–—]\s*|\s*(?:đến|den)\s*", re.IGNORECASE)
_TIGHT = re.compile(
    r"\s*([0-9]{1,2}\s*[/.]\s*[0-9]{1,2}(?:\s*[/.]\s*[0-9]{2,4})?)\s*-\s*"
    r"([0-9]{1,2}\s*[/.]\s*[0-9]{1,2}(?:\s*[/.]\s*[0-9]{2,4})?)\s*",
    re.ASCII,
)


def shown(text: str) -> str:
    """A refused text as a refusal repeats it: on one line, cut short."""
    flat = " ".join(clean_chars(text).split())
    return flat if len(flat) <= SHOWN else flat[: SHOWN - 1] + "…"


def clean_chars(text: str) -> str:
    """The text without control or format characters (line breaks kept) and without lone surrogates."""
    return "".join(ch for ch in (text or "") if unicodedata.category(ch)[0] != "C" or ch == "\n")


def _decimal(text: str, places: int) -> Decimal | None:
    """ASCII digits with at most `places` decimals after a comma or a point; None for anything else."""
    match = _NUMBER.fullmatch((text or "").strip())
    if match is None or (match.group(2) is not None and len(match.group(2)) > places):
        return None
    return Decimal(f"{match.group(1)}.{match.group(2) or '0'}")


def points(text: str, maximum: Decimal) -> Decimal:
    """Points from 0 to `maximum`, at most 2 decimals ("8", "7,5", "7.25")."""
    value = _decimal(text, 2)
    if value is None:
        raise Refusal("points_invalid", max=maximum, retry=True)
    if value > maximum:
        raise Refusal("points_out_of_range", max=maximum, retry=True)
    return _plain(value)


def percent(text: str) -> Decimal:
    """A percentage from 0 to 100, with or without "%" ("80", "80 %", "87,5")."""
    raw = (text or "").strip()
    value = _decimal(raw.removesuffix("%").rstrip(), 2)
    if value is None or value > 100:
        raise Refusal("percent_invalid", retry=True)
    return _plain(value)


def weight(text: str, maximum: Decimal) -> Decimal:
    """A task's weight: above 0, at most `maximum`, at most 2 decimals ("1", "1,5", "0.25")."""
    value = _decimal(text, 2)
    if value is None or value <= 0 or value > maximum:
        raise Refusal("weight_invalid", retry=True)
    return _plain(value)


def _plain(value: Decimal) -> Decimal:
    """7.50 → 7.5, 8.0 → 8 (the value as the person wrote it, without trailing zeros)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def day(text: str, today: date) -> date:
    """A date typed dd/mm or dd/mm/yyyy (or dd/mm/yy; "." and "-" too); without a year, today's."""
    match = _DAY.fullmatch(text or "")
    if match is None:
        raise Refusal("date_format", text=shown(text), retry=True)
    year_text = match.group(3)
    year = today.year if year_text is None else int(year_text) + (2000 if len(year_text) == 2 else 0)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Refusal("date_year", text=shown(text), first=YEAR_MIN, last=YEAR_MAX, retry=True)
    try:
        return date(year, int(match.group(2)), int(match.group(1)))
    except ValueError as error:
        raise Refusal("date_nonexistent", text=shown(text), retry=True) from error


def day_range(text: str, today: date, *, single_day: bool, code: str) -> tuple[date, date]:
    """ "23/11 - 27/11" (also "–", "—", "đến", "to"); a lone date is that very day (`single_day`) or from today
    to it. An end without a year in an earlier month than the start is read in the next year (28/12 - 03/01);
    one in the same month stays as typed (27/11 - 21/11: the use case says the end is before the start).
    Refused with `code` (e.g. "absence_range_format") when it is not a range, with the date codes otherwise."""
    try:
        one = day(text, today)
    except Refusal as error:
        if error.code != "date_format":  # one date, but not a real day (31/02) or outside the years
            raise
    else:
        return (one, one) if single_day else (today, one)
    raw = clean_chars(text).strip()
    parts = _SEPARATOR.split(raw, maxsplit=1)
    if len(parts) != 2:
        tight = _TIGHT.fullmatch(raw)
        if tight is None:
            raise Refusal(code, text=shown(text), retry=True)
        parts = [tight.group(1), tight.group(2)]
    first, last = day(parts[0], today), day(parts[1], today)
    if last < first and last.month < first.month and _NO_YEAR.fullmatch(parts[1]):
        with contextlib.suppress(ValueError):  # 29/02 has no next year
            last = last.replace(year=last.year + 1)
    return first, last  # the use case decides whether the order and the length make sense


def text(value: str, limit: int, *, code: str) -> str:
    """Free text (a title, a reason, a note): control and format characters dropped, every kind of space
    collapsed to one, each line trimmed; refused when empty (`<code>_empty`) or longer than `limit`
    (`<code>_too_long`)."""
    lines = clean_chars((value or "").replace("\r\n", "\n")).split("\n")
    cleaned = "\n".join(re.sub(r"\s+", " ", line).strip() for line in lines).strip()  # any kind of space
    if not cleaned:
        raise Refusal(f"{code}_empty", retry=True)
    if len(cleaned) > limit:
        raise Refusal(f"{code}_too_long", limit=limit, length=len(cleaned), retry=True)
    return cleaned
