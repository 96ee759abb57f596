"""Days off, leave and snoozed prompts: HR's calendar entries, leave recorded by HR or the person's leader,
and the working-time facts the scoring regime needs (working days of a period, leave taken in it)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from danhgia.scoring import LEAVE_TYPES, LeaveEntry, WorkingTime
from danhgia.storage.models import CalendarDay, Leave, Snooze
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.clock import Clock
from danhgia.workflow.collation import name_key, vietnamese_key
from danhgia.workflow.common import ROLE_ADMIN, ROLE_HR, Actor, Change, audit
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.tasks import clean_text
from danhgia.workflow.workdays import WorkCalendar

LEAVE_KINDS = tuple(LEAVE_TYPES)  # annual, sick, maternity, training, unpaid, other (scoring's list)
MAX_LEAVE_DAYS = 366
MAX_SNOOZE_DAYS = 92


@dataclass(frozen=True)
class LeaveView:
    """A leave as shown to HR, the leader and the person."""

    id: int
    person_id: int
    person_name: str
    kind: str
    starts_on: date
    ends_on: date
    note: str


@dataclass(frozen=True)
class LeaveRow:
    """One row of HR's leave file."""

    row: int
    staff_code: str
    kind: str
    starts_on: date
    ends_on: date
    note: str = ""


