"""Assessment records read into views: what the person, the reviewer, notices and results show of one monthly
self-assessment (its period, tasks, the person's own score and the decided result), and the reading rules they
share. The changes live by actor: `selfassessment.py` (the person) and `review.py` (the reviewer); the states
and their rules in `lifecycle.py`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from danhgia.scoring import EvaluationResult, Regime, ScoringError, WorkingTime
from danhgia.storage.models import Assessment, Period, Person
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow import inputs, lifecycle
from danhgia.workflow.absence import AbsenceService
from danhgia.workflow.answers import Adjustment, Answers, BonusClaim, ReviewDraft, TaskLine
from danhgia.workflow.calendar import PeriodSpan, span_from_key
from danhgia.workflow.clock import Clock
from danhgia.workflow.common import ROLE_LEADER, Actor
from danhgia.workflow.lifecycle import (
    DECIDED,
    EDITABLE,
)
from danhgia.workflow.outbox import queue
from danhgia.workflow.ratings import evaluators_of, fill_leader_rating
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import record_regime
from danhgia.workflow.tasks import TaskService

REASON_MAX = 1000


@dataclass(frozen=True)
class PeriodInfo:
    """A period as shown to people."""

    id: int
    key: str
    label: str
    unit_id: int
    unit_code: str
    unit_name: str
    status: str
    regime_id: str
    starts_on: date
    ends_on: date
    exceptional: bool


@dataclass(frozen=True)
class AssessmentView:
    """Everything a panel needs to show one assessment (to its owner, a reviewer or in a notice), typed."""

    id: int
    version: int
    state: str
    step: str
    steps: tuple[str, ...]
    period: PeriodInfo
    person_id: int
    person_name: str
    staff_code: str
    position: str
    is_leader: bool
    regime: Regime
    own: Answers  # the person's own answers
    causes: Mapping[str, str]  # objective causes claimed: task id → reason
    bonus_claims: tuple[BonusClaim, ...]
    tasks: tuple[TaskLine, ...]
    self_result: EvaluationResult | None
    result: EvaluationResult | None
    score_error: str | None
    review: Adjustment | None  # the reviewer's decided changes ({} when approved as submitted)
    review_draft: ReviewDraft | None
    reviewer_id: int | None
    reviewer_name: str
    decision: str | None
    decision_reason: str | None
    decided_at: datetime | None
    decided_by_name: str
    decided_for_name: str
    submitted_at: datetime | None
    final_level: str | None
    leader_provisional: bool
    on_behalf_of: int | None = None
    decided_by: int | None = None

    @property
    def editable(self) -> bool:
        """Whether the owner may still change it."""
        return lifecycle.editable(self.state, self.period.status == "open")

    def task(self, task_id: str) -> TaskLine | None:
        """One of the month's tasks, by id."""
        return next((task for task in self.tasks if task.id == task_id), None)

    def draft_of(self, person_id: int) -> ReviewDraft | None:
        """The adjustment in progress when it is this person's own."""
        draft = self.review_draft
        return draft if draft is not None and draft.by == person_id else None


@dataclass(frozen=True)
class ScoringInputs:
    """What a record is scored with besides the answers: its regime and period, the person's code, the tasks
    (live while editable, else as submitted), a leader's subordinates' levels, leave, and the 360° ratings that
    count now."""

    regime: Regime
    period: Period
    staff_code: str
    tasks: list[dict[str, Any]]
    leader: ev.LeaderFacts | None
    working_time: WorkingTime | None
    ratings: list[dict[str, Any]]

    def evaluate(self, self_input: dict[str, Any], review: dict[str, Any] | None) -> EvaluationResult:
        """The result of these answers (the person's own score when `review` is None: never blended with a
        rating)."""
        return ev.evaluate_record(
            self.regime,
            self.staff_code,
            self_input,
            self.tasks,
            review,
            self.leader,
            self.working_time,
            None if review is None else self.ratings,
            round_open=round_open(self.regime, self.period),
        )


