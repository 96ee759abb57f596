"""The real `danhgia run` as a child process against the local Bot API server, for the tests that start, stop and
kill it; whatever a test does, every process it started is gone when it ends (`no_process_left_behind`, an
autouse fixture of the modules that import it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from danhgia.sandbox.server import SandboxServer

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


def bot_environment(server: SandboxServer, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of `danhgia run` talking to this server over this database (and `extra` settings)."""
    return {
        **os.environ,
        "BOT_TOKEN": server.sandbox.token,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": database_url,
        "POLL_TIMEOUT": "1",
        "LOG_LEVEL": "INFO",
        **extra,
    }


async def start_bot(
    server: SandboxServer, database_url: str, cwd: Path, *, quiet: bool = False, **extra: str
) -> asyncio.subprocess.Process:
    """Start `danhgia run` and wait until it has published its menus (it is serving); its output is readable
    unless `quiet`."""
    calls_before = len(server.sandbox.calls)
    output = asyncio.subprocess.DEVNULL if quiet else asyncio.subprocess.PIPE
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "danhgia",
        "run",
        cwd=cwd,
        env=bot_environment(server, database_url, **extra),
        stdout=output,
        stderr=asyncio.subprocess.DEVNULL if quiet else asyncio.subprocess.STDOUT,
    )
    STARTED.append(process)
    try:
        await server.sandbox.wait_for(
            lambda: any(c.method == "setMyCommands" for c in server.sandbox.calls[calls_before:]),
            30,
            "the bot to start",
        )
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()  # never leave a process behind
        raise
    return process