class LeaveImportRejected(Exception):
    """The leave file has problems: (row, code, params) each; nothing was recorded."""

    def __init__(self, problems: list[tuple[int, str, dict[str, object]]]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class LeavePerson:
    """Someone whose leave an actor may record (for choosing them in /nghiphep)."""

    id: int
    staff_code: str
    full_name: str
    unit_id: int
    unit_name: str


@dataclass(frozen=True)
class SnoozeView:
    """A pause of the weekly prompts."""

    id: int
    starts_on: date
    ends_on: date


class AbsenceService:
    """The organisation's calendar, leave and snoozes."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self._calendar: WorkCalendar | None = None
        self._lock = threading.Lock()

    def today(self) -> date:
        """Today in the organisation's time zone."""
        return self.clock.now().astimezone(self.tz).date()

    # -- the calendar ------------------------------------------------------------------------------------------

    def calendar(self) -> WorkCalendar:
        """The working-day calendar: national holidays and HR's entries (cached until HR changes one)."""
        with self._lock:
            if self._calendar is None:
                with self.db.reader() as uow:
                    overrides = {row.day: row.working for row in uow.calendar.all()}
                self._calendar = WorkCalendar(overrides)
            return self._calendar

    def forget_calendar(self) -> None:
        """Read HR's entries again next time (another process may have changed them)."""
        with self._lock:
            self._calendar = None

    def set_day(self, actor: Actor, day: date, working: bool | None, note: str = "") -> None:
        """HR marks a day as off (False), as worked (True), or back to the national calendar (None)."""
        now = self.clock.now()
        with self.db.uow() as uow:
            _require_hr(uow, actor)
            row = uow.calendar.get(day)
            old = None if row is None else {"working": row.working, "note": row.note}
            if working is None:
                if row is not None:
                    uow.calendar.delete(row)
            elif row is None:
                uow.calendar.add(CalendarDay(day=day, working=working, note=note, created_at=now))
            else:
                row.working, row.note = working, note
                uow.session.add(row)
            new = None if working is None else {"working": working, "note": note}
            if old != new:
                audit(uow, actor, Change("calendar.set", "calendar_day", day.isoformat(), old, new), now)
            uow.commit()
        self.forget_calendar()

    def day_entries(self) -> list[tuple[date, bool, str]]:
        """HR's calendar entries, by date."""
        with self.db.reader() as uow:
            return [(row.day, row.working, row.note) for row in uow.calendar.all()]

    # -- leave ------------------------------------------------------------------------------------------------

    def may_record_leave(self, uow: UnitOfWork, actor: Actor, person_id: int, on: date) -> bool:
        """HR, an administrator, an operator tool, or the person's direct leader."""
        if actor.person_id is None:
            return True
        if uow.people.roles(actor.person_id) & {ROLE_HR, ROLE_ADMIN}:
            return True
        line = uow.reporting.current(person_id, on)
        return line is not None and line.supervisor_id == actor.person_id

    def add_leave(
        self, actor: Actor, person_id: int, kind: str, starts_on: date, ends_on: date, note: str = ""
    ) -> LeaveView:
        """Record leave (HR or the person's leader); refused when it overlaps a leave already recorded."""
        if kind not in LEAVE_KINDS:
            raise Refusal("leave_kind")
        if ends_on < starts_on:
            raise Refusal("range_reversed")
        if (ends_on - starts_on).days >= MAX_LEAVE_DAYS:
            raise Refusal("range_too_long", days=MAX_LEAVE_DAYS)
        note = clean_text(note, 255, code="note") if note.strip() else ""
        now = self.clock.now()
        with self.db.uow() as uow:
            person = uow.people.get(person_id)
            if person is None or person.id is None:
                raise Refusal("not_found")
            if not self.may_record_leave(uow, actor, person_id, self.today()):
                raise Refusal("not_leave_recorder")
            for other in uow.leaves.of_person(person_id, starts_on, ends_on):
                raise Refusal("leave_overlap", start=other.starts_on, end=other.ends_on)
            row = uow.leaves.add(
                Leave(
                    person_id=person_id,
                    kind=kind,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    note=note,
                    recorded_by=actor.person_id,
                    created_at=now,
                )
            )
            assert row.id is not None
            audit(
                uow,
                actor,
                Change(
                    "leave.add",
                    "person",
                    str(person_id),
                    None,
                    {"leave_id": row.id, "kind": kind, "from": starts_on.isoformat(), "to": ends_on.isoformat()},
                    note or None,
                ),
                now,
            )
            uow.commit()
            return LeaveView(row.id, person_id, person.full_name, kind, starts_on, ends_on, note)

    def import_leave(self, actor: Actor, rows: list[LeaveRow], *, dry_run: bool = False) -> list[LeaveView]:
        """Record many leave entries at once (HR's file); any problem rejects the whole file, listed by row.

        `dry_run` checks everything and records nothing."""
        problems: list[tuple[int, str, dict[str, object]]] = []
        now = self.clock.now()
        with self.db.uow() as uow:
            _require_hr(uow, actor)
            resolved: list[tuple[LeaveRow, int, str]] = []
            for row in rows:
                person = uow.people.get_by_code(row.staff_code)
                if person is None or person.id is None:
                    problems.append((row.row, "leave_unknown_person", {"code": row.staff_code}))
                    continue
                if row.kind not in LEAVE_KINDS:
                    problems.append((row.row, "leave_kind", {"kind": row.kind}))
                    continue
                if row.ends_on < row.starts_on:
                    problems.append((row.row, "range_reversed", {}))
                    continue
                clash = [
                    other
                    for other, pid, _ in resolved
                    if pid == person.id and other.starts_on <= row.ends_on and row.starts_on <= other.ends_on
                ]
                if clash or uow.leaves.of_person(person.id, row.starts_on, row.ends_on):
                    problems.append((row.row, "leave_overlap_row", {"code": row.staff_code}))
                    continue
                resolved.append((row, person.id, person.full_name))
            if problems:
                raise LeaveImportRejected(problems)
            views = []
            for row, person_id, name in resolved:
                entry = uow.leaves.add(
                    Leave(
                        person_id=person_id,
                        kind=row.kind,
                        starts_on=row.starts_on,
                        ends_on=row.ends_on,
                        note=row.note[:255],
                        recorded_by=actor.person_id,
                        created_at=now,
                    )
                )
                assert entry.id is not None
                audit(
                    uow,
                    actor,
                    Change(
                        "leave.add",
                        "person",
                        str(person_id),
                        None,
                        {
                            "leave_id": entry.id,
                            "kind": row.kind,
                            "from": row.starts_on.isoformat(),
                            "to": row.ends_on.isoformat(),
                        },
                        row.note or None,
                    ),
                    now,
                )
                views.append(LeaveView(entry.id, person_id, name, row.kind, row.starts_on, row.ends_on, row.note))
            if dry_run:
                uow.rollback()
            else:
                uow.commit()
            return views

    def cancel_leave(self, actor: Actor, leave_id: int) -> LeaveView:
        """Withdraw a leave entry (same people who may record it)."""
        now = self.clock.now()
        with self.db.uow() as uow:
            row = uow.leaves.get(leave_id)
            if row is None or row.cancelled_at is not None:
                raise Refusal("not_found")
            if not self.may_record_leave(uow, actor, row.person_id, self.today()):
                raise Refusal("not_leave_recorder")
            row.cancelled_at = now
            uow.session.add(row)
            audit(uow, actor, Change("leave.cancel", "person", str(row.person_id), {"leave_id": leave_id}, None), now)
            uow.commit()
            person = uow.people.get(row.person_id)
            assert row.id is not None
            return LeaveView(
                row.id,
                row.person_id,
                person.full_name if person else "",
                row.kind,
                row.starts_on,
                row.ends_on,
                row.note,
            )

    def leaves(self, person_ids: list[int] | None, first: date, last: date) -> list[LeaveView]:
        """Leave overlapping a date range (of some people, or everyone)."""
        with self.db.reader() as uow:
            rows = uow.leaves.overlapping(first, last, person_ids)
            names = {p.id: p.full_name for p in uow.people.all()}
            return [
                LeaveView(r.id or 0, r.person_id, names.get(r.person_id, ""), r.kind, r.starts_on, r.ends_on, r.note)
                for r in rows
            ]

    def recordable_people(
        self,
        actor: Actor,
        *,
        unit_id: int | None = None,
        staff_code: str | None = None,
        person_id: int | None = None,
    ) -> list[LeavePerson]:
        """The active people whose leave `actor` may record — everyone for HR and administrators, the direct
        reports for a leader, nobody for others — optionally only one unit's, one staff code's or one person's;
        by unit, then name."""
        with self.db.reader() as uow:
            if actor.person_id is None or uow.people.roles(actor.person_id) & {ROLE_HR, ROLE_ADMIN}:
                if person_id is not None:
                    found = uow.people.get(person_id)
                    people = [found] if found is not None else []
                elif staff_code is not None:
                    code = staff_code.strip()
                    found = uow.people.get_by_code(code) or uow.people.get_by_code(code.upper())
                    people = [found] if found is not None else []
                elif unit_id is not None:
                    people = uow.people.in_units([unit_id])
                else:
                    people = uow.people.all()
            else:
                people = uow.reporting.subordinates(actor.person_id, self.today())
                if person_id is not None:
                    people = [p for p in people if p.id == person_id]
                if unit_id is not None:
                    people = [p for p in people if p.unit_id == unit_id]
                if staff_code is not None:
                    code = staff_code.strip().upper()
                    people = [p for p in people if p.staff_code.upper() == code]
            units = {unit.id: unit.name for unit in uow.units.all()}
            found_people = [
                LeavePerson(p.id, p.staff_code, p.full_name, p.unit_id, units.get(p.unit_id, ""))
                for p in people
                if p.active and p.id is not None
            ]
        return sorted(found_people, key=lambda p: (vietnamese_key(p.unit_name), name_key(p.full_name), p.staff_code))

    def on_leave(self, day: date) -> set[int]:
        """The people on leave on a day."""
        with self.db.reader() as uow:
            return {row.person_id for row in uow.leaves.overlapping(day, day, None)}

    def working_time(self, uow: UnitOfWork, person_id: int, first: date, last: date) -> WorkingTime:
        """Working days of a period and the leave taken on them, by kind (the facts scoring needs)."""
        calendar = self.calendar()
        worked_days = calendar.working_days_between(first, last)
        per_kind: dict[str, int] = {}
        for row in uow.leaves.of_person(person_id, first, last):
            start, end = max(first, row.starts_on), min(last, row.ends_on)
            per_kind[row.kind] = per_kind.get(row.kind, 0) + calendar.working_days_between(start, end)
        leave = tuple(LeaveEntry(kind, days) for kind, days in sorted(per_kind.items()) if days)
        return WorkingTime(max(worked_days, 1), leave)

    def period_facts(self, uow: UnitOfWork, person_id: int, first: date, last: date) -> WorkingTime | None:
        """The working-time facts for scoring, or None when the person took no leave in the period."""
        if not uow.leaves.of_person(person_id, first, last):
            return None
        facts = self.working_time(uow, person_id, first, last)
        return facts if facts.leave else None

    # -- snoozing the weekly prompts -----------------------------------------------------------------------------

    def snooze(self, person_id: int, starts_on: date, ends_on: date) -> SnoozeView:
        """Pause one's own weekly prompts for a date range (replacing any pause still running)."""
        if ends_on < starts_on:
            raise Refusal("range_reversed")
        if ends_on < self.today():
            raise Refusal("range_past")
        if (ends_on - starts_on).days >= MAX_SNOOZE_DAYS:
            raise Refusal("range_too_long", days=MAX_SNOOZE_DAYS)
        now = self.clock.now()
        with self.db.uow() as uow:
            for old in uow.snoozes.of_person(person_id, self.today()):
                old.cancelled_at = now
                uow.session.add(old)
            row = uow.snoozes.add(Snooze(person_id=person_id, starts_on=starts_on, ends_on=ends_on, created_at=now))
            assert row.id is not None
            audit(
                uow,
                Actor.person(person_id),
                Change(
                    "snooze.add",
                    "person",
                    str(person_id),
                    None,
                    {"from": starts_on.isoformat(), "to": ends_on.isoformat()},
                ),
                now,
            )
            uow.commit()
            return SnoozeView(row.id, starts_on, ends_on)

    def unsnooze(self, person_id: int) -> bool:
        """Resume the weekly prompts now; False when nothing was paused."""
        now = self.clock.now()
        with self.db.uow() as uow:
            rows = uow.snoozes.of_person(person_id, self.today())
            for row in rows:
                row.cancelled_at = now
                uow.session.add(row)
            if rows:
                audit(uow, Actor.person(person_id), Change("snooze.cancel", "person", str(person_id)), now)
                uow.commit()
            return bool(rows)

    def snoozed(self, person_id: int) -> SnoozeView | None:
        """The pause running or planned for a person, if any."""
        with self.db.reader() as uow:
            rows = uow.snoozes.of_person(person_id, self.today())
            return SnoozeView(rows[0].id or 0, rows[0].starts_on, rows[0].ends_on) if rows else None

    def snoozed_on(self, day: date) -> set[int]:
        """The people whose weekly prompts are paused on a day."""
        with self.db.reader() as uow:
            return {row.person_id for row in uow.snoozes.covering(day)}


def _require_hr(uow: UnitOfWork, actor: Actor) -> None:
    if actor.person_id is not None and not uow.people.roles(actor.person_id) & {ROLE_HR, ROLE_ADMIN}:
        raise Refusal("not_hr")


def days_in(first: date, last: date) -> list[date]:
    """Every day from `first` to `last` included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
