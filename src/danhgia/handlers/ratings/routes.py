"""/danhgiacheo, the buttons of the list and of a rating's panel (a route per action of `callbacks.py`), and
the typed points of a criterion. Every change carries the rating's version and is checked by the workflow
(RatingService), which also refuses someone else's rating (`not_found`)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.chat.panel import Panel
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.criteria import deduction_at
from danhgia.handlers.dialog import text_step
from danhgia.handlers.ratings.callbacks import (
    FEATURE,
    Deduct,
    Full,
    GoTo,
    OpenRating,
    RatingList,
    ShowRating,
    Submit,
    TypePoints,
)
from danhgia.handlers.ratings.panels import list_panel, nothing_text, panel, points_panel, submitted_panel
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import (
    ack,
    answered,
    ask_text,
    close_text_step,
    command_person,
    guarded,
    replace_panel,
    show,
)
from danhgia.texts import t, t_html
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.ratings import RatingTask
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

POINTS_STEP = "dc.points"
routes = Routes(FEATURE)


async def _list(services: Services, identity: Identity) -> Panel:
    tasks = await run_sync(services.ratings.todo, identity.person_id)
    if tasks:
        return list_panel(tasks, identity.language)
    state = await run_sync(services.ratings.round_state, identity.person_id)
    return Panel(nothing_text(state, identity.language))


async def _shown(update: Update, context: Context, identity: Identity, task: RatingTask, note: str | None) -> None:
    """A press is answered: any typed step closed, the rating's panel in place of the pressed one."""
    await close_text_step(context, identity)
    await ack(update, note)
    await show(update, panel(task, identity.language))


@guarded
async def ratings_command(update: Update, context: Context) -> None:
    """/danhgiacheo: the colleagues to rate in the open 360° periods (or why there are none)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    await show(update, await _list(services_of(context), identity))


@routes.on(RatingList)
async def rating_list(update: Update, context: Context, identity: Identity, data: RatingList) -> None:
    """The list (also from the notices)."""
    await close_text_step(context, identity)
    listed = await _list(services_of(context), identity)
    await ack(update)
    await show(update, listed)


@routes.on(OpenRating)
async def open_rating(update: Update, context: Context, identity: Identity, data: OpenRating) -> None:
    """One rating at its saved step."""
    task = await run_sync(services_of(context).ratings.get, identity.person_id, data.rating_id)
    await _shown(update, context, identity, task, None)


@routes.on(ShowRating)
async def show_rating(update: Update, context: Context, identity: Identity, data: ShowRating) -> None:
    """Back from the points question: the rating as it is."""
    task = await run_sync(services_of(context).ratings.get, identity.person_id, data.rating_id)
    await _shown(update, context, identity, task, None)


@routes.on(Submit)
async def submit(update: Update, context: Context, identity: Identity, data: Submit) -> None:
    """Send the rating (locked); how many are left."""
    ratings = services_of(context).ratings
    sent = await run_sync(ratings.submit, identity.person_id, data.rating_id, data.version)
    todo = await run_sync(ratings.todo, identity.person_id)
    await close_text_step(context, identity)
    await ack(update)
    await show(update, submitted_panel(sent, todo, identity.language))


@routes.on(GoTo)
async def go_to(update: Update, context: Context, identity: Identity, data: GoTo) -> None:
    """Another step of the walk (a step that does not exist is outdated)."""
    ratings = services_of(context).ratings
    task = await run_sync(ratings.get, identity.person_id, data.rating_id)  # someone else's id: not_found
    if not task.has_step(data.step):
        await ack(update, t("fallback.stale_button", identity.language))
        return
    moved = await run_sync(ratings.go_to, identity.person_id, data.rating_id, data.version, data.step)
    await _shown(update, context, identity, moved, None)


@routes.on(Full)
async def full(update: Update, context: Context, identity: Identity, data: Full) -> None:
    """Full points for the criterion."""
    ratings = services_of(context).ratings
    task = await run_sync(ratings.get, identity.person_id, data.rating_id)
    criterion = task.criterion_at(data.step)
    if criterion is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    changed = await run_sync(ratings.full, identity.person_id, data.rating_id, data.version, criterion.code)
    await _shown(update, context, identity, changed, t("ratings.walk.saved", identity.language))


@routes.on(Deduct)
async def deduct(update: Update, context: Context, identity: Identity, data: Deduct) -> None:
    """One more occurrence of a listed deduction."""
    ratings = services_of(context).ratings
    task = await run_sync(ratings.get, identity.person_id, data.rating_id)
    criterion = task.criterion_at(data.step)
    item = deduction_at(criterion, data.deduction) if criterion is not None else None
    if criterion is None or item is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    pid, rid = identity.person_id, data.rating_id
    changed = await run_sync(ratings.deduct, pid, rid, data.version, criterion.code, item.code)
    await _shown(update, context, identity, changed, t("ratings.walk.saved", identity.language))


@routes.on(TypePoints)
async def type_points(update: Update, context: Context, identity: Identity, data: TypePoints) -> None:
    """Ask for typed points (refused at once when the rating can no longer change)."""
    task = await run_sync(services_of(context).ratings.get, identity.person_id, data.rating_id)
    criterion = task.criterion_at(data.step)
    if criterion is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    task.check_editable(data.version)
    await ack(update)
    question = points_panel(task, criterion, identity.language)
    step = {"rid": data.rating_id, "step": data.step}
    await ask_text(update, context, identity, POINTS_STEP, step, question)


# -- typed points ----------------------------------------------------------------------------------------------


async def _dialog_task(context: Context, identity: Identity, dialog: DialogState) -> RatingTask:
    rid = dialog.data.get("rid")
    if not isinstance(rid, int):
        raise Refusal("stale")
    return await run_sync(services_of(context).ratings.get, identity.person_id, rid)


async def _back_to_panel(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    """After /huy: the rating's panel as it was, nothing changed."""
    task = await _dialog_task(context, identity, dialog)
    await replace_panel(update, context, dialog, panel(task, identity.language))


@text_step(POINTS_STEP, _back_to_panel)
async def points_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """Points typed for a criterion (0 to its maximum); a refusal keeps the step waiting."""
    task = await _dialog_task(context, identity, dialog)
    index = dialog.data.get("step")
    criterion = task.criterion_at(index) if isinstance(index, int) else None
    if criterion is None:
        raise Refusal("stale")
    ratings = services_of(context).ratings
    changed = await run_sync(ratings.points, identity.person_id, task.id, task.version, criterion.code, text)
    note = t_html("ratings.walk.saved_line", identity.language)
    await answered(update, context, identity, dialog, panel(changed, identity.language, note))


HANDLERS = [
    CommandHandler("danhgiacheo", ratings_command),
    routes.handler(),
]
