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

Each reminder's rule — who should get it — is written once (`weekly_wanted`, `self_wanted`, `review_wanted`,
`rating_wanted`) and asked twice: by the tick that queues the reminder, and by `stale` / `still_current` when the
notifier is about to send it, so one that lost its purpose in between (submitted meanwhile, nothing pending any
more, paused, on leave) is dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from danhgia.storage.models import Assessment, Period
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow import lifecycle, outbox
from danhgia.workflow.absence import AbsenceService
from danhgia.workflow.broadcast import BroadcastStatus, spread, status
from danhgia.workflow.calendar import (
    PeriodDates,
    PeriodSpan,
    next_allowed,
    period_dates,
    quiet_at,
    span_from_key,
    week_bounds,
    week_days,
)
from danhgia.workflow.clock import Clock
from danhgia.workflow.common import ROLE_HR
from danhgia.workflow.council import OPEN
from danhgia.workflow.outbox import OutboxItem, queue
from danhgia.workflow.paid import PaidBroadcasts, StarsSpent
from danhgia.workflow.tasks import WeekView
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
WEEKLY_KINDS = ("remind_plan", "remind_checkin")


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


class ExpiredReminder(Exception):
    """A reminder is no longer useful (its window has passed)."""


# -- the rules: who should get each reminder (asked when queueing it and again before sending it) ------------------


@dataclass(frozen=True)
class Away:
    """Who is away on a day: on leave (no reminder at all) or with the weekly prompts paused (/tamdung)."""

    on_leave: frozenset[int]
    paused: frozenset[int]


def away_on(uow: UnitOfWork, day: date, person_ids: list[int] | None = None) -> Away:
    """Who is on leave (among `person_ids`, or everyone) or paused on a day."""
    return Away(
        frozenset(row.person_id for row in uow.leaves.overlapping(day, day, person_ids)),
        frozenset(row.person_id for row in uow.snoozes.covering(day)),
    )


def weekly_wanted(person_id: int, away: Away) -> bool:
    """The weekly prompts (plan, check-in): to everyone neither on leave nor paused."""
    return person_id not in away.on_leave and person_id not in away.paused


def self_wanted(person_id: int, state: str | None, away: Away) -> bool:
    """The self-assessment reminder of an open period: to someone not on leave who has not handed it in."""
    return person_id not in away.on_leave and (state is None or not lifecycle.handed_in(state))


def review_wanted(reviewer_id: int, waiting: int, away: Away) -> bool:
    """A reviewer's nudge: records of the period still wait for them, and they are not on leave."""
    return waiting > 0 and reviewer_id not in away.on_leave


def rating_wanted(rater_id: int, left: int, away: Away) -> bool:
    """A rater's reminder of the 360° round: ratings still to give, and not on leave."""
    return left > 0 and rater_id not in away.on_leave


def checkin_wanted(week: WeekView) -> bool:
    """The check-in prompt has something to ask: a week with no task yet, or tasks not reported this week."""
    return not week.tasks or bool(week.to_report)


