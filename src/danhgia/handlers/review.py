"""The reviewer's side: the card each submission brings (Approve / Adjust / Return / Details), the adjustment
walk edited in place on that card, /duyet (the queue, with "approve all not yet adjusted" behind a
confirmation), and the notices that tell the person what was decided.

Every press is re-authorised by the workflow (`for_reviewer`, `approve`, …) with the presser's person id;
callback data names an action and an assessment id (plus small indexes and the record's version for the
steps of the walk), never a permission. The adjustment in progress lives in the assessment
(`review_draft`, with its step) and typed answers are dialog steps in the database, so a restart in the
middle of an adjustment continues where it was.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button
from danhgia.chat.format import fit, points, short
from danhgia.chat.panel import Choice, Panel, chunks, keyboard
from danhgia.handlers import notifier, present
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.criteria import deduction_at, deduction_lines, nav_rows, points_question
from danhgia.handlers.dialog import text_step
from danhgia.handlers.edits import content_digest
from danhgia.handlers.ui import (
    ack,
    actor_of,
    ask_text,
    close_text_step,
    command_person,
    end_text_step,
    final_answer,
    guarded,
    pressed,
    refusal_ends_step,
    replace_panel,
    show,
)
from danhgia.scoring import EvaluationResult, Regime, format_percent
from danhgia.texts import Html, escape, join_html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.common import Actor, Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.evaluation import criterion_points
from danhgia.workflow.lifecycle import DECIDED, LOCKED, PENDING, REOPENED, RETURNED
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.review import BulkChoice, bulk_approvable, review_steps
from danhgia.workflow.services import Services

log = logging.getLogger(__name__)
FEATURE = "rv"
FROM_QUEUE = "q"
QUEUE_BUTTONS = 30
SELF_ASSESSMENT_OPEN = ("sa", "open")  # the self-assessment feature's "open my assessment" button


# -- small pieces ------------------------------------------------------------------------------------------------


def _at(value: datetime | None, tz: ZoneInfo) -> str:
    return "—" if value is None else value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def _flat(text: object) -> str:
    """Free text on one line (panels are cut at line boundaries, so no tag may span lines)."""
    return " ".join(str(text).split())


def _level(result: EvaluationResult | None) -> str:
    return result.level.display if result is not None and result.level is not None else "—"


def _level_code(regime: Regime, code: str | None) -> str:
    level = regime.level_by_code.get(code or "")
    return level.display if level is not None else "—"


def _levels(before: EvaluationResult | None, after: EvaluationResult | None, lang: str) -> Html:
    """ "A → B", or "A (unchanged)" when the level stayed."""
    old, new = _level(before), _level(after)
    if old == new:
        return t_html("review.level_same", lang, level=new)
    return t_html("review.level_change", lang, old=old, new=new)


def _total(result: EvaluationResult | None) -> str:
    return points(result.total if result is not None else None)


def _who(view: AssessmentView, lang: str) -> Html:
    """Who decided, with "on behalf of" when an acting reviewer did."""
    if view.decided_for_name:
        return t_html("review.who_behalf", lang, name=view.decided_by_name, leader=view.decided_for_name)
    return Html(escape(view.decided_by_name or "—"))


def _task_name(view: AssessmentView, task_id: str) -> str:
    return next((str(task["name"]) for task in view.tasks if task["id"] == task_id), task_id)


def _bonus_label(regime: Regime, code: str) -> str:
    group = regime.bonus_group
    item = next((i for i in group.items if i.code == code), None) if group else None
    return item.label if item is not None else code


def _bonus_points(regime: Regime, claim: dict[str, Any]) -> str:
    if claim.get("points") is not None:
        return points(Decimal(str(claim["points"])))
    group = regime.bonus_group
    item = next((i for i in group.items if i.code == claim["code"]), None) if group else None
    if item is None or item.points is None:
        return "—"
    return points(item.points * int(claim.get("count", 1)))


def _draft_of(view: AssessmentView, person_id: int) -> dict[str, Any] | None:
    """The adjustment in progress when it is this person's own."""
    draft = view.review_draft
    return draft if draft is not None and draft.get("by") == person_id else None


def _deduction_lines(regime: Regime, code: str, entry: dict[str, Any], lang: str) -> list[Html]:
    criterion = regime.criteria_by_code[code]
    return deduction_lines(criterion, entry, "review.deduction_line", lang, in_order_chosen=True)


# -- the card ----------------------------------------------------------------------------------------------------


def _claim_lines(view: AssessmentView, lang: str) -> list[Html]:
    lines: list[Html] = []
    if view.causes:
        lines.append(t_html("review.card_causes", lang))
        lines += [
            t_html("review.card_cause", lang, task=_task_name(view, task_id), reason=_flat(reason))
            for task_id, reason in view.causes.items()
        ]
    if view.bonus_claims:
        lines.append(t_html("review.card_bonuses", lang))
        lines += [
            t_html(
                "review.card_bonus",
                lang,
                item=_bonus_label(view.regime, claim["code"]),
                points=_bonus_points(view.regime, claim),
            )
            for claim in view.bonus_claims
        ]
    if view.self_result is not None:
        lines += [t_html("review.card_flag", lang, message=flag.message) for flag in view.self_result.flags]
    return lines


def _status_lines(view: AssessmentView, lang: str, tz: ZoneInfo) -> list[Html]:
    if view.state in PENDING:
        lines = [t_html("review.status_reopened", lang)] if view.state == REOPENED else []
        if view.review_draft is not None:
            lines.append(t_html("review.status_adjusting", lang))
        return lines
    at = _at(view.decided_at, tz)
    if view.state == RETURNED:
        return [
            t_html(
                "review.status_returned", lang, who=_who(view, lang), at=at, reason=_flat(view.decision_reason or "—")
            )
        ]
    if view.state not in DECIDED:
        return [t_html("review.status_other", lang, state=t(f"state.{view.state}", lang))]
    if view.decision == "adjusted":
        lines = [
            t_html(
                "review.status_adjusted",
                lang,
                who=_who(view, lang),
                at=at,
                old=_total(view.self_result),
                new=_total(view.result),
                levels=_levels(view.self_result, view.result, lang),
                reason=_flat(view.decision_reason or "—"),
            )
        ]
    else:
        lines = [t_html("review.status_approved", lang, who=_who(view, lang), at=at)]
    if view.state == LOCKED:
        lines.append(t_html("review.status_locked", lang, level=_level_code(view.regime, view.final_level)))
    return lines


