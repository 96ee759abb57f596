"""Weekly tasks: plan them, edit or cancel them, and check in on them (one tap per task).

A task counts in the month of its due date. Unfinished tasks carry over into the following weeks; a task
still open after its due date is overdue, and one reported done after its due date is done late.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row

from danhgia.storage.models import Task
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow import inputs
from danhgia.workflow.calendar import month_bounds, week_bounds
from danhgia.workflow.clock import Clock
from danhgia.workflow.common import Actor, Change, audit, audit_many
from danhgia.workflow.refusal import Refusal

TITLE_MAX = 200
NOTE_MAX = 1000
WEIGHT_MAX = Decimal(100)
UPCOMING_WEEKS = 6
UPCOMING_MAX = 10
OPEN = "open"
DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
NOT_DONE = "not_done"
CANCELLED = "cancelled"


class CheckinOutcome(StrEnum):
    """What a person reports about a task."""

    ON_TIME = "on_time"
    LATE = "late"
    IN_PROGRESS = "in_progress"
    NOT_DONE = "not_done"


@dataclass(frozen=True)
class TaskView:
    """A task as shown to its owner."""

    id: int
    title: str
    due_on: date
    weight: Decimal
    status: str
    progress: str
    quality_problem: bool
    note: str
    completed_on: date | None
    overdue: bool
    reported_this_week: bool

    @property
    def is_open(self) -> bool:
        """Not finished (planned or in progress)."""
        return self.status == OPEN


@dataclass(frozen=True)
class WeekView:
    """A person's tasks of one week (with carried-over unfinished ones)."""

    monday: date
    sunday: date
    today: date
    tasks: tuple[TaskView, ...]
    upcoming: tuple[TaskView, ...] = ()  # open tasks due in the next weeks (planned ahead)

    @property
    def to_report(self) -> tuple[TaskView, ...]:
        """Open tasks not yet reported on this week, in order."""
        return tuple(t for t in self.tasks if t.is_open and not t.reported_this_week)


@dataclass(frozen=True)
class CheckinResult:
    """The task after a check-in, whether it was marked late by itself, and the week afterwards."""

    task: TaskView
    auto_late: bool
    week: WeekView


def clean_text(text: str, limit: int, *, code: str) -> str:
    """Free text (a title, a reason, a note), checked by the one parser of its kind (workflow/inputs.py)."""
    return inputs.text(text, limit, code=code)


def parse_weight(text: str) -> Decimal:
    """A weight typed as "1", "1,5" or "0.25": above 0, at most 2 decimals, at most 100."""
    return inputs.weight(text, WEIGHT_MAX)


