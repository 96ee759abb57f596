"""/tudanhgia: the monthly self-assessment, walked step by step on one panel edited in place.

The steps come from the regime (workflow/evaluation.steps_for): each general criterion, the month's task
results (with objective-cause claims), the leader criteria (leaders only), bonus claims where the regime has
them, and the summary with Submit / Edit / Close. The step and every answer are saved in the database as they
are given, so leaving, coming back or a restart continues exactly where the person was.

Callback data: `v1:sa:<action>:<assessment id>:<draft version>[:<index>…]`. Indexes (of the step in
`view.steps`, of a deduction in the criterion's list, of a bonus item) and task ids, never codes. Every
button that touches the draft carries its version, so a double tap or an old panel changes nothing (`stale`).
Submitted, approved and locked records are shown read-only. Also renders the `period_opened` notice, whose
button (`v1:sa:open`) opens the panel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button
from danhgia.chat.format import day, points, short
from danhgia.chat.panel import Choice, Keys, Panel, chunks, keyboard
from danhgia.handlers import notifier
from danhgia.handlers.context import Context, reply, run_sync, services_of
from danhgia.handlers.criteria import (
    CatalogKeys,
    choice_rows,
    chosen,
    criterion_lines,
    deduction_at,
    entry_of,
    nav_rows,
    points_question,
)
from danhgia.handlers.dialog import text_step
from danhgia.handlers.ui import (
    ack,
    answered,
    ask_text,
    close_text_step,
    command_person,
    error_text,
    guarded,
    pressed,
    replace_panel,
    show,
)
from danhgia.scoring import EvaluationResult, Regime, format_percent
from danhgia.texts import Html, escape, join_html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.calendar import fmt_short
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.lifecycle import APPROVED, DRAFT, LOCKED, REOPENED, RETURNED, SUBMITTED
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.selfassessment import SelfAssessmentService
from danhgia.workflow.services import Services

FEATURE = "sa"
Panel = Panel
Rows = list[list[Choice]]
TASK_ICONS = {"done_on_time": "✅", "done_late": "🕒", "not_done": "❌", "in_progress": "🔄"}
MAX_CLAIM_BUTTONS = 40  # Telegram shows at most 100 buttons; a month rarely has more claimable tasks
KEYS = CatalogKeys.under(
    "selfassess.criterion",
    type_points="selfassess.type_points",
    back="selfassess.back",
    next="selfassess.next",
    to_summary="selfassess.to_summary",
)


# -- rendering: the editor ---------------------------------------------------------------------------------------


def panel(view: AssessmentView, lang: str, tz: ZoneInfo, note: Html | None = None) -> Panel:
    """The panel of the person's assessment: the editor at the saved step, or the read-only state."""
    if not view.editable:
        return readonly_panel(view, lang, tz)
    steps = view.steps
    step = view.step if view.step in steps else steps[0]
    index = steps.index(step)
    if step == ev.STEP_SUMMARY:
        body, rows = _summary(view, lang)
    elif step == ev.STEP_TASKS:
        body, rows = _tasks(view, lang)
    elif step == ev.STEP_BONUS:
        body, rows = _bonus(view, lang)
    elif step.startswith("leader:"):
        body, rows = _leader(view, index, step.removeprefix("leader:"), lang)
    else:
        body, rows = _criterion(view, index, step.removeprefix("crit:"), lang)
    top: list[Html] = [note] if note else []
    if view.state == RETURNED:
        top.append(
            t_html("selfassess.returned", lang, by=view.decided_by_name or "—", reason=view.decision_reason or "—")
        )
    if step != ev.STEP_SUMMARY:
        header = t_html("selfassess.header", lang, label=view.period.label, n=index + 1, count=len(steps))
        body = Html(header + "\n" + body)
    rows += _nav(view, index, lang)
    return Panel(Html("\n\n".join([*top, body])), keyboard(rows))


