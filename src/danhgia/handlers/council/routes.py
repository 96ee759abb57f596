"""/hoidong, the council's buttons (a route per action of `callbacks.py`) and its typed steps: the reason for
keeping or changing a result, for stepping aside, and for contesting one's own final result.

Every press is re-authorised by the workflow (`CouncilService.case`, `vote`, `propose`, `contest_check`) with
the presser's person id. Typed reasons are dialog steps in the database, so a restart in the middle of a vote
loses nothing. A press on a case decided meanwhile shows the card as it stands, and is refused politely.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler

from danhgia.chat.panel import Choice, Panel
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.council.callbacks import (
    FEATURE,
    CaseList,
    ChangeTo,
    ChooseLevel,
    Commendations,
    Contest,
    Keep,
    KeepNoReason,
    OpenCase,
    Propose,
    StepAside,
)
from danhgia.handlers.council.panels import (
    aside_question,
    card_panel,
    change_question,
    commend_panel,
    contest_question,
    contest_sent,
    keep_question,
    levels_panel,
    list_panel,
)
from danhgia.handlers.dialog import text_step
from danhgia.handlers.present import markup
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import (
    ack,
    ask_text,
    close_text_step,
    command_person,
    final_answer,
    guarded,
    refusal_ends_step,
    replace_panel,
    show,
)
from danhgia.texts import Html, t, t_html
from danhgia.workflow.common import Identity
from danhgia.workflow.council import CHANGE, CONFIRM, CaseView
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.refusal import Refusal

log = logging.getLogger(__name__)
RECENT = 5  # decided cases shown on /hoidong
routes = Routes(FEATURE)


# -- showing panels ----------------------------------------------------------------------------------------------


async def _show_list(update: Update, context: Context, identity: Identity) -> None:
    services = services_of(context)
    waiting = await run_sync(services.council.cases, identity.person_id)
    decided = await run_sync(services.council.recent_decisions, identity.person_id, RECENT)
    await ack(update)
    quorum = services.config.council.quorum
    await show(update, list_panel(waiting, decided, identity.language, identity.person_id, quorum))


async def _show_commend(update: Update, context: Context, identity: Identity, note: str | None = None) -> None:
    services = services_of(context)
    candidates = await run_sync(services.commendations.candidates, identity.person_id)
    await ack(update, note)
    await show(update, commend_panel(candidates, identity.language, identity.person_id, services.config.council.quorum))


def _card(context: Context, identity: Identity, view: CaseView, note: Html | None = None) -> Panel:
    """The case's card as this member sees it."""
    tz = services_of(context).config.timezone
    return card_panel(view, identity.language, tz, identity.person_id, note)


async def _votable(update: Update, context: Context, identity: Identity, case_id: int) -> CaseView | None:
    """The case of a vote button, re-authorised; when the member may no longer vote on it (decided meanwhile),
    say so, show the card as it stands, and return None."""
    await close_text_step(context, identity)
    view = await run_sync(services_of(context).council.case, identity.person_id, case_id)
    if view.may_vote(identity.person_id):
        return view
    lang = identity.language
    await ack(update, t("error.plain_prefix", lang) + t("error.case_decided", lang), alert=True)
    await show(update, _card(context, identity, view))
    return None


# -- /hoidong and the buttons ------------------------------------------------------------------------------------


@guarded
async def council_command(update: Update, context: Context) -> None:
    """/hoidong: the council's cases and the commendation proposals (council members only)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    await _show_list(update, context, identity)


@routes.on(CaseList)
async def case_list(update: Update, context: Context, identity: Identity, data: CaseList) -> None:
    """Back to /hoidong's list."""
    await close_text_step(context, identity)
    await _show_list(update, context, identity)


@routes.on(Commendations)
async def commendations(update: Update, context: Context, identity: Identity, data: Commendations) -> None:
    """The commendation proposals."""
    await close_text_step(context, identity)
    await _show_commend(update, context, identity)


@routes.on(OpenCase)
async def open_case(update: Update, context: Context, identity: Identity, data: OpenCase) -> None:
    """A case's card (a member, and not their own case)."""
    await close_text_step(context, identity)
    view = await run_sync(services_of(context).council.case, identity.person_id, data.case_id)
    await ack(update)
    await show(update, _card(context, identity, view))


