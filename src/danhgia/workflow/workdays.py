"""Working days in Vietnam: weekends, public holidays and Tết from the `holidays` package (VN, with its
substituted days off and make-up working Saturdays), plus the days off and make-up working days that HR
adds. A deadline that falls on a day off moves to the next working day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _national(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=[year], language="vi")


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are worked; `overrides` (HR's entries) win over the national calendar."""

    overrides: Mapping[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        """True on a working day."""
        if day in self.overrides:
            return self.overrides[day]
        return bool(_national(day.year).is_working_day(day))

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on this day (Vietnamese name), if any."""
        name = _national(day.year).get(day)
        return str(name) if name else None

    def next_working_day(self, day: date) -> date:
        """The day itself if it is worked, else the next working day."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """The day itself if it is worked, else the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """`count` working days after `day` (before it when negative); 0 gives the day's next working day."""
        if count == 0:
            return self.next_working_day(day)
        step = timedelta(days=1 if count > 0 else -1)
        left = abs(count)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def nth_working_day(self, first: date, n: int) -> date:
        """The n-th working day (1-based) from `first` on (counting `first` if it is worked)."""
        day = first - timedelta(days=1)
        return self.add_working_days(day, n)

    def last_working_days(self, last: date, n: int) -> date:
        """The first of the last `n` working days up to `last` (the start of a month-end window)."""
        day = self.previous_working_day(last)
        return self.add_working_days(day, -(n - 1)) if n > 1 else day

    def working_days_between(self, first: date, last: date) -> int:
        """Working days from `first` to `last`, both included."""
        count = 0
        day = first
        while day <= last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count
