"""/kydanhgia's command, its buttons as a route table (one handler per callback class) and the typed reason of
reopening. Every use case is re-checked by the workflow (HR only); the handlers only choose the panel to show.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.handlers.context import Context, reply, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.periods import panels
from danhgia.handlers.periods.callbacks import (
    CURRENT,
    FEATURE,
    PREVIOUS,
    AskClose,
    AskCloseTree,
    Close,
    CloseTree,
    CloseWithTie,
    MarkExceptional,
    OpenUnit,
    Overview,
    PickTie,
    Reopen,
    ReopenList,
    ShowUnit,
    read_choices,
)
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import (
    ack,
    actor_of,
    ask_text,
    close_text_step,
    command_person,
    end_text_step,
    guarded,
    replace_panel,
    show,
)
from danhgia.texts import Html, t, t_html
from danhgia.workflow import inputs
from danhgia.workflow.assessments import REASON_MAX, PeriodInfo
from danhgia.workflow.common import ROLE_ADMIN, ROLE_HR, Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.lifecycle import LOCKED
from danhgia.workflow.periods import CloseOutcome, Closing
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

REOPEN_STEP = "period.reopen"
routes = Routes(FEATURE)


# -- which period ------------------------------------------------------------------------------------------------


def _key_of(services: Services, which: str) -> str | None:
    """The period key of "0" (current) or "1" (previous); None if forged."""
    span = services.periods.span()
    return {CURRENT: span.key, PREVIOUS: span.previous().key}.get(which)


def _which_of(services: Services, key: str) -> str | None:
    """ "0" or "1" for the current or the previous period's key, else None."""
    span = services.periods.span()
    return {span.key: CURRENT, span.previous().key: PREVIOUS}.get(key)


async def _period(context: Context, period_id: int) -> tuple[PeriodInfo, str | None]:
    """A period (refused when unknown) and where "back" leads from it."""
    services = services_of(context)
    info = await run_sync(services.periods.info, period_id)
    return info, _which_of(services, info.key)


async def _key_or_stale(update: Update, context: Context, identity: Identity, which: str) -> str | None:
    """The period key a button's `which` stands for, the text step closed; None (a forged button refused) if none."""
    key = _key_of(services_of(context), which)
    if key is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return None
    await close_text_step(context, identity)
    return key


# -- the units -----------------------------------------------------------------------------------------------------


async def _overview(update: Update, context: Context, identity: Identity, which: str) -> None:
    services = services_of(context)
    key = _key_of(services, which)
    other = _key_of(services, PREVIOUS if which == CURRENT else CURRENT)
    assert key is not None and other is not None
    rows = await run_sync(services.periods.overview, actor_of(identity), key)
    await ack(update)
    await show(update, panels.overview_panel(rows, key, which, identity.language, other))


@guarded
async def periods_command(update: Update, context: Context) -> None:
    """/kydanhgia: the units and their period, for HR."""
    identity = await command_person(update, context)
    if identity is None:
        return
    if not identity.has_role(ROLE_HR, ROLE_ADMIN):
        await reply(update, t_html("kydanhgia.not_hr", identity.language))
        return
    first = await run_sync(services_of(context).periods.first_to_show)
    await _overview(update, context, identity, _which_of(services_of(context), first) or CURRENT)


@routes.on(Overview)
async def overview(update: Update, context: Context, identity: Identity, data: Overview) -> None:
    """Every unit and its period (the current or the previous one)."""
    if data.which not in (CURRENT, PREVIOUS):
        await ack(update, t("fallback.stale_button", identity.language))
        return
    await close_text_step(context, identity)
    await _overview(update, context, identity, data.which)


@routes.on(ShowUnit)
async def show_unit(update: Update, context: Context, identity: Identity, data: ShowUnit) -> None:
    """One unit's period."""
    await _unit(update, context, identity, data.unit_id, data.which, opening=False)


@routes.on(OpenUnit)
async def open_unit(update: Update, context: Context, identity: Identity, data: OpenUnit) -> None:
    """Open the period for a unit and its sub-units, then show the unit."""
    await _unit(update, context, identity, data.unit_id, data.which, opening=True)


