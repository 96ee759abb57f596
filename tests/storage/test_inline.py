"""Short calls on the event loop's own thread: they never wait for SQLite's write lock, and never run twice
after saving something."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import make_url

from danhgia.handlers.context import run_quick, use_database
from danhgia.storage.db import WouldBlock
from danhgia.storage.models import Unit
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.services import Services
from tests.conftest import make_services


@contextmanager
def write_lock_held(database_url: str) -> Iterator[sqlite3.Connection]:
    """Another program (an HR import, say) holding SQLite's write lock."""
    holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


def unit_codes(services: Services) -> set[str]:
    with services.db.reader() as uow:
        return {unit.code for unit in uow.units.all()}


def add_unit(services: Services, code: str) -> None:
    with services.db.uow() as uow:
        uow.session.add(Unit(code=code, name=f"Phòng {code}"))
        uow.commit()


def test_inline_runs_only_on_an_sqlite_file(services: Services, database_url: str) -> None:
    assert services.db.runs_inline == database_url.startswith("sqlite")


@pytest.fixture
def on_sqlite(sqlite_url: str, clock: ManualClock) -> Iterator[Services]:
    """Workflow services over a fresh SQLite file."""
    built = make_services(sqlite_url, clock)
    yield built
    built.db.dispose()


def test_an_inline_write_gives_up_at_once_while_another_program_writes_and_saves_nothing(
    on_sqlite: Services, sqlite_url: str
) -> None:
    with write_lock_held(sqlite_url), on_sqlite.db.inline(), pytest.raises(WouldBlock):
        add_unit(on_sqlite, "P1")
    assert "P1" not in unit_codes(on_sqlite)
    with on_sqlite.db.inline():  # the lock is free again: the same call goes through, on a healthy connection
        add_unit(on_sqlite, "P1")
        assert "P1" in unit_codes(on_sqlite)  # reading inline never waits either


def test_reading_inline_goes_on_while_another_program_writes(on_sqlite: Services, sqlite_url: str) -> None:
    add_unit(on_sqlite, "P1")
    with write_lock_held(sqlite_url) as holder:
        holder.execute(
            "INSERT INTO unit (code, name, created_at, updated_at) "
            "VALUES ('P2', 'Phòng P2', '2026-11-20', '2026-11-20')"
        )
        with on_sqlite.db.inline():
            assert "P1" in unit_codes(on_sqlite) and "P2" not in unit_codes(on_sqlite)  # the last saved state


def test_after_saving_once_a_call_waits_for_the_lock_instead_of_giving_up(on_sqlite: Services, sqlite_url: str) -> None:
    """Running the call again would save its first part twice, so its later writes wait their turn."""
    with on_sqlite.db.inline():
        add_unit(on_sqlite, "P1")
        with write_lock_held(sqlite_url) as holder:
            release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
            release.start()
            add_unit(on_sqlite, "P2")  # waits for the other program, then saves
            release.join()
    assert {"P1", "P2"} <= unit_codes(on_sqlite)


def test_an_inline_write_is_flushed_to_disk_when_the_block_ends_unless_the_caller_does_it(
    on_sqlite: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its commit does not wait for the disk (that would hold the event loop); the log is flushed after it."""
    flushed: list[str] = []
    monkeypatch.setattr("danhgia.storage.uow.flush_log", flushed.append)
    with on_sqlite.db.inline():
        unit_codes(on_sqlite)  # reading saves nothing: nothing to flush
    assert flushed == []
    with on_sqlite.db.inline():
        add_unit(on_sqlite, "P1")
    assert len(flushed) == 1 and flushed[0].endswith(".db")
    with on_sqlite.db.inline(flush=False) as call:
        add_unit(on_sqlite, "P2")
    assert call.saved and len(flushed) == 1
    on_sqlite.db.flush_log()
    assert len(flushed) == 2


async def test_run_quick_flushes_what_an_inline_call_saved_before_returning(
    on_sqlite: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    flushed: list[str] = []
    monkeypatch.setattr("danhgia.storage.uow.flush_log", flushed.append)
    use_database(on_sqlite.db)
    try:
        await run_quick(unit_codes, on_sqlite)
        assert flushed == []
        await run_quick(add_unit, on_sqlite, "P1")
        assert len(flushed) == 1
    finally:
        use_database(None)
