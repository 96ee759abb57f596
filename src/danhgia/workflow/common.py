"""What every use case shares: who acts, who a Telegram user is, and writing to the audit log."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from danhgia.storage.models import AuditEntry, Person
from danhgia.storage.uow import UnitOfWork

ROLE_STAFF = "nhan_vien"
ROLE_LEADER = "lanh_dao"
ROLE_HR = "to_chuc"
ROLE_ADMIN = "quan_tri"
ROLE_COUNCIL = "hoi_dong"
ROLES = (ROLE_STAFF, ROLE_LEADER, ROLE_HR, ROLE_ADMIN, ROLE_COUNCIL)


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a person (through the bot) or an operator tool (CLI, system job)."""

    label: str
    person_id: int | None = None
    on_behalf_of_person_id: int | None = None

    @classmethod
    def person(cls, person_id: int, telegram_user_id: int | None = None) -> Actor:
        """A person acting through the bot."""
        label = f"telegram:{telegram_user_id}" if telegram_user_id is not None else f"person:{person_id}"
        return cls(label=label, person_id=person_id)

    @classmethod
    def cli(cls, command: str) -> Actor:
        """An operator running a `danhgia` command."""
        return cls(label=f"cli:{command}")


SYSTEM = Actor(label="system")


@dataclass(frozen=True)
class Identity:
    """A linked person as the bot sees them."""

    person_id: int
    staff_code: str
    full_name: str
    position: str
    unit_code: str
    unit_name: str
    roles: frozenset[str]
    language: str
    telegram_user_id: int
    chat_id: int
    open_dialog: str | None = None  # the kind of typed answer the chat waits for, when the identity was read

    def has_role(self, *roles: str) -> bool:
        """Whether the person holds any of these roles."""
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class Change:
    """One audited change: what, old → new, why."""

    action: str
    entity: str
    entity_id: str | None
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def audit(uow: UnitOfWork, actor: Actor, change: Change, at: datetime) -> None:
    """Append one line to the audit log inside the current unit of work."""
    uow.audit.append(
        AuditEntry(
            at=at,
            actor_person_id=actor.person_id,
            actor_label=actor.label,
            on_behalf_of_person_id=actor.on_behalf_of_person_id,
            action=change.action,
            entity=change.entity,
            entity_id=change.entity_id,
            old=change.old,
            new=change.new,
            reason=change.reason,
        )
    )


def audit_many(uow: UnitOfWork, actor: Actor, changes: Sequence[Change], at: datetime) -> None:
    """Append many lines to the audit log at once (the same lines `audit` writes one by one)."""
    uow.audit.append_many(
        [
            {
                "at": at,
                "actor_person_id": actor.person_id,
                "actor_label": actor.label,
                "on_behalf_of_person_id": actor.on_behalf_of_person_id,
                "action": change.action,
                "entity": change.entity,
                "entity_id": change.entity_id,
                "old": change.old,
                "new": change.new,
                "reason": change.reason,
            }
            for change in changes
        ]
    )


def person_snapshot(person: Person) -> dict[str, Any]:
    """The audited fields of a person."""
    return {
        "staff_code": person.staff_code,
        "full_name": person.full_name,
        "unit_id": person.unit_id,
        "position": person.position,
        "email": person.email,
        "phone": person.phone,
        "category": person.category,
        "active": person.active,
    }


def identity_of(uow: UnitOfWork, person: Person, telegram_user_id: int, chat_id: int) -> Identity:
    """Build the bot's view of a linked person."""
    assert person.id is not None
    unit = uow.units.get(person.unit_id)
    return Identity(
        person_id=person.id,
        staff_code=person.staff_code,
        full_name=person.full_name,
        position=person.position,
        unit_code=unit.code if unit else "",
        unit_name=unit.name if unit else "",
        roles=frozenset(uow.people.roles(person.id)),
        language=person.language,
        telegram_user_id=telegram_user_id,
        chat_id=chat_id,
    )


def fingerprint(items: Iterable[object]) -> str:
    """A short, stable mark of the set a confirmation showed (e.g. record ids and versions): a confirm button
    carries it, and the decision applies only while the set is still exactly that."""
    text = "|".join(sorted(repr(item) for item in items))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
