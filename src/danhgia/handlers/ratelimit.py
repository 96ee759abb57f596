"""Telegram's sending limits, kept by the bot itself: at most 30 messages in any second overall, 20 a minute to a
group, and — for messages the bot sends on its own (reminders, notices: `rate_limit_args=BULK`) — at most 3 in
any 3 seconds to one private chat (about 1/s); a direct answer to what a person just did is limited only by
the overall rate. A message sent as a paid broadcast (`allow_paid_broadcast`, `rate_limit_args=PAID`) is not counted
in the 30 a second but in Telegram's 1 000 a second for paid messages, and keeps the per-chat pace. A 429 for a
request to a chat pauses that chat only for its `retry_after` (Telegram's
per-chat flood control), then the request is retried; a 429 for any other request pauses every request.

python-telegram-bot's AIORateLimiter is a leaky bucket: it lets a burst of 30 through and then 30 more in
the same second, which a server counting a sliding second answers with 429s. This limiter counts in sliding
windows, each message from the moment it leaves until a full window after its answer came back, so however
long it spent on the way, the server never sees more than the limit in any of its windows.

Several instances share one budget through Redis (handlers/ratelimit_shared.py): a subclass that keeps the same
windows in Redis through the hooks here (`reserve`, `settle`, `flood`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)
#: Methods that send something into a chat (these are what Telegram limits).
SENDING = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "sendSticker",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendLocation",
        "sendContact",
        "sendPoll",
    }
)


#: Methods whose repetition changes nothing (an edit, a deletion, an answer, a setting): retried on any network
#: failure, even when the first request may have been carried out and only its answer was lost.
REPEATABLE = frozenset(
    {
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "deleteMessage",
        "answerCallbackQuery",
        "setMyCommands",
        "deleteMyCommands",
        "setChatMenuButton",
        "setMyDescription",
        "setMyShortDescription",
        "getMe",
        "getChat",
        "getFile",
        "getWebhookInfo",
        "deleteWebhook",
    }
)
NETWORK_RETRIES = 3
NETWORK_BACKOFF = (0.3, 0.9, 2.0)  # seconds before each retry after a network failure


class ServerError(NetworkError):
    """Telegram answered with a server error (5xx): the request was not carried out."""


class TelegramRequest(HTTPXRequest):
    """python-telegram-bot's HTTP client, telling a server error (5xx) apart from other network failures."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Send the request; a 5xx answer becomes `ServerError` (with Telegram's description)."""
        code, payload = await super().do_request(*args, **kwargs)
        if 500 <= code <= 599:
            try:
                description = str(json.loads(payload.decode("utf-8", "replace")).get("description") or "")
            except (ValueError, AttributeError):
                description = ""
            raise ServerError(f"{description or 'Server error'} ({code})")
        return code, payload


def not_carried_out(error: NetworkError) -> bool:
    """Whether a failed request certainly did not reach Telegram's work: the connection could not be made, or
    Telegram answered with a server error (5xx). A timeout or a connection lost while waiting leaves it unknown."""
    if isinstance(error, ServerError):
        return True
    return isinstance(error.__cause__, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def retryable(endpoint: str, error: NetworkError) -> bool:
    """A network failure worth another try: any, for a repeatable method; for a send, only one that certainly
    sent nothing (a repeated message is worse than a late one — the outbox retries later)."""
    return endpoint in REPEATABLE or not_carried_out(error)


class Window:
    """At most `limit` messages in any sliding `period` seconds, as the server counts them.

    A message is counted from the moment it is let through until `period` seconds after its answer came
    back: whatever the time it spent on the way, the server saw it arrive within that span, so no sliding
    window of the server's can ever hold more than `limit`.
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.times: list[float] = []  # answer times; math.inf while the message is on its way
        self.last = 0.0

    def wait_time(self, now: float) -> float:
        """Seconds to wait before one more message may go (0 if it may go now)."""
        self.times = [t for t in self.times if now - t < self.period]
        if len(self.times) < self.limit:
            return 0.0
        answered = [t for t in self.times if t != math.inf]
        return self.period - (now - min(answered)) if answered else 0.005

    def start(self) -> None:
        """Count a message let through (on its way until `done`)."""
        self.times.append(math.inf)
        self.last = time.monotonic()

    def done(self, now: float) -> None:
        """A message's answer came back: it counts for `period` seconds from now."""
        with contextlib.suppress(ValueError):  # already forgotten
            self.times[self.times.index(math.inf)] = now


BULK = "bulk"  # pass as rate_limit_args for messages nobody is waiting for (keeps the per-chat pace)
PAID = "paid"  # pass as rate_limit_args for a bulk message sent with allow_paid_broadcast (1 000 a second)


