"""The reviewer's adjustment walk, edited in place on the card: each criterion (the person's answer, the
reviewer's, full points / listed deductions / typed points), a leader's own criteria (percentages), the claims
to confirm or reject, the reason, and the summary with old → new before it is applied. Pure panels."""

from __future__ import annotations

from decimal import Decimal

from danhgia.chat.format import points, short
from danhgia.chat.panel import Choice, Panel, chunks, keyboard
from danhgia.handlers.criteria import nav_rows
from danhgia.handlers.review.callbacks import (
    CancelAdjust,
    Confirm,
    Deduct,
    Full,
    LeaderPercent,
    Step,
    ToggleBonus,
    ToggleCause,
    TypePercent,
    TypePoints,
    TypeReason,
)
from danhgia.handlers.review.panels import (
    bonus_label,
    bonus_points,
    change_lines,
    criterion_deductions,
    flat,
    levels,
    percent,
    task_name,
    total,
)
from danhgia.scoring import EvaluationResult
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow.answers import ReviewDraft
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.review import review_steps

Rows = list[list[Choice]]


def leader_codes(view: AssessmentView) -> list[str]:
    """The leader's own criteria the reviewer may adjust (none on a staff member's record)."""
    return ev.input_leader_criteria(view.regime) if view.is_leader else []


def _header(view: AssessmentView, lang: str, index: int, count: int) -> Html:
    return t_html("review.adj_title", lang, name=view.person_name, n=index + 1, count=count)


def _nav(view: AssessmentView, lang: str, index: int, count: int) -> Rows:
    def step(number: int) -> Step:
        return Step(view.id, view.version, number)

    return nav_rows(index, count - 1, lang, "review.adj_prev", "review.adj_next", None, step)


def _cancel(view: AssessmentView, lang: str) -> list[Choice]:
    return [CancelAdjust(view.id).choice(t("review.adj_cancel", lang))]


def _criterion_step(view: AssessmentView, draft: ReviewDraft, lang: str, index: int, count: int, code: str) -> Panel:
    regime = view.regime
    criterion = regime.criteria_by_code[code]
    position = regime.criteria.index(criterion)
    own, new = view.own.criterion(code), draft.changes.answers.criterion(code)
    lines = [
        _header(view, lang, index, count),
        t_html("review.adj_criterion", lang, name=criterion.name, max=points(criterion.max_points)),
        t_html("review.adj_self", lang, points=points(own.score(criterion))),
        *criterion_deductions(regime, code, own, lang),
    ]
    if own.note:
        lines.append(t_html("review.adj_note", lang, note=flat(own.note)))
    lines.append(t_html("review.adj_reviewer", lang, points=points(new.score(criterion))))
    lines += criterion_deductions(regime, code, new, lang)
    lines.append(t_html("review.adj_criterion_hint", lang))
    full = t("review.adj_full", lang, max=points(criterion.max_points))
    rows = [[Full(view.id, view.version, position).choice(full)]]
    rows += [
        [
            Deduct(view.id, view.version, position, number).choice(
                short(t("review.adj_deduct", lang, points=points(item.points), label=item.label), 60)
            )
        ]
        for number, item in enumerate(criterion.deductions)
    ]
    rows.append([TypePoints(view.id, position).choice(t("review.adj_type_points", lang))])
    rows += [*_nav(view, lang, index, count), _cancel(view, lang)]
    return Panel(join_html(lines), keyboard(rows))


def _leader_step(view: AssessmentView, draft: ReviewDraft, lang: str, index: int, count: int, code: str) -> Panel:
    """One of a leader's own criteria (a percentage): what they gave themselves, what the reviewer gives."""
    position = leader_codes(view).index(code)
    name = ev.leader_criterion_name(view.regime, code)
    own = view.own.leader.get(code)
    new: Decimal | None = draft.changes.answers.leader.get(code, own)
    lines = [
        _header(view, lang, index, count),
        t_html("review.adj_leader", lang, name=name),
        t_html("review.adj_leader_self", lang, percent=percent(own)),
        t_html("review.adj_leader_reviewer", lang, percent=percent(new)),
        t_html("review.adj_leader_hint", lang),
    ]
    choices = [
        LeaderPercent(view.id, view.version, position, value).choice(f"{value} %" + (" ✓" if new == value else ""))
        for value in ev.LEADER_PERCENTS
    ]
    rows = chunks(choices, 3)
    rows.append([TypePercent(view.id, position).choice(t("review.adj_type_percent", lang))])
    rows += [*_nav(view, lang, index, count), _cancel(view, lang)]
    return Panel(join_html(lines), keyboard(rows))


