"""Closing periods, one or many at once: what closing reads, the plan of each period (its blockers, the quota, the
final results and levels, who is demoted, who is tied) and the writes of many plans in one go.

A unit's "Chốt kỳ" closes one period; closing a unit and every unit below it reads and writes the periods by
batches (a city's month: 10⁴ periods, 10⁵ records — bench/bench_scale.py), with the very same plan per period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from danhgia.scoring import EvaluationResult, QuotaDecision, apply_quota
from danhgia.storage.models import Assessment, Period
from danhgia.storage.uow import UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow.assessments import AssessmentService, ratings_of
from danhgia.workflow.common import Actor, Change, audit_many, fingerprint
from danhgia.workflow.council import CouncilSettings
from danhgia.workflow.lifecycle import APPROVED, blocks_closing, handed_in
from danhgia.workflow.locking import LockSet, lock_records
from danhgia.workflow.outbox import queue_many
from danhgia.workflow.quota import GROUP_LEADERS, GROUP_STAFF, quota_at_closing, quota_group, quota_summary
from danhgia.workflow.regimes import record_regime


@dataclass(frozen=True)
class TieChoice:
    """People tied on the quota's cut line in one group: HR picks `slots` of them to keep the level."""

    group: str
    staff_codes: tuple[str, ...]
    names: tuple[str, ...]
    total: str
    slots: int


class Member(NamedTuple):
    """A person as closing reads them: the columns it uses, not the whole row (a branch's closing reads 10⁵)."""

    id: int
    staff_code: str
    full_name: str
    active: bool


@dataclass
class ClosingInput:
    """What closing one period reads: its records, its people (the unit's active people and anyone with a record
    in it) and who of them took leave in the period."""

    period: Period
    records: list[Assessment]
    people: dict[int, Member]
    leave: set[int]

    @property
    def mark(self) -> str:
        """The fingerprint of the records and people the closing is computed from (a confirmation binds to it)."""
        return period_mark(
            ((r.id or 0, r.version, r.state) for r in self.records),
            ((pid, p.active) for pid, p in self.people.items()),
            self.period.exceptional,
        )


def period_mark(records: Iterable[tuple[int, int, str]], people: Iterable[tuple[int, bool]], exceptional: bool) -> str:
    """A period's closing fingerprint from its records' (id, version, state) and its people's (id, active)."""
    return fingerprint([*records, *(("person", pid, active) for pid, active in people), ("exceptional", exceptional)])


def read_inputs(uow: UnitOfWork, periods: Sequence[Period]) -> list[ClosingInput]:
    """What closing needs of these periods, read with a few statements whatever their number."""
    records: dict[int, list[Assessment]] = {p.id or 0: [] for p in periods}
    for record in uow.assessments.in_periods(list(records)):
        records[record.period_id].append(record)
    units = {p.unit_id for p in periods}
    by_unit: dict[int, list[Member]] = {}
    for pid, unit_id, code, name, active in uow.people.members(units):
        by_unit.setdefault(unit_id, []).append(Member(pid, code, name, active))
    known = {p.id for members in by_unit.values() for p in members}
    others = {r.person_id for rs in records.values() for r in rs if r.person_id not in known}
    extra = {pid: Member(pid, code, name, active) for pid, _, code, name, active in uow.people.members((), others)}
    inputs: list[ClosingInput] = []
    for period in periods:
        own = records[period.id or 0]
        people = {p.id: p for p in by_unit.get(period.unit_id, [])}
        for record in own:
            if record.person_id not in people and record.person_id in extra:
                people[record.person_id] = extra[record.person_id]
        inputs.append(ClosingInput(period, own, people, set()))
    spans: dict[tuple[Any, Any], list[ClosingInput]] = {}
    for item in inputs:
        spans.setdefault((item.period.starts_on, item.period.ends_on), []).append(item)
    for (first, last), items in spans.items():
        who = [pid for item in items for pid in item.people]
        away = {x.person_id for x in uow.leaves.overlapping(first, last, who)}
        for item in items:
            item.leave = away & set(item.people)
    return inputs


@dataclass
class PeriodPlan:
    """Closing one period as planned: the `blockers` or the `tie` that stand in its way, or everything locking
    writes (`lock`), with who is demoted and who handed nothing in."""

    input: ClosingInput
    mark: str
    blockers: tuple[tuple[str, str], ...] = ()
    tie: TieChoice | None = None
    lock: LockSet | None = None
    demoted: list[str] = field(default_factory=list)
    missing: list[Member] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """Nothing stands in the way: the period can be closed as planned."""
        return self.lock is not None


