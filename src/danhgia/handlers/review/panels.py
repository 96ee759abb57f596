"""The review's panels, as pure functions of workflow views: the card each submission brings, the whole
self-assessment (details), /duyet's queue, the confirmation of "approve all", and what the person is told about
a decision. Nothing here talks to a messaging platform."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from danhgia.chat.explain import lines_html
from danhgia.chat.format import fit, points, short
from danhgia.chat.panel import Choice, Panel, keyboard
from danhgia.handlers.criteria import deduction_lines
from danhgia.handlers.review.callbacks import (
    Adjust,
    Approve,
    BulkAsk,
    BulkConfirm,
    Card,
    Details,
    Queue,
    Return,
    TakeOver,
)
from danhgia.handlers.selfassess.callbacks import Open as OpenSelfAssessment
from danhgia.scoring import EvaluationResult, Regime, format_percent
from danhgia.texts import Html, escape, join_html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow import lifecycle
from danhgia.workflow.answers import Adjustment, BonusClaim, CriterionAnswer
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.review import BulkChoice, bulk_approvable

QUEUE_BUTTONS = 30


# -- small pieces ------------------------------------------------------------------------------------------------


def at(value: datetime | None, tz: ZoneInfo) -> str:
    """HH:MM dd/mm/yyyy in the organisation's time zone ("—" when unknown)."""
    return "—" if value is None else value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def flat(text: object) -> str:
    """Free text on one line (panels are cut at line boundaries, so no tag may span lines)."""
    return " ".join(str(text).split())


def level(result: EvaluationResult | None) -> str:
    """The level a result gives ("—" when none)."""
    return result.level.display if result is not None and result.level is not None else "—"


def _level_code(regime: Regime, code: str | None) -> str:
    found = regime.level_by_code.get(code or "")
    return found.display if found is not None else "—"


def levels(before: EvaluationResult | None, after: EvaluationResult | None, lang: str) -> Html:
    """ "A → B", or "A (unchanged)" when the level stayed."""
    old, new = level(before), level(after)
    if old == new:
        return t_html("review.level_same", lang, level=new)
    return t_html("review.level_change", lang, old=old, new=new)


def total(result: EvaluationResult | None) -> str:
    """A result's total points ("—" when none)."""
    return points(result.total if result is not None else None)


def percent(value: Decimal | None) -> str:
    """A leader criterion's percentage ("—" when not given)."""
    return "—" if value is None else format_percent(value)


def weight(value: Decimal) -> str:
    """A task's weight, without trailing zeros ("1,5")."""
    return format(value.normalize(), "f").replace(".", ",")


def _who(view: AssessmentView, lang: str) -> Html:
    """Who decided, with "on behalf of" when an acting reviewer did."""
    if view.decided_for_name:
        return t_html("review.who_behalf", lang, name=view.decided_by_name, leader=view.decided_for_name)
    return Html(escape(view.decided_by_name or "—"))


def task_name(view: AssessmentView, task_id: str) -> str:
    """A task's name by id (its id when it is no longer among the month's tasks)."""
    task = view.task(task_id)
    return task.name if task is not None else task_id


def bonus_label(regime: Regime, code: str) -> str:
    """A bonus item's label by code."""
    group = regime.bonus_group
    item = next((i for i in group.items if i.code == code), None) if group else None
    return item.label if item is not None else code


def bonus_points(regime: Regime, claim: BonusClaim) -> str:
    """The points of a bonus claim."""
    return points(claim.value(regime))


def criterion_deductions(regime: Regime, code: str, answer: CriterionAnswer, lang: str) -> list[Html]:
    """The deductions an answer chose for a criterion, in the order chosen."""
    criterion = regime.criteria_by_code[code]
    return deduction_lines(criterion, answer, "review.deduction_line", lang, in_order_chosen=True)


def _bonus_lines(view: AssessmentView, lang: str) -> list[Html]:
    return [
        t_html("review.card_bonus", lang, item=bonus_label(view.regime, c.code), points=bonus_points(view.regime, c))
        for c in view.bonus_claims
    ]


