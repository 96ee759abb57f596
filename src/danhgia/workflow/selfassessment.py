"""The person's monthly self-assessment: open (a draft on first use), fill in step by step, submit.

The person edits only their own draft or returned record in an open period, at exactly the version they were
shown; submitting hands it to their direct leader (or HR for the head of the organisation).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

from danhgia.scoring import Regime, ScoringError
from danhgia.storage.models import Assessment
from danhgia.storage.uow import UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow import inputs
from danhgia.workflow.assessments import (
    AssessmentService,
    AssessmentView,
    clean_reason,
    require_criterion,
    score_error_code,
    send_review_cards,
)
from danhgia.workflow.common import ROLE_HR, Actor, Change, audit
from danhgia.workflow.lifecycle import EDITABLE, SUBMITTED
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import RegimeChoices
from danhgia.workflow.tasks import NOTE_MAX


class SelfAssessmentService:
    """The self-assessment of one person, by that person."""

    def __init__(self, records: AssessmentService, regimes: RegimeChoices) -> None:
        self.records = records
        self.regimes = regimes
        self.db = records.db
        self.clock = records.clock

    def open_self(self, person_id: int) -> AssessmentView:
        """The person's current assessment, created as a draft on first use (Refusal `no_period`)."""
        now = self.clock.now()
        with self.db.uow() as uow:
            person = uow.people.get(person_id)
            if person is None or not person.active:
                raise Refusal("not_found")
            period = self.records.target_period(uow, person)
            if period is None or period.id is None:
                history = uow.assessments.of_person(person_id)
                if history:  # nothing open now: the latest record, to read (its period is closed)
                    return self.records.view_of(uow, history[0][0])
                raise Refusal("no_period")
            record = uow.assessments.of(period.id, person_id)
            if record is None:
                regime = ev.regime_of(self.regimes.regime_for(uow, person, period))
                is_leader = self.records.is_leader(uow, person_id)
                record = uow.assessments.add(
                    Assessment(
                        period_id=period.id,
                        person_id=person_id,
                        is_leader=is_leader,
                        regime_id=regime.id,
                        category=person.category,
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
                    Change(
                        "assessment.create",
                        "assessment",
                        str(record.id),
                        None,
                        {"period": period.key, "regime_id": regime.id, "category": person.category},
                    ),
                    now,
                )
                uow.commit()
            return self.records.view_of(uow, record)

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
            view = self.records.view_of(uow, record)
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
            return self.records.stored_view(uow, assessment_id)

    def go_to(self, person_id: int, assessment_id: int, version: int, step: str) -> AssessmentView:
        """Move the walk to a step."""
        return self._edit(person_id, assessment_id, version, lambda _r, _d, _v: step)

    def choose_full(self, person_id: int, assessment_id: int, version: int, code: str) -> AssessmentView:
        """Full points for a criterion."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            require_criterion(regime, code)
            ev.set_full(draft.setdefault("criteria", {}), code)

        return self._edit(person_id, assessment_id, version, change)

    def add_deduction(
        self, person_id: int, assessment_id: int, version: int, code: str, deduction: str
    ) -> AssessmentView:
        """One more occurrence of a listed deduction."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            require_criterion(regime, code)
            ev.add_deduction(regime, draft.setdefault("criteria", {}), code, deduction)

        return self._edit(person_id, assessment_id, version, change)

    def set_points(self, person_id: int, assessment_id: int, version: int, code: str, text: str) -> AssessmentView:
        """Points typed for a criterion."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            require_criterion(regime, code)
            ev.set_points(regime, draft.setdefault("criteria", {}), code, text)

        return self._edit(person_id, assessment_id, version, change)

    def set_note(self, person_id: int, assessment_id: int, version: int, code: str, text: str) -> AssessmentView:
        """A note on a criterion."""
        note = _clean_note(text)

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            require_criterion(regime, code)
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
            task = view.task(task_id)
            if task is None or not task.claimable:
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
        today = self.records.today()
        with self.db.uow() as uow:
            record = self._own_editable(uow, person_id, assessment_id, version)
            basis = self.records.inputs_of(uow, record, live_tasks=True)
            try:
                result = basis.evaluate(record.self_input, None)
            except ScoringError as error:
                raise Refusal(score_error_code(basis.regime, basis.tasks, record, error)) from error
            reviewer_id = self._reviewer_for(uow, person_id, today)
            if reviewer_id is None:
                raise Refusal("no_reviewer")
            old_state = record.state
            values = {
                "state": SUBMITTED,
                "tasks_snapshot": basis.tasks,
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
            send_review_cards(uow, assessment_id, reviewer_id, today, now)
            uow.commit()
            return self.records.stored_view(uow, assessment_id)

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


def _clean_note(text: str) -> str:
    """A note: empty clears it; otherwise checked like any typed text."""
    return inputs.text(text, NOTE_MAX, code="note") if (text or "").strip() else ""
