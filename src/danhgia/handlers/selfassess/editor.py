"""The self-assessment editor, one panel edited in place: each general criterion, the month's task results
(with objective-cause claims), a leader's own criteria, bonus claims where the regime has them, and the summary
with Submit / Edit / Close; the menu of every section. Pure panels of the person's `AssessmentView`."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from danhgia.chat.explain import lines_html
from danhgia.chat.format import day, period_level, points, short
from danhgia.chat.panel import Choice, Panel, chunks, keyboard
from danhgia.chat.refusals import refusal_text
from danhgia.handlers.criteria import CatalogKeys, choice_rows, criterion_lines, nav_rows
from danhgia.handlers.selfassess import callbacks as cb
from danhgia.handlers.selfassess.states import parts_lines, readonly_panel
from danhgia.handlers.tasks.callbacks import TODAY, Week
from danhgia.scoring import EvaluationResult, format_percent
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow import lifecycle
from danhgia.workflow.answers import TaskLine
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.calendar import fmt_short
from danhgia.workflow.refusal import Refusal

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
    top: list[Html] = []
    if view.state == lifecycle.RETURNED:
        by, reason = view.decided_by_name or "—", view.decision_reason or "—"
        top.append(t_html("selfassess.returned", lang, by=by, reason=reason))
    if note:
        top.append(note)
    if step != ev.STEP_SUMMARY:
        header = t_html("selfassess.header", lang, label=view.period.label, n=index + 1, count=len(steps))
        body = Html(header + "\n" + body)
    rows += _nav(view, index, lang)
    return Panel(Html("\n\n".join([*top, body])), keyboard(rows))


def back_keys(view: AssessmentView, lang: str) -> Rows:
    """Back from a question to the panel."""
    return [[cb.Show(view.id, view.version).choice(t("selfassess.back", lang))]]


def scorable(view: AssessmentView) -> bool:
    """Whether the self-assessment has a score (so that it can be submitted)."""
    result = view.self_result
    return view.score_error is None and result is not None and result.total is not None


def _fix(view: AssessmentView, lang: str) -> Choice:
    """The button to what keeps the self-assessment from being scored: the week's tasks, a leader's own
    criterion, or the list of sections."""
    at = (view.id, view.version)
    if view.score_error == "no_tasks":
        return Week(TODAY).choice(t("selfassess.summary.fix_tasks", lang))
    leader = next((i for i, step in enumerate(view.steps) if step.startswith("leader:")), None)
    if view.score_error == "leader_input_missing" and leader is not None:
        return cb.GoTo(*at, leader).choice(t("selfassess.summary.fix_leader", lang))
    return cb.Menu(*at).choice(t("selfassess.summary.edit", lang))


def _nav(view: AssessmentView, index: int, lang: str) -> Rows:
    last = len(view.steps) - 1
    at = (view.id, view.version)
    if index == last:
        # No "submit" that could only be refused: without a score, a button to what is missing instead.
        first = cb.Submit(*at).choice(t("selfassess.summary.submit", lang)) if scorable(view) else _fix(view, lang)
        return [
            [first],
            [
                cb.GoTo(*at, index - 1).choice(t("selfassess.back", lang)),
                cb.Menu(*at).choice(t("selfassess.summary.edit", lang)),
            ],
            [cb.Close(*at).choice(t("selfassess.summary.close", lang))],
        ]

    def go(step: int) -> cb.GoTo:
        return cb.GoTo(*at, step)

    return nav_rows(index, last, lang, KEYS.back, KEYS.next, KEYS.to_summary, go)


def _criterion(view: AssessmentView, index: int, code: str, lang: str) -> tuple[Html, Rows]:
    regime = view.regime
    criterion = regime.criteria_by_code[code]
    answer = view.own.criterion(code)
    codes = [c.code for c in regime.criteria]
    lines = [
        t_html("selfassess.criterion.title", lang, n=codes.index(code) + 1, count=len(codes), name=criterion.name),
        *criterion_lines(criterion, answer, KEYS, lang),
    ]
    at = (view.id, view.version, index)

    def deduct(number: int) -> cb.Deduct:
        return cb.Deduct(*at, number)

    rows = choice_rows(criterion, answer, KEYS, lang, cb.Full(*at), cb.TypePoints(*at), deduct)
    last: list[Choice] = []
    if answer.typed or answer.deductions:
        last.append(cb.Clear(*at).choice(t("selfassess.criterion.clear", lang)))
    last.append(cb.Note(*at).choice(t("selfassess.note_button", lang)))
    rows.append(last)
    return join_html(lines), rows


def problem(task: TaskLine, lang: str) -> str:
    """What makes a task's objective cause worth claiming: late, a quality problem, or unfinished."""
    if task.delays:
        return t("selfassess.tasks.problem_late", lang)
    if task.major_errors:
        return t("selfassess.tasks.problem_quality", lang)
    return t("selfassess.tasks.problem_unfinished", lang)


