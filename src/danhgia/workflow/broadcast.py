"""Telegram's sending ceiling, planned for: a reminder batch to N people takes N / `SEND_RATE` seconds to send, so it
starts that much before its time (never inside quiet hours) and the last message goes out by the configured time;
within what is due together, the people whose deadline is nearest come first. HR's digest says when the day's last
reminder went out (`status`).

With paid broadcasts on (workflow/paid.py), the part of the day's batches the month's Stars budget still covers goes
at `PAID_SEND_RATE`, the rest at `SEND_RATE`: the lead time counts each part at its own rate.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from danhgia.storage.uow import UnitOfWork


class Sendable(Protocol):
    """What planning needs of a reminder (`reminders.Planned`, a frozen dataclass)."""

    @property
    def kind(self) -> str: ...
    @property
    def person_id(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def batch(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


P = TypeVar("P", bound=Sendable)

#: Messages a second planned for reminders: Telegram's 30 a second for a bot, less room for people's own traffic
#: (answers to what they tap) while a batch goes out.
SEND_RATE = 25
#: Messages a second planned for paid broadcasts: Telegram allows 1 000, but the notifier's parallel requests and
#: their round trips (not Telegram) are the limit, so a quarter of that is planned for.
PAID_SEND_RATE = 250
#: Kinds sent to many people at once whose sending time is planned.
BROADCAST_KINDS = ("remind_plan", "remind_checkin", "remind_self", "remind_rating", "remind_review")
_FAR = "9999-12-31"


def sending_time(count: int, rate: int = SEND_RATE) -> timedelta:
    """How long `count` messages take at `rate` a second (whole seconds, rounded up)."""
    return timedelta(seconds=math.ceil(count / rate))


def lead_time(count: int, paid: int = 0) -> timedelta:
    """How much earlier a batch of `count` starts (`paid` of them as paid broadcasts): its sending time in whole
    minutes (the reminder tick's step), none for a batch sent within a minute."""
    paid = max(0, min(paid, count))
    took = sending_time(count - paid) + (sending_time(paid, PAID_SEND_RATE) if paid else timedelta(0))
    return timedelta(minutes=took // timedelta(minutes=1))


def spread(planned: Sequence[P], earliest: Callable[[date], datetime], paid_room: int = 0) -> list[P]:
    """The reminders of a day with each broadcast batch moved earlier by its `lead_time` (not before `earliest` of
    its day: the end of the quiet hours), the nearest deadline first (then the earliest time, then the kind).
    `paid_room`: how many messages the month's Stars budget still covers, given to the earliest batches first."""
    batches: dict[str, list[P]] = defaultdict(list)
    for item in planned:
        batches[item.batch].append(item)
    moved: list[P] = []
    for items in sorted(batches.values(), key=lambda found: (found[0].at, found[0].batch)):
        if items[0].kind not in BROADCAST_KINDS:
            moved += items
            continue
        at, paid = items[0].at, min(len(items), paid_room)
        paid_room -= paid
        start = max(at - lead_time(len(items), paid), min(earliest(at.date()), at))
        moved += [replace(item, at=start) for item in items]  # type: ignore[type-var]
    return sorted(moved, key=lambda p: (str(p.payload.get("deadline") or _FAR), p.at, p.kind, p.person_id))


@dataclass(frozen=True)
class BroadcastStatus:
    """The reminders queued for a day: how many, how many went out, the time the last went out (None while none)."""

    queued: int
    sent: int
    last_sent_at: datetime | None

    @property
    def done(self) -> bool:
        """Every reminder of the day went out."""
        return self.queued > 0 and self.sent == self.queued


def status(uow: UnitOfWork, first: datetime, last: datetime) -> BroadcastStatus:
    """The broadcast reminders queued between two moments (a day), and when the last of them was sent."""
    queued, sent, last_sent = uow.outbox.counts_between(BROADCAST_KINDS, first, last)
    return BroadcastStatus(queued, sent, last_sent)
