"""Tests of the official paperwork (danhgia.reports)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import time_machine

# Two moments far apart (another day, another zip time step): a document built at each must be the same bytes.
MOMENTS = (datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC), datetime(2027, 3, 2, 17, 31, 7, tzinfo=UTC))


def built_twice(build: Callable[[], bytes]) -> tuple[bytes, bytes]:
    """The same document built with the clock at two different moments (no sleeping: time-machine moves it)."""
    built = []
    for moment in MOMENTS:
        with time_machine.travel(moment, tick=False):
            built.append(build())
    return built[0], built[1]
