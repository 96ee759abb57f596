"""The Telegram Stars ledger of paid broadcasts (the only SQL of it): a row per month with the tenths of a Star
reserved, and a row per outbox message sent as a paid broadcast while its answer is awaited. What a month spent is
what it reserved less what is still awaited: a message Telegram accepted only loses its row (the month's row, which
claims lock, is not touched), one refused or not sent gives its tenths back to the month.

A month's budget is never exceeded, even by several instances at once: a reservation locks the month's row
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite's units of work hold the write lock from their first statement) and
adds to it with an update that checks the budget in its own condition, so two transactions can never both take
the last tenths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from danhgia.storage.models import StarsMonth, StarsReservation


@dataclass(frozen=True)
class MonthStars:
    """A month's Stars in tenths: reserved (spent plus on their way) and spent; until when paying is paused."""

    month: str
    reserved: int
    spent: int
    paused_until: datetime | None


class StarsRepository:
    """Reservations of Stars for paid messages, per month, within a budget."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _ensure(self, month: str) -> None:
        """The month's row exists (created by whichever transaction comes first; the others do nothing)."""
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(StarsMonth).on_conflict_do_nothing(index_elements=["month"])
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(StarsMonth).on_conflict_do_nothing(index_elements=["month"])
        self.session.execute(statement.values(month=month, reserved=0))

    def month(self, month: str) -> MonthStars:
        """A month's Stars as they stand (zero for a month without any)."""
        row = self.session.execute(
            select(col(StarsMonth.reserved), col(StarsMonth.paused_until)).where(col(StarsMonth.month) == month)
        ).one_or_none()
        if row is None:
            return MonthStars(month, 0, 0, None)
        awaited = self.session.execute(
            select(func.coalesce(func.sum(col(StarsReservation.tenths)), 0)).where(col(StarsReservation.month) == month)
        ).scalar_one()
        return MonthStars(month, int(row[0]), int(row[0]) - int(awaited), row[1])

    def reserve(self, month: str, outbox_ids: Sequence[int], budget: int, now: datetime, tenths: int = 1) -> list[int]:
        """Reserve `tenths` for each message, first come first, as long as the month's reservations stay within
        `budget` (tenths); returns the messages reserved for (none while paying is paused). A message that still
        holds a reservation (its worker died with it on its way) is counted as spent first: Telegram may have
        charged for it."""
        if not outbox_ids or budget <= 0:
            return []
        self._ensure(month)
        self._spend_leftovers(outbox_ids)
        reserved, paused = self.session.execute(
            select(col(StarsMonth.reserved), col(StarsMonth.paused_until))
            .where(col(StarsMonth.month) == month)
            .with_for_update()
        ).one()
        if paused is not None and paused > now:
            return []
        count = min(len(outbox_ids), (budget - int(reserved)) // tenths)
        if count <= 0:
            return []
        added = tenths * count
        result = self.session.execute(
            update(StarsMonth)
            .where(col(StarsMonth.month) == month, col(StarsMonth.reserved) + added <= budget)
            .values(reserved=col(StarsMonth.reserved) + added)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return []
        chosen = list(outbox_ids[:count])
        self.session.add_all(
            [StarsReservation(outbox_id=i, month=month, tenths=tenths, reserved_at=now) for i in chosen]
        )
        self.session.flush()
        return chosen

    def _spend_leftovers(self, outbox_ids: Sequence[int]) -> None:
        left = list(
            self.session.execute(
                select(
                    col(StarsReservation.outbox_id), col(StarsReservation.month), col(StarsReservation.tenths)
                ).where(col(StarsReservation.outbox_id).in_(list(outbox_ids)))
            )
        )
        for outbox_id, month, tenths in left:
            self._close(int(outbox_id), str(month), int(tenths), spent=True)

    def settle(self, outbox_id: int, spent: bool) -> bool:
        """A paid message's answer: its reservation becomes spent (`spent`: Telegram accepted it, or may have) or
        is given back to its month; False when the message held no reservation."""
        row = self.session.execute(
            select(col(StarsReservation.month), col(StarsReservation.tenths)).where(
                col(StarsReservation.outbox_id) == outbox_id
            )
        ).one_or_none()
        if row is None:
            return False
        self._close(outbox_id, str(row[0]), int(row[1]), spent)
        return True

    def _close(self, outbox_id: int, month: str, tenths: int, spent: bool) -> None:
        gone = self.session.execute(delete(StarsReservation).where(col(StarsReservation.outbox_id) == outbox_id))
        if gone.rowcount != 1 or spent:  # type: ignore[attr-defined]
            return  # settled meanwhile by another transaction; or spent: reserved for good
        self.session.execute(
            update(StarsMonth).where(col(StarsMonth.month) == month).values(reserved=col(StarsMonth.reserved) - tenths)
        )

    def pause(self, month: str, until: datetime) -> None:
        """Pay for nothing more this month until `until` (the bot's balance was found short)."""
        self._ensure(month)
        self.session.execute(update(StarsMonth).where(col(StarsMonth.month) == month).values(paused_until=until))

    def holding(self) -> int:
        """Messages holding a reservation now (tests, operations)."""
        return int(self.session.execute(select(func.count()).select_from(StarsReservation)).scalar_one())