def card_text(view: AssessmentView, lang: str, tz: ZoneInfo, viewer_id: int) -> Html:
    """The card: who, which period, the self-score and its parts, the claims, and where the review stands."""
    lines = [
        t_html("review.card_title", lang, period=view.period.label),
        t_html(
            "review.card_person", lang, name=view.person_name, position=view.position or "—", unit=view.period.unit_name
        ),
    ]
    result = view.self_result
    if result is not None:
        own, bonus = ev.own_score(view.regime, result), ev.claimed_bonus(view.regime, result)
        values = {"own": points(own), "total": points(result.total), "max": points(result.max_total)}
        if bonus:  # the bonus the person claims, apart from their own score
            lines.append(t_html("review.card_self_bonus", lang, bonus=points(bonus), level=_level(result), **values))
        else:
            lines.append(t_html("review.card_self", lang, level=_level(result), **values))
        lines += [
            t_html("review.card_part", lang, name=part.name, points=points(part.points), max=points(part.max_points))
            for part in result.parts
        ]
    else:
        lines.append(t_html("review.card_no_score", lang))
    lines += _claim_lines(view, lang)
    if view.submitted_at is not None:
        lines.append(t_html("review.card_submitted", lang, at=_at(view.submitted_at, tz)))
    if view.state in PENDING and viewer_id != view.reviewer_id and view.reviewer_name:
        lines.append(t_html("review.card_behalf", lang, leader=view.reviewer_name))
    status = _status_lines(view, lang, tz)
    if status:
        lines += [Html(""), *status]
    return fit(join_html(lines))


def card_panel(view: AssessmentView, lang: str, tz: ZoneInfo, viewer_id: int, from_queue: bool = False) -> Panel:
    """The card with its buttons: the four decisions while it is pending, only Details afterwards."""
    flag = [FROM_QUEUE] if from_queue else []
    rows: list[list[Choice]] = []
    if view.state in PENDING:
        rows.append(
            [
                button(t("review.approve", lang), FEATURE, "a", view.id, *flag),
                button(t("review.adjust", lang), FEATURE, "j", view.id),
            ]
        )
        second = [button(t("review.details", lang), FEATURE, "d", view.id, *flag)]
        if view.state != REOPENED:  # a reopened (locked) record is decided again, never sent back
            second.insert(0, button(t("review.return", lang), FEATURE, "r", view.id, *flag))
        rows.append(second)
    else:
        rows.append([button(t("review.details", lang), FEATURE, "d", view.id, *flag)])
    if from_queue:
        rows.append([button(t("review.back_to_queue", lang), FEATURE, "q")])
    return Panel(card_text(view, lang, tz, viewer_id), keyboard(rows))


def details_panel(view: AssessmentView, lang: str, from_queue: bool) -> Panel:
    """The whole self-assessment: each criterion, the month's tasks and claims, and the scoring explanation."""
    regime = view.regime
    lines = [t_html("review.detail_title", lang, name=view.person_name, period=view.period.label)]
    criteria = view.self_input.get("criteria", {})
    result = view.self_result
    parts = {part.code: part for part in result.parts} if result is not None else {}
    for group in regime.groups:
        part = parts.get(group.code)
        if not group.criteria and part is None:
            continue
        lines.append(Html(""))
        if part is not None:
            lines.append(
                t_html(
                    "review.detail_group",
                    lang,
                    name=group.name,
                    points=points(part.points),
                    max=points(part.max_points),
                )
            )
        else:
            lines.append(t_html("review.detail_group_plain", lang, name=group.name))
        for criterion in group.criteria:
            entry = criteria.get(criterion.code, {})
            lines.append(
                t_html(
                    "review.detail_criterion",
                    lang,
                    name=criterion.name,
                    points=points(criterion_points(regime, entry, criterion.code)),
                    max=points(criterion.max_points),
                )
            )
            lines += _deduction_lines(regime, criterion.code, entry, lang)
            if entry.get("note"):
                lines.append(t_html("review.detail_note", lang, note=_flat(entry["note"])))
    if regime.task_group is not None:
        lines += [Html(""), t_html("review.detail_tasks", lang, count=len(view.tasks))]
        causes = view.causes
        for task in view.tasks:
            status = t(f"tasks.status.{task['status']}", lang)
            lines.append(
                t_html("review.detail_task", lang, name=task["name"], status=status, weight=_weight(task["weight"]))
            )
            if task.get("major_errors"):
                lines.append(t_html("review.detail_task_quality", lang))
            if task["id"] in causes:
                lines.append(t_html("review.detail_task_cause", lang, reason=_flat(causes[task["id"]])))
    leader_inputs = view.self_input.get("leader", {})
    if view.is_leader and leader_inputs and regime.task_group is not None and regime.task_group.tasks is not None:
        names = {c.code: c.name for c in regime.task_group.tasks.leader_criteria}
        lines += [Html(""), t_html("review.detail_leader", lang)]
        lines += [
            t_html("review.detail_leader_line", lang, name=names.get(code, code), percent=_weight(value))
            for code, value in leader_inputs.items()
        ]
    if view.bonus_claims:
        lines += [Html(""), t_html("review.card_bonuses", lang)]
        lines += [
            t_html(
                "review.card_bonus",
                lang,
                item=_bonus_label(regime, claim["code"]),
                points=_bonus_points(regime, claim),
            )
            for claim in view.bonus_claims
        ]
    if result is not None:
        lines += [Html(""), t_html("review.detail_explanation", lang)]
        lines += [Html("• " + escape(line.text)) for line in result.explanation]
        lines.append(
            t_html(
                "review.detail_total",
                lang,
                total=points(result.total),
                max=points(result.max_total),
                level=_level(result),
            )
        )
    if view.decision == "adjusted" and view.result is not None and view.state in DECIDED:
        lines.append(t_html("review.detail_reviewed", lang, total=_total(view.result), level=_level(view.result)))
    flag = [FROM_QUEUE] if from_queue else []
    markup = keyboard([[button(t("review.back_to_card", lang), FEATURE, "c", view.id, *flag)]])
    return Panel(fit(join_html(lines)), markup)


