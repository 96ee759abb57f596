"""An organisation of a city's size: closing a month end to end, /ketqua's reads, and the memory they take.

    .venv/bin/python bench/bench_scale.py --staff 200000 --units 10000            # SQLite (a file in a temp folder)
    .venv/bin/python bench/bench_scale.py --staff 200000 --units 10000 --url postgresql://postgres@127.0.0.1/test

The organisation is written directly (units, people, roles, one open period per unit, every staff member's record
approved — a copy of one record made through the workflow, so scoring sees real input); the leader of each unit
has no record (a "no result" notice at closing). Then, through the workflow as HR's "Chốt kỳ" does:

- closing every unit's period (scoring each record, the quota, locking, the audit, the notices queued): seconds for
  the whole organisation (issue 19: ≤ 60 s at 200 000 staff) — as HR's "Chốt kỳ toàn khối" on the root unit does
  (the preview, then the confirmed closing by batches), or with --per-unit one unit's "Chốt kỳ" after the other;
- /ketqua's reads (the person's history and their year's roll-up) for 400 people picked at random: p50 and p95 (issue
  19: p95 at 200 000 staff ≤ 1.2 × at 1 000 — run once with --staff 1000 --units 50 to compare);
- the peak memory (RSS) of this process after closing and reading.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from danhgia.storage.db import make_engine, migrate
from danhgia.storage.models import Assessment, Period, Person, PersonRole, Unit
from danhgia.storage.uow import Database
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services, WorkflowConfig
from danhgia.workflow.tasks import CheckinOutcome

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=VN)  # after November, before its self-assessment deadline
CLOSING = datetime(2026, 12, 10, 9, 0, tzinfo=VN)
BATCH = 5_000


def template(services: Services, folder: Path) -> tuple[dict[str, Any], int]:
    """One staff member's November record approved through the workflow (a task, a check-in, a self-assessment at
    full points, the leader's approval): its columns to copy, and HR's person id."""
    roster = folder / "template.csv"
    roster.write_text(
        "ma_can_bo,ho_ten,ma_don_vi,ten_don_vi,chuc_vu,vai_tro,ma_cap_tren\n"
        "T-TP,Trưởng phòng mẫu,T,Đơn vị mẫu,Trưởng phòng,lanh_dao,\n"
        "T-CV,Chuyên viên mẫu,T,Đơn vị mẫu,Chuyên viên,nhan_vien,T-TP\n"
        "T-HR,Tổ chức mẫu,T,Đơn vị mẫu,Chuyên viên,to_chuc,T-TP\n",
        encoding="utf-8",
    )
    services.roster.import_table(read_roster(roster), Actor.cli("bench"))
    with services.db.reader() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
        unit = uow.units.get_by_code("T")
        assert unit is not None and unit.id is not None
        unit_id = unit.id
    services.periods.open(Actor.person(ids["T-HR"]), unit_id, "2026-11")
    task = services.tasks.add(Actor.person(ids["T-CV"]), ids["T-CV"], "Việc", date(2026, 11, 20), Decimal(1))
    services.tasks.checkin(Actor.person(ids["T-CV"]), ids["T-CV"], task.id, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(ids["T-CV"])
    view = services.self_assessment.submit(ids["T-CV"], view.id, view.version)
    services.review.approve(Actor.person(ids["T-TP"]), view.id)
    with services.db.reader() as uow:
        period = uow.periods.of_unit(unit_id, "2026-11")
        assert period is not None and period.id is not None
        record = next(r for r in uow.assessments.in_period(period.id) if r.person_id == ids["T-CV"])
        columns = record.model_dump(exclude={"id", "period_id", "person_id", "reviewer_id", "decided_by"})
    assert columns["state"] == "approved", columns["state"]
    return columns, ids["T-HR"]


def varied(answers: dict[str, Any], rank: int) -> dict[str, Any]:
    """The template's answers with the last criterion typed at 10 − rank × 0,25 points: the totals of a unit differ,
    so its quota decides without a tie (as in a real unit; up to 40 people a unit)."""
    criteria = dict(answers["criteria"])
    last = list(criteria)[-1]
    criteria[last] = {"points": str(max(Decimal(0), Decimal(10) - Decimal(rank) / 4))}
    return {**answers, "criteria": criteria}


def build(db: Database, staff: int, units: int, record: dict[str, Any]) -> tuple[int, list[int]]:
    """`units` units under one root unit, of `staff // units` people each (the first their leader), their open
    November period and every staff member's approved record; the root unit's id and the periods' ids."""
    per_unit = staff // units
    engine = db.engine
    started = time.perf_counter()
    with engine.begin() as conn:
        root = (conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM unit")).scalar() or 0) + 1
        conn.execute(insert(Unit), [{"code": "ROOT", "name": "Thành phố"}])
        first_unit = root + 1
        conn.execute(
            insert(Unit), [{"code": f"U{u:05d}", "name": f"Phòng {u}", "parent_id": root} for u in range(units)]
        )
        first_person = (conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM person")).scalar() or 0) + 1
        rows = [
            {"staff_code": f"CB{i:06d}", "full_name": f"Cán bộ {i}", "unit_id": first_unit + i // per_unit}
            for i in range(units * per_unit)
        ]
        for at in range(0, len(rows), BATCH):
            conn.execute(insert(Person), rows[at : at + BATCH])
        roles = [
            {"person_id": first_person + i, "role_code": "lanh_dao" if i % per_unit == 0 else "nhan_vien"}
            for i in range(units * per_unit)
        ]
        for at in range(0, len(roles), BATCH):
            conn.execute(insert(PersonRole), roles[at : at + BATCH])
        first_period = (conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM period")).scalar() or 0) + 1
        periods = [
            {
                "unit_id": first_unit + u,
                "key": "2026-11",
                "starts_on": date(2026, 11, 1),
                "ends_on": date(2026, 11, 30),
                "regime_id": "nd335-2025",
            }
            for u in range(units)
        ]
        conn.execute(insert(Period), periods)
        records = [
            {
                **record,
                "self_input": varied(record["self_input"], i % per_unit),
                "period_id": first_period + i // per_unit,
                "person_id": first_person + i,
                "reviewer_id": first_person + i - i % per_unit,
                "decided_by": first_person + i - i % per_unit,
            }
            for i in range(units * per_unit)
            if i % per_unit
        ]
        for at in range(0, len(records), BATCH):
            conn.execute(insert(Assessment), records[at : at + BATCH])
    print(f"built {units * per_unit} people in {units} units in {time.perf_counter() - started:.1f} s")
    return root, [first_period + u for u in range(units)]


def rss_mb() -> float:
    """The peak resident memory of this process, in MB (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(staff: int, units: int, url: str | None, sample: int, per_unit: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'scale.db'}"
        engine = make_engine(url)
        if url.startswith("postgresql"):
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate(engine)
        clock = ManualClock(NOW)
        services = Services(Database(engine), WorkflowConfig(VN, timedelta(days=14)), clock)
        record, hr = template(services, Path(tmp))
        root, period_ids = build(services.db, staff, units, record)
        print(f"RSS after building: {rss_mb():.0f} MB")
        clock.set(CLOSING)
        hr_actor = Actor.person(hr)
        cpu = time.process_time()
        if per_unit:  # HR's "Chốt kỳ" on each unit, one after the other
            started = time.perf_counter()
            locked = 0
            for pid in period_ids:
                outcome = services.periods.close(hr_actor, pid)
                assert outcome.closed, outcome
                locked += outcome.locked
            elapsed = time.perf_counter() - started
            print(f"closed {len(period_ids)} periods one by one, {locked} records locked, in {elapsed:.1f} s")
        else:  # HR's "Chốt kỳ toàn khối" on the root: the preview, then the confirmation
            started = time.perf_counter()
            cpu = time.process_time()
            preview = services.periods.preview_tree(hr_actor, root, "2026-11")
            shown = time.perf_counter() - started
            assert preview.ready == len(period_ids), preview.ready
            print(f"preview of {preview.ready} periods, {preview.records} records: {shown:.1f} s")
            started = time.perf_counter()
            cpu = time.process_time()
            done = services.periods.close_tree(hr_actor, root, "2026-11", preview.mark)
            elapsed = time.perf_counter() - started
            assert done.closed == len(period_ids) and not done.moved and not done.tied, done
            locked = done.locked
            print(f"closed {done.closed} periods at once, {locked} records locked, in {elapsed:.1f} s")
        with services.db.reader() as uow:  # every notice queued (the outbox's own count stops at 10 000)
            count = text("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
            queued = int(uow.session.execute(count).scalar() or 0)
        cpu = time.process_time() - cpu
        print(f"  = {elapsed / max(locked, 1) * 1000:.2f} ms per record ({cpu:.1f} s of this process's CPU)")
        print(f"  notices waiting in the outbox: {queued}")
        if url.startswith("postgresql"):  # as autovacuum leaves a live database: statistics and visibility up to date
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            print("  (PostgreSQL: VACUUM ANALYZE after the close, as autovacuum would, before /ketqua's reads)")
        rng = random.Random(7)
        with services.db.reader() as uow:
            people = [p.id for p in uow.people.all() if p.id is not None and p.staff_code.startswith("CB")]
        times = []
        for person_id in rng.sample(people, min(sample, len(people))):
            started = time.perf_counter()
            services.results.history(person_id)
            services.results.year(person_id, 2026)
            times.append(time.perf_counter() - started)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        p50 = statistics.median(times) * 1000
        print(f"/ketqua reads ({len(times)} people): p50 {p50:.1f} ms, p95 {p95 * 1000:.1f} ms")
        print(f"peak RSS of this benchmark process (it built the organisation): {rss_mb():.0f} MB")
        services.db.dispose()
        # The bot's own memory: a fresh process that builds the Application over this database and serves the
        # same reads (what `danhgia run` holds with the organisation in its database).
        child = subprocess.run(
            [sys.executable, __file__, "--bot-rss", url, "--sample", str(sample)], capture_output=True, text=True
        )
        print(child.stdout.strip() or child.stderr.strip()[-2000:])


def bot_rss(url: str, sample: int) -> None:
    """Print the peak RSS of a process holding the bot's Application over `url` after `sample` /ketqua reads."""
    from danhgia.bot.app import build_application, build_services, open_database
    from danhgia.bot.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123456:bench",
        telegram_api_url="http://127.0.0.1:9",
        database_url=url,
        reminders=False,
    )
    db = open_database(settings)
    services = build_services(settings, db)
    build_application(settings, services)
    with services.db.reader() as uow:  # the ids only: the bot never holds the whole organisation
        count = int(uow.session.execute(text("SELECT COUNT(*) FROM person")).scalar() or 0)
        first = int(uow.session.execute(text("SELECT MIN(id) FROM person WHERE staff_code LIKE 'CB%'")).scalar() or 0)
    rng = random.Random(3)
    for _ in range(sample):
        person_id = first + rng.randrange(count - 3)
        services.results.history(person_id)
        services.results.year(person_id, 2026)
    print(f"bot process RSS with {count} people after {sample} /ketqua reads: {rss_mb():.0f} MB")
    db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--staff", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--url", default=None, help="a PostgreSQL URL (its public schema is dropped!); SQLite if none")
    parser.add_argument("--sample", type=int, default=400)
    parser.add_argument("--per-unit", action="store_true", help="close each unit's period on its own")
    parser.add_argument("--bot-rss", default=None, help=argparse.SUPPRESS)  # the child process of `main`
    args = parser.parse_args()
    if args.bot_rss:
        bot_rss(args.bot_rss, args.sample)
    else:
        main(args.staff, args.units, args.url, args.sample, args.per_unit)
