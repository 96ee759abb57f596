"""The review of a submitted self-assessment: only the current reviewer — the direct leader, or someone acting for
them on that day — approves, adjusts (with a reason) or returns it; HR or the reviewer may reopen a decided one.
Every change bumps `version`, so double taps, stale buttons and two reviewers acting at once leave exactly one
decision; review cards sent to reviewers are remembered so that each decision edits them in place.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from danhgia.scoring import EvaluationResult, Regime, ScoringError
from danhgia.storage.models import Assessment, ReviewCard
from danhgia.storage.uow import UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow.assessments import (
    AssessmentService,
    AssessmentView,
    clean_reason,
    existing,
    leader_part_decided,
    ratings_of,
    regime_id,
    require_criterion,
    send_review_cards,
)
from danhgia.workflow.common import ROLE_HR, Actor, Change, audit, fingerprint
from danhgia.workflow.lifecycle import APPROVED, DECIDED, LOCKED, PENDING, REOPENED, RETURNED, SUBMITTED, returnable
from danhgia.workflow.lifecycle import bulk_approvable as may_bulk_approve
from danhgia.workflow.outbox import queue
from danhgia.workflow.quota import quota_room
from danhgia.workflow.refusal import Refusal


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


class ReviewService:
    """Decisions on submitted self-assessments, by their reviewer."""

    def __init__(self, records: AssessmentService) -> None:
        self.records = records
        self.db = records.db
        self.clock = records.clock

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
            record = existing(uow, assessment_id)
            behalf = self.authority(uow, actor_id, record, self.records.today())
            return replace(self.records.view_of(uow, record), on_behalf_of=behalf)

    def queue_for(self, actor_id: int) -> list[AssessmentView]:
        """Assessments waiting for this person's decision, as reviewer or acting reviewer."""
        today = self.records.today()
        with self.db.reader() as uow:
            reviewers = [actor_id] + [d.leader_id for d in uow.delegations.active_on(today, acting_id=actor_id)]
            views = []
            for record in uow.assessments.pending_for(reviewers):
                if record.person_id == actor_id:
                    continue
                behalf = None if record.reviewer_id == actor_id else record.reviewer_id
                views.append(replace(self.records.view_of(uow, record), on_behalf_of=behalf))
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
        today = self.records.today()
        with self.db.uow() as uow:
            record = existing(uow, assessment_id)
            behalf = self.authority(uow, actor.person_id, record, today)
            if record.state not in states or (version is not None and record.version != version):
                return DecisionResult(replace(self.records.view_of(uow, record), on_behalf_of=behalf), False)
            version = record.version
            view = self.records.view_of(uow, record)
            values, change, notice = decide(uow, record, view)
            values.setdefault("updated_at", now)
            if not uow.assessments.bump(record, version, values):
                uow.rollback()
                return DecisionResult(replace(self.records.stored_view(uow, assessment_id), on_behalf_of=behalf), False)
            acting = Actor(actor.label, actor.person_id, behalf)
            audit(uow, acting, change, now)
            queue(uow, "card_refresh", record.reviewer_id or actor.person_id, {"assessment_id": assessment_id}, now)
            if notice:
                queue(uow, "decision", record.person_id, {"assessment_id": assessment_id, "decision": notice}, now)
            uow.commit()
            return DecisionResult(replace(self.records.stored_view(uow, assessment_id), on_behalf_of=behalf), True)

    def _decided_values(
        self, uow: UnitOfWork, record: Assessment, view: AssessmentView, review: dict[str, Any], actor: Actor
    ) -> dict[str, Any]:
        basis = self.records.inputs_of(uow, record)
        period = basis.period
        assert actor.person_id is not None
        result = basis.evaluate(record.self_input, review)
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
        regime = ev.regime_of(regime_id(uow, record))
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
            record = existing(uow, assessment_id)
            behalf = self.authority(uow, actor.person_id, record, self.records.today())
            if record.state not in PENDING:
                raise Refusal("already_decided", state=record.state)
            view = self.records.view_of(uow, record)
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
            return replace(self.records.stored_view(uow, assessment_id), on_behalf_of=behalf)

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
            require_criterion(regime, code)
            ev.set_full(draft["criteria"], code)

        return self._edit_review(actor, assessment_id, change)

    def adjust_deduction(self, actor: Actor, assessment_id: int, code: str, deduction: str) -> AssessmentView:
        """Reviewer adds a listed deduction."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            require_criterion(regime, code)
            ev.add_deduction(regime, draft["criteria"], code, deduction)

        return self._edit_review(actor, assessment_id, change)

    def adjust_points(self, actor: Actor, assessment_id: int, code: str, text: str) -> AssessmentView:
        """Reviewer types the points of a criterion."""

        def change(regime: Regime, draft: dict[str, Any], _v: AssessmentView) -> None:
            require_criterion(regime, code)
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
            if item not in {claim.code for claim in view.bonus_claims}:
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

    def adjust_preview(self, assessment_id: int) -> EvaluationResult:
        """The result the adjustment in progress would give."""
        with self.db.reader() as uow:
            record = existing(uow, assessment_id)
            basis = self.records.inputs_of(uow, record)
            return basis.evaluate(record.self_input, _review_of(record.review_draft or {}))

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
            record = existing(uow, assessment_id)
            behalf = self.authority(uow, actor.person_id, record, self.records.today())
            if record.review_draft is not None:
                uow.assessments.bump(record, record.version, {"review_draft": None, "updated_at": self.clock.now()})
                uow.commit()
            return replace(self.records.stored_view(uow, assessment_id), on_behalf_of=behalf)

    def reopen(self, actor: Actor, assessment_id: int, reason: str) -> AssessmentView:
        """HR or the reviewer reopens a decided record (a reason is required; old and new values are audited)."""
        assert actor.person_id is not None
        text = clean_reason(reason)
        now = self.clock.now()
        today = self.records.today()
        with self.db.uow() as uow:
            record = existing(uow, assessment_id)
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
                send_review_cards(uow, assessment_id, record.reviewer_id, today, now)
            uow.commit()
            return self.records.stored_view(uow, assessment_id)

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

    def card_digest(self, chat_id: int, message_id: int) -> str | None:
        """What a card message shows, as last recorded (None: not a card, or not known)."""
        with self.db.reader() as uow:
            return next((card.digest for card in uow.cards.at(chat_id, message_id) if card.digest), None)

    def cards_of(self, assessment_id: int) -> list[tuple[int, int, int, str | None]]:
        """(person id, chat id, message id, what it shows) of every card of an assessment."""
        with self.db.reader() as uow:
            return [(c.person_id, c.chat_id, c.message_id, c.digest) for c in uow.cards.of(assessment_id)]


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


def _toggle(draft: dict[str, Any], key: str, value: str) -> None:
    """Add a value to the draft's sorted list `key`, or take it out if it is there."""
    draft[key] = sorted(set(draft.get(key, [])) ^ {value})


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