def _weight(value: object) -> str:
    return format(Decimal(str(value)).normalize(), "f").replace(".", ",")


# -- the adjustment walk -----------------------------------------------------------------------------------------


def _walk_header(view: AssessmentView, lang: str, index: int, count: int) -> Html:
    return t_html("review.adj_title", lang, name=view.person_name, n=index + 1, count=count)


def _nav(view: AssessmentView, lang: str, index: int, count: int) -> list[list[Choice]]:
    return nav_rows(
        index, count - 1, lang, "review.adj_prev", "review.adj_next", None, FEATURE, "s", view.id, view.version
    )


def _cancel_row(view: AssessmentView, lang: str) -> list[Choice]:
    return [button(t("review.adj_cancel", lang), FEATURE, "no", view.id)]


def _criterion_step(view: AssessmentView, draft: dict[str, Any], lang: str, index: int, count: int, code: str) -> Panel:
    regime = view.regime
    criterion = regime.criteria_by_code[code]
    position = regime.criteria.index(criterion)
    own = view.self_input.get("criteria", {}).get(code, {})
    new = draft.get("criteria", {}).get(code, {})
    lines = [
        _walk_header(view, lang, index, count),
        t_html("review.adj_criterion", lang, name=criterion.name, max=points(criterion.max_points)),
        t_html("review.adj_self", lang, points=points(criterion_points(regime, own, code))),
        *_deduction_lines(regime, code, own, lang),
    ]
    if own.get("note"):
        lines.append(t_html("review.adj_note", lang, note=_flat(own["note"])))
    lines.append(t_html("review.adj_reviewer", lang, points=points(criterion_points(regime, new, code))))
    lines += _deduction_lines(regime, code, new, lang)
    lines.append(t_html("review.adj_criterion_hint", lang))
    rows = [
        [
            button(
                t("review.adj_full", lang, max=points(criterion.max_points)),
                FEATURE,
                "f",
                view.id,
                view.version,
                position,
            )
        ]
    ]
    rows += [
        [
            button(
                short(t("review.adj_deduct", lang, points=points(item.points), label=item.label), 60),
                FEATURE,
                "x",
                view.id,
                view.version,
                position,
                number,
            )
        ]
        for number, item in enumerate(criterion.deductions)
    ]
    rows.append([button(t("review.adj_type_points", lang), FEATURE, "p", view.id, position)])
    rows += [*_nav(view, lang, index, count), _cancel_row(view, lang)]
    return Panel(join_html(lines), keyboard(rows))


def _leader_step(view: AssessmentView, draft: dict[str, Any], lang: str, index: int, count: int, code: str) -> Panel:
    """One of a leader's own criteria (a percentage): what they gave themselves, what the reviewer gives."""
    position = _leader_codes(view).index(code)
    name = ev.leader_criterion_name(view.regime, code)
    own = view.self_input.get("leader", {}).get(code)
    new = draft.get("leader", {}).get(code, own)
    lines = [
        _walk_header(view, lang, index, count),
        t_html("review.adj_leader", lang, name=name),
        t_html("review.adj_leader_self", lang, percent=_percent(own)),
        t_html("review.adj_leader_reviewer", lang, percent=_percent(new)),
        t_html("review.adj_leader_hint", lang),
    ]
    current = Decimal(str(new)) if new is not None else None
    choices = [
        button(f"{value} %" + (" ✓" if current == value else ""), FEATURE, "l", view.id, view.version, position, value)
        for value in ev.LEADER_PERCENTS
    ]
    rows = chunks(choices, 3)
    rows.append([button(t("review.adj_type_percent", lang), FEATURE, "lt", view.id, position)])
    rows += [*_nav(view, lang, index, count), _cancel_row(view, lang)]
    return Panel(join_html(lines), keyboard(rows))


def _leader_codes(view: AssessmentView) -> list[str]:
    """The leader's own criteria the reviewer may adjust (none on a staff member's record)."""
    return ev.input_leader_criteria(view.regime) if view.is_leader else []


def _percent(value: object) -> str:
    return "—" if value is None else format_percent(Decimal(str(value)))


def _claims_step(view: AssessmentView, draft: dict[str, Any], lang: str, index: int, count: int) -> Panel:
    lines = [_walk_header(view, lang, index, count), t_html("review.adj_claims_title", lang)]
    rows: list[list[Choice]] = []
    rejected_causes = set(draft.get("rejected_causes", []))
    rejected_bonuses = set(draft.get("rejected_bonuses", []))
    for task_id, reason in view.causes.items():
        ok = task_id not in rejected_causes
        name = _task_name(view, task_id)
        key = "review.adj_cause_ok" if ok else "review.adj_cause_rejected"
        lines.append(t_html(key, lang, task=name, reason=_flat(reason)))
        label = t("review.adj_toggle_ok" if ok else "review.adj_toggle_rejected", lang, name=short(name, 40))
        rows.append([button(label, FEATURE, "k", view.id, view.version, task_id)])
    group = view.regime.bonus_group
    for claim in view.bonus_claims:
        ok = claim["code"] not in rejected_bonuses
        label_text = _bonus_label(view.regime, claim["code"])
        key = "review.adj_bonus_ok" if ok else "review.adj_bonus_rejected"
        lines.append(t_html(key, lang, item=label_text, points=_bonus_points(view.regime, claim)))
        number = next((i for i, item in enumerate(group.items) if item.code == claim["code"]), None) if group else None
        if number is not None:
            label = t("review.adj_toggle_ok" if ok else "review.adj_toggle_rejected", lang, name=short(label_text, 40))
            rows.append([button(label, FEATURE, "b", view.id, view.version, number)])
    if not rows:
        lines.append(t_html("review.adj_claims_none", lang))
    else:
        lines.append(t_html("review.adj_claims_hint", lang))
    rows += [*_nav(view, lang, index, count), _cancel_row(view, lang)]
    return Panel(join_html(lines), keyboard(rows))


