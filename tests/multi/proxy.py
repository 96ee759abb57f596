"""A small HTTP load balancer for the several-instances tests: Telegram (the local Bot API server) posts each update
to it, and it passes the POST on to one of the bot's instances chosen at random, as a reverse proxy in front of
several webhooks does. An instance that refuses the connection (it died) is answered for with 502, so Telegram
retries the update (on another instance, most likely), and is left out of the choice for a moment (a passive
health check); any other failure is a 502 too. It notes which instance each update went to and how it answered."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from danhgia.sandbox.webhook import SECRET_HEADER, update_chat

RESTING = 2.0  # seconds an instance that refused a connection is left out of the choice
FORWARD_TIMEOUT = 60.0  # as long as Telegram's side waits for the webhook's answer


@dataclass
class Forward:
    """One POST passed on to an instance: the update, the instance (its port) and its answer (None: none came)."""

    update_id: int
    chat: int | None
    port: int
    status: int | None = None


@dataclass
class Balancer:
    """Spreads the webhook's POSTs over the instances listening on `ports` of 127.0.0.1, at random."""

    rng: random.Random
    ports: list[int] = field(default_factory=list)
    forwards: list[Forward] = field(default_factory=list)
    refused: int = 0  # POSTs answered 502 because the chosen instance did not answer
    _resting: dict[int, float] = field(default_factory=dict)  # port → loop time until which it is left out
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None
    url: str = ""

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; returns the webhook URL to give Telegram."""
        app = web.Application()
        app.router.add_post("/{path:.*}", self._pass_on)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        # A fresh connection per request: an instance killed mid-request never leaves a pooled connection behind.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True),
            timeout=aiohttp.ClientTimeout(total=FORWARD_TIMEOUT, connect=5),
        )
        self.url = f"http://127.0.0.1:{port}/telegram"
        return self.url

    async def stop(self) -> None:
        """Stop listening and close the connections to the instances."""
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def in_flight(self, port: int) -> int:
        """POSTs passed on to this instance and not answered yet."""
        return sum(1 for f in self.forwards if f.port == port and f.status is None)

    async def _pass_on(self, request: web.Request) -> web.Response:
        body = await request.read()
        update = json.loads(body)
        loop = asyncio.get_running_loop()
        live = [p for p in self.ports if self._resting.get(p, 0.0) <= loop.time()] or list(self.ports)
        if not live or self._session is None:
            self.refused += 1
            return web.Response(status=502, text="no instance")
        port = self.rng.choice(live)
        forward = Forward(int(update.get("update_id", 0)), update_chat(update), port)
        self.forwards.append(forward)
        headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
        if SECRET_HEADER in request.headers:
            headers[SECRET_HEADER] = request.headers[SECRET_HEADER]
        try:
            async with self._session.post(
                f"http://127.0.0.1:{port}{request.path}", data=body, headers=headers
            ) as answer:
                content = await answer.read()
                forward.status = answer.status
        except aiohttp.ClientConnectorError:  # refused: the instance is gone (or not yet there)
            self._resting[port] = loop.time() + RESTING
            self.refused += 1
            return web.Response(status=502, text="instance refused the connection")
        except (aiohttp.ClientError, TimeoutError):  # cut in the middle (killed while handling it)
            self.refused += 1
            return web.Response(status=502, text="instance did not answer")
        return web.Response(status=forward.status, body=content)