def _nav(view: AssessmentView, index: int, lang: str) -> Rows:
    last = len(view.steps) - 1
    if index == last:
        return [
            [button(t("selfassess.summary.submit", lang), FEATURE, "sub", view.id, view.version)],
            [
                button(t("selfassess.back", lang), FEATURE, "go", view.id, view.version, index - 1),
                button(t("selfassess.summary.edit", lang), FEATURE, "ed", view.id, view.version),
            ],
            [button(t("selfassess.summary.close", lang), FEATURE, "x", view.id, view.version)],
        ]
    return nav_rows(index, last, lang, KEYS.back, KEYS.next, KEYS.to_summary, FEATURE, "go", view.id, view.version)


def _entry(view: AssessmentView, code: str) -> dict[str, Any]:
    return entry_of(view.self_input.get("criteria", {}), code)


def _criterion(view: AssessmentView, index: int, code: str, lang: str) -> tuple[Html, Rows]:
    regime = view.regime
    criterion = regime.criteria_by_code[code]
    entry = _entry(view, code)
    codes = [c.code for c in regime.criteria]
    lines = [
        t_html("selfassess.criterion.title", lang, n=codes.index(code) + 1, count=len(codes), name=criterion.name),
        *criterion_lines(regime, criterion, entry, KEYS, lang),
    ]
    key = (view.id, view.version, index)
    rows = choice_rows(
        criterion, entry, KEYS, lang, (FEATURE, "full", *key), (FEATURE, "pt", *key), (FEATURE, "ded", *key)
    )
    last: list[Choice] = []
    if entry.get("points") is not None or chosen(entry):
        last.append(button(t("selfassess.criterion.clear", lang), FEATURE, "clr", *key))
    last.append(button(t("selfassess.note_button", lang), FEATURE, "nt", *key))
    rows.append(last)
    return join_html(lines), rows


def _problem(task: dict[str, Any], lang: str) -> str:
    if task.get("delays"):
        return t("selfassess.tasks.problem_late", lang)
    if task.get("major_errors"):
        return t("selfassess.tasks.problem_quality", lang)
    return t("selfassess.tasks.problem_unfinished", lang)


def _part(result: EvaluationResult | None, code: str) -> tuple[Decimal, Decimal | None] | None:
    if result is None:
        return None
    for part in result.parts:
        if part.code == code:
            return part.points, part.max_points
    return None


def _tasks(view: AssessmentView, lang: str) -> tuple[Html, Rows]:
    period = view.period
    lines = [t_html("selfassess.tasks.title", lang, start=fmt_short(period.starts_on), end=day(period.ends_on))]
    rows: Rows = []
    if not view.tasks:
        lines.append(error_text(Refusal("no_tasks"), lang))
        return join_html(lines), rows
    group = view.regime.task_group
    part = _part(view.self_result, group.code) if group is not None else None
    if part is not None:
        lines.append(
            t_html(
                "selfassess.tasks.part_points",
                lang,
                points=points(part[0]),
                max=points(part[1]) if part[1] is not None else "—",
            )
        )
    if any(ev.claimable(task) for task in view.tasks):
        lines.append(t_html("selfassess.tasks.cause_hint", lang))
    causes = view.causes
    for number, task in enumerate(view.tasks, 1):
        status = str(task.get("status", "in_progress"))
        line = t_html(
            "selfassess.tasks.line",
            lang,
            n=number,
            icon=TASK_ICONS.get(status, "•"),
            title=task.get("name", ""),
            status=t(f"tasks.status.{status}", lang),
            weight=points(Decimal(str(task.get("weight", "1")))),
        )
        marks = []
        if task.get("delays") and status != "done_late":  # "done late" already says it
            marks.append(t_html("selfassess.tasks.late_mark", lang))
        if task.get("major_errors"):
            marks.append(t_html("selfassess.tasks.quality_mark", lang))
        lines.append(Html(" · ".join([line, *marks])))
        task_id = str(task.get("id", ""))
        if task_id in causes:
            lines.append(t_html("selfassess.tasks.cause_line", lang, reason=causes[task_id]))
        if ev.claimable(task) and len(rows) < MAX_CLAIM_BUTTONS:
            if task_id in causes:
                rows.append(
                    [
                        button(
                            t("selfassess.tasks.edit_claim_button", lang, n=number),
                            FEATURE,
                            "cz",
                            view.id,
                            view.version,
                            task_id,
                        ),
                        button(
                            t("selfassess.tasks.drop_claim_button", lang, n=number),
                            FEATURE,
                            "cx",
                            view.id,
                            view.version,
                            task_id,
                        ),
                    ]
                )
            else:
                label = t("selfassess.tasks.claim_button", lang, n=number, title=short(str(task.get("name", "")), 30))
                rows.append([button(label, FEATURE, "cz", view.id, view.version, task_id)])
    lines.append(Html("<i>" + t_html("selfassess.tasks.source_hint", lang) + "</i>"))
    return join_html(lines), rows