class TaskService:
    """Use cases of the weekly plan and check-in."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz

    def today(self) -> date:
        """Today in the organisation's time zone."""
        return self.clock.now().astimezone(self.tz).date()

    def _week_start_utc(self, monday: date) -> datetime:
        return datetime.combine(monday, time(0), self.tz)

    def _view(self, task: Task | Row[Any], today: date, week_start: datetime) -> TaskView:
        assert task.id is not None
        return TaskView(
            id=task.id,
            title=task.title,
            due_on=task.due_on,
            weight=task.weight,
            status=task.status,
            progress=task.progress,
            quality_problem=task.quality_problem,
            note=task.note,
            completed_on=task.completed_on,
            overdue=task.status == OPEN and task.due_on < today,
            reported_this_week=task.last_checkin_at is not None and task.last_checkin_at >= week_start,
        )

    def _week(self, uow: UnitOfWork, person_id: int, day: date, today: date) -> WeekView:
        monday, sunday = week_bounds(day)
        rows = uow.tasks.week_rows(person_id, monday, sunday, sunday + timedelta(weeks=UPCOMING_WEEKS))
        start = self._week_start_utc(monday)
        return _week_of([self._view(row, today, start) for row in rows], monday, sunday, today)

    def week(self, person_id: int, day: date | None = None) -> WeekView:
        """The tasks of the week containing `day` (this week by default)."""
        today = self.today()
        with self.db.reader() as uow:
            return self._week(uow, person_id, day or today, today)

    def get(self, person_id: int, task_id: int) -> TaskView:
        """One of the person's tasks (Refusal `not_found` for anyone else's)."""
        today = self.today()
        with self.db.reader() as uow:
            task = uow.tasks.owned(task_id, person_id)
            if task is None:
                raise Refusal("not_found", retry=True)
            return self._view(task, today, self._week_start_utc(week_bounds(today)[0]))

    def check_due(self, due_on: date) -> date:
        """Refuse due dates before last month or more than a year ahead."""
        today = self.today()
        first_allowed = month_bounds(today.year, today.month)[0] - timedelta(days=1)
        first_allowed = first_allowed.replace(day=1)
        if due_on < first_allowed:
            raise Refusal("due_too_early", first=first_allowed, retry=True)
        if due_on > today + timedelta(days=366):
            raise Refusal("due_too_late", retry=True)
        return due_on

    def add(self, actor: Actor, person_id: int, title: str, due_on: date, weight: Decimal = Decimal(1)) -> TaskView:
        """Plan a new task."""
        title = clean_text(title, TITLE_MAX, code="title")
        self.check_due(due_on)
        weight = parse_weight(str(weight))
        now = self.clock.now()
        with self.db.uow() as uow:
            task = uow.tasks.add(
                Task(person_id=person_id, title=title, due_on=due_on, weight=weight, created_at=now, updated_at=now)
            )
            assert task.id is not None
            audit(
                uow,
                actor,
                Change(
                    "task.add",
                    "task",
                    str(task.id),
                    None,
                    {"title": title, "due_on": due_on.isoformat(), "weight": str(weight)},
                ),
                now,
            )
            uow.commit()
            today = self.today()
            return self._view(task, today, self._week_start_utc(week_bounds(today)[0]))

    def edit(
        self,
        actor: Actor,
        person_id: int,
        task_id: int,
        *,
        title: str | None = None,
        due_on: date | None = None,
        weight: Decimal | None = None,
        note: str | None = None,
    ) -> TaskView:
        """Change a task's title, due date, weight or note."""
        changes: dict[str, object] = {}
        if title is not None:
            changes["title"] = clean_text(title, TITLE_MAX, code="title")
        if due_on is not None:
            changes["due_on"] = self.check_due(due_on)
        if weight is not None:
            changes["weight"] = parse_weight(str(weight))
        if note is not None:
            changes["note"] = "" if note.strip() in ("", "-") else clean_text(note, NOTE_MAX, code="note")
        return self._change(actor, person_id, task_id, "task.edit", changes)

    def cancel(self, actor: Actor, person_id: int, task_id: int) -> TaskView:
        """Cancel a task (it no longer counts anywhere); the audit log keeps it."""
        return self._change(actor, person_id, task_id, "task.cancel", {"status": CANCELLED})

    def toggle_quality(self, actor: Actor, person_id: int, task_id: int) -> TaskView:
        """Mark or unmark a quality problem (a major error in the product)."""
        with self.db.uow() as uow:
            task = uow.tasks.owned(task_id, person_id)
            current = task.quality_problem if task else False
        return self._change(actor, person_id, task_id, "task.quality", {"quality_problem": not current})

    def _change(self, actor: Actor, person_id: int, task_id: int, action: str, changes: dict[str, object]) -> TaskView:
        now = self.clock.now()
        today = self.today()
        with self.db.uow() as uow:
            task = uow.tasks.owned(task_id, person_id)
            if task is None or task.status == CANCELLED:
                raise Refusal("not_found", retry=True)
            old = {k: _plain(getattr(task, k)) for k in changes}
            for key, value in changes.items():
                setattr(task, key, value)
            task.updated_at = now
            uow.session.add(task)
            new = {k: _plain(v) for k, v in changes.items()}
            if old != new:
                audit(uow, actor, Change(action, "task", str(task_id), old, new), now)
            uow.commit()
            return self._view(task, today, self._week_start_utc(week_bounds(today)[0]))

    def checkin(self, actor: Actor, person_id: int, task_id: int, outcome: CheckinOutcome) -> CheckinResult:
        """Record what happened to a task; "done on time" after the due date is recorded as late."""
        now = self.clock.now()
        today = self.today()
        monday, sunday = week_bounds(today)
        ahead = sunday + timedelta(weeks=UPCOMING_WEEKS)
        start = self._week_start_utc(monday)
        auto_late = False
        with self.db.uow() as uow:
            rows = uow.tasks.week_rows(person_id, monday, sunday, ahead)  # the week first: the task is usually in it
            task = next((row for row in rows if row.id == task_id), None) or uow.tasks.owned(task_id, person_id)
            if task is None or task.status == CANCELLED:
                raise Refusal("not_found", retry=True)
            old = {"status": task.status, "progress": task.progress, "completed_on": _plain(task.completed_on)}
            values: dict[str, object] = {"progress": task.progress, "completed_on": today}
            if outcome is CheckinOutcome.ON_TIME:
                auto_late = today > task.due_on
                values["status"] = DONE_LATE if auto_late else DONE_ON_TIME
            elif outcome is CheckinOutcome.LATE:
                values["status"] = DONE_LATE
            elif outcome is CheckinOutcome.NOT_DONE:
                values["status"] = NOT_DONE
            else:
                values.update(status=OPEN, progress="in_progress", completed_on=None)
            status, progress, completed = str(values["status"]), str(values["progress"]), values["completed_on"]
            assert completed is None or isinstance(completed, date)
            uow.tasks.record_checkin(task_id, status, progress, completed, now)
            new = {"status": status, "progress": progress, "completed_on": _plain(completed)}
            audit_many(uow, actor, [Change("task.checkin", "task", str(task_id), old, new)], now)
            uow.commit()
            view = replace(
                self._view(task, today, start),
                status=status,
                progress=progress,
                completed_on=completed,
                overdue=status == OPEN and task.due_on < today,
                reported_this_week=now >= start,
            )
        # The week afterwards, without reading it again: only this task changed. Finished today it is one of the
        # week's (`for_week` keeps what was completed this week); still open, it is there if due by `ahead`.
        views = [self._view(row, today, start) for row in rows if row.id != task_id]
        if view.status != OPEN or view.due_on <= ahead:
            views = sorted([*views, view], key=lambda v: (v.due_on, v.id))
        return CheckinResult(view, auto_late, _week_of(views, monday, sunday, today))

    def of_period(self, person_id: int, first: date, last: date) -> list[TaskView]:
        """The tasks counted in a period: due between the two days, not cancelled."""
        with self.db.reader() as uow:
            return self.in_period(uow, person_id, first, last)

    def in_period(self, uow: UnitOfWork, person_id: int, first: date, last: date) -> list[TaskView]:
        """`of_period` inside the caller's unit of work."""
        today = self.today()
        start = self._week_start_utc(week_bounds(today)[0])
        return [self._view(t, today, start) for t in uow.tasks.in_range(person_id, first, last)]


def _week_of(views: list[TaskView], monday: date, sunday: date, today: date) -> WeekView:
    """The week of these tasks (by due date): this week's and carried over, then the open ones due later."""
    this_week = [v for v in views if not (v.due_on > sunday and v.status == OPEN)]
    later = [v for v in views if v.due_on > sunday and v.status == OPEN]
    return WeekView(monday, sunday, today, tuple(this_week), tuple(later[:UPCOMING_MAX]))


def _plain(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