# -- the card ----------------------------------------------------------------------------------------------------


def _claim_lines(view: AssessmentView, lang: str) -> list[Html]:
    lines: list[Html] = []
    if view.causes:
        lines.append(t_html("review.card_causes", lang))
        lines += [
            t_html("review.card_cause", lang, task=task_name(view, task_id), reason=flat(reason))
            for task_id, reason in view.causes.items()
        ]
    if view.bonus_claims:
        lines += [t_html("review.card_bonuses", lang), *_bonus_lines(view, lang)]
    if view.self_result is not None:
        lines += [t_html("review.card_flag", lang, message=flag.message) for flag in view.self_result.flags]
    return lines


def _status_lines(view: AssessmentView, lang: str, tz: ZoneInfo) -> list[Html]:
    if lifecycle.pending(view.state):
        lines = [t_html("review.status_reopened", lang)] if view.state == lifecycle.REOPENED else []
        if view.review_draft is not None:
            lines.append(t_html("review.status_adjusting", lang))
        return lines
    when = at(view.decided_at, tz)
    if view.state == lifecycle.RETURNED:
        reason = flat(view.decision_reason or "—")
        return [t_html("review.status_returned", lang, who=_who(view, lang), at=when, reason=reason)]
    if not lifecycle.decided(view.state):
        return [t_html("review.status_other", lang, state=t(f"state.{view.state}", lang))]
    if view.decision == "adjusted":
        lines = [
            t_html(
                "review.status_adjusted",
                lang,
                who=_who(view, lang),
                at=when,
                old=total(view.self_result),
                new=total(view.result),
                levels=levels(view.self_result, view.result, lang),
                reason=flat(view.decision_reason or "—"),
            )
        ]
    else:
        lines = [t_html("review.status_approved", lang, who=_who(view, lang), at=when)]
    if view.state == lifecycle.LOCKED:
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
            lines.append(t_html("review.card_self_bonus", lang, bonus=points(bonus), level=level(result), **values))
        else:
            lines.append(t_html("review.card_self", lang, level=level(result), **values))
        lines += [
            t_html("review.card_part", lang, name=part.name, points=points(part.points), max=points(part.max_points))
            for part in result.parts
        ]
    else:
        lines.append(t_html("review.card_no_score", lang))
    if view.regime.yearly_levels:  # the month gives points only (NĐ 233 Điều 3.5–3.6)
        lines.append(t_html("review.points_only", lang, regime=view.regime.name))
    lines += _claim_lines(view, lang)
    if view.submitted_at is not None:
        lines.append(t_html("review.card_submitted", lang, at=at(view.submitted_at, tz)))
    if lifecycle.pending(view.state) and viewer_id != view.reviewer_id and view.reviewer_name:
        lines.append(t_html("review.card_behalf", lang, leader=view.reviewer_name))
    status = _status_lines(view, lang, tz)
    if status:
        lines += [Html(""), *status]
    return fit(join_html(lines))


def card_panel(view: AssessmentView, lang: str, tz: ZoneInfo, viewer_id: int, from_queue: bool = False) -> Panel:
    """The card with its buttons: the decisions while it is pending (Return only while it may be sent back),
    only Details afterwards."""
    rows: list[list[Choice]] = []
    details = Details(view.id, from_queue).choice(t("review.details", lang))
    if lifecycle.pending(view.state):
        rows.append(
            [
                Approve(view.id, from_queue).choice(t("review.approve", lang)),
                Adjust(view.id).choice(t("review.adjust", lang)),
            ]
        )
        second = [details]
        if lifecycle.returnable(view.state):
            second.insert(0, Return(view.id, from_queue).choice(t("review.return", lang)))
        rows.append(second)
    else:
        rows.append([details])
    if from_queue:
        rows.append([Queue().choice(t("review.back_to_queue", lang))])
    return Panel(card_text(view, lang, tz, viewer_id), keyboard(rows))


