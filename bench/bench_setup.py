"""What the benchmarks share: the real Application's settings and services against the local Bot API server."""

from __future__ import annotations

from datetime import datetime

from danhgia.bot.settings import Settings
from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.storage.db import make_engine
from danhgia.storage.uow import Database
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.services import Services


def sandboxed(sandbox: BotApiSandbox, server: SandboxServer, url: str, now: datetime) -> tuple[Settings, Services]:
    """Settings for `danhgia run` against the sandbox server over the database at `url` (a short poll, no
    reminder ticker), and the workflow's services over that database with the clock stopped at `now`."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=sandbox.token,
        telegram_api_url=server.url,
        database_url=url,
        poll_timeout=1,
        reminders=False,
    )
    services = Services(Database(make_engine(url)), settings.workflow_config(), ManualClock(now))
    return settings, services
