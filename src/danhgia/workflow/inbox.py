"""The inbox: every update from the messaging platform is recorded (its id as the key) before it is
acknowledged, handled from the record, and marked done once handled. A crash loses nothing — what was recorded
and not handled is handled first on the next start — and an update delivered twice is handled once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from danhgia.storage.uow import Database
from danhgia.workflow.clock import Clock

KEEP = timedelta(days=7)
RECENT_EDITS = timedelta(days=2)  # handled updates are kept this long (to recognise redeliveries), then forgotten


@dataclass(frozen=True)
class Recorded:
    """An update waiting in the inbox."""

    update_id: int
    payload: dict[str, Any]
    attempts: int


class InboxService:
    """Records, hands out and closes the updates received."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record(self, update_id: int, payload: dict[str, Any], chat_key: int | None) -> bool:
        """Record an update before it is acknowledged; False when it was already recorded (a redelivery)."""
        with self.db.uow() as uow:
            new = uow.inbox.record(update_id, payload, chat_key, self.clock.now())
            uow.commit()
            return new

    def pending(self, limit: int = 10_000) -> list[Recorded]:
        """Recorded updates not yet handled, in the order they came."""
        with self.db.reader() as uow:
            return [Recorded(u.update_id, dict(u.payload), u.attempts) for u in uow.inbox.pending(limit)]

    def begin(self, update_id: int) -> None:
        """An attempt at handling an update starts."""
        with self.db.uow() as uow:
            uow.inbox.begin(update_id)
            uow.commit()

    def done(self, update_id: int, edits: list[list[Any]] | None = None) -> None:
        """The update was handled (its answer sent, or its failure answered), with the panels it edited."""
        with self.db.uow() as uow:
            uow.inbox.done(update_id, self.clock.now(), edits)
            uow.commit()

    def recent_edits(self) -> list[list[Any]]:
        """The panel edits made while handling the updates of the last two days, oldest first."""
        with self.db.reader() as uow:
            return uow.inbox.edits_since(self.clock.now() - RECENT_EDITS)

    def prune(self) -> int:
        """Forget updates handled more than a week ago."""
        with self.db.uow() as uow:
            removed = uow.inbox.prune(self.clock.now() - KEEP)
            uow.commit()
            return removed

    def counts(self) -> dict[str, int]:
        """How many updates are pending and done (operations)."""
        with self.db.reader() as uow:
            return uow.inbox.counts()
