"""SQLModel tables: the organisation, people, links, invites, the audit log, and the monthly cycle
(periods, tasks, assessments, review cards, delegations, dialogs and the outbox of messages)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from danhgia.storage.types import DecimalText, UTCDateTime, utcnow


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
    __table_args__ = (Index("ix_person_unit", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_code: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(max_length=255)
    unit_id: int = Field(sa_column=Column(Integer, ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False))
    position: str = Field(default="", max_length=255)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=32)
    language: str = Field(default="vi", max_length=8)
    category: str = Field(default="", max_length=32)  # loại cán bộ: cong_chuc, vien_chuc… ("" = not given)
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
    """A messaging account linked to a person: one per platform (`channel`, workflow/channels.py) and person, one
    person per account. `telegram_user_id` is the account's id as the bot sees it (a Zalo account's number)."""

    __tablename__ = "telegram_link"
    __table_args__ = (UniqueConstraint("person_id", "channel", name="uq_telegram_link_person_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    channel: str = Field(
        default="telegram", sa_column=Column(String(16), nullable=False, server_default=text("'telegram'"))
    )
    telegram_user_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    username: str | None = Field(default=None, max_length=64)
    menu_signature: str | None = Field(default=None, max_length=32)
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    active_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)  # last switched to


class InviteCode(SQLModel, table=True):
    """A one-time invite code for one platform (a Telegram deep link, a code typed on Zalo); only its SHA-256 hash
    is stored."""

    __tablename__ = "invite_code"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    code_hash: str = Field(max_length=64, unique=True, index=True)
    channel: str = Field(
        default="telegram", sa_column=Column(String(16), nullable=False, server_default=text("'telegram'"))
    )
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


# -- the monthly cycle ----------------------------------------------------------------------------------


class Period(SQLModel, table=True):
    """An evaluation period (a month, or a quarter for quarterly regimes) of one unit, opened and closed by HR."""

    __tablename__ = "period"
    __table_args__ = (UniqueConstraint("unit_id", "key", name="uq_period_unit_key"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(sa_column=Column(Integer, ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False))
    key: str = Field(max_length=16, index=True)
    starts_on: date
    ends_on: date
    regime_id: str = Field(max_length=64)
    status: str = Field(default="open", max_length=16)
    exceptional: bool = Field(default=False)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    opened_by: int | None = Field(default=None, foreign_key="person.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    closed_by: int | None = Field(default=None, foreign_key="person.id")
    close_draft: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class UnitRegime(SQLModel, table=True):
    """The regime a unit (and the units below it) uses for one category of staff (e.g. viên chức → NĐ 233)."""

    __tablename__ = "unit_regime"
    __table_args__ = (UniqueConstraint("unit_id", "category", name="uq_unit_regime_category"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(sa_column=Column(Integer, ForeignKey("unit.id", ondelete="CASCADE"), nullable=False))
    category: str = Field(max_length=32)
    regime_id: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class UnitLevel(SQLModel, table=True):
    """The level a unit itself was rated for a period (a month key, or a year "2026"): its head is not rated above
    it (Hà Nội 1841, NĐ 233 Điều 12.7)."""

    __tablename__ = "unit_level"
    __table_args__ = (UniqueConstraint("unit_id", "period_key", name="uq_unit_level_period"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(sa_column=Column(Integer, ForeignKey("unit.id", ondelete="CASCADE"), nullable=False))
    period_key: str = Field(max_length=16)
    level: str = Field(max_length=16)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Task(SQLModel, table=True):
    """A task (product, work item) a person plans for a week and checks in on; counted in its due month."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_person_due", "person_id", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    title: str = Field(max_length=200)
    due_on: date
    weight: Decimal = Field(default=Decimal(1), sa_type=DecimalText, nullable=False)
    status: str = Field(default="open", max_length=16)
    progress: str = Field(default="planned", max_length=16)
    quality_problem: bool = Field(default=False)
    note: str = Field(default="", max_length=1000)
    completed_on: date | None = Field(default=None)
    last_checkin_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Assessment(SQLModel, table=True):
    """One person's evaluation for one period: the self-assessment, the review and the final result."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("period_id", "person_id", name="uq_assessment_period_person"),
        Index("ix_assessment_reviewer_state", "reviewer_id", "state"),
        Index("ix_assessment_person", "person_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(sa_column=Column(Integer, ForeignKey("period.id", ondelete="RESTRICT"), nullable=False))
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="RESTRICT"), nullable=False))
    state: str = Field(default="draft", max_length=16)
    version: int = Field(default=0)
    is_leader: bool = Field(default=False)
    regime_id: str | None = Field(default=None, max_length=64)  # the person's own regime (None: the period's)
    category: str = Field(default="", max_length=32)  # the person's category when the record was made
    step: str = Field(default="", max_length=32)
    self_input: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    tasks_snapshot: list[Any] | None = Field(default=None, sa_type=JSON)
    review_input: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    review_draft: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    self_total: Decimal | None = Field(default=None, sa_type=DecimalText)
    self_level: str | None = Field(default=None, max_length=16)
    total: Decimal | None = Field(default=None, sa_type=DecimalText)
    level: str | None = Field(default=None, max_length=16)
    final_level: str | None = Field(default=None, max_length=16)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    reviewer_id: int | None = Field(default=None, foreign_key="person.id")
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    decided_by: int | None = Field(default=None, foreign_key="person.id")
    decided_for: int | None = Field(default=None, foreign_key="person.id")
    decision: str | None = Field(default=None, max_length=16)
    decision_reason: str | None = Field(default=None)
    locked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReviewCard(SQLModel, table=True):
    """A review card message sent to a reviewer (edited in place after every decision)."""

    __tablename__ = "review_card"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    person_id: int = Field(foreign_key="person.id")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    digest: str | None = Field(default=None, max_length=64)  # what the message shows now (text and buttons)


class Delegation(SQLModel, table=True):
    """A leader names an acting reviewer for a date range (both days included)."""

    __tablename__ = "delegation"

    id: int | None = Field(default=None, primary_key=True)
    leader_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    acting_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    starts_on: date
    ends_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class Dialog(SQLModel, table=True):
    """What a person's private chat is waiting for: typed text for a step, and the panel message to edit."""

    __tablename__ = "dialog"

    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True))
    kind: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Outbox(SQLModel, table=True):
    """A message to deliver to a person, written in the same transaction as the change it announces."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    dedupe_key: str | None = Field(default=None, max_length=128, unique=True)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)  # the worker (process) sending it
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    last_error: str | None = Field(default=None, max_length=500)


class Worker(SQLModel, table=True):
    """A running bot process: what it claims is its own while it lives (a heartbeat, and on its own machine its
    process id), and is released at once when it is gone."""

    __tablename__ = "worker"

    id: str = Field(primary_key=True, max_length=64)
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    heartbeat_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class InboundUpdate(SQLModel, table=True):
    """An update from the messaging platform, recorded before it is acknowledged, handled from here, marked done
    once handled: a crash loses none and a redelivered one is a no-op."""

    __tablename__ = "inbound_update"
    __table_args__ = (
        Index("ix_inbound_update_pending", "state", "update_id"),
        # several instances: a chat's pending updates in order, and the panel edits made in a chat
        Index("ix_inbound_update_chat", "chat_key", "update_id"),
        Index(
            "ix_inbound_update_chat_pending",
            "chat_key",
            "update_id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    chat_key: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    state: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # the panels its handling edited: [chat, message, view before, content after] (a restart remembers them)
    edits: list[list[Any]] | None = Field(default=None, sa_type=JSON)


# -- calendar, leave and reminders ----------------------------------------------------------------------


class CalendarDay(SQLModel, table=True):
    """A day HR marks as off (a local holiday) or as worked (a make-up Saturday), over the national calendar."""

    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    working: bool
    note: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Leave(SQLModel, table=True):
    """Leave of a person (annual, sick, maternity, training, other) from `starts_on` to `ends_on` included."""

    __tablename__ = "leave"
    __table_args__ = (Index("ix_leave_person_dates", "person_id", "starts_on", "ends_on"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=16)
    starts_on: date
    ends_on: date
    note: str = Field(default="", max_length=255)
    recorded_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class Snooze(SQLModel, table=True):
    """A person pauses the weekly prompts from `starts_on` to `ends_on` included."""

    __tablename__ = "snooze"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    starts_on: date
    ends_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class ReminderBatch(SQLModel, table=True):
    """A batch of reminders (e.g. the check-in prompts of one week) already queued in the outbox."""

    __tablename__ = "reminder_batch"

    key: str = Field(primary_key=True, max_length=96)
    queued: int = Field(default=0)
    queued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# -- 360° feedback and the council ----------------------------------------------------------------------


class Rating(SQLModel, table=True):
    """One cross-evaluation of the 360° round: a rater scores a colleague (stored apart, never shown alone)."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("period_id", "ratee_id", "rater_id", name="uq_rating_period_ratee_rater"),
        Index("ix_rating_rater", "rater_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(sa_column=Column(Integer, ForeignKey("period.id", ondelete="CASCADE"), nullable=False))
    ratee_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    rater_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    role: str = Field(max_length=16)
    state: str = Field(default="pending", max_length=16)
    step: int = Field(default=0)
    version: int = Field(default=0)
    criteria: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class CouncilCase(SQLModel, table=True):
    """A result the evaluation council must look at: a large gap, a long absence, a quota tie, a contest."""

    __tablename__ = "council_case"
    __table_args__ = (UniqueConstraint("assessment_id", "kind", name="uq_council_case_assessment_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: str = Field(max_length=16)
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    reason: str | None = Field(default=None)
    state: str = Field(default="open", max_length=16)
    outcome: str | None = Field(default=None, max_length=16)
    new_level: str | None = Field(default=None, max_length=16)
    decision_reason: str | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class CouncilVote(SQLModel, table=True):
    """One council member's vote on a case (they may change it until the case is decided)."""

    __tablename__ = "council_vote"
    __table_args__ = (UniqueConstraint("case_id", "member_id", name="uq_council_vote_case_member"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=Column(Integer, ForeignKey("council_case.id", ondelete="CASCADE"), nullable=False))
    member_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    outcome: str = Field(max_length=16)
    level: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Commendation(SQLModel, table=True):
    """A council member proposes an excellent performer of a period for commendation."""

    __tablename__ = "commendation"
    __table_args__ = (UniqueConstraint("period_id", "person_id", "proposed_by", name="uq_commendation"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(sa_column=Column(Integer, ForeignKey("period.id", ondelete="CASCADE"), nullable=False))
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    proposed_by: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# -- paid broadcasts: the Telegram Stars they cost -------------------------------------------------------------


class StarsMonth(SQLModel, table=True):
    """The Telegram Stars of one month (the organisation's calendar, "2026-12") reserved for paid broadcasts, in
    tenths of a Star (a paid message costs 0,1 Star): `reserved` counts every message that may have been paid for
    (sent, or on its way: those still holding a `StarsReservation`; the others are spent); `paused_until`: the bot's
    balance was found short, nothing is paid for until then."""

    __tablename__ = "stars_month"

    month: str = Field(primary_key=True, max_length=7)
    reserved: int = Field(default=0)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class StarsReservation(SQLModel, table=True):
    """The Stars reserved for one outbox message sent as a paid broadcast, from its claim until its answer: then
    counted as spent (Telegram accepted it, or may have) or given back (refused, never sent)."""

    __tablename__ = "stars_reservation"

    outbox_id: int = Field(
        sa_column=Column(Integer, ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    month: str = Field(max_length=7)
    tenths: int = Field(default=1)
    reserved_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


# -- the Zalo channel: its ids, each chat's latest panel, the events recorded ---------------------------------


class ZaloChat(SQLModel, table=True):
    """A Zalo chat or user id (opaque string) and the integer the bot's Telegram-shaped code knows it by."""

    __tablename__ = "zalo_chat"

    number: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    zalo_id: str = Field(max_length=128, unique=True)


class ZaloPanel(SQLModel, table=True):
    """A Zalo chat's latest panel (`ShownPanel.as_dict`; None before the first) and the last message id given out
    in it (message ids increase, never reused)."""

    __tablename__ = "zalo_panel"

    chat: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    panel: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    last_message_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class ZaloEvent(SQLModel, table=True):
    """A Zalo event recorded in the inbox: its message id (the dedupe key) and the update id it was given."""

    __tablename__ = "zalo_event"

    message_id: str = Field(primary_key=True, max_length=128)
    update_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    chat: int = Field(sa_column=Column(BigInteger, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