def _reason_step(view: AssessmentView, draft: dict[str, Any], lang: str, index: int, count: int) -> Panel:
    reason = draft.get("reason") or ""
    lines = [_walk_header(view, lang, index, count), t_html("review.adj_reason_title", lang)]
    lines.append(
        t_html("review.adj_reason_current", lang, reason=_flat(reason))
        if reason
        else t_html("review.adj_reason_missing", lang)
    )
    rows = [
        [button(t("review.adj_type_reason", lang), FEATURE, "w", view.id)],
        *_nav(view, lang, index, count),
        _cancel_row(view, lang),
    ]
    return Panel(join_html(lines), keyboard(rows))


def change_lines(view: AssessmentView, review: dict[str, Any], lang: str) -> list[Html]:
    """What the reviewer changed against the self-assessment: criteria points, rejected claims."""
    regime = view.regime
    own = view.self_input.get("criteria", {})
    lines = []
    for criterion in regime.criteria:
        if criterion.code not in review.get("criteria", {}):
            continue
        before = criterion_points(regime, own.get(criterion.code, {}), criterion.code)
        after = criterion_points(regime, review["criteria"][criterion.code], criterion.code)
        if before != after:
            lines.append(
                t_html("review.change_criterion", lang, name=criterion.name, old=points(before), new=points(after))
            )
    own_leader = view.self_input.get("leader", {})
    for code, value in review.get("leader", {}).items():
        before = own_leader.get(code)
        if before is None or Decimal(str(before)) != Decimal(str(value)):
            name = ev.leader_criterion_name(regime, code)
            lines.append(t_html("review.change_criterion", lang, name=name, old=_percent(before), new=_percent(value)))
    for task_id in review.get("rejected_causes", []):
        if task_id in view.causes:
            lines.append(t_html("review.change_cause", lang, task=_task_name(view, task_id)))
    for code in review.get("rejected_bonuses", []):
        lines.append(t_html("review.change_bonus", lang, item=_bonus_label(regime, code)))
    return lines


def _summary_step(view: AssessmentView, draft: dict[str, Any], lang: str, preview: EvaluationResult | None) -> Panel:
    lines = [t_html("review.adj_summary_title", lang, name=view.person_name)]
    lines.append(t_html("review.adj_total", lang, old=_total(view.self_result), new=_total(preview)))
    lines.append(t_html("review.adj_level", lang, levels=_levels(view.self_result, preview, lang)))
    changes = change_lines(view, draft, lang)
    lines += [t_html("review.adj_changes", lang), *changes] if changes else [t_html("review.adj_no_changes", lang)]
    reason = draft.get("reason") or ""
    lines.append(
        t_html("review.adj_reason_current", lang, reason=_flat(reason))
        if reason
        else t_html("review.adj_reason_missing", lang)
    )
    rows: list[list[Choice]] = []
    if reason:
        rows.append([button(t("review.adj_confirm", lang), FEATURE, "ok", view.id, view.version)])
    rows.append(
        [
            button(t("review.adj_edit_more", lang), FEATURE, "s", view.id, view.version, 0),
            button(
                t("review.adj_type_reason" if not reason else "review.adj_change_reason", lang), FEATURE, "w", view.id
            ),
        ]
    )
    rows.append(_cancel_row(view, lang))
    return Panel(join_html(lines), keyboard(rows))


def walk_panel(
    view: AssessmentView, draft: dict[str, Any], lang: str, preview: EvaluationResult | None = None
) -> Panel:
    """The step of the adjustment walk the reviewer is on."""
    steps = review_steps(view.regime, view.is_leader)
    step = str(draft.get("step") or steps[0])
    index = steps.index(step) if step in steps else 0
    step = steps[index]
    if step.startswith("crit:"):
        return _criterion_step(view, draft, lang, index, len(steps), step.removeprefix("crit:"))
    if step.startswith("leader:"):
        return _leader_step(view, draft, lang, index, len(steps), step.removeprefix("leader:"))
    if step == "claims":
        return _claims_step(view, draft, lang, index, len(steps))
    if step == "reason":
        return _reason_step(view, draft, lang, index, len(steps))
    return _summary_step(view, draft, lang, preview)


# -- the queue ---------------------------------------------------------------------------------------------------


def queue_panel(views: list[AssessmentView], lang: str, note: Html | None = None) -> Panel:
    """What waits for this reviewer, with one button per person and "approve all" when it applies."""
    prefix = [note, Html("")] if note else []
    if not views:
        return Panel(join_html([*prefix, t_html("review.queue_empty", lang)]))
    adjusting = sum(1 for v in views if v.review_draft is not None)
    lines = [*prefix, t_html("review.queue_title", lang, count=len(views))]
    if adjusting:
        lines.append(t_html("review.queue_adjusting", lang, count=adjusting))
    rows: list[list[Choice]] = []
    for n, view in enumerate(views, 1):
        line = t_html(
            "review.queue_line",
            lang,
            n=n,
            name=view.person_name,
            total=_total(view.self_result),
            level=_level(view.self_result),
        )
        marks = []
        if view.review_draft is not None:
            marks.append(t_html("review.queue_mark_adjusting", lang))
        if view.state == REOPENED:
            marks.append(t_html("review.queue_mark_reopened", lang))
        if view.on_behalf_of is not None:
            marks.append(t_html("review.queue_mark_behalf", lang, leader=view.reviewer_name))
        lines.append(Html(line + ("" if not marks else " · " + " · ".join(marks))))
        if n <= QUEUE_BUTTONS:
            rows.append([button(short(f"{n}. {view.person_name}", 40), FEATURE, "c", view.id, FROM_QUEUE)])
    bulk = sum(1 for v in views if bulk_approvable(v))
    if bulk:
        rows.append([button(t("review.bulk_button", lang, count=bulk), FEATURE, "all")])
    rows.append([button(t("review.refresh", lang), FEATURE, "q")])
    return Panel(fit(join_html(lines)), keyboard(rows))


# -- notices to the person ---------------------------------------------------------------------------------------


