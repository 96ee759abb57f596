"""Backups that restore: the commands of docs/deploy.md run for real on a database filled through the app's own
services (a roster, a period, a task and its check-in, a submitted and approved record), and the restored copy reads
back the same through the services and takes new writes.

PostgreSQL: `pg_dump` (custom format → `pg_restore`; plain SQL → `psql`) into a fresh database made with `createdb`.
SQLite: an online copy while the bot's engine is open, with Python's `sqlite3` backup API or the `sqlite3` CLI's
`.backup`, checked with `PRAGMA integrity_check`, then copied into place as a restore does.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from danhgia.storage.db import alembic_config, make_engine, migrate, normalise_url
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import POSTGRES_URL, ROSTER_ROWS, make_services, write_roster

HR = Actor.cli("test")


# -- the data: made and read through the services ----------------------------------------------------------------


def fill(services: Services, tmp_path: Path) -> None:
    """A department's month so far: the roster, November opened, a task checked in, a record submitted and
    approved by the leader."""
    services.roster.import_table(read_roster(write_roster(tmp_path / "staff.csv", ROSTER_ROWS)), HR)
    ids = people(services)
    with services.db.uow() as uow:
        unit = uow.units.get_by_code("TH")
        assert unit is not None and unit.id is not None
        unit_id = unit.id
    services.periods.open(HR, unit_id, "2026-11", subtree=False)
    an = ids["CV01"]
    task = services.tasks.add(Actor.person(an), an, "Thẩm định hồ sơ tuyển dụng", date(2026, 11, 20), Decimal(2))
    services.tasks.add(Actor.person(an), an, "Báo cáo quý IV", date(2026, 11, 27), Decimal(1))
    services.tasks.checkin(Actor.person(an), an, task.id, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(an)
    view = services.self_assessment.submit(an, view.id, view.version)
    services.review.approve(Actor.person(ids["TP01"]), view.id)


def people(services: Services) -> dict[str, int]:
    with services.db.reader() as uow:
        return {p.staff_code: p.id or 0 for p in uow.people.all()}


def snapshot(services: Services) -> dict[str, Any]:
    """What the app reads back: every record and the audit log as exported, a person's week, the roster."""
    an = people(services)["CV01"]
    week = services.tasks.week(an)
    return {
        "records": services.exports.records(),
        "audit": services.exports.audit(),
        "week": [(task.title, task.status) for task in week.tasks],
        "people": sorted(people(services)),
    }


def check_restored(url: str, before: dict[str, Any], clock: ManualClock) -> None:
    """The restored database is at the schema's head, reads back the same, and takes new writes."""
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    assert version in ScriptDirectory.from_config(alembic_config()).get_heads()
    restored = make_services(url, clock)
    try:
        after = snapshot(restored)
        assert after == before
        assert len(after["records"]) == 1 and after["records"][0][5] == "CV01"  # ma_can_bo
        assert len(after["audit"]) >= 5
        # New rows get new ids (the sequences came back with the data): the month can go on.
        an = people(restored)["CV01"]
        added = restored.tasks.add(Actor.person(an), an, "Việc sau khi khôi phục", date(2026, 11, 27), Decimal(1))
        assert added.id > max(task_id for task_id in task_ids(restored, an) if task_id != added.id)
    finally:
        restored.db.dispose()


def task_ids(services: Services, person_id: int) -> list[int]:
    return [task.id for task in services.tasks.week(person_id).tasks]


# -- PostgreSQL -------------------------------------------------------------------------------------------------