def _label(span: PeriodSpan) -> str:
    return span.label()


class AssessmentService:
    """Reading assessment records: the views the self-assessment, the review, notices and results show."""

    def __init__(
        self, db: Database, clock: Clock, tz: ZoneInfo, tasks: TaskService, absence: AbsenceService | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.task_service = tasks
        self.absence = absence

    def working_time(self, uow: UnitOfWork, person_id: int, period: Period) -> WorkingTime | None:
        """The leave facts the regime needs for this person and period (None without leave)."""
        if self.absence is None:
            return None
        return self.absence.period_facts(uow, person_id, period.starts_on, period.ends_on)

    def today(self) -> date:
        """Today in the organisation's time zone."""
        return self.clock.now().astimezone(self.tz).date()

    def period_info(self, uow: UnitOfWork, period: Period) -> PeriodInfo:
        """A period with its unit, for display."""
        assert period.id is not None
        unit = uow.units.get(period.unit_id)
        return PeriodInfo(
            period.id,
            period.key,
            _label(span_from_key(period.key)),
            period.unit_id,
            unit.code if unit else "",
            unit.name if unit else "",
            period.status,
            period.regime_id,
            period.starts_on,
            period.ends_on,
            period.exceptional,
        )

    def is_leader(self, uow: UnitOfWork, person_id: int) -> bool:
        """Whether the person holds the leader role."""
        return ROLE_LEADER in uow.people.roles(person_id)

    def leader_facts(
        self, uow: UnitOfWork, person_id: int, period: Period, regime: Regime | None = None
    ) -> ev.LeaderFacts:
        """The levels of the people reporting to a leader in this period (decided, else self-assessed)."""
        subordinates = uow.reporting.subordinates(person_id, min(period.ends_on, self.today()))
        ids = [p.id for p in subordinates if p.id is not None]
        records = {a.person_id: a for a in uow.assessments.of_people_for_key(ids, period.key)}
        levels: list[str] = []
        provisional = False
        for pid in ids:
            record = records.get(pid)
            if record is None or record.state in EDITABLE:
                provisional = True
                continue
            if record.state in DECIDED and (record.final_level or record.level):
                levels.append(record.final_level or record.level or "")
            elif record.self_level:
                provisional = True
                levels.append(record.self_level)
        regime = regime or ev.regime_of(period.regime_id)
        if not levels:
            # No subordinate has a result yet: the unit criterion is taken as met, shown as provisional.
            levels = [_passing_level(regime)]
            provisional = True
        person = uow.people.get(person_id)
        unit = uow.unit_levels.of(person.unit_id, period.key) if person is not None else None
        return ev.LeaderFacts(tuple(levels), provisional, unit.level if unit is not None else None)

    def inputs_of(self, uow: UnitOfWork, record: Assessment, *, live_tasks: bool | None = None) -> ScoringInputs:
        """What this record is scored with now (tasks live while it is editable, unless `live_tasks` says)."""
        period = uow.periods.get(record.period_id)
        person = uow.people.get(record.person_id)
        assert period is not None and person is not None
        regime = record_regime(record, period)
        if live_tasks is None:
            live_tasks = lifecycle.editable(record.state, True)
        if live_tasks or record.tasks_snapshot is None:
            tasks = ev.snapshot_tasks(
                self.task_service.in_period(uow, record.person_id, period.starts_on, period.ends_on)
            )
        else:
            tasks = list(record.tasks_snapshot)
        return ScoringInputs(
            regime,
            period,
            person.staff_code,
            tasks,
            self.leader_facts(uow, record.person_id, period, regime) if record.is_leader else None,
            self.working_time(uow, record.person_id, period),
            ratings_of(uow, regime, period, record.person_id),
        )

    def view_of(self, uow: UnitOfWork, record: Assessment, *, live_tasks: bool | None = None) -> AssessmentView:
        """A record as a view (tasks live while it is editable, else as submitted)."""
        assert record.id is not None
        basis = self.inputs_of(uow, record, live_tasks=live_tasks)
        period, regime = basis.period, basis.regime
        person = uow.people.get(record.person_id)
        assert person is not None
        score_error: str | None = None
        self_result: EvaluationResult | None = None
        result: EvaluationResult | None = None
        # A decided record reads the result that was decided (stored with it), not a new evaluation.
        decided = ev.stored_result(record.result, regime) if lifecycle.decided(record.state) else None
        try:
            self_result = basis.evaluate(record.self_input, None)
            if decided is not None:
                result = decided
            elif record.review_input is None:
                result = self_result
            else:
                result = basis.evaluate(record.self_input, record.review_input)
        except ScoringError as error:
            score_error = score_error_code(regime, basis.tasks, record, error)
        names = _names(uow, record.reviewer_id, record.decided_by, record.decided_for)
        own = record.self_input
        return AssessmentView(
            id=record.id,
            version=record.version,
            state=record.state,
            step=record.step or ev.steps_for(regime, record.is_leader)[0],
            steps=ev.steps_for(regime, record.is_leader),
            period=self.period_info(uow, period),
            person_id=record.person_id,
            person_name=person.full_name,
            staff_code=person.staff_code,
            position=person.position,
            is_leader=record.is_leader,
            regime=regime,
            own=Answers.of(own),
            causes={str(k): str(v) for k, v in dict(own.get("causes") or {}).items()},
            bonus_claims=tuple(BonusClaim.of(claim) for claim in own.get("bonuses", [])),
            tasks=tuple(TaskLine.of(task) for task in basis.tasks),
            self_result=self_result,
            result=result,
            score_error=score_error,
            review=None if record.review_input is None else Adjustment.of(record.review_input),
            review_draft=None if record.review_draft is None else ReviewDraft.of(record.review_draft),
            reviewer_id=record.reviewer_id,
            reviewer_name=names.get(record.reviewer_id, ""),
            decision=record.decision,
            decision_reason=record.decision_reason,
            decided_at=record.decided_at,
            decided_by=record.decided_by,
            decided_by_name=names.get(record.decided_by, ""),
            decided_for_name=names.get(record.decided_for, ""),
            submitted_at=record.submitted_at,
            final_level=record.final_level,
            leader_provisional=bool(basis.leader and basis.leader.provisional),
        )

    def view(self, assessment_id: int) -> AssessmentView:
        """An assessment without any permission check (for cards and notices already addressed)."""
        with self.db.reader() as uow:
            record = existing(uow, assessment_id)
            return self.view_of(uow, record)

    def stored_view(self, uow: UnitOfWork, assessment_id: int) -> AssessmentView:
        """The record as it is stored now (after a change, or a change that lost a race), as a view."""
        record = uow.assessments.get(assessment_id)
        assert record is not None
        return self.view_of(uow, record)

    def target_period(self, uow: UnitOfWork, person: Person) -> Period | None:
        """The open period a person self-assesses for: the oldest open one they have not finished."""
        assert person.id is not None
        periods = [p for p in uow.periods.by_unit(person.unit_id) if p.status == "open"]
        periods.sort(key=lambda p: p.starts_on)
        for period in periods:
            assert period.id is not None
            record = uow.assessments.of(period.id, person.id)
            if record is None or record.state in EDITABLE:
                return period
        return periods[-1] if periods else None


def send_review_cards(uow: UnitOfWork, assessment_id: int, reviewer_id: int, today: date, now: datetime) -> None:
    """Queue the review card to the reviewer and to whoever acts for them today (never to the person)."""
    queue(uow, "review_card", reviewer_id, {"assessment_id": assessment_id}, now)
    for delegation in uow.delegations.active_on(today, leader_id=reviewer_id):
        record = uow.assessments.get(assessment_id)
        if record is not None and delegation.acting_id != record.person_id:
            queue(uow, "review_card", delegation.acting_id, {"assessment_id": assessment_id}, now)


def existing(uow: UnitOfWork, assessment_id: int) -> Assessment:
    """The record with this id (not_found when there is none)."""
    record = uow.assessments.get(assessment_id)
    if record is None:
        raise Refusal("not_found")
    return record


def regime_id(uow: UnitOfWork, record: Assessment) -> str:
    """The regime a record is scored under: its own, else (records made before regimes per person) its period's."""
    if record.regime_id:
        return record.regime_id
    period = uow.periods.get(record.period_id)
    assert period is not None
    return period.regime_id


def _passing_level(regime: Regime) -> str:
    group = regime.task_group
    if group is not None and group.tasks is not None:
        for criterion in group.tasks.leader_criteria:
            if criterion.compute == "subordinates" and criterion.min_level:
                return criterion.min_level
    return regime.levels[0].code


def require_criterion(regime: Regime, code: str) -> None:
    """Refuse a criterion code the regime does not have (forged or stale)."""
    if code not in regime.criteria_by_code:
        raise Refusal("unknown_choice")


def clean_reason(text: str) -> str:
    """A typed reason, trimmed and checked (refused when empty or too long)."""
    return inputs.text(text, REASON_MAX, code="reason")


def score_error_code(regime: Regime, tasks: list[dict[str, Any]], record: Assessment, _error: ScoringError) -> str:
    """Why a record cannot be scored, as a refusal code: no tasks, a leader's own input missing, or otherwise."""
    if regime.task_group is not None and not tasks:
        return "no_tasks"
    if record.is_leader:
        group = regime.task_group
        given = record.self_input.get("leader", {})
        if group is not None and group.tasks is not None:
            for criterion in group.tasks.leader_criteria:
                if criterion.compute == "input" and criterion.default_percent is None and criterion.code not in given:
                    return "leader_input_missing"
    return "cannot_score"


def _names(uow: UnitOfWork, *ids: int | None) -> dict[int | None, str]:
    names: dict[int | None, str] = {}
    for pid in ids:
        if pid is not None and pid not in names:
            person = uow.people.get(pid)
            names[pid] = person.full_name if person else ""
    return names


def round_open(regime: Regime, period: Period) -> bool:
    """Whether the period's 360° round is still open (it closes with the period)."""
    return regime.uses_360 and period.status == "open"


def ratings_of(
    uow: UnitOfWork, regime: Regime, period: Period, person_id: int, *, closing: bool = False
) -> list[dict[str, Any]]:
    """The 360° ratings that count in a result shown now (360° regimes only).

    Once the round is closed (the period closed, or being closed: `closing`), every submitted rating; while it
    is open, only the direct leader's own — the basis of their decision, an accountable assessment. Nothing
    else of the round (an average, a count, a total that includes a rating) reaches any result before then."""
    if not regime.uses_360 or period.id is None:
        return []
    ratings = evaluators_of(uow, period.id, person_id)
    if closing or not round_open(regime, period):
        return ratings
    return [r for r in ratings if r["role"] == "direct_leader"]


def leader_part_decided(
    uow: UnitOfWork,
    regime: Regime,
    period: Period,
    record: Assessment,
    review: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> None:
    """A decision is the direct leader's part of the 360° round: a rating they have not sent yet is filled with
    what they decided (their rating, else the self-assessment, with their changes) and sent, so that it can be
    neither given again nor change the decided result afterwards."""
    if not regime.uses_360 or period.id is None:
        return
    criteria = copy.deepcopy(record.self_input.get("criteria", {}))
    criteria.update(copy.deepcopy(review.get("criteria", {})))
    fill_leader_rating(uow, period.id, record.person_id, criteria, actor, now)
