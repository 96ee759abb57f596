"""Dates of the cycle: weeks (Monday first), months and quarters, period keys, and dates typed as dd/mm."""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def friday_of(day: date) -> date:
    """The Friday of the week containing `day`."""
    return week_bounds(day)[0] + timedelta(days=4)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    return date(year, month, 1), date(year, month, _calendar.monthrange(year, month)[1])


def end_of_month(day: date) -> date:
    """The last day of the month containing `day`."""
    return month_bounds(day.year, day.month)[1]


def quarter_of(day: date) -> int:
    """1 to 4."""
    return (day.month - 1) // 3 + 1


@dataclass(frozen=True)
class PeriodSpan:
    """A period key ("2026-11" for a month, "2026-Q4" for a quarter) and its first and last day."""

    key: str
    starts_on: date
    ends_on: date

    @property
    def year(self) -> int:
        """The year of the period."""
        return self.starts_on.year

    @property
    def is_quarter(self) -> bool:
        """True for a quarterly period."""
        return "Q" in self.key

    def label(self) -> str:
        """ "11/2026" or "Quý IV/2026" (Vietnamese)."""
        if self.is_quarter:
            roman = ("I", "II", "III", "IV")[quarter_of(self.starts_on) - 1]
            return f"Quý {roman}/{self.year}"
        return f"{self.starts_on.month:02d}/{self.year}"

    def previous(self) -> PeriodSpan:
        """The period just before this one (same length)."""
        return span_of(self.starts_on - timedelta(days=1), quarterly=self.is_quarter)

    def next(self) -> PeriodSpan:
        """The period just after this one (same length)."""
        return span_of(self.ends_on + timedelta(days=1), quarterly=self.is_quarter)


def span_of(day: date, *, quarterly: bool = False) -> PeriodSpan:
    """The month (or quarter) containing `day`."""
    if quarterly:
        q = quarter_of(day)
        first = date(day.year, 3 * q - 2, 1)
        last = month_bounds(day.year, 3 * q)[1]
        return PeriodSpan(f"{day.year}-Q{q}", first, last)
    first, last = month_bounds(day.year, day.month)
    return PeriodSpan(f"{day.year}-{day.month:02d}", first, last)


def span_from_key(key: str) -> PeriodSpan:
    """The span of a key made by `span_of` (ValueError if malformed)."""
    match = re.fullmatch(r"(\d{4})-(?:Q([1-4])|(\d{2}))", key)
    if match is None:
        raise ValueError(f"not a period key: {key!r}")
    year = int(match.group(1))
    if match.group(2):
        return span_of(date(year, 3 * int(match.group(2)) - 2, 1), quarterly=True)
    month = int(match.group(3))
    if not 1 <= month <= 12:
        raise ValueError(f"not a period key: {key!r}")
    return span_of(date(year, month, 1))


def fmt_day(day: date) -> str:
    """dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def fmt_short(day: date) -> str:
    """dd/mm."""
    return day.strftime("%d/%m")
