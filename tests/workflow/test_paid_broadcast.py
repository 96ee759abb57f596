"""Paid broadcasts' Stars budget (workflow/paid.py, storage/stars.py), on SQLite and PostgreSQL: only broadcast
reminders are paid for, never beyond the month's budget — not even by two workers claiming at once —, a reservation
is given back when the message was refused or not sent and spent when Telegram accepted it (or may have), a month
of the organisation's calendar starts from nothing, and the planning counts the paid part at its own rate."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.bot.settings import Settings
from danhgia.handlers.reminders.panels import digest_notice, stars_amount
from danhgia.storage.db import make_engine
from danhgia.storage.stars import StarsRepository
from danhgia.storage.uow import Database
from danhgia.workflow.broadcast import PAID_SEND_RATE, SEND_RATE, lead_time, spread
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.outbox import OutboxService, queue
from danhgia.workflow.reminders import Planned
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services, WorkflowConfig
from tests.conftest import ROSTER_ROWS, VN, write_roster


def paid_services(url: str, clock: ManualClock, stars: int) -> Services:
    """Workflow services with a monthly budget of `stars` Stars for paid reminders."""
    config = WorkflowConfig(timezone=VN, invite_ttl=timedelta(days=14), paid_stars_per_month=stars)
    return Services(Database(make_engine(url)), config, clock)


@pytest.fixture
def paid(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Services]:
    """Services with 1 Star a month (ten paid messages) and the demo roster."""
    built = paid_services(database_url, clock, 1)
    built.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    yield built
    built.db.dispose()


def owe(services: Services, kind: str, n: int) -> None:
    """`n` messages of a kind to the roster's people, in turn."""
    with services.db.uow() as uow:
        people = [p.id or 0 for p in uow.people.all()]
        for i in range(n):
            queue(uow, kind, people[i % len(people)], {"week": "2026-11-16"}, services.clock.now())
        uow.commit()


def ledger(services: Services) -> tuple[int, int, int]:
    """This month's (reserved, spent) tenths of a Star and the messages holding a reservation."""
    with services.db.uow() as uow:
        stars = StarsRepository(uow.session)
        month = stars.month(services.paid.month())
        return month.reserved, month.spent, stars.holding()


def test_only_broadcast_reminders_are_paid_and_never_beyond_the_budget(paid: Services) -> None:
    owe(paid, "unreachable", 5)  # a notice, not a broadcast: never paid for
    owe(paid, "remind_checkin", 25)
    items = paid.outbox.claim_due(50)
    assert len(items) == 30
    assert {i.kind for i in items if i.paid} == {"remind_checkin"}
    assert sum(i.paid for i in items) == 10  # 1 Star = 10 messages at 0,1 Star
    assert ledger(paid) == (10, 0, 10)
    for item in items:
        paid.outbox.delivered(item.id)
    assert ledger(paid) == (10, 10, 0)
    owe(paid, "remind_plan", 5)
    assert not any(i.paid for i in paid.outbox.claim_due(50))  # the month's budget is spent: they go free
    assert paid.paid.spent().spent_stars == 1 and paid.paid.spent().budget_stars == 1


def test_a_refused_or_unsent_message_gives_its_stars_back_an_answer_lost_spends_them(paid: Services) -> None:
    owe(paid, "remind_checkin", 6)
    items = paid.outbox.claim_due(50)
    assert all(i.paid for i in items) and ledger(paid) == (6, 0, 6)
    paid.outbox.failed(items[0].id, "telegram: refused", timedelta(0))  # refused: not sent
    paid.outbox.skipped(items[1].id, "obsolete")  # never sent
    paid.outbox.postpone(items[2].id, paid.clock.now() + timedelta(hours=1))  # quiet hours: not sent
    paid.outbox.back_off(items[3].id, items[3].person_id, timedelta(seconds=5))  # a 429: not sent
    assert ledger(paid) == (2, 0, 2)
    paid.outbox.failed(items[4].id, "network: timed out", charged=True)  # Telegram may have sent it
    paid.outbox.delivered(items[5].id)
    assert ledger(paid) == (2, 2, 0)
    again = paid.outbox.claim_due(50)  # what went back is paid for again, from what was given back
    assert [i.id for i in again] == [items[0].id] and again[0].paid
    assert ledger(paid) == (3, 2, 1)