@routes.on(Keep)
async def keep(update: Update, context: Context, identity: Identity, data: Keep) -> None:
    """Keep the result: the optional reason is typed next."""
    view = await _votable(update, context, identity, data.case_id)
    if view is None:
        return
    await ack(update)
    question = keep_question(view, identity.language)
    await ask_text(update, context, identity, "council.keep", {"case": view.id}, question)


@routes.on(KeepNoReason)
async def keep_no_reason(update: Update, context: Context, identity: Identity, data: KeepNoReason) -> None:
    """Keep the result, without a reason: the vote at once, the card edited in place."""
    view = await _votable(update, context, identity, data.case_id)
    if view is None:
        return
    voted = await run_sync(services_of(context).council.vote, identity.person_id, view.id, CONFIRM, None, "")
    lang = identity.language
    await ack(update, t("council.decided_ack" if not voted.is_open else "council.voted_ack", lang))
    await show(update, _card(context, identity, voted, t_html("council.voted_line", lang)))


@routes.on(ChooseLevel)
async def choose_level(update: Update, context: Context, identity: Identity, data: ChooseLevel) -> None:
    """Change the level: the levels to choose from."""
    view = await _votable(update, context, identity, data.case_id)
    if view is None:
        return
    await ack(update)
    await show(update, levels_panel(view, identity.language))


@routes.on(ChangeTo)
async def change_to(update: Update, context: Context, identity: Identity, data: ChangeTo) -> None:
    """A level was chosen; the reason is typed next (a position out of the regime's levels is outdated)."""
    view = await _votable(update, context, identity, data.case_id)
    if view is None:
        return
    level = view.level_at(data.index)
    if level is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    await ack(update)
    question = change_question(view, level, identity.language)
    await ask_text(update, context, identity, "council.change", {"case": view.id, "level": level.code}, question)


@routes.on(StepAside)
async def step_aside(update: Update, context: Context, identity: Identity, data: StepAside) -> None:
    """Step aside from the case: the reason is typed next."""
    view = await _votable(update, context, identity, data.case_id)
    if view is None:
        return
    await ack(update)
    question = aside_question(view, identity.language)
    await ask_text(update, context, identity, "council.aside", {"case": view.id}, question)


@routes.on(Propose)
async def propose(update: Update, context: Context, identity: Identity, data: Propose) -> None:
    """Propose a top performer for commendation, or withdraw the proposal (a forged or former candidate is
    outdated)."""
    await close_text_step(context, identity)
    services = services_of(context)
    lang = identity.language
    candidates = await run_sync(services.commendations.candidates, identity.person_id)
    candidate = next((c for c in candidates if (c.period_id, c.person_id) == (data.period_id, data.person_id)), None)
    if candidate is None:
        await ack(update, t("fallback.stale_button", lang))
        await show(update, commend_panel(candidates, lang, identity.person_id, services.config.council.quorum))
        return
    proposed = await run_sync(services.commendations.propose, identity.person_id, data.period_id, data.person_id)
    note = t("council.proposed_ack" if proposed else "council.withdrawn_ack", lang, name=candidate.person_name)
    await _show_commend(update, context, identity, note)


@routes.on(Contest)
async def contest(update: Update, context: Context, identity: Identity, data: Contest) -> None:
    """The person presses "contest" on their final result: asked for the reason in a new message (the notice
    stays as it is); refused politely after the deadline or when already contested."""
    await close_text_step(context, identity)
    services = services_of(context)
    deadline = await run_sync(services.council.contest_check, identity.person_id, data.assessment_id)
    entry = await run_sync(services.results.entry, identity.person_id, data.assessment_id)
    await ack(update)
    question = contest_question(entry.period.label, entry.level_name, deadline, identity.language)
    step: dict[str, object] = {"assessment": data.assessment_id}
    pressed = update.callback_query.message if update.callback_query is not None else None
    if isinstance(pressed, Message) and pressed.reply_markup is not None:
        # Once the contest is sent, the pressed message loses its contest button (pressing it again could only
        # be refused): remember the message and the buttons it keeps.
        contest_data = data.pack()
        kept = [
            [[b.text, b.callback_data] for b in row if b.callback_data != contest_data]
            for row in pressed.reply_markup.inline_keyboard
        ]
        step["notice"] = [pressed.chat.id, pressed.message_id, [row for row in kept if row]]
    await ask_text(update, context, identity, "council.contest", step, question, new=True)


