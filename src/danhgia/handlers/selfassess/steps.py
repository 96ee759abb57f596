"""The self-assessment's typed steps: a criterion's points, a note, a leader criterion's percentage, the
objective cause of a task, the points of a ranged bonus item. A refused answer keeps the step waiting; a
command typed instead is said to be no answer; /huy goes back to the panel, losing nothing saved."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update

from danhgia.chat.callbacks import as_int
from danhgia.handlers.context import Context, reply, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.selfassess.editor import panel
from danhgia.handlers.selfassess.routes import own, step_of
from danhgia.handlers.ui import answered, replace_panel
from danhgia.texts import t_html
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.selfassessment import SelfAssessmentService


async def _dialog_view(context: Context, identity: Identity, dialog: DialogState) -> AssessmentView:
    aid = as_int(str(dialog.data.get("aid", "")))
    if aid is None:
        raise Refusal("stale")
    return await own(services_of(context), identity, aid)


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
    `key_of` finds for the step; a refusal keeps the step waiting. Then the panel, with "saved"."""
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
    step = step_of(view, index if isinstance(index, int) else None, prefix)
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
