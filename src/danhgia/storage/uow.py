"""Unit of work: one transaction, the repositories that share it, commit or roll back as a whole."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlmodel import Session

from danhgia.storage.db import READ_ONLY_OPTION
from danhgia.storage.repositories import (
    AssessmentRepository,
    AuditRepository,
    CalendarRepository,
    CouncilRepository,
    DelegationRepository,
    DialogRepository,
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
    UnitRepository,
)


class UnitOfWork:
    """A transaction with its repositories; nothing is saved unless `commit()` is called."""

    session: Session
    units: UnitRepository
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

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self.read_only = read_only

    def __enter__(self) -> Self:
        self.session = Session(self._engine, expire_on_commit=False)
        self.units = UnitRepository(self.session)
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

    def rollback(self) -> None:
        """Discard everything done since the last commit."""
        self.session.rollback()


class Database:
    """The engine, a factory of units of work, and the threads that run them.

    SQLite is a local file: its calls are short and its writers take turns anyway, so two dedicated threads
    (which keep their connections and page caches warm) serve it better than a large shared pool;
    PostgreSQL calls wait on the network and use the event loop's default pool.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.read_engine = engine.execution_options(**{READ_ONLY_OPTION: True})
        self.executor: ThreadPoolExecutor | None = (
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="sqlite") if engine.dialect.name == "sqlite" else None
        )

    def uow(self) -> UnitOfWork:
        """A new unit of work (on SQLite it holds the write lock from its first statement)."""
        return UnitOfWork(self.engine)

    def reader(self) -> UnitOfWork:
        """A unit of work that only reads: it never waits for or blocks a writer."""
        return UnitOfWork(self.read_engine, read_only=True)

    def dispose(self) -> None:
        """Close every pooled connection and stop the database's threads."""
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None
        self.engine.dispose()
