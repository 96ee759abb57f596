"""Evaluation periods: HR opens a period for a unit (and its sub-units) and closes it.

Closing applies the regime's quota inside each unit and task group (leaders apart from staff), locks every
approved record and tells each person their final result. It is refused while any record still waits for
the person or the reviewer; people tied on the quota's cut line are left to HR to choose, never guessed.
`close_confirmed` and `choose_tie` are closing as HR does it: bound to the confirmation shown, one tie at a time.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from danhgia.storage.models import Assessment, Period, Person
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow.assessments import AssessmentService, PeriodInfo
from danhgia.workflow.calendar import PeriodSpan, span_from_key, span_of
from danhgia.workflow.clock import Clock
from danhgia.workflow.closing import TieChoice, plan_period, read_inputs, write_plans
from danhgia.workflow.closing_tree import MAX_WORKERS, TreeOutcome, TreePreview, close_tree, survey
from danhgia.workflow.collation import name_key
from danhgia.workflow.common import ROLE_ADMIN, ROLE_HR, Actor, Change, audit
from danhgia.workflow.council import CouncilSettings
from danhgia.workflow.lifecycle import APPROVED, DRAFT, LOCKED, RETURNED, handed_in, pending
from danhgia.workflow.outbox import queue
from danhgia.workflow.ratings import assign as assign_ratings
from danhgia.workflow.refusal import Refusal


@dataclass(frozen=True)
class UnitStatus:
    """One unit's period for a key, with how far its people have got."""

    unit_id: int
    unit_code: str
    unit_name: str
    depth: int
    period: PeriodInfo | None
    people: int
    not_started: int
    drafts: int
    pending: int
    returned: int
    approved: int
    locked: int
    ratings_sent: int = 0  # the 360° round: ratings sent and asked, counts only
    ratings_asked: int = 0
    raters_behind: tuple[tuple[str, int], ...] = ()  # who has not finished rating, and how many are left


@dataclass(frozen=True)
class PersonStatus:
    """One person of a unit in a period and where their record stands (`state` "none" without a record)."""

    person_id: int
    staff_code: str
    full_name: str
    state: str
    assessment_id: int | None
    total: Decimal | None
    level: str | None
    final_level: str | None
    regime_id: str | None = None  # the regime the record is scored under (None: the period's)

    @property
    def submitted(self) -> bool:
        """They handed their record in (whatever happened to it since); False without a record."""
        return self.assessment_id is not None and handed_in(self.state)


@dataclass(frozen=True)
class CloseOutcome:
    """What closing did, or why it could not: `blockers` (names and states) or a `tie` to decide."""

    period: PeriodInfo
    closed: bool
    blockers: tuple[tuple[str, str], ...] = ()
    tie: TieChoice | None = None
    locked: int = 0
    demoted: tuple[str, ...] = ()
    not_submitted: tuple[str, ...] = ()
    quota: dict[str, Any] = field(default_factory=dict)
    flagged: tuple[tuple[str, str], ...] = ()  # (name, case kind) put before the council at closing
    fingerprint: str = ""  # the mark of what this outcome was computed from (records, versions, people)
    changed: bool = False  # closing was asked for a state that no longer stands: nothing was closed


@dataclass(frozen=True)
class Closing:
    """A step of closing as HR does it: `outcome` is what closing did (closed, blockers) or, with `changed`, the
    new preview to confirm again; with a `tie`, the tie to choose now. `ties` are the ties met so far and
    `choices` HR's picks for them (bit i keeps the i-th tied person; the last is the pick being made), `mark`
    binds the tie's buttons to them and to the records. `refused` names a pick that does not fit ("outdated",
    "tie_full", "tie_choose"): nothing was done."""

    outcome: CloseOutcome
    ties: tuple[TieChoice, ...] = ()
    choices: tuple[int, ...] = ()
    mark: str = ""
    refused: str | None = None

    @property
    def tie(self) -> TieChoice | None:
        """The tie to choose now, if any."""
        return self.outcome.tie


