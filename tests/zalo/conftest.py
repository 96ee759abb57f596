"""Fixtures for the Zalo tests: the local Zalo server over loopback HTTP, the client pointed at it, a raw HTTP
client for calls the typed client would refuse, and a webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from danhgia.zalo.client import ZaloBot
from danhgia.zalo.sandbox import ZaloSandbox, ZaloSandboxServer


@dataclass
class ZaloWorld:
    """A sandbox served over HTTP, the bot's client, and a raw client for the same base URL."""

    sandbox: ZaloSandbox
    server: ZaloSandboxServer
    bot: ZaloBot
    raw: httpx.AsyncClient

    async def raw_call(self, method: str, body: object = None, **kwargs: Any) -> httpx.Response:
        """POST to a method as the bot would, bypassing the typed client's checks."""
        if body is not None:
            kwargs["json"] = body
        return await self.raw.post(f"/bot{self.sandbox.token}/{method}", **kwargs)

    def new_bot(self) -> ZaloBot:
        """Another client for the same bot (a restarted process)."""
        return ZaloBot(self.sandbox.token, base_url=self.server.url, trust_env=False)


async def open_world(sandbox: ZaloSandbox) -> ZaloWorld:
    """Serve a sandbox and connect a client to it."""
    server = ZaloSandboxServer(sandbox)
    url = await server.start()
    bot = ZaloBot(sandbox.token, base_url=url, trust_env=False)
    raw = httpx.AsyncClient(base_url=url, trust_env=False, timeout=10)
    return ZaloWorld(sandbox, server, bot, raw)


async def close_world(world: ZaloWorld) -> None:
    """Close the clients and stop the server."""
    await world.raw.aclose()
    await world.bot.aclose()
    await world.server.stop()


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloWorld]:
    world = await open_world(ZaloSandbox())
    yield world
    await close_world(world)


@dataclass
class Receiver:
    """A bot's webhook endpoint: records each request; `answer` picks the HTTP status (200 by default)."""

    requests: list[tuple[dict[str, str], Any]] = field(default_factory=list)
    answer: Callable[[int], Awaitable[int]] | None = None
    url: str = ""
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.json()))
        status = 200 if self.answer is None else await self.answer(len(self.requests))
        return web.Response(status=status, text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/zalo-hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/zalo-hook"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    yield hook
    assert hook.runner is not None
    await hook.runner.cleanup()