def notice_panel(view: AssessmentView, decision: str, lang: str) -> Panel:
    """What the person is told privately about a decision on their assessment."""
    period = view.period.label
    if decision == "approved":
        text = t_html(
            "review.notice_approved",
            lang,
            period=period,
            total=_total(view.result),
            max=points(view.result.max_total if view.result else None),
            level=_level(view.result),
            who=_who(view, lang),
        )
        return Panel(text)
    if decision == "adjusted":
        lines = [
            t_html(
                "review.notice_adjusted",
                lang,
                period=period,
                old=_total(view.self_result),
                new=_total(view.result),
                levels=_levels(view.self_result, view.result, lang),
                reason=_flat(view.decision_reason or "—"),
                who=_who(view, lang),
            )
        ]
        changes = change_lines(view, view.review_input or {}, lang)
        if changes:
            lines += [t_html("review.adj_changes", lang), *changes]
        return Panel(fit(join_html(lines)))
    if decision == "returned":
        text = t_html(
            "review.notice_returned",
            lang,
            period=period,
            reason=_flat(view.decision_reason or "—"),
            who=_who(view, lang),
        )
        return Panel(text, keyboard([[button(t("review.open_self", lang), *SELF_ASSESSMENT_OPEN)]]))
    return Panel(t_html("review.notice_reopened", lang, period=period))


# -- outbox renderers --------------------------------------------------------------------------------------------


@notifier.renderer("review_card")
async def render_review_card(bot: Bot, services: Services, item: OutboxItem) -> None:
    """A new card to the reviewer (or an acting reviewer), remembered so that decisions edit it in place."""
    assessment_id = int(item.payload["assessment_id"])
    try:
        view = await run_sync(services.review.for_reviewer, item.person_id, assessment_id)
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    if view.state not in PENDING:
        raise notifier.Obsolete("already decided")
    card = card_panel(view, item.language, services.config.timezone, item.person_id)
    message_id = await notifier.send(bot, item, card)
    assert item.chat_id is not None
    digest = content_digest(card)
    await run_sync(services.review.record_card, assessment_id, item.person_id, item.chat_id, message_id, digest)


