"""Engines and migrations: SQLite by default, PostgreSQL through `DATABASE_URL`."""

from __future__ import annotations

import os
import sqlite3
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

MIGRATIONS_PACKAGE = "danhgia.storage:migrations"


def normalise_url(url: str) -> str:
    """Pick the psycopg 3 driver for bare `postgresql://` URLs; leave others alone."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


BUSY_TIMEOUT_SECONDS = 30


class WouldBlock(Exception):
    """SQLite's write lock is held by another connection, and this engine was made not to wait for it."""


def make_engine(url: str, *, wait_for_lock: bool = True, flush_on_commit: bool = True, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite make the folder, enforce foreign keys and use WAL.

    With `wait_for_lock=False` (SQLite only) a transaction that would wait for another writer raises
    `WouldBlock` at once instead of waiting up to BUSY_TIMEOUT_SECONDS. With `flush_on_commit=False` (SQLite in
    WAL mode only) a commit does not wait for the disk (`PRAGMA synchronous=NORMAL`: what it saved survives a crash
    of the process, not yet a power cut): whoever commits on it must flush the log (`flush_log`) before anyone is
    told of what was saved.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        timeout = BUSY_TIMEOUT_SECONDS if wait_for_lock else 0
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": timeout})
        engine = create_engine(url, **kwargs)
        event.listen(
            engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms=timeout * 1000, flush_on_commit=flush_on_commit)
        )
        event.listen(engine, "begin", _sqlite_begin_immediate if wait_for_lock else _sqlite_begin_or_give_up)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int, flush_on_commit: bool = True) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    if not flush_on_commit and mode is not None and str(mode[0]).lower() == "wal":  # else every commit flushes
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def flush_log(database: str) -> None:
    """Flush to disk what commits made without waiting for it (`flush_on_commit=False`) wrote to the WAL of the
    SQLite file `database` (its `-wal` file; one that is gone was checkpointed into the file, which flushes it)."""
    try:
        handle = os.open(f"{database}-wal", os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


READ_ONLY_OPTION = "danhgia_read_only"


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at the start of every transaction that may write.

    Without it two transactions that read then write (two phones redeeming one invite) both read the old
    state and the second fails with "database is locked"; with it they simply run one after the other.
    Read-only units of work (`Database.reader()`) begin a plain deferred transaction instead: in WAL mode
    they read a consistent snapshot without waiting for, or blocking, the writer.
    """
    if connection.get_execution_options().get(READ_ONLY_OPTION):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_or_give_up(connection: Any) -> None:
    """`_sqlite_begin_immediate` on an engine that does not wait: a held write lock raises WouldBlock."""
    try:
        _sqlite_begin_immediate(connection)
    except OperationalError as error:
        if getattr(error.orig, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise WouldBlock(str(error.orig)) from error
        raise


def alembic_config(engine: Engine | None = None, url: str | None = None) -> Config:
    """An Alembic config pointing at the bundled migrations, bound to an engine or a URL."""
    config = Config()
    config.set_main_option("script_location", str(files("danhgia.storage") / "migrations"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the latest by default)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision`."""
    command.downgrade(alembic_config(engine), revision)
