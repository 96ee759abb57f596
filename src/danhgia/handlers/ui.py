"""The Telegram toolkit every feature handler uses: who is speaking, panels shown and edited in place, typed-
text steps, and turning workflow refusals into polite messages. What a panel is (text, choices, callback data)
is channel-neutral and lives in `danhgia.chat`.

A *panel* is the one bot message a dialog edits in place. When a step needs typed text, the panel shows the
question and the database remembers it (workflow/dialogs.py); the answer is routed by `handlers/dialog.py`
to the feature's text handler, which replaces the old panel with a new one below the person's message.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError

from danhgia.chat.callbacks import cb_parts
from danhgia.chat.panel import Panel
from danhgia.chat.refusals import refusal_text
from danhgia.handlers import notifier
from danhgia.handlers.context import (
    Context,
    identify,
    is_private,
    refuse_in_group,
    reply,
    run_quick,
    run_sync,
    services_of,
)
from danhgia.handlers.edits import (
    PanelMemory,
    content_digest,
    current_memory,
    message_buttons,
    message_digest,
    panel_buttons,
    panel_key,
)
from danhgia.handlers.present import as_panel, edit, send
from danhgia.handlers.start import unlinked_text
from danhgia.handlers.trace import answer_once, press_answered
from danhgia.scoring import ScoringError
from danhgia.texts import DEFAULT_LANGUAGE, Html, t, t_html
from danhgia.workflow.common import Actor, Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.refusal import Refusal

log = logging.getLogger(__name__)
MEMORY_KEY = "panels.memory"  # bot_data: the PanelMemory of this application
WorkflowError = (Refusal,)  # every "no" of a use case or a typed value
H = TypeVar("H", bound=Callable[..., Awaitable[None]])
P = ParamSpec("P")
_TAG = re.compile(r"<[^>]+>")


def moment(value: datetime, context: Context) -> str:
    """HH:MM dd/mm/yyyy in the organisation's time zone."""
    return value.astimezone(services_of(context).config.timezone).strftime("%H:%M %d/%m/%Y")


# -- who speaks ----------------------------------------------------------------------------------------------


def actor_of(identity: Identity) -> Actor:
    """The audited actor for a person acting through the bot."""
    return Actor.person(identity.person_id, identity.telegram_user_id)


async def private_person(update: Update, context: Context) -> Identity | None:
    """The linked person in a private chat; otherwise answer (group: private-chat button) and return None."""
    query = update.callback_query
    if not is_private(update):
        if query is not None:
            await answer_once(query, t("group.private_only", DEFAULT_LANGUAGE), alert=True)
        else:
            await refuse_in_group(update, context, DEFAULT_LANGUAGE)
        return None
    identity = await identify(update, context)
    if identity is None:
        if query is not None:
            await answer_once(query, t("fallback.not_linked_button", DEFAULT_LANGUAGE), alert=True)
        else:
            await reply(update, unlinked_text(context.bot.username, DEFAULT_LANGUAGE))
        return None
    return identity


R = TypeVar("R")


async def private_person_then(
    update: Update, context: Context, first: Callable[[Identity], R], *, writes: bool = False
) -> tuple[Identity, R] | None:
    """`private_person` and the handler's first workflow call in one trip to a worker thread, in one transaction
    (the hot paths: one thread hop, one session and one database round less per update); `writes` when that call
    saves something (then who speaks is read under the write lock the call takes anyway)."""
    query = update.callback_query
    user = update.effective_user
    if not is_private(update) or user is None or user.is_bot:
        await private_person(update, context)
        return None
    services = services_of(context)

    def both() -> tuple[Identity, R] | None:
        with services.db.together(write=writes):
            identity = services.linking.whois(user.id)
            return None if identity is None else (identity, first(identity))

    found = await run_quick(both)
    if found is None:
        if query is not None:
            await answer_once(query, t("fallback.not_linked_button", DEFAULT_LANGUAGE), alert=True)
        else:
            await reply(update, unlinked_text(context.bot.username, DEFAULT_LANGUAGE))
    return found


