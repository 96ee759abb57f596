"""Reminders on the Vietnamese working calendar, with time travel: who is reminded of what and when, never
twice, never on a day off or at night; catch-up after a restart; two schedulers at once; leave and snooze."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from danhgia.storage.models import TelegramLink
from danhgia.workflow.calendar import span_of
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.reminders import ExpiredReminder
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome
from danhgia.workflow.workdays import WorkCalendar
from tests.conftest import ROSTER_ROWS, make_services, write_roster

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TICKS = (
    time(6, 30),
    time(7, 0),
    time(8, 0),
    time(8, 30),
    time(11, 0),
    time(15, 0),
    time(17, 0),
    time(20, 59),
    time(21, 30),
)


@pytest.fixture
def early_clock() -> ManualClock:
    """Sunday 01/11/2026 23:00, before the month starts."""
    return ManualClock(datetime(2026, 11, 1, 23, 0, tzinfo=VN))


@pytest.fixture
def svc(database_url: str, early_clock: ManualClock, tmp_path: Path) -> Services:
    """Services over the demo roster, everyone linked to Telegram."""
    services = make_services(database_url, early_clock)
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    with services.db.uow() as uow:
        for person in uow.people.all():
            assert person.id is not None
            uow.links.add(
                TelegramLink(person_id=person.id, telegram_user_id=90_000 + person.id, chat_id=90_000 + person.id)
            )
        uow.commit()
    yield services
    services.db.dispose()


def ids(services: Services) -> dict[str, int]:
    with services.db.uow() as uow:
        return {p.staff_code: p.id or 0 for p in uow.people.all()}


def queued(services: Services) -> list[tuple[str, int, datetime, dict[str, object]]]:
    with services.db.uow() as uow:
        rows = []
        for kind in ("remind_plan", "remind_checkin", "remind_self", "remind_review", "escalate_review", "hr_digest"):
            rows += [(m.kind, m.person_id, m.created_at.astimezone(VN), m.payload) for m in uow.outbox.of_kind(kind)]
        return rows


def open_november(services: Services) -> None:
    people = ids(services)
    with services.db.uow() as uow:
        so = uow.units.get_by_code("SO")
        assert so is not None and so.id is not None
        unit = so.id
    services.periods.open(Actor.person(people["TC01"]), unit, "2026-11")


def test_the_timeline_follows_the_working_calendar(svc: Services) -> None:
    november = svc.reminders.dates(span_of(date(2026, 11, 1)))
    assert (november.window_opens, november.self_deadline, november.review_deadline, november.closing) == (
        date(2026, 11, 27),
        date(2026, 12, 3),
        date(2026, 12, 7),
        date(2026, 12, 9),
    )
    december = svc.reminders.dates(span_of(date(2026, 12, 1)))
    # 01/01/2027 (Tết Dương lịch) and the weekend push the 3rd working day of January to the 6th.
    assert december.self_deadline == date(2027, 1, 6)
    # Tết 2027: no working day from 04/02 to 10/02.
    calendar = WorkCalendar()
    assert calendar.next_working_day(date(2027, 2, 5)) == date(2027, 2, 11)
    assert not calendar.is_working_day(date(2026, 11, 24))  # Ngày Văn hóa Việt Nam
    assert calendar.is_working_day(date(2026, 8, 22))  # a make-up Saturday of the national calendar
    # HR's own day off moves the week's check-in to the day before.
    svc.absence.set_day(Actor.person(ids(svc)["TC01"]), date(2026, 11, 13), False, "Nghỉ bù")
    plan_day, check_day = svc.reminders.week_days(date(2026, 11, 10), svc.absence.calendar())
    assert (plan_day, check_day) == (date(2026, 11, 9), date(2026, 11, 12))


def test_a_whole_month_of_reminders(svc: Services, early_clock: ManualClock) -> None:
    people = ids(svc)
    everyone = set(people.values())
    open_november(svc)
    # HR marks Monday 16/11 as a local day off: that week's plan prompt moves to Tuesday.
    svc.absence.set_day(Actor.person(people["TC01"]), date(2026, 11, 16), False, "Nghỉ theo quyết định của Sở")
    for code in ("CV01", "CV02", "QT01", "TP01"):
        svc.tasks.add(Actor.person(people[code]), people[code], "Nhiệm vụ tháng", date(2026, 11, 20), Decimal(1))
    day = date(2026, 11, 2)
    while day <= date(2026, 12, 10):
        for moment in TICKS:
            early_clock.set(datetime.combine(day, moment, VN))
            svc.reminders.queue_due()
            if day == date(2026, 11, 30) and moment == time(11, 0):
                # An submits before the D-1 reminder; Hoa approves nothing before her deadline.
                for task in svc.tasks.week(people["CV01"], date(2026, 11, 20)).tasks:
                    svc.tasks.checkin(Actor.person(people["CV01"]), people["CV01"], task.id, CheckinOutcome.LATE)
                view = svc.self_assessment.open_self(people["CV01"])
                svc.self_assessment.submit(people["CV01"], view.id, view.version)
        day += timedelta(days=1)
    rows = queued(svc)
    by_kind: dict[str, list[tuple[int, datetime, dict[str, object]]]] = {}
    for kind, person, at, payload in rows:
        by_kind.setdefault(kind, []).append((person, at, payload))
    # Nothing at night, nothing on a weekend or a holiday.
    for _kind, _person, at, _payload in rows:
        assert time(7, 0) <= at.time() < time(21, 0)
        assert WorkCalendar({date(2026, 11, 16): False}).is_working_day(at.date())
    # Weekly plan prompts: the first working day of each week at 08:00, each person once a week.
    plan_days = Counter(at.date() for _, at, _ in by_kind["remind_plan"])
    assert sorted(plan_days) == [date(2026, 11, d) for d in (2, 9, 17, 23, 30)] + [date(2026, 12, 7)]
    assert set(plan_days.values()) == {len(everyone)}
    assert all(at.time() == time(8, 0) for _, at, _ in by_kind["remind_plan"])
    # Weekly check-in: Fridays at 15:00.
    checkin_days = sorted(Counter(at.date() for _, at, _ in by_kind["remind_checkin"]))
    assert checkin_days == [date(2026, 11, d) for d in (6, 13, 20, 27)] + [date(2026, 12, 4)]
    # Self-assessment: window 27/11, D-3 30/11, D-1 02/12, deadline morning 03/12; An stops after submitting.
    self_steps = Counter((payload["step"], person) for person, _, payload in by_kind["remind_self"])
    steps_of = {step for step, _ in self_steps}
    assert steps_of == {"open", "d3", "d1", "d0"}
    assert self_steps[("open", people["CV01"])] == 1 and self_steps[("d3", people["CV01"])] == 1
    assert ("d1", people["CV01"]) not in self_steps and ("d0", people["CV01"]) not in self_steps
    assert self_steps[("d1", people["CV02"])] == 1 and self_steps[("d0", people["CV02"])] == 1
    # Hoa gets nudged on 04/12 and 07/12 (An's record waits for her); Minh gets the escalation on 08/12.
    nudges = sorted((person, at.date()) for person, at, _ in by_kind["remind_review"])
    assert nudges == [(people["TP01"], date(2026, 12, 4)), (people["TP01"], date(2026, 12, 7))]
    ((target, at, payload),) = by_kind["escalate_review"]
    assert target == people["GD01"] and at.date() == date(2026, 12, 8)
    assert payload["overdue"] == [{"reviewer": "Nguyễn Thị Hoa", "people": ["Lê Văn An"]}]
    # HR's digest every working day from the window's opening to the closing day, at 08:30.
    digest_days = sorted(at.date() for _, at, _ in by_kind["hr_digest"])
    assert digest_days == [date(2026, 11, 27), date(2026, 11, 30)] + [date(2026, 12, d) for d in (1, 2, 3, 4, 7, 8, 9)]
    assert all(at.time() == time(8, 30) for _, at, _ in by_kind["hr_digest"])
    # Never twice: one row per person and batch.
    keys = Counter((kind, person, at.date()) for kind, person, at, _ in rows)
    assert max(keys.values()) == 1


def test_a_restart_across_a_due_time_catches_up_once_if_still_useful(svc: Services, early_clock: ManualClock) -> None:
    early_clock.set(datetime(2026, 11, 20, 14, 0, tzinfo=VN))
    assert svc.reminders.queue_due() == 0
    early_clock.set(datetime(2026, 11, 20, 17, 40, tzinfo=VN))  # the bot was down at 15:00
    assert svc.reminders.queue_due() == len(ids(svc))
    assert svc.reminders.queue_due() == 0  # caught up once, not twice
    # A Monday prompt missed entirely (down from Monday morning to Tuesday) is no longer useful.
    early_clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=VN))
    assert svc.reminders.queue_due() == 0
    assert [k for k, *_ in queued(svc)].count("remind_plan") == 0


def test_two_schedulers_at_once_queue_nothing_twice(database_url: str, svc: Services, early_clock: ManualClock) -> None:
    early_clock.set(datetime(2026, 11, 20, 15, 5, tzinfo=VN))
    other = make_services(database_url, early_clock)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def tick(services: Services) -> None:
        barrier.wait()
        results.append(services.reminders.queue_due())

    threads = [threading.Thread(target=tick, args=(s,)) for s in (svc, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.db.dispose()
    assert sum(results) == len(ids(svc))
    assert Counter(person for _, person, _, _ in queued(svc)) == Counter(ids(svc).values())


def test_leave_and_snooze_silence_the_weekly_prompts(svc: Services, early_clock: ManualClock) -> None:
    people = ids(svc)
    hoa, an, binh = Actor.person(people["TP01"]), people["CV01"], people["CV02"]
    svc.absence.add_leave(hoa, an, "annual", date(2026, 11, 23), date(2026, 11, 27), "Việc gia đình")
    svc.absence.snooze(binh, date(2026, 11, 22), date(2026, 11, 29))
    early_clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    svc.reminders.queue_due()
    early_clock.set(datetime(2026, 11, 27, 15, 30, tzinfo=VN))
    svc.reminders.queue_due()
    got = {(kind, person) for kind, person, _, _ in queued(svc)}
    assert ("remind_plan", an) not in got and ("remind_checkin", an) not in got
    assert ("remind_plan", binh) not in got and ("remind_checkin", binh) not in got
    assert ("remind_plan", people["QT01"]) in got and ("remind_checkin", people["QT01"]) in got
    with pytest.raises(Exception, match="not_leave_recorder"):
        svc.absence.add_leave(Actor.person(people["CV02"]), an, "sick", date(2026, 12, 1), date(2026, 12, 2))
    with pytest.raises(Exception, match="leave_overlap"):
        svc.absence.add_leave(hoa, an, "sick", date(2026, 11, 27), date(2026, 11, 30))


def test_leave_reaches_the_scoring_as_working_time(svc: Services, early_clock: ManualClock) -> None:
    people = ids(svc)
    open_november(svc)
    an = people["CV01"]
    early_clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=VN))
    task = svc.tasks.add(Actor.person(an), an, "Báo cáo", date(2026, 11, 20), Decimal(1))
    svc.tasks.checkin(Actor.person(an), an, task.id, CheckinOutcome.ON_TIME)
    svc.absence.add_leave(Actor.person(people["TP01"]), an, "sick", date(2026, 11, 2), date(2026, 11, 13))
    view = svc.self_assessment.open_self(an)
    assert view.self_result is not None
    lines = [line.reason for line in view.self_result.explanation]
    # 02–13/11 holds 10 working days; November 2026 has 20 (24/11 is a holiday).
    assert "Nghỉ ốm 10 ngày trên 20 ngày làm việc của kỳ" in lines


def test_quiet_hours_and_days_off_hold_a_late_delivery_or_drop_it(svc: Services) -> None:
    reminders = svc.reminders
    until = datetime(2026, 11, 20, 21, 0, tzinfo=VN)
    payload = {"until": until.isoformat()}
    assert reminders.deliverability(payload, datetime(2026, 11, 20, 15, 1, tzinfo=VN)) is None
    with pytest.raises(ExpiredReminder):
        reminders.deliverability(payload, datetime(2026, 11, 20, 21, 5, tzinfo=VN))
    later = {"until": datetime(2026, 11, 24, 21, 0, tzinfo=VN).isoformat()}
    # Friday 22:00 → held until Monday 07:00 (the weekend is off).
    assert reminders.deliverability(later, datetime(2026, 11, 20, 22, 0, tzinfo=VN)) == datetime(
        2026, 11, 23, 7, 0, tzinfo=VN
    )


def test_a_person_who_blocked_the_bot_is_reminded_no_more_and_the_leader_is_told_once(svc: Services) -> None:
    people = ids(svc)
    assert svc.reminders.mark_unreachable(people["CV01"])
    assert not svc.reminders.mark_unreachable(people["CV01"])  # told once
    with svc.db.uow() as uow:
        notices = uow.outbox.of_kind("unreachable")
    assert [(n.person_id, n.payload) for n in notices] == [(people["TP01"], {"person_id": people["CV01"]})]
    svc.clock.set(datetime(2026, 11, 20, 15, 30, tzinfo=VN))  # type: ignore[attr-defined]
    svc.reminders.queue_due()
    assert people["CV01"] not in {person for kind, person, _, _ in queued(svc) if kind == "remind_checkin"}
    svc.reminders.mark_reachable(people["CV01"])
    assert svc.reminders.preview(date(2026, 11, 27))  # reminded again on the next Friday


# -- one rule, asked when queueing and again before sending ----------------------------------------------------------


def item_of(services: Services, kind: str, person_id: int) -> OutboxItem:
    """The queued reminder of a kind to a person, as the notifier would claim it."""
    with services.db.uow() as uow:
        (row,) = [m for m in uow.outbox.of_kind(kind) if m.person_id == person_id]
        assert row.id is not None
        return OutboxItem(row.id, row.kind, row.person_id, dict(row.payload), None, "vi", 0)


def hand_in(services: Services, person_id: int) -> None:
    """A month of work and a submitted self-assessment."""
    me = Actor.person(person_id)
    task = services.tasks.add(me, person_id, "Nhiệm vụ tháng", date(2026, 11, 20), Decimal(1))
    services.tasks.checkin(me, person_id, task.id, CheckinOutcome.LATE)
    view = services.self_assessment.open_self(person_id)
    services.self_assessment.submit(person_id, view.id, view.version)


def test_a_self_assessment_reminder_queued_before_the_submission_is_not_current_after_it(
    svc: Services, early_clock: ManualClock
) -> None:
    people = ids(svc)
    an, binh = people["CV01"], people["CV02"]
    open_november(svc)
    early_clock.set(datetime(2026, 11, 27, 8, 5, tzinfo=VN))  # the window opens
    assert svc.reminders.queue_due() > 0
    reminder = item_of(svc, "remind_self", an)
    assert svc.reminders.still_current(reminder)
    hand_in(svc, an)
    assert not svc.reminders.still_current(reminder)
    assert svc.reminders.stale(reminder) == "submitted or on leave"
    # The tick asks the same rule: An would not be queued again that day, Bình still would.
    planned = {p.person_id for p in svc.reminders.plan(date(2026, 11, 27)) if p.kind == "remind_self"}
    assert an not in planned and binh in planned
    # Leave recorded after the tick also silences Bình's reminder, as it would have at queue time.
    other = item_of(svc, "remind_self", binh)
    assert svc.reminders.still_current(other)
    svc.absence.add_leave(Actor.person(people["TP01"]), binh, "sick", date(2026, 11, 27), date(2026, 11, 27))
    assert not svc.reminders.still_current(other)
    assert binh not in {p.person_id for p in svc.reminders.plan(date(2026, 11, 27)) if p.kind == "remind_self"}


def test_a_weekly_reminder_is_not_current_while_the_person_paused_reminders(
    svc: Services, early_clock: ManualClock
) -> None:
    people = ids(svc)
    binh, hai = people["CV02"], people["QT01"]
    early_clock.set(datetime(2026, 11, 20, 15, 5, tzinfo=VN))
    assert svc.reminders.queue_due() == len(people)
    prompt = item_of(svc, "remind_checkin", binh)
    assert svc.reminders.still_current(prompt)
    svc.absence.snooze(binh, date(2026, 11, 20), date(2026, 11, 26))
    assert svc.reminders.stale(prompt) == "paused or on leave"
    assert binh not in {p.person_id for p in svc.reminders.plan(date(2026, 11, 20))}
    svc.absence.unsnooze(binh)
    assert svc.reminders.still_current(prompt)
    svc.absence.snooze(binh, date(2026, 11, 23), date(2026, 11, 27))  # planned for next week: not yet
    assert svc.reminders.still_current(prompt)
    on_leave = item_of(svc, "remind_checkin", hai)
    svc.absence.add_leave(Actor.person(people["TP01"]), hai, "annual", date(2026, 11, 20), date(2026, 11, 20))
    assert not svc.reminders.still_current(on_leave)


def test_a_review_nudge_is_current_while_a_record_waits_for_the_reviewer(
    svc: Services, early_clock: ManualClock
) -> None:
    people = ids(svc)
    open_november(svc)
    early_clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=VN))
    hand_in(svc, people["CV01"])
    early_clock.set(datetime(2026, 12, 4, 8, 35, tzinfo=VN))  # the working day before the review deadline
    assert svc.reminders.queue_due() > 0
    nudge = item_of(svc, "remind_review", people["TP01"])
    assert svc.reminders.still_current(nudge)
    (waiting,) = svc.review.queue_for(people["TP01"])
    svc.review.approve(Actor.person(people["TP01"]), waiting.id)
    assert svc.reminders.stale(nudge) == "nothing pending any more"
    digest = item_of(svc, "hr_digest", people["TC01"])
    assert svc.reminders.still_current(digest)  # a snapshot: no rule drops it