def _leader(view: AssessmentView, index: int, code: str, lang: str) -> tuple[Html, Rows]:
    regime = view.regime
    rules = regime.task_group.tasks if regime.task_group is not None else None
    criteria = rules.leader_criteria if rules is not None else ()
    inputs = ev.input_leader_criteria(regime)
    criterion = next(c for c in criteria if c.code == code)
    given = view.self_input.get("leader", {}).get(code)
    lines = [t_html("selfassess.leader.title", lang, n=inputs.index(code) + 1, count=len(inputs), name=criterion.name)]
    if given is not None:
        lines.append(t_html("selfassess.leader.chosen", lang, percent=format_percent(Decimal(str(given)))))
    elif criterion.default_percent is not None:
        lines.append(t_html("selfassess.leader.default", lang, percent=format_percent(criterion.default_percent)))
    else:
        lines.append(t_html("selfassess.leader.not_chosen", lang))
    for other in criteria:
        if other.compute == "subordinates":
            lines.append(t_html("selfassess.leader.computed", lang, name=other.name))
            if view.leader_provisional:
                lines.append(t_html("selfassess.leader.provisional", lang))
    lines.append(Html("<i>" + t_html("selfassess.leader.hint", lang) + "</i>"))
    current = Decimal(str(given)) if given is not None else None
    choices = [
        button(
            f"{value} %" + (" ✓" if current is not None and current == value else ""),
            FEATURE,
            "pc",
            view.id,
            view.version,
            index,
            value,
        )
        for value in ev.LEADER_PERCENTS
    ]
    rows = chunks(choices, 3)
    rows.append([button(t("selfassess.leader.type_percent", lang), FEATURE, "pp", view.id, view.version, index)])
    return join_html(lines), rows


def _bonus(view: AssessmentView, lang: str) -> tuple[Html, Rows]:
    group = view.regime.bonus_group
    assert group is not None
    claims = {str(c["code"]): c for c in view.bonus_claims}
    lines = [t_html("selfassess.bonus.title", lang, name=group.name), t_html("selfassess.bonus.hint", lang)]
    rows: Rows = []
    for number, item in enumerate(group.items):
        claim = claims.get(item.code)
        if claim is not None:
            if claim.get("points") is not None:
                value = Decimal(str(claim["points"]))
            else:
                value = (item.points or Decimal(0)) * int(claim.get("count", 1))
            lines.append(
                t_html(
                    "selfassess.bonus.claimed",
                    lang,
                    label=item.label,
                    points=points(value),
                    max=points(item.max_points),
                )
            )
        else:
            lines.append(t_html("selfassess.bonus.not_claimed", lang, label=item.label, max=points(item.max_points)))
        label = short(item.label, 36)
        if item.points is not None:
            key = "selfassess.bonus.toggle_on" if claim is not None else "selfassess.bonus.toggle_off"
            rows.append([button(t(key, lang, label=label), FEATURE, "bt", view.id, view.version, number)])
        else:
            row = [
                button(
                    t("selfassess.bonus.type_points", lang, label=label), FEATURE, "bp", view.id, view.version, number
                )
            ]
            if claim is not None:
                row.append(
                    button(
                        t("selfassess.bonus.drop", lang, label=short(item.label, 20)),
                        FEATURE,
                        "bt",
                        view.id,
                        view.version,
                        number,
                    )
                )
            rows.append(row)
    return join_html(lines), rows


def _level_name(regime: Regime, code: str | None) -> str:
    if not code:
        return "—"
    level = regime.level_by_code.get(code)
    return level.display if level is not None else code


