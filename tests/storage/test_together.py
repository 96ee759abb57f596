"""A hot path's few short calls share one transaction (`Database.together`): the readers always, a writer only when
asked, and only until its unit ends; a failure rolls back what was not committed, and what follows gets units of
its own. Inline (on the event loop), a shared writer still never waits for SQLite's write lock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from danhgia.storage.db import WouldBlock
from danhgia.storage.models import Unit
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.services import Services
from tests.conftest import make_services
from tests.storage.test_inline import unit_codes, write_lock_held


@pytest.fixture
def on_sqlite(sqlite_url: str, clock: ManualClock) -> Iterator[Services]:
    """Workflow services over a fresh SQLite file."""
    built = make_services(sqlite_url, clock)
    yield built
    built.db.dispose()


def test_readers_share_one_session_and_a_writer_makes_its_own_unless_asked(services: Services) -> None:
    db = services.db
    with db.together():
        with db.reader() as first, db.reader() as second:
            assert first.session is second.session
        with db.uow() as writer:
            assert writer.session is not first.session
    with db.together(write=True):
        with db.reader() as reader, db.uow() as writer:
            assert writer.session is reader.session
        with db.reader() as after:  # the writer's unit ended the sharing
            assert after.session is not reader.session


def test_a_shared_writer_saves_on_commit_and_a_failed_one_saves_nothing(services: Services) -> None:
    db = services.db
    with db.together(write=True):
        assert "P1" not in {unit.code for unit in _units(services)}
        with db.uow() as uow:
            uow.session.add(Unit(code="P1", name="Phòng P1"))
            uow.commit()
    assert "P1" in unit_codes(services)

    def refused() -> None:
        with db.together(write=True):
            _units(services)
            with db.uow() as uow:
                uow.session.add(Unit(code="P2", name="Phòng P2"))
                uow.session.flush()
                raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused()
    with db.together(write=True):
        with db.uow() as uow:
            uow.session.add(Unit(code="P3", name="Phòng P3"))
            uow.session.flush()  # never committed
        with db.uow() as later:
            later.session.add(Unit(code="P4", name="Phòng P4"))
            later.commit()
    assert {"P1", "P4"} <= unit_codes(services) and not {"P2", "P3"} & unit_codes(services)


def test_inline_a_shared_writer_gives_up_at_once_while_another_program_writes(
    on_sqlite: Services, sqlite_url: str
) -> None:
    db = on_sqlite.db
    with write_lock_held(sqlite_url), db.inline(), pytest.raises(WouldBlock), db.together(write=True):
        _units(on_sqlite)  # who speaks is read under the write lock the call will take
    with db.inline(), db.together(write=True):
        _units(on_sqlite)
        with db.uow() as uow:
            uow.session.add(Unit(code="P1", name="Phòng P1"))
            uow.commit()
    assert "P1" in unit_codes(on_sqlite)


def _units(services: Services) -> list[Unit]:
    with services.db.reader() as uow:
        return list(uow.units.all())