async def _drop_contest_button(context: Context, notice: object) -> None:
    """Edit the message the contest was pressed on to keep its other buttons only."""
    if not isinstance(notice, list) or len(notice) != 3:
        return
    chat_id, message_id, rows = notice
    keys = tuple(tuple(Choice(str(label), str(data)) for label, data in row) for row in rows)
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup(keys))
    except TelegramError as error:  # the message is gone: nothing to tidy
        log.info("could not drop the contest button of %s/%s: %s", chat_id, message_id, error)


# -- typed reasons -----------------------------------------------------------------------------------------------


async def _typed_case(context: Context, identity: Identity, dialog: DialogState) -> CaseView:
    """The case a typed step is about, re-authorised; a refusal also closes the step."""
    council = services_of(context).council
    return await refusal_ends_step(context, identity, council.case, identity.person_id, int(dialog.data["case"]))


async def _vote_typed(
    update: Update,
    context: Context,
    identity: Identity,
    dialog: DialogState,
    outcome: str,
    level: str | None,
    text: str,
) -> None:
    council = services_of(context).council
    lang = identity.language
    view = await _typed_case(context, identity, dialog)
    try:
        voted = await final_answer(context, identity, council.vote, identity.person_id, view.id, outcome, level, text)
    except Refusal as error:  # decided meanwhile, or no longer a member: the step is closed
        if error.code != "case_decided":
            raise
        latest = await run_sync(council.case, identity.person_id, view.id)
        note = Html(t_html("error.plain_prefix", lang) + t_html("error.case_decided", lang))
        await replace_panel(update, context, dialog, _card(context, identity, latest, note))
        return
    await replace_panel(update, context, dialog, _card(context, identity, voted, t_html("council.voted_line", lang)))


async def _cancel_vote(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    """/huy while typing a reason: back to the card, no vote cast."""
    view = await run_sync(services_of(context).council.case, identity.person_id, int(dialog.data["case"]))
    await replace_panel(update, context, dialog, _card(context, identity, view))


@text_step("council.keep", _cancel_vote)
async def keep_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The (optional) reason for keeping the result; then the vote."""
    await _vote_typed(update, context, identity, dialog, CONFIRM, None, text)


@text_step("council.change", _cancel_vote)
async def change_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The (required) reason for changing the level; then the vote (bad input keeps the step waiting)."""
    await _vote_typed(update, context, identity, dialog, CHANGE, str(dialog.data["level"]), text)


@text_step("council.aside", _cancel_vote)
async def aside_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The (required) reason for stepping aside from a case; then the member no longer votes on it."""
    council = services_of(context).council
    view = await _typed_case(context, identity, dialog)
    aside = await final_answer(context, identity, council.step_aside, identity.person_id, view.id, text)
    note = t_html("council.aside_done", identity.language)
    await replace_panel(update, context, dialog, _card(context, identity, aside, note))


async def _cancel_contest(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    """/huy while typing the reason of a contest: the question goes away, nothing is sent."""
    if dialog.chat_id is not None and dialog.message_id is not None:
        try:
            await context.bot.delete_message(dialog.chat_id, dialog.message_id)
        except TelegramError as error:
            log.info("could not delete the contest question: %s", error)


@text_step("council.contest", _cancel_contest)
async def contest_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The reason of a contest; then the case goes to the council (too late or already contested: refused and
    the step closes; an empty or too long reason: refused and the step keeps waiting)."""
    council = services_of(context).council
    assessment_id = int(dialog.data["assessment"])
    view = await final_answer(context, identity, council.contest, identity.person_id, assessment_id, text)
    await replace_panel(update, context, dialog, contest_sent(view, identity.language))
    await _drop_contest_button(context, dialog.data.get("notice"))


HANDLERS = [
    CommandHandler("hoidong", council_command),
    routes.handler(),
]
