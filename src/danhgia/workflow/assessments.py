"""The monthly self-assessment and its review: a state machine written to the audit log.

States: draft → submitted → (returned ↔ submitted) → approved → locked → reopened → locked …
(an approved record may also be reopened back to submitted before the period closes).
The person edits only a draft or a returned record; only the current reviewer — the direct leader, or
someone acting for them on that day — decides; every change bumps `version`, so double taps, stale
buttons and two reviewers acting at once leave exactly one decision.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from danhgia.scoring import EvaluationResult, Regime, ScoringError, WorkingTime
from danhgia.storage.models import Assessment, Period, Person
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow import inputs
from danhgia.workflow.calendar import PeriodSpan, span_from_key
from danhgia.workflow.clock import Clock
from danhgia.workflow.common import ROLE_HR, ROLE_LEADER, Actor, Change, audit, fingerprint
from danhgia.workflow.lifecycle import (
    APPROVED,
    DECIDED,
    EDITABLE,
    LOCKED,
    PENDING,
    REOPENED,
    RETURNED,
    SUBMITTED,
    returnable,
)
from danhgia.workflow.lifecycle import bulk_approvable as may_bulk_approve
from danhgia.workflow.outbox import queue
from danhgia.workflow.quota import quota_room
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.tasks import NOTE_MAX, TaskService

if TYPE_CHECKING:
    from danhgia.workflow.absence import AbsenceService

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
    """Everything a handler needs to show one assessment (to its owner or to a reviewer)."""

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
    self_input: dict[str, Any]
    tasks: tuple[dict[str, Any], ...]
    self_result: EvaluationResult | None
    result: EvaluationResult | None
    score_error: str | None
    review_input: dict[str, Any] | None
    review_draft: dict[str, Any] | None
    reviewer_id: int | None
    reviewer_name: str
    decision: str | None
    decision_reason: str | None
    decided_at: datetime | None
    decided_by_name: str
    decided_for_name: str
    submitted_at: datetime | None
    final_level: str | None
    stored_result: dict[str, Any] | None
    leader_provisional: bool
    on_behalf_of: int | None = None

    @property
    def editable(self) -> bool:
        """Whether the owner may still change it."""
        return self.state in EDITABLE and self.period.status == "open"

    @property
    def causes(self) -> dict[str, str]:
        """Objective causes claimed by the person: task id → reason."""
        return dict(self.self_input.get("causes", {}))

    @property
    def bonus_claims(self) -> list[dict[str, Any]]:
        """Bonus items claimed by the person."""
        return list(self.self_input.get("bonuses", []))


@dataclass(frozen=True)
class BulkChoice:
    """The records "approve all" would approve now, how many others wait, and the mark of exactly this list."""

    ready: tuple[AssessmentView, ...]
    others: int
    fingerprint: str


@dataclass(frozen=True)
class BulkOutcome:
    """What "approve all" did: `changed` holds the new list when the confirmed one no longer stood."""

    approved: int
    left: int
    changed: BulkChoice | None


def bulk_approvable(view: AssessmentView) -> bool:
    """Whether "approve all" may approve a record (lifecycle: submitted, nobody adjusting it)."""
    return may_bulk_approve(view.state, view.review_draft is not None)


@dataclass(frozen=True)
class DecisionResult:
    """What a reviewer's action did: `done` False when someone else had already decided."""

    view: AssessmentView
    done: bool


def _label(span: PeriodSpan) -> str:
    return span.label()


