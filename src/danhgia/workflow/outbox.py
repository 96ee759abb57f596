"""The outbox: messages to people are queued in the same transaction as the change they announce, then
delivered by a worker (handlers/notifier.py) with retries, so a crash or a network error loses none.

A claim belongs to the worker (the process) that made it: each process registers itself with its host, its
process id and a heartbeat. When it is gone — killed on this machine (its process id no longer runs), or silent
past the lease on another — its claims are taken over at the next delivery round, not after a timeout; a message
marked sent right after Telegram answered is never sent again, so only a send in flight at the kill may
repeat.

Reminders sent to many people at once may go as paid broadcasts (workflow/paid.py): the Stars of a claimed message
are reserved in the transaction that claims it, and settled in the one that records its fate.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from danhgia.storage.models import Outbox, Worker
from danhgia.storage.types import utcnow
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.clock import Clock
from danhgia.workflow.paid import PaidBroadcasts

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=5)  # a claim made by no known worker (before workers were registered)
LEASE = timedelta(seconds=30)  # a worker silent this long (on another machine) is gone
HEARTBEAT_SECONDS = 5.0
_queued = threading.Event()  # set when this process queued something since the last delivery round


def note_queued() -> None:
    """Say that this process queued messages (rows added in bulk): the next delivery round looks at once."""
    _queued.set()


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


def queue_many(uow: UnitOfWork, messages: Sequence[tuple[str, int, dict[str, Any], str]], now: datetime) -> int:
    """Queue many messages at once (kind, person id, payload, dedupe key), skipping the keys already used; returns
    how many were queued."""
    rows = [
        {
            "kind": kind,
            "person_id": person_id,
            "payload": payload,
            "dedupe_key": key,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for kind, person_id, payload, key in messages
    ]
    added = uow.outbox.add_many(rows)
    if added:
        _queued.set()
    return added


@dataclass(frozen=True)
class OutboxSummary:
    """The outbox for operations: (status, kind, count, oldest created) rows, and the latest given up."""

    rows: tuple[tuple[str, str, int, datetime | None], ...]
    failures: tuple[tuple[str, int, int, str, datetime], ...]


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
    paid: bool = False  # send as a paid broadcast (its Stars are reserved)


def _alive_here(pid: int) -> bool:
    """Whether a process of this machine still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


class OutboxService:
    """Claims due messages for a delivery worker and records what happened to them."""

    def __init__(self, db: Database, clock: Clock, paid: PaidBroadcasts | None = None) -> None:
        self.db = db
        self.clock = clock
        self.paid = paid if paid is not None else PaidBroadcasts(db, clock, UTC)
        self.worker_id = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def heartbeat(self) -> None:
        """This process is alive (called every few seconds while it runs)."""
        now = utcnow()  # the machine's time: leases are about processes, not about the evaluation's calendar
        with self.db.uow() as uow:
            known = uow.workers.get(self.worker_id)
            started = known.started_at if known is not None else now
            uow.workers.put(
                Worker(
                    id=self.worker_id,
                    host=socket.gethostname()[:255],
                    pid=os.getpid(),
                    started_at=started,
                    heartbeat_at=now,
                )
            )
            uow.commit()

    def retire(self) -> None:
        """This process stops: its claims go back to the queue at once and it leaves the registry."""
        with self.db.uow() as uow:
            uow.outbox.release(self.worker_id)
            uow.workers.remove([self.worker_id])
            uow.commit()

    def gone(self, uow: UnitOfWork) -> list[str]:
        """Workers holding claims that are no longer alive: unknown, dead on this machine, or past their lease."""
        now, host = utcnow(), socket.gethostname()[:255]
        workers = {w.id: w for w in uow.workers.all()}
        lost = []
        for claimant in uow.outbox.claimants():
            if claimant == self.worker_id:
                continue
            worker = workers.get(claimant)
            if (
                worker is None
                or now - worker.heartbeat_at > LEASE
                or (worker.host == host and not _alive_here(worker.pid))
            ):
                lost.append(claimant)
        return lost

    def claim_due(self, limit: int = 50) -> list[OutboxItem]:
        """Take up to `limit` due messages (and those claimed by workers that are gone); each is claimed by
        exactly one worker. The Stars of those that go as paid broadcasts are reserved in the same transaction."""
        now = self.clock.now()
        with self.db.uow() as uow:
            lost = self.gone(uow)
            candidates = uow.outbox.due(now, lost, now - STALE_CLAIM, limit)
            claimed = [
                m for m in candidates if m.id is not None and uow.outbox.claim(m.id, m.status, now, self.worker_id)
            ]
            paid = self.paid.reserve(uow, [(m.id or 0, m.kind) for m in claimed], now)
            if lost:
                uow.workers.remove([w for w in lost if w not in uow.outbox.claimants()])
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
                    message.id in paid,
                )
            )
        return items

    def delivered(self, item_id: int) -> None:
        """The message reached Telegram (a paid one's Stars are spent)."""
        self._finish(item_id, "sent", None, None, charged=True)

    def skipped(self, item_id: int, reason: str) -> None:
        """The message cannot be delivered and must not be retried (no account, blocked, obsolete)."""
        self._finish(item_id, "skipped", reason, None)

    def postpone(self, item_id: int, until: datetime) -> None:
        """Hold a message until a later moment (quiet hours, a day off) without counting an attempt."""
        with self.db.uow() as uow:
            uow.outbox.postpone(item_id, until)
            self.paid.settle(uow, item_id, spent=False)
            uow.commit()

    def failed(self, item_id: int, error: str, retry_in: timedelta | None = None, *, charged: bool = False) -> None:
        """A passing failure: try again after `retry_in` (exponential backoff by default). `charged`: Telegram may
        have accepted it (its answer was lost), so a paid message's Stars count as spent."""
        self._finish(item_id, "pending", error, retry_in, charged=charged)

    def balance_short(self, item_id: int) -> None:
        """Telegram refused to send a paid message for the bot's balance of Stars: its reservation is given back,
        paying pauses (workflow/paid.py), and the message goes again at once, free."""
        self.paid.balance_short(item_id)
        self.postpone(item_id, self.clock.now())

    def back_off(self, item_id: int, person_id: int, wait: timedelta) -> None:
        """Telegram asked to wait before writing to this person's chat again (a 429 for that chat): this message
        and every other one waiting for them are held that long, without counting an attempt; nobody else's
        messages wait."""
        until = self.clock.now() + wait
        with self.db.uow() as uow:
            uow.outbox.postpone(item_id, until)
            uow.outbox.back_off(person_id, until)
            self.paid.settle(uow, item_id, spent=False)
            uow.commit()

    def summary(self) -> OutboxSummary:
        """What is waiting, being sent, sent, skipped and given up — per kind, with the oldest waiting."""
        with self.db.reader() as uow:
            rows = uow.outbox.summary()
            failures = [
                (m.kind, m.person_id, m.attempts, m.last_error or "", m.created_at) for m in uow.outbox.failures(10)
            ]
        return OutboxSummary(tuple(rows), tuple(failures))

    def _finish(
        self, item_id: int, status: str, error: str | None, retry_in: timedelta | None, *, charged: bool = False
    ) -> None:
        now = self.clock.now()
        with self.db.uow() as uow:
            message = uow.outbox.get(item_id)
            if message is None:
                return
            self.paid.settle(uow, item_id, spent=charged)
            message.claimed_at = None
            message.claimed_by = None
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
            far = now + timedelta(days=3650)
            return len(uow.outbox.due(far, uow.outbox.claimants(), far, 10_000))