async def _unit(
    update: Update, context: Context, identity: Identity, unit_id: int, which: str, *, opening: bool
) -> None:
    services = services_of(context)
    lang = identity.language
    key = await _key_or_stale(update, context, identity, which)
    if key is None:
        return
    note: Html | None = None
    toast: str | None = None
    if opening:
        opened = await run_sync(services.periods.open, actor_of(identity), unit_id, key)
        label = panels.label_of(key)
        if opened:
            names = ", ".join(p.unit_name for p in opened)
            note = t_html("kydanhgia.opened", lang, period=label, count=len(opened), names=names)
            toast = t("kydanhgia.opened_toast", lang, count=len(opened))
        else:
            note = t_html("kydanhgia.already_open", lang, period=label)
    rows = await run_sync(services.periods.overview, actor_of(identity), key)
    if not any(row.unit_id == unit_id for row in rows):
        await ack(update, t("fallback.stale_button", lang))
        return
    await ack(update, toast)
    panel = panels.unit_panel(rows, unit_id, key, which, lang, note, can_reopen=identity.has_role(ROLE_HR))
    await show(update, panel)


# -- closing -----------------------------------------------------------------------------------------------------


@routes.on(AskClose)
async def ask_close(update: Update, context: Context, identity: Identity, data: AskClose) -> None:
    """The confirmation step of closing: the preview of what closing now would do."""
    info, back = await _period(context, data.period_id)
    await close_text_step(context, identity)
    await _confirm(update, context, identity, info, back)


@routes.on(MarkExceptional)
async def mark_exceptional(update: Update, context: Context, identity: Identity, data: MarkExceptional) -> None:
    """Mark or unmark the unit as outstanding, then the confirmation step again."""
    info, back = await _period(context, data.period_id)
    if data.value not in ("0", "1"):
        await ack(update, t("fallback.stale_button", identity.language))
        return
    services = services_of(context)
    info = await run_sync(services.periods.set_exceptional, actor_of(identity), info.id, data.value == "1")
    await _confirm(update, context, identity, info, back, toast=t("kydanhgia.saved", identity.language))


async def _confirm(
    update: Update,
    context: Context,
    identity: Identity,
    info: PeriodInfo,
    back: str | None,
    *,
    toast: str | None = None,
    preview: CloseOutcome | None = None,
) -> None:
    """The confirmation step (`preview`: shown again because what it summarised changed; nothing was closed)."""
    services = services_of(context)
    actor = actor_of(identity)
    lang = identity.language
    people = await run_sync(services.periods.people, actor, info.id)
    note: Html | None = None
    if preview is None:
        preview = await run_sync(services.periods.close, actor, info.id, dry_run=True)
        if toast is None and preview.blockers:  # "check again" while records still wait: say so
            toast = t("kydanhgia.waiting_toast", lang, count=len(preview.blockers))
        await ack(update, toast)
    else:
        await ack(update, t("kydanhgia.changed_toast", lang), alert=True)
        note = t_html("kydanhgia.changed", lang)
    early = await run_sync(services.reminders.early, info.key, "closing")
    await show(update, panels.confirm_panel(info, people, preview, back, lang, note, early))


@routes.on(Close)
async def close(update: Update, context: Context, identity: Identity, data: Close) -> None:
    """Close as the confirmation showed (its preview's fingerprint), or show why not, or the first tie."""
    info, back = await _period(context, data.period_id)
    await close_text_step(context, identity)
    step = await run_sync(services_of(context).periods.close_confirmed, actor_of(identity), info.id, data.mark)
    await _step(update, context, identity, info, step, back)


@routes.on(AskCloseTree)
async def ask_close_tree(update: Update, context: Context, identity: Identity, data: AskCloseTree) -> None:
    """The confirmation step of closing a unit's period and every open one below it."""
    await _tree(update, context, identity, data.unit_id, data.which, None)


@routes.on(CloseTree)
async def close_tree(update: Update, context: Context, identity: Identity, data: CloseTree) -> None:
    """Close the branch as its confirmation showed, or show the new preview when anything changed since."""
    await _tree(update, context, identity, data.unit_id, data.which, data.mark)


async def _tree(
    update: Update, context: Context, identity: Identity, unit_id: int, which: str, mark: str | None
) -> None:
    services = services_of(context)
    lang = identity.language
    key = await _key_or_stale(update, context, identity, which)
    if key is None:
        return
    periods = services.periods
    if mark is None:
        preview = await run_sync(periods.preview_tree, actor_of(identity), unit_id, key)
        await ack(update)
        await show(update, panels.tree_confirm_panel(preview, which, lang))
        return
    await ack(update, t("kydanhgia.tree_working", lang))  # a city's month takes a while: answer the tap first
    outcome = await run_sync(periods.close_tree, actor_of(identity), unit_id, key, mark)
    if outcome.changed:
        note = t_html("kydanhgia.tree_changed", lang)
        await show(update, panels.tree_confirm_panel(outcome.preview, which, lang, note))
        return
    await show(update, panels.tree_summary_panel(outcome, which, lang))


