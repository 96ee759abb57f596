"""Webhook delivery as Telegram does it: each pending update is POSTed as JSON to the URL the bot set, with the
`X-Telegram-Bot-Api-Secret-Token` header when it set a secret; only a 2xx answer removes it from the queue, and any
other answer or a connection error is retried with a growing delay (0.05 s doubling up to 1 s here, much shorter
than Telegram's), the error kept for getWebhookInfo.

What Telegram does not document, chosen here: the updates of one chat (or, without a chat, of one user) go one at a
time and in order — the next is sent only after the previous one was answered with a 2xx — while different chats
are delivered side by side, at most `max_connections` requests in flight. The sandbox never gives up an update
(Telegram does after "a reasonable amount of attempts"), so a test may keep the bot away as long as it likes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from danhgia.sandbox.state import Webhook

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_RETRY = 0.05  # seconds before the first retry of an update; doubles with each failure
RETRY_CAP = 1.0
REQUEST_TIMEOUT = 60.0  # seconds Telegram's side waits for the webhook's answer
IDLE_CHECK = 0.25  # seconds between looks at the queue when nothing announced a change


class Mailbox(Protocol):
    """What delivery needs of the sandbox: its webhook, its pending updates, and its change notifications."""

    @property
    def webhook(self) -> Webhook | None:
        """The webhook set, or None."""

    @property
    def version(self) -> int:
        """A counter that grows with every change."""

    def deliverable(self) -> list[dict[str, Any]]:
        """The pending updates of the allowed kinds, oldest first."""

    def is_pending(self, update_id: int) -> bool:
        """Whether an update still waits to be delivered."""

    def acknowledge(self, update_id: int) -> None:
        """The webhook answered 2xx: the update is delivered."""

    def webhook_failed(self, message: str) -> None:
        """A delivery failed: remember it for getWebhookInfo."""

    async def wait_changed(self, since: int, timeout: float) -> int:
        """Wait until the state changes after `since` (or the timeout)."""


@dataclass
class Attempt:
    """One POST of an update to the webhook, for tests to inspect."""

    update_id: int
    url: str
    secret_token: str | None
    status: int | None = None  # the HTTP status answered; None while in flight or when no answer came
    error: str | None = None  # what getWebhookInfo reports for a failed attempt
    finished: bool = False

    @property
    def delivered(self) -> bool:
        """Whether the webhook answered with a 2xx."""
        return self.status is not None and 200 <= self.status < 300


def update_chat(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (or, without one, its user): that chat's updates go one at a time."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
        sender = payload.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return int(sender["id"])
    return None


class WebhookDelivery:
    """Delivers a sandbox's pending updates to its webhook while one is set."""

    def __init__(
        self,
        mailbox: Mailbox,
        *,
        first_retry: float = FIRST_RETRY,
        retry_cap: float = RETRY_CAP,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.mailbox = mailbox
        self.first_retry = first_retry
        self.retry_cap = retry_cap
        self.timeout = timeout
        self.attempts: list[Attempt] = []
        self._busy: set[int | None] = set()  # chats with an update on its way (or waiting for its retry)
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def in_flight(self) -> int:
        """How many updates are being delivered (each is one request at a time)."""
        return len(self._tasks)

    def start(self) -> None:
        """Start delivering (on the running loop), unless already delivering."""
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop delivering: requests in flight are abandoned, their updates stay pending."""
        tasks = [*self._tasks, *([self._runner] if self._runner is not None else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._runner = None
        self._tasks.clear()
        self._busy.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        while (hook := self.mailbox.webhook) is not None:
            version = self.mailbox.version
            for update in self.mailbox.deliverable():
                if len(self._tasks) >= hook.max_connections:
                    break
                chat = update_chat(update)
                if chat in self._busy:
                    continue  # that chat's earlier update is still on its way
                self._busy.add(chat)
                task = asyncio.get_running_loop().create_task(self._deliver(update, chat))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            await self.mailbox.wait_changed(version, IDLE_CHECK)

    async def _deliver(self, update: dict[str, Any], chat: int | None) -> None:
        update_id = int(update["update_id"])
        delay = self.first_retry
        try:
            while (hook := self.mailbox.webhook) is not None and self.mailbox.is_pending(update_id):
                attempt = Attempt(update_id, hook.url, hook.secret_token)
                self.attempts.append(attempt)
                await self._post(hook, update, attempt)
                if attempt.delivered:
                    self.mailbox.acknowledge(update_id)
                    return
                self.mailbox.webhook_failed(attempt.error or "")
                moved = await self._pause(delay, hook)  # another webhook set meanwhile: try it at once
                delay = self.first_retry if moved else min(delay * 2, self.retry_cap)
        finally:
            self._busy.discard(chat)

    async def _post(self, hook: Webhook, update: dict[str, Any], attempt: Attempt) -> None:
        if self._client is None:
            # Never through a proxy from the environment: the webhook is usually on this machine.
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout, connect=5.0),
                limits=httpx.Limits(max_connections=100),
                trust_env=False,
            )
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
        body = json.dumps(update, ensure_ascii=False).encode("utf-8")
        try:
            response = await self._client.post(hook.url, content=body, headers=headers)
        except httpx.ConnectError:
            attempt.error = "Connection refused"
        except httpx.TimeoutException:
            attempt.error = "Read timeout expired"
        except httpx.HTTPError:
            attempt.error = "Connection reset by peer"
        else:
            attempt.status = response.status_code
            if not attempt.delivered:
                attempt.error = f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
        attempt.finished = True

    async def _pause(self, delay: float, hook: Webhook) -> bool:
        """Wait `delay` seconds before a retry; True as soon as the bot sets another webhook (or deletes it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while self.mailbox.webhook is hook:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await self.mailbox.wait_changed(self.mailbox.version, remaining)
        return True
