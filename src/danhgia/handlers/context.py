"""Shared helpers of the handlers: reaching the workflow, knowing who speaks, replying safely."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, ParamSpec, TypeAlias, TypeVar

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ExtBot

from danhgia.chat.panel import Keys, Panel, link
from danhgia.handlers.present import as_panel, send
from danhgia.storage.db import WouldBlock
from danhgia.storage.uow import Database
from danhgia.texts import t, t_html
from danhgia.workflow.common import Identity
from danhgia.workflow.services import Services

Context: TypeAlias = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
P = ParamSpec("P")
R = TypeVar("R")
SERVICES_KEY = "services"


def services_of(context: Context) -> Services:
    """The workflow facade the application was built with."""
    services = context.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


_executor: Executor | None = None
_database: Database | None = None


def use_database(database: Database | None) -> None:
    """Run workflow calls on this database's own threads (see storage.uow.Database), or inline where it can."""
    global _executor, _database
    _executor = None if database is None else database.executor
    _database = database


async def run_sync(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a blocking workflow call in a worker thread so the event loop keeps serving others."""
    call = functools.partial(fn, *args, **kwargs)
    if _executor is None:
        return await asyncio.to_thread(call)
    context = contextvars.copy_context()  # the update's trace follows the call into the thread
    return await asyncio.get_running_loop().run_in_executor(_executor, context.run, call)


async def run_quick(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a short workflow call (a person's identity, their week, one check-in) on the event loop itself when
    the database is a local SQLite file and its write lock is free; otherwise exactly like `run_sync`.

    A hop to a worker thread costs more than such a call: the two threads take turns on the interpreter
    dozens of times per call. Inline, the call never waits for a lock (see Database.inline), so the loop is
    only ever held for the call's own work: well under a millisecond. The disk's flush of what it saved (a
    millisecond or more) is waited for on a worker thread instead, before the caller goes on to answer.
    """
    database = _database
    if database is None or not database.runs_inline:
        return await run_sync(fn, *args, **kwargs)
    call = None
    try:
        with database.inline(flush=False) as call:
            result = fn(*args, **kwargs)
    except WouldBlock:  # raised before anything was saved
        return await run_sync(fn, *args, **kwargs)
    except BaseException:
        if call is not None and call.saved:
            await _flush(database)
        raise
    if call.saved:
        await _flush(database)
    return result


async def _flush(database: Database) -> None:
    """Make what an inline call saved durable, waiting for the disk off the event loop."""
    await asyncio.get_running_loop().run_in_executor(database.executor, database.flush_log)


async def identify(update: Update, context: Context) -> Identity | None:
    """The linked, active person behind this update, if any."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return await run_quick(services_of(context).linking.whois, user.id)


def is_private(update: Update) -> bool:
    """Whether the update comes from a private chat."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def private_chat_keyboard(bot_username: str, lang: str) -> Keys:
    """A choice that opens the private chat with the bot."""
    return ((link(t("group.open_private", lang), f"https://t.me/{bot_username}"),),)


async def reply(update: Update, content: Panel | str) -> None:
    """Answer in the chat of the update: a panel, or HTML text."""
    chat = update.effective_chat
    if chat is None:
        return
    await send(chat.get_bot(), chat.id, as_panel(content))


async def refuse_in_group(update: Update, context: Context, lang: str) -> None:
    """Tell a group that the bot works privately, with a button to the private chat."""
    text = t_html("group.private_only", lang)
    await reply(update, Panel(text, private_chat_keyboard(context.bot.username, lang)))
