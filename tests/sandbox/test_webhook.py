"""The sandbox delivers updates to a webhook as Telegram does: setWebhook checked like Telegram, each update POSTed
with the secret header, retried until a 2xx, one at a time per chat and at most max_connections at once;
getUpdates refused while a webhook is set; getWebhookInfo; deleteWebhook resuming getUpdates."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from danhgia.sandbox.core import WEBHOOK_CONFLICT, BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser
from danhgia.sandbox.webhook import SECRET_HEADER

TOKEN = "123456789:SANDBOX-TEST-TOKEN"
SECRET = "s3cret_TOKEN-for-tests"


@dataclass
class Received:
    """One request the webhook received."""

    headers: dict[str, str]
    update: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.update.get("message", {}).get("text", ""))


@dataclass
class Receiver:
    """A bot's webhook endpoint: records every request and answers as `answer` decides (200 by default)."""

    requests: list[Received] = field(default_factory=list)
    answer: Callable[[Received], Awaitable[int]] | None = None
    url: str = ""
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        received = Received(dict(request.headers), await request.json())
        self.requests.append(received)
        status = 200 if self.answer is None else await self.answer(received)
        return web.Response(status=status)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def api() -> AsyncIterator[tuple[BotApiSandbox, httpx.AsyncClient]]:
    sandbox = BotApiSandbox()
    server = SandboxServer(sandbox)
    await server.start()
    async with httpx.AsyncClient(base_url=f"{server.url}/bot{TOKEN}/", timeout=10) as client:
        yield sandbox, client
    await server.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    yield hook
    await hook.stop()