def test_a_reservation_left_by_a_dead_worker_counts_as_spent(paid: Services) -> None:
    owe(paid, "remind_checkin", 2)
    gone = OutboxService(paid.db, paid.clock, paid.paid)
    assert all(i.paid for i in gone.claim_due(50))
    gone.retire()  # its claims go back; their sends may have reached Telegram
    items = paid.outbox.claim_due(50)
    assert len(items) == 2 and all(i.paid for i in items)
    assert ledger(paid) == (4, 2, 2)  # counted once as spent, reserved again for this send


def test_a_short_balance_gives_the_stars_back_and_pauses_paying(paid: Services) -> None:
    owe(paid, "remind_checkin", 3)
    items = paid.outbox.claim_due(1)
    paid.outbox.balance_short(items[0].id)
    assert ledger(paid)[:2] == (0, 0)
    rest = paid.outbox.claim_due(50)
    assert len(rest) == 3 and not any(i.paid for i in rest)  # the refused one again, free, at once
    paid.clock.advance(timedelta(hours=1, seconds=1))  # type: ignore[attr-defined]
    owe(paid, "remind_checkin", 1)
    assert [i.paid for i in paid.outbox.claim_due(50)] == [True]


def test_each_month_of_the_organisations_calendar_has_its_own_budget(database_url: str, tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 30, 23, 0, tzinfo=VN))
    services = paid_services(database_url, clock, 1)
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    try:
        owe(services, "remind_checkin", 12)
        november = services.outbox.claim_due(50)
        assert sum(i.paid for i in november) == 10 and services.paid.month() == "2026-11"
        for item in november:
            services.outbox.delivered(item.id)
        clock.set(datetime(2026, 11, 30, 23, 59, 59, tzinfo=VN))
        owe(services, "remind_checkin", 3)
        assert not any(i.paid for i in services.outbox.claim_due(50))
        clock.set(datetime(2026, 11, 30, 17, 0, 30, tzinfo=UTC))  # still the 30th in UTC, 1 December in Hà Nội
        assert services.paid.month() == "2026-12"
        owe(services, "remind_checkin", 12)
        december = services.outbox.claim_due(50)
        assert sum(i.paid for i in december) == 10
        assert services.paid.spent().spent == 0 and services.paid.spent().reserved == 10
        assert services.paid.spent(datetime(2026, 11, 15, tzinfo=VN)).spent == 10
    finally:
        services.db.dispose()


def test_two_workers_claiming_at_once_never_exceed_the_budget(
    database_url: str, clock: ManualClock, paid: Services
) -> None:
    owe(paid, "remind_checkin", 60)
    workers = [paid_services(database_url, clock, 1) for _ in range(2)]  # two processes: their own connections
    for worker in workers:
        worker.outbox.heartbeat()  # registered: neither takes the other's claims over
    start = threading.Barrier(len(workers))
    claimed: list[list[tuple[int, bool]]] = [[] for _ in workers]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()
            while batch := workers[n].outbox.claim_due(3):
                claimed[n] += [(item.id, item.paid) for item in batch]
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.db.dispose()
    assert errors == []
    everything = claimed[0] + claimed[1]
    assert len(everything) == 60 and len({i for i, _ in everything}) == 60  # each message claimed once
    assert sum(p for _, p in everything) == 10  # exactly the budget, never more
    assert ledger(paid) == (10, 0, 10)


def test_racing_reservations_in_the_ledger_stop_exactly_at_the_budget(paid: Services) -> None:
    owe(paid, "remind_checkin", 80)
    with paid.db.uow() as uow:
        ids = [m.id or 0 for m in uow.outbox.of_kind("remind_checkin")]
    url = paid.db.engine.url.render_as_string(hide_password=False)
    engines = [Database(make_engine(url)) for _ in range(4)]
    start = threading.Barrier(len(engines))
    got: list[int] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        mine = ids[n * 20 : (n + 1) * 20]
        start.wait()
        for k in range(0, 20, 4):
            with engines[n].uow() as uow:
                chosen = StarsRepository(uow.session).reserve("2026-11", mine[k : k + 4], 37, paid.clock.now())
                uow.commit()
            with lock:
                got.extend(chosen)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for database in engines:
        database.dispose()
    assert len(got) == 37 and len(set(got)) == 37
    with paid.db.uow() as uow:
        assert StarsRepository(uow.session).month("2026-11").reserved == 37