def back_to_card(view: AssessmentView, lang: str, from_queue: bool = False) -> list[list[Choice]]:
    """The row that goes back to the card."""
    return [[Card(view.id, from_queue).choice(t("review.back_to_card", lang))]]


def details_panel(view: AssessmentView, lang: str, from_queue: bool) -> Panel:
    """The whole self-assessment: each criterion, the month's tasks and claims, and the scoring explanation."""
    regime = view.regime
    lines = [t_html("review.detail_title", lang, name=view.person_name, period=view.period.label)]
    result = view.self_result
    parts = {part.code: part for part in result.parts} if result is not None else {}
    for group in regime.groups:
        part = parts.get(group.code)
        if not group.criteria and part is None:
            continue
        lines.append(Html(""))
        if part is not None:
            values = {"points": points(part.points), "max": points(part.max_points)}
            lines.append(t_html("review.detail_group", lang, name=group.name, **values))
        else:
            lines.append(t_html("review.detail_group_plain", lang, name=group.name))
        for criterion in group.criteria:
            answer = view.own.criterion(criterion.code)
            values = {"points": points(answer.score(criterion)), "max": points(criterion.max_points)}
            lines.append(t_html("review.detail_criterion", lang, name=criterion.name, **values))
            lines += criterion_deductions(regime, criterion.code, answer, lang)
            if answer.note:
                lines.append(t_html("review.detail_note", lang, note=flat(answer.note)))
    if regime.task_group is not None:
        lines += [Html(""), t_html("review.detail_tasks", lang, count=len(view.tasks))]
        for task in view.tasks:
            status = t(f"tasks.status.{task.status}", lang)
            lines.append(t_html("review.detail_task", lang, name=task.name, status=status, weight=weight(task.weight)))
            if task.major_errors:
                lines.append(t_html("review.detail_task_quality", lang))
            if task.id in view.causes:
                lines.append(t_html("review.detail_task_cause", lang, reason=flat(view.causes[task.id])))
    leader_inputs = view.own.leader
    if view.is_leader and leader_inputs and regime.task_group is not None and regime.task_group.tasks is not None:
        names = {c.code: c.name for c in regime.task_group.tasks.leader_criteria}
        lines += [Html(""), t_html("review.detail_leader", lang)]
        lines += [
            t_html("review.detail_leader_line", lang, name=names.get(code, code), percent=weight(value))
            for code, value in leader_inputs.items()
        ]
    if view.bonus_claims:
        lines += [Html(""), t_html("review.card_bonuses", lang), *_bonus_lines(view, lang)]
    if result is not None:
        lines += [Html(""), t_html("review.detail_explanation", lang)]
        lines += [Html("• " + line) for line in lines_html(result.explanation, lang)]
        values = {"total": points(result.total), "max": points(result.max_total), "level": level(result)}
        lines.append(t_html("review.detail_total", lang, **values))
    if view.decision == "adjusted" and view.result is not None and lifecycle.decided(view.state):
        lines.append(t_html("review.detail_reviewed", lang, total=total(view.result), level=level(view.result)))
    return Panel(fit(join_html(lines)), keyboard(back_to_card(view, lang, from_queue)))


def taken_panel(view: AssessmentView, other: str, lang: str) -> Panel:
    """Someone else began adjusting this record: take over (starting again) or go back."""
    text = t_html("review.adj_taken", lang, other=other, name=view.person_name)
    rows = [[TakeOver(view.id).choice(t("review.adj_take_over", lang))], *back_to_card(view, lang)]
    return Panel(text, keyboard(rows))