# -- panels --------------------------------------------------------------------------------------------------


async def ack(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press (stops the spinner on the phone); a no-op for messages."""
    query = update.callback_query
    if query is not None:  # a press is answered once: a second answer is not sent
        try:
            await answer_once(query, text, alert=alert)
        except BadRequest as error:  # too old
            log.info("could not answer a button press: %s", error)


async def show(update: Update, content: Panel | str, *, new: bool = False) -> Message | None:
    """Edit the pressed message in place (or send a new one for a command, typed text, or `new`); an edit that
    would change nothing is not made."""
    panel = as_panel(content)
    query = update.callback_query
    if query is not None and query.message is not None and not new and not panel.attachments:
        pressed = query.message
        view, key = message_digest(pressed), panel_key(panel)
        memory = current_memory.get()
        chat_id, message_id = pressed.chat.id, pressed.message_id
        if (
            view is not None
            and message_buttons(pressed) == panel_buttons(panel.keys)  # other buttons: another message for sure
            and view == content_digest(panel)
        ) or (
            memory is not None and memory.already(chat_id, message_id, view, key, also=lambda: content_digest(panel))
        ):  # it already shows this (or an earlier press on this very view made it so): nothing to edit
            return pressed if isinstance(pressed, Message) else None
        try:
            edited = await edit(query, panel)
            if memory is not None:
                memory.edited(chat_id, message_id, view, key)
            return edited if isinstance(edited, Message) else None
        except BadRequest as error:
            if "not modified" in str(error).lower():  # it shows this already (edited by a process since killed)
                if memory is not None:
                    memory.edited(chat_id, message_id, view, key)  # later presses on this view edit nothing
                return None
            log.info("could not edit a panel, sending a new one: %s", error)
    chat = update.effective_chat
    if chat is None:
        return None
    return await send(chat.get_bot(), chat.id, panel)


async def replace_panel(update: Update, context: Context, dialog: DialogState | None, panel: Panel) -> Message | None:
    """After typed text: remove the panel that asked for it and show the next one below the answer."""
    if dialog is not None and dialog.chat_id is not None and dialog.message_id is not None:
        try:
            await context.bot.delete_message(dialog.chat_id, dialog.message_id)
        except TelegramError as error:
            log.info("could not delete an old panel: %s", error)
    return await show(update, panel, new=True)


def _question(panel: Panel, lang: str) -> Panel:
    return panel.with_text(Html(panel.text + "\n\n" + t_html("dialog.type_or_cancel", lang)))


async def ask_text(
    update: Update,
    context: Context,
    identity: Identity,
    kind: str,
    data: dict[str, Any],
    question: Panel,
    *,
    new: bool = False,
) -> None:
    """Remember (in the database) that typed text of `kind` is expected, then show the question on the panel (or
    in a `new` message): store first, send after, so that a crash in between never leaves a question asked that
    nobody waits for."""
    query = update.callback_query
    pressed = query.message.message_id if query is not None and query.message is not None and not new else None
    chat = update.effective_chat
    dialogs = services_of(context).dialogs
    await run_sync(dialogs.expect, identity.person_id, kind, data, chat.id if chat else None, pressed)
    message = await show(update, _question(question, identity.language), new=new)
    if message is not None and message.message_id != pressed:  # sent as a new message
        await run_sync(dialogs.placed, identity.person_id, kind, message.message_id)


async def ask_next(
    update: Update,
    context: Context,
    identity: Identity,
    dialog: DialogState | None,
    kind: str,
    data: dict[str, Any],
    question: Panel,
) -> None:
    """Ask the next typed question: on the pressed panel for a button, on a new panel after typed text."""
    if update.callback_query is not None:
        await ask_text(update, context, identity, kind, data, question)
        return
    chat = update.effective_chat
    dialogs = services_of(context).dialogs
    await run_sync(dialogs.expect, identity.person_id, kind, data, chat.id if chat else None, None)  # store first
    message = await replace_panel(update, context, dialog, _question(question, identity.language))
    if message is not None:
        await run_sync(dialogs.placed, identity.person_id, kind, message.message_id)


async def close_text_step(context: Context, identity: Identity) -> None:
    """Forget any typed-text step (a new panel was opened; what was saved stays saved)."""
    if identity.open_dialog is not None:
        await run_sync(services_of(context).dialogs.clear, identity.person_id)


async def end_text_step(context: Context, identity: Identity) -> None:
    """Close the typed-text step being answered (the answer was taken, or can no longer be)."""
    await run_sync(services_of(context).dialogs.clear, identity.person_id)


async def answered(
    update: Update, context: Context, identity: Identity, dialog: DialogState | None, panel: Panel
) -> Message | None:
    """A typed answer was taken: close its step and show the next panel in place of the one that asked."""
    await end_text_step(context, identity)
    return await replace_panel(update, context, dialog, panel)


async def refusal_ends_step(
    context: Context, identity: Identity, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """A workflow call made for a typed answer; a refused action also closes the step, while a refused input
    (`Refusal.retry`) keeps it waiting."""
    try:
        return await run_sync(call, *args, **kwargs)
    except Refusal as error:
        if not error.retry:
            await end_text_step(context, identity)
        raise


async def final_answer(
    context: Context, identity: Identity, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """A workflow call that takes a typed answer: the step closes once it is taken or the action is
    refused; a refused input keeps it waiting."""
    result = await refusal_ends_step(context, identity, call, *args, **kwargs)
    await end_text_step(context, identity)
    return result


async def command_person(update: Update, context: Context) -> Identity | None:
    """The start of a feature command: the linked person in a private chat (else None, already answered), with
    any typed-text step closed."""
    identity = await private_person(update, context)
    if identity is not None:
        await close_text_step(context, identity)
    return identity


async def pressed(update: Update, context: Context, feature: str) -> tuple[Identity, list[str]] | None:
    """The start of a feature's button handler: who pressed (the linked person in a private chat) and the parts
    of the callback data after `v1:<feature>:`; None when `private_person` already answered."""
    query = update.callback_query
    assert query is not None
    parts = cb_parts(query.data, feature)
    identity = await private_person(update, context)
    if identity is None:
        return None
    return identity, parts


# -- refusals --------------------------------------------------------------------------------------------------


async def refuse(update: Update, error: Exception, lang: str) -> None:
    """Tell the person why nothing happened: a toast/alert for a button, a message for typed text."""
    text = refusal_text(error, lang)
    query = update.callback_query
    if query is not None and not press_answered():
        plain = t("error.plain_prefix", lang) + _strip_tags(text)
        try:
            await answer_once(query, plain, alert=True)
            return
        except BadRequest as error:  # too old: say it in the chat instead
            log.info("could not answer a refused press: %s", error)
    await reply(update, text)


def _strip_tags(text: str) -> str:
    return _TAG.sub("", text)


def guarded(handler: H) -> H:
    """Run a feature handler; a workflow refusal becomes a polite message and changes nothing."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: Context, *args: Any, **kwargs: Any) -> None:
        memory = context.application.bot_data.setdefault(MEMORY_KEY, PanelMemory())
        token = current_memory.set(memory)
        try:
            await handler(update, context, *args, **kwargs)
        except (*WorkflowError, ScoringError) as error:
            identity = await identify(update, context)
            lang = identity.language if identity else DEFAULT_LANGUAGE
            log.info("refused %s: %s", handler.__name__, getattr(error, "code", error))
            await refuse(update, error, lang)
        finally:
            current_memory.reset(token)
            kick_outbox(context)

    return wrapper  # type: ignore[return-value]


def kick_outbox(context: Context) -> None:
    """Ask the notifier to deliver queued messages now rather than at its next round."""

    notifier.wake(context.application)