class AssessmentService:
    """Self-assessment, submission and review."""

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

    # -- reading -------------------------------------------------------------------------------------------

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

    def _is_leader(self, uow: UnitOfWork, person_id: int) -> bool:
        return ROLE_LEADER in uow.people.roles(person_id)

    def leader_facts(self, uow: UnitOfWork, person_id: int, period: Period) -> ev.LeaderFacts:
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
        regime = ev.regime_of(period.regime_id)
        if not levels:
            # No subordinate has a result yet: the unit criterion is taken as met, shown as provisional.
            levels = [_passing_level(regime)]
            provisional = True
        return ev.LeaderFacts(tuple(levels), provisional)

    def _view(self, uow: UnitOfWork, record: Assessment, *, live_tasks: bool | None = None) -> AssessmentView:
        assert record.id is not None
        period = uow.periods.get(record.period_id)
        person = uow.people.get(record.person_id)
        assert period is not None and person is not None
        regime = ev.regime_of(period.regime_id)
        if live_tasks is None:
            live_tasks = record.state in EDITABLE
        if live_tasks or record.tasks_snapshot is None:
            tasks = ev.snapshot_tasks(
                self.task_service.in_period(uow, record.person_id, period.starts_on, period.ends_on)
            )
        else:
            tasks = list(record.tasks_snapshot)
        leader = self.leader_facts(uow, record.person_id, period) if record.is_leader else None
        facts = self.working_time(uow, record.person_id, period)
        ratings = ratings_of(uow, regime, period, record.person_id)
        withheld = round_open(regime, period)
        score_error: str | None = None
        self_result: EvaluationResult | None = None
        result: EvaluationResult | None = None
        try:
            # "Tự chấm" is the person's own score: never blended with anyone's rating.
            self_result = ev.evaluate_record(
                regime, person.staff_code, record.self_input, tasks, None, leader, facts, None, round_open=withheld
            )
            if record.review_input is not None:
                result = ev.evaluate_record(
                    regime,
                    person.staff_code,
                    record.self_input,
                    tasks,
                    record.review_input,
                    leader,
                    facts,
                    ratings,
                    round_open=withheld,
                )
            else:
                result = self_result
        except ScoringError as error:
            score_error = _score_error_code(regime, tasks, record, error)
        names = _names(uow, record.reviewer_id, record.decided_by, record.decided_for)
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
            self_input=copy.deepcopy(record.self_input),
            tasks=tuple(tasks),
            self_result=self_result,
            result=result,
            score_error=score_error,
            review_input=copy.deepcopy(record.review_input) if record.review_input is not None else None,
            review_draft=copy.deepcopy(record.review_draft) if record.review_draft is not None else None,
            reviewer_id=record.reviewer_id,
            reviewer_name=names.get(record.reviewer_id, ""),
            decision=record.decision,
            decision_reason=record.decision_reason,
            decided_at=record.decided_at,
            decided_by_name=names.get(record.decided_by, ""),
            decided_for_name=names.get(record.decided_for, ""),
            submitted_at=record.submitted_at,
            final_level=record.final_level,
            stored_result=copy.deepcopy(record.result) if record.result is not None else None,
            leader_provisional=bool(leader and leader.provisional),
        )

    def view(self, assessment_id: int) -> AssessmentView:
        """An assessment without any permission check (for cards and notices already addressed)."""
        with self.db.reader() as uow:
            record = _existing(uow, assessment_id)
            return self._view(uow, record)

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

    # -- the person's self-assessment -----------------------------------------------------------------------

    def open_self(self, person_id: int) -> AssessmentView:
        """The person's current assessment, created as a draft on first use (Refusal `no_period`)."""
        now = self.clock.now()
        with self.db.uow() as uow:
            person = uow.people.get(person_id)
            if person is None or not person.active:
                raise Refusal("not_found")
            period = self.target_period(uow, person)
            if period is None or period.id is None:
                history = uow.assessments.of_person(person_id)
                if history:  # nothing open now: the latest record, to read (its period is closed)
                    return self._view(uow, history[0][0])
                raise Refusal("no_period")
            record = uow.assessments.of(period.id, person_id)
            if record is None:
                regime = ev.regime_of(period.regime_id)
                is_leader = self._is_leader(uow, person_id)
                record = uow.assessments.add(
                    Assessment(
                        period_id=period.id,
                        person_id=person_id,
                        is_leader=is_leader,
                        self_input=ev.default_self_input(regime),
                        step=ev.steps_for(regime, is_leader)[0],
                        created_at=now,
                        updated_at=now,
                    )
                )
                assert record.id is not None
                audit(
                    uow,
                    Actor.person(person_id),
                    Change("assessment.create", "assessment", str(record.id), None, {"period": period.key}),
                    now,
                )
                uow.commit()
            return self._view(uow, record)

    def _own_editable(self, uow: UnitOfWork, person_id: int, assessment_id: int, version: int) -> Assessment:
        """The person's own record, still editable in an open period, at exactly this version."""
        record = uow.assessments.get(assessment_id)
        if record is None or record.person_id != person_id:
            raise Refusal("not_found")
        period = uow.periods.get(record.period_id)
        assert period is not None
        if period.status != "open":
            raise Refusal("period_closed")
        if record.state not in EDITABLE:
            raise Refusal("not_editable", state=record.state)
        if record.version != version:
            raise Refusal("stale")
        return record

    def _stored_view(self, uow: UnitOfWork, assessment_id: int) -> AssessmentView:
        """The record as it is stored now (after a change, or a change that lost a race), as a view."""
        record = uow.assessments.get(assessment_id)
        assert record is not None
        return self._view(uow, record)

    def _edit(
        self,
        person_id: int,
        assessment_id: int,
        version: int,
        change: Callable[[Regime, dict[str, Any], AssessmentView], str | None],
    ) -> AssessmentView:
        """Apply a change to the person's own editable draft; `change` may return a new step."""
        now = self.clock.now()
        with self.db.uow() as uow:
            record = self._own_editable(uow, person_id, assessment_id, version)
            view = self._view(uow, record)
            draft = copy.deepcopy(record.self_input)
            step = change(view.regime, draft, view)
            values: dict[str, Any] = {"self_input": draft, "updated_at": now}
            if step is not None:
                if step not in view.steps:
                    raise Refusal("stale")
                values["step"] = step
            if not uow.assessments.bump(record, version, values):
                raise Refusal("stale")
            uow.commit()
            return self._stored_view(uow, assessment_id)

    def go_to(self, person_id: int, assessment_id: int, version: int, step: str) -> AssessmentView:
        """Move the walk to a step."""
        return self._edit(person_id, assessment_id, version, lambda _r, _d, _v: step)

    def choose_full(self, person_id: int, assessment_id: int, version: int, code: str) -> AssessmentView:
        """Full points for a criterion."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            _known(regime, code)
            ev.set_full(draft.setdefault("criteria", {}), code)

        return self._edit(person_id, assessment_id, version, change)

    def add_deduction(
        self, person_id: int, assessment_id: int, version: int, code: str, deduction: str
    ) -> AssessmentView:
        """One more occurrence of a listed deduction."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            _known(regime, code)
            ev.add_deduction(regime, draft.setdefault("criteria", {}), code, deduction)

        return self._edit(person_id, assessment_id, version, change)

    def set_points(self, person_id: int, assessment_id: int, version: int, code: str, text: str) -> AssessmentView:
        """Points typed for a criterion."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            _known(regime, code)
            ev.set_points(regime, draft.setdefault("criteria", {}), code, text)

        return self._edit(person_id, assessment_id, version, change)

    def set_note(self, person_id: int, assessment_id: int, version: int, code: str, text: str) -> AssessmentView:
        """A note on a criterion."""
        note = _clean_note(text)

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            _known(regime, code)
            ev.set_note(draft.setdefault("criteria", {}), code, note)

        return self._edit(person_id, assessment_id, version, change)

    def set_leader_percent(
        self, person_id: int, assessment_id: int, version: int, code: str, text: str
    ) -> AssessmentView:
        """A leader's own percentage for an input criterion (e.g. capacity to organise)."""

        def change(regime: Regime, draft: dict[str, Any], view: AssessmentView) -> None:
            ev.set_leader_percent(regime, draft, view.is_leader, code, text)

        return self._edit(person_id, assessment_id, version, change)

    def set_cause(
        self, person_id: int, assessment_id: int, version: int, task_id: str, reason: str | None
    ) -> AssessmentView:
        """Claim (or withdraw) an objective cause for a late, faulty or unfinished task."""
        text = None if reason is None else clean_reason(reason)

        def change(_r: Regime, draft: dict[str, Any], view: AssessmentView) -> None:
            task = next((t for t in view.tasks if t["id"] == task_id), None)
            if task is None or not ev.claimable(task):
                raise Refusal("unknown_choice")
            causes = draft.setdefault("causes", {})
            if text is None:
                causes.pop(task_id, None)
            else:
                causes[task_id] = text

        return self._edit(person_id, assessment_id, version, change)

    def toggle_bonus(self, person_id: int, assessment_id: int, version: int, item: str) -> AssessmentView:
        """Claim or withdraw a fixed-points bonus item (items with a range ask for the points)."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            group = regime.bonus_group
            found = next((i for i in group.items if i.code == item), None) if group else None
            if found is None:
                raise Refusal("unknown_choice")
            claims = [c for c in draft.get("bonuses", []) if c["code"] != item]
            if len(claims) == len(draft.get("bonuses", [])):
                if found.points is None:
                    claims.append({"code": item, "points": str(found.max_points)})
                else:
                    claims.append({"code": item, "count": 1})
            draft["bonuses"] = claims

        return self._edit(person_id, assessment_id, version, change)

    def set_bonus_points(
        self, person_id: int, assessment_id: int, version: int, item: str, text: str
    ) -> AssessmentView:
        """Points claimed for a bonus item whose points are a range (0 withdraws the claim)."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            group = regime.bonus_group
            found = next((i for i in group.items if i.code == item), None) if group else None
            if found is None:
                raise Refusal("unknown_choice")
            value = ev.parse_points(text, found.max_points)
            claims = [c for c in draft.get("bonuses", []) if c["code"] != item]
            if value > 0:
                claims.append({"code": item, "points": str(value)})
            draft["bonuses"] = claims

        return self._edit(person_id, assessment_id, version, change)

    def submit(self, person_id: int, assessment_id: int, version: int) -> AssessmentView:
        """Send the self-assessment to the reviewer (their direct leader, or HR for the head)."""
        now = self.clock.now()
        today = self.today()
        with self.db.uow() as uow:
            record = self._own_editable(uow, person_id, assessment_id, version)
            view = self._view(uow, record, live_tasks=True)
            if view.score_error is not None or view.self_result is None:
                raise Refusal(view.score_error or "cannot_score")
            reviewer_id = self._reviewer_for(uow, person_id, today)
            if reviewer_id is None:
                raise Refusal("no_reviewer")
            old_state = record.state
            result = view.self_result
            values = {
                "state": SUBMITTED,
                "tasks_snapshot": list(view.tasks),
                "self_total": result.total,
                "self_level": result.level.code if result.level else None,
                "total": result.total,
                "level": result.level.code if result.level else None,
                "result": ev.result_json(result),
                "reviewer_id": reviewer_id,
                "submitted_at": now,
                "review_input": None,
                "review_draft": None,
                "decision": None,
                "decision_reason": None,
                "decided_at": None,
                "decided_by": None,
                "decided_for": None,
                "step": ev.STEP_SUMMARY,
                "updated_at": now,
            }
            if not uow.assessments.bump(record, version, values):
                raise Refusal("stale")
            audit(
                uow,
                Actor.person(person_id),
                Change(
                    "assessment.submit",
                    "assessment",
                    str(assessment_id),
                    {"state": old_state},
                    {"state": SUBMITTED, "self_total": str(result.total), "self_level": values["self_level"]},
                ),
                now,
            )
            self._send_cards(uow, assessment_id, reviewer_id, today, now)
            uow.commit()
            return self._stored_view(uow, assessment_id)

    def _reviewer_for(self, uow: UnitOfWork, person_id: int, today: date) -> int | None:
        line = uow.reporting.current(person_id, today)
        if line is not None:
            supervisor = uow.people.get(line.supervisor_id)
            if supervisor is not None and supervisor.active:
                return line.supervisor_id
        # The head of the organisation has no direct leader: an HR officer records the collective decision.
        roles = uow.people.roles_by_person()
        for candidate in uow.people.all():
            if candidate.id not in (person_id, None) and candidate.active and ROLE_HR in roles.get(candidate.id, set()):
                return candidate.id
        return None

    def _send_cards(self, uow: UnitOfWork, assessment_id: int, reviewer_id: int, today: date, now: datetime) -> None:
        queue(uow, "review_card", reviewer_id, {"assessment_id": assessment_id}, now)
        for delegation in uow.delegations.active_on(today, leader_id=reviewer_id):
            record = uow.assessments.get(assessment_id)
            if record is not None and delegation.acting_id != record.person_id:
                queue(uow, "review_card", delegation.acting_id, {"assessment_id": assessment_id}, now)

    # -- reviewing ---------------------------------------------------------------------------------------------

    def authority(self, uow: UnitOfWork, actor_id: int, record: Assessment, today: date) -> int | None:
        """None when the actor is the reviewer; the reviewer's id when acting for them; else refused.

        A refused attempt to change the record is written to the audit log (in a unit of work that has changed
        nothing yet, which is where every caller asks)."""
        code: str | None = None
        if record.person_id == actor_id:
            code = "own_assessment"
        elif record.reviewer_id == actor_id:
            return None
        elif record.reviewer_id is not None:
            for delegation in uow.delegations.active_on(today, leader_id=record.reviewer_id, acting_id=actor_id):
                return delegation.leader_id
        code = code or "not_reviewer"
        if not uow.read_only:
            audit(
                uow,
                Actor(f"person:{actor_id}", actor_id),
                Change("assessment.refused", "assessment", str(record.id), None, {"refused": code}),
                self.clock.now(),
            )
            uow.commit()
        raise Refusal(code)

    def for_reviewer(self, actor_id: int, assessment_id: int) -> AssessmentView:
        """An assessment as its reviewer (or acting reviewer) sees it."""
        with self.db.reader() as uow:
            record = _existing(uow, assessment_id)
            behalf = self.authority(uow, actor_id, record, self.today())
            return replace(self._view(uow, record), on_behalf_of=behalf)

    def queue_for(self, actor_id: int) -> list[AssessmentView]:
        """Assessments waiting for this person's decision, as reviewer or acting reviewer."""
        today = self.today()
        with self.db.reader() as uow:
            reviewers = [actor_id] + [d.leader_id for d in uow.delegations.active_on(today, acting_id=actor_id)]
            views = []
            for record in uow.assessments.pending_for(reviewers):
                if record.person_id == actor_id:
                    continue
                behalf = None if record.reviewer_id == actor_id else record.reviewer_id
                views.append(replace(self._view(uow, record), on_behalf_of=behalf))
            return views

    def _decide(
        self,
        actor: Actor,
        assessment_id: int,
        decide: Callable[[UnitOfWork, Assessment, AssessmentView], tuple[dict[str, Any], Change, str]],
        *,
        states: tuple[str, ...] = PENDING,
        version: int | None = None,
    ) -> DecisionResult:
        assert actor.person_id is not None
        now = self.clock.now()
        today = self.today()
        with self.db.uow() as uow:
            record = _existing(uow, assessment_id)
            behalf = self.authority(uow, actor.person_id, record, today)
            if record.state not in states or (version is not None and record.version != version):
                return DecisionResult(replace(self._view(uow, record), on_behalf_of=behalf), False)
            version = record.version
            view = self._view(uow, record)
            values, change, notice = decide(uow, record, view)
            values.setdefault("updated_at", now)
            if not uow.assessments.bump(record, version, values):
                uow.rollback()
                return DecisionResult(replace(self._stored_view(uow, assessment_id), on_behalf_of=behalf), False)
            acting = Actor(actor.label, actor.person_id, behalf)
            audit(uow, acting, change, now)
            queue(uow, "card_refresh", record.reviewer_id or actor.person_id, {"assessment_id": assessment_id}, now)
            if notice:
                queue(uow, "decision", record.person_id, {"assessment_id": assessment_id, "decision": notice}, now)
            uow.commit()
            return DecisionResult(replace(self._stored_view(uow, assessment_id), on_behalf_of=behalf), True)

    def _decided_values(
        self, uow: UnitOfWork, record: Assessment, view: AssessmentView, review: dict[str, Any] | None, actor: Actor
    ) -> dict[str, Any]:
        period = uow.periods.get(record.period_id)
        assert period is not None and actor.person_id is not None
        leader = self.leader_facts(uow, record.person_id, period) if record.is_leader else None
        facts = self.working_time(uow, record.person_id, period)
        ratings = ratings_of(uow, view.regime, period, record.person_id)
        result = ev.evaluate_record(
            view.regime,
            view.staff_code,
            record.self_input,
            list(view.tasks),
            review,
            leader,
            facts,
            ratings,
            round_open=round_open(view.regime, period),
        )
        if review is not None:
            leader_part_decided(uow, view.regime, period, record, review, actor, self.clock.now())
        behalf = None if record.reviewer_id == actor.person_id else record.reviewer_id
        values: dict[str, Any] = {
            "review_input": review,
            "review_draft": None,
            "total": result.total,
            "level": result.level.code if result.level else None,
            "result": ev.result_json(result),
            "decided_at": self.clock.now(),
            "decided_by": actor.person_id,
            "decided_for": behalf,
        }
        if record.state == REOPENED or period.status != "open":
            values.update(state=LOCKED, locked_at=self.clock.now(), final_level=self._relock_level(uow, record, result))
        else:
            values["state"] = APPROVED
        return values

    def _relock_level(self, uow: UnitOfWork, record: Assessment, result: EvaluationResult) -> str | None:
        """A reopened record of a closed period keeps the quota: the top level only while a slot is free."""
        level = result.level.code if result.level else None
        regime = ev.regime_of(_regime_id(uow, record))
        if level is None or regime.quota is None or level != regime.quota.level:
            return level
        return level if quota_room(uow, record) else regime.quota.demote_to

    def approve(self, actor: Actor, assessment_id: int, *, version: int | None = None) -> DecisionResult:
        """Approve as submitted (the person's objective-cause and bonus claims are confirmed); with `version`, only
        the record as it was shown at that version."""

        def decide(uow: UnitOfWork, record: Assessment, view: AssessmentView) -> tuple[dict[str, Any], Change, str]:
            values = self._decided_values(uow, record, view, {}, actor)
            values.update(decision="approved", decision_reason=None)
            change = Change(
                "assessment.approve",
                "assessment",
                str(record.id),
                {"state": record.state, "total": _s(record.total), "level": record.level},
                {"state": values["state"], "total": _s(values["total"]), "level": values["level"]},
            )
            return values, change, "approved"

        return self._decide(actor, assessment_id, decide, version=version)

    def return_(self, actor: Actor, assessment_id: int, reason: str) -> DecisionResult:
        """Send the assessment back to the person with a reason; they edit and resubmit."""
        text = clean_reason(reason)

        def decide(uow: UnitOfWork, record: Assessment, view: AssessmentView) -> tuple[dict[str, Any], Change, str]:
            if not returnable(record.state):
                raise Refusal("cannot_return_locked")
            assert actor.person_id is not None
            values = {
                "state": RETURNED,
                "decision": "returned",
                "decision_reason": text,
                "decided_at": self.clock.now(),
                "decided_by": actor.person_id,
                "decided_for": None if record.reviewer_id == actor.person_id else record.reviewer_id,
                "review_draft": None,
                "step": ev.STEP_SUMMARY,
            }
            change = Change(
                "assessment.return",
                "assessment",
                str(record.id),
                {"state": record.state},
                {"state": RETURNED},
                text,
            )
            return values, change, "returned"

        return self._decide(actor, assessment_id, decide)

    def bulk_candidates(self, actor_id: int) -> BulkChoice:
        """What "approve all" would approve now: the pending records nobody has started adjusting, with the
        fingerprint that binds the confirmation to exactly them (ids and versions)."""
        views = self.queue_for(actor_id)
        ready = tuple(v for v in views if bulk_approvable(v))
        return BulkChoice(ready, len(views) - len(ready), fingerprint((v.id, v.version) for v in ready))

    def approve_all(self, actor: Actor, expected: str) -> BulkOutcome:
        """Approve exactly the records a confirmation listed (`expected`: its fingerprint). If the list changed
        since, nothing is approved and the new list comes back to be confirmed again."""
        assert actor.person_id is not None
        choice = self.bulk_candidates(actor.person_id)
        if choice.fingerprint != expected:
            return BulkOutcome(0, len(choice.ready) + choice.others, choice)
        approved = 0
        for view in choice.ready:
            try:
                outcome = self.approve(actor, view.id, version=view.version)
            except (Refusal, ScoringError):
                continue
            approved += outcome.done
        left = len(self.queue_for(actor.person_id))
        return BulkOutcome(approved, left, None)

    # -- adjusting ------------------------------------------------------------------------------------------------

    def _edit_review(
        self,
        actor: Actor,
        assessment_id: int,
        change: Callable[[Regime, dict[str, Any], AssessmentView], None],
        *,
        start: bool = False,
    ) -> AssessmentView:
        assert actor.person_id is not None
        now = self.clock.now()
        with self.db.uow() as uow:
            record = _existing(uow, assessment_id)
            behalf = self.authority(uow, actor.person_id, record, self.today())
            if record.state not in PENDING:
                raise Refusal("already_decided", state=record.state)
            view = self._view(uow, record)
            draft = copy.deepcopy(record.review_draft) if record.review_draft is not None else None
            if start or draft is None or draft.get("by") != actor.person_id:
                if not start:
                    raise Refusal("stale")
                period = uow.periods.get(record.period_id)
                assert period is not None
                own_rating = next(
                    (r for r in ratings_of(uow, view.regime, period, record.person_id) if r["role"] == "direct_leader"),
                    None,
                )
                base = own_rating["criteria"] if own_rating else record.self_input.get("criteria", {})
                draft = {
                    "by": actor.person_id,
                    "step": ev.steps_for(view.regime, False)[0],
                    "criteria": copy.deepcopy(base),
                    "rejected_causes": [],
                    "rejected_bonuses": [],
                    "reason": "",
                }
            change(view.regime, draft, view)
            if not uow.assessments.bump(record, record.version, {"review_draft": draft, "updated_at": now}):
                raise Refusal("stale")
            if start:
                audit(
                    uow,
                    Actor(actor.label, actor.person_id, behalf),
                    Change("assessment.adjust_start", "assessment", str(assessment_id), None, None),
                    now,
                )
            uow.commit()
            return replace(self._stored_view(uow, assessment_id), on_behalf_of=behalf)

    def adjust_start(self, actor: Actor, assessment_id: int) -> AssessmentView:
        """Begin (or restart) an adjustment: a copy of the person's criteria to change."""
        return self._edit_review(actor, assessment_id, lambda _r, _d, _v: None, start=True)

    def adjust_step(self, actor: Actor, assessment_id: int, step: str) -> AssessmentView:
        """Move the adjustment walk to a step ("crit:…", "tasks", "bonus", "reason", "summary")."""

        def change(regime: Regime, draft: dict[str, Any], view: AssessmentView) -> None:
            if step not in review_steps(regime, view.is_leader):
                raise Refusal("stale")
            draft["step"] = step

        return self._edit_review(actor, assessment_id, change)

    def adjust_full(self, actor: Actor, assessment_id: int, code: str) -> AssessmentView:
        """Reviewer gives full points for a criterion."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            _known(regime, code)
            ev.set_full(draft["criteria"], code)

        return self._edit_review(actor, assessment_id, change)

    def adjust_deduction(self, actor: Actor, assessment_id: int, code: str, deduction: str) -> AssessmentView:
        """Reviewer adds a listed deduction."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            _known(regime, code)
            ev.add_deduction(regime, draft["criteria"], code, deduction)

        return self._edit_review(actor, assessment_id, change)

    def adjust_points(self, actor: Actor, assessment_id: int, code: str, text: str) -> AssessmentView:
        """Reviewer types the points of a criterion."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            _known(regime, code)
            ev.set_points(regime, draft["criteria"], code, text)

        return self._edit_review(actor, assessment_id, change)

    def adjust_leader_percent(self, actor: Actor, assessment_id: int, code: str, text: str) -> AssessmentView:
        """Reviewer sets the percentage of one of a leader's own criteria (e.g. the capacity to organise)."""

        def change(regime: Regime, draft: dict[str, Any], view: AssessmentView) -> None:
            ev.set_leader_percent(regime, draft, view.is_leader, code, text)

        return self._edit_review(actor, assessment_id, change)

    def adjust_toggle_cause(self, actor: Actor, assessment_id: int, task_id: str) -> AssessmentView:
        """Reviewer confirms or rejects a claimed objective cause."""

        def change(_r: Regime, draft: dict[str, Any], view: AssessmentView) -> None:
            if task_id not in view.causes:
                raise Refusal("unknown_choice")
            _toggle(draft, "rejected_causes", task_id)

        return self._edit_review(actor, assessment_id, change)

    def adjust_toggle_bonus(self, actor: Actor, assessment_id: int, item: str) -> AssessmentView:
        """Reviewer accepts or rejects a bonus claim."""

        def change(_r: Regime, draft: dict[str, Any], view: AssessmentView) -> None:
            if item not in {b["code"] for b in view.bonus_claims}:
                raise Refusal("unknown_choice")
            _toggle(draft, "rejected_bonuses", item)

        return self._edit_review(actor, assessment_id, change)

    def adjust_reason(self, actor: Actor, assessment_id: int, text: str) -> AssessmentView:
        """The required reason of an adjustment."""
        reason = clean_reason(text)

        def change(_r: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            draft["reason"] = reason
            draft["step"] = "summary"

        return self._edit_review(actor, assessment_id, change)

    def adjust_preview(self, view: AssessmentView) -> EvaluationResult:
        """The result the adjustment in progress would give."""
        draft = view.review_draft or {}
        with self.db.reader() as uow:
            record = uow.assessments.get(view.id)
            period = uow.periods.get(record.period_id) if record else None
            assert record is not None and period is not None
            leader = self.leader_facts(uow, record.person_id, period) if record.is_leader else None
            facts = self.working_time(uow, record.person_id, period)
            ratings = ratings_of(uow, view.regime, period, record.person_id)
            withheld = round_open(view.regime, period)
        return ev.evaluate_record(
            view.regime,
            view.staff_code,
            view.self_input,
            list(view.tasks),
            _review_of(draft),
            leader,
            facts,
            ratings,
            round_open=withheld,
        )

    def adjust_confirm(self, actor: Actor, assessment_id: int) -> DecisionResult:
        """Apply the adjustment: recompute, record old and new values with the reason."""

        def decide(uow: UnitOfWork, record: Assessment, view: AssessmentView) -> tuple[dict[str, Any], Change, str]:
            draft = record.review_draft
            if draft is None or draft.get("by") != actor.person_id:
                raise Refusal("stale")
            if not draft.get("reason"):
                raise Refusal("reason_required")
            review = _review_of(draft)
            values = self._decided_values(uow, record, view, review, actor)
            values.update(decision="adjusted", decision_reason=draft["reason"])
            old = {"state": record.state, "total": _s(record.total), "level": record.level}
            new = {"state": values["state"], "total": _s(values["total"]), "level": values["level"], "changes": review}
            change = Change("assessment.adjust", "assessment", str(record.id), old, new, draft["reason"])
            return values, change, "adjusted"

        return self._decide(actor, assessment_id, decide)

    def adjust_cancel(self, actor: Actor, assessment_id: int) -> AssessmentView:
        """Drop the adjustment in progress (the assessment stays pending)."""
        assert actor.person_id is not None
        with self.db.uow() as uow:
            record = _existing(uow, assessment_id)
            behalf = self.authority(uow, actor.person_id, record, self.today())
            if record.review_draft is not None:
                uow.assessments.bump(record, record.version, {"review_draft": None, "updated_at": self.clock.now()})
                uow.commit()
            return replace(self._stored_view(uow, assessment_id), on_behalf_of=behalf)

    # -- reopening ---------------------------------------------------------------------------------------------------

    def reopen(self, actor: Actor, assessment_id: int, reason: str) -> AssessmentView:
        """HR or the reviewer reopens a decided record (a reason is required; old and new values are audited)."""
        assert actor.person_id is not None
        text = clean_reason(reason)
        now = self.clock.now()
        today = self.today()
        with self.db.uow() as uow:
            record = _existing(uow, assessment_id)
            if record.person_id == actor.person_id:
                raise Refusal("own_assessment")
            behalf: int | None = None
            if ROLE_HR not in uow.people.roles(actor.person_id):
                behalf = self.authority(uow, actor.person_id, record, today)
            if record.state not in DECIDED:
                raise Refusal("not_reopenable", state=record.state)
            new_state = REOPENED if record.state == LOCKED else SUBMITTED
            old = {
                "state": record.state,
                "total": _s(record.total),
                "level": record.level,
                "final_level": record.final_level,
            }
            if not uow.assessments.bump(
                record, record.version, {"state": new_state, "review_draft": None, "updated_at": now}
            ):
                raise Refusal("stale")
            audit(
                uow,
                Actor(actor.label, actor.person_id, behalf),
                Change("assessment.reopen", "assessment", str(assessment_id), old, {"state": new_state}, text),
                now,
            )
            queue(uow, "decision", record.person_id, {"assessment_id": assessment_id, "decision": "reopened"}, now)
            queue(uow, "card_refresh", record.reviewer_id or actor.person_id, {"assessment_id": assessment_id}, now)
            if record.reviewer_id is not None:
                self._send_cards(uow, assessment_id, record.reviewer_id, today, now)
            uow.commit()
            return self._stored_view(uow, assessment_id)

    def record_card(
        self,
        assessment_id: int,
        person_id: int,
        chat_id: int,
        message_id: int,
        digest: str | None = None,
        *,
        replaces: int | None = None,
    ) -> None:
        """Remember a card sent to a reviewer (and what it shows) so that later decisions edit it in place; with
        `replaces`, the card that was that message of the same chat is gone (the new one took its place)."""
        from danhgia.storage.models import ReviewCard

        with self.db.uow() as uow:
            if replaces is not None:
                for old in uow.cards.at(chat_id, replaces):
                    uow.cards.forget(old)
            uow.cards.add(
                ReviewCard(
                    assessment_id=assessment_id,
                    person_id=person_id,
                    chat_id=chat_id,
                    message_id=message_id,
                    sent_at=self.clock.now(),
                    digest=digest,
                )
            )
            uow.commit()

    def card_shown(self, chat_id: int, message_id: int, digest: str | None) -> None:
        """A card message now shows this (None: it is gone and must not be edited again)."""
        with self.db.uow() as uow:
            changed = False
            for card in uow.cards.at(chat_id, message_id):
                if digest is None:
                    uow.cards.forget(card)
                elif card.digest != digest:
                    card.digest = digest
                    uow.session.add(card)
                else:
                    continue
                changed = True
            if changed:
                uow.commit()

    def cards_of(self, assessment_id: int) -> list[tuple[int, int, int, str | None]]:
        """(person id, chat id, message id, what it shows) of every card of an assessment."""
        with self.db.reader() as uow:
            return [(c.person_id, c.chat_id, c.message_id, c.digest) for c in uow.cards.of(assessment_id)]


def _existing(uow: UnitOfWork, assessment_id: int) -> Assessment:
    """The record with this id (not_found when there is none)."""
    record = uow.assessments.get(assessment_id)
    if record is None:
        raise Refusal("not_found")
    return record


def review_steps(regime: Regime, is_leader: bool = False) -> tuple[str, ...]:
    """The reviewer's adjustment walk: each criterion, a leader's own criteria (e.g. the capacity to organise),
    claims, the reason, the summary."""
    leader = [f"leader:{code}" for code in ev.input_leader_criteria(regime)] if is_leader else []
    return (*(f"crit:{c.code}" for c in regime.criteria), *leader, "claims", "reason", "summary")


def _review_of(draft: dict[str, Any]) -> dict[str, Any]:
    return {
        "criteria": copy.deepcopy(draft.get("criteria", {})),
        "rejected_causes": list(draft.get("rejected_causes", [])),
        "rejected_bonuses": list(draft.get("rejected_bonuses", [])),
        "leader": dict(draft.get("leader", {})),
    }


def _regime_id(uow: UnitOfWork, record: Assessment) -> str:
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


def _known(regime: Regime, code: str) -> None:
    if code not in regime.criteria_by_code:
        raise Refusal("unknown_choice")


def _toggle(draft: dict[str, Any], key: str, value: str) -> None:
    """Add a value to the draft's sorted list `key`, or take it out if it is there."""
    draft[key] = sorted(set(draft.get(key, [])) ^ {value})


def clean_reason(text: str) -> str:
    """A typed reason, trimmed and checked (refused when empty or too long)."""
    return inputs.text(text, REASON_MAX, code="reason")


def _clean_note(text: str) -> str:
    """A note: empty clears it; otherwise checked like any typed text."""
    return inputs.text(text, NOTE_MAX, code="note") if (text or "").strip() else ""


def _score_error_code(regime: Regime, tasks: list[dict[str, Any]], record: Assessment, _error: ScoringError) -> str:
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


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


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
    from danhgia.workflow.ratings import evaluators_of

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
    from danhgia.workflow.ratings import fill_leader_rating

    criteria = copy.deepcopy(record.self_input.get("criteria", {}))
    criteria.update(copy.deepcopy(review.get("criteria", {})))
    fill_leader_rating(uow, period.id, record.person_id, criteria, actor, now)