def closed_port() -> int:
    """A port nothing listens on (taken and given back at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def call(client: httpx.AsyncClient, method: str, **params: Any) -> httpx.Response:
    return await client.post(method, json=params)


async def test_set_webhook_is_checked_like_telegram(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    refusals = {
        "secret token contains unallowed characters": {"url": "https://bot.example/x", "secret_token": "a+b/c="},
        "secret token is too long": {"url": "https://bot.example/x", "secret_token": "a" * 257},
        "bad webhook: An HTTPS URL must be provided for webhook": {"url": "ftp://bot.example/x"},
        "bad webhook: Failed to resolve host: Name or service not known": {"url": "https:///x"},
    }
    for description, params in refusals.items():
        response = await client.post("setWebhook", json=params)
        assert response.status_code == 400 and response.json()["description"] == f"Bad Request: {description}"
    assert sandbox.webhook is None
    sandbox.violations.clear()  # each was a call the bot could have known to be wrong

    longest = "Az09_-" * 42 + "abcd"  # 256 characters: the most Telegram takes
    response = await call(client, "setWebhook", url="https://bot.example/x", secret_token=longest, max_connections=500)
    assert response.json() == {"ok": True, "result": True}
    assert sandbox.webhook is not None and sandbox.webhook.secret_token == longest
    info = (await client.get("getWebhookInfo")).json()["result"]
    assert info == {"url": "https://bot.example/x", "has_custom_certificate": False, "pending_update_count": 0,
                    "max_connections": 100}  # fmt: skip
    # Form-encoded as python-telegram-bot sends it; an empty secret is no secret.
    form = {
        "url": "https://bot.example/y",
        "secret_token": "",
        "allowed_updates": '["message"]',
        "max_connections": "0",
    }
    assert (await client.post("setWebhook", data=form)).json()["result"] is True
    info = (await client.get("getWebhookInfo")).json()["result"]
    assert info["url"] == "https://bot.example/y" and info["max_connections"] == 1
    assert info["allowed_updates"] == ["message"]
    assert sandbox.webhook is not None and sandbox.webhook.secret_token is None
    assert (await call(client, "setWebhook", url="")).json()["result"] is True  # an empty URL removes it
    assert sandbox.webhook is None
    assert (await client.get("getWebhookInfo")).json()["result"]["url"] == ""
    assert sandbox.violations == []


async def test_updates_are_posted_with_the_secret_and_get_updates_is_refused(
    api: tuple[BotApiSandbox, httpx.AsyncClient], receiver: Receiver
) -> None:
    sandbox, client = api
    user = SimUser(sandbox, sandbox.add_user("An", "Lê"))
    user.send("/start")  # sent before the webhook: delivered to it once it is set
    response = await call(
        client, "setWebhook", url=receiver.url, secret_token=SECRET, allowed_updates=["message", "callback_query"]
    )
    assert response.json()["result"] is True
    user.send("chào")
    await sandbox.wait_for(lambda: len(receiver.requests) == 2 and not sandbox.updates, 10, "two deliveries")
    assert [r.text for r in receiver.requests] == ["/start", "chào"]
    first = receiver.requests[0]
    assert first.headers[SECRET_HEADER] == SECRET
    assert first.headers["Content-Type"] == "application/json"  # exactly: python-telegram-bot refuses anything else
    assert first.update["message"]["from"]["first_name"] == "An"
    assert first.update["update_id"] < receiver.requests[1].update["update_id"]

    polled = await call(client, "getUpdates", timeout=0)
    assert polled.status_code == 409
    assert polled.json() == {"ok": False, "error_code": 409, "description": WEBHOOK_CONFLICT}
    info = (await client.get("getWebhookInfo")).json()["result"]
    assert info == {
        "url": receiver.url,
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "max_connections": 40,
        "allowed_updates": ["message", "callback_query"],
    }


async def test_a_waiting_get_updates_ends_with_the_conflict_when_a_webhook_is_set(
    api: tuple[BotApiSandbox, httpx.AsyncClient], receiver: Receiver
) -> None:
    sandbox, client = api
    waiting = asyncio.create_task(call(client, "getUpdates", timeout=5))
    await sandbox.wait_for(lambda: sandbox.version > 0, 5, "the poll to start")
    await call(client, "setWebhook", url=receiver.url)
    response = await waiting
    assert response.status_code == 409 and response.json()["description"] == WEBHOOK_CONFLICT


async def test_failures_are_retried_until_a_2xx_and_reported(
    api: tuple[BotApiSandbox, httpx.AsyncClient], receiver: Receiver
) -> None:
    sandbox, client = api
    statuses = iter([500, 502, 403])

    async def flaky(_received: Received) -> int:
        return next(statuses, 200)

    receiver.answer = flaky
    user = SimUser(sandbox, sandbox.add_user("Bình"))
    await call(client, "setWebhook", url=receiver.url, secret_token=SECRET)
    user.send("một")
    user.send("hai")
    await sandbox.wait_for(lambda: not sandbox.updates, 10, "both updates delivered")
    # The first update was posted four times (three failures, then 200); the second only after the first's 200.
    assert [r.text for r in receiver.requests] == ["một", "một", "một", "một", "hai"]
    attempts = sandbox.delivery.attempts
    assert [a.status for a in attempts] == [500, 502, 403, 200, 200]
    assert attempts[0].error == "Wrong response from the webhook: 500 Internal Server Error"
    info = (await client.get("getWebhookInfo")).json()["result"]
    assert info["last_error_message"] == "Wrong response from the webhook: 403 Forbidden"
    assert isinstance(info["last_error_date"], int) and info["last_error_date"] > 0
    assert info["pending_update_count"] == 0


async def test_an_unreachable_webhook_keeps_the_update_until_the_bot_is_back(
    api: tuple[BotApiSandbox, httpx.AsyncClient], receiver: Receiver
) -> None:
    sandbox, client = api
    user = SimUser(sandbox, sandbox.add_user("Cường"))
    await call(client, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook", secret_token=SECRET)
    user.send("có ai không")
    await sandbox.wait_for(lambda: len(sandbox.delivery.attempts) >= 3, 10, "three failed attempts")
    info = (await client.get("getWebhookInfo")).json()["result"]
    assert info["pending_update_count"] == 1 and info["last_error_message"] == "Connection refused"
    assert all(a.finished and a.status is None for a in sandbox.delivery.attempts)
    # The bot comes back at another address: delivery moves there at once, the error stays the last one.
    await call(client, "setWebhook", url=receiver.url, secret_token=SECRET)
    await sandbox.wait_for(lambda: not sandbox.updates, 10, "the delivery to the new address")
    assert [r.text for r in receiver.requests] == ["có ai không"]
    info = (await client.get("getWebhookInfo")).json()["result"]
    assert info["pending_update_count"] == 0 and info["last_error_message"] == "Connection refused"


async def test_one_update_at_a_time_per_chat_and_at_most_max_connections(
    api: tuple[BotApiSandbox, httpx.AsyncClient], receiver: Receiver
) -> None:
    sandbox, client = api
    release = asyncio.Event()
    in_flight: list[str] = []
    most = 0

    async def slow(received: Received) -> int:
        nonlocal most
        in_flight.append(received.text)
        most = max(most, len(in_flight))
        await release.wait()
        in_flight.remove(received.text)
        return 200

    receiver.answer = slow
    users = [SimUser(sandbox, sandbox.add_user(name)) for name in ("An", "Bình", "Cường")]
    await call(client, "setWebhook", url=receiver.url, max_connections=2)
    for user in users:
        user.send(f"{user.user.first_name} 1")
        user.send(f"{user.user.first_name} 2")
    await sandbox.wait_for(lambda: len(receiver.requests) == 2, 10, "two requests in flight")
    await asyncio.sleep(0.3)  # no third request starts while two are in flight
    assert sorted(in_flight) == ["An 1", "Bình 1"]
    release.set()
    await sandbox.wait_for(lambda: not sandbox.updates, 10, "everything delivered")
    assert most == 2
    texts = [r.text for r in receiver.requests]
    for user in users:  # each chat's updates in order
        name = user.user.first_name
        assert texts.index(f"{name} 1") < texts.index(f"{name} 2")


async def test_delete_webhook_stops_delivery_and_get_updates_resumes(
    api: tuple[BotApiSandbox, httpx.AsyncClient], receiver: Receiver
) -> None:
    sandbox, client = api
    user = SimUser(sandbox, sandbox.add_user("Dung"))
    await call(client, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    user.send("chờ")
    await sandbox.wait_for(lambda: sandbox.delivery.attempts, 10, "a failed attempt")
    assert (await call(client, "deleteWebhook")).json()["result"] is True
    assert sandbox.webhook is None and sandbox.delivery.in_flight == 0
    assert (await client.get("getWebhookInfo")).json()["result"] == {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": 1,
    }
    polled = (await call(client, "getUpdates", timeout=0)).json()["result"]
    assert [u["message"]["text"] for u in polled] == ["chờ"]  # nothing was lost
    attempts = len(sandbox.delivery.attempts)
    await asyncio.sleep(0.2)
    assert len(sandbox.delivery.attempts) == attempts  # no more posts

    # Set again with drop_pending_updates: what waited is gone, and new updates go to the webhook.
    await call(client, "setWebhook", url=receiver.url, drop_pending_updates=True)
    user.send("mới")
    await sandbox.wait_for(lambda: not sandbox.updates, 10, "the queue to empty")
    assert [r.text for r in receiver.requests] == ["mới"]
    assert SECRET_HEADER not in receiver.requests[0].headers  # no secret set, no header
    await call(client, "deleteWebhook", drop_pending_updates=True)
    user.send("bỏ")
    await call(client, "deleteWebhook", drop_pending_updates=True)
    assert (await call(client, "getUpdates", timeout=0)).json()["result"] == []
