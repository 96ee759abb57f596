"""What happened while one update was handled — whether its button press was answered, whether anything was saved —
so that a failure is reported truthfully ("saved, but not shown" never reads "not done") and a press is answered
exactly once."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from telegram import CallbackQuery

from danhgia.storage.uow import commit_hook


@dataclass
class UpdateTrace:
    """One update's handling so far."""

    answered: bool = False  # its button press was answered (the toast or alert shown)
    saved: bool = False  # a unit of work committed something on its behalf
    edits: list[list[Any]] = field(default_factory=list)  # panels edited: [chat, message, view before, after]


current_trace: contextvars.ContextVar[UpdateTrace | None] = contextvars.ContextVar("update_trace", default=None)


@contextmanager
def tracing() -> Iterator[UpdateTrace]:
    """Trace the handling of one update (what commits is seen through the storage's commit hook)."""
    trace = UpdateTrace()

    def saved() -> None:
        trace.saved = True

    token = current_trace.set(trace)
    hook = commit_hook.set(saved)
    try:
        yield trace
    finally:
        commit_hook.reset(hook)
        current_trace.reset(token)


def mark_answered() -> None:
    """The current update's button press was answered."""
    trace = current_trace.get()
    if trace is not None:
        trace.answered = True


def press_answered() -> bool:
    """Whether the current update's button press was already answered."""
    trace = current_trace.get()
    return trace is not None and trace.answered


def something_saved() -> bool:
    """Whether anything was saved while handling the current update."""
    trace = current_trace.get()
    return trace is not None and trace.saved


async def answer_once(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> bool:
    """Answer a button press unless the current update's press was answered already; True when answered now."""
    if press_answered():
        return False
    await query.answer(text[:190] if text else None, show_alert=alert)
    mark_answered()
    return True