@routes.on(PickTie)
async def pick_tie(update: Update, context: Context, identity: Identity, data: PickTie) -> None:
    """A tap on a tied person's name: chosen or unchosen, nothing closed."""
    await _tie(update, context, identity, data.period_id, data.mark, data.choices, confirm=False)


@routes.on(CloseWithTie)
async def close_with_tie(update: Update, context: Context, identity: Identity, data: CloseWithTie) -> None:
    """The confirmation of the pick for the tie on screen: closing goes on with it."""
    await _tie(update, context, identity, data.period_id, data.mark, data.choices, confirm=True)


async def _tie(
    update: Update, context: Context, identity: Identity, period_id: int, mark: str, text: str, *, confirm: bool
) -> None:
    info, back = await _period(context, period_id)
    choices = read_choices(text)
    if choices is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    periods = services_of(context).periods
    step = await run_sync(periods.choose_tie, actor_of(identity), info.id, choices, mark, confirm=confirm)
    if confirm or step.outcome.changed or step.refused:
        await _step(update, context, identity, info, step, back)
        return
    await ack(update)
    await show(update, panels.tie_panel(info, step, back, identity.language))


async def _step(
    update: Update, context: Context, identity: Identity, info: PeriodInfo, step: Closing, back: str | None
) -> None:
    """Show where closing stands: changed (the confirmation again), a refused pick, closed, blocked, or a tie."""
    lang = identity.language
    outcome = step.outcome
    if outcome.changed:
        await _confirm(update, context, identity, info, back, preview=outcome)
    elif step.refused == "outdated":
        await ack(update, t("fallback.stale_button", lang))
    elif step.refused is not None and step.tie is not None:
        await ack(update, t(f"kydanhgia.{step.refused}", lang, slots=step.tie.slots), alert=True)
    elif outcome.closed:
        await ack(update, t("kydanhgia.closed_toast", lang))
        await show(update, panels.summary_panel(outcome, back, lang))
    elif outcome.blockers:
        await ack(update, t("kydanhgia.blocked_toast", lang), alert=False)
        await show(update, panels.blockers_panel(info, outcome, back, lang))
    elif step.tie is not None:
        await ack(update, t("kydanhgia.tie_toast", lang))
        await show(update, panels.tie_panel(info, step, back, lang))
    else:  # pragma: no cover - closing either closes or says why not
        raise Refusal("stale")


# -- reopening a locked record -------------------------------------------------------------------------------------


@routes.on(ReopenList)
async def reopen_list(update: Update, context: Context, identity: Identity, data: ReopenList) -> None:
    """The locked records of a closed period, a page at a time."""
    info, back = await _period(context, data.period_id)
    await close_text_step(context, identity)
    people = await run_sync(services_of(context).periods.people, actor_of(identity), info.id)
    await ack(update)
    await show(update, panels.reopen_panel(info, people, data.page, back, identity.language))


@routes.on(Reopen)
async def reopen(update: Update, context: Context, identity: Identity, data: Reopen) -> None:
    """Ask for the reason of reopening a locked record (a record no longer locked: the list again)."""
    info, back = await _period(context, data.period_id)
    lang = identity.language
    people = await run_sync(services_of(context).periods.people, actor_of(identity), info.id)
    person = next((p for p in people if p.assessment_id == data.assessment_id), None)
    if person is None or person.state != LOCKED:
        await ack(update, t("kydanhgia.not_locked", lang), alert=True)
        await show(update, panels.reopen_panel(info, people, 0, back, lang))
        return
    await ack(update)
    step = {"period": info.id, "assessment": data.assessment_id}
    await ask_text(update, context, identity, REOPEN_STEP, step, panels.reason_question(info, person, lang))


async def _cancel_to_reopen(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    info, back = await _period(context, int(dialog.data["period"]))
    people = await run_sync(services_of(context).periods.people, actor_of(identity), info.id)
    await replace_panel(update, context, dialog, panels.reopen_panel(info, people, 0, back, identity.language))


@text_step(REOPEN_STEP, _cancel_to_reopen)
async def reopen_reason_typed(
    update: Update, context: Context, identity: Identity, dialog: DialogState, text: str
) -> None:
    """The reason for reopening a locked record; then the record goes back to its reviewer."""
    services = services_of(context)
    view = await run_sync(services.review.reopen, actor_of(identity), int(dialog.data["assessment"]), text)
    await end_text_step(context, identity)
    info, back = await _period(context, int(dialog.data["period"]))
    reason = inputs.text(text, REASON_MAX, code="reason")  # as the workflow recorded it
    await replace_panel(update, context, dialog, panels.reopened_panel(info, view, reason, back, identity.language))


HANDLERS = [
    CommandHandler("kydanhgia", periods_command),
    routes.handler(),
]
