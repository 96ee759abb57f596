"""`danhgia run` as a real process: it serves, stops cleanly on SIGTERM/Ctrl-C, and loses no update."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser
from danhgia.workflow.clock import SystemClock
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from tests.conftest import ROSTER_ROWS, make_services, write_roster
from tests.e2e.processes import no_process_left_behind, start_bot

pytestmark = pytest.mark.e2e
__all__ = ["no_process_left_behind"]  # the autouse fixture, imported to apply to this module's tests


async def stop(process: asyncio.subprocess.Process, sig: signal.Signals) -> str:
    process.send_signal(sig)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_run_serves_stops_cleanly_and_answers_what_arrived_while_down(
    server: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    # The process runs on the machine's clock, so the invite is issued on that clock too (never the tests' fixed
    # one: a link issued "on 20/11/2026" is expired for a process started weeks later).
    services = make_services(sqlite_url, SystemClock())
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    code = {i.staff_code: i.code for i in services.linking.issue_invites(Actor.cli("test"))}["CV01"]
    an = SimUser(server.sandbox, server.sandbox.add_user("An", "Lê Văn"))

    process = await start_bot(server, sqlite_url, tmp_path)
    an.send(f"/start {code}")
    assert "Liên kết thành công" in (await an.next_message(20)).text
    log = await stop(process, signal.SIGTERM)
    assert "danhgia is running as @danhgia_test_bot" in log
    assert "danhgia stopped" in log
    assert "Traceback" not in log

    # While the bot is down, An asks for help twice; nothing is lost and nothing is answered twice.
    an.send("/help")
    an.send("xin chào")
    process = await start_bot(server, sqlite_url, tmp_path)
    first = await an.next_message(20)
    second = await an.next_message(20)
    assert "Các lệnh dành cho bạn" in first.text
    assert "chưa hiểu" in second.text
    log = await stop(process, signal.SIGINT)
    assert "Traceback" not in log
    assert len(an.bot_messages()) == 3
    services.db.dispose()


async def test_unreachable_bot_api_is_reported(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "BOT_TOKEN": "123:ABCDEFGHIJ",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "danhgia",
        "run",
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert "Không kết nối được tới máy chủ Bot API http://127.0.0.1:9" in output.decode()