def plan_period(
    uow: UnitOfWork, assessments: AssessmentService, item: ClosingInput, tie_winners: tuple[str, ...] = ()
) -> PeriodPlan:
    """The plan of closing one period with HR's picks for its ties (`tie_winners`, staff codes)."""
    period, people = item.period, item.people
    mark = item.mark
    blockers = tuple(
        (people[r.person_id].full_name if r.person_id in people else str(r.person_id), r.state)
        for r in item.records
        if blocks_closing(r.state)
    )
    if blockers:
        return PeriodPlan(item, mark, blockers=blockers)
    approved = [r for r in item.records if r.state == APPROVED]
    leave = item.leave
    results = {r.id or 0: final_result(uow, assessments, r, period, people, r.person_id in leave) for r in approved}
    groups: dict[str, list[Assessment]] = {GROUP_LEADERS: [], GROUP_STAFF: []}
    for record in approved:
        groups.setdefault(quota_group(record, period), []).append(record)
    codes = {pid: p.staff_code for pid, p in people.items()}
    finals: dict[int, str | None] = {}
    demoted: list[str] = []
    quota_json: dict[str, Any] = {}
    tied: set[str] = set()
    for group, members in groups.items():
        if not members:
            continue
        regime = record_regime(members[0], period)
        scored = [results[m.id or 0] for m in members]
        if not quota_at_closing(regime):  # no quota, or a yearly one (NĐ 233): the month keeps its points
            for member in members:
                level = results[member.id or 0].level
                finals[member.id or 0] = level.code if level else None
            continue
        assert regime.quota is not None
        exceptional = period.exceptional and regime.quota.exceptional_ratio is not None
        probe = apply_quota(regime, scored, exceptional=exceptional)
        if probe.tie is not None:
            tied |= set(probe.tie.person_ids)  # HR's choice goes to the council as a case
        here = {codes[m.person_id] for m in members}
        chosen = tuple(w for w in tie_winners if w in here)
        # the quota is a pure function of its input: without picks the outcome is the probe
        outcome = apply_quota(regime, scored, exceptional=exceptional, tie_winners=chosen) if chosen else probe
        if outcome.tie is not None and not set(outcome.tie.person_ids) & set(tie_winners):
            names = tuple(
                next((people[m.person_id].full_name for m in members if codes[m.person_id] == c), c)
                for c in outcome.tie.person_ids
            )
            tie = TieChoice(group, outcome.tie.person_ids, names, str(outcome.tie.total), outcome.tie.slots)
            return PeriodPlan(item, mark, tie=tie)
        quota_json[group] = quota_summary(outcome)
        decisions: dict[str, QuotaDecision] = {}
        for decision in outcome.decisions:
            decisions.setdefault(decision.person_id, decision)  # each person's first, as `level_of` reads it
        for member in members:
            decision = decisions[codes[member.person_id]]
            level = decision.level_after
            finals[member.id or 0] = level.code if level else None
            if decision.demoted:
                demoted.append(people[member.person_id].full_name)
    submitted = {r.person_id for r in item.records if handed_in(r.state)}
    missing = [p for pid, p in people.items() if pid not in submitted and p.active]
    lock = LockSet(period, approved, results, finals, quota_json, codes, tied)
    return PeriodPlan(item, mark, lock=lock, demoted=demoted, missing=missing)


def final_result(
    uow: UnitOfWork,
    assessments: AssessmentService,
    record: Assessment,
    period: Period,
    people: dict[int, Member],
    leave: bool,
) -> EvaluationResult:
    """Recompute a record with the final facts (a leader's unit criterion from the decided levels; `leave`: the
    person took leave in the period, so their working time is read). Each record is scored once here, so the
    evaluation is not remembered (`remember=False`: the same result, without the memo's key)."""
    member = people.get(record.person_id)
    person = member or uow.people.get(record.person_id)
    assert person is not None
    regime = record_regime(record, period)
    leader = assessments.leader_facts(uow, record.person_id, period, regime) if record.is_leader else None
    facts = assessments.working_time(uow, record.person_id, period) if leave else None
    return ev.evaluate_record(
        regime,
        person.staff_code,
        record.self_input,
        list(record.tasks_snapshot or []),
        record.review_input,
        leader,
        facts,
        ratings_of(uow, regime, period, record.person_id, closing=True),
        remember=False,
    )


def write_plans(
    uow: UnitOfWork,
    actor: Actor,
    plans: Sequence[PeriodPlan],
    winners: dict[int, tuple[str, ...]],
    council: CouncilSettings,
    now: datetime,
) -> list[list[tuple[int, str]]]:
    """Close every ready plan in the caller's unit of work (not committed): lock the records, queue the notices,
    mark the periods closed with their audit lines; `winners` are HR's tie picks by period id. Returns each plan's
    council cases (person id, kind); a record changed since it was read refuses the whole batch (stale)."""
    ready = [plan for plan in plans if plan.lock is not None]
    cases = lock_records(uow, actor, [plan.lock for plan in ready if plan.lock is not None], council, now)
    notices = [
        ("no_result", p.id or 0, {"period_id": plan.input.period.id}, f"no_result:{plan.input.period.id}:{p.id}")
        for plan in ready
        for p in plan.missing
    ]
    queue_many(uow, notices, now)
    changes: list[Change] = []
    for plan in ready:
        period, lock = plan.input.period, plan.lock
        assert lock is not None
        period.status = "closed"
        period.closed_at = now
        period.closed_by = actor.person_id
        uow.session.add(period)
        new = {
            "status": "closed",
            "locked": len(lock.approved),
            "demoted": plan.demoted,
            "not_submitted": [p.staff_code for p in plan.missing],
            "tie_winners": list(winners.get(period.id or 0, ())),
        }
        changes.append(Change("period.close", "period", str(period.id), {"status": "open"}, new))
    audit_many(uow, actor, changes, now)
    return cases
