"""The SQL of the Zalo channel: Zalo ids and their integers (`zalo_chat`), each chat's latest panel and message
counter (`zalo_panel`), and the Zalo events recorded in the inbox (`zalo_event`, deduped by Zalo's message id).

Safe with several transactions at once: an id is assigned by an insert that does nothing on a conflict and is then
read back (whoever inserted first wins, the others read their number); a message id is an atomic increment; the
update ids of events are allocated under a transaction-level lock (PostgreSQL: an advisory lock; SQLite: the write
lock its units of work take from their first statement).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from danhgia.storage.models import ZaloChat, ZaloEvent, ZaloPanel

EVENT_LOCK: Final = (0x64676961, 2)  # ('dgia', 2) in the two-int advisory key space: allocating Zalo update ids


class ZaloRepository:
    """Zalo ids, panels, message counters and recorded events, in one session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self, table: type[Any]) -> Any:
        """An INSERT of this dialect (for its ON CONFLICT clauses)."""
        if self.session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    # -- ids ---------------------------------------------------------------------------------------------

    def number_of(self, zalo_id: str) -> int | None:
        """The integer assigned to a Zalo id, or None."""
        found = self.session.execute(
            select(col(ZaloChat.number)).where(col(ZaloChat.zalo_id) == zalo_id)
        ).scalar_one_or_none()
        return None if found is None else int(found)

    def zalo_id_of(self, number: int) -> str | None:
        """The Zalo id an integer was assigned to, or None."""
        found = self.session.execute(
            select(col(ZaloChat.zalo_id)).where(col(ZaloChat.number) == number)
        ).scalar_one_or_none()
        return None if found is None else str(found)

    def assign(self, zalo_id: str, candidates: Iterable[int]) -> int:
        """The integer of a Zalo id: the one it has, or the first free candidate, inserted. Another transaction
        assigning the same id at the same time is waited for and its number read back."""
        found = self.number_of(zalo_id)
        if found is not None:
            return found
        for candidate in candidates:
            statement = self._insert(ZaloChat).values(number=candidate, zalo_id=zalo_id).on_conflict_do_nothing()
            if self.session.execute(statement.returning(col(ZaloChat.number))).first() is not None:
                return candidate
            found = self.number_of(zalo_id)  # the conflict was this id assigned meanwhile, or the number taken
            if found is not None:
                return found
        raise RuntimeError(f"no free number left among the candidates for Zalo id {zalo_id!r}")

    # -- panels and message ids ----------------------------------------------------------------------------

    def panel(self, chat: int) -> dict[str, Any] | None:
        """The latest panel recorded for a chat (as written), or None."""
        found = self.session.execute(select(col(ZaloPanel.panel)).where(col(ZaloPanel.chat) == chat)).first()
        return None if found is None or found[0] is None else dict(found[0])

    def put_panel(self, chat: int, panel: dict[str, Any]) -> None:
        """Record a chat's latest panel (its message counter untouched)."""
        insert = self._insert(ZaloPanel)
        statement = insert.values(chat=chat, panel=panel, last_message_id=0).on_conflict_do_update(
            index_elements=["chat"], set_={"panel": insert.excluded.panel}
        )
        self.session.execute(statement)

    def next_message_id(self, chat: int) -> int:
        """A new message id in a chat (1 first), in one atomic statement."""
        statement = (
            self._insert(ZaloPanel)
            .values(chat=chat, last_message_id=1)
            .on_conflict_do_update(
                index_elements=["chat"], set_={"last_message_id": col(ZaloPanel.last_message_id) + 1}
            )
            .returning(col(ZaloPanel.last_message_id))
        )
        return int(self.session.execute(statement).scalar_one())

    # -- events --------------------------------------------------------------------------------------------

    def lock_events(self) -> None:
        """Allocate update ids alone until the transaction ends (PostgreSQL; SQLite's writers take turns anyway)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": EVENT_LOCK[0], "b": EVENT_LOCK[1]})

    def next_update_id(self, base: int) -> int:
        """The update id of the next event: one more than the last recorded, or `base` for the first (hold
        `lock_events` so that no other transaction takes it too)."""
        last = self.session.execute(select(func.max(col(ZaloEvent.update_id)))).scalar_one_or_none()
        return base if last is None else max(int(last) + 1, base)

    def add_event(self, message_id: str, update_id: int, chat: int, now: datetime) -> bool:
        """Record an event under its update id; False when its message id was recorded before (nothing written)."""
        statement = (
            self._insert(ZaloEvent)
            .values(message_id=message_id, update_id=update_id, chat=chat, received_at=now)
            .on_conflict_do_nothing(index_elements=["message_id"])
            .returning(col(ZaloEvent.message_id))
        )
        return self.session.execute(statement).first() is not None

    def has_event(self, message_id: str) -> bool:
        """Whether an event with this message id was recorded."""
        found = self.session.execute(select(col(ZaloEvent.update_id)).where(col(ZaloEvent.message_id) == message_id))
        return found.first() is not None
