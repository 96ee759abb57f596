"""Unit of work: one transaction, the repositories that share it, commit or roll back as a whole."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlmodel import Session

from danhgia.storage.db import READ_ONLY_OPTION, make_engine
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
    """A transaction with its repositories; nothing is saved unless `commit()` is called."""

    session: Session
    units: UnitRepository
    unit_regimes: UnitRegimeRepository
    unit_levels: UnitLevelRepository
    people: PersonRepository
    roles: RoleRepository
    reporting: ReportingRepository
    links: LinkRepository
    invites: InviteRepository
    audit: AuditRepository
    periods: PeriodRepository
    tasks: TaskRepository
    assessments: AssessmentRepository
    cards: ReviewCardRepository
    delegations: DelegationRepository
    dialogs: DialogRepository
    outbox: OutboxRepository
    calendar: CalendarRepository
    leaves: LeaveRepository
    snoozes: SnoozeRepository
    ratings: RatingRepository
    council: CouncilRepository
    inbox: InboxRepository
    workers: WorkerRepository

    def __init__(self, engine: Engine, *, read_only: bool = False, on_commit: Callable[[], None] | None = None) -> None:
        self._engine = engine
        self.read_only = read_only
        self._on_commit = on_commit

    def __enter__(self) -> Self:
        self.session = Session(self._engine, expire_on_commit=False)
        self.units = UnitRepository(self.session)
        self.unit_regimes = UnitRegimeRepository(self.session)
        self.unit_levels = UnitLevelRepository(self.session)
        self.people = PersonRepository(self.session)
        self.roles = RoleRepository(self.session)
        self.reporting = ReportingRepository(self.session)
        self.links = LinkRepository(self.session)
        self.invites = InviteRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.periods = PeriodRepository(self.session)
        self.tasks = TaskRepository(self.session)
        self.assessments = AssessmentRepository(self.session)
        self.cards = ReviewCardRepository(self.session)
        self.delegations = DelegationRepository(self.session)
        self.dialogs = DialogRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.inbox = InboxRepository(self.session)
        self.workers = WorkerRepository(self.session)
        self.calendar = CalendarRepository(self.session)
        self.leaves = LeaveRepository(self.session)
        self.snoozes = SnoozeRepository(self.session)
        self.ratings = RatingRepository(self.session)
        self.council = CouncilRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches objects with their loaded values.
        self.session.close()

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


class _InlineCall:
    """What a call run by `Database.inline()` has done so far: whether it has already saved something."""

    __slots__ = ("saved",)

    def __init__(self) -> None:
        self.saved = False

    def mark_saved(self) -> None:
        self.saved = True


_inline_call: ContextVar[_InlineCall | None] = ContextVar("danhgia_inline_call", default=None)
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
        self._no_wait_engine: Engine | None = (
            make_engine(engine.url.render_as_string(hide_password=False), wait_for_lock=False) if sqlite_file else None
        )
        self._inbox: Database | None = None

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
    def inline(self) -> Iterator[None]:
        """Within this block, the first unit of work that writes never waits for SQLite's write lock: if another
        connection holds it, `WouldBlock` is raised before anything is saved, and the caller runs the whole call
        again where waiting is harmless (a worker thread). Later writes of the same call wait as usual, since
        running the call again would repeat what the first one saved."""
        token = _inline_call.set(_InlineCall())
        try:
            yield
        finally:
            _inline_call.reset(token)

    def uow(self) -> UnitOfWork:
        """A new unit of work (on SQLite it holds the write lock from its first statement)."""
        call = _inline_call.get()
        if call is not None and not call.saved and self._no_wait_engine is not None:
            return UnitOfWork(self._no_wait_engine, on_commit=call.mark_saved)
        return UnitOfWork(self.engine)

    def reader(self) -> UnitOfWork:
        """A unit of work that only reads: it never waits for or blocks a writer."""
        return UnitOfWork(self.read_engine, read_only=True)

    def dispose(self) -> None:
        """Close every pooled connection and stop the database's threads (the inbox's too)."""
        if self._inbox is not None and self._inbox is not self:
            self._inbox.dispose()
        self._inbox = None
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None
        if self._no_wait_engine is not None:
            self._no_wait_engine.dispose()
        self.engine.dispose()