def _part(result: EvaluationResult | None, code: str) -> tuple[Decimal, Decimal | None] | None:
    if result is None:
        return None
    for part in result.parts:
        if part.code == code:
            return part.points, part.max_points
    return None


def _task_rows(view: AssessmentView, number: int, task: TaskLine, lang: str) -> Rows:
    at = (view.id, view.version, task.id)
    if task.id in view.causes:
        return [
            [
                cb.Cause(*at).choice(t("selfassess.tasks.edit_claim_button", lang, n=number)),
                cb.DropCause(*at).choice(t("selfassess.tasks.drop_claim_button", lang, n=number)),
            ]
        ]
    label = t("selfassess.tasks.claim_button", lang, n=number, title=short(task.name, 30))
    return [[cb.Cause(*at).choice(label)]]


def _tasks(view: AssessmentView, lang: str) -> tuple[Html, Rows]:
    period = view.period
    lines = [t_html("selfassess.tasks.title", lang, start=fmt_short(period.starts_on), end=day(period.ends_on))]
    rows: Rows = []
    if not view.tasks:
        lines.append(refusal_text(Refusal("no_tasks"), lang))
        return join_html(lines), rows
    group = view.regime.task_group
    part = _part(view.self_result, group.code) if group is not None else None
    if part is not None:
        maximum = points(part[1]) if part[1] is not None else "—"
        lines.append(t_html("selfassess.tasks.part_points", lang, points=points(part[0]), max=maximum))
    if any(task.claimable for task in view.tasks):
        lines.append(t_html("selfassess.tasks.cause_hint", lang))
    for number, task in enumerate(view.tasks, 1):
        line = t_html(
            "selfassess.tasks.line",
            lang,
            n=number,
            icon=TASK_ICONS.get(task.status, "•"),
            title=task.name,
            status=t(f"tasks.status.{task.status}", lang),
            weight=points(task.weight),
        )
        marks = []
        if task.delays and task.status != "done_late":  # "done late" already says it
            marks.append(t_html("selfassess.tasks.late_mark", lang))
        if task.major_errors:
            marks.append(t_html("selfassess.tasks.quality_mark", lang))
        lines.append(Html(" · ".join([line, *marks])))
        if task.id in view.causes:
            lines.append(t_html("selfassess.tasks.cause_line", lang, reason=view.causes[task.id]))
        if task.claimable and len(rows) < MAX_CLAIM_BUTTONS:
            rows += _task_rows(view, number, task, lang)
    lines.append(Html("<i>" + t_html("selfassess.tasks.source_hint", lang) + "</i>"))
    return join_html(lines), rows


