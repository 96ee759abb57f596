"""Closing a unit's month together with every unit below it: HR's one confirmation for a district or a city.

The preview counts, without scoring anything, what closing would do to each open period of the subtree and binds
the confirmation to all of them (each period's records, versions and people). Closing then goes by batches of
periods, one transaction each, with the very plan a single period's closing makes; a period whose records changed
since the preview, or that meets a tie on the quota's line (HR's choice, never guessed), stays open and is named.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from danhgia.storage.db import make_engine
from danhgia.storage.models import Period
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.absence import AbsenceService
from danhgia.workflow.assessments import AssessmentService
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.closing import PeriodPlan, period_mark, plan_period, read_inputs, write_plans
from danhgia.workflow.common import Actor, fingerprint
from danhgia.workflow.council import CouncilSettings
from danhgia.workflow.lifecycle import APPROVED, blocks_closing, handed_in
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.tasks import TaskService

BATCH_RECORDS = 4_000  # records closed in one transaction (SQLite's writers wait for at most one batch)
PARALLEL_FROM = 20_000  # records from which PostgreSQL closes a branch with several processes
MAX_WORKERS = 4  # processes closing a branch side by side (at most one a core)
CHUNK = 5_000  # ids in one IN (…) list


@dataclass(frozen=True)
class TreePreview:
    """What closing a unit's period and every open one below it would do: `ready` periods locking `records`
    approved records (`not_submitted` people without a record), the periods that cannot close yet (`blocked`: the
    unit's name and how many records still wait), and the `mark` the confirmation carries."""

    unit_id: int
    unit_name: str
    key: str
    ready: int
    records: int
    not_submitted: int
    blocked: tuple[tuple[str, int], ...]
    mark: str
    marks: dict[int, str]  # each ready period's own mark (not shown): closing binds each period to it
    sizes: dict[int, int]  # each ready period's records to lock (closing's batches)

    @property
    def periods(self) -> int:
        """The open periods of the subtree."""
        return self.ready + len(self.blocked)


@dataclass(frozen=True)
class TreeOutcome:
    """What closing the subtree did: `closed` periods, `locked` records, `demoted` and `no_result` people and
    council cases `flagged`; the units left open for a `tie` to choose or whose records `moved` since the preview.
    With `changed` nothing was closed: `preview` is the new one to confirm."""

    preview: TreePreview
    closed: int = 0
    locked: int = 0
    demoted: int = 0
    no_result: int = 0
    flagged: int = 0
    tied: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()
    changed: bool = False


def _chunks(items: Sequence[int]) -> Iterator[list[int]]:
    for at in range(0, len(items), CHUNK):
        yield list(items[at : at + CHUNK])


def survey(uow: UnitOfWork, unit_id: int, key: str) -> TreePreview:
    """The preview of closing `unit_id`'s period `key` and every open one below it, from states and versions only."""
    unit = uow.units.get(unit_id)
    if unit is None:
        raise Refusal("not_found")
    units = sorted(uow.units.subtree_ids(unit_id))
    periods: list[Period] = []
    for chunk in _chunks(units):
        periods += uow.periods.open_in_units(chunk, key)
    periods.sort(key=lambda p: p.id or 0)
    rows: dict[int, list[tuple[int, int, int, str]]] = {p.id or 0: [] for p in periods}
    for chunk in _chunks(list(rows)):
        for period_id, record_id, person_id, version, state in uow.assessments.states_in_periods(chunk):
            rows[period_id].append((record_id, person_id, version, state))
    holders = {person_id for found in rows.values() for _, person_id, _, _ in found}
    active: dict[int, list[tuple[int, bool]]] = {}
    known: dict[int, bool] = {}
    period_units = sorted({p.unit_id for p in periods})
    for chunk in _chunks(period_units):
        for pid, uid, is_active in uow.people.activity(chunk):
            active.setdefault(uid, []).append((pid, is_active))
    in_units = {pid for members in active.values() for pid, _ in members}
    for chunk in _chunks(sorted(holders - in_units)):
        for pid, _, is_active in uow.people.activity([], chunk):
            known[pid] = is_active
    names = {u.id: u.name for u in uow.units.all()} if periods else {}
    ready = records = missing = 0
    blocked: list[tuple[str, int]] = []
    marks: dict[int, str] = {}
    ready_marks: dict[int, str] = {}
    sizes: dict[int, int] = {}
    for period in periods:
        found = rows[period.id or 0]
        people = dict(active.get(period.unit_id, []))
        for _, person_id, _, _ in found:
            if person_id not in people and person_id in known:
                people[person_id] = known[person_id]
        marks[period.id or 0] = period_mark(((r, v, s) for r, _, v, s in found), people.items(), period.exceptional)
        waiting = sum(1 for *_, state in found if blocks_closing(state))
        if waiting:
            blocked.append((names.get(period.unit_id, str(period.unit_id)), waiting))
            continue
        ready += 1
        ready_marks[period.id or 0] = marks[period.id or 0]
        sizes[period.id or 0] = sum(1 for *_, state in found if state == APPROVED)
        records += sizes[period.id or 0]
        submitted = {person_id for _, person_id, _, state in found if handed_in(state)}
        missing += sum(1 for pid, is_active in people.items() if is_active and pid not in submitted)
    mark = fingerprint(marks.items())
    return TreePreview(unit_id, unit.name, key, ready, records, missing, tuple(blocked), mark, ready_marks, sizes)


@dataclass
class BatchDone:
    """What closing one batch of periods did (added up into the TreeOutcome)."""

    closed: int = 0
    locked: int = 0
    demoted: int = 0
    no_result: int = 0
    flagged: int = 0
    tied: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)


