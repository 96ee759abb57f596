"""Dates of the cycle: weeks (Monday first), months and quarters, period keys, a period's timeline and the hours
the bot may speak on the working calendar, and the date grammar of what the bot writes and reads back: dd/mm
shown to people, yyyymmdd in callback data, ISO dates in outbox payloads."""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from danhgia.workflow.workdays import WorkCalendar


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


@dataclass(frozen=True)
class PeriodDates:
    """The dates of one period's timeline."""

    key: str
    label: str
    starts_on: date
    ends_on: date
    window_opens: date
    self_deadline: date
    review_deadline: date
    closing: date


def period_dates(
    span: PeriodSpan, calendar: WorkCalendar, window: int, self_deadline: int, review_deadline: int, closing: int
) -> PeriodDates:
    """A period's timeline: the self-assessment window opens on its `window`-th last working day; the deadlines
    and the closing are the n-th working days of the following month."""
    following = span.ends_on + timedelta(days=1)
    return PeriodDates(
        key=span.key,
        label=span.label(),
        starts_on=span.starts_on,
        ends_on=span.ends_on,
        window_opens=calendar.last_working_days(span.ends_on, window),
        self_deadline=calendar.nth_working_day(following, self_deadline),
        review_deadline=calendar.nth_working_day(following, review_deadline),
        closing=calendar.nth_working_day(following, closing),
    )


def week_days(day: date, calendar: WorkCalendar, checkin_weekday: int) -> tuple[date | None, date | None]:
    """The week's plan day (first working day from Monday) and check-in day (last working day up to the check-in
    weekday), None when the week has none."""
    monday, sunday = week_bounds(day)
    plan = calendar.next_working_day(monday)
    check = calendar.previous_working_day(monday + timedelta(days=checkin_weekday))
    return (plan if plan <= sunday else None), (check if check >= monday else None)


def quiet_at(clock_time: time, quiet_from: time, quiet_until: time) -> bool:
    """Inside the quiet hours (which may run overnight, 21:00–07:00 by default)."""
    if quiet_from > quiet_until:
        return clock_time >= quiet_from or clock_time < quiet_until
    return quiet_from <= clock_time < quiet_until


def next_allowed(local: datetime, calendar: WorkCalendar, quiet_from: time, quiet_until: time) -> datetime:
    """The first moment from `local` on that is on a working day and outside the (overnight) quiet hours."""
    day, clock_time = local.date(), local.time()
    if calendar.is_working_day(day):
        if quiet_until <= clock_time < quiet_from:
            return local
        if clock_time < quiet_until:
            return datetime.combine(day, quiet_until, local.tzinfo)
    return datetime.combine(calendar.next_working_day(day + timedelta(days=1)), quiet_until, local.tzinfo)


def fmt_day(day: date) -> str:
    """dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def fmt_short(day: date) -> str:
    """dd/mm."""
    return day.strftime("%d/%m")


def ymd(value: date) -> str:
    """A date in callback data: yyyymmdd."""
    return value.strftime("%Y%m%d")


def from_ymd(text: str) -> date | None:
    """A date from callback data (yyyymmdd), None when forged."""
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 and text.isdigit() else None
    except ValueError:
        return None


def payload_day(payload: Mapping[str, Any], key: str) -> date | None:
    """A date stored in an outbox payload (ISO, as `date.isoformat` writes it), None when missing or malformed."""
    try:
        return date.fromisoformat(str(payload[key]))
    except (KeyError, ValueError):
        return None
