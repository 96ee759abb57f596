"""Unit of work: one transaction, the repositories that share it, commit or roll back as a whole."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from danhgia.storage.db import READ_ONLY_OPTION, WouldBlock, flush_log, make_engine
from danhgia.storage.models import InboundUpdate
from danhgia.storage.repositories import (
    AssessmentRepository,
    AuditRepository,
    CalendarRepository,
    CouncilRepository,
    DelegationRepository,
    DialogRepository,
    InboxRepository,
    InviteRepository,
    LeaveRepository,
    LinkRepository,
    OutboxRepository,
    PeriodRepository,
    PersonRepository,
    RatingRepository,
    ReportingRepository,
    ReviewCardRepository,
    RoleRepository,
    SnoozeRepository,
    TaskRepository,
    UnitLevelRepository,
    UnitRegimeRepository,
    UnitRepository,
    WorkerRepository,
)


class UnitOfWork:
    """A transaction with its repositories; nothing is saved unless `commit()` is called. Each repository is made
    the first time it is used (a unit of work uses two or three of them)."""

    session: Session

    def __init__(
        self,
        engine: Engine,
        *,
        read_only: bool = False,
        on_commit: Callable[[], None] | None = None,
        shared: _Shared | None = None,
    ) -> None:
        self._engine = engine
        self.read_only = read_only
        self._on_commit = on_commit
        self._shared = shared

    def __enter__(self) -> Self:
        if self._shared is None:
            self.session = Session(self._engine, expire_on_commit=False)
        else:
            self.session = self._shared.session_on(self._engine)
        return self

    @cached_property
    def units(self) -> UnitRepository:
        """The Unit repository in this unit of work."""
        return UnitRepository(self.session)

    @cached_property
    def unit_regimes(self) -> UnitRegimeRepository:
        """The UnitRegime repository in this unit of work."""
        return UnitRegimeRepository(self.session)

    @cached_property
    def unit_levels(self) -> UnitLevelRepository:
        """The UnitLevel repository in this unit of work."""
        return UnitLevelRepository(self.session)

    @cached_property
    def people(self) -> PersonRepository:
        """The Person repository in this unit of work."""
        return PersonRepository(self.session)

    @cached_property
    def roles(self) -> RoleRepository:
        """The Role repository in this unit of work."""
        return RoleRepository(self.session)

    @cached_property
    def reporting(self) -> ReportingRepository:
        """The Reporting repository in this unit of work."""
        return ReportingRepository(self.session)

    @cached_property
    def links(self) -> LinkRepository:
        """The Link repository in this unit of work."""
        return LinkRepository(self.session)

    @cached_property
    def invites(self) -> InviteRepository:
        """The Invite repository in this unit of work."""
        return InviteRepository(self.session)

    @cached_property
    def audit(self) -> AuditRepository:
        """The Audit repository in this unit of work."""
        return AuditRepository(self.session)

    @cached_property
    def periods(self) -> PeriodRepository:
        """The Period repository in this unit of work."""
        return PeriodRepository(self.session)

    @cached_property
    def tasks(self) -> TaskRepository:
        """The Task repository in this unit of work."""
        return TaskRepository(self.session)

    @cached_property
    def assessments(self) -> AssessmentRepository:
        """The Assessment repository in this unit of work."""
        return AssessmentRepository(self.session)

    @cached_property
    def cards(self) -> ReviewCardRepository:
        """The ReviewCard repository in this unit of work."""
        return ReviewCardRepository(self.session)

    @cached_property
    def delegations(self) -> DelegationRepository:
        """The Delegation repository in this unit of work."""
        return DelegationRepository(self.session)

    @cached_property
    def dialogs(self) -> DialogRepository:
        """The Dialog repository in this unit of work."""
        return DialogRepository(self.session)

    @cached_property
    def outbox(self) -> OutboxRepository:
        """The Outbox repository in this unit of work."""
        return OutboxRepository(self.session)

    @cached_property
    def calendar(self) -> CalendarRepository:
        """The Calendar repository in this unit of work."""
        return CalendarRepository(self.session)

    @cached_property
    def leaves(self) -> LeaveRepository:
        """The Leave repository in this unit of work."""
        return LeaveRepository(self.session)

    @cached_property
    def snoozes(self) -> SnoozeRepository:
        """The Snooze repository in this unit of work."""
        return SnoozeRepository(self.session)

    @cached_property
    def ratings(self) -> RatingRepository:
        """The Rating repository in this unit of work."""
        return RatingRepository(self.session)

    @cached_property
    def council(self) -> CouncilRepository:
        """The Council repository in this unit of work."""
        return CouncilRepository(self.session)

    @cached_property
    def inbox(self) -> InboxRepository:
        """The Inbox repository in this unit of work."""
        return InboxRepository(self.session)

    @cached_property
    def workers(self) -> WorkerRepository:
        """The Worker repository in this unit of work."""
        return WorkerRepository(self.session)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches objects with their loaded values.
        if self._shared is None:
            self.session.close()
        elif not self.read_only or exc_type is not None:  # a writer, or a failure, ends the sharing
            self._shared.end()

    def commit(self) -> None:
        """Save everything done in this unit of work."""
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.commit()
        if self._on_commit is not None:
            self._on_commit()
        hook = commit_hook.get()
        if hook is not None:
            hook()

    def rollback(self) -> None:
        """Discard everything done since the last commit."""
        self.session.rollback()


class InlineCall:
    """What a call run by `Database.inline()` has done so far: whether it has already saved something."""

    __slots__ = ("saved",)

    def __init__(self) -> None:
        self.saved = False

    def mark_saved(self) -> None:
        self.saved = True


class _Shared:
    """The one transaction the units of work of a `Database.together()` block share, until a writer's ends."""

    __slots__ = ("database", "on_commit", "over", "session", "write")

    def __init__(self, database: Database, write: bool) -> None:
        self.database = database
        self.write = write
        self.session: Session | None = None
        self.on_commit: Callable[[], None] | None = None
        self.over = False

    def serves(self, database: Database, *, writer: bool) -> bool:
        return self.database is database and not self.over and (self.write or not writer)

    def session_on(self, engine: Engine) -> Session:
        if self.session is None:
            self.session = Session(engine, expire_on_commit=False)
        return self.session

    def end(self) -> None:
        self.over = True
        if self.session is not None:
            self.session.close()


