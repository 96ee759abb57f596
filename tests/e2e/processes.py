"""The real `danhgia run` as a child process against the local Bot API server, for the tests that start, stop and
kill it — long polling, or `danhgia run --webhook` with the server posting to it (DANHGIA_TEST_TRANSPORT=webhook, or
a test's choice); whatever a test does, every process it started is gone when it ends (`no_process_left_behind`,
an autouse fixture of the modules that import it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from danhgia.sandbox.server import SandboxServer
from tests.conftest import WEBHOOK_SECRET, transport

STARTED: list[asyncio.subprocess.Process] = []


@pytest.fixture(autouse=True)
async def no_process_left_behind() -> AsyncIterator[None]:
    """Whatever a test does, every process it started is gone when it ends."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


def free_port() -> int:
    """A port nothing listens on now (taken and given back at once), for a webhook server to take."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_environment(server: SandboxServer, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of `danhgia run` talking to this server over this database (and `extra` settings)."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("WEBHOOK_")}
    return {
        **inherited,
        "BOT_TOKEN": server.sandbox.token,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": database_url,
        "POLL_TIMEOUT": "1",
        "LOG_LEVEL": "INFO",
        **extra,
    }


async def start_bot(
    server: SandboxServer,
    database_url: str,
    cwd: Path,
    *,
    quiet: bool = False,
    transport_name: str | None = None,
    **extra: str,
) -> asyncio.subprocess.Process:
    """Start `danhgia run` (with `--webhook` on a free port of 127.0.0.1 when the transport is "webhook") and wait
    until it serves: its menus published, and in webhook mode its webhook set; its output is readable unless
    `quiet`."""
    calls_before = len(server.sandbox.calls)
    output = asyncio.subprocess.DEVNULL if quiet else asyncio.subprocess.PIPE
    arguments = ["run"]
    ready = "setMyCommands"
    if (transport_name or transport()) == "webhook":
        port = free_port()
        extra = {
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            **extra,
        }
        arguments.append("--webhook")
        ready = "setWebhook"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "danhgia",
        *arguments,
        cwd=cwd,
        env=bot_environment(server, database_url, **extra),
        stdout=output,
        stderr=asyncio.subprocess.DEVNULL if quiet else asyncio.subprocess.STDOUT,
    )
    STARTED.append(process)
    try:
        await server.sandbox.wait_for(
            lambda: any(c.method == ready for c in server.sandbox.calls[calls_before:]),
            30,
            "the bot to start",
        )
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()  # never leave a process behind
        raise
    return process
