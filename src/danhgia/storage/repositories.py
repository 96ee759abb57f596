"""Repositories: every query the rest of the project needs, behind plain methods (the only SQL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import and_, bindparam, delete, func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import QueryableAttribute, aliased, defer
from sqlmodel import Session, col, select

from danhgia.storage.models import (
    Assessment,
    AuditEntry,
    CalendarDay,
    Commendation,
    CouncilCase,
    CouncilVote,
    Delegation,
    Dialog,
    InboundUpdate,
    InviteCode,
    Leave,
    Outbox,
    Period,
    Person,
    PersonRole,
    Rating,
    ReminderBatch,
    ReportingLine,
    ReviewCard,
    Role,
    Snooze,
    Task,
    TelegramLink,
    Unit,
    UnitLevel,
    UnitRegime,
    Worker,
)
from danhgia.storage.types import utcnow


class IdentityRow(NamedTuple):
    """One row of `LinkRepository.identity_rows` (one per role of the person)."""

    chat_id: int
    person_id: int
    staff_code: str
    full_name: str
    position: str
    language: str
    active: bool
    unit_code: str
    unit_name: str
    role: str | None
    dialog_kind: str | None
    link_id: int
    newer: int  # the person's other links used more recently (more than 0: the person switched to this one)


_OTHER_LINK = aliased(TelegramLink)
_LAST_USED = func.coalesce(col(TelegramLink.active_at), col(TelegramLink.linked_at))
_NEWER_LINKS = (
    sa_select(func.count())
    .select_from(_OTHER_LINK)
    .where(
        col(_OTHER_LINK.person_id) == col(TelegramLink.person_id),
        or_(  # later in the order `of_person` gives: used later, or at the same moment and made later
            func.coalesce(col(_OTHER_LINK.active_at), col(_OTHER_LINK.linked_at)) > _LAST_USED,
            and_(
                func.coalesce(col(_OTHER_LINK.active_at), col(_OTHER_LINK.linked_at)) == _LAST_USED,
                col(_OTHER_LINK.id) > col(TelegramLink.id),
            ),
        ),
    )
    .scalar_subquery()
)

# Built once: constructing a statement costs more than running it on SQLite.
_IDENTITY = (
    sa_select(
        col(TelegramLink.chat_id),
        col(Person.id),
        col(Person.staff_code),
        col(Person.full_name),
        col(Person.position),
        col(Person.language),
        col(Person.active),
        col(Unit.code),
        col(Unit.name),
        col(PersonRole.role_code),
        col(Dialog.kind),
        col(TelegramLink.id),
        _NEWER_LINKS,
    )
    .join(Person, col(Person.id) == col(TelegramLink.person_id))
    .join(Unit, col(Unit.id) == col(Person.unit_id))
    .join(PersonRole, col(PersonRole.person_id) == col(Person.id), isouter=True)
    .join(Dialog, col(Dialog.person_id) == col(Person.id), isouter=True)
    .where(col(TelegramLink.telegram_user_id) == bindparam("tid"))
)


_CHECKIN = (
    update(Task)
    .where(col(Task.id) == bindparam("task"))
    .values(
        status=bindparam("status"),
        progress=bindparam("progress"),
        completed_on=bindparam("completed_on"),
        last_checkin_at=bindparam("at"),
        updated_at=bindparam("at"),
    )
)
_AUDIT_INSERT = insert(AuditEntry)
_INBOX_DONE_WHERE = update(InboundUpdate).where(col(InboundUpdate.update_id) == bindparam("uid"))
_INBOX_DONE_EDITS = _INBOX_DONE_WHERE.values(state="done", handled_at=bindparam("at"), edits=bindparam("edits"))
_INBOX_RECORD: dict[str, Any] = {}  # dialect → the INSERT of updates received (ignoring those recorded before)
_INBOX_DONE_PLAIN = _INBOX_DONE_WHERE.values(state="done", handled_at=bindparam("at"), edits=None)  # SQL NULL
_OWNED = select(Task).where(col(Task.id) == bindparam("task"), col(Task.person_id) == bindparam("person"))
_AUDIT_COLUMNS = (
    "at",
    "actor_person_id",
    "actor_label",
    "on_behalf_of_person_id",
    "action",
    "entity",
    "entity_id",
    "old",
    "new",
    "reason",
)
_WEEK = (
    select(Task)
    .where(
        col(Task.person_id) == bindparam("person"),
        col(Task.status) != "cancelled",
        or_(
            and_(col(Task.due_on) >= bindparam("monday"), col(Task.due_on) <= bindparam("sunday")),
            and_(col(Task.due_on) < bindparam("monday"), col(Task.status) == "open"),
            and_(col(Task.completed_on) >= bindparam("monday"), col(Task.completed_on) <= bindparam("sunday")),
            and_(
                col(Task.due_on) > bindparam("sunday"),
                col(Task.due_on) <= bindparam("ahead"),
                col(Task.status) == "open",
            ),
        ),
    )
    .order_by(col(Task.due_on), col(Task.id))
)


class UnitRepository:
    """Units of the organisation tree."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, unit_id: int) -> Unit | None:
        """The unit with this id."""
        return self.session.get(Unit, unit_id)

    def get_by_code(self, code: str) -> Unit | None:
        """The unit with this code (ma_don_vi)."""
        return self.session.exec(select(Unit).where(Unit.code == code)).first()

    def all(self) -> list[Unit]:
        """Every unit, ordered by code."""
        return list(self.session.exec(select(Unit).order_by(col(Unit.code))))

    def add(self, unit: Unit) -> Unit:
        """Persist a new unit and give it an id."""
        self.session.add(unit)
        self.session.flush()
        return unit

    def subtree_ids(self, unit_id: int) -> set[int]:
        """The unit and every unit below it."""
        children: dict[int | None, list[int]] = {}
        for unit in self.all():
            assert unit.id is not None
            children.setdefault(unit.parent_id, []).append(unit.id)
        found: set[int] = set()
        stack = [unit_id]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.add(current)
            stack.extend(children.get(current, []))
        return found