def close_batch(
    db: Database,
    assessments: AssessmentService,
    council: CouncilSettings,
    actor: Actor,
    marks: dict[int, str],
    now: datetime,
) -> BatchDone:
    """Close these periods (their ids and the marks the preview found) in one transaction, each bound to its mark."""
    with _no_cycle_collection():  # `_close_batch` returns (and its records are freed) before collection resumes
        return _close_batch(db, assessments, council, actor, marks, now)


def _close_batch(
    db: Database,
    assessments: AssessmentService,
    council: CouncilSettings,
    actor: Actor,
    marks: dict[int, str],
    now: datetime,
) -> BatchDone:
    done = BatchDone()
    ids = sorted(marks)
    with db.uow() as uow:
        periods = [p for p in uow.periods.by_ids(ids) if p.status == "open"]
        gone = set(ids) - {p.id for p in periods}  # closed meanwhile by someone else
        done.moved += [_unit_name(uow, p) for p in uow.periods.by_ids(sorted(gone))]
        plans: list[PeriodPlan] = []
        for item in read_inputs(uow, periods):
            plan = plan_period(uow, assessments, item)
            if plan.mark != marks.get(item.period.id or 0) or plan.blockers:
                done.moved.append(_unit_name(uow, item.period))
            elif plan.tie is not None:
                done.tied.append(_unit_name(uow, item.period))
            else:
                plans.append(plan)
        try:
            cases = write_plans(uow, actor, plans, {}, council, now)
        except Refusal:  # a record changed between reading and writing (another instance): the batch stays open
            done.moved += [_unit_name(uow, plan.input.period) for plan in plans]
            return done
        uow.commit()
    done.closed = len(plans)
    done.locked = sum(len(plan.lock.approved) for plan in plans if plan.lock is not None)
    done.demoted = sum(len(plan.demoted) for plan in plans)
    done.no_result = sum(len(plan.missing) for plan in plans)
    done.flagged = sum(len(found) for found in cases)
    return done


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """No cyclic garbage collection while a batch is closed (as it was before, after): a batch keeps its thousands
    of records, results and their JSON alive to its end, so each full collection meanwhile walks the whole heap in
    vain (about a fifth of closing's time). Memory freed by reference counting is freed as always; the next
    collection, once the batch is over, finds whatever cycles it left."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def batches(preview: TreePreview) -> list[dict[int, str]]:
    """The ready periods of a preview (id → mark) in batches of about BATCH_RECORDS records, in id order."""
    found: list[dict[int, str]] = []
    current: dict[int, str] = {}
    size = 0
    for period_id in sorted(preview.marks):
        records = preview.sizes.get(period_id, 0)
        if current and size + records > BATCH_RECORDS:
            found.append(current)
            current, size = {}, 0
        current[period_id] = preview.marks[period_id]
        size += records
    if current:
        found.append(current)
    return found


def close_tree(
    db: Database,
    assessments: AssessmentService,
    council: CouncilSettings,
    actor: Actor,
    preview: TreePreview,
    now: Callable[[], datetime],
    *,
    workers: int = 1,
) -> TreeOutcome:
    """Close every period the (just re-surveyed, still matching) `preview` found ready, by batches of periods, each
    bound to its own mark; ties and moved periods stay open and are named. On PostgreSQL a large branch (from
    PARALLEL_FROM records) is closed by `workers` processes side by side, each batch in its own transaction."""
    parts = batches(preview)
    parallel = (
        workers > 1 and len(parts) > 1 and preview.records >= PARALLEL_FROM and db.engine.dialect.name != "sqlite"
    )
    if parallel:
        url = db.engine.url.render_as_string(hide_password=False)
        tz = assessments.tz
        context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        with ProcessPoolExecutor(max_workers=min(workers, len(parts)), mp_context=context) as pool:
            jobs = [pool.submit(_close_batch_apart, url, tz, council, actor, part, now()) for part in parts]
            results = [job.result() for job in jobs]
    else:
        results = [close_batch(db, assessments, council, actor, part, now()) for part in parts]
    total = BatchDone()
    for one in results:
        total.closed += one.closed
        total.locked += one.locked
        total.demoted += one.demoted
        total.no_result += one.no_result
        total.flagged += one.flagged
        total.tied += one.tied
        total.moved += one.moved
    return TreeOutcome(
        preview,
        total.closed,
        total.locked,
        total.demoted,
        total.no_result,
        total.flagged,
        tuple(total.tied),
        tuple(total.moved),
    )


_apart: dict[str, Database] = {}  # the worker process's database, by URL


def _close_batch_apart(
    url: str, tz: ZoneInfo, council: CouncilSettings, actor: Actor, marks: dict[int, str], now: datetime
) -> BatchDone:
    """`close_batch` in a worker process, over its own connection to the same database."""
    db = _apart.get(url)
    if db is None:
        db = _apart[url] = Database(make_engine(url))
    clock = ManualClock(now)
    assessments = AssessmentService(db, clock, tz, TaskService(db, clock, tz), AbsenceService(db, clock, tz))
    return close_batch(db, assessments, council, actor, marks, now)


def _unit_name(uow: UnitOfWork, period: Period) -> str:
    unit = uow.units.get(period.unit_id)
    return unit.name if unit is not None else str(period.unit_id)