class PeriodService:
    """Opening, overseeing and closing periods."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        tz: ZoneInfo,
        assessments: AssessmentService,
        regime_id: str,
        council: CouncilSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.assessments = assessments
        self.regime_id = regime_id
        self.council = council or CouncilSettings()

    def today(self) -> date:
        """Today in the organisation's time zone."""
        return self.clock.now().astimezone(self.tz).date()

    def span(self, day: date | None = None) -> PeriodSpan:
        """The period (month, or quarter for quarterly regimes) containing a day (today by default)."""
        regime = ev.regime_of(self.regime_id)
        return span_of(day or self.today(), quarterly=regime.period == "quarter")

    @staticmethod
    def _require_hr(uow: UnitOfWork, actor: Actor) -> None:
        if actor.person_id is None:
            return  # an operator tool (CLI)
        if not uow.people.roles(actor.person_id) & {ROLE_HR, ROLE_ADMIN}:
            raise Refusal("not_hr")

    def first_to_show(self) -> str:
        """The period HR meets first in /kydanhgia: last period's while some unit still has it open (its closing
        is the work at hand early in a month), else the current one."""
        span = self.span()
        with self.db.reader() as uow:
            previous = span.previous().key
            return previous if any(p.key == previous for p in uow.periods.all_open()) else span.key

    def overview(self, actor: Actor, key: str) -> list[UnitStatus]:
        """Every unit (as a tree, parents first) with its period for `key` and the state of its people."""
        with self.db.reader() as uow:
            self._require_hr(uow, actor)
            children: dict[int | None, list[Any]] = {}
            for unit in uow.units.all():
                children.setdefault(unit.parent_id, []).append(unit)
            ordered: list[tuple[Any, int]] = []

            def walk(parent: int | None, depth: int) -> None:
                for unit in sorted(children.get(parent, []), key=lambda u: u.code):
                    ordered.append((unit, depth))
                    walk(unit.id, depth + 1)

            walk(None, 0)
            rows = []
            for unit, depth in ordered:
                period = uow.periods.of_unit(unit.id, key)
                people = uow.people.in_units([unit.id])
                pid = period.id if period is not None else None
                states = {a.person_id: a.state for a in uow.assessments.in_period(pid)} if pid is not None else {}
                counts = _counts([states.get(p.id or 0, "none") for p in people])
                ratings = uow.ratings.in_period(pid) if pid is not None else []
                behind = Counter(r.rater_id for r in ratings if r.state != "submitted")
                raters = tuple(sorted(((_name(uow, i), n) for i, n in behind.items()), key=lambda r: name_key(r[0])))
                sent, asked = sum(1 for r in ratings if r.state == "submitted"), len(ratings)
                info = self.assessments.period_info(uow, period) if period else None
                rows.append(
                    UnitStatus(unit.id, unit.code, unit.name, depth, info, len(people), *counts, sent, asked, raters)
                )
            return rows

    def people(self, actor: Actor, period_id: int) -> list[PersonStatus]:
        """The people of a period's unit (and anyone with a record in it) with their record's state, for HR."""
        with self.db.uow() as uow:
            self._require_hr(uow, actor)
            period = uow.periods.get(period_id)
            if period is None or period.id is None:
                raise Refusal("not_found")
            in_period = uow.assessments.in_period(period.id)
            records = {r.person_id: r for r in in_period}
            rows = []
            for person_id, person in _people_of(uow, period, in_period).items():
                r = records.get(person_id)
                found = (r.state, r.id, r.total, r.level, r.final_level) if r else ("none", None, None, None, None)
                regime_id = r.regime_id if r else None
                rows.append(PersonStatus(person_id, person.staff_code, person.full_name, *found, regime_id))
            return rows

    def info(self, period_id: int) -> PeriodInfo:
        """One period."""
        with self.db.reader() as uow:
            period = uow.periods.get(period_id)
            if period is None:
                raise Refusal("not_found")
            return self.assessments.period_info(uow, period)

    def open(self, actor: Actor, unit_id: int, key: str, *, subtree: bool = True) -> list[PeriodInfo]:
        """Open the period `key` for a unit (and its sub-units); units that already have it are left alone."""
        span = span_from_key(key)
        now = self.clock.now()
        opened: list[PeriodInfo] = []
        with self.db.uow() as uow:
            self._require_hr(uow, actor)
            unit = uow.units.get(unit_id)
            if unit is None or unit.id is None:
                raise Refusal("not_found")
            ids = sorted(uow.units.subtree_ids(unit.id)) if subtree else [unit.id]
            for uid in ids:
                if uow.periods.of_unit(uid, key) is not None:
                    continue
                period = uow.periods.add(
                    Period(
                        unit_id=uid,
                        key=span.key,
                        starts_on=span.starts_on,
                        ends_on=span.ends_on,
                        regime_id=self.regime_id,
                        opened_at=now,
                        opened_by=actor.person_id,
                    )
                )
                assert period.id is not None
                audit(
                    uow,
                    actor,
                    Change("period.open", "period", str(period.id), None, {"unit_id": uid, "key": key}),
                    now,
                )
                for person in uow.people.in_units([uid]):
                    assert person.id is not None
                    queue(
                        uow,
                        "period_opened",
                        person.id,
                        {"period_id": period.id},
                        now,
                        dedupe_key=f"period_opened:{period.id}:{person.id}",
                    )
                assign_ratings(uow, period, now)
                opened.append(self.assessments.period_info(uow, period))
            uow.commit()
        return opened

    def set_exceptional(self, actor: Actor, period_id: int, exceptional: bool) -> PeriodInfo:
        """Mark a unit as having outstanding results (the regime's higher quota applies at closing)."""
        now = self.clock.now()
        with self.db.uow() as uow:
            self._require_hr(uow, actor)
            period = uow.periods.get(period_id)
            if period is None:
                raise Refusal("not_found")
            if period.status != "open":
                raise Refusal("period_closed")
            regime = ev.regime_of(period.regime_id)
            if exceptional and (regime.quota is None or regime.quota.exceptional_ratio is None):
                raise Refusal("no_exception")
            if period.exceptional != exceptional:
                audit(
                    uow,
                    actor,
                    Change(
                        "period.exceptional",
                        "period",
                        str(period_id),
                        {"exceptional": period.exceptional},
                        {"exceptional": exceptional},
                    ),
                    now,
                )
                period.exceptional = exceptional
                uow.session.add(period)
                uow.commit()
            return self.assessments.period_info(uow, period)

    def close(
        self,
        actor: Actor,
        period_id: int,
        *,
        tie_winners: tuple[str, ...] = (),
        dry_run: bool = False,
        expected: str | None = None,
    ) -> CloseOutcome:
        """Apply the quota, lock every approved record and tell everyone their final result.

        `dry_run` changes nothing: it returns what closing now would do (`closed` False; `locked`, `demoted`,
        `not_submitted` as they would be), or the blockers or the tie that stand in the way, with the
        `fingerprint` of the records and people it was computed from. `expected` binds closing to a confirmation:
        if the fingerprint is no longer that, nothing is closed and the new preview comes back (`changed`).
        """
        now = self.clock.now()
        with self.db.uow() as uow:
            self._require_hr(uow, actor)
            period = uow.periods.get(period_id)
            if period is None or period.id is None:
                raise Refusal("not_found")
            info = self.assessments.period_info(uow, period)
            if period.status != "open":
                raise Refusal("period_closed")
            (item,) = read_inputs(uow, [period])
            plan = plan_period(uow, self.assessments, item, tie_winners)
            mark = plan.mark
            changed = expected is not None and mark != expected
            dry_run = dry_run or changed
            if plan.blockers:
                return CloseOutcome(info, False, blockers=plan.blockers, fingerprint=mark, changed=changed)
            if plan.tie is not None:
                return CloseOutcome(info, False, tie=plan.tie, fingerprint=mark, changed=changed)
            assert plan.lock is not None
            outcome = CloseOutcome(
                info,
                False,
                locked=len(plan.lock.approved),
                demoted=tuple(plan.demoted),
                not_submitted=tuple(p.full_name for p in plan.missing),
                quota=plan.lock.quota,
                fingerprint=mark,
                changed=changed,
            )
            if dry_run:
                return outcome
            (cases,) = write_plans(uow, actor, [plan], {period.id: tie_winners}, self.council, now)
            uow.commit()
            flagged = tuple((item.people[pid].full_name, kind) for pid, kind in cases)
            info = replace(info, status=period.status)
            return replace(outcome, period=info, closed=True, flagged=flagged, fingerprint="", changed=False)

    def preview_tree(self, actor: Actor, unit_id: int, key: str) -> TreePreview:
        """What closing the unit's period `key` and every open one below it would do (HR; nothing is scored)."""
        with self.db.reader() as uow:
            self._require_hr(uow, actor)
            return survey(uow, unit_id, key)

    def close_tree(self, actor: Actor, unit_id: int, key: str, expected: str) -> TreeOutcome:
        """Close the unit's period `key` and every open one below it as the preview with mark `expected` showed,
        by batches; nothing is closed (`changed`, the new preview) when anything changed since."""
        preview = self.preview_tree(actor, unit_id, key)
        if preview.mark != expected:
            return TreeOutcome(preview, changed=True)
        workers = min(MAX_WORKERS, os.cpu_count() or 1)
        return close_tree(self.db, self.assessments, self.council, actor, preview, self.clock.now, workers=workers)

    def close_confirmed(self, actor: Actor, period_id: int, expected: str) -> Closing:
        """Close as the confirmation showed (`expected`: its preview's fingerprint): closed, the blockers, the new
        preview if anything changed since (nothing closed), or the first tie for HR to choose."""
        return self._then(actor, period_id, (), self.close(actor, period_id, expected=expected))

    def choose_tie(
        self, actor: Actor, period_id: int, choices: tuple[int, ...], mark: str, *, confirm: bool
    ) -> Closing:
        """HR's pick (the last of `choices`) for the tie its buttons were made for (`mark`), the earlier choices
        replayed by dry runs: shown again, or with `confirm` closing with every pick, bound to the records. A
        changed tie or record gives the new preview (`changed`); nothing closes before the confirmation."""
        winners, ties, outcome = self._replay(actor, period_id, choices)
        tie = outcome.tie
        if tie is None or tie_mark(ties, outcome) != mark:
            return Closing(replace(self.close(actor, period_id, dry_run=True), changed=True))
        step = Closing(outcome, ties, choices, mark)
        pick = choices[-1]
        if pick >> len(tie.staff_codes):
            return replace(step, refused="outdated")
        if pick.bit_count() > tie.slots:
            return replace(step, refused="tie_full")
        if not confirm:
            return step
        chosen = picked(tie, pick)
        if chosen is None:
            return replace(step, refused="tie_choose")
        closed = self.close(actor, period_id, tie_winners=winners + chosen, expected=outcome.fingerprint)
        return self._then(actor, period_id, choices, closed)

    def _then(self, actor: Actor, period_id: int, choices: tuple[int, ...], outcome: CloseOutcome) -> Closing:
        """After a closing attempt: its outcome, or the next tie to choose (nobody picked yet)."""
        if outcome.tie is None or outcome.changed:
            return Closing(outcome)
        choices = (*choices, 0)
        _, ties, replayed = self._replay(actor, period_id, choices)
        return Closing(replayed, ties, choices, tie_mark(ties, replayed))

    def _replay(
        self, actor: Actor, period_id: int, choices: tuple[int, ...]
    ) -> tuple[tuple[str, ...], tuple[TieChoice, ...], CloseOutcome]:
        """Dry runs with the picks for the earlier ties (every choice but the last): their winners, the ties met
        (the current one last) and the outcome of the last dry run; a pick that no longer fits is refused."""
        winners: tuple[str, ...] = ()
        ties: list[TieChoice] = []
        for pick in choices[:-1]:
            outcome = self.close(actor, period_id, tie_winners=winners, dry_run=True)
            chosen = picked(outcome.tie, pick) if outcome.tie is not None else None
            if outcome.tie is None or chosen is None:
                raise Refusal("stale")
            ties.append(outcome.tie)
            winners += chosen
        outcome = self.close(actor, period_id, tie_winners=winners, dry_run=True)
        if outcome.tie is not None:
            ties.append(outcome.tie)
        return winners, tuple(ties), outcome