@notifier.renderer("card_refresh")
async def render_card_refresh(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Edit every card of the assessment in place to show where it stands now."""
    assessment_id = int(item.payload["assessment_id"])
    try:
        view = await run_sync(services.assessments.view, assessment_id)
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    cards = await run_sync(services.review.cards_of, assessment_id)
    for person_id, chat_id, message_id, shown in cards:
        identity = await run_sync(services.linking.whois, chat_id)
        lang = identity.language if identity is not None else item.language
        card = card_panel(view, lang, services.config.timezone, person_id)
        digest = content_digest(card)
        if digest == shown:  # the card already shows this: Telegram would refuse the edit
            continue
        try:
            await present.edit_message(bot, chat_id, message_id, card)
        except Forbidden as error:  # the chat is gone
            log.info("card %s/%s of assessment %s not edited: %s", chat_id, message_id, assessment_id, error)
            continue
        except BadRequest as error:  # the message is gone (deleted in the chat): never edit it again
            log.info("card %s/%s of assessment %s not edited: %s", chat_id, message_id, assessment_id, error)
            await run_sync(services.review.card_shown, chat_id, message_id, None)
            continue
        await run_sync(services.review.card_shown, chat_id, message_id, digest)


@notifier.renderer("decision")
async def render_decision(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell the person what was decided (dropped when the record has moved on since)."""
    assessment_id = int(item.payload["assessment_id"])
    decision = str(item.payload.get("decision", ""))
    try:
        view = await run_sync(services.assessments.view, assessment_id)
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    current = {
        "approved": view.state in DECIDED and view.decision == "approved",
        "adjusted": view.state in DECIDED and view.decision == "adjusted",
        "returned": view.state == RETURNED,
        "reopened": view.state in PENDING,
    }
    if not current.get(decision, False):
        raise notifier.Obsolete(f"no longer {decision}")
    await notifier.send(bot, item, notice_panel(view, decision, item.language))


# -- showing panels ----------------------------------------------------------------------------------------------


def _tz(context: Context) -> ZoneInfo:
    return services_of(context).config.timezone


async def _show(update: Update, context: Context, panel: Panel) -> None:
    """Show a panel in place; when the message is a review card, remember what it shows now (so that the
    outbox's refresh of the card never repeats it)."""
    message = await show(update, panel)
    query = update.callback_query
    pressed_on = query.message.message_id if query is not None and query.message is not None else None
    if message is not None and message.message_id == pressed_on:
        digest = content_digest(panel)
        await run_sync(services_of(context).review.card_shown, message.chat_id, message.message_id, digest)


async def _show_card(
    update: Update, context: Context, identity: Identity, view: AssessmentView, from_queue: bool
) -> None:
    card = card_panel(view, identity.language, _tz(context), identity.person_id, from_queue)
    await _show(update, context, card)
    query = update.callback_query
    if from_queue or query is None or query.message is None:
        return
    # A card nobody recorded (sent twice when a process died between Telegram's answer and the record) is adopted
    # on its first press: from then on every decision refreshes it like the other, so no two cards disagree.
    chat_id, message_id = query.message.chat.id, query.message.message_id
    cards = await run_sync(services_of(context).review.cards_of, view.id)
    if not any(chat == chat_id and message == message_id for _person, chat, message, _shown in cards):
        digest = content_digest(card)
        review = services_of(context).review
        await run_sync(review.record_card, view.id, identity.person_id, chat_id, message_id, digest)


async def _already(
    update: Update, context: Context, identity: Identity, view: AssessmentView, from_queue: bool = False
) -> None:
    """Someone already decided (or the record moved on): say so and show the card as it stands."""
    lang = identity.language
    await ack(update, t("error.already_decided", lang, state=t(f"state.{view.state}", lang)), alert=True)
    if update.callback_query is not None:
        await _show_card(update, context, identity, view, from_queue)


async def _preview(context: Context, view: AssessmentView, draft: dict[str, Any]) -> EvaluationResult | None:
    if draft.get("step") != "summary":
        return None
    return await run_sync(services_of(context).review.adjust_preview, view)


async def _walk(context: Context, identity: Identity, view: AssessmentView) -> Panel:
    """The reviewer's own adjustment at its step (with the preview on the summary)."""
    draft = _draft_of(view, identity.person_id) or {}
    return walk_panel(view, draft, identity.language, await _preview(context, view, draft))


async def _show_walk(update: Update, context: Context, identity: Identity, view: AssessmentView) -> None:
    await _show(update, context, await _walk(context, identity, view))


async def _replace(
    update: Update,
    context: Context,
    identity: Identity,
    dialog: DialogState,
    assessment_id: int,
    panel: Panel,
) -> None:
    """After typed text: the new panel replaces the old one; if the old one was a card, so is the new one."""
    services = services_of(context)
    cards = await run_sync(services.review.cards_of, assessment_id)
    was_card = any(
        person == identity.person_id and chat == dialog.chat_id and message == dialog.message_id
        for person, chat, message, _shown in cards
    )
    message = await replace_panel(update, context, dialog, panel)
    if was_card and message is not None:  # the old card was deleted: the new message is the card from now on
        await run_sync(
            functools.partial(
                services.review.record_card,
                assessment_id,
                identity.person_id,
                message.chat_id,
                message.message_id,
                content_digest(panel),
                replaces=dialog.message_id,
            )
        )


# -- /duyet ------------------------------------------------------------------------------------------------------


@guarded
async def queue_command(update: Update, context: Context) -> None:
    """/duyet: the assessments waiting for my decision (as reviewer or acting reviewer)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    views = await run_sync(services_of(context).review.queue_for, identity.person_id)
    await show(update, queue_panel(views, identity.language))


# -- buttons -----------------------------------------------------------------------------------------------------


@guarded
async def review_button(update: Update, context: Context) -> None:
    """Every button of cards, the walk and the queue."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    action = parts[0] if parts else ""
    if (action in ("q", "all") and len(parts) == 1) or (action == "ALL" and len(parts) == 2):
        await _queue_button(update, context, identity, action, parts[1] if len(parts) == 2 else "")
        return
    assessment_id = as_int(parts[1]) if len(parts) > 1 else None
    if assessment_id is None:
        await ack(update, t("fallback.stale_button", lang))
        return
    rest = parts[2:]
    if action in ("c", "a", "r", "d", "j", "jt", "no", "p", "lt", "w"):
        await close_text_step(context, identity)
        await _card_action(update, context, identity, action, assessment_id, rest)
    elif action in ("s", "f", "x", "l", "k", "b", "ok"):
        await close_text_step(context, identity)
        await _walk_action(update, context, identity, action, assessment_id, rest)
    else:
        await ack(update, t("fallback.stale_button", lang))


def bulk_panel(choice: BulkChoice, lang: str, note: Html | None = None) -> Panel:
    """The confirmation of "approve all": every record it will approve, by name; its button approves exactly
    these (it carries their fingerprint)."""
    names = join_html(
        [t_html("review.bulk_name", lang, name=v.person_name, total=_total(v.self_result)) for v in choice.ready]
    )
    lines = [note, Html("")] if note else []
    lines.append(t_html("review.bulk_question", lang, count=len(choice.ready), names=names))
    if choice.others:
        lines.append(t_html("review.bulk_skipped", lang, count=choice.others))
    markup = keyboard(
        [
            [button(t("review.bulk_confirm", lang, count=len(choice.ready)), FEATURE, "ALL", choice.fingerprint)],
            [button(t("review.bulk_back", lang), FEATURE, "q")],
        ]
    )
    return Panel(fit(join_html(lines)), markup)


async def _queue_button(update: Update, context: Context, identity: Identity, action: str, mark: str) -> None:
    services = services_of(context)
    lang = identity.language
    await close_text_step(context, identity)
    if action == "q":
        views = await run_sync(services.review.queue_for, identity.person_id)
        await ack(update)
        await show(update, queue_panel(views, lang))
        return
    if action == "all":
        choice = await run_sync(services.review.bulk_candidates, identity.person_id)
        if not choice.ready:
            views = await run_sync(services.review.queue_for, identity.person_id)
            await ack(update, t("review.bulk_none", lang), alert=True)
            await show(update, queue_panel(views, lang))
            return
        await ack(update)
        await show(update, bulk_panel(choice, lang))
        return
    outcome = await run_sync(services.review.approve_all, actor_of(identity), mark)
    if outcome.changed is not None:  # the queue changed since the confirmation: nothing approved, ask again
        changed = outcome.changed
        await ack(update, t("review.bulk_changed_toast", lang), alert=True)
        if changed.ready:
            await show(update, bulk_panel(changed, lang, t_html("review.bulk_changed", lang)))
        else:
            views = await run_sync(services.review.queue_for, identity.person_id)
            await show(update, queue_panel(views, lang, t_html("review.bulk_changed", lang)))
        return
    views = await run_sync(services.review.queue_for, identity.person_id)
    note = t_html("review.bulk_done", lang, approved=outcome.approved, left=outcome.left)
    await ack(update, t("review.bulk_done", lang, approved=outcome.approved, left=outcome.left))
    await show(update, queue_panel(views, lang, note))


async def _card_action(
    update: Update, context: Context, identity: Identity, action: str, assessment_id: int, rest: list[str]
) -> None:
    services = services_of(context)
    lang = identity.language
    me = identity.person_id
    from_queue = FROM_QUEUE in rest
    if action == "a":
        outcome = await run_sync(services.review.approve, actor_of(identity), assessment_id)
        if not outcome.done:
            await _already(update, context, identity, outcome.view, from_queue)
            return
        await ack(update, t("review.approved_ack", lang))
        await _show_card(update, context, identity, outcome.view, from_queue)
        return
    view = await run_sync(services.review.for_reviewer, me, assessment_id)
    if action == "c":
        await ack(update)
        await _show_card(update, context, identity, view, from_queue)
    elif action == "d":
        await ack(update)
        await _show(update, context, details_panel(view, lang, from_queue))
    elif view.state not in PENDING:
        await _already(update, context, identity, view, from_queue)
    elif action == "r":
        if view.state == REOPENED:
            raise Refusal("cannot_return_locked")
        await ack(update)
        flag = [FROM_QUEUE] if from_queue else []
        back = keyboard([[button(t("review.back_to_card", lang), FEATURE, "c", assessment_id, *flag)]])
        question = t_html("review.ask_return", lang, name=view.person_name)
        await ask_text(
            update,
            context,
            identity,
            "review.return",
            {"assessment": assessment_id, "queue": from_queue},
            Panel(question, back),
        )
    elif action == "j":
        await _adjust(update, context, identity, view)
    elif action == "jt":
        started = await run_sync(services.review.adjust_start, actor_of(identity), assessment_id)
        await ack(update)
        await _show_walk(update, context, identity, started)
    elif action == "no":
        if view.review_draft is not None and view.review_draft.get("by") != me:
            await ack(update, t("error.stale", lang), alert=True)
            await _show_card(update, context, identity, view, False)
            return
        cancelled = await run_sync(services.review.adjust_cancel, actor_of(identity), assessment_id)
        await ack(update, t("review.adj_cancelled", lang))
        await _show_card(update, context, identity, cancelled, False)
    elif _draft_of(view, me) is None:
        await ack(update, t("error.stale", lang), alert=True)
        await _show_card(update, context, identity, view, False)
    elif action == "p":
        number = as_int(rest[0]) if rest else None
        if number is None or not 0 <= number < len(view.regime.criteria):
            await ack(update, t("fallback.stale_button", lang))
            return
        criterion = view.regime.criteria[number]
        await ack(update)
        back = keyboard([[button(t("review.adj_back_to_walk", lang), FEATURE, "j", assessment_id)]])
        question = points_question("review.adj_ask_points", criterion, lang)
        await ask_text(
            update,
            context,
            identity,
            "review.points",
            {"assessment": assessment_id, "criterion": number},
            Panel(question, back),
        )
    elif action == "lt":
        codes = _leader_codes(view)
        number = as_int(rest[0]) if rest else None
        if number is None or not 0 <= number < len(codes):
            await ack(update, t("fallback.stale_button", lang))
            return
        await ack(update)
        back = keyboard([[button(t("review.adj_back_to_walk", lang), FEATURE, "j", assessment_id)]])
        name = ev.leader_criterion_name(view.regime, codes[number])
        question = t_html("review.adj_ask_percent", lang, name=name)
        await ask_text(
            update,
            context,
            identity,
            "review.percent",
            {"assessment": assessment_id, "leader": number},
            Panel(question, back),
        )
    else:  # "w": the reason, typed
        await _ask_reason(update, context, identity, view)


async def _ask_reason(update: Update, context: Context, identity: Identity, view: AssessmentView) -> None:
    lang = identity.language
    await ack(update)
    draft = _draft_of(view, identity.person_id) or {}
    question = t_html("review.adj_ask_reason", lang, name=view.person_name)
    if draft.get("reason"):
        question = Html(question + "\n" + t_html("review.adj_reason_current", lang, reason=_flat(draft["reason"])))
    back = keyboard([[button(t("review.adj_back_to_walk", lang), FEATURE, "j", view.id)]])
    await ask_text(update, context, identity, "review.reason", {"assessment": view.id}, Panel(question, back))


async def _adjust(update: Update, context: Context, identity: Identity, view: AssessmentView) -> None:
    """Start an adjustment, or continue one's own where it was; someone else's asks before starting over."""
    lang = identity.language
    draft = view.review_draft
    if draft is not None and draft.get("by") == identity.person_id:
        await ack(update)
        await _show_walk(update, context, identity, view)
        return
    if draft is not None:
        other = await _name_of(context, view, int(draft.get("by") or 0), lang)
        text = t_html("review.adj_taken", lang, other=other, name=view.person_name)
        markup = keyboard(
            [
                [button(t("review.adj_take_over", lang), FEATURE, "jt", view.id)],
                [button(t("review.back_to_card", lang), FEATURE, "c", view.id)],
            ]
        )
        await ack(update)
        await _show(update, context, Panel(text, markup))
        return
    started = await run_sync(services_of(context).review.adjust_start, actor_of(identity), view.id)
    await ack(update)
    await _show_walk(update, context, identity, started)


async def _name_of(context: Context, view: AssessmentView, person_id: int, lang: str) -> str:
    """The name of whoever is adjusting: the reviewer, or one of the people acting for them."""
    if person_id == view.reviewer_id:
        return view.reviewer_name
    if view.reviewer_id is not None:
        for delegation in await run_sync(services_of(context).delegations.of_leader, view.reviewer_id):
            if delegation.acting_id == person_id:
                return delegation.acting_name
    return t("review.someone", lang)


async def _walk_action(
    update: Update, context: Context, identity: Identity, action: str, assessment_id: int, rest: list[str]
) -> None:
    services = services_of(context)
    lang = identity.language
    actor = actor_of(identity)
    version = as_int(rest[0]) if rest else None
    args = [as_int(x) for x in rest[1:]]
    view = await run_sync(services.review.for_reviewer, identity.person_id, assessment_id)
    if view.state not in PENDING:
        await _already(update, context, identity, view)
        return
    if _draft_of(view, identity.person_id) is None or version is None:
        await ack(update, t("error.stale", lang), alert=True)
        await _show_card(update, context, identity, view, False)
        return
    if view.version != version:  # a double tap, or an older panel of the same walk
        await ack(update, t("error.stale", lang), alert=True)
        await _show_walk(update, context, identity, view)
        return
    regime = view.regime
    criteria = regime.criteria
    first = args[0] if args else None
    if action == "s":
        steps = review_steps(regime, view.is_leader)
        if first is None or not 0 <= first < len(steps):
            await ack(update, t("fallback.stale_button", lang))
            return
        moved = await run_sync(services.review.adjust_step, actor, assessment_id, steps[first])
        if steps[first] == "reason" and not (_draft_of(moved, identity.person_id) or {}).get("reason"):
            await _ask_reason(update, context, identity, moved)
            return
        await ack(update)
        await _show_walk(update, context, identity, moved)
        return
    if action == "ok":
        outcome = await run_sync(services.review.adjust_confirm, actor, assessment_id)
        if not outcome.done:
            await _already(update, context, identity, outcome.view)
            return
        await ack(update, t("review.adjusted_ack", lang))
        await _show_card(update, context, identity, outcome.view, False)
        return
    if action in ("f", "x"):
        if first is None or not 0 <= first < len(criteria):
            await ack(update, t("fallback.stale_button", lang))
            return
        criterion = criteria[first]
        if action == "f":
            changed = await run_sync(services.review.adjust_full, actor, assessment_id, criterion.code)
        else:
            item = deduction_at(criterion, args[1] if len(args) > 1 else None)
            if item is None:
                await ack(update, t("fallback.stale_button", lang))
                return
            changed = await run_sync(services.review.adjust_deduction, actor, assessment_id, criterion.code, item.code)
    elif action == "l":
        codes = _leader_codes(view)
        value = args[1] if len(args) > 1 else None
        if first is None or not 0 <= first < len(codes) or value not in ev.LEADER_PERCENTS:
            await ack(update, t("fallback.stale_button", lang))
            return
        changed = await run_sync(services.review.adjust_leader_percent, actor, assessment_id, codes[first], str(value))
    elif action == "k":
        task_id = rest[1] if len(rest) > 1 else ""
        changed = await run_sync(services.review.adjust_toggle_cause, actor, assessment_id, task_id)
    else:  # "b"
        group = regime.bonus_group
        if group is None or first is None or not 0 <= first < len(group.items):
            await ack(update, t("fallback.stale_button", lang))
            return
        changed = await run_sync(services.review.adjust_toggle_bonus, actor, assessment_id, group.items[first].code)
    await ack(update, t("review.saved", lang))
    await _show_walk(update, context, identity, changed)


# -- typed answers -----------------------------------------------------------------------------------------------


async def _typed_view(
    update: Update, context: Context, identity: Identity, dialog: DialogState
) -> AssessmentView | None:
    """The assessment a typed step is about, re-authorised (a refusal also closes the step); None when the
    answer no longer applies (the step is closed and the card shown, see `_moved_on`)."""
    review = services_of(context).review
    assessment_id = int(dialog.data["assessment"])
    view = await refusal_ends_step(context, identity, review.for_reviewer, identity.person_id, assessment_id)
    return None if await _moved_on(update, context, identity, dialog, view) else view


async def _moved_on(
    update: Update, context: Context, identity: Identity, dialog: DialogState, view: AssessmentView
) -> bool:
    """When the assessment was decided meanwhile (or the walk is no longer ours): close the step and say so."""
    lang = identity.language
    if view.state in PENDING and (dialog.kind == "review.return" or _draft_of(view, identity.person_id) is not None):
        return False
    await end_text_step(context, identity)
    if view.state not in PENDING:
        message = t_html("error.already_decided", lang, state=t(f"state.{view.state}", lang))
    else:
        message = t_html("error.stale", lang)
    card = card_panel(view, lang, _tz(context), identity.person_id).under(message)
    await _replace(update, context, identity, dialog, view.id, card)
    return True


async def _cancel_step(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    """/huy in a typed step of the review: back to the card or to the walk, nothing saved is lost."""
    view = await run_sync(services_of(context).review.for_reviewer, identity.person_id, int(dialog.data["assessment"]))
    lang = identity.language
    if dialog.kind != "review.return" and _draft_of(view, identity.person_id) is not None and view.state in PENDING:
        panel = await _walk(context, identity, view)
    else:
        panel = card_panel(view, lang, _tz(context), identity.person_id, bool(dialog.data.get("queue")))
    await _replace(update, context, identity, dialog, view.id, panel)


@text_step("review.return", _cancel_step)
async def return_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The reason for returning an assessment; then it goes back to the person."""
    view = await _typed_view(update, context, identity, dialog)
    if view is None:
        return
    review = services_of(context).review
    outcome = await final_answer(context, identity, review.return_, actor_of(identity), view.id, text)
    lang = identity.language
    card = card_panel(outcome.view, lang, _tz(context), identity.person_id, bool(dialog.data.get("queue")))
    if not outcome.done:
        card = card.under(t_html("error.already_decided", lang, state=t(f"state.{outcome.view.state}", lang)))
    await _replace(update, context, identity, dialog, view.id, card)


@text_step("review.points", _cancel_step)
async def points_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """Points typed by the reviewer for one criterion (bad input is refused and the step keeps waiting)."""
    view = await _typed_view(update, context, identity, dialog)
    if view is None:
        return
    code = view.regime.criteria[int(dialog.data["criterion"])].code
    await _save_typed(update, context, identity, dialog, view, services_of(context).review.adjust_points, code, text)


@text_step("review.percent", _cancel_step)
async def percent_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A percentage typed by the reviewer for one of a leader's own criteria (bad input keeps the step waiting)."""
    view = await _typed_view(update, context, identity, dialog)
    if view is None:
        return
    code = _leader_codes(view)[int(dialog.data["leader"])]
    adjust = services_of(context).review.adjust_leader_percent
    await _save_typed(update, context, identity, dialog, view, adjust, code, text)


async def _save_typed(
    update: Update,
    context: Context,
    identity: Identity,
    dialog: DialogState,
    view: AssessmentView,
    adjust: Callable[[Actor, int, str, str], AssessmentView],
    code: str,
    text: str,
) -> None:
    """Save a typed value of the walk (refused input keeps the step waiting) and show the walk with "saved"."""
    changed = await final_answer(context, identity, adjust, actor_of(identity), view.id, code, text)
    panel = await _walk(context, identity, changed)
    saved = panel.with_text(Html(t_html("review.saved_line", identity.language) + "\n" + panel.text))
    await _replace(update, context, identity, dialog, view.id, saved)


@text_step("review.reason", _cancel_step)
async def reason_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The reason of the adjustment (required); then the summary with old → new."""
    view = await _typed_view(update, context, identity, dialog)
    if view is None:
        return
    review = services_of(context).review
    changed = await final_answer(context, identity, review.adjust_reason, actor_of(identity), view.id, text)
    await _replace(update, context, identity, dialog, view.id, await _walk(context, identity, changed))


HANDLERS = [
    CommandHandler("duyet", queue_command),
    CallbackQueryHandler(review_button, pattern=rf"^v1:{FEATURE}:"),
]