class UnitRegimeRepository:
    """The regime each unit chose for a category of staff."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[UnitRegime]:
        """Every choice, by unit then category."""
        return list(self.session.exec(select(UnitRegime).order_by(col(UnitRegime.unit_id), col(UnitRegime.category))))

    def of(self, unit_id: int, category: str) -> UnitRegime | None:
        """The unit's own choice for this category (not its parents')."""
        query = select(UnitRegime).where(UnitRegime.unit_id == unit_id, UnitRegime.category == category)
        return self.session.exec(query).first()

    def set(self, unit_id: int, category: str, regime_id: str, now: datetime) -> UnitRegime:
        """Record the unit's choice (replacing an earlier one)."""
        found = self.of(unit_id, category)
        if found is None:
            found = UnitRegime(unit_id=unit_id, category=category, regime_id=regime_id, updated_at=now)
        else:
            found.regime_id, found.updated_at = regime_id, now
        self.session.add(found)
        self.session.flush()
        return found

    def clear(self, unit_id: int, category: str) -> bool:
        """Forget the unit's choice; whether there was one."""
        found = self.of(unit_id, category)
        if found is None:
            return False
        self.session.delete(found)
        self.session.flush()
        return True


class UnitLevelRepository:
    """The level each unit itself was rated, per period."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, unit_id: int, period_key: str) -> UnitLevel | None:
        """The unit's level for this period, if HR entered one."""
        query = select(UnitLevel).where(UnitLevel.unit_id == unit_id, UnitLevel.period_key == period_key)
        return self.session.exec(query).first()

    def set(self, unit_id: int, period_key: str, level: str, now: datetime) -> UnitLevel:
        """Record the unit's level for a period (replacing an earlier one)."""
        found = self.of(unit_id, period_key)
        if found is None:
            found = UnitLevel(unit_id=unit_id, period_key=period_key, level=level, updated_at=now)
        else:
            found.level, found.updated_at = level, now
        self.session.add(found)
        self.session.flush()
        return found


class PersonRepository:
    """People and the roles they hold."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, person_id: int) -> Person | None:
        """The person with this id."""
        return self.session.get(Person, person_id)

    def get_by_code(self, staff_code: str) -> Person | None:
        """The person with this staff code (ma_can_bo)."""
        return self.session.exec(select(Person).where(Person.staff_code == staff_code)).first()

    def all(self) -> list[Person]:
        """Everyone, ordered by staff code."""
        return list(self.session.exec(select(Person).order_by(col(Person.staff_code))))

    def add(self, person: Person) -> Person:
        """Persist a new person and give them an id."""
        self.session.add(person)
        self.session.flush()
        return person

    def in_units(self, unit_ids: Iterable[int], active_only: bool = True) -> list[Person]:
        """The people of these units, ordered by staff code."""
        query = select(Person).where(col(Person.unit_id).in_(list(unit_ids)))
        if active_only:
            query = query.where(Person.active == True)  # noqa: E712
        return list(self.session.exec(query.order_by(col(Person.staff_code))))

    def by_ids(self, person_ids: Iterable[int]) -> list[Person]:
        """The people with these ids (any of them missing is left out)."""
        ids = list(person_ids)
        return list(self.session.exec(select(Person).where(col(Person.id).in_(ids)))) if ids else []

    def activity(self, unit_ids: Iterable[int], person_ids: Iterable[int] = ()) -> list[tuple[int, int, bool]]:
        """(id, unit id, active) of the active people of these units and of these people, without loading them."""
        columns = select(col(Person.id), col(Person.unit_id), col(Person.active))
        units, ids = list(unit_ids), list(person_ids)
        rows = list(self.session.exec(columns.where(col(Person.unit_id).in_(units), Person.active == True)))  # noqa: E712
        if ids:
            rows += list(self.session.exec(columns.where(col(Person.id).in_(ids))))
        return [(int(pid or 0), int(uid), bool(active)) for pid, uid, active in rows]

    def members(self, unit_ids: Iterable[int], person_ids: Iterable[int] = ()) -> list[tuple[int, int, str, str, bool]]:
        """(id, unit id, staff code, full name, active) of the active people of these units, ordered by staff code
        (as `in_units`), then of these people, without loading them (closing a branch reads 10⁵ people)."""
        columns = sa_select(
            col(Person.id), col(Person.unit_id), col(Person.staff_code), col(Person.full_name), col(Person.active)
        )
        units, ids = list(unit_ids), list(person_ids)
        rows: list[Any] = []
        if units:
            query = columns.where(col(Person.unit_id).in_(units), col(Person.active) == True)  # noqa: E712
            rows += self.session.execute(query.order_by(col(Person.staff_code))).all()
        if ids:
            rows += self.session.execute(columns.where(col(Person.id).in_(ids))).all()
        return [(int(pid or 0), int(uid), str(code), str(name), bool(active)) for pid, uid, code, name, active in rows]

    def unlinked(self, unit_ids: Iterable[int] | None = None, channel: str | None = None) -> list[Person]:
        """Active people with no account linked (on `channel`, or on any), optionally only in these units."""
        linked = select(TelegramLink.person_id)
        if channel is not None:
            linked = linked.where(TelegramLink.channel == channel)
        query = select(Person).where(Person.active == True, col(Person.id).not_in(linked))  # noqa: E712
        if unit_ids is not None:
            query = query.where(col(Person.unit_id).in_(list(unit_ids)))
        return list(self.session.exec(query.order_by(col(Person.staff_code))))

    def roles(self, person_id: int) -> set[str]:
        """The role codes this person holds."""
        rows = self.session.exec(select(PersonRole.role_code).where(PersonRole.person_id == person_id))
        return set(rows)

    def roles_by_person(self) -> dict[int, set[str]]:
        """Every person's role codes."""
        result: dict[int, set[str]] = {}
        for row in self.session.exec(select(PersonRole)):
            result.setdefault(row.person_id, set()).add(row.role_code)
        return result

    def set_roles(self, person_id: int, roles: Iterable[str]) -> None:
        """Replace this person's roles."""
        wanted = set(roles)
        current = self.roles(person_id)
        if current - wanted:
            self.session.execute(
                delete(PersonRole).where(
                    and_(
                        col(PersonRole.person_id) == person_id,
                        col(PersonRole.role_code).in_(sorted(current - wanted)),
                    )
                )
            )
        for code in sorted(wanted - current):
            self.session.add(PersonRole(person_id=person_id, role_code=code))
        self.session.flush()