def change_lines(view: AssessmentView, review: Adjustment, lang: str) -> list[Html]:
    """What the reviewer changed against the self-assessment: criteria points, rejected claims."""
    regime = view.regime
    lines = []
    for criterion in regime.criteria:
        changed = review.answers.criteria.get(criterion.code)
        if changed is None:
            continue
        before, after = view.own.criterion(criterion.code).score(criterion), changed.score(criterion)
        if before != after:
            values = {"old": points(before), "new": points(after)}
            lines.append(t_html("review.change_criterion", lang, name=criterion.name, **values))
    for code, value in review.answers.leader.items():
        previous = view.own.leader.get(code)
        if previous is None or previous != value:
            name = ev.leader_criterion_name(regime, code)
            lines.append(t_html("review.change_criterion", lang, name=name, old=percent(previous), new=percent(value)))
    for task_id in sorted(review.rejected_causes):
        if task_id in view.causes:
            lines.append(t_html("review.change_cause", lang, task=task_name(view, task_id)))
    for code in sorted(review.rejected_bonuses):
        lines.append(t_html("review.change_bonus", lang, item=bonus_label(regime, code)))
    return lines


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
        values = {"total": total(view.self_result), "level": level(view.self_result)}
        line = t_html("review.queue_line", lang, n=n, name=view.person_name, **values)
        marks = []
        if view.review_draft is not None:
            marks.append(t_html("review.queue_mark_adjusting", lang))
        if view.state == lifecycle.REOPENED:
            marks.append(t_html("review.queue_mark_reopened", lang))
        if view.on_behalf_of is not None:
            marks.append(t_html("review.queue_mark_behalf", lang, leader=view.reviewer_name))
        lines.append(Html(line + ("" if not marks else " · " + " · ".join(marks))))
        if n <= QUEUE_BUTTONS:
            rows.append([Card(view.id, True).choice(short(f"{n}. {view.person_name}", 40))])
    bulk = sum(1 for v in views if bulk_approvable(v))
    if bulk:
        rows.append([BulkAsk().choice(t("review.bulk_button", lang, count=bulk))])
    rows.append([Queue().choice(t("review.refresh", lang))])
    return Panel(fit(join_html(lines)), keyboard(rows))


def bulk_panel(choice: BulkChoice, lang: str, note: Html | None = None) -> Panel:
    """The confirmation of "approve all": every record it will approve, by name; its button approves exactly
    these (it carries their fingerprint)."""
    names = join_html(
        [t_html("review.bulk_name", lang, name=v.person_name, total=total(v.self_result)) for v in choice.ready]
    )
    lines = [note, Html("")] if note else []
    lines.append(t_html("review.bulk_question", lang, count=len(choice.ready), names=names))
    if choice.others:
        lines.append(t_html("review.bulk_skipped", lang, count=choice.others))
    rows = [
        [BulkConfirm(choice.fingerprint).choice(t("review.bulk_confirm", lang, count=len(choice.ready)))],
        [Queue().choice(t("review.bulk_back", lang))],
    ]
    return Panel(fit(join_html(lines)), keyboard(rows))


# -- notices to the person ---------------------------------------------------------------------------------------


def notice_panel(view: AssessmentView, decision: str, lang: str) -> Panel:
    """What the person is told privately about a decision on their assessment."""
    period = view.period.label
    if decision == "approved":
        maximum = points(view.result.max_total if view.result else None)
        values = {"total": total(view.result), "max": maximum, "level": level(view.result)}
        return Panel(t_html("review.notice_approved", lang, period=period, who=_who(view, lang), **values))
    if decision == "adjusted":
        lines = [
            t_html(
                "review.notice_adjusted",
                lang,
                period=period,
                old=total(view.self_result),
                new=total(view.result),
                levels=levels(view.self_result, view.result, lang),
                reason=flat(view.decision_reason or "—"),
                who=_who(view, lang),
            )
        ]
        changes = change_lines(view, view.review or Adjustment(), lang)
        if changes:
            lines += [t_html("review.adj_changes", lang), *changes]
        return Panel(fit(join_html(lines)))
    if decision == "returned":
        reason = flat(view.decision_reason or "—")
        text = t_html("review.notice_returned", lang, period=period, reason=reason, who=_who(view, lang))
        return Panel(text, keyboard([[OpenSelfAssessment().choice(t("review.open_self", lang))]]))
    return Panel(t_html("review.notice_reopened", lang, period=period))