def run(*command: str) -> None:
    """Run one of the documented commands; show its own words if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command[0]} failed ({done.returncode}): {done.stderr}"


def libpq_url(url: str) -> str:
    """The URL as libpq's tools read it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgres_admin() -> str:
    """The URL of TEST_POSTGRES_URL's server, when it answers and the client tools are installed."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    missing = [tool for tool in ("pg_dump", "pg_restore", "psql", "createdb") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian/Ubuntu: apt-get install postgresql-client)")
    admin = create_engine(normalise_url(POSTGRES_URL), connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            server_major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10_000
    except OperationalError as error:
        pytest.skip(f"the PostgreSQL server of TEST_POSTGRES_URL does not answer: {error.orig}")
    finally:
        admin.dispose()
    tools = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=True).stdout
    tools_major = int(tools.split()[-1].split(".")[0])
    if tools_major < server_major:
        pytest.skip(f"pg_dump {tools_major} cannot dump a PostgreSQL {server_major} server (install a newer client)")
    return libpq_url(normalise_url(POSTGRES_URL))


@pytest.fixture
def database_names(postgres_admin: str) -> Iterator[dict[str, str]]:
    """Two database names, the source and the restore; both dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    names = {"source": f"danhgia_backup_{tag}", "restore": f"danhgia_restore_{tag}"}
    yield names
    admin = create_engine(normalise_url(postgres_admin), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize("dump_format", ["custom", "plain"])
def test_postgresql_pg_dump_restores_into_a_fresh_database(
    postgres_admin: str, database_names: dict[str, str], dump_format: str, tmp_path: Path, clock: ManualClock
) -> None:
    admin = make_url(postgres_admin)
    source = admin.set(database=database_names["source"]).render_as_string(hide_password=False)
    target = admin.set(database=database_names["restore"]).render_as_string(hide_password=False)
    run("createdb", f"--maintenance-db={postgres_admin}", database_names["source"])
    engine = make_engine(source)
    migrate(engine)
    engine.dispose()
    services = make_services(source, clock)
    try:
        fill(services, tmp_path)
        before = snapshot(services)
        # The nightly backup, taken while the bot is connected (pg_dump reads one consistent snapshot).
        dump = tmp_path / ("danhgia.dump" if dump_format == "custom" else "danhgia.sql")
        run("pg_dump", f"--format={dump_format}", "--no-owner", "--no-privileges", f"--file={dump}", source)
    finally:
        services.db.dispose()
    assert dump.stat().st_size > 0
    # The restore: a new, empty database, then the dump into it.
    run("createdb", f"--maintenance-db={postgres_admin}", database_names["restore"])
    if dump_format == "custom":
        run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={target}", str(dump))
    else:
        run("psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--single-transaction", f"--file={dump}", target)
    check_restored(target, before, clock)


# -- SQLite -----------------------------------------------------------------------------------------------------


def backup_with_python(source: Path, copy: Path) -> None:
    """Python's online backup: `sqlite3.connect(source).backup(sqlite3.connect(copy))`."""
    live, out = sqlite3.connect(source), sqlite3.connect(copy)
    try:
        live.backup(out)
    finally:
        out.close()
        live.close()


def backup_with_cli(source: Path, copy: Path) -> None:
    """The sqlite3 command line: `sqlite3 danhgia.db ".backup 'copy.db'"`."""
    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 command line is not installed (Debian/Ubuntu: apt-get install sqlite3)")
    run("sqlite3", str(source), f".backup '{copy}'")


@pytest.mark.parametrize("method", [backup_with_python, backup_with_cli], ids=["python-backup-api", "sqlite3-cli"])
def test_sqlite_online_backup_restores(method: Any, tmp_path: Path, clock: ManualClock) -> None:
    live_path = tmp_path / "var" / "danhgia.db"
    url = f"sqlite:///{live_path}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    services = make_services(url, clock)
    try:
        fill(services, tmp_path)
        before = snapshot(services)
        # Taken while the bot's engine is open (WAL mode): the copy holds every committed transaction.
        copy = tmp_path / "backups" / "danhgia-2026-11-20.db"
        copy.parent.mkdir()
        method(live_path, copy)
    finally:
        services.db.dispose()
    check = sqlite3.connect(copy)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()
    # The restore: the bot stopped, the copy put in place of the database file (a fresh folder here).
    restored_path = tmp_path / "restored" / "danhgia.db"
    restored_path.parent.mkdir()
    shutil.copyfile(copy, restored_path)
    check_restored(f"sqlite:///{restored_path}", before, clock)