class RoleRepository:
    """The roles known to the system."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> dict[str, Role]:
        """Every role by code."""
        return {role.code: role for role in self.session.exec(select(Role))}


class ReportingRepository:
    """Reporting lines (who reports to whom, and since when)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _valid_on(on: date) -> Any:
        return and_(
            col(ReportingLine.valid_from) <= on,
            or_(col(ReportingLine.valid_to).is_(None), col(ReportingLine.valid_to) > on),
        )

    def current(self, person_id: int, on: date) -> ReportingLine | None:
        """The line in force for this person on this day."""
        query = select(ReportingLine).where(ReportingLine.person_id == person_id, self._valid_on(on))
        return self.session.exec(query.order_by(col(ReportingLine.valid_from).desc())).first()

    def open_line(self, person_id: int) -> ReportingLine | None:
        """The line with no end date, if any."""
        query = select(ReportingLine).where(ReportingLine.person_id == person_id, col(ReportingLine.valid_to).is_(None))
        return self.session.exec(query).first()

    def supervisors_on(self, on: date) -> dict[int, int]:
        """person id → supervisor id for every line in force on this day."""
        rows = self.session.exec(select(ReportingLine).where(self._valid_on(on)))
        return {row.person_id: row.supervisor_id for row in rows}

    def subordinates(self, supervisor_id: int, on: date) -> list[Person]:
        """The people reporting directly to this supervisor on this day."""
        query = (
            select(Person)
            .join(ReportingLine, col(ReportingLine.person_id) == col(Person.id))
            .where(ReportingLine.supervisor_id == supervisor_id, self._valid_on(on))
            .order_by(col(Person.staff_code))
        )
        return list(self.session.exec(query))

    def history(self, person_id: int) -> list[ReportingLine]:
        """Every line of this person, oldest first."""
        query = select(ReportingLine).where(ReportingLine.person_id == person_id)
        return list(self.session.exec(query.order_by(col(ReportingLine.valid_from), col(ReportingLine.id))))

    def add(self, line: ReportingLine) -> ReportingLine:
        """Persist a new line."""
        self.session.add(line)
        self.session.flush()
        return line


class LinkRepository:
    """Links between people and their messaging accounts (one per platform); a person's preferred link is the one
    they used last."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_telegram_user(self, telegram_user_id: int) -> TelegramLink | None:
        """The link of this account."""
        query = select(TelegramLink).where(TelegramLink.telegram_user_id == telegram_user_id)
        return self.session.exec(query).first()

    def by_person(self, person_id: int) -> TelegramLink | None:
        """The preferred link of this person (the one used last), or None."""
        links = self.of_person(person_id)
        return links[-1] if links else None

    def of_person(self, person_id: int) -> list[TelegramLink]:
        """Every link of this person, the preferred one last."""
        query = select(TelegramLink).where(TelegramLink.person_id == person_id)
        return list(self.session.exec(query.order_by(_LAST_USED, col(TelegramLink.id))))

    def on_channel(self, person_id: int, channel: str) -> TelegramLink | None:
        """This person's link on one platform."""
        query = select(TelegramLink).where(TelegramLink.person_id == person_id, TelegramLink.channel == channel)
        return self.session.exec(query).first()

    def touch(self, link_id: int, now: datetime) -> None:
        """The person used this link now: it becomes their preferred one."""
        self.session.execute(update(TelegramLink).where(col(TelegramLink.id) == link_id).values(active_at=now))

    def identity_rows(self, telegram_user_id: int) -> list[IdentityRow]:
        """Who this account is — link, person, unit, each role and the open dialog's kind — in one prepared
        statement returning plain rows (the hot path of every update)."""
        rows = self.session.connection().execute(_IDENTITY, {"tid": telegram_user_id})
        return [IdentityRow._make(row) for row in rows]

    def chats_of(self, person_ids: Iterable[int]) -> dict[int, TelegramLink]:
        """person id → preferred link, for the people who have one."""
        ids = list(person_ids)
        if not ids:
            return {}
        query = select(TelegramLink).where(col(TelegramLink.person_id).in_(ids))
        rows = self.session.exec(query.order_by(_LAST_USED, col(TelegramLink.id)))
        return {row.person_id: row for row in rows}  # the preferred one comes last and stays

    def all(self) -> list[TelegramLink]:
        """Every link, by person, each person's preferred one last."""
        query = select(TelegramLink).order_by(col(TelegramLink.person_id), _LAST_USED, col(TelegramLink.id))
        return list(self.session.exec(query))

    def add(self, link: TelegramLink) -> TelegramLink:
        """Persist a new link."""
        self.session.add(link)
        self.session.flush()
        return link

    def delete(self, link: TelegramLink) -> None:
        """Remove a link."""
        self.session.delete(link)
        self.session.flush()


class InviteRepository:
    """One-time invite codes (stored as hashes)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, code_hash: str) -> InviteCode | None:
        """The invite with this hash."""
        return self.session.exec(select(InviteCode).where(InviteCode.code_hash == code_hash)).first()

    def usable_for(self, person_id: int, now: datetime) -> list[InviteCode]:
        """This person's invites that are neither used, revoked nor expired."""
        query = select(InviteCode).where(
            InviteCode.person_id == person_id,
            col(InviteCode.used_at).is_(None),
            col(InviteCode.revoked_at).is_(None),
            col(InviteCode.expires_at) > now,
        )
        return list(self.session.exec(query))

    def add(self, invite: InviteCode) -> InviteCode:
        """Persist a new invite."""
        self.session.add(invite)
        self.session.flush()
        return invite