class SlidingWindowRateLimiter(BaseRateLimiter[str]):
    """Keeps the overall, paid, per-chat and per-group limits in sliding windows; retries 429s."""

    def __init__(
        self,
        overall_per_second: int = 30,
        private_burst: int = 3,
        private_period: float = 3.0,
        group_per_minute: int = 20,
        margin: float = 0.01,
        max_retries: int = 5,
        paid_per_second: int = 1000,
    ) -> None:
        self.overall = Window(overall_per_second, 1.0 + margin)
        self.paid = Window(paid_per_second, 1.0 + margin)  # messages sent with allow_paid_broadcast
        self.private_burst = private_burst
        self.private_period = private_period + margin
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self._chats: dict[int, Window] = {}
        self._paused: dict[int, float] = {}  # chat id → monotonic time until which Telegram asked to wait
        self._lock = asyncio.Lock()
        self._retry_after = asyncio.Event()
        self._retry_after.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""

    def _chat_window(self, chat_id: int) -> Window:
        window = self._chats.get(chat_id)
        if window is None:
            window = (
                Window(self.group_per_minute, 60.0) if chat_id < 0 else Window(self.private_burst, self.private_period)
            )
            self._chats[chat_id] = window
            if len(self._chats) > 50_000:  # forget idle chats
                now = time.monotonic()
                for key in [k for k, w in self._chats.items() if now - w.last > 120 and math.inf not in w.times]:
                    del self._chats[key]
        return window

    async def _chat_pause(self, chat_id: int | None) -> None:
        """Wait while Telegram asked to wait before writing to this chat again."""
        while chat_id is not None and chat_id in self._paused:
            left = self._paused[chat_id] - time.monotonic()
            if left <= 0:
                self._paused.pop(chat_id, None)
                return
            await asyncio.sleep(left)

    async def _acquire(self, chat_id: int | None, bulk: bool, paid: bool = False) -> list[Window]:
        """Wait until one more message may go to this chat, count it, and return the windows it counts in (a paid
        one in the paid window instead of the overall one)."""
        while True:
            await self._retry_after.wait()
            await self._chat_pause(chat_id)
            async with self._lock:
                windows = self._windows_of(chat_id, bulk, paid)
                wait = max(w.wait_time(time.monotonic()) for w in windows)
                if wait <= 0:
                    for window in windows:
                        window.start()
                    return windows
            await asyncio.sleep(wait)

    def _windows_of(self, chat_id: int | None, bulk: bool, paid: bool) -> list[Window]:
        """The windows a message to this chat counts in."""
        paced = chat_id is not None and (bulk or paid or chat_id < 0)
        chat = self._chat_window(chat_id) if paced and chat_id is not None else None
        first = self.paid if paid else self.overall
        return [first] if chat is None else [first, chat]

    def count(self, chat_id: int | None, bulk: bool, paid: bool = False) -> list[Window]:
        """Count a message another budget let through, without waiting (what `settle` is given): a shared limiter
        keeps this instance's own sends here too, so that falling back on them never starts from empty windows."""
        windows = self._windows_of(chat_id, bulk, paid)
        for window in windows:
            window.start()
        return windows

    async def reserve(self, chat_id: int | None, bulk: bool, paid: bool = False) -> Any:
        """Wait until one more message may go to this chat and count it (`paid`: sent with allow_paid_broadcast);
        returns what `settle` is given."""
        return await self._acquire(chat_id, bulk, paid)

    async def settle(self, reservation: Any) -> None:
        """The message's answer came back (or it failed): from now it counts for one more full window."""
        answered = time.monotonic()
        for window in reservation:
            window.done(answered)

    async def flood(self, chat_id: int | None, seconds: float) -> None:
        """Telegram asked to wait (a 429) before writing to this chat (None: at all): this limiter already pauses
        itself; a limiter shared by several instances tells the others."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the limits of a sending method, run the request, retry after a 429."""
        retries = self.max_retries
        paid = rate_limit_args == PAID and bool(data.get("allow_paid_broadcast"))
        bulk = rate_limit_args in (BULK, PAID)
        chat_id: int | None = None
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(data.get("chat_id"))  # type: ignore[arg-type]
        limited = endpoint in SENDING
        network_failures = 0
        for attempt in range(retries + NETWORK_RETRIES + 1):
            reservation: Any = None
            if limited:
                reservation = await self.reserve(chat_id, bulk, paid)
            else:
                await self._retry_after.wait()
                await self._chat_pause(chat_id)
            try:
                return await callback(*args, **kwargs)
            except NetworkError as error:  # a 5xx, a timeout, a dropped connection (a refusal is not retried)
                if (
                    isinstance(error, BadRequest)
                    or network_failures >= NETWORK_RETRIES
                    or not retryable(endpoint, error)
                ):
                    raise
                log.info("%s failed (%s); retrying", endpoint, error)
                await asyncio.sleep(NETWORK_BACKOFF[network_failures])
                network_failures += 1
                continue
            except RetryAfter as error:
                if attempt - network_failures >= retries:
                    raise
                pause = (
                    error.retry_after
                    if isinstance(error.retry_after, int | float)
                    else error.retry_after.total_seconds()
                )
                await self.flood(chat_id, float(pause))
                if chat_id is not None:  # that chat's flood control: only that chat waits
                    log.info("Telegram asked to wait %.1f s before writing to chat %s again (429)", pause, chat_id)
                    self._paused[chat_id] = time.monotonic() + float(pause) + 0.1
                    continue
                log.info("Telegram asked to wait %.1f s (429); every request pauses meanwhile", pause)
                self._retry_after.clear()
                try:
                    await asyncio.sleep(float(pause) + 0.1)
                finally:
                    self._retry_after.set()
            finally:
                if reservation is not None:
                    await self.settle(reservation)
        raise AssertionError("unreachable")