def test_the_paid_part_of_a_batch_is_planned_at_the_paid_rate() -> None:
    assert lead_time(100_000) == timedelta(minutes=100_000 // SEND_RATE // 60)
    assert lead_time(100_000, paid=100_000) == timedelta(minutes=100_000 // PAID_SEND_RATE // 60)  # 6 minutes
    half = lead_time(100_000, paid=50_000)
    assert lead_time(100_000, paid=100_000) < half < lead_time(100_000)
    assert lead_time(10, paid=50) == timedelta(0)


def test_planning_gives_the_budgets_room_to_the_earliest_batches() -> None:
    day = date(2026, 11, 27)
    at, until = datetime.combine(day, time(8, 0), VN), datetime.combine(day, time(21, 0), VN)

    def batch(kind: str, count: int, when: datetime) -> list[Planned]:
        return [Planned(kind, i, when, until, f"{kind}:{when:%H}", {"deadline": "2026-12-03"}) for i in range(count)]

    planned = batch("remind_self", 30_000, at) + batch("remind_review", 30_000, at + timedelta(hours=2))
    moved = spread(planned, lambda on: datetime.combine(on, time(7, 0), VN), paid_room=30_000)
    starts = {p.kind: p.at for p in moved}
    assert starts["remind_self"] == at - timedelta(minutes=2)  # 30 000 at 250 a second: 2 minutes early
    assert starts["remind_review"] == at + timedelta(hours=2) - timedelta(minutes=20)  # free: 20 minutes early


def test_the_room_the_digest_and_the_off_setting(paid: Services, database_url: str, clock: ManualClock) -> None:
    owe(paid, "remind_checkin", 4)
    with paid.db.reader() as uow:
        assert paid.paid.room(uow) == 10
    paid.outbox.claim_due(50)
    with paid.db.reader() as uow:
        assert paid.paid.room(uow) == 6
    spent = paid.reminders.stars_spent(clock.now().date())
    assert spent is not None and (spent.spent, spent.reserved, spent.budget) == (0, 4, 10)
    off = paid_services(database_url, clock, 0)
    try:
        assert off.reminders.stars_spent(clock.now().date()) is None and not off.paid.on
        owe(off, "remind_checkin", 3)
        assert not any(i.paid for i in off.outbox.claim_due(50))  # off: nothing is sent with the flag
    finally:
        off.db.dispose()


def test_hrs_digest_says_what_paid_reminders_cost_this_month() -> None:
    units = [{"unit": "Phòng Một", "people": 3, "submitted": 1, "pending_review": 0, "not_submitted": 2, "overdue": 0}]
    args = ("11/2026", date(2026, 11, 27), date(2026, 12, 3), date(2026, 12, 9), units, False)
    stars = (Decimal("120.5"), Decimal(1000))
    assert "Nhắc việc trả phí tháng này: 120,5/1 000 sao" in digest_notice(*args, "vi", stars=stars).text
    assert "Paid reminders this month: 120.5/1,000 Stars" in digest_notice(*args, "en", stars=stars).text
    assert "sao" not in digest_notice(*args, "vi").text.split("Nộp")[-1]  # off: no line
    assert stars_amount(Decimal(12345), "vi") == "12 345" and stars_amount(Decimal("0.1"), "en") == "0.1"


def test_the_setting_is_validated_and_reaches_the_workflow() -> None:
    settings = Settings(_env_file=None, paid_broadcast_stars_per_month=1_000)  # type: ignore[call-arg]
    assert settings.workflow_config().paid_stars_per_month == 1_000
    assert Settings(_env_file=None).workflow_config().paid_stars_per_month == 0  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="paid_broadcast_stars_per_month"):
        Settings(_env_file=None, paid_broadcast_stars_per_month=-1)  # type: ignore[call-arg]