def _claims_step(view: AssessmentView, draft: ReviewDraft, lang: str, index: int, count: int) -> Panel:
    lines = [_header(view, lang, index, count), t_html("review.adj_claims_title", lang)]
    rows: Rows = []
    for task_id, reason in view.causes.items():
        ok = task_id not in draft.changes.rejected_causes
        name = task_name(view, task_id)
        key = "review.adj_cause_ok" if ok else "review.adj_cause_rejected"
        lines.append(t_html(key, lang, task=name, reason=flat(reason)))
        label = t("review.adj_toggle_ok" if ok else "review.adj_toggle_rejected", lang, name=short(name, 40))
        rows.append([ToggleCause(view.id, view.version, task_id).choice(label)])
    group = view.regime.bonus_group
    for claim in view.bonus_claims:
        ok = claim.code not in draft.changes.rejected_bonuses
        label_text = bonus_label(view.regime, claim.code)
        key = "review.adj_bonus_ok" if ok else "review.adj_bonus_rejected"
        lines.append(t_html(key, lang, item=label_text, points=bonus_points(view.regime, claim)))
        number = next((i for i, item in enumerate(group.items) if item.code == claim.code), None) if group else None
        if number is not None:
            label = t("review.adj_toggle_ok" if ok else "review.adj_toggle_rejected", lang, name=short(label_text, 40))
            rows.append([ToggleBonus(view.id, view.version, number).choice(label)])
    lines.append(t_html("review.adj_claims_hint" if rows else "review.adj_claims_none", lang))
    rows += [*_nav(view, lang, index, count), _cancel(view, lang)]
    return Panel(join_html(lines), keyboard(rows))


def _reason_line(draft: ReviewDraft, lang: str) -> Html:
    if draft.reason:
        return t_html("review.adj_reason_current", lang, reason=flat(draft.reason))
    return t_html("review.adj_reason_missing", lang)


def _reason_step(view: AssessmentView, draft: ReviewDraft, lang: str, index: int, count: int) -> Panel:
    lines = [_header(view, lang, index, count), t_html("review.adj_reason_title", lang), _reason_line(draft, lang)]
    rows = [
        [TypeReason(view.id).choice(t("review.adj_type_reason", lang))],
        *_nav(view, lang, index, count),
        _cancel(view, lang),
    ]
    return Panel(join_html(lines), keyboard(rows))


def _summary_step(view: AssessmentView, draft: ReviewDraft, lang: str, preview: EvaluationResult | None) -> Panel:
    lines = [
        t_html("review.adj_summary_title", lang, name=view.person_name),
        t_html("review.adj_total", lang, old=total(view.self_result), new=total(preview)),
        t_html("review.adj_level", lang, levels=levels(view.self_result, preview, lang)),
    ]
    changes = change_lines(view, draft.changes, lang)
    lines += [t_html("review.adj_changes", lang), *changes] if changes else [t_html("review.adj_no_changes", lang)]
    lines.append(_reason_line(draft, lang))
    rows: Rows = []
    if draft.reason:
        rows.append([Confirm(view.id, view.version).choice(t("review.adj_confirm", lang))])
    reason_key = "review.adj_change_reason" if draft.reason else "review.adj_type_reason"
    rows.append(
        [
            Step(view.id, view.version, 0).choice(t("review.adj_edit_more", lang)),
            TypeReason(view.id).choice(t(reason_key, lang)),
        ]
    )
    rows.append(_cancel(view, lang))
    return Panel(join_html(lines), keyboard(rows))


def walk_panel(view: AssessmentView, draft: ReviewDraft, lang: str, preview: EvaluationResult | None = None) -> Panel:
    """The step of the adjustment walk the reviewer is on (the summary shows the `preview` of the result)."""
    steps = review_steps(view.regime, view.is_leader)
    index = steps.index(draft.step) if draft.step in steps else 0
    step, count = steps[index], len(steps)
    if step.startswith("crit:"):
        return _criterion_step(view, draft, lang, index, count, step.removeprefix("crit:"))
    if step.startswith("leader:"):
        return _leader_step(view, draft, lang, index, count, step.removeprefix("leader:"))
    if step == "claims":
        return _claims_step(view, draft, lang, index, count)
    if step == "reason":
        return _reason_step(view, draft, lang, index, count)
    return _summary_step(view, draft, lang, preview)
