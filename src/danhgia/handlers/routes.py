"""A feature's buttons as a route table: each typed callback class (`danhgia.chat.callbacks`) goes to one
handler, which receives who pressed and the unpacked data. The opening every button handler shared — the
private chat, the linked person, well-formed data, a refusal turned into a polite message — is done here once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler

from danhgia.chat.callbacks import VERSION, Callback, unpack
from danhgia.handlers.context import Context
from danhgia.handlers.ui import ack, guarded, private_person
from danhgia.texts import t
from danhgia.workflow.common import Identity

Route = Callable[[Update, Context, Identity, Any], Awaitable[None]]
Guard = Callable[[Update, Context, Identity], Awaitable[bool]]
F = TypeVar("F", bound=Route)  # a route: (update, context, who pressed, the unpacked data)


class Routes:
    """The route table of one feature's buttons (`v1:<feature>:…`)."""

    def __init__(self, feature: str, *, guard: Guard | None = None) -> None:
        """`guard` answers a press the person may not make at all (a leader-only feature …) and returns False."""
        self.feature = feature
        self.guard = guard
        self._routes: dict[type[Callback], Route] = {}

    def on(self, *kinds: type[Callback]) -> Callable[[F], F]:
        """Register the handler of one action (or of several that share it: its data is any of them)."""
        for kind in kinds:
            if kind.feature != self.feature:
                raise ValueError(f"{kind.__name__} belongs to feature {kind.feature!r}, not {self.feature!r}")

        def register(handler: F) -> F:
            for kind in kinds:
                if kind in self._routes:
                    raise ValueError(f"{kind.__name__} routed twice")
                self._routes[kind] = handler
            return handler

        return register

    def route_of(self, data: str | None) -> tuple[Route, Callback] | None:
        """The handler and the unpacked data of a press; None when the data is not one of this feature's."""
        found = unpack(data, self.feature)
        route = self._routes.get(type(found)) if found is not None else None
        return None if route is None or found is None else (route, found)

    async def dispatch(self, update: Update, context: Context) -> None:
        """Answer a press: the person (in a private chat), then the route of the data, or "outdated"."""
        identity = await private_person(update, context)
        if identity is None or (self.guard is not None and not await self.guard(update, context, identity)):
            return
        query = update.callback_query
        found = self.route_of(query.data if query is not None else None)
        if found is None:
            await ack(update, t("fallback.stale_button", identity.language))
            return
        route, data = found
        await route(update, context, identity, data)

    def handler(self) -> CallbackQueryHandler[Context, None]:
        """The python-telegram-bot handler of this feature's buttons."""
        return CallbackQueryHandler(guarded(self.dispatch), pattern=rf"^{VERSION}:{self.feature}:")
