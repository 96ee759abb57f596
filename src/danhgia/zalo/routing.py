"""Both platforms under one bot: each Bot API call goes to Telegram or, through the bridge, to Zalo, by the chat it
concerns — so that a notice, a review card or an edit reaches each person where they are, whoever caused it.

A Zalo chat's number lies in [2**51, 2**52) (`workflow.channels`), where no Telegram id lies; the chat of a call is
its `chat_id`, a command menu's `scope.chat_id`, or the chat at the head of a Zalo callback query's id
("{chat}:{message}"). A call about no chat (getMe, getUpdates, the webhook) is Telegram's.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

from danhgia.workflow.channels import ZALO_ID_LIMIT, ZALO_ID_LOWEST


def is_zalo_chat(value: object) -> bool:
    """Whether a chat id (an int, or its decimal text) is a Zalo chat's number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        text = value.strip()
        if not text.isdecimal():
            return False
        value = int(text)
    return isinstance(value, int) and ZALO_ID_LOWEST <= value < ZALO_ID_LIMIT


def chat_of(parameters: dict[str, Any]) -> object:
    """The chat a Bot API call concerns, or None."""
    if "chat_id" in parameters:
        return parameters["chat_id"]
    scope = parameters.get("scope")
    if isinstance(scope, str):
        try:
            scope = json.loads(scope)
        except ValueError:
            scope = None
    if isinstance(scope, dict) and "chat_id" in scope:
        return scope["chat_id"]
    query = parameters.get("callback_query_id")
    if isinstance(query, str) and ":" in query:
        return query.split(":", 1)[0]
    return None


class RoutingRequest(BaseRequest):
    """A `BaseRequest` sending each call to `telegram` or `zalo` by the chat it concerns (see the module)."""

    def __init__(self, telegram: BaseRequest, zalo: BaseRequest) -> None:
        self._telegram = telegram
        self._zalo = zalo

    @property
    def read_timeout(self) -> float | None:
        """Telegram's default read timeout."""
        return self._telegram.read_timeout

    async def initialize(self) -> None:
        """Set up both."""
        await self._telegram.initialize()
        await self._zalo.initialize()

    async def shutdown(self) -> None:
        """Release both."""
        await self._telegram.shutdown()
        await self._zalo.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Run the call on the platform of its chat."""
        parameters = request_data.parameters if request_data is not None else {}
        target = self._zalo if is_zalo_chat(chat_of(parameters)) else self._telegram
        return await target.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )


__all__ = ["RoutingRequest", "chat_of", "is_zalo_chat"]
