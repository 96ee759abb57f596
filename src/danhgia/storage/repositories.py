"""Repositories: every query the rest of the project needs, behind plain methods (the only SQL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, or_
from sqlmodel import Session, col, select

from danhgia.storage.models import (
    AuditEntry,
    InviteCode,
    Person,
    PersonRole,
    ReportingLine,
    Role,
    TelegramLink,
    Unit,
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

    def unlinked(self, unit_ids: Iterable[int] | None = None) -> list[Person]:
        """Active people with no Telegram account linked, optionally only in these units."""
        linked = select(TelegramLink.person_id)
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
    """Links between people and Telegram accounts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_telegram_user(self, telegram_user_id: int) -> TelegramLink | None:
        """The link of this Telegram account."""
        query = select(TelegramLink).where(TelegramLink.telegram_user_id == telegram_user_id)
        return self.session.exec(query).first()

    def by_person(self, person_id: int) -> TelegramLink | None:
        """The link of this person."""
        return self.session.exec(select(TelegramLink).where(TelegramLink.person_id == person_id)).first()

    def all(self) -> list[TelegramLink]:
        """Every link."""
        return list(self.session.exec(select(TelegramLink).order_by(col(TelegramLink.person_id))))

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

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Add one line to the log."""
        self.session.add(entry)
        self.session.flush()
        return entry

    def entries(self, entity: str | None = None, entity_id: str | None = None) -> Sequence[AuditEntry]:
        """Log lines, oldest first, optionally for one entity."""
        query = select(AuditEntry)
        if entity is not None:
            query = query.where(AuditEntry.entity == entity)
        if entity_id is not None:
            query = query.where(AuditEntry.entity_id == entity_id)
        return list(self.session.exec(query.order_by(col(AuditEntry.id))))