class ReminderService:
    """Plans and queues the reminders of the cycle, and tells whether a queued one is still worth sending."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        tz: ZoneInfo,
        absence: AbsenceService,
        timeline: Timeline,
        case_days: int = 10,
        paid: PaidBroadcasts | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.absence = absence
        self.timeline = timeline
        self.case_days = case_days  # the days the council has to decide a case
        self.paid = paid if paid is not None else PaidBroadcasts(db, clock, tz)  # the Stars of paid reminders

    # -- time ---------------------------------------------------------------------------------------------------

    def local(self, moment: datetime | None = None) -> datetime:
        """A moment (now by default) in the organisation's time zone."""
        return (moment or self.clock.now()).astimezone(self.tz)

    def at(self, day: date, when: time) -> datetime:
        """A local date and time as an aware datetime."""
        return datetime.combine(day, when, self.tz)

    def quiet(self, moment: datetime) -> bool:
        """Inside quiet hours (21:00–07:00 by default)."""
        return quiet_at(self.local(moment).time(), self.timeline.quiet_from, self.timeline.quiet_until)

    def next_allowed(self, moment: datetime) -> datetime:
        """The first moment from `moment` on that is on a working day and outside the (overnight) quiet hours."""
        t = self.timeline
        return next_allowed(self.local(moment), self.absence.calendar(), t.quiet_from, t.quiet_until)

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

    def working_days_left(self, deadline: date) -> int:
        """Working days from today to a deadline, both included."""
        return self.absence.calendar().working_days_between(self.absence.today(), deadline)

    # -- the timeline ---------------------------------------------------------------------------------------------

    def dates(self, span: PeriodSpan, calendar: WorkCalendar | None = None) -> PeriodDates:
        """The timeline of a period."""
        t = self.timeline
        calendar = calendar or self.absence.calendar()
        return period_dates(
            span, calendar, t.window_workdays, t.self_deadline_workday, t.review_deadline_workday, t.closing_workday
        )

    def early(self, key: str, moment: str) -> date | None:
        """The day of a period's `moment` ("window_opens", "closing") while today comes before it — acting now is
        acting early, worth a warning — else None."""
        day: date = getattr(self.dates(span_from_key(key)), moment)
        return day if self.local().date() < day else None

    def week_days(self, day: date, calendar: WorkCalendar) -> tuple[date | None, date | None]:
        """The week's plan day (first working day from Monday) and check-in day (last working day up to
        the check-in weekday), None when the week has none."""
        return week_days(day, calendar, self.timeline.checkin_weekday)

    # -- planning -------------------------------------------------------------------------------------------------

    def plan(self, day: date) -> list[Planned]:
        """Every reminder due on a day, by the state of things now (used by the tick and by the preview)."""
        calendar = self.absence.calendar()
        if not calendar.is_working_day(day):
            return []
        until = self.at(day, self.timeline.quiet_from)
        with self.db.reader() as uow:
            people = _reachable_people(uow)
            away = away_on(uow, day)
            planned: list[Planned] = []
            planned += self._weekly(day, calendar, people, away, until)
            planned += self._period_reminders(uow, day, calendar, people, away, until)
            planned += self._delegations_beginning(uow, day, people, away, until)
            planned += self._council_overdue(uow, day, people, until)
            room = self.paid.room(uow)  # how many the month's Stars still pay for
        return spread(planned, lambda on: self.at(on, self.timeline.quiet_until), room)  # Telegram's ceiling

    def _weekly(
        self, day: date, calendar: WorkCalendar, people: dict[int, Any], away: Away, until: datetime
    ) -> list[Planned]:
        plan_day, check_day = self.week_days(day, calendar)
        monday = week_bounds(day)[0].isoformat()
        found: list[Planned] = []
        for kind, when, clock_time in (
            ("remind_plan", plan_day, self.timeline.plan_at),
            ("remind_checkin", check_day, self.timeline.checkin_at),
        ):
            if when == day:
                at, batch, payload = self.at(day, clock_time), f"{kind}:{monday}", {"week": monday}
                found += [_reminder(kind, pid, at, until, batch, payload) for pid in people if weekly_wanted(pid, away)]
        return found

    def _period_reminders(
        self, uow: UnitOfWork, day: date, calendar: WorkCalendar, people: dict[int, Any], away: Away, until: datetime
    ) -> list[Planned]:
        t = self.timeline
        remind = self.at(day, t.remind_at)
        found: list[Planned] = []
        by_key: dict[str, list[Period]] = defaultdict(list)
        for period in uow.periods.all_open():
            by_key[period.key].append(period)
        for key, periods in by_key.items():
            dates = self.dates(span_from_key(key), calendar)
            records = {(p.id, r.person_id): r for p in periods for r in uow.assessments.in_period(_id(p))}
            # the self-assessment and the 360° round: when the window opens, then D-3, D-1 and the deadline morning
            offsets = {f"d{n}": calendar.add_working_days(dates.self_deadline, -n) for n in t.self_reminders}
            offsets["open"] = dates.window_opens
            in_window = dates.window_opens <= day <= dates.self_deadline
            steps = [step for step, when in offsets.items() if when == day and in_window]
            deadline = dates.self_deadline.isoformat()
            for step in steps:
                for period in periods:
                    for pid in (pid for pid, person in people.items() if person.unit_id == period.unit_id):
                        mine = records.get((period.id, pid))
                        if not self_wanted(pid, mine.state if mine else None, away):
                            continue
                        returned = mine is not None and mine.state == lifecycle.RETURNED
                        payload = {"period_id": period.id, "label": dates.label, "deadline": deadline, "step": step}
                        batch = f"remind_self:{period.id}:{step}"
                        found.append(_reminder("remind_self", pid, remind, until, batch, payload, returned=returned))
            for step in steps:  # raters with ratings still to give (the round closes at closing)
                found += self._rating_reminders(uow, periods, people, away, dates, step, remind, until)
            # reviewers: the day before and the morning of the review deadline, then the escalation
            pending: dict[int, list[Assessment]] = defaultdict(list)
            for record in records.values():
                if lifecycle.pending(record.state) and record.reviewer_id is not None:
                    pending[record.reviewer_id].append(record)
            review_deadline = dates.review_deadline.isoformat()
            for n in t.review_reminders:
                if calendar.add_working_days(dates.review_deadline, -n) != day:
                    continue
                for reviewer, items in pending.items():
                    if reviewer in people and review_wanted(reviewer, len(items), away):
                        payload = {"key": key, "label": dates.label, "count": len(items), "deadline": review_deadline}
                        batch = f"remind_review:{key}:d{n}"
                        found.append(_reminder("remind_review", reviewer, remind, until, batch, payload))
            if calendar.add_working_days(dates.review_deadline, 1) == day and pending:
                found += self._escalations(uow, key, dates, pending, people, remind, until)
            # HR: a daily digest from the window's opening to the closing day
            if dates.window_opens <= day <= dates.closing:
                found += self._digests(uow, key, dates, periods, records, people, day, until)
        return found

    def _rating_reminders(
        self,
        uow: UnitOfWork,
        periods: list[Period],
        people: dict[int, Any],
        away: Away,
        dates: PeriodDates,
        step: str,
        remind: datetime,
        until: datetime,
    ) -> list[Planned]:
        """Each rater with ratings of the 360° round still to give (how many, never whom or how)."""
        found: list[Planned] = []
        for period in periods:
            left: dict[int, int] = defaultdict(int)
            for rating in uow.ratings.in_period(_id(period)):
                if rating.state != "submitted":
                    left[rating.rater_id] += 1
            for rater, count in left.items():
                if rater in people and rating_wanted(rater, count, away):
                    closing = dates.closing.isoformat()
                    payload = {"period_id": period.id, "label": dates.label, "count": count, "closing": closing}
                    batch = f"remind_rating:{period.id}:{step}"
                    found.append(_reminder("remind_rating", rater, remind, until, batch, payload))
        return found

    def _council_overdue(self, uow: UnitOfWork, day: date, people: dict[int, Any], until: datetime) -> list[Planned]:
        """HR, once, on a working day after a council case's deadline while it is still undecided."""
        at, hr = self.at(day, self.timeline.remind_at), _hr_people(uow, people)
        return [
            _reminder("council_overdue", target, at, until, f"council_overdue:{case.id}", {"case_id": case.id})
            for case in uow.council.cases(OPEN)
            if day > self.local(case.created_at).date() + timedelta(days=self.case_days)
            for target in hr
        ]

    def _delegations_beginning(
        self, uow: UnitOfWork, day: date, people: dict[int, Any], away: Away, until: datetime
    ) -> list[Planned]:
        """A delegation named ahead of its first day: on its first working day (the acting reviewer not on leave)
        the acting reviewer gets a card for each review that was already waiting for the leader. One named for
        today got those cards at once, and whatever is submitted during the range goes to both anyway."""
        found: list[Planned] = []
        for delegation in uow.delegations.active_on(day):
            starts = self.at(delegation.starts_on, time(0, 0))
            acting = delegation.acting_id
            if delegation.created_at >= starts or acting not in people or acting in away.on_leave:
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
        pending: dict[int, list[Assessment]],
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
            names = [_name(uow, record.person_id) for record in items]
            for target in targets:
                if target != reviewer:
                    per_target[target].append({"reviewer": _name(uow, reviewer), "people": names})
        payload = {"key": key, "label": dates.label, "deadline": dates.review_deadline.isoformat()}
        batch = f"escalate_review:{key}"
        return [
            _reminder("escalate_review", target, remind, until, batch, payload, overdue=rows)
            for target, rows in per_target.items()
        ]

    def _digests(
        self,
        uow: UnitOfWork,
        key: str,
        dates: PeriodDates,
        periods: list[Period],
        records: dict[tuple[int | None, int], Assessment],
        people: dict[int, Any],
        day: date,
        until: datetime,
    ) -> list[Planned]:
        rows = []
        for period in sorted(periods, key=lambda p: p.unit_id):
            unit = uow.units.get(period.unit_id)
            members = uow.people.in_units([period.unit_id])
            states = [record.state for m in members if (record := records.get((period.id, m.id or 0))) is not None]
            submitted = sum(1 for state in states if lifecycle.handed_in(state))
            missing = len(members) - submitted
            row: dict[str, Any] = {
                "unit": unit.name if unit else "",
                "people": len(members),
                "submitted": submitted,
                "pending_review": sum(1 for state in states if lifecycle.pending(state)),
                "not_submitted": missing,
                "overdue": missing if day > dates.self_deadline else 0,
            }
            ratings = uow.ratings.in_period(_id(period))
            if ratings:  # the 360° round: counts only, never who rated whom or how
                row["ratings_sent"] = sum(1 for r in ratings if r.state == "submitted")
                row["ratings_asked"] = len(ratings)
            rows.append(row)
        at = self.at(day, self.timeline.digest_at)
        payload = {
            "key": key,
            "label": dates.label,
            "day": day.isoformat(),
            "deadline": dates.self_deadline.isoformat(),
        }
        batch = f"hr_digest:{key}:{day.isoformat()}"
        return [
            _reminder("hr_digest", hr, at, until, batch, payload, closing=dates.closing.isoformat(), units=rows)
            for hr in _hr_people(uow, people)
        ]

    def broadcast_status(self, day: date) -> BroadcastStatus:
        """The day's broadcast reminders: queued, sent, and when the last went out (for HR's digest)."""
        with self.db.reader() as uow:
            return status(uow, self.at(day, time(0)), self.at(day + timedelta(days=1), time(0)))

    def stars_spent(self, day: date) -> StarsSpent | None:
        """The Stars paid reminders spent in the month of a day, out of the budget (HR's digest); None when off."""
        return self.paid.spent(self.at(day, time(12))) if self.paid.on else None

    # -- still worth sending? -------------------------------------------------------------------------------------

    def still_current(self, item: OutboxItem) -> bool:
        """Whether a queued reminder is still worth sending now: the rule that queued it still holds today."""
        return self.stale(item) is None

    def stale(self, item: OutboxItem) -> str | None:
        """Why a queued reminder has lost its purpose since it was queued; None while it has not (and for kinds
        without a rule)."""
        person, payload = item.person_id, item.payload
        with self.db.reader() as uow:
            away = away_on(uow, self.local().date(), [person])
            if item.kind in WEEKLY_KINDS:
                return None if weekly_wanted(person, away) else "paused or on leave"
            if item.kind == "remind_review":
                open_ids = {p.id for p in uow.periods.with_key(str(payload.get("key", ""))) if p.status == "open"}
                waiting = sum(1 for record in uow.assessments.pending_for([person]) if record.period_id in open_ids)
                return None if review_wanted(person, waiting, away) else "nothing pending any more"
            if item.kind == "council_overdue":
                case = uow.council.case(_payload_id(payload, "case_id"))
                return None if case is not None and case.state == OPEN else "decided meanwhile"
            if item.kind not in ("remind_self", "remind_rating"):
                return None
            period = uow.periods.get(_payload_id(payload, "period_id"))
            if period is None or period.status != "open":
                return "the period is closed" if period else "no such period"
            if item.kind == "remind_self":
                mine = uow.assessments.of(_id(period), person)
                return None if self_wanted(person, mine.state if mine else None, away) else "submitted or on leave"
            left = sum(1 for rating in uow.ratings.by_rater(person, [_id(period)]) if rating.state != "submitted")
            return None if rating_wanted(person, left, away) else "everything rated meanwhile"

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
            outbox.note_queued()  # wake the notifier
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


def _reminder(
    kind: str, person_id: int, at: datetime, until: datetime, batch: str, payload: dict[str, Any], **more: Any
) -> Planned:
    """A reminder whose payload also says until when it is useful."""
    return Planned(kind, person_id, at, until, batch, {**payload, **more, "until": until.isoformat()})


def _id(period: Period) -> int:
    assert period.id is not None
    return period.id


def _payload_id(payload: dict[str, Any], key: str) -> int:
    """A record id from a payload (0, which no record has, when missing or malformed)."""
    try:
        return int(str(payload.get(key)))
    except ValueError:
        return 0


def _name(uow: UnitOfWork, person_id: int) -> str:
    person = uow.people.get(person_id)
    return person.full_name if person else ""


def _reachable_people(uow: UnitOfWork) -> dict[int, Any]:
    """Active people with a linked account that has not blocked the bot."""
    links = {link.person_id: link for link in uow.links.all() if link.unreachable_at is None}
    return {p.id: p for p in uow.people.all() if p.active and p.id in links}


def _hr_people(uow: UnitOfWork, people: dict[int, Any]) -> list[int]:
    roles = uow.people.roles_by_person()
    return sorted(pid for pid in people if ROLE_HR in roles.get(pid, set()))
