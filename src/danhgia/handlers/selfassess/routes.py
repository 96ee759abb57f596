"""/tudanhgia and the route table of the self-assessment's buttons. The person acts only on their own record
(someone else's id is `not_found`, whatever the button said), in an open period, at the version they were
shown; every answer is saved as it is given."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.chat.format import day, points
from danhgia.chat.panel import Panel, keyboard
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.criteria import deduction_at, points_question
from danhgia.handlers.routes import Routes
from danhgia.handlers.selfassess import callbacks as cb
from danhgia.handlers.selfassess.editor import back_keys, menu_panel, panel, problem
from danhgia.handlers.selfassess.states import submitted_panel
from danhgia.handlers.ui import ack, ask_text, close_text_step, command_person, guarded, show
from danhgia.texts import Html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.common import Identity
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

routes = Routes(cb.FEATURE)


async def own(services: Services, identity: Identity, assessment_id: int) -> AssessmentView:
    """The person's own assessment (someone else's id is `not_found`, whatever the button said)."""
    view = await run_sync(services.assessments.view, assessment_id)
    if view.person_id != identity.person_id:
        raise Refusal("not_found")
    return view


async def _own_current(context: Context, identity: Identity, data: cb.OnDraft) -> AssessmentView:
    """The person's own editable assessment at exactly the version shown (any typed step closed)."""
    await close_text_step(context, identity)
    view = await own(services_of(context), identity, data.assessment_id)
    if view.period.status != "open":
        raise Refusal("period_closed")
    if not view.editable:
        raise Refusal("not_editable", state=view.state)
    if view.version != data.version:
        raise Refusal("stale")
    return view


def step_of(view: AssessmentView, index: int | None, prefix: str) -> str | None:
    """The step at an index, if it is of the expected kind (`prefix`)."""
    if index is None or not 0 <= index < len(view.steps):
        return None
    step = view.steps[index]
    return step if step.startswith(prefix) else None


async def _show_panel(update: Update, context: Context, identity: Identity, view: AssessmentView) -> None:
    """The panel at its step; before the period's self-assessment window opens, with a word of warning."""
    services = services_of(context)
    note = None
    if view.editable:
        opens = await run_sync(services.reminders.early, view.period.key, "window_opens")
        if opens is not None:
            note = t_html("selfassess.before_window", identity.language, date=day(opens))
    await show(update, panel(view, identity.language, services.config.timezone, note))


async def _changed(update: Update, context: Context, identity: Identity, view: AssessmentView) -> None:
    await ack(update, t("selfassess.saved", identity.language))
    await _show_panel(update, context, identity, view)


async def _stale(update: Update, identity: Identity) -> None:
    await ack(update, t("fallback.stale_button", identity.language))


@guarded
async def selfassess_command(update: Update, context: Context) -> None:
    """/tudanhgia: the self-assessment panel at the saved step (or the record's state once submitted)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    view = await run_sync(services_of(context).self_assessment.open_self, identity.person_id)
    await _show_panel(update, context, identity, view)


@routes.on(cb.Open)
async def open_(update: Update, context: Context, identity: Identity, _data: cb.Open) -> None:
    """Open my assessment (from a notice or a reminder)."""
    await close_text_step(context, identity)
    view = await run_sync(services_of(context).self_assessment.open_self, identity.person_id)
    await ack(update)
    await _show_panel(update, context, identity, view)


@routes.on(cb.Show)
async def show_(update: Update, context: Context, identity: Identity, data: cb.Show) -> None:
    """Back from a question: the current panel, nothing changed."""
    await close_text_step(context, identity)
    view = await own(services_of(context), identity, data.assessment_id)
    await ack(update)
    await _show_panel(update, context, identity, view)


@routes.on(cb.Close)
async def close(update: Update, context: Context, identity: Identity, data: cb.Close) -> None:
    """Close the panel: everything is saved."""
    await own(services_of(context), identity, data.assessment_id)
    await close_text_step(context, identity)
    await ack(update)
    await show(update, t_html("selfassess.closed", identity.language))


@routes.on(cb.Submit)
async def submit(update: Update, context: Context, identity: Identity, data: cb.Submit) -> None:
    """Send it to the reviewer."""
    service = services_of(context).self_assessment
    submitted = await run_sync(service.submit, identity.person_id, data.assessment_id, data.version)
    await close_text_step(context, identity)
    await ack(update)
    await show(update, submitted_panel(submitted, identity.language))


@routes.on(cb.Menu)
async def menu(update: Update, context: Context, identity: Identity, data: cb.Menu) -> None:
    """Every section of the walk."""
    view = await _own_current(context, identity, data)
    await ack(update)
    await show(update, menu_panel(view, identity.language))


@routes.on(cb.GoTo)
async def go_to(update: Update, context: Context, identity: Identity, data: cb.GoTo) -> None:
    """Go to a step."""
    view = await _own_current(context, identity, data)
    step = step_of(view, data.step, "")
    if step is None:
        await _stale(update, identity)
        return
    service = services_of(context).self_assessment
    moved = await run_sync(service.go_to, identity.person_id, view.id, view.version, step)
    await ack(update)
    await _show_panel(update, context, identity, moved)


async def _criterion_code(update: Update, identity: Identity, view: AssessmentView, index: int) -> str | None:
    code = step_of(view, index, "crit:")
    if code is None:
        await _stale(update, identity)
    return None if code is None else code.removeprefix("crit:")


@routes.on(cb.Full, cb.Clear)
async def full(update: Update, context: Context, identity: Identity, data: cb.Full | cb.Clear) -> None:
    """Full points for the criterion (dropping typed points and deductions)."""
    view = await _own_current(context, identity, data)
    code = await _criterion_code(update, identity, view, data.step)
    if code is not None:
        service = services_of(context).self_assessment
        changed = await run_sync(service.choose_full, identity.person_id, view.id, view.version, code)
        await _changed(update, context, identity, changed)


@routes.on(cb.Deduct)
async def deduct(update: Update, context: Context, identity: Identity, data: cb.Deduct) -> None:
    """One more occurrence of a listed deduction."""
    view = await _own_current(context, identity, data)
    code = await _criterion_code(update, identity, view, data.step)
    if code is None:
        return
    item = deduction_at(view.regime.criteria_by_code[code], data.deduction)
    if item is None:
        await _stale(update, identity)
        return
    service = services_of(context).self_assessment
    changed = await run_sync(service.add_deduction, identity.person_id, view.id, view.version, code, item.code)
    await _changed(update, context, identity, changed)


async def _ask(
    update: Update, context: Context, identity: Identity, view: AssessmentView, kind: str, step: int, question: Html
) -> None:
    """A typed answer for one step of the walk, with a way back to the panel."""
    await ack(update)
    panel = Panel(question, keyboard(back_keys(view, identity.language)))
    await ask_text(update, context, identity, kind, {"aid": view.id, "step": step}, panel)


@routes.on(cb.TypePoints)
async def type_points(update: Update, context: Context, identity: Identity, data: cb.TypePoints) -> None:
    """Ask for the criterion's points."""
    view = await _own_current(context, identity, data)
    code = await _criterion_code(update, identity, view, data.step)
    if code is None:
        return
    lang = identity.language
    question = points_question("selfassess.criterion.ask_points", view.regime.criteria_by_code[code], lang)
    await _ask(update, context, identity, view, "sa.points", data.step, question)