class AuditRepository:
    """The append-only audit log."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, entry: AuditEntry) -> None:
        """Add one line to the log (a plain INSERT: the log is never read back in the same transaction)."""
        values = {name: getattr(entry, name) for name in _AUDIT_COLUMNS}
        if values["at"] is None:
            values["at"] = utcnow()
        self.session.connection().execute(_AUDIT_INSERT, values)

    def append_many(self, entries: Sequence[dict[str, Any]]) -> None:
        """Add many lines at once (each a dict of the log's columns)."""
        if entries:
            self.session.connection().execute(_AUDIT_INSERT, list(entries))

    def entries(self, entity: str | None = None, entity_id: str | None = None) -> Sequence[AuditEntry]:
        """Log lines, oldest first, optionally for one entity."""
        query = select(AuditEntry)
        if entity is not None:
            query = query.where(AuditEntry.entity == entity)
        if entity_id is not None:
            query = query.where(AuditEntry.entity_id == entity_id)
        return list(self.session.exec(query.order_by(col(AuditEntry.id))))


class PeriodRepository:
    """Evaluation periods of units."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, period_id: int) -> Period | None:
        """The period with this id."""
        return self.session.get(Period, period_id)

    def of_unit(self, unit_id: int, key: str) -> Period | None:
        """The period of a unit with this key ("2026-11")."""
        return self.session.exec(select(Period).where(Period.unit_id == unit_id, Period.key == key)).first()

    def by_unit(self, unit_id: int) -> list[Period]:
        """Every period of a unit, newest first."""
        query = select(Period).where(Period.unit_id == unit_id).order_by(col(Period.starts_on).desc())
        return list(self.session.exec(query))

    def all_closed(self) -> list[Period]:
        """Every closed period."""
        return list(self.session.exec(select(Period).where(Period.status == "closed").order_by(col(Period.id))))

    def all_open(self) -> list[Period]:
        """Every open period."""
        return list(self.session.exec(select(Period).where(Period.status == "open").order_by(col(Period.id))))

    def by_ids(self, period_ids: Iterable[int]) -> list[Period]:
        """The periods with these ids, in id order."""
        ids = list(period_ids)
        query = select(Period).where(col(Period.id).in_(ids)).order_by(col(Period.id))
        return list(self.session.exec(query)) if ids else []

    def open_in_units(self, unit_ids: Iterable[int], key: str) -> list[Period]:
        """The open periods with this key of these units, in id order."""
        query = select(Period).where(
            Period.key == key, Period.status == "open", col(Period.unit_id).in_(list(unit_ids))
        )
        return list(self.session.exec(query.order_by(col(Period.id))))

    def with_key(self, key: str) -> list[Period]:
        """Every unit's period with this key."""
        return list(self.session.exec(select(Period).where(Period.key == key)))

    def add(self, period: Period) -> Period:
        """Persist a new period."""
        self.session.add(period)
        self.session.flush()
        return period


class TaskRepository:
    """Weekly tasks of people."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, task_id: int) -> Task | None:
        """The task with this id."""
        return self.session.get(Task, task_id)

    def owned(self, task_id: int, person_id: int) -> Task | None:
        """The task with this id if it belongs to this person."""
        return self.session.scalars(_OWNED, {"task": task_id, "person": person_id}).first()

    def record_checkin(
        self,
        task_id: int,
        status: str,
        progress: str,
        completed_on: date | None,
        at: datetime,
    ) -> None:
        """Write a check-in with one prepared UPDATE (the hot path skips the ORM's change tracking)."""
        self.session.connection().execute(
            _CHECKIN,
            {"task": task_id, "status": status, "progress": progress, "completed_on": completed_on, "at": at},
        )

    def for_week(self, person_id: int, monday: date, sunday: date, ahead_until: date | None = None) -> list[Task]:
        """Tasks due this week, plus unfinished tasks from before (carried over), plus unfinished tasks due
        after the week up to `ahead_until` (the week's end when not given); by due date, in one statement."""
        params = {"person": person_id, "monday": monday, "sunday": sunday, "ahead": ahead_until or sunday}
        return list(self.session.scalars(_WEEK, params))

    def week_rows(self, person_id: int, monday: date, sunday: date, ahead_until: date | None = None) -> list[Row[Any]]:
        """`for_week` as plain rows of the tasks' columns (read by name; nothing loaded into the session)."""
        params = {"person": person_id, "monday": monday, "sunday": sunday, "ahead": ahead_until or sunday}
        return list(self.session.connection().execute(_WEEK, params))

    def open_until(self, person_id: int, last_day: date) -> list[Task]:
        """Unfinished tasks due on or before a day, oldest due first."""
        query = select(Task).where(Task.person_id == person_id, Task.status == "open", col(Task.due_on) <= last_day)
        return list(self.session.exec(query.order_by(col(Task.due_on), col(Task.id))))

    def in_range(self, person_id: int, first: date, last: date) -> list[Task]:
        """Tasks (not cancelled) due between two days, by due date."""
        query = select(Task).where(
            Task.person_id == person_id,
            Task.status != "cancelled",
            col(Task.due_on) >= first,
            col(Task.due_on) <= last,
        )
        return list(self.session.exec(query.order_by(col(Task.due_on), col(Task.id))))

    def add(self, task: Task) -> Task:
        """Persist a new task."""
        self.session.add(task)
        self.session.flush()
        return task


_NOT_CLOSING = (  # the columns of an assessment that closing replaces or does not read
    Assessment.result,
    Assessment.review_draft,
    Assessment.step,
    Assessment.self_level,
    Assessment.reviewer_id,
    Assessment.submitted_at,
    Assessment.decided_at,
    Assessment.decided_by,
    Assessment.decided_for,
    Assessment.decision_reason,
    Assessment.locked_at,
    Assessment.created_at,
    Assessment.updated_at,
)


class AssessmentRepository:
    """Assessments (self-assessment, review, result) of people for periods."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, assessment_id: int) -> Assessment | None:
        """The assessment with this id."""
        return self.session.get(Assessment, assessment_id)

    def of(self, period_id: int, person_id: int) -> Assessment | None:
        """The assessment of a person for a period."""
        query = select(Assessment).where(Assessment.period_id == period_id, Assessment.person_id == person_id)
        return self.session.exec(query).first()

    def in_period(self, period_id: int) -> list[Assessment]:
        """Every assessment of a period."""
        query = select(Assessment).where(Assessment.period_id == period_id).order_by(col(Assessment.id))
        return list(self.session.exec(query))

    def in_periods(self, period_ids: Iterable[int]) -> list[Assessment]:
        """Every assessment of these periods, in id order (closing: the columns closing replaces or does not read —
        the stored result, the reviewer's draft, the dates, who decided — are loaded only if asked for)."""
        ids = list(period_ids)
        query = (
            select(Assessment)
            .where(col(Assessment.period_id).in_(ids))
            .options(*(defer(cast(QueryableAttribute[Any], column)) for column in _NOT_CLOSING))
            .order_by(col(Assessment.id))
        )
        return list(self.session.exec(query)) if ids else []

    def states_in_periods(self, period_ids: Iterable[int]) -> list[tuple[int, int, int, int, str]]:
        """(period id, id, person id, version, state) of every assessment of these periods, without loading them."""
        ids = list(period_ids)
        if not ids:
            return []
        query = sa_select(
            col(Assessment.period_id),
            col(Assessment.id),
            col(Assessment.person_id),
            col(Assessment.version),
            col(Assessment.state),
        ).where(col(Assessment.period_id).in_(ids))
        rows = self.session.execute(query)
        return [(int(a), int(b or 0), int(c), int(d), str(e)) for a, b, c, d, e in rows]

    def everything(self) -> list[tuple[Assessment, Period]]:
        """Every assessment with its period, oldest period first (the archive)."""
        query = (
            select(Assessment, Period)
            .join(Period, col(Period.id) == col(Assessment.period_id))
            .order_by(col(Period.starts_on), col(Period.unit_id), col(Assessment.id))
        )
        return [(a, p) for a, p in self.session.exec(query)]

    def of_person(self, person_id: int) -> list[tuple[Assessment, Period]]:
        """A person's assessments with their periods, newest period first."""
        query = (
            select(Assessment, Period)
            .join(Period, col(Period.id) == col(Assessment.period_id))
            .where(Assessment.person_id == person_id)
            .order_by(col(Period.starts_on).desc())
        )
        return [(a, p) for a, p in self.session.exec(query)]

    def of_people_for_key(self, person_ids: Iterable[int], key: str) -> list[Assessment]:
        """The assessments of these people for periods with this key."""
        ids = list(person_ids)
        if not ids:
            return []
        query = (
            select(Assessment)
            .join(Period, col(Period.id) == col(Assessment.period_id))
            .where(col(Assessment.person_id).in_(ids), Period.key == key)
        )
        return list(self.session.exec(query))

    def pending_for(self, reviewer_ids: Iterable[int]) -> list[Assessment]:
        """Submitted (or reopened) assessments waiting for these reviewers, oldest first."""
        ids = list(reviewer_ids)
        if not ids:
            return []
        query = select(Assessment).where(
            col(Assessment.reviewer_id).in_(ids), col(Assessment.state).in_(("submitted", "reopened"))
        )
        return list(self.session.exec(query.order_by(col(Assessment.submitted_at), col(Assessment.id))))

    def add(self, assessment: Assessment) -> Assessment:
        """Persist a new assessment."""
        self.session.add(assessment)
        self.session.flush()
        return assessment

    def bump(self, assessment: Assessment, expected_version: int, values: dict[str, Any]) -> bool:
        """Write `values` only if nobody changed the record since `expected_version` (optimistic lock)."""
        assert assessment.id is not None
        values = {**values, "version": expected_version + 1}
        result = self.session.execute(
            update(Assessment)
            .where(col(Assessment.id) == assessment.id, col(Assessment.version) == expected_version)
            .values(**values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self.session.expire(assessment)
        return True

    def bump_many(self, changes: Sequence[tuple[int, int, dict[str, Any]]]) -> bool:
        """Write each (id, expected version, values) at once, each only if nobody changed the record since; False
        when any was changed (the caller rolls back). The loaded records are left as they are (not expired)."""
        if not changes:
            return True
        table = Assessment.__table__  # type: ignore[attr-defined]
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .execution_options(synchronize_session=False)
        )
        rows = [
            {**values, "version": version + 1, "b_id": ident, "b_version": version}
            for ident, version, values in changes
        ]
        connection = self.session.connection()
        if not connection.dialect.supports_sane_multi_rowcount:
            return all(connection.execute(statement, row).rowcount == 1 for row in rows)
        return connection.execute(statement, rows).rowcount == len(rows)


class ReviewCardRepository:
    """Review card messages sent to reviewers."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, assessment_id: int) -> list[ReviewCard]:
        """Every card of an assessment."""
        return list(self.session.exec(select(ReviewCard).where(ReviewCard.assessment_id == assessment_id)))

    def add(self, card: ReviewCard) -> ReviewCard:
        """Remember a sent card."""
        self.session.add(card)
        self.session.flush()
        return card

    def at(self, chat_id: int, message_id: int) -> list[ReviewCard]:
        """The card (if any) that is this message."""
        query = select(ReviewCard).where(ReviewCard.chat_id == chat_id, ReviewCard.message_id == message_id)
        return list(self.session.exec(query))

    def forget(self, card: ReviewCard) -> None:
        """The message is gone (deleted, or replaced by a newer one)."""
        self.session.delete(card)
        self.session.flush()


class DelegationRepository:
    """Acting reviewers named by leaders."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, delegation_id: int) -> Delegation | None:
        """The delegation with this id."""
        return self.session.get(Delegation, delegation_id)

    def active_on(self, on: date, *, leader_id: int | None = None, acting_id: int | None = None) -> list[Delegation]:
        """Delegations in force on a day, for a leader and/or an acting reviewer."""
        query = select(Delegation).where(
            col(Delegation.revoked_at).is_(None), col(Delegation.starts_on) <= on, col(Delegation.ends_on) >= on
        )
        if leader_id is not None:
            query = query.where(Delegation.leader_id == leader_id)
        if acting_id is not None:
            query = query.where(Delegation.acting_id == acting_id)
        return list(self.session.exec(query.order_by(col(Delegation.id))))

    def current_and_future(self, leader_id: int, on: date) -> list[Delegation]:
        """A leader's delegations that have not ended or been revoked."""
        query = select(Delegation).where(
            Delegation.leader_id == leader_id, col(Delegation.revoked_at).is_(None), col(Delegation.ends_on) >= on
        )
        return list(self.session.exec(query.order_by(col(Delegation.starts_on))))

    def add(self, delegation: Delegation) -> Delegation:
        """Persist a new delegation."""
        self.session.add(delegation)
        self.session.flush()
        return delegation


class DialogRepository:
    """What each private chat is waiting for."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, person_id: int) -> Dialog | None:
        """The open dialog of a person, if any."""
        return self.session.get(Dialog, person_id)

    def put(self, dialog: Dialog) -> Dialog:
        """Create or replace a person's dialog."""
        merged = self.session.merge(dialog)
        self.session.flush()
        return merged

    def clear(self, person_id: int) -> None:
        """Forget a person's dialog."""
        self.session.execute(delete(Dialog).where(col(Dialog.person_id) == person_id))


class InboxRepository:
    """Updates received, recorded before they are acknowledged."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, update_id: int, payload: dict[str, Any], chat_key: int | None, now: datetime) -> bool:
        """Record an update; False when it was recorded before (a redelivery)."""
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(InboundUpdate).on_conflict_do_nothing(index_elements=["update_id"])
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(InboundUpdate).on_conflict_do_nothing(index_elements=["update_id"])
        row = {
            "update_id": update_id,
            "payload": payload,
            "chat_key": chat_key,
            "state": "pending",
            "attempts": 0,
            "received_at": now,
        }
        result = self.session.connection().execute(statement.returning(col(InboundUpdate.update_id)), [row])
        return bool(result.all())

    def pending(self, limit: int) -> list[InboundUpdate]:
        """Updates recorded but not yet handled, oldest first."""
        query = select(InboundUpdate).where(col(InboundUpdate.state) == "pending")
        return list(self.session.exec(query.order_by(col(InboundUpdate.update_id)).limit(limit)))

    def begin(self, update_id: int) -> None:
        """One more attempt at handling an update."""
        self.session.execute(
            update(InboundUpdate)
            .where(col(InboundUpdate.update_id) == update_id)
            .values(attempts=InboundUpdate.attempts + 1)
        )

    def done(self, update_id: int, now: datetime, edits: list[list[Any]] | None = None) -> None:
        """The update was handled (with the panels it edited, if any)."""
        self.session.execute(
            update(InboundUpdate)
            .where(col(InboundUpdate.update_id) == update_id)
            .values(state="done", handled_at=now, edits=edits or None)
        )

    @staticmethod
    def record_many(
        connection: Connection, rows: Sequence[tuple[int, dict[str, Any], int | None]], now: datetime
    ) -> list[bool]:
        """`record` for many (update id, payload, chat key) in one statement, on a plain connection (the inbox's
        writer keeps one: no session); each True unless recorded before (an id given twice here counts once)."""
        dialect = connection.dialect.name
        statement = _INBOX_RECORD.get(dialect)
        if statement is None:
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                statement = pg_insert(InboundUpdate).on_conflict_do_nothing(index_elements=["update_id"])
            else:
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                statement = sqlite_insert(InboundUpdate).on_conflict_do_nothing(index_elements=["update_id"])
            statement = _INBOX_RECORD[dialect] = statement.returning(col(InboundUpdate.update_id))
        values = [
            {"update_id": u, "payload": p, "chat_key": k, "state": "pending", "attempts": 0, "received_at": now}
            for u, p, k in rows
        ]
        result = connection.execute(statement, values)
        inserted = {int(u) for (u,) in result.all()}
        new = []
        for update_id, _, _ in rows:
            new.append(update_id in inserted)
            inserted.discard(update_id)
        return new

    @staticmethod
    def done_many(connection: Connection, marks: Sequence[tuple[int, list[list[Any]] | None]], now: datetime) -> None:
        """`done` for many (update id, panel edits) in one statement, on a plain connection (as `record_many`)."""
        with_edits = [{"uid": u, "at": now, "edits": edits} for u, edits in marks if edits]
        without = [{"uid": u, "at": now} for u, edits in marks if not edits]
        if with_edits:
            connection.execute(_INBOX_DONE_EDITS, with_edits)
        if without:
            connection.execute(_INBOX_DONE_PLAIN, without)

    def edits_since(self, since: datetime) -> list[list[Any]]:
        """The panel edits of the updates handled since `since`, oldest first."""
        query = (
            select(InboundUpdate.edits)
            .where(col(InboundUpdate.handled_at) >= since, col(InboundUpdate.edits).is_not(None))
            .order_by(col(InboundUpdate.update_id))
        )
        return [edit for row in self.session.exec(query) if row for edit in row]

    def prune(self, before: datetime) -> int:
        """Forget handled updates older than `before`; returns how many."""
        result = self.session.execute(
            delete(InboundUpdate).where(col(InboundUpdate.state) == "done", col(InboundUpdate.received_at) < before)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def counts(self) -> dict[str, int]:
        """How many updates are in each state."""
        query = select(InboundUpdate.state, func.count()).group_by(InboundUpdate.state)
        return {state: int(n) for state, n in self.session.exec(query)}


class OutboxRepository:
    """Messages waiting to be delivered."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: Outbox) -> Outbox:
        """Queue a message."""
        self.session.add(message)
        self.session.flush()
        return message

    def add_many(self, rows: list[dict[str, Any]]) -> int:
        """Queue many messages at once, skipping those whose `dedupe_key` was already used; returns how many."""
        if not rows:
            return 0
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(Outbox).on_conflict_do_nothing(index_elements=["dedupe_key"])
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(Outbox).on_conflict_do_nothing(index_elements=["dedupe_key"])
        connection = self.session.connection()
        if connection.dialect.supports_sane_multi_rowcount:  # one executemany; the rows it inserted are counted
            return int(connection.execute(statement.execution_options(preserve_rowcount=True), rows).rowcount)
        statement = statement.returning(col(Outbox.id))
        added = 0
        for start in range(0, len(rows), 500):
            added += len(connection.execute(statement, rows[start : start + 500]).all())
        return added

    def counts_between(self, kinds: Sequence[str], first: datetime, last: datetime) -> tuple[int, int, datetime | None]:
        """Messages of these kinds queued in [first, last): how many, how many sent, the last sending time."""
        window = and_(col(Outbox.kind).in_(list(kinds)), col(Outbox.created_at) >= first, col(Outbox.created_at) < last)
        queued = self.session.exec(select(func.count()).select_from(Outbox).where(window)).one()
        sent, at = self.session.exec(
            select(func.count(), func.max(Outbox.sent_at)).where(window, col(Outbox.status) == "sent")
        ).one()
        return int(queued), int(sent), at

    def batch_done(self, key: str) -> bool:
        """Whether a batch of reminders was already queued."""
        return self.session.get(ReminderBatch, key) is not None

    def mark_batch(self, key: str, queued: int, now: datetime) -> None:
        """Remember that a batch of reminders is queued (a second process doing the same is harmless)."""
        if self.session.get(ReminderBatch, key) is None:
            self.session.add(ReminderBatch(key=key, queued=queued, queued_at=now))
            self.session.flush()

    def postpone(self, message_id: int, until: datetime) -> None:
        """Hold a claimed message until a later time without counting an attempt."""
        self.session.execute(
            update(Outbox)
            .where(col(Outbox.id) == message_id)
            .values(status="pending", claimed_at=None, claimed_by=None, next_attempt_at=until)
        )

    def exists(self, dedupe_key: str) -> bool:
        """Whether a message with this key was ever queued."""
        query = select(func.count()).select_from(Outbox).where(Outbox.dedupe_key == dedupe_key)
        return bool(self.session.exec(query).one())

    def due(self, now: datetime, abandoned: Sequence[str], stale_claim: datetime, limit: int) -> list[Outbox]:
        """Pending messages whose time has come, and claims of workers that are gone (`abandoned`; or, claimed by
        no known worker, before `stale_claim`), oldest first."""
        orphans = and_(
            col(Outbox.status) == "sending", col(Outbox.claimed_by).is_(None), col(Outbox.claimed_at) < stale_claim
        )
        conditions = [and_(col(Outbox.status) == "pending", col(Outbox.next_attempt_at) <= now), orphans]
        if abandoned:
            conditions.append(and_(col(Outbox.status) == "sending", col(Outbox.claimed_by).in_(list(abandoned))))
        query = select(Outbox).where(or_(*conditions))
        return list(self.session.exec(query.order_by(col(Outbox.id)).limit(limit)))

    def claimants(self) -> list[str]:
        """The workers holding claims now."""
        query = select(Outbox.claimed_by).where(col(Outbox.status) == "sending", col(Outbox.claimed_by).is_not(None))
        return sorted({str(w) for w in self.session.exec(query.distinct())})

    def claim(self, message_id: int, status: str, now: datetime, worker: str | None = None) -> bool:
        """Take a message for sending; False if another worker took it first."""
        result = self.session.execute(
            update(Outbox)
            .where(col(Outbox.id) == message_id, col(Outbox.status) == status)
            .values(status="sending", claimed_at=now, claimed_by=worker)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def release(self, worker: str) -> None:
        """A worker's claims go back to the queue (it stops)."""
        self.session.execute(
            update(Outbox)
            .where(col(Outbox.status) == "sending", col(Outbox.claimed_by) == worker)
            .values(status="pending", claimed_at=None, claimed_by=None)
        )

    def back_off(self, person_id: int, until: datetime) -> int:
        """Hold every pending message of a person until `until` (Telegram asked to wait for that chat)."""
        result = self.session.execute(
            update(Outbox)
            .where(
                col(Outbox.person_id) == person_id, col(Outbox.status) == "pending", col(Outbox.next_attempt_at) < until
            )
            .values(next_attempt_at=until)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def summary(self) -> list[tuple[str, str, int, datetime | None]]:
        """(status, kind, count, oldest created) of every message, for operations."""
        query = (
            select(Outbox.status, Outbox.kind, func.count(), func.min(Outbox.created_at))
            .group_by(Outbox.status, Outbox.kind)
            .order_by(Outbox.status, Outbox.kind)
        )
        return [(str(s), str(k), int(n), oldest) for s, k, n, oldest in self.session.exec(query)]

    def failures(self, limit: int) -> list[Outbox]:
        """The latest messages given up, newest first."""
        query = select(Outbox).where(col(Outbox.status) == "failed").order_by(col(Outbox.id).desc()).limit(limit)
        return list(self.session.exec(query))

    def get(self, message_id: int) -> Outbox | None:
        """The message with this id."""
        return self.session.get(Outbox, message_id)

    def of_kind(self, kind: str) -> list[Outbox]:
        """Every message of a kind, oldest first (tests, previews)."""
        return list(self.session.exec(select(Outbox).where(Outbox.kind == kind).order_by(col(Outbox.id))))


class WorkerRepository:
    """Running bot processes and their heartbeats."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, worker_id: str) -> Worker | None:
        """A worker by id."""
        return self.session.get(Worker, worker_id)

    def all(self) -> list[Worker]:
        """Every registered worker."""
        return list(self.session.exec(select(Worker)))

    def put(self, worker: Worker) -> None:
        """Register or refresh a worker."""
        self.session.merge(worker)
        self.session.flush()

    def remove(self, worker_ids: Sequence[str]) -> None:
        """Forget workers that are gone."""
        if worker_ids:
            self.session.execute(delete(Worker).where(col(Worker.id).in_(list(worker_ids))))


class CalendarRepository:
    """HR's days off and make-up working days."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[CalendarDay]:
        """Every entry, by date."""
        return list(self.session.exec(select(CalendarDay).order_by(col(CalendarDay.day))))

    def get(self, day: date) -> CalendarDay | None:
        """The entry of a day."""
        return self.session.get(CalendarDay, day)

    def add(self, entry: CalendarDay) -> CalendarDay:
        """Persist an entry."""
        self.session.add(entry)
        self.session.flush()
        return entry

    def delete(self, entry: CalendarDay) -> None:
        """Remove an entry."""
        self.session.delete(entry)
        self.session.flush()


class LeaveRepository:
    """Leave of people."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, leave_id: int) -> Leave | None:
        """The leave with this id."""
        return self.session.get(Leave, leave_id)

    def add(self, leave: Leave) -> Leave:
        """Persist a leave."""
        self.session.add(leave)
        self.session.flush()
        return leave

    def of_person(self, person_id: int, first: date, last: date) -> list[Leave]:
        """A person's leave (not withdrawn) overlapping a date range."""
        return self.overlapping(first, last, [person_id])

    def overlapping(self, first: date, last: date, person_ids: list[int] | None) -> list[Leave]:
        """Leave (not withdrawn) overlapping a date range, of some people or of everyone."""
        query = select(Leave).where(
            col(Leave.cancelled_at).is_(None), col(Leave.starts_on) <= last, col(Leave.ends_on) >= first
        )
        if person_ids is not None:
            query = query.where(col(Leave.person_id).in_(person_ids))
        return list(self.session.exec(query.order_by(col(Leave.starts_on), col(Leave.id))))


class SnoozeRepository:
    """Pauses of the weekly prompts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, snooze: Snooze) -> Snooze:
        """Persist a pause."""
        self.session.add(snooze)
        self.session.flush()
        return snooze

    def of_person(self, person_id: int, today: date) -> list[Snooze]:
        """A person's pauses (not cancelled) that have not ended."""
        query = select(Snooze).where(
            Snooze.person_id == person_id, col(Snooze.cancelled_at).is_(None), col(Snooze.ends_on) >= today
        )
        return list(self.session.exec(query.order_by(col(Snooze.starts_on))))

    def covering(self, day: date) -> list[Snooze]:
        """Pauses in force on a day."""
        query = select(Snooze).where(
            col(Snooze.cancelled_at).is_(None), col(Snooze.starts_on) <= day, col(Snooze.ends_on) >= day
        )
        return list(self.session.exec(query))


class RatingRepository:
    """Cross-evaluations of the 360° round (read only by the scoring of their ratee, never shown alone)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, rating_id: int) -> Rating | None:
        """The rating with this id."""
        return self.session.get(Rating, rating_id)

    def add(self, rating: Rating) -> Rating:
        """Persist a rating request."""
        self.session.add(rating)
        self.session.flush()
        return rating

    def exists(self, period_id: int, ratee_id: int, rater_id: int) -> bool:
        """Whether this rater is already asked to rate this person in this period."""
        query = (
            select(func.count())
            .select_from(Rating)
            .where(Rating.period_id == period_id, Rating.ratee_id == ratee_id, Rating.rater_id == rater_id)
        )
        return bool(self.session.exec(query).one())

    def by_rater(self, rater_id: int, period_ids: Iterable[int]) -> list[Rating]:
        """What one person is asked to rate in these periods."""
        ids = list(period_ids)
        if not ids:
            return []
        query = select(Rating).where(Rating.rater_id == rater_id, col(Rating.period_id).in_(ids))
        return list(self.session.exec(query.order_by(col(Rating.id))))

    def of_ratee(self, period_id: int, ratee_id: int) -> list[Rating]:
        """Every rating of one person in one period, sent or not."""
        query = select(Rating).where(Rating.period_id == period_id, Rating.ratee_id == ratee_id)
        return list(self.session.exec(query.order_by(col(Rating.id))))

    def submitted_for(self, period_id: int, ratee_id: int) -> list[Rating]:
        """The submitted ratings of one person in one period."""
        query = select(Rating).where(
            Rating.period_id == period_id, Rating.ratee_id == ratee_id, Rating.state == "submitted"
        )
        return list(self.session.exec(query.order_by(col(Rating.id))))

    def in_period(self, period_id: int) -> list[Rating]:
        """Every rating of a period (progress counts)."""
        return list(self.session.exec(select(Rating).where(Rating.period_id == period_id)))


class CouncilRepository:
    """The council's cases, votes and commendation proposals."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def case(self, case_id: int) -> CouncilCase | None:
        """The case with this id."""
        return self.session.get(CouncilCase, case_id)

    def case_of(self, assessment_id: int, kind: str) -> CouncilCase | None:
        """The case of this kind about this assessment."""
        query = select(CouncilCase).where(CouncilCase.assessment_id == assessment_id, CouncilCase.kind == kind)
        return self.session.exec(query).first()

    def cases(self, state: str | None = None) -> list[CouncilCase]:
        """Cases, oldest first (open ones only when `state` is "open")."""
        query = select(CouncilCase)
        if state is not None:
            query = query.where(CouncilCase.state == state)
        return list(self.session.exec(query.order_by(col(CouncilCase.id))))

    def cases_of_assessment(self, assessment_id: int) -> list[CouncilCase]:
        """Every case about one assessment."""
        query = select(CouncilCase).where(CouncilCase.assessment_id == assessment_id)
        return list(self.session.exec(query.order_by(col(CouncilCase.id))))

    def add_case(self, case: CouncilCase) -> CouncilCase:
        """Open a case."""
        self.session.add(case)
        self.session.flush()
        return case

    def votes(self, case_id: int) -> list[CouncilVote]:
        """The votes on a case."""
        return list(self.session.exec(select(CouncilVote).where(CouncilVote.case_id == case_id)))

    def vote_of(self, case_id: int, member_id: int) -> CouncilVote | None:
        """One member's vote on a case."""
        query = select(CouncilVote).where(CouncilVote.case_id == case_id, CouncilVote.member_id == member_id)
        return self.session.exec(query).first()

    def add_vote(self, vote: CouncilVote) -> CouncilVote:
        """Record a vote."""
        self.session.add(vote)
        self.session.flush()
        return vote

    def proposals(self, period_ids: Iterable[int]) -> list[Commendation]:
        """Commendation proposals in these periods."""
        ids = list(period_ids)
        if not ids:
            return []
        return list(self.session.exec(select(Commendation).where(col(Commendation.period_id).in_(ids))))

    def proposal(self, period_id: int, person_id: int, member_id: int) -> Commendation | None:
        """One member's proposal of a person."""
        query = select(Commendation).where(
            Commendation.period_id == period_id,
            Commendation.person_id == person_id,
            Commendation.proposed_by == member_id,
        )
        return self.session.exec(query).first()

    def add_proposal(self, proposal: Commendation) -> Commendation:
        """Record a proposal."""
        self.session.add(proposal)
        self.session.flush()
        return proposal

    def delete(self, row: Any) -> None:
        """Withdraw a proposal."""
        self.session.delete(row)
        self.session.flush()
