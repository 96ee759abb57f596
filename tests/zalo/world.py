"""The real bot on Zalo for end-to-end tests: `build_zalo_application` (what `danhgia run --zalo` runs) against the
local Zalo server, by long polling or behind its webhook, with the demo roster imported; people act by typing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from danhgia.bot.app import running
from danhgia.bot.settings import Settings
from danhgia.bot.zalo_app import build_zalo_application, running_zalo, zalo_receiving
from danhgia.sandbox.server import SandboxServer
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.zalo.channel import FILES_PATH, WEBHOOK_PATH, bind
from danhgia.zalo.client import ZaloBot
from danhgia.zalo.sandbox import ZaloSandbox, ZaloSandboxServer, ZaloUser
from tests.conftest import ROSTER_ROWS, make_services, write_roster

WEBHOOK_SECRET = "zalo-webhook-secret-for-tests"
WAIT = 15.0  # seconds a test waits for the bot's answer


@dataclass
class ZaloPerson:
    """A person typing to the bot on Zalo."""

    world: ZaloBotWorld
    user: ZaloUser

    def texts(self) -> list[str]:
        """Everything the bot sent this person, oldest first."""
        return self.world.sandbox.received_texts(self.user.id)

    async def say(self, text: str, *, answers: int = 1) -> str:
        """Type `text`; the bot's answers (at least `answers` messages, all it sent once it is idle), joined."""
        before = len(self.texts())
        self.world.sandbox.send_text(self.user.id, text)
        await self.world.sandbox.wait_for(lambda: len(self.texts()) >= before + answers, WAIT, f"an answer to {text!r}")
        await self.world.settled()
        return "\n\n".join(self.texts()[before:])

    async def choose(self, label: str, *, answers: int = 1) -> str:
        """Read the numbered choices of the latest message ("2 · Điều chỉnh") and type the number of the one whose
        label contains `label`, as a person would; the bot's answers."""
        latest = self.last()
        for line in reversed(latest.splitlines()):
            number, _, text = line.partition(" · ")
            if number.isdecimal() and label in text:
                return await self.say(number, answers=answers)
        raise AssertionError(f"no choice {label!r} in:\n{latest}")

    def last(self) -> str:
        """The latest message the bot sent this person."""
        texts = self.texts()
        return texts[-1] if texts else ""


@dataclass
class ZaloBotWorld:
    """The running Zalo bot, its services and the local Zalo server."""

    sandbox: ZaloSandbox
    services: Services
    settings: Settings
    app: Any
    files_url: str
    people: dict[str, ZaloPerson] = field(default_factory=dict)

    async def settled(self) -> None:
        """Wait until every event the server handed out is recorded and handled."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while loop.time() < deadline:
            pending = (await asyncio.to_thread(self.services.inbox.counts)).get("pending", 0)
            if not self.sandbox.pending and not pending:
                await asyncio.sleep(0.05)  # a send the handler's last step started
                pending = (await asyncio.to_thread(self.services.inbox.counts)).get("pending", 0)
                if not self.sandbox.pending and not pending:
                    return
            await asyncio.sleep(0.02)
        raise TimeoutError("the Zalo bot did not settle")

    def zalo_code(self, staff_code: str) -> str:
        """A fresh invite's Zalo code for one person (the Zalo column of `danhgia invite`)."""
        issued = self.services.linking.issue_invites(Actor.cli("test"))
        return {i.staff_code: i.zalo_code for i in issued}[staff_code]

    async def linked(self, staff_code: str, name: str = "Người") -> ZaloPerson:
        """A Zalo user who typed their invite's code."""
        person = ZaloPerson(self, self.sandbox.add_user(name))
        greeting = await person.say(f"LIENKET {self.zalo_code(staff_code)}")
        assert "Xin chào" in greeting or "liên kết" in greeting, greeting
        self.people[staff_code] = person
        return person

    async def tick(self) -> int:
        """One reminder tick at the services' clock, then delivery (what the scheduler does every minute)."""
        from danhgia.bot.app import TICKER_KEY
        from danhgia.handlers.notifier import deliver_round

        added: int = await self.app.bot_data[TICKER_KEY].tick()
        await deliver_round(self.app, wait=True)
        return added


@asynccontextmanager
async def zalo_world(
    database_url: str,
    clock: ManualClock,
    tmp_path: Path,
    *,
    webhook: bool = False,
    telegram: SandboxServer | None = None,
) -> AsyncIterator[ZaloBotWorld]:
    """The real Zalo Application against a fresh local Zalo server, receiving by polling or by webhook; with a
    local Telegram server, the Application serving both platforms (`danhgia run --zalo` with BOT_TOKEN set)."""
    sandbox = ZaloSandbox()
    server = ZaloSandboxServer(sandbox)
    url = await server.start()
    both: dict[str, Any] = {}
    if telegram is not None:
        both = {"bot_token": telegram.sandbox.token, "telegram_api_url": telegram.url}
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        zalo_bot_token=sandbox.token,
        zalo_api_url=url,
        database_url=database_url,
        poll_timeout=1,
        reminders=False,
        **both,
    )
    services = make_services(database_url, clock)
    services.roster.import_table(read_roster(write_roster(tmp_path / "roster.csv", ROSTER_ROWS)), Actor.cli("test"))
    sockets = bind("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
    zalo = ZaloBot(sandbox.token, base_url=url, trust_env=False)
    app = build_zalo_application(settings, services, zalo, base + FILES_PATH, with_telegram=telegram is not None)
    secret = WEBHOOK_SECRET if webhook else ""
    try:
        async with AsyncExitStack() as stack:
            if telegram is not None:
                await stack.enter_async_context(running(app))
                receiving = zalo_receiving(app, sockets, secret=secret, webhook_url=base + WEBHOOK_PATH, poll_timeout=1)
            else:
                receiving = running_zalo(app, sockets, secret=secret, webhook_url=base + WEBHOOK_PATH, poll_timeout=1)
            await stack.enter_async_context(receiving)
            yield ZaloBotWorld(sandbox, services, settings, app, base + FILES_PATH)
    finally:
        for sock in sockets:
            sock.close()
        await zalo.aclose()
        await server.stop()
        services.db.dispose()
