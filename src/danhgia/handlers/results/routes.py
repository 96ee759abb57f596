"""/ketqua's command and its buttons as a route table (one handler per callback class). In a group chat no score
is shown, only a button to the private chat; every button is answered from the presser's own records."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.results import panels
from danhgia.handlers.results.callbacks import FEATURE, Details, Entry, Latest, Quarter, Year
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import ack, close_text_step, command_person, guarded, show
from danhgia.texts import t
from danhgia.workflow.common import Identity
from danhgia.workflow.results import ResultEntry

FIRST_YEAR, LAST_YEAR = 2000, 2100  # a year outside these is forged or outdated
routes = Routes(FEATURE)


async def contestable(context: Context, person_id: int, entry: ResultEntry) -> tuple[bool, bool]:
    """Whether the person may contest this (final) result now, and whether they could but for the want of a
    council (then they are told to ask HR)."""
    if entry.state != "locked":
        return False, False
    council = services_of(context).council
    deadline, refused = await run_sync(council.contest_status, person_id, entry.assessment_id)
    return deadline is not None, refused == "no_council"


async def _latest(update: Update, context: Context, identity: Identity) -> None:
    history = await run_sync(services_of(context).results.history, identity.person_id)
    await ack(update)
    if not history:
        await show(update, panels.empty_panel(identity.language))
        return
    contest, no_council = await contestable(context, identity.person_id, history[0])
    await show(update, panels.entry_panel(history[0], history, identity.language, contest, no_council))


@guarded
async def results_command(update: Update, context: Context) -> None:
    """/ketqua: the person's latest result, privately (in a group: a button to the private chat)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    await _latest(update, context, identity)


@routes.on(Latest)
async def latest(update: Update, context: Context, identity: Identity, data: Latest) -> None:
    """Back to the latest result."""
    await close_text_step(context, identity)
    await _latest(update, context, identity)


async def _entry(update: Update, context: Context, identity: Identity, assessment_id: int, *, new: bool) -> None:
    services = services_of(context)
    entry = await run_sync(services.results.entry, identity.person_id, assessment_id)  # only one's own
    history = await run_sync(services.results.history, identity.person_id)
    await close_text_step(context, identity)
    await ack(update)
    contest, no_council = await contestable(context, identity.person_id, entry)
    await show(update, panels.entry_panel(entry, history, identity.language, contest, no_council), new=new)


@routes.on(Entry)
async def entry(update: Update, context: Context, identity: Identity, data: Entry) -> None:
    """Another period's result, in place."""
    await _entry(update, context, identity, data.assessment_id, new=False)


@routes.on(Details)
async def details(update: Update, context: Context, identity: Identity, data: Details) -> None:
    """A period's result in a new message (from a notice)."""
    await _entry(update, context, identity, data.assessment_id, new=True)


@routes.on(Quarter)
async def quarter(update: Update, context: Context, identity: Identity, data: Quarter) -> None:
    """A quarter's summary."""
    if not FIRST_YEAR <= data.year <= LAST_YEAR or data.quarter not in (1, 2, 3, 4):
        await ack(update, t("fallback.stale_button", identity.language))
        return
    services = services_of(context)
    today = services.clock.now().astimezone(services.config.timezone).date()
    rollup, _ = await run_sync(services.results.year, identity.person_id, data.year)
    history = await run_sync(services.results.history, identity.person_id)
    await close_text_step(context, identity)
    await ack(update)
    await show(update, panels.quarter_panel(rollup, history, data.year, data.quarter, today, identity.language))


@routes.on(Year)
async def year(update: Update, context: Context, identity: Identity, data: Year) -> None:
    """A year's summary."""
    if not FIRST_YEAR <= data.year <= LAST_YEAR:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    services = services_of(context)
    today = services.clock.now().astimezone(services.config.timezone).date()
    rollup, _ = await run_sync(services.results.year, identity.person_id, data.year)
    history = await run_sync(services.results.history, identity.person_id)
    await close_text_step(context, identity)
    await ack(update)
    await show(update, panels.year_panel(rollup, history, data.year, today, identity.language))


HANDLERS = [
    CommandHandler("ketqua", results_command),
    routes.handler(),
]