def _parts(result: EvaluationResult, lang: str) -> list[Html]:
    lines = []
    for part in result.parts:
        if part.max_points is not None:
            lines.append(
                t_html(
                    "selfassess.summary.part",
                    lang,
                    name=part.name,
                    points=points(part.points),
                    max=points(part.max_points),
                )
            )
        else:
            lines.append(t_html("selfassess.summary.part_open", lang, name=part.name, points=points(part.points)))
    return lines


def _summary(view: AssessmentView, lang: str) -> tuple[Html, Rows]:
    lines = [t_html("selfassess.summary.title", lang, label=view.period.label)]
    if view.state == RETURNED:
        lines.append(t_html("selfassess.returned_hint", lang))
    result = view.self_result
    if view.score_error is not None or result is None or result.total is None:
        reason = error_text(Refusal(view.score_error or "cannot_score"), lang)
        lines.append(t_html("selfassess.summary.cannot_score", lang, reason=reason))
        lines.append(t_html("selfassess.summary.cannot_submit", lang))
        return join_html(lines), []
    lines.append(t_html("selfassess.summary.total", lang, total=points(result.total), max=points(result.max_total)))
    if result.level is not None:
        lines.append(t_html("selfassess.summary.level", lang, level=result.level.display))
    else:
        lines.append(t_html("selfassess.summary.no_level", lang))
    lines += _parts(result, lang)
    if view.causes:
        lines.append(t_html("selfassess.summary.causes", lang, count=len(view.causes)))
    if view.bonus_claims:
        lines.append(t_html("selfassess.summary.bonuses", lang, count=len(view.bonus_claims)))
    if view.is_leader and view.leader_provisional:
        lines.append(t_html("selfassess.summary.provisional", lang))
    lines.append(Html("<i>" + t_html("selfassess.summary.submit_hint", lang) + "</i>"))
    if result.explanation:
        lines.append(Html(""))
        lines.append(t_html("selfassess.summary.explanation", lang))
        lines += [Html(escape(line.text)) for line in result.explanation]
    return join_html(lines), []


def menu_panel(view: AssessmentView, lang: str) -> Panel:
    """Edit: every section of the walk, to jump to one."""
    regime = view.regime
    codes = [c.code for c in regime.criteria]
    rows: Rows = []
    for index, step in enumerate(view.steps[:-1]):
        if step.startswith("crit:"):
            code = step.removeprefix("crit:")
            criterion = regime.criteria_by_code[code]
            label = t(
                "selfassess.menu.criterion",
                lang,
                n=codes.index(code) + 1,
                name=short(criterion.name, 30),
                points=points(ev.criterion_points(regime, _entry(view, code), code)),
                max=points(criterion.max_points),
            )
        elif step == ev.STEP_TASKS:
            label = t("selfassess.menu.tasks", lang)
        elif step == ev.STEP_BONUS:
            label = t("selfassess.menu.bonus", lang)
        else:
            code = step.removeprefix("leader:")
            rules = regime.task_group.tasks if regime.task_group is not None else None
            names = {c.code: c.name for c in rules.leader_criteria} if rules is not None else {}
            label = t("selfassess.menu.leader", lang, name=short(names.get(code, code), 34))
        rows.append([button(label, FEATURE, "go", view.id, view.version, index)])
    rows.append([button(t("selfassess.menu.back", lang), FEATURE, "sh", view.id, view.version)])
    return Panel(t_html("selfassess.menu.title", lang, label=view.period.label), keyboard(rows))


# -- rendering: read-only states ---------------------------------------------------------------------------------


