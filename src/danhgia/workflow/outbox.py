"""The outbox: messages to people are queued in the same transaction as the change they announce, then
delivered by a worker (handlers/notifier.py) with retries, so a crash or a network error loses none."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from danhgia.storage.models import Outbox
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.clock import Clock

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=5)
_queued = threading.Event()  # set when this process queued something since the last delivery round


def queued_since_last_round() -> bool:
    """Whether this process queued a message since the flag was last cleared (and clear it)."""
    was = _queued.is_set()
    _queued.clear()
    return was


def queue(
    uow: UnitOfWork,
    kind: str,
    person_id: int,
    payload: dict[str, Any],
    now: datetime,
    *,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue a message inside the caller's unit of work; False when `dedupe_key` was already used."""
    _queued.set()
    message = Outbox(
        kind=kind,
        person_id=person_id,
        payload=payload,
        dedupe_key=dedupe_key,
        created_at=now,
        next_attempt_at=not_before or now,
    )
    if dedupe_key is None:
        uow.outbox.add(message)
        return True
    if uow.outbox.exists(dedupe_key):
        return False
    try:
        with uow.session.begin_nested():
            uow.outbox.add(message)
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class OutboxItem:
    """A claimed message: what to send, to whom (chat None when the person has no linked account)."""

    id: int
    kind: str
    person_id: int
    payload: dict[str, Any]
    chat_id: int | None
    language: str
    attempts: int


class OutboxService:
    """Claims due messages for a delivery worker and records what happened to them."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def claim_due(self, limit: int = 50) -> list[OutboxItem]:
        """Take up to `limit` due messages; each is claimed by exactly one worker."""
        now = self.clock.now()
        with self.db.uow() as uow:
            candidates = uow.outbox.due(now, now - STALE_CLAIM, limit)
            claimed = [m for m in candidates if m.id is not None and uow.outbox.claim(m.id, m.status, now)]
            links = uow.links.chats_of({m.person_id for m in claimed})
            languages = {
                m.person_id: person.language for m in claimed if (person := uow.people.get(m.person_id)) is not None
            }
            uow.commit()
        items = []
        for message in claimed:
            assert message.id is not None
            link = links.get(message.person_id)
            items.append(
                OutboxItem(
                    message.id,
                    message.kind,
                    message.person_id,
                    dict(message.payload),
                    link.chat_id if link else None,
                    languages.get(message.person_id, "vi"),
                    message.attempts,
                )
            )
        return items

    def delivered(self, item_id: int) -> None:
        """The message reached Telegram."""
        self._finish(item_id, "sent", None, None)

    def skipped(self, item_id: int, reason: str) -> None:
        """The message cannot be delivered and must not be retried (no account, blocked, obsolete)."""
        self._finish(item_id, "skipped", reason, None)

    def postpone(self, item_id: int, until: datetime) -> None:
        """Hold a message until a later moment (quiet hours, a day off) without counting an attempt."""
        with self.db.uow() as uow:
            uow.outbox.postpone(item_id, until)
            uow.commit()

    def failed(self, item_id: int, error: str, retry_in: timedelta | None = None) -> None:
        """A passing failure: try again after `retry_in` (exponential backoff by default)."""
        self._finish(item_id, "pending", error, retry_in)

    def _finish(self, item_id: int, status: str, error: str | None, retry_in: timedelta | None) -> None:
        now = self.clock.now()
        with self.db.uow() as uow:
            message = uow.outbox.get(item_id)
            if message is None:
                return
            message.claimed_at = None
            message.last_error = error[:500] if error else None
            if status == "pending":
                message.attempts += 1
                if message.attempts >= MAX_ATTEMPTS:
                    status = "failed"
                delay = retry_in if retry_in is not None else timedelta(seconds=min(600, 2**message.attempts))
                message.next_attempt_at = now + delay
            elif status == "sent":
                message.sent_at = now
            message.status = status
            uow.session.add(message)
            uow.commit()

    def pending_count(self) -> int:
        """Messages not yet delivered (tests, health)."""
        now = self.clock.now()
        with self.db.uow() as uow:
            return len(uow.outbox.due(now + timedelta(days=3650), now + timedelta(days=3650), 10_000))
