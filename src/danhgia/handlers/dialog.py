"""Typed answers and /huy: a typed message goes to the step the database says is open, whatever process
or restart came in between; /huy closes that step and shows the panel it came from, losing nothing saved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from danhgia.handlers import fallback
from danhgia.handlers.context import Context, is_private, reply, run_sync, services_of
from danhgia.handlers.ui import guarded, private_person
from danhgia.texts import t_html
from danhgia.workflow.common import Identity
from danhgia.workflow.dialogs import DialogState

TextHandler = Callable[[Update, Context, Identity, DialogState, str], Awaitable[None]]
CancelHandler = Callable[[Update, Context, Identity, DialogState], Awaitable[None]]
TEXT_LIMIT = 2000

_steps: dict[str, tuple[TextHandler, CancelHandler | None]] = {}


def text_step(kind: str, cancel: CancelHandler | None = None) -> Callable[[TextHandler], TextHandler]:
    """Register the handler of typed answers for dialog `kind` (and what /huy shows afterwards)."""

    def register(handler: TextHandler) -> TextHandler:
        if kind in _steps:
            raise ValueError(f"text step {kind!r} registered twice")
        _steps[kind] = (handler, cancel)
        return handler

    return register


@guarded
async def any_message(update: Update, context: Context) -> None:
    """Route a typed message to the open step; stickers, photos and the like get a polite hint."""
    message = update.effective_message
    if message is None or not is_private(update):
        await fallback.any_message(update, context)
        return
    identity = await private_person(update, context)
    if identity is None:
        return
    dialog = await run_sync(services_of(context).dialogs.get, identity.person_id)
    text = message.text
    if dialog is None or dialog.kind not in _steps:
        await fallback.any_message(update, context)
        return
    if text is None:
        await reply(update, t_html("dialog.text_only", identity.language))
        return
    if text.startswith("/"):  # a command no handler knows: not an answer; the step keeps waiting
        command = text.split()[0].split("@")[0]
        await reply(update, t_html("dialog.unknown_command", identity.language, command=command))
        return
    if len(text) > TEXT_LIMIT:
        await reply(update, t_html("dialog.too_long", identity.language, limit=TEXT_LIMIT, length=len(text)))
        return
    handler, _ = _steps[dialog.kind]
    await handler(update, context, identity, dialog, text)


@guarded
async def cancel_command(update: Update, context: Context) -> None:
    """/huy: close the open typed step and go back to its panel; nothing saved is lost."""
    identity = await private_person(update, context)
    if identity is None:
        return
    dialog = await run_sync(services_of(context).dialogs.clear, identity.person_id)
    if dialog is None:
        await reply(update, t_html("dialog.nothing_to_cancel", identity.language))
        return
    _, cancel = _steps.get(dialog.kind, (None, None))
    await reply(update, t_html("dialog.cancelled", identity.language))
    if cancel is not None:
        await cancel(update, context, identity, dialog)
