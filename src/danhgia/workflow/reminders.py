"""Who is reminded of what, and when: the cycle's timeline on the Vietnamese working calendar.

The scheduler only ticks; at each tick `queue_due` asks "what is due now and still useful?" and writes
the answers into the outbox with a unique key per person, period and kind, so a restart catches up on
what it missed (if still inside its window and outside quiet hours) and two processes never send twice.

Timeline of a period (defaults, all settings): weekly plan prompt on the week's first working day at
08:00; weekly check-in on its last working day up to Friday at 15:00; the self-assessment window opens
on the 2nd-last working day of the month; its deadline is the 3rd working day of the next month (reminders
3 and 1 working days before, and that morning, only to those who have not submitted); the review deadline
is the 5th working day (nudges the day before and that morning; an escalation to the higher leader the
next working day); HR closes on the 7th working day and gets a daily digest from the window's opening
until then. Nothing is sent on a day off or in quiet hours (21:00–07:00); a late delivery that would fall
there is held for the next allowed moment, or dropped once it is no longer useful.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from danhgia.storage.models import Assessment
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.absence import AbsenceService
from danhgia.workflow.calendar import PeriodSpan, span_from_key, week_bounds
from danhgia.workflow.clock import Clock
from danhgia.workflow.common import ROLE_HR
from danhgia.workflow.lifecycle import EDITABLE, PENDING
from danhgia.workflow.outbox import queue
from danhgia.workflow.workdays import WorkCalendar

REMINDER_KINDS = (
    "remind_plan",
    "remind_checkin",
    "remind_self",
    "remind_rating",
    "remind_review",
    "escalate_review",
    "hr_digest",
    "council_overdue",
)


@dataclass(frozen=True)
class Timeline:
    """The configurable times and working-day offsets of the cycle."""

    plan_at: time = time(8, 0)
    checkin_weekday: int = 4  # Friday
    checkin_at: time = time(15, 0)
    window_workdays: int = 2
    self_deadline_workday: int = 3
    review_deadline_workday: int = 5
    closing_workday: int = 7
    remind_at: time = time(8, 0)
    digest_at: time = time(8, 30)
    quiet_from: time = time(21, 0)
    quiet_until: time = time(7, 0)
    self_reminders: tuple[int, ...] = (3, 1, 0)
    review_reminders: tuple[int, ...] = (1, 0)


@dataclass(frozen=True)
class PeriodDates:
    """The dates of one period's timeline."""

    key: str
    label: str
    starts_on: date
    ends_on: date
    window_opens: date
    self_deadline: date
    review_deadline: date
    closing: date


@dataclass(frozen=True)
class Planned:
    """One reminder: to whom, when, until when it is useful, and what it says."""

    kind: str
    person_id: int
    at: datetime
    until: datetime
    batch: str
    payload: dict[str, Any] = field(default_factory=dict)
    item: str | None = None  # what the message is about, when one person gets several of a batch

    @property
    def dedupe_key(self) -> str:
        """Unique per person, period (or week, or day) and kind: never sent twice."""
        base = f"{self.batch}:{self.person_id}"
        return base if self.item is None else f"{base}:{self.item}"


