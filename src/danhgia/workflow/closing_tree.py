"""Closing a unit's month together with every unit below it: HR's one confirmation for a district or a city.

The preview counts, without scoring anything, what closing would do to each open period of the subtree and binds
the confirmation to all of them (each period's records, versions and people). Closing then goes by batches of
periods, one transaction each, with the very plan a single period's closing makes; a period whose records changed
since the preview, or that meets a tie on the quota's line (HR's choice, never guessed), stays open and is named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from danhgia.storage.models import Period
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.assessments import AssessmentService
from danhgia.workflow.closing import PeriodPlan, period_mark, plan_period, read_inputs, write_plans
from danhgia.workflow.common import Actor, fingerprint
from danhgia.workflow.council import CouncilSettings
from danhgia.workflow.lifecycle import APPROVED, blocks_closing, handed_in
from danhgia.workflow.refusal import Refusal

BATCH_RECORDS = 4_000  # records closed in one transaction (SQLite's writers wait for at most one batch)
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


def close_tree(
    db: Database,
    assessments: AssessmentService,
    council: CouncilSettings,
    actor: Actor,
    preview: TreePreview,
    now: Callable[[], datetime],
) -> TreeOutcome:
    """Close every period the (just re-surveyed, still matching) `preview` found ready, by batches of periods, each
    bound to its own mark; ties and moved periods stay open and are named."""
    ready = sorted(preview.marks)
    closed = locked = demoted = no_result = flagged = 0
    tied: list[str] = []
    moved: list[str] = []
    at = 0
    while at < len(ready):
        ids: list[int] = []
        size = 0
        while at < len(ready) and (not ids or size + preview.sizes.get(ready[at], 0) <= BATCH_RECORDS):
            ids.append(ready[at])
            size += preview.sizes.get(ready[at], 0)
            at += 1
        with db.uow() as uow:
            periods = [p for p in uow.periods.by_ids(ids) if p.status == "open"]
            gone = set(ids) - {p.id for p in periods}  # closed meanwhile by someone else
            moved += [_unit_name(uow, p) for p in uow.periods.by_ids(sorted(gone))]
            plans: list[PeriodPlan] = []
            for item in read_inputs(uow, periods):
                plan = plan_period(uow, assessments, item)
                if plan.mark != preview.marks.get(item.period.id or 0) or plan.blockers:
                    moved.append(_unit_name(uow, item.period))
                elif plan.tie is not None:
                    tied.append(_unit_name(uow, item.period))
                else:
                    plans.append(plan)
            try:
                cases = write_plans(uow, actor, plans, {}, council, now())
            except Refusal:  # a record changed between reading and writing (another instance): the batch stays open
                moved += [_unit_name(uow, plan.input.period) for plan in plans]
                continue
            uow.commit()
        closed += len(plans)
        locked += sum(len(plan.lock.approved) for plan in plans if plan.lock is not None)
        demoted += sum(len(plan.demoted) for plan in plans)
        no_result += sum(len(plan.missing) for plan in plans)
        flagged += sum(len(found) for found in cases)
    return TreeOutcome(preview, closed, locked, demoted, no_result, flagged, tuple(tied), tuple(moved))


def _unit_name(uow: UnitOfWork, period: Period) -> str:
    unit = uow.units.get(period.unit_id)
    return unit.name if unit is not None else str(period.unit_id)