_shared: ContextVar[_Shared | None] = ContextVar("danhgia_shared_unit", default=None)
_inline_call: ContextVar[InlineCall | None] = ContextVar("danhgia_inline_call", default=None)
# Called after every commit made in the current context (the handler of an update watches what it saved).
commit_hook: ContextVar[Callable[[], None] | None] = ContextVar("danhgia_commit_hook", default=None)


class Database:
    """The engine, a factory of units of work, and the threads that run them.

    SQLite is a local file: its calls are short and its writers take turns anyway, so two dedicated threads
    (which keep their connections and page caches warm) serve it better than a large shared pool;
    PostgreSQL calls wait on the network and use the event loop's default pool. Short SQLite calls may also
    run on the caller's own thread without ever waiting for a lock (`inline`).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.read_engine = engine.execution_options(**{READ_ONLY_OPTION: True})
        sqlite_file = engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")
        self.executor: ThreadPoolExecutor | None = (
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="sqlite") if engine.dialect.name == "sqlite" else None
        )
        # A plain file path: inline commits leave flushing the log to `flush_log` (a URI's file is not known here).
        path = engine.url.database if sqlite_file and not str(engine.url.database).startswith("file:") else None
        self._file = None if path is None else str(Path(path).absolute())
        self._no_wait_engine: Engine | None = (
            make_engine(
                engine.url.render_as_string(hide_password=False),
                wait_for_lock=False,
                flush_on_commit=self._file is None,
            )
            if sqlite_file
            else None
        )
        self._inbox: Database | None = None
        self._dedicated: list[Connection | None] = [None, None]  # waiting for the lock, inline (`dedicated`)
        self._dedicated_turn = threading.Lock()

    def inbox(self) -> Database:
        """Where updates are recorded as they arrive. PostgreSQL: this database (rows, no global lock). SQLite: a
        file of its own beside this one (`<name>.inbox.db`), so that recording an update never waits for the
        main file's write lock — another program writing to it never stops the bot from receiving."""
        if self._inbox is None:
            database = self.engine.url.database
            if (
                self.engine.dialect.name != "sqlite"
                or database in (None, "", ":memory:")
                or database.startswith("file:")
            ):
                self._inbox = self
            else:
                path = Path(database)
                url = self.engine.url.set(database=str(path.with_name(f"{path.stem}.inbox{path.suffix or '.db'}")))
                companion = Database(make_engine(url.render_as_string(hide_password=False)))
                InboundUpdate.__table__.create(companion.engine, checkfirst=True)  # type: ignore[attr-defined]
                self._inbox = companion
        return self._inbox

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine this database uses (for instruments that watch the statements)."""
        return (self.engine,) if self._no_wait_engine is None else (self.engine, self._no_wait_engine)

    @property
    def runs_inline(self) -> bool:
        """Whether short calls can run on the caller's thread (SQLite in a file; never PostgreSQL)."""
        return self._no_wait_engine is not None

    @contextmanager
    def inline(self, *, flush: bool = True) -> Iterator[InlineCall]:
        """Within this block, the first unit of work that writes never waits for SQLite's write lock: if another
        connection holds it, `WouldBlock` is raised before anything is saved, and the caller runs the whole call
        again where waiting is harmless (a worker thread). Later writes of the same call wait as usual, since
        running the call again would repeat what the first one saved.

        That first write's commit does not wait for the disk either (see `make_engine(flush_on_commit=False)`):
        with `flush` the block flushes the log when it ends (if the call saved something); without it the caller
        must call `flush_log()` (off the event loop, say) before anyone is told of what was saved."""
        call = InlineCall()
        token = _inline_call.set(call)
        try:
            yield call
        finally:
            _inline_call.reset(token)
            if flush and call.saved:
                self.flush_log()

    def flush_log(self) -> None:
        """Make durable what the inline calls' first writes committed (a no-op unless `runs_inline`)."""
        if self._file is not None:
            flush_log(self._file)

    @contextmanager
    def together(self, *, write: bool = False) -> Iterator[None]:
        """Within this block the units of work of this database share one transaction, one session and one
        connection (a hot path's few short calls: who speaks, then what they asked for). With `write`, every unit
        shares it (on SQLite it takes the write lock from its first statement, as a writer would) until the first
        writer's unit ends; otherwise only the readers do, and a writer makes its own. A unit that fails ends the
        sharing too: whatever follows in the block gets units of its own."""
        shared = _Shared(self, write)
        token = _shared.set(shared)
        try:
            yield
        finally:
            _shared.reset(token)
            shared.end()

    def _writer_engine(self) -> tuple[Engine, Callable[[], None] | None]:
        call = _inline_call.get()
        if call is not None and not call.saved and self._no_wait_engine is not None:
            return self._no_wait_engine, call.mark_saved
        return self.engine, None

    def uow(self) -> UnitOfWork:
        """A new unit of work (on SQLite it holds the write lock from its first statement)."""
        shared = _shared.get()
        if shared is not None and shared.serves(self, writer=True):
            if shared.session is None:
                engine, shared.on_commit = self._writer_engine()
                return UnitOfWork(engine, on_commit=shared.on_commit, shared=shared)
            return UnitOfWork(self.engine, on_commit=shared.on_commit, shared=shared)
        engine, on_commit = self._writer_engine()
        return UnitOfWork(engine, on_commit=on_commit)

    def reader(self) -> UnitOfWork:
        """A unit of work that only reads: it never waits for or blocks a writer (unless it shares a writer's
        transaction, `together`)."""
        shared = _shared.get()
        if shared is not None and shared.serves(self, writer=False):
            if shared.session is None and shared.write:
                engine, shared.on_commit = self._writer_engine()
                return UnitOfWork(engine, read_only=True, shared=shared)
            return UnitOfWork(self.read_engine, read_only=True, shared=shared)
        return UnitOfWork(self.read_engine, read_only=True)

    @contextmanager
    def dedicated(self, *, inline: bool = False) -> Iterator[Connection]:
        """A transaction on this database's one dedicated connection, kept open between calls (no pool, no
        session): for a single writer of many small, frequent writes (the inbox's). One transaction at a time;
        committed when the block ends, rolled back if it fails (and a broken connection is replaced next time).

        With `inline` (only where `runs_inline`: an SQLite file) the transaction is made on a second dedicated
        connection that, like `inline()`'s first write, never waits: `WouldBlock` (nothing saved) when another
        connection holds the write lock; and its commit does not wait for the disk: call `flush_log()` before
        anyone relies on what it saved surviving a power cut."""
        engine = self._no_wait_engine if inline else self.engine
        if engine is None:
            raise RuntimeError("an inline transaction needs an SQLite file")
        slot = 1 if inline else 0
        with self._dedicated_turn:
            connection = self._dedicated[slot]
            if connection is None or connection.closed or connection.invalidated:
                if connection is not None:
                    connection.close()
                connection = self._dedicated[slot] = engine.connect()
            try:
                with connection.begin():
                    yield connection
            except BaseException as error:
                if connection.invalidated or connection.closed or isinstance(error, WouldBlock):
                    connection.close()  # a transaction that could not begin leaves nothing worth keeping
                    self._dedicated[slot] = None
                raise

    def dispose(self) -> None:
        """Close every pooled connection and stop the database's threads (the inbox's too)."""
        with self._dedicated_turn:
            for slot, connection in enumerate(self._dedicated):
                if connection is not None:
                    connection.close()
                self._dedicated[slot] = None
        if self._inbox is not None and self._inbox is not self:
            self._inbox.dispose()
        self._inbox = None
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None
        if self._no_wait_engine is not None:
            self._no_wait_engine.dispose()
        self.engine.dispose()