def picked(tie: TieChoice, pick: int) -> tuple[str, ...] | None:
    """The staff codes a pick (bit i: the i-th tied person) keeps at the level; None unless it fills the slots."""
    if pick >> len(tie.staff_codes) or pick.bit_count() != tie.slots:
        return None
    return tuple(code for i, code in enumerate(tie.staff_codes) if pick >> i & 1)


def tie_mark(ties: tuple[TieChoice, ...], outcome: CloseOutcome) -> str:
    """A short mark of the ties met so far and of the records closing was computed from: a pick made for other
    tied people, or before any record changed, is answered with the new preview."""
    text = "/".join(f"{tie.group}:{','.join(tie.staff_codes)}:{tie.slots}" for tie in ties)
    return hashlib.sha256(f"{text}#{outcome.fingerprint}".encode()).hexdigest()[:8]


def _counts(states: list[str]) -> tuple[int, int, int, int, int, int]:
    """How many are in each of UnitStatus's counts: no record, draft, pending, returned, approved, locked."""
    found = Counter("pending" if pending(state) else state for state in states)
    return found["none"], found[DRAFT], found["pending"], found[RETURNED], found[APPROVED], found[LOCKED]


def _name(uow: UnitOfWork, person_id: int) -> str:
    person = uow.people.get(person_id)
    return person.full_name if person else str(person_id)


def _people_of(uow: UnitOfWork, period: Period, records: list[Assessment]) -> dict[int, Person]:
    """The people of a period's unit, then anyone else with a record in it, by id."""
    people = {p.id or 0: p for p in uow.people.in_units([period.unit_id])}
    for record in records:
        if record.person_id not in people and (person := uow.people.get(record.person_id)) is not None:
            people[record.person_id] = person
    return people


def _s(value: object) -> str | None:
    return None if value is None else str(value)
