"""SQLModel tables: the organisation, its people and roles, Telegram links, invites and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from danhgia.storage.types import UTCDateTime, utcnow


class Unit(SQLModel, table=True):
    """An organisational unit (phòng, ban, UBND phường…), possibly inside a parent unit."""

    __tablename__ = "unit"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255)
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("unit.id", ondelete="RESTRICT"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Role(SQLModel, table=True):
    """A role a person can hold (`nhan_vien`, `lanh_dao`, `to_chuc`, `quan_tri`)."""

    __tablename__ = "role"

    code: str = Field(primary_key=True, max_length=32)
    name_vi: str = Field(max_length=128)
    name_en: str = Field(max_length=128)


class Person(SQLModel, table=True):
    """A member of staff (cán bộ, công chức, viên chức, người lao động)."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    staff_code: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(max_length=255)
    unit_id: int = Field(sa_column=Column(Integer, ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False))
    position: str = Field(default="", max_length=255)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=32)
    language: str = Field(default="vi", max_length=8)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PersonRole(SQLModel, table=True):
    """Which roles a person holds."""

    __tablename__ = "person_role"

    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True))
    role_code: str = Field(sa_column=Column(String(32), ForeignKey("role.code", ondelete="RESTRICT"), primary_key=True))


class ReportingLine(SQLModel, table=True):
    """`person` reports to `supervisor` from `valid_from` until the day before `valid_to` (open if None)."""

    __tablename__ = "reporting_line"
    __table_args__ = (Index("ix_reporting_line_person_valid", "person_id", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    supervisor_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    valid_from: date
    valid_to: date | None = Field(default=None)


class TelegramLink(SQLModel, table=True):
    """The one Telegram account linked to a person (and the one person linked to an account)."""

    __tablename__ = "telegram_link"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    telegram_user_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    username: str | None = Field(default=None, max_length=64)
    menu_signature: str | None = Field(default=None, max_length=32)
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class InviteCode(SQLModel, table=True):
    """A one-time deep-link code; only its SHA-256 hash is stored."""

    __tablename__ = "invite_code"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    code_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    used_by_telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class AuditEntry(SQLModel, table=True):
    """One line of the append-only audit log: who, on whose behalf, what, old → new, why, when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor_person_id: int | None = Field(default=None, foreign_key="person.id")
    actor_label: str = Field(max_length=128)
    on_behalf_of_person_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    old: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    new: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    reason: str | None = Field(default=None)