@routes.on(cb.Note)
async def note(update: Update, context: Context, identity: Identity, data: cb.Note) -> None:
    """Ask for a note on the criterion."""
    view = await _own_current(context, identity, data)
    code = await _criterion_code(update, identity, view, data.step)
    if code is None:
        return
    lang = identity.language
    question = t_html("selfassess.criterion.ask_note", lang, name=view.regime.criteria_by_code[code].name)
    await _ask(update, context, identity, view, "sa.note", data.step, question)


async def _leader_code(update: Update, identity: Identity, view: AssessmentView, index: int) -> str | None:
    code = step_of(view, index, "leader:")
    if code is None:
        await _stale(update, identity)
    return None if code is None else code.removeprefix("leader:")


@routes.on(cb.Percent)
async def percent(update: Update, context: Context, identity: Identity, data: cb.Percent) -> None:
    """A chosen percentage for one of a leader's own criteria."""
    view = await _own_current(context, identity, data)
    code = await _leader_code(update, identity, view, data.step)
    if code is None:
        return
    if data.percent not in ev.LEADER_PERCENTS:
        await _stale(update, identity)
        return
    service = services_of(context).self_assessment
    value = str(data.percent)
    changed = await run_sync(service.set_leader_percent, identity.person_id, view.id, view.version, code, value)
    await _changed(update, context, identity, changed)


@routes.on(cb.TypePercent)
async def type_percent(update: Update, context: Context, identity: Identity, data: cb.TypePercent) -> None:
    """Ask for a leader criterion's percentage."""
    view = await _own_current(context, identity, data)
    code = await _leader_code(update, identity, view, data.step)
    if code is None:
        return
    lang = identity.language
    question = t_html("selfassess.leader.ask_percent", lang, name=ev.leader_criterion_name(view.regime, code))
    await _ask(update, context, identity, view, "sa.percent", data.step, question)


@routes.on(cb.Cause, cb.DropCause)
async def cause(update: Update, context: Context, identity: Identity, data: cb.Cause | cb.DropCause) -> None:
    """Claim (ask for the reason) or withdraw an objective cause for a task of the tasks step."""
    view = await _own_current(context, identity, data)
    task = view.task(data.task_id)
    lang = identity.language
    if task is None or not task.claimable or view.step != ev.STEP_TASKS:
        await _stale(update, identity)
        return
    if isinstance(data, cb.DropCause):
        service = services_of(context).self_assessment
        changed = await run_sync(service.set_cause, identity.person_id, view.id, view.version, task.id, None)
        await ack(update, t("selfassess.tasks.cause_dropped", lang))
        await _show_panel(update, context, identity, changed)
        return
    await ack(update)
    question = t_html("selfassess.tasks.ask_reason", lang, title=task.name, problem=problem(task, lang))
    step = {"aid": view.id, "task": task.id}
    await ask_text(update, context, identity, "sa.reason", step, Panel(question, keyboard(back_keys(view, lang))))


@routes.on(cb.ToggleBonus, cb.BonusPoints)
async def bonus(update: Update, context: Context, identity: Identity, data: cb.ToggleBonus | cb.BonusPoints) -> None:
    """Claim or withdraw a fixed-points bonus item, or ask for the points of a ranged one."""
    view = await _own_current(context, identity, data)
    group = view.regime.bonus_group
    if group is None or not 0 <= data.item < len(group.items) or view.step != ev.STEP_BONUS:
        await _stale(update, identity)
        return
    item = group.items[data.item]
    if isinstance(data, cb.ToggleBonus):
        service = services_of(context).self_assessment
        changed = await run_sync(service.toggle_bonus, identity.person_id, view.id, view.version, item.code)
        await _changed(update, context, identity, changed)
        return
    lang = identity.language
    await ack(update)
    question = t_html("selfassess.bonus.ask_points", lang, label=item.label, max=points(item.max_points))
    step = {"aid": view.id, "item": data.item}
    await ask_text(update, context, identity, "sa.bonus", step, Panel(question, keyboard(back_keys(view, lang))))


HANDLERS = [CommandHandler("tudanhgia", selfassess_command), routes.handler()]