class ReminderService:
    """Plans and queues the reminders of the cycle."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        tz: ZoneInfo,
        absence: AbsenceService,
        timeline: Timeline,
        case_days: int = 10,
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.absence = absence
        self.timeline = timeline
        self.case_days = case_days  # the days the council has to decide a case

    # -- time ---------------------------------------------------------------------------------------------------

    def local(self, moment: datetime | None = None) -> datetime:
        """A moment (now by default) in the organisation's time zone."""
        return (moment or self.clock.now()).astimezone(self.tz)

    def at(self, day: date, when: time) -> datetime:
        """A local date and time as an aware datetime."""
        return datetime.combine(day, when, self.tz)

    def quiet(self, moment: datetime) -> bool:
        """Inside quiet hours (21:00–07:00 by default)."""
        clock_time = self.local(moment).time()
        start, end = self.timeline.quiet_from, self.timeline.quiet_until
        if start > end:
            return clock_time >= start or clock_time < end
        return start <= clock_time < end

    def next_allowed(self, moment: datetime) -> datetime:
        """The first moment from `moment` on that is on a working day and outside the (overnight) quiet hours."""
        calendar = self.absence.calendar()
        local = self.local(moment)
        day, clock_time = local.date(), local.time()
        start, end = self.timeline.quiet_until, self.timeline.quiet_from
        if calendar.is_working_day(day):
            if start <= clock_time < end:
                return local
            if clock_time < start:
                return self.at(day, start)
        return self.at(calendar.next_working_day(day + timedelta(days=1)), start)

    def deliverability(self, payload: dict[str, Any], now: datetime | None = None) -> datetime | None:
        """For a queued message: None to send now, a later moment to hold it until (a day off, quiet hours), or
        raise `ExpiredReminder` when a reminder (a payload with "until") is no longer useful."""
        now = now or self.clock.now()
        until = datetime.fromisoformat(str(payload["until"])) if payload.get("until") else None
        if until is not None and now >= until:
            raise ExpiredReminder
        allowed = self.next_allowed(now)
        if allowed <= now:
            return None
        if until is not None and allowed >= until:
            raise ExpiredReminder
        return allowed

    # -- the timeline ---------------------------------------------------------------------------------------------

    def dates(self, span: PeriodSpan, calendar: WorkCalendar | None = None) -> PeriodDates:
        """The timeline of a period."""
        calendar = calendar or self.absence.calendar()
        t = self.timeline
        following = span.ends_on + timedelta(days=1)
        return PeriodDates(
            key=span.key,
            label=span.label(),
            starts_on=span.starts_on,
            ends_on=span.ends_on,
            window_opens=calendar.last_working_days(span.ends_on, t.window_workdays),
            self_deadline=calendar.nth_working_day(following, t.self_deadline_workday),
            review_deadline=calendar.nth_working_day(following, t.review_deadline_workday),
            closing=calendar.nth_working_day(following, t.closing_workday),
        )

    def week_days(self, day: date, calendar: WorkCalendar) -> tuple[date | None, date | None]:
        """The week's plan day (first working day from Monday) and check-in day (last working day up to
        the check-in weekday), None when the week has none."""
        monday, sunday = week_bounds(day)
        plan = calendar.next_working_day(monday)
        check_limit = monday + timedelta(days=self.timeline.checkin_weekday)
        check = calendar.previous_working_day(check_limit)
        return (plan if plan <= sunday else None), (check if check >= monday else None)

    # -- planning -------------------------------------------------------------------------------------------------

    def plan(self, day: date) -> list[Planned]:
        """Every reminder due on a day, by the state of things now (used by the tick and by the preview)."""
        calendar = self.absence.calendar()
        if not calendar.is_working_day(day):
            return []
        until = self.at(day, self.timeline.quiet_from)
        with self.db.reader() as uow:
            people = _reachable_people(uow)
            on_leave = {row.person_id for row in uow.leaves.overlapping(day, day, None)}
            snoozed = {row.person_id for row in uow.snoozes.covering(day)}
            planned: list[Planned] = []
            planned += self._weekly(day, calendar, people, on_leave | snoozed, until)
            planned += self._period_reminders(uow, day, calendar, people, on_leave, until)
            planned += self._delegations_beginning(uow, day, people, on_leave, until)
            planned += self._council_overdue(uow, day, people, until)
        return planned

    def _weekly(
        self, day: date, calendar: WorkCalendar, people: dict[int, Any], skip: set[int], until: datetime
    ) -> list[Planned]:
        plan_day, check_day = self.week_days(day, calendar)
        monday = week_bounds(day)[0]
        found: list[Planned] = []
        for kind, when, clock_time in (
            ("remind_plan", plan_day, self.timeline.plan_at),
            ("remind_checkin", check_day, self.timeline.checkin_at),
        ):
            if when != day:
                continue
            batch = f"{kind}:{monday.isoformat()}"
            payload = {"week": monday.isoformat(), "until": until.isoformat()}
            found += [
                Planned(kind, pid, self.at(day, clock_time), until, batch, payload) for pid in people if pid not in skip
            ]
        return found

    def _period_reminders(
        self,
        uow: UnitOfWork,
        day: date,
        calendar: WorkCalendar,
        people: dict[int, Any],
        on_leave: set[int],
        until: datetime,
    ) -> list[Planned]:
        t = self.timeline
        found: list[Planned] = []
        open_periods = uow.periods.all_open()
        by_key: dict[str, list[Any]] = defaultdict(list)
        for period in open_periods:
            by_key[period.key].append(period)
        for key, periods in by_key.items():
            dates = self.dates(span_from_key(key), calendar)
            records: dict[tuple[int, int], Assessment] = {}
            for period in periods:
                assert period.id is not None
                for record in uow.assessments.in_period(period.id):
                    records[(period.id, record.person_id)] = record
            remind = self.at(day, t.remind_at)
            # the person's self-assessment: when the window opens, then D-3, D-1 and the deadline morning
            offsets = {f"d{n}": calendar.add_working_days(dates.self_deadline, -n) for n in t.self_reminders}
            offsets["open"] = dates.window_opens
            for label, when in offsets.items():
                if when != day or day < dates.window_opens or day > dates.self_deadline:
                    continue
                for period in periods:
                    assert period.id is not None
                    unit_people = [pid for pid, p in people.items() if p.unit_id == period.unit_id]
                    for pid in unit_people:
                        mine = records.get((period.id, pid))
                        if pid in on_leave or (mine is not None and mine.state not in EDITABLE):
                            continue
                        found.append(
                            Planned(
                                "remind_self",
                                pid,
                                remind,
                                until,
                                f"remind_self:{period.id}:{label}",
                                {
                                    "period_id": period.id,
                                    "label": dates.label,
                                    "deadline": dates.self_deadline.isoformat(),
                                    "step": label,
                                    "returned": mine is not None and mine.state == "returned",
                                    "until": until.isoformat(),
                                },
                            )
                        )
            # raters of the 360° round with ratings still to give: on the same days (the round closes at closing)
            for label, when in offsets.items():
                if when != day or day < dates.window_opens or day > dates.self_deadline:
                    continue
                found += self._rating_reminders(uow, periods, people, on_leave, dates, label, remind, until)
            # reviewers: the day before and the morning of the review deadline, then the escalation
            pending: dict[int, list[Any]] = defaultdict(list)
            for record in records.values():
                if record.state in PENDING and record.reviewer_id is not None:
                    pending[record.reviewer_id].append(record)
            for n in t.review_reminders:
                if calendar.add_working_days(dates.review_deadline, -n) != day:
                    continue
                for reviewer, items in pending.items():
                    if reviewer in on_leave or reviewer not in people:
                        continue
                    found.append(
                        Planned(
                            "remind_review",
                            reviewer,
                            remind,
                            until,
                            f"remind_review:{key}:d{n}",
                            {
                                "key": key,
                                "label": dates.label,
                                "count": len(items),
                                "deadline": dates.review_deadline.isoformat(),
                                "until": until.isoformat(),
                            },
                        )
                    )
            if calendar.add_working_days(dates.review_deadline, 1) == day and pending:
                found += self._escalations(uow, key, dates, pending, people, remind, until)
            # HR: a daily digest from the window's opening to the closing day
            if dates.window_opens <= day <= dates.closing:
                found += self._digests(uow, key, dates, periods, records, people, day, remind, until)
        return found

    def _rating_reminders(
        self,
        uow: UnitOfWork,
        periods: list[Any],
        people: dict[int, Any],
        on_leave: set[int],
        dates: PeriodDates,
        label: str,
        remind: datetime,
        until: datetime,
    ) -> list[Planned]:
        """Each rater with ratings of the 360° round still to give (how many, never whom or how)."""
        found: list[Planned] = []
        for period in periods:
            assert period.id is not None
            pending: dict[int, int] = defaultdict(int)
            for rating in uow.ratings.in_period(period.id):
                if rating.state != "submitted":
                    pending[rating.rater_id] += 1
            for rater, count in pending.items():
                if rater in on_leave or rater not in people:
                    continue
                found.append(
                    Planned(
                        "remind_rating",
                        rater,
                        remind,
                        until,
                        f"remind_rating:{period.id}:{label}",
                        {
                            "period_id": period.id,
                            "label": dates.label,
                            "count": count,
                            "closing": dates.closing.isoformat(),
                            "until": until.isoformat(),
                        },
                    )
                )
        return found

    def _council_overdue(self, uow: UnitOfWork, day: date, people: dict[int, Any], until: datetime) -> list[Planned]:
        """HR, once, on a working day after a council case's deadline while it is still undecided."""
        found: list[Planned] = []
        hr = _hr_people(uow, people)
        for case in uow.council.cases("open"):
            deadline = self.local(case.created_at).date() + timedelta(days=self.case_days)
            if day <= deadline:
                continue
            for target in hr:
                found.append(
                    Planned(
                        "council_overdue",
                        target,
                        self.at(day, self.timeline.remind_at),
                        until,
                        f"council_overdue:{case.id}",
                        {"case_id": case.id, "until": until.isoformat()},
                    )
                )
        return found

    def _delegations_beginning(
        self, uow: UnitOfWork, day: date, people: dict[int, Any], on_leave: set[int], until: datetime
    ) -> list[Planned]:
        """A delegation named ahead of its first day: on its first working day (the acting reviewer not on leave)
        the acting reviewer gets a card for each review that was already waiting for the leader. One named for
        today got those cards at once, and whatever is submitted during the range goes to both anyway."""
        found: list[Planned] = []
        for delegation in uow.delegations.active_on(day):
            starts = self.at(delegation.starts_on, time(0, 0))
            acting = delegation.acting_id
            if delegation.created_at >= starts or acting not in people or acting in on_leave:
                continue
            for record in uow.assessments.pending_for([delegation.leader_id]):
                if record.person_id == acting or (record.submitted_at is not None and record.submitted_at >= starts):
                    continue
                found.append(
                    Planned(
                        "review_card",
                        acting,
                        self.at(day, self.timeline.remind_at),
                        until,
                        f"delegation_start:{delegation.id}",
                        {"assessment_id": record.id, "delegation_id": delegation.id},
                        item=str(record.id),
                    )
                )
        return found

    def _escalations(
        self,
        uow: UnitOfWork,
        key: str,
        dates: PeriodDates,
        pending: dict[int, list[Any]],
        people: dict[int, Any],
        remind: datetime,
        until: datetime,
    ) -> list[Planned]:
        """One message per higher leader (or HR for the head) listing the reviews overdue below them."""
        per_target: dict[int, list[dict[str, Any]]] = defaultdict(list)
        hr = _hr_people(uow, people)
        for reviewer, items in pending.items():
            line = uow.reporting.current(reviewer, dates.review_deadline)
            targets = [line.supervisor_id] if line is not None and line.supervisor_id in people else hr
            reviewer_person = uow.people.get(reviewer)
            names = []
            for record in items:
                person = uow.people.get(record.person_id)
                names.append(person.full_name if person else "")
            for target in targets:
                if target != reviewer:
                    per_target[target].append(
                        {"reviewer": reviewer_person.full_name if reviewer_person else "", "people": names}
                    )
        return [
            Planned(
                "escalate_review",
                target,
                remind,
                until,
                f"escalate_review:{key}",
                {
                    "key": key,
                    "label": dates.label,
                    "deadline": dates.review_deadline.isoformat(),
                    "overdue": rows,
                    "until": until.isoformat(),
                },
            )
            for target, rows in per_target.items()
        ]

    def _digests(
        self,
        uow: UnitOfWork,
        key: str,
        dates: PeriodDates,
        periods: list[Any],
        records: dict[tuple[int, int], Assessment],
        people: dict[int, Any],
        day: date,
        remind: datetime,
        until: datetime,
    ) -> list[Planned]:
        rows = []
        for period in sorted(periods, key=lambda p: p.unit_id):
            unit = uow.units.get(period.unit_id)
            members = uow.people.in_units([period.unit_id])
            states = [records.get((period.id, m.id or 0)) for m in members]
            submitted = sum(1 for r in states if r is not None and r.state not in EDITABLE)
            waiting = sum(1 for r in states if r is not None and r.state in PENDING)
            missing = len(members) - submitted
            row: dict[str, Any] = {
                "unit": unit.name if unit else "",
                "people": len(members),
                "submitted": submitted,
                "pending_review": waiting,
                "not_submitted": missing,
                "overdue": missing if day > dates.self_deadline else 0,
            }
            ratings = uow.ratings.in_period(period.id)
            if ratings:  # the 360° round: counts only, never who rated whom or how
                row["ratings_sent"] = sum(1 for r in ratings if r.state == "submitted")
                row["ratings_asked"] = len(ratings)
            rows.append(row)
        at = self.at(day, self.timeline.digest_at)
        return [
            Planned(
                "hr_digest",
                hr,
                at,
                until,
                f"hr_digest:{key}:{day.isoformat()}",
                {
                    "key": key,
                    "label": dates.label,
                    "day": day.isoformat(),
                    "deadline": dates.self_deadline.isoformat(),
                    "closing": dates.closing.isoformat(),
                    "units": rows,
                    "until": until.isoformat(),
                },
            )
            for hr in _hr_people(uow, people)
        ]

    # -- queueing -----------------------------------------------------------------------------------------------

    def queue_due(self, now: datetime | None = None) -> int:
        """Queue every reminder due by now and still useful (catch-up included); returns how many were new."""
        now = now or self.clock.now()
        local = self.local(now)
        calendar = self.absence.calendar()
        if not calendar.is_working_day(local.date()) or self.quiet(now):
            return 0
        due = [p for p in self.plan(local.date()) if p.at <= now < p.until]
        by_batch: dict[str, list[Planned]] = defaultdict(list)
        for item in due:
            by_batch[item.batch].append(item)
        added = 0
        with self.db.uow() as uow:
            for batch, items in by_batch.items():
                if uow.outbox.batch_done(batch):
                    continue
                rows = [
                    {
                        "kind": item.kind,
                        "person_id": item.person_id,
                        "payload": item.payload,
                        "dedupe_key": item.dedupe_key,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for item in items
                ]
                added += uow.outbox.add_many(rows)
                uow.outbox.mark_batch(batch, len(rows), now)
            uow.commit()
        if added:
            from danhgia.workflow import outbox

            outbox._queued.set()
        return added

    # -- unreachable people ---------------------------------------------------------------------------------------

    def mark_unreachable(self, person_id: int) -> bool:
        """A person blocked the bot: stop reminding them and tell their leader (or HR) once."""
        now = self.clock.now()
        with self.db.uow() as uow:
            link = uow.links.by_person(person_id)
            if link is None or link.unreachable_at is not None:
                return False
            link.unreachable_at = now
            uow.session.add(link)
            line = uow.reporting.current(person_id, self.local(now).date())
            targets = [line.supervisor_id] if line is not None else []
            if not targets:
                targets = [pid for pid in _hr_people(uow, _reachable_people(uow)) if pid != person_id]
            for target in targets:
                queue(
                    uow,
                    "unreachable",
                    target,
                    {"person_id": person_id},
                    now,
                    dedupe_key=f"unreachable:{person_id}:{link.linked_at.isoformat()}:{target}",
                )
            uow.commit()
            return True

    def mark_reachable(self, person_id: int) -> None:
        """The person unblocked the bot: remind them again."""
        with self.db.uow() as uow:
            link = uow.links.by_person(person_id)
            if link is not None and link.unreachable_at is not None:
                link.unreachable_at = None
                uow.session.add(link)
                uow.commit()

    # -- preview --------------------------------------------------------------------------------------------------

    def preview(self, day: date) -> list[Planned]:
        """What would be sent on a day, by the state of things now, in time order (nothing is sent)."""
        return sorted(self.plan(day), key=lambda p: (p.at, p.kind, p.person_id))

    def names(self, person_ids: set[int]) -> dict[int, tuple[str, str]]:
        """person id → (full name, staff code), for previews."""
        with self.db.reader() as uow:
            return {
                pid: (person.full_name, person.staff_code)
                for pid in sorted(person_ids)
                if (person := uow.people.get(pid)) is not None
            }


class ExpiredReminder(Exception):
    """A reminder is no longer useful (its window has passed)."""


def _reachable_people(uow: UnitOfWork) -> dict[int, Any]:
    """Active people with a linked account that has not blocked the bot."""
    links = {link.person_id: link for link in uow.links.all() if link.unreachable_at is None}
    return {p.id: p for p in uow.people.all() if p.active and p.id in links}


def _hr_people(uow: UnitOfWork, people: dict[int, Any]) -> list[int]:
    roles = uow.people.roles_by_person()
    return sorted(pid for pid in people if ROLE_HR in roles.get(pid, set()))