def _at(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%H:%M %d/%m/%Y") if value is not None else "—"


def submitted_panel(view: AssessmentView, lang: str) -> Panel:
    """Right after submission: who reviews it, and that they are being told."""
    result = view.result
    lines = [
        t_html("selfassess.done.submitted", lang, label=view.period.label, reviewer=view.reviewer_name),
        t_html("selfassess.done.told", lang, reviewer=view.reviewer_name),
    ]
    if result is not None and result.total is not None:
        level = result.level.display if result.level is not None else "—"
        lines.append(t_html("selfassess.done.score", lang, total=points(result.total), level=level))
        lines += _parts(result, lang)
    return Panel(join_html(lines))


def readonly_panel(view: AssessmentView, lang: str, tz: ZoneInfo) -> Panel:
    """A record the person can no longer change: its state, who decided, the total and level."""
    lines = [t_html("selfassess.view.title", lang, label=view.period.label)]
    reviewer = view.reviewer_name or "—"
    if view.state == SUBMITTED:
        lines.append(t_html("selfassess.view.submitted", lang, at=_at(view.submitted_at, tz), reviewer=reviewer))
    elif view.state == REOPENED:
        lines.append(t_html("selfassess.view.reopened", lang, reviewer=reviewer))
    elif view.state in (APPROVED, LOCKED):
        if view.decided_by_name:
            if view.decided_for_name:
                lines.append(
                    t_html(
                        "selfassess.view.approved_for",
                        lang,
                        by=view.decided_by_name,
                        leader=view.decided_for_name,
                        at=_at(view.decided_at, tz),
                    )
                )
            else:
                lines.append(
                    t_html("selfassess.view.approved", lang, by=view.decided_by_name, at=_at(view.decided_at, tz))
                )
        if view.decision == "adjusted" and view.decision_reason:
            lines.append(t_html("selfassess.view.adjusted", lang, reason=view.decision_reason))
        if view.state == LOCKED:
            lines.append(
                t_html("selfassess.view.locked", lang, level=_level_name(view.regime, view.final_level or None))
            )
    else:
        lines.append(t_html("selfassess.view.closed", lang, state=t(f"state.{view.state}", lang)))
    result = view.result
    if result is not None and result.total is not None and view.state not in (RETURNED, DRAFT):
        level = result.level.display if result.level is not None else "—"
        lines.append(
            t_html("selfassess.view.total", lang, total=points(result.total), max=points(result.max_total), level=level)
        )
        lines += _parts(result, lang)
    lines.append(Html("<i>" + t_html("selfassess.view.readonly", lang) + "</i>"))
    return Panel(join_html(lines))


# -- reading the person's own record -----------------------------------------------------------------------------


async def _own(services: Services, identity: Identity, assessment_id: int) -> AssessmentView:
    """The person's own assessment (someone else's id is `not_found`, whatever the button said)."""
    view = await run_sync(services.assessments.view, assessment_id)
    if view.person_id != identity.person_id:
        raise Refusal("not_found")
    return view


async def _own_current(services: Services, identity: Identity, assessment_id: int, version: int) -> AssessmentView:
    """The person's own editable assessment at exactly this version (for buttons that only ask or show)."""
    view = await _own(services, identity, assessment_id)
    if view.period.status != "open":
        raise Refusal("period_closed")
    if not view.editable:
        raise Refusal("not_editable", state=view.state)
    if view.version != version:
        raise Refusal("stale")
    return view


def _step_of(view: AssessmentView, index: int | None, prefix: str) -> str | None:
    """The step at an index from callback data, if it is of the expected kind."""
    if index is None or not 0 <= index < len(view.steps):
        return None
    step = view.steps[index]
    return step if step.startswith(prefix) else None


# -- /tudanhgia and its buttons ----------------------------------------------------------------------------------


@guarded
async def selfassess_command(update: Update, context: Context) -> None:
    """/tudanhgia: the self-assessment panel at the saved step (or the record's state once submitted)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    services = services_of(context)
    view = await run_sync(services.self_assessment.open_self, identity.person_id)
    await show(update, panel(view, identity.language, services.config.timezone))


@guarded
async def selfassess_button(update: Update, context: Context) -> None:
    """Every button of the self-assessment panel (and `v1:sa:open` from notices and reminders)."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    services = services_of(context)
    tz = services.config.timezone
    if parts == ["open"]:
        await close_text_step(context, identity)
        view = await run_sync(services.self_assessment.open_self, identity.person_id)
        await ack(update)
        await show(update, panel(view, lang, tz))
        return
    action = parts[0] if parts else ""
    aid = as_int(parts[1]) if len(parts) > 1 else None
    version = as_int(parts[2]) if len(parts) > 2 else None
    args = [as_int(x) for x in parts[3:]]
    raw = parts[3:]
    if aid is None or version is None or action not in ACTIONS:
        await ack(update, t("fallback.stale_button", lang))
        return
    self_assessment = services.self_assessment
    pid = identity.person_id
    if action == "sh":  # back from a question: the current panel, nothing changed
        await close_text_step(context, identity)
        view = await _own(services, identity, aid)
        await ack(update)
        await show(update, panel(view, lang, tz))
        return
    if action == "x":
        await _own(services, identity, aid)
        await close_text_step(context, identity)
        await ack(update)
        await show(update, t_html("selfassess.closed", lang))
        return
    if action == "sub":
        submitted = await run_sync(self_assessment.submit, pid, aid, version)
        await close_text_step(context, identity)
        await ack(update)
        await show(update, submitted_panel(submitted, lang))
        return
    view = await _own_current(services, identity, aid, version)
    index = args[0] if args else None
    if action == "ed":
        await close_text_step(context, identity)
        await ack(update)
        await show(update, menu_panel(view, lang))
        return
    if action == "go":
        step = _step_of(view, index, "")
        if step is None:
            await ack(update, t("fallback.stale_button", lang))
            return
        moved = await run_sync(self_assessment.go_to, pid, aid, version, step)
        await close_text_step(context, identity)
        await ack(update)
        await show(update, panel(moved, lang, tz))
        return
    if action in ("full", "clr", "ded", "pt", "nt"):
        await _criterion_action(update, context, identity, view, action, index, args[1] if len(args) > 1 else None)
        return
    if action in ("pc", "pp"):
        await _leader_action(update, context, identity, view, action, index, args[1] if len(args) > 1 else None)
        return
    if action in ("cz", "cx"):
        await _cause_action(update, context, identity, view, action, raw[0] if raw else "")
        return
    await _bonus_action(update, context, identity, view, action, index)


ACTIONS = ("sh", "x", "sub", "ed", "go", "full", "clr", "ded", "pt", "nt", "pc", "pp", "cz", "cx", "bt", "bp")


def _back(view: AssessmentView, lang: str) -> Keys:
    return keyboard([[button(t("selfassess.back", lang), FEATURE, "sh", view.id, view.version)]])


async def _changed(update: Update, context: Context, identity: Identity, view: AssessmentView) -> None:
    await close_text_step(context, identity)
    await ack(update, t("selfassess.saved", identity.language))
    await show(update, panel(view, identity.language, services_of(context).config.timezone))


async def _code_at(update: Update, view: AssessmentView, index: int | None, prefix: str, lang: str) -> str | None:
    """The code in the step a button names, if it is of the expected kind; None (the press answered) if stale."""
    step = _step_of(view, index, prefix)
    if step is None:
        await ack(update, t("fallback.stale_button", lang))
        return None
    return step.removeprefix(prefix)


async def _criterion_action(
    update: Update,
    context: Context,
    identity: Identity,
    view: AssessmentView,
    action: str,
    index: int | None,
    extra: int | None,
) -> None:
    lang = identity.language
    code = await _code_at(update, view, index, "crit:", lang)
    if code is None:
        return
    criterion = view.regime.criteria_by_code[code]
    self_assessment = services_of(context).self_assessment
    pid = identity.person_id
    if action in ("full", "clr"):
        changed = await run_sync(self_assessment.choose_full, pid, view.id, view.version, code)
        await _changed(update, context, identity, changed)
    elif action == "ded":
        item = deduction_at(criterion, extra)
        if item is None:
            await ack(update, t("fallback.stale_button", lang))
            return
        changed = await run_sync(self_assessment.add_deduction, pid, view.id, view.version, code, item.code)
        await _changed(update, context, identity, changed)
    elif action == "pt":
        await ack(update)
        question = points_question("selfassess.criterion.ask_points", criterion, lang)
        await ask_text(
            update, context, identity, "sa.points", {"aid": view.id, "step": index}, Panel(question, _back(view, lang))
        )
    else:
        await ack(update)
        question = t_html("selfassess.criterion.ask_note", lang, name=criterion.name)
        await ask_text(
            update, context, identity, "sa.note", {"aid": view.id, "step": index}, Panel(question, _back(view, lang))
        )


async def _leader_action(
    update: Update,
    context: Context,
    identity: Identity,
    view: AssessmentView,
    action: str,
    index: int | None,
    value: int | None,
) -> None:
    lang = identity.language
    code = await _code_at(update, view, index, "leader:", lang)
    if code is None:
        return
    if action == "pc":
        if value is None or value not in ev.LEADER_PERCENTS:
            await ack(update, t("fallback.stale_button", lang))
            return
        self_assessment = services_of(context).self_assessment
        changed = await run_sync(
            self_assessment.set_leader_percent, identity.person_id, view.id, view.version, code, str(value)
        )
        await _changed(update, context, identity, changed)
        return
    await ack(update)
    question = t_html("selfassess.leader.ask_percent", lang, name=ev.leader_criterion_name(view.regime, code))
    await ask_text(
        update, context, identity, "sa.percent", {"aid": view.id, "step": index}, Panel(question, _back(view, lang))
    )


async def _cause_action(
    update: Update, context: Context, identity: Identity, view: AssessmentView, action: str, task_id: str
) -> None:
    lang = identity.language
    task = next((x for x in view.tasks if str(x.get("id")) == task_id), None)
    if task is None or not ev.claimable(task) or view.step != ev.STEP_TASKS:
        await ack(update, t("fallback.stale_button", lang))
        return
    if action == "cx":
        self_assessment = services_of(context).self_assessment
        changed = await run_sync(self_assessment.set_cause, identity.person_id, view.id, view.version, task_id, None)
        await close_text_step(context, identity)
        await ack(update, t("selfassess.tasks.cause_dropped", lang))
        await show(update, panel(changed, lang, services_of(context).config.timezone))
        return
    await ack(update)
    question = t_html(
        "selfassess.tasks.ask_reason", lang, title=str(task.get("name", "")), problem=_problem(task, lang)
    )
    await ask_text(
        update, context, identity, "sa.reason", {"aid": view.id, "task": task_id}, Panel(question, _back(view, lang))
    )


async def _bonus_action(
    update: Update, context: Context, identity: Identity, view: AssessmentView, action: str, index: int | None
) -> None:
    lang = identity.language
    group = view.regime.bonus_group
    if group is None or index is None or not 0 <= index < len(group.items) or view.step != ev.STEP_BONUS:
        await ack(update, t("fallback.stale_button", lang))
        return
    item = group.items[index]
    if action == "bt":
        self_assessment = services_of(context).self_assessment
        changed = await run_sync(self_assessment.toggle_bonus, identity.person_id, view.id, view.version, item.code)
        await _changed(update, context, identity, changed)
        return
    await ack(update)
    question = t_html("selfassess.bonus.ask_points", lang, label=item.label, max=points(item.max_points))
    await ask_text(
        update, context, identity, "sa.bonus", {"aid": view.id, "item": index}, Panel(question, _back(view, lang))
    )


# -- typed answers ---------------------------------------------------------------------------------------------


async def _dialog_view(context: Context, identity: Identity, dialog: DialogState) -> AssessmentView:
    aid = as_int(str(dialog.data.get("aid", "")))
    if aid is None:
        raise Refusal("stale")
    return await _own(services_of(context), identity, aid)


async def _back_to_panel(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    """After /huy: the panel the question came from, with everything saved so far."""
    view = await _dialog_view(context, identity, dialog)
    await replace_panel(update, context, dialog, panel(view, identity.language, services_of(context).config.timezone))


async def _command_typed(update: Update, identity: Identity, text: str) -> bool:
    """A command typed where an answer is expected (other commands run by themselves): say so, keep the step."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return False
    command = stripped.split()[0][:40]
    await reply(update, t_html("selfassess.command_in_step", identity.language, command=command))
    return True


async def _save_typed(
    update: Update,
    context: Context,
    identity: Identity,
    dialog: DialogState,
    text: str,
    change: Callable[[SelfAssessmentService, int, int, int, str, str], AssessmentView],
    key_of: Callable[[AssessmentView, DialogState], str],
    value: str | None = None,
) -> None:
    """Save a typed answer (`value`, else the text) with `change`, under the key (criterion, task, bonus item)
    `key_of` finds for the step; a refusal keeps the step waiting. Then the panel, with "saved". A command typed
    instead is said to be no answer, and the step keeps waiting."""
    if await _command_typed(update, identity, text):
        return
    view = await _dialog_view(context, identity, dialog)
    key = key_of(view, dialog)
    services = services_of(context)
    answer = text if value is None else value
    changed = await run_sync(change, services.self_assessment, identity.person_id, view.id, view.version, key, answer)
    note, tz = t_html("selfassess.saved_line", identity.language), services.config.timezone
    await answered(update, context, identity, dialog, panel(changed, identity.language, tz, note))


def _dialog_step(view: AssessmentView, dialog: DialogState, prefix: str) -> str:
    index = dialog.data.get("step")
    step = _step_of(view, index if isinstance(index, int) else None, prefix)
    if step is None:
        raise Refusal("stale")
    return step.removeprefix(prefix)


def _criterion_code(view: AssessmentView, dialog: DialogState) -> str:
    return _dialog_step(view, dialog, "crit:")


def _leader_code(view: AssessmentView, dialog: DialogState) -> str:
    return _dialog_step(view, dialog, "leader:")


def _task_id(_view: AssessmentView, dialog: DialogState) -> str:
    return str(dialog.data.get("task", ""))


def _bonus_code(view: AssessmentView, dialog: DialogState) -> str:
    group = view.regime.bonus_group
    index = dialog.data.get("item")
    if group is None or not isinstance(index, int) or not 0 <= index < len(group.items):
        raise Refusal("stale")
    return group.items[index].code


@text_step("sa.points", _back_to_panel)
async def points_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """Points typed for a criterion (0 to its maximum)."""
    await _save_typed(update, context, identity, dialog, text, SelfAssessmentService.set_points, _criterion_code)


@text_step("sa.note", _back_to_panel)
async def note_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A note on a criterion ("-" removes it)."""
    note = "" if text.strip() == "-" else text
    await _save_typed(update, context, identity, dialog, text, SelfAssessmentService.set_note, _criterion_code, note)


@text_step("sa.percent", _back_to_panel)
async def percent_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A leader criterion's percentage, typed."""
    await _save_typed(update, context, identity, dialog, text, SelfAssessmentService.set_leader_percent, _leader_code)


@text_step("sa.reason", _back_to_panel)
async def reason_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The objective cause of a late, faulty or unfinished task."""
    await _save_typed(update, context, identity, dialog, text, SelfAssessmentService.set_cause, _task_id)


@text_step("sa.bonus", _back_to_panel)
async def bonus_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """Points claimed for a bonus item whose points are a range (0 withdraws the claim)."""
    await _save_typed(update, context, identity, dialog, text, SelfAssessmentService.set_bonus_points, _bonus_code)


# -- the notice that a period is open ----------------------------------------------------------------------------


@notifier.renderer("period_opened")
async def render_period_opened(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell a person privately that their unit's period is open, with a button to the self-assessment."""
    try:
        period = await run_sync(services.periods.info, int(item.payload["period_id"]))
    except (Refusal, KeyError, ValueError) as error:
        raise notifier.Obsolete("no such period") from error
    if period.status != "open":
        raise notifier.Obsolete("the period is no longer open")
    lang = item.language
    text = join_html(
        [
            t_html(
                "selfassess.notice.period_opened",
                lang,
                label=period.label,
                unit=period.unit_name,
                start=day(period.starts_on),
                end=day(period.ends_on),
            ),
            t_html("selfassess.notice.period_opened_hint", lang),
        ]
    )
    markup = keyboard([[button(t("selfassess.notice.open_button", lang), FEATURE, "open")]])
    await notifier.send(bot, item, Panel(text, markup))


HANDLERS = [
    CommandHandler("tudanhgia", selfassess_command),
    CallbackQueryHandler(selfassess_button, pattern=rf"^v1:{FEATURE}:"),
]