def _leader(view: AssessmentView, index: int, code: str, lang: str) -> tuple[Html, Rows]:
    regime = view.regime
    rules = regime.task_group.tasks if regime.task_group is not None else None
    criteria = rules.leader_criteria if rules is not None else ()
    inputs = ev.input_leader_criteria(regime)
    criterion = next(c for c in criteria if c.code == code)
    given = view.own.leader.get(code)
    lines = [t_html("selfassess.leader.title", lang, n=inputs.index(code) + 1, count=len(inputs), name=criterion.name)]
    if given is not None:
        lines.append(t_html("selfassess.leader.chosen", lang, percent=format_percent(given)))
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
    at = (view.id, view.version, index)
    choices = [
        cb.Percent(*at, value).choice(f"{value} %" + (" ✓" if given is not None and given == value else ""))
        for value in ev.LEADER_PERCENTS
    ]
    rows = chunks(choices, 3)
    rows.append([cb.TypePercent(*at).choice(t("selfassess.leader.type_percent", lang))])
    return join_html(lines), rows


def _bonus(view: AssessmentView, lang: str) -> tuple[Html, Rows]:
    group = view.regime.bonus_group
    assert group is not None
    claims = {claim.code: claim for claim in view.bonus_claims}
    lines = [t_html("selfassess.bonus.title", lang, name=group.name), t_html("selfassess.bonus.hint", lang)]
    rows: Rows = []
    for number, item in enumerate(group.items):
        claim = claims.get(item.code)
        maximum = points(item.max_points)
        if claim is not None:
            value = claim.points if claim.points is not None else (item.points or Decimal(0)) * claim.count
            lines.append(t_html("selfassess.bonus.claimed", lang, label=item.label, points=points(value), max=maximum))
        else:
            lines.append(t_html("selfassess.bonus.not_claimed", lang, label=item.label, max=maximum))
        label = short(item.label, 36)
        at = (view.id, view.version, number)
        if item.points is not None:
            key = "selfassess.bonus.toggle_on" if claim is not None else "selfassess.bonus.toggle_off"
            rows.append([cb.ToggleBonus(*at).choice(t(key, lang, label=label))])
        else:
            row = [cb.BonusPoints(*at).choice(t("selfassess.bonus.type_points", lang, label=label))]
            if claim is not None:
                row.append(cb.ToggleBonus(*at).choice(t("selfassess.bonus.drop", lang, label=short(item.label, 20))))
            rows.append(row)
    return join_html(lines), rows


def _summary(view: AssessmentView, lang: str) -> tuple[Html, Rows]:
    lines = [t_html("selfassess.summary.title", lang, label=view.period.label)]
    if view.state == lifecycle.RETURNED:
        lines.append(t_html("selfassess.returned_hint", lang))
    result = view.self_result
    if view.score_error is not None or result is None or result.total is None:
        reason = refusal_text(Refusal(view.score_error or "cannot_score"), lang)
        lines.append(t_html("selfassess.summary.cannot_score", lang, reason=reason))
        lines.append(t_html("selfassess.summary.cannot_submit", lang))
        return join_html(lines), []
    lines.append(t_html("selfassess.summary.total", lang, total=points(result.total), max=points(result.max_total)))
    if result.level is not None:
        lines.append(t_html("selfassess.summary.level", lang, level=period_level(view.regime, result.level, lang)))
    else:
        lines.append(t_html("selfassess.summary.no_level", lang))
    lines += parts_lines(result, lang)
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
        lines += lines_html(result.explanation, lang)
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
                points=points(view.own.score(regime, code)),
                max=points(criterion.max_points),
            )
        elif step == ev.STEP_TASKS:
            label = t("selfassess.menu.tasks", lang)
        elif step == ev.STEP_BONUS:
            label = t("selfassess.menu.bonus", lang)
        else:
            code = step.removeprefix("leader:")
            label = t("selfassess.menu.leader", lang, name=short(ev.leader_criterion_name(regime, code), 34))
        rows.append([cb.GoTo(view.id, view.version, index).choice(label)])
    rows.append([cb.Show(view.id, view.version).choice(t("selfassess.menu.back", lang))])
    return Panel(t_html("selfassess.menu.title", lang, label=view.period.label), keyboard(rows))
