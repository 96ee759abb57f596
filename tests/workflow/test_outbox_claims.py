"""A claim belongs to a worker: when the worker is gone (killed on this machine, or silent past its lease on
another), its claims are taken over at once — not after a timeout; a live worker's claims are left alone; a 429
holds that person's messages only, without counting an attempt; the summary for operations."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from danhgia.storage.models import Outbox, Worker
from danhgia.storage.types import utcnow
from danhgia.workflow.common import Actor
from danhgia.workflow.outbox import LEASE, OutboxService, queue
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from tests.conftest import ROSTER_ROWS, write_roster


@pytest.fixture
def people(services: Services, tmp_path: Path) -> list[int]:
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    with services.db.uow() as uow:
        return [p.id or 0 for p in uow.people.all()]


def owe(services: Services, people: list[int], n: int) -> None:
    with services.db.uow() as uow:
        for i in range(n):
            queue(uow, "unreachable", people[i % len(people)], {"person_id": people[0]}, services.clock.now())
        uow.commit()


def register(services: Services, worker: str, pid: int, host: str, beat_ago: timedelta = timedelta(0)) -> None:
    with services.db.uow() as uow:
        now = utcnow()
        uow.workers.put(Worker(id=worker, host=host, pid=pid, started_at=now, heartbeat_at=now - beat_ago))
        uow.commit()


def claimed_by(services: Services, worker: str) -> None:
    """Every waiting message claimed by another worker."""
    with services.db.uow() as uow:
        uow.session.execute(update(Outbox).values(status="sending", claimed_by=worker, claimed_at=services.clock.now()))
        uow.commit()


def test_the_claims_of_a_killed_process_are_taken_over_at_once(services: Services, people: list[int]) -> None:
    import socket

    owe(services, people, 5)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    register(services, "dead", int(dead.stdout), socket.gethostname())
    claimed_by(services, "dead")
    taker = OutboxService(services.db, services.clock)
    assert len(taker.claim_due(50)) == 5  # no five-minute wait: that process is gone
    with services.db.uow() as uow:
        assert {w.id for w in uow.workers.all()} == set()


def test_a_live_workers_claims_are_left_alone_and_a_silent_one_loses_them_after_its_lease(
    services: Services, people: list[int]
) -> None:
    import os
    import socket

    owe(services, people, 3)
    register(services, "alive", os.getpid(), socket.gethostname())
    claimed_by(services, "alive")
    taker = OutboxService(services.db, services.clock)
    assert taker.claim_due(50) == []
    # A worker on another machine: its heartbeat decides.
    register(services, "far", 1, "another-host", beat_ago=timedelta(seconds=5))
    claimed_by(services, "far")
    assert taker.claim_due(50) == []
    register(services, "far", 1, "another-host", beat_ago=LEASE + timedelta(seconds=1))
    assert len(taker.claim_due(50)) == 3


def test_a_stopping_process_gives_its_claims_back(services: Services, people: list[int]) -> None:
    owe(services, people, 2)
    mine = services.outbox
    mine.heartbeat()
    assert len(mine.claim_due(50)) == 2
    mine.retire()
    other = OutboxService(services.db, services.clock)
    assert len(other.claim_due(50)) == 2


def test_a_429_holds_that_persons_messages_only_and_counts_no_attempt(services: Services, people: list[int]) -> None:
    owe(services, people[:2], 4)  # two messages for each of two people
    items = services.outbox.claim_due(1)
    services.outbox.back_off(items[0].id, items[0].person_id, timedelta(seconds=30))
    due = services.outbox.claim_due(50)
    assert {i.person_id for i in due} == {people[1]}  # the other person's go; hers wait
    with services.db.uow() as uow:
        held = [m for m in uow.outbox.of_kind("unreachable") if m.person_id == people[0]]
    assert all(m.attempts == 0 and m.status == "pending" for m in held)
    services.clock.advance(timedelta(seconds=31))  # type: ignore[attr-defined]
    assert {i.person_id for i in services.outbox.claim_due(50)} == {people[0]}


def test_the_summary_for_operations(services: Services, people: list[int]) -> None:
    owe(services, people, 3)
    item = services.outbox.claim_due(1)[0]
    for _ in range(8):
        services.outbox.failed(item.id, "network: boom", timedelta(0))
        services.outbox.claim_due(50)
    summary = services.outbox.summary()
    statuses = {(status, kind): count for status, kind, count, _ in summary.rows}
    assert statuses[("failed", "unreachable")] == 1
    assert summary.failures[0][3] == "network: boom"
