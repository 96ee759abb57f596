"""Paid broadcasts: reminders sent with Telegram's `allow_paid_broadcast` (up to 1 000 messages a second instead of
30, for 0,1 Telegram Star a message taken from the bot's balance), within a monthly budget of Stars that is never
exceeded (`PAID_BROADCAST_STARS_PER_MONTH`; 0: off).

The months are the organisation's (its time zone, the workflow's clock). Every message sent with the flag is
counted at 0,1 Star — conservatively, whether or not Telegram charged for it. Stars are reserved in the same
transaction that claims the messages for sending (storage/stars.py: never more than the budget, whatever the number
of instances), and the reservation is settled with the message: spent when Telegram accepted it (or may have: an
answer lost on the way), given back when it was refused or never sent. Only the reminders sent to many people at
once (`PAID_KINDS`) are paid for, and only while the month's budget has room; the others go free, at the usual
rate. When Telegram finds the bot's balance short, paying pauses for `PAUSE_WHEN_SHORT` and the message goes free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from danhgia.storage.stars import StarsRepository
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.broadcast import BROADCAST_KINDS
from danhgia.workflow.clock import Clock

#: The kinds sent as paid broadcasts (while the budget has room): the reminders that go to many people at once.
PAID_KINDS = frozenset(BROADCAST_KINDS)
#: What one paid message costs, in tenths of a Star (Telegram: 0,1 Star a message).
TENTHS_PER_MESSAGE = 1
#: How long nothing is paid for once Telegram said the bot's balance was short.
PAUSE_WHEN_SHORT = timedelta(hours=1)


@dataclass(frozen=True)
class StarsSpent:
    """A month's paid broadcasts: Stars spent (and reserved, spent plus on their way) out of the budget, in tenths."""

    month: str
    spent: int
    reserved: int
    budget: int

    @property
    def spent_stars(self) -> Decimal:
        """The Stars spent (0,1 a message)."""
        return Decimal(self.spent) / 10

    @property
    def budget_stars(self) -> Decimal:
        """The month's budget in Stars."""
        return Decimal(self.budget) / 10


class PaidBroadcasts:
    """The monthly Stars budget of paid reminders: reserves, settles, and tells what was spent."""

    def __init__(self, db: Database, clock: Clock, tz: tzinfo, stars_per_month: int = 0) -> None:
        if stars_per_month < 0:
            raise ValueError("the monthly Stars budget cannot be negative")
        self.db = db
        self.clock = clock
        self.tz = tz
        self.budget = stars_per_month * 10  # tenths of a Star

    @property
    def on(self) -> bool:
        """Whether reminders may be sent as paid broadcasts at all."""
        return self.budget > 0

    def month(self, now: datetime | None = None) -> str:
        """The organisation's month of a moment (now by default), as "2026-12"."""
        return (now or self.clock.now()).astimezone(self.tz).strftime("%Y-%m")

    def reserve(self, uow: UnitOfWork, messages: Sequence[tuple[int, str]], now: datetime) -> set[int]:
        """Inside the transaction that claims them: reserve the Stars of the claimed messages (id, kind) that may go
        as paid broadcasts, as far as the month's budget allows; returns the ids to send with the flag."""
        if not self.on:
            return set()
        eligible = [message_id for message_id, kind in messages if kind in PAID_KINDS]
        chosen = StarsRepository(uow.session).reserve(self.month(now), eligible, self.budget, now, TENTHS_PER_MESSAGE)
        return set(chosen)

    def settle(self, uow: UnitOfWork, message_id: int, spent: bool) -> None:
        """Inside the transaction that records a message's fate: its reservation (if any) becomes spent or is given
        back."""
        if self.on:
            StarsRepository(uow.session).settle(message_id, spent)

    def balance_short(self, message_id: int) -> None:
        """Telegram refused a paid message for the bot's balance: its reservation is given back and nothing more is
        paid for during `PAUSE_WHEN_SHORT`."""
        now = self.clock.now()
        with self.db.uow() as uow:
            stars = StarsRepository(uow.session)
            stars.settle(message_id, spent=False)
            stars.pause(self.month(now), now + PAUSE_WHEN_SHORT)
            uow.commit()

    def room(self, uow: UnitOfWork, now: datetime | None = None) -> int:
        """How many more messages this month's budget covers (0 when off or paused)."""
        if not self.on:
            return 0
        now = now or self.clock.now()
        month = StarsRepository(uow.session).month(self.month(now))
        if month.paused_until is not None and month.paused_until > now:
            return 0
        return max(0, self.budget - month.reserved) // TENTHS_PER_MESSAGE

    def spent(self, now: datetime | None = None) -> StarsSpent:
        """This month's (or the month of `now`'s) Stars spent and reserved, and the budget."""
        month = self.month(now)
        with self.db.reader() as uow:
            found = StarsRepository(uow.session).month(month)
        return StarsSpent(month, found.spent, found.reserved, self.budget)
